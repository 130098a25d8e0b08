//! `m2mauth.TokenSource` for Python.

use m2mauth::{AccessToken, TokenSource};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use m2mauth::config::table::Component;

use crate::gil::GilCell;
use crate::token::{PyAccessToken, ReadyToken};
use crate::{aio, config, errors};

/// A cached, self-refreshing source of access tokens for one client and one
/// set of scopes. Thread-safe and asyncio-safe; concurrent callers on a cold
/// cache share one request; from 80 % of a token's lifetime the next caller
/// gets it at once while a background refresh runs.
#[pyclass(frozen, module = "m2mauth._native", name = "TokenSource")]
pub struct PyTokenSource {
    source: TokenSource,
    /// The Python objects of the current token, reused while it is unchanged.
    current: GilCell<Option<Current>>,
}

struct Current {
    fetch_id: u64,
    token: Py<PyAccessToken>,
    ready: Py<ReadyToken>,
}

impl PyTokenSource {
    fn new(source: TokenSource) -> PyTokenSource {
        PyTokenSource {
            source,
            current: GilCell::new(None),
        }
    }

    fn from_json(py: Python<'_>, json: &str) -> PyResult<PyTokenSource> {
        TokenSource::from_json(json)
            .map(PyTokenSource::new)
            .map_err(|e| errors::to_py(py, &e))
    }

    /// `pick` applied to the Python objects of the token with fetch id `id`,
    /// if they are the ones held (the cached path: no allocation, no lock).
    fn held<T>(&self, py: Python<'_>, id: u64, pick: impl FnOnce(&Current) -> T) -> Option<T> {
        self.current.with(py, |current| {
            current.as_ref().filter(|c| c.fetch_id == id).map(pick)
        })
    }

    /// `pick` applied to the Python objects for `token`, made and held if
    /// they are not the ones held already.
    fn with_current<T>(
        &self,
        py: Python<'_>,
        token: AccessToken,
        pick: impl Fn(&Current) -> T,
    ) -> PyResult<T> {
        let fetch_id = token.fetch_id();
        if let Some(picked) = self.held(py, fetch_id, &pick) {
            return Ok(picked);
        }
        let token = Py::new(py, PyAccessToken::new(py, token)?)?;
        let ready = Py::new(py, ReadyToken::new(token.clone_ref(py)))?;
        let current = Current {
            fetch_id,
            token,
            ready,
        };
        let picked = pick(&current);
        let previous = self.current.replace(py, Some(current));
        drop(previous);
        Ok(picked)
    }
}

#[pymethods]
impl PyTokenSource {
    /// Creates a source from keyword options (the option table's names;
    /// see `options.json`). Nothing is fetched yet; an unknown keyword raises
    /// `TypeError`, an invalid value `ConfigError` naming the option.
    #[new]
    #[pyo3(signature = (**options))]
    fn __new__(py: Python<'_>, options: Option<&Bound<'_, PyDict>>) -> PyResult<PyTokenSource> {
        let json = config::from_kwargs("TokenSource", Component::TokenSource, options)?;
        crate::logging::refresh_level(py);
        PyTokenSource::from_json(py, &json)
    }

    /// A source configured from `<prefix>_*` environment variables, such as
    /// `M2MAUTH_TOKEN_URL` or, with `prefix="SSOJET"`, `SSOJET_CLIENT_ID`.
    #[staticmethod]
    #[pyo3(signature = (prefix = "M2MAUTH"))]
    fn from_env(py: Python<'_>, prefix: &str) -> PyResult<PyTokenSource> {
        TokenSource::from_env(prefix)
            .map(PyTokenSource::new)
            .map_err(|e| errors::to_py(py, &e))
    }

    /// A source from a mapping of options (the JSON form every m2mauth
    /// language shares, e.g. loaded from a file). Unknown options raise
    /// `ConfigError` naming them.
    #[staticmethod]
    fn from_config(py: Python<'_>, config: &Bound<'_, PyAny>) -> PyResult<PyTokenSource> {
        let json = config::from_mapping(config)?;
        PyTokenSource::from_json(py, &json)
    }

    /// A valid token: the cached one (the same object while it is unchanged),
    /// or a freshly fetched one. Blocks this thread, with the GIL released,
    /// while the IdP is asked.
    fn token(&self, py: Python<'_>) -> PyResult<Py<PyAccessToken>> {
        if let Some(token) = self
            .source
            .cached_token_id()
            .and_then(|id| self.held(py, id, |c| c.token.clone_ref(py)))
        {
            return Ok(token);
        }
        let token = if let Some(token) = self.source.cached_token() {
            token
        } else {
            // About to wait for the IdP: log at the level Python wants now.
            crate::logging::refresh_level(py);
            py.detach(|| self.source.token_blocking())
                .map_err(|e| errors::to_py(py, &e))?
        };
        self.with_current(py, token, |c| c.token.clone_ref(py))
    }

