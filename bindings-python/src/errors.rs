//! m2mauth errors → the Python exceptions of `m2mauth.errors`.

use m2mauth::Error;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

static FROM_NATIVE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The Python exception for `error`: an instance of the `m2mauth.errors`
/// class for its code, carrying the IdP's words. Never a secret: the core's
/// messages have none.
pub(crate) fn to_py(py: Python<'_>, error: &Error) -> PyErr {
    match exception(py, error) {
        Ok(exception) => PyErr::from_value(exception),
        Err(import_failed) => import_failed,
    }
}

fn exception<'py>(py: Python<'py>, error: &Error) -> PyResult<Bound<'py, PyAny>> {
    let from_native = FROM_NATIVE.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        Ok(py
            .import("m2mauth.errors")?
            .getattr("_from_native")?
            .unbind())
    })?;
    from_native.bind(py).call1((
        error.code().as_str(),
        error.code().family().as_str(),
        error.to_string(),
        error.oauth_error(),
        error.description(),
        error.status(),
        error.retry_after().map(|d| d.as_secs_f64()),
        error.field(),
        error.detail(),
    ))
}
