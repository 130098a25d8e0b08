//! `AccessToken` for Python, and the awaitable that hands out a cached one.

use m2mauth::AccessToken;
use pyo3::exceptions::PyStopIteration;
use pyo3::prelude::*;
use pyo3::types::{PyString, PyTuple};

/// An access token. Its `repr` never shows the token itself.
#[pyclass(frozen, module = "m2mauth._native", name = "AccessToken")]
pub struct PyAccessToken {
    inner: AccessToken,
    access_token: Py<PyString>,
    token_type: Py<PyString>,
    authorization_header: Py<PyString>,
    expires_at: Py<PyAny>,
    scopes: Py<PyTuple>,
}

impl PyAccessToken {
    /// Builds the Python objects once; every later access reuses them.
    pub(crate) fn new(py: Python<'_>, token: AccessToken) -> PyResult<PyAccessToken> {
        Ok(PyAccessToken {
            access_token: PyString::new(py, token.secret()).unbind(),
            token_type: PyString::new(py, token.token_type()).unbind(),
            authorization_header: PyString::new(py, token.authorization_header()).unbind(),
            expires_at: token.expires_at().into_pyobject(py)?.into_any().unbind(),
            scopes: PyTuple::new(py, token.scopes())?.unbind(),
            inner: token,
        })
    }

    pub(crate) fn inner(&self) -> &AccessToken {
        &self.inner
    }

    pub(crate) fn header(&self, py: Python<'_>) -> Py<PyString> {
        self.authorization_header.clone_ref(py)
    }
}

#[pymethods]
impl PyAccessToken {
    /// The access token itself.
    #[getter]
    fn access_token(&self, py: Python<'_>) -> Py<PyString> {
        self.access_token.clone_ref(py)
    }

    /// The token type, normally "Bearer".
    #[getter]
    fn token_type(&self, py: Python<'_>) -> Py<PyString> {
        self.token_type.clone_ref(py)
    }

    /// "Bearer <token>", for an Authorization header.
    #[getter]
    fn authorization_header(&self, py: Python<'_>) -> Py<PyString> {
        self.header(py)
    }

    /// When the IdP says the token expires: an aware UTC datetime.
    #[getter]
    fn expires_at(&self, py: Python<'_>) -> Py<PyAny> {
        self.expires_at.clone_ref(py)
    }

    /// Seconds until the token expires (negative once it has).
    #[getter]
    fn expires_in(&self) -> f64 {
        self.inner.expires_in()
    }

    /// The scopes granted.
    #[getter]
    fn scopes(&self, py: Python<'_>) -> Py<PyTuple> {
        self.scopes.clone_ref(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "AccessToken(token_type={}, expires_at={}, scopes={}, access_token=<redacted>)",
            self.token_type.bind(py).repr()?,
            self.expires_at.bind(py).repr()?,
            self.scopes.bind(py).repr()?,
        ))
    }

    /// Tokens compare equal when they come from the same fetch.
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<PyAccessToken>()
            .is_ok_and(|o| o.get().inner.same_as(&self.inner))
    }

    fn __hash__(&self) -> u64 {
        self.inner.fetch_id()
    }

    fn __reduce__(&self) -> PyResult<()> {
        Err(pyo3::exceptions::PyTypeError::new_err(
            "an AccessToken cannot be pickled: tokens stay in the process that fetched them",
        ))
    }
}

/// A coroutine that is already complete: what `token_async()` returns for a
/// cached token, so the cached path never touches the event loop. Unlike
/// most coroutines it can be awaited any number of times, so the same one is
/// handed out while the token is unchanged. Registered as a
/// `collections.abc.Coroutine` (see `m2mauth/__init__.py`), so
/// `asyncio.run` and `asyncio.create_task` take it.
#[pyclass(frozen, module = "m2mauth._native")]
pub struct ReadyToken {
    token: Py<PyAccessToken>,
}

impl ReadyToken {
    pub(crate) fn new(token: Py<PyAccessToken>) -> ReadyToken {
        ReadyToken { token }
    }

    fn done(&self, py: Python<'_>) -> PyErr {
        PyStopIteration::new_err((self.token.clone_ref(py),))
    }
}

#[pymethods]
impl ReadyToken {
    fn __await__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<()> {
        Err(self.done(py))
    }

    /// Completes at once with the token.
    fn send(&self, py: Python<'_>, _value: &Bound<'_, PyAny>) -> PyResult<()> {
        Err(self.done(py))
    }

    /// Raises what it is given (there is nothing to interrupt).
    #[pyo3(signature = (exception, value = None, _traceback = None))]
    fn throw(
        &self,
        exception: &Bound<'_, PyAny>,
        value: Option<&Bound<'_, PyAny>>,
        _traceback: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        Err(thrown(exception, value))
    }

    /// Nothing to close.
    fn close(&self) {}

    fn __repr__(&self) -> &'static str {
        "<m2mauth ready token>"
    }
}

/// The exception `coroutine.throw(exception[, value])` asks to raise.
pub(crate) fn thrown(exception: &Bound<'_, PyAny>, value: Option<&Bound<'_, PyAny>>) -> PyErr {
    if exception.is_instance_of::<pyo3::exceptions::PyBaseException>() {
        return PyErr::from_value(exception.clone());
    }
    let instance = match value {
        Some(v) if v.is_instance_of::<pyo3::exceptions::PyBaseException>() => Ok(v.clone()),
        Some(v) if !v.is_none() => exception.call1((v,)),
        _ => exception.call0(),
    };
    match instance {
        Ok(instance) => PyErr::from_value(instance),
        Err(not_an_exception) => not_an_exception,
    }
}