    /// `await source.token_async()`: a valid token without blocking the event
    /// loop. A cached token comes back without touching the loop; otherwise
    /// the fetch (shared with every other caller) runs on m2mauth's runtime.
    /// Cancelling the await never cancels the fetch for the others.
    fn token_async(slf: Py<Self>, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let this = slf.get();
        if let Some(ready) = this
            .source
            .cached_token_id()
            .and_then(|id| this.held(py, id, |c| c.ready.clone_ref(py)))
        {
            return Ok(ready.into_any());
        }
        if let Some(token) = this.source.cached_token() {
            return this.with_current(py, token, |c| c.ready.clone_ref(py).into_any());
        }
        Ok(Py::new(
            py,
            TokenFetch {
                source: slf,
                awaiting: None,
            },
        )?
        .into_any())
    }

    /// "Bearer <token>", ready for an Authorization header.
    fn authorization_header(&self, py: Python<'_>) -> PyResult<Py<PyString>> {
        let token = self.token(py)?;
        Ok(token.get().header(py))
    }

    /// Drops `token` (an `AccessToken`, or its text) after an API rejected
    /// it with 401, so the next call fetches a new one. Only that exact
    /// token is dropped, and only once; returns whether it was still cached.
    fn invalidate(&self, token: &Bound<'_, PyAny>) -> PyResult<bool> {
        if let Ok(token) = token.cast::<PyAccessToken>() {
            return Ok(self.source.invalidate(token.get().inner()));
        }
        if let Ok(text) = token.cast::<PyString>() {
            return Ok(self.source.invalidate_secret(&text.to_cow()?));
        }
        Err(PyTypeError::new_err(
            "invalidate() takes an AccessToken or the token's text",
        ))
    }

    /// Revokes `token` (an `AccessToken`, or a token's text) at the IdP
    /// (RFC 7009) and drops it from the cache. Blocks with the GIL released.
    fn revoke(&self, py: Python<'_>, token: &Bound<'_, PyAny>) -> PyResult<()> {
        let text = token_text(token)?;
        py.detach(|| self.source.revoke_blocking(&text))
            .map_err(|e| errors::to_py(py, &e))
    }

    /// `await source.revoke_async(token)`: `revoke` without blocking the loop.
    fn revoke_async<'py>(
        &self,
        py: Python<'py>,
        token: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let text = token_text(token)?;
        let source = self.source.clone();
        let work = async move {
            source
                .revoke(&text)
                .await
                .map_err(|e| Python::attach(|py| errors::to_py(py, &e)))
        };
        pyo3_async_runtimes::generic::future_into_py::<aio::Background, _, _>(py, work)
    }

    /// The `DPoP` header for a `method` request to `url` carrying
    /// `access_token` (RFC 9449), or None when DPoP is off.
    #[pyo3(signature = (method, url, access_token = None))]
    fn dpop_proof(
        &self,
        py: Python<'_>,
        method: &str,
        url: &str,
        access_token: Option<&str>,
    ) -> PyResult<Option<String>> {
        self.source
            .dpop_proof(method, url, access_token)
            .map(|proof| proof.map(|p| p.expose().to_owned()))
            .map_err(|e| errors::to_py(py, &e))
    }

    /// Remembers the `DPoP-Nonce` a server at `url` answered with.
    fn record_dpop_nonce(&self, url: &str, nonce: &str) {
        self.source.record_dpop_nonce(url, nonce);
    }

    /// Whether a resource server's answer is a `401` asking for a DPoP nonce
    /// (which is then recorded): send the request again with a new proof.
    #[pyo3(signature = (url, status, www_authenticate = None, dpop_nonce = None))]
    fn accept_dpop_challenge(
        &self,
        url: &str,
        status: u16,
        www_authenticate: Option<&str>,
        dpop_nonce: Option<&str>,
    ) -> bool {
        self.source
            .accept_dpop_challenge(url, status, www_authenticate, dpop_nonce)
    }

    /// What the source has done so far.
    fn stats(&self) -> PyStats {
        let stats = self.source.stats();
        PyStats {
            cache_hits: stats.cache_hits,
            waits: stats.waits,
            fetches: stats.fetches,
            refreshes: stats.refreshes,
            failures: stats.failures,
            l2_hits: stats.l2_hits,
            lease_waits: stats.lease_waits,
            lease_takeovers: stats.lease_takeovers,
            l2_errors: stats.l2_errors,
            last_error: stats.last_error.map(|e| e.to_string()),
        }
    }

    fn __repr__(&self) -> String {
        format!("TokenSource({})", self.source.cache_key())
    }
}

/// The text of an `AccessToken` or of a `str`.
fn token_text(token: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(token) = token.cast::<PyAccessToken>() {
        return Ok(token.get().inner().secret().to_owned());
    }
    if let Ok(text) = token.cast::<PyString>() {
        return Ok(text.to_cow()?.into_owned());
    }
    Err(PyTypeError::new_err(
        "takes an AccessToken or the token's text",
    ))
}

