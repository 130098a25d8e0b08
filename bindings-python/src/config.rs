//! Python arguments → the JSON configuration every binding shares, so that
//! the validation (and its messages) is the core's.

use m2mauth::config::table::{Component, option};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDelta, PyDict, PyList, PyMapping, PyString, PyTuple};
use serde_json::{Map, Number, Value};
use zeroize::Zeroizing;

/// A Python value as JSON: str, int, float, bool, None, sequences, mappings;
/// `timedelta` becomes seconds and path-like objects their string.
pub(crate) fn to_json(name: &str, value: &Bound<'_, PyAny>) -> PyResult<Value> {
    if value.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(text) = value.cast::<PyString>() {
        return Ok(Value::String(text.to_cow()?.into_owned()));
    }
    if value.is_instance_of::<pyo3::types::PyBool>() {
        return Ok(Value::Bool(value.extract()?));
    }
    if let Ok(number) = value.extract::<i64>() {
        return Ok(Value::Number(number.into()));
    }
    if let Ok(number) = value.extract::<f64>() {
        return Number::from_f64(number)
            .map(Value::Number)
            .ok_or_else(|| PyTypeError::new_err(format!("{name} must be a finite number")));
    }
    if value.is_instance_of::<PyDelta>() {
        let seconds: f64 = value.call_method0("total_seconds")?.extract()?;
        return Number::from_f64(seconds)
            .map(Value::Number)
            .ok_or_else(|| PyTypeError::new_err(format!("{name} must be a finite duration")));
    }
    if value.hasattr("__fspath__")? {
        return to_json(name, &value.call_method0("__fspath__")?);
    }
    if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
        return value
            .try_iter()?
            .map(|item| to_json(name, &item?))
            .collect::<PyResult<Vec<_>>>()
            .map(Value::Array);
    }
    if let Ok(mapping) = value.cast::<PyMapping>() {
        let mut object = Map::new();
        for item in mapping.items()?.try_iter()? {
            let (key, item): (String, Bound<'_, PyAny>) = item?.extract()?;
            let value = to_json(&format!("{name}[{key:?}]"), &item)?;
            object.insert(key, value);
        }
        return Ok(Value::Object(object));
    }
    Err(PyTypeError::new_err(format!(
        "{name} cannot be {} (use str, int, float, bool, a list or a dict)",
        value.get_type().name()?
    )))
}

/// The keyword arguments of `TokenSource(...)` (or `Verifier(...)`, named
/// `callable`) as the shared JSON form. A keyword that is not an option of
/// `component` in the core's table is a `TypeError`, as Python does for any
/// unexpected keyword argument; `None` means "not set".
pub(crate) fn from_kwargs(
    callable: &str,
    component: Component,
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<Zeroizing<String>> {
    let mut object = Map::new();
    for (key, value) in options.into_iter().flat_map(PyDictMethods::iter) {
        let name: String = key.extract()?;
        if option(component, &name).is_none() {
            return Err(PyTypeError::new_err(format!(
                "{callable}() got an unexpected keyword argument '{name}'"
            )));
        }
        let json = to_json(&name, &value)?;
        if !json.is_null() {
            object.insert(name, json);
        }
    }
    Ok(Zeroizing::new(Value::Object(object).to_string()))
}

/// A mapping (e.g. a parsed config file) as the shared JSON form.
pub(crate) fn from_mapping(config: &Bound<'_, PyAny>) -> PyResult<Zeroizing<String>> {
    if !config.is_instance_of::<PyDict>() && config.cast::<PyMapping>().is_err() {
        return Err(PyTypeError::new_err(
            "config must be a mapping of option names to values",
        ));
    }
    Ok(Zeroizing::new(to_json("config", config)?.to_string()))
}
