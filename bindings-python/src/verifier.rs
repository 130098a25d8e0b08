//! `m2mauth._native.Verifier`; the public `m2mauth.Verifier` (verifier.py)
//! wraps it and turns the claims into a `Claims` mapping.

use m2mauth::config::table::Component;
use m2mauth::runtime::ResourceRequest;
use m2mauth::verify::VerifierConfigBuilder;
use m2mauth::{Error, Verifier};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde_json::Value;

use crate::{aio, config, errors};

/// Checks the tokens a service receives (see `m2mauth.Verifier`).
#[pyclass(frozen, module = "m2mauth._native", name = "Verifier")]
pub struct PyVerifier {
    verifier: Verifier,
}

fn built(
    py: Python<'_>,
    config: Result<m2mauth::verify::VerifierConfig, Error>,
) -> PyResult<PyVerifier> {
    config
        .map(|c| PyVerifier {
            verifier: Verifier::new(c),
        })
        .map_err(|e| errors::to_py(py, &e))
}

/// A JSON value as the Python object `json.loads` would make of it.
pub(crate) fn to_python(py: Python<'_>, value: &Value) -> PyResult<Py<PyAny>> {
    let json = py.import("json")?;
    Ok(json.call_method1("loads", (value.to_string(),))?.unbind())
}

#[pymethods]
impl PyVerifier {
    #[new]
    #[pyo3(signature = (**options))]
    fn __new__(py: Python<'_>, options: Option<&Bound<'_, PyDict>>) -> PyResult<PyVerifier> {
        let json = config::from_kwargs("Verifier", Component::Verifier, options)?;
        built(
            py,
            VerifierConfigBuilder::from_json(&json).and_then(VerifierConfigBuilder::build),
        )
    }

    #[staticmethod]
    #[pyo3(signature = (prefix = "M2MAUTH"))]
    fn from_env(py: Python<'_>, prefix: &str) -> PyResult<PyVerifier> {
        built(
            py,
            VerifierConfigBuilder::from_env(prefix).and_then(VerifierConfigBuilder::build),
        )
    }

    #[staticmethod]
    fn from_config(py: Python<'_>, config: &Bound<'_, PyAny>) -> PyResult<PyVerifier> {
        let json = config::from_mapping(config)?;
        built(
            py,
            VerifierConfigBuilder::from_json(&json).and_then(VerifierConfigBuilder::build),
        )
    }

    /// The claims of a valid token carrying `scopes`, as a dict (the GIL
    /// is released while keys are fetched and the signature checked).
    #[pyo3(signature = (token, scopes = Vec::new()))]
    #[allow(clippy::needless_pass_by_value)] // pyo3 extracts a sequence into an owned Vec
    fn verify(&self, py: Python<'_>, token: &str, scopes: Vec<String>) -> PyResult<Py<PyAny>> {
        let claims = py
            .detach(|| self.verifier.verify_scoped_blocking(token, &scopes))
            .map_err(|e| errors::to_py(py, &e))?;
        to_python(py, &Value::Object(claims.raw().clone()))
    }

    /// The claims dict if the check needs no wait (keys cached or pinned),
    /// checked on this thread; `None` when a fetch must be waited for.
    #[pyo3(signature = (token, scopes = Vec::new()))]
    #[allow(clippy::needless_pass_by_value)] // pyo3 extracts a sequence into an owned Vec
    fn verify_now(
        &self,
        py: Python<'_>,
        token: &str,
        scopes: Vec<String>,
    ) -> PyResult<Option<Py<PyAny>>> {
        match self.verifier.verify_now(token, &scopes) {
            None => Ok(None),
            Some(Ok(claims)) => to_python(py, &Value::Object(claims.raw().clone())).map(Some),
            Some(Err(error)) => Err(errors::to_py(py, &error)),
        }
    }

    /// An awaitable of the claims dict, checked on m2mauth's runtime.
    #[pyo3(signature = (token, scopes = Vec::new()))]
    fn verify_async<'py>(
        &self,
        py: Python<'py>,
        token: String,
        scopes: Vec<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let verifier = self.verifier.clone();
        let work = async move {
            let outcome = verifier
                .verify_scoped(&token, &scopes)
                .await
                .map(|c| Value::Object(c.raw().clone()));
            Ok(Delivered(outcome))
        };
        pyo3_async_runtimes::generic::future_into_py::<aio::Background, _, _>(py, work)
    }

    /// The claims of a request's token: its `Authorization` header (Bearer
    /// or DPoP) and, for a DPoP-bound token, its `DPoP` proof for `method`
    /// and `url` (the GIL is released meanwhile).
    #[pyo3(signature = (authorization, method, url, dpop = None, scopes = Vec::new()))]
    #[allow(clippy::needless_pass_by_value)] // pyo3 extracts a sequence into an owned Vec
    fn verify_request(
        &self,
        py: Python<'_>,
        authorization: &str,
        method: &str,
        url: &str,
        dpop: Option<&str>,
        scopes: Vec<String>,
    ) -> PyResult<Py<PyAny>> {
        let request = ResourceRequest {
            authorization,
            dpop,
            method,
            url,
        };
        let claims = py
            .detach(|| self.verifier.verify_request_blocking(&request, &scopes))
            .map_err(|e| errors::to_py(py, &e))?;
        to_python(py, &Value::Object(claims.raw().clone()))
    }

    /// An awaitable of `verify_request`'s claims dict.
    #[pyo3(signature = (authorization, method, url, dpop = None, scopes = Vec::new()))]
    fn verify_request_async<'py>(
        &self,
        py: Python<'py>,
        authorization: String,
        method: String,
        url: String,
        dpop: Option<String>,
        scopes: Vec<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let verifier = self.verifier.clone();
        let work = async move {
            let request = ResourceRequest {
                authorization: &authorization,
                dpop: dpop.as_deref(),
                method: &method,
                url: &url,
            };
            let outcome = verifier
                .verify_request(&request, &scopes)
                .await
                .map(|c| Value::Object(c.raw().clone()));
            Ok(Delivered(outcome))
        };
        pyo3_async_runtimes::generic::future_into_py::<aio::Background, _, _>(py, work)
    }

    /// The IdP's introspection answer (RFC 7662) as a dict.
    fn introspect(&self, py: Python<'_>, token: &str) -> PyResult<Py<PyAny>> {
        let answer = py
            .detach(|| self.verifier.introspect_blocking(token))
            .map_err(|e| errors::to_py(py, &e))?;
        to_python(py, &Value::Object(answer.claims))
    }

    fn __repr__(&self) -> String {
        let config = self.verifier.config();
        format!(
            "Verifier(issuer={:?}, audience={:?})",
            config.issuer().unwrap_or("-"),
            config.audiences()
        )
    }
}

/// An outcome made into Python objects on the event loop's thread (the
/// runtime's worker never waits for the GIL).
struct Delivered(Result<Value, Error>);

impl<'py> IntoPyObject<'py> for Delivered {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self.0 {
            Ok(value) => Ok(to_python(py, &value)?.into_bound(py)),
            Err(error) => Err(errors::to_py(py, &error)),
        }
    }
}