/// The coroutine `token_async()` returns when no token is cached: on its first
/// step (inside the running loop) it starts the fetch on m2mauth's runtime
/// and then waits for the asyncio future that pyo3-async-runtimes completes.
/// Registered as a `collections.abc.Coroutine` (see `m2mauth/__init__.py`).
#[pyclass(module = "m2mauth._native")]
pub struct TokenFetch {
    source: Py<PyTokenSource>,
    /// The iterator of the asyncio future, once started.
    awaiting: Option<Py<PyAny>>,
}

impl TokenFetch {
    fn start<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let this = self.source.get();
        if let Some(token) = this.source.cached_token() {
            let token = this.with_current(py, token, |c| c.token.clone_ref(py))?;
            return Err(pyo3::exceptions::PyStopIteration::new_err((token,)));
        }
        crate::logging::refresh_level(py);
        let source = this.source.clone();
        let owner = self.source.clone_ref(py);
        // The future runs on the runtime's worker, which must never wait for
        // the GIL: it only fetches; the Python objects are made on delivery.
        let fetch = async move {
            let outcome = source.token().await;
            Ok(Fetched {
                source: owner,
                outcome,
            })
        };
        let future =
            pyo3_async_runtimes::generic::future_into_py::<aio::Background, _, _>(py, fetch)?;
        future.call_method0("__await__")
    }
}

#[pymethods]
impl TokenFetch {
    fn __await__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__(&mut self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.send(py, &py.None().into_bound(py))
    }

    /// Advances the coroutine (the protocol asyncio drives).
    fn send(&mut self, py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        if let Some(iterator) = &self.awaiting {
            return Ok(iterator.bind(py).call_method1("send", (value,))?.unbind());
        }
        let iterator = self.start(py)?;
        self.awaiting = Some(iterator.clone().unbind());
        Ok(iterator.call_method1("send", (py.None(),))?.unbind())
    }

    /// Raises `exception` inside the coroutine (how a task is cancelled).
    #[pyo3(signature = (exception, value = None, traceback = None))]
    fn throw(
        &mut self,
        py: Python<'_>,
        exception: &Bound<'_, PyAny>,
        value: Option<&Bound<'_, PyAny>>,
        traceback: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        match &self.awaiting {
            Some(iterator) => {
                let thrown = crate::token::thrown(exception, value);
                let _ = traceback;
                Ok(iterator
                    .bind(py)
                    .call_method1("throw", (thrown.value(py),))?
                    .unbind())
            }
            None => Err(crate::token::thrown(exception, value)),
        }
    }

    /// Closes the coroutine; a fetch in flight goes on for the others.
    fn close(&mut self, py: Python<'_>) -> PyResult<()> {
        if let Some(iterator) = self.awaiting.take() {
            iterator.bind(py).call_method0("close")?;
        }
        Ok(())
    }

    fn __repr__(&self) -> &'static str {
        "<m2mauth token fetch>"
    }
}

/// A fetch's outcome on its way to Python; it becomes the `AccessToken` (or
/// the exception) where pyo3-async-runtimes delivers it, holding the GIL on
/// a blocking thread.
struct Fetched {
    source: Py<PyTokenSource>,
    outcome: Result<AccessToken, m2mauth::Error>,
}

impl<'py> IntoPyObject<'py> for Fetched {
    type Target = PyAccessToken;
    type Output = Bound<'py, PyAccessToken>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        match self.outcome {
            Ok(token) => self
                .source
                .get()
                .with_current(py, token, |c| c.token.clone_ref(py).into_bound(py)),
            Err(error) => Err(errors::to_py(py, &error)),
        }
    }
}

/// Counters of a `TokenSource`.
#[pyclass(frozen, get_all, module = "m2mauth._native", name = "Stats")]
pub struct PyStats {
    /// Calls answered from the cache.
    cache_hits: u64,
    /// Calls that had to wait for the IdP.
    waits: u64,
    /// Token requests that returned a token.
    fetches: u64,
    /// Of those, refreshes ahead of expiry.
    refreshes: u64,
    /// Token requests that failed.
    failures: u64,
    /// Of the fetches, tokens read from the fleet cache (Redis).
    l2_hits: u64,
    /// Fetches that waited for another process's lease.
    lease_waits: u64,
    /// Fetches that took a dead or slow process's lease over.
    lease_takeovers: u64,
    /// Fetches during which Redis failed (each fetched for itself).
    l2_errors: u64,
    /// The latest failure's message, if any.
    last_error: Option<String>,
}

#[pymethods]
impl PyStats {
    fn __repr__(&self) -> String {
        format!(
            "Stats(cache_hits={}, waits={}, fetches={}, refreshes={}, failures={}, l2_hits={}, lease_waits={}, lease_takeovers={}, l2_errors={}, last_error={:?})",
            self.cache_hits,
            self.waits,
            self.fetches,
            self.refreshes,
            self.failures,
            self.l2_hits,
            self.lease_waits,
            self.lease_takeovers,
            self.l2_errors,
            self.last_error
        )
    }
}
