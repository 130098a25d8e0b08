//! `m2mauth.testing.TestIssuer`: the testkit issuer for Python test suites.

use std::time::Duration;

use m2mauth_testkit::{Fault, TestIssuer, Vector};
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

/// A real OAuth 2.0 issuer on 127.0.0.1 (discovery, token endpoint, JWKS,
/// a protected API), with fault scripting. Stops when closed or collected.
#[pyclass(subclass, module = "m2mauth._native", name = "TestIssuer")]
pub struct PyTestIssuer {
    issuer: Option<TestIssuer>,
    client_id: String,
    client_secret: String,
}

fn duration(value: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(value)
        .map_err(|_| PyValueError::new_err("a duration must be 0 seconds or more"))
}

impl PyTestIssuer {
    fn running(&self) -> PyResult<&TestIssuer> {
        self.issuer
            .as_ref()
            .ok_or_else(|| PyValueError::new_err("the test issuer is stopped"))
    }

    fn push(&self, fault: Fault) -> PyResult<()> {
        self.running()?.push_fault(fault);
        Ok(())
    }
}

#[pymethods]
impl PyTestIssuer {
    #[new]
    #[pyo3(signature = (*, client_id = "test-client", client_secret = "test-secret", token_lifetime = 3600.0, latency = 0.0, port = 0))]
    fn new(
        client_id: &str,
        client_secret: &str,
        token_lifetime: f64,
        latency: f64,
        port: u16,
    ) -> PyResult<Self> {
        let issuer = TestIssuer::builder()
            .client(client_id, client_secret)
            .token_lifetime(duration(token_lifetime)?)
            .latency(duration(latency)?)
            .port(port)
            .start()
            .map_err(|e| PyOSError::new_err(format!("cannot start the test issuer: {e}")))?;
        Ok(PyTestIssuer {
            issuer: Some(issuer),
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
        })
    }

    /// The issuer URL, `http://127.0.0.1:PORT`.
    #[getter]
    fn issuer(&self) -> PyResult<String> {
        Ok(self.running()?.issuer_url().to_owned())
    }

    /// The token endpoint.
    #[getter]
    fn token_url(&self) -> PyResult<String> {
        Ok(self.running()?.token_url())
    }

    /// The JWKS endpoint.
    #[getter]
    fn jwks_url(&self) -> PyResult<String> {
        Ok(self.running()?.jwks_url())
    }

    /// A protected API: 200 for a valid token of this issuer, 401 otherwise.
    #[getter]
    fn api_url(&self) -> PyResult<String> {
        Ok(self.running()?.api_url())
    }

    /// The registered client id.
    #[getter]
    fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The registered client secret.
    #[getter]
    fn client_secret(&self) -> &str {
        &self.client_secret
    }

    /// Requests the token endpoint has received.
    #[getter]
    fn requests_served(&self) -> PyResult<u64> {
        Ok(self.running()?.requests_served())
    }

    /// Requests the protected API has received.
    #[getter]
    fn api_requests(&self) -> PyResult<u64> {
        Ok(self.running()?.api_requests())
    }

    /// The next token request gets this status (with an optional
    /// `Retry-After` and body).
    #[pyo3(signature = (status, *, retry_after = None, body = "{}", content_type = "application/json"))]
    fn fail_next(
        &self,
        status: u16,
        retry_after: Option<String>,
        body: &str,
        content_type: &str,
    ) -> PyResult<()> {
        self.push(Fault::Respond {
            status,
            retry_after,
            content_type: content_type.to_owned(),
            body: body.to_owned(),
        })
    }

    /// The next token request never gets an answer.
    fn hang_next(&self) -> PyResult<()> {
        self.push(Fault::Hang)
    }

    /// The next token request's connection is closed unanswered.
    fn close_next(&self) -> PyResult<()> {
        self.push(Fault::Close)
    }

    /// The next token request is answered after `seconds`.
    fn delay_next(&self, seconds: f64) -> PyResult<()> {
        self.push(Fault::Delay(duration(seconds)?))
    }

    /// The next token request is redirected to `location`.
    fn redirect_next(&self, location: &str) -> PyResult<()> {
        self.push(Fault::Redirect(location.to_owned()))
    }

    /// Every token request fails with `status` until `clear_faults()`.
    #[pyo3(signature = (status, *, retry_after = None, body = "{}"))]
    fn fail_always(&self, status: u16, retry_after: Option<String>, body: &str) -> PyResult<()> {
        self.running()?.set_sticky_fault(Some(Fault::Respond {
            status,
            retry_after,
            content_type: "application/json".to_owned(),
            body: body.to_owned(),
        }));
        Ok(())
    }

    /// Drops queued and permanent faults.
    fn clear_faults(&self) -> PyResult<()> {
        self.running()?.set_sticky_fault(None);
        Ok(())
    }

    /// The lifetime (seconds) of tokens issued from now on.
    fn set_token_lifetime(&self, seconds: f64) -> PyResult<()> {
        self.running()?.set_token_lifetime(duration(seconds)?);
        Ok(())
    }

    /// A delay (seconds) before every token answer from now on.
    fn set_latency(&self, seconds: f64) -> PyResult<()> {
        self.running()?.set_latency(duration(seconds)?);
        Ok(())
    }

    /// Every token issued so far is rejected by the protected API from now on.
    fn revoke_issued_tokens(&self) -> PyResult<()> {
        self.running()?.revoke_issued_tokens();
        Ok(())
    }

    /// Clears counters, recordings, faults and revocations.
    fn reset(&self) -> PyResult<()> {
        self.running()?.reset();
        Ok(())
    }

    /// The token requests received: dicts with method, path, headers, body.
    fn recorded_requests<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyDict>>> {
        self.running()?
            .recorded_requests()
            .into_iter()
            .map(|r| {
                let d = PyDict::new(py);
                d.set_item("method", r.method)?;
                d.set_item("path", r.path)?;
                d.set_item(
                    "headers",
                    r.headers
                        .into_iter()
                        .collect::<std::collections::BTreeMap<_, _>>(),
                )?;
                d.set_item("body", PyBytes::new(py, &r.body))?;
                Ok(d)
            })
            .collect()
    }

    /// Arms a conformance vector (the text of a `tests/vectors/exchange`
    /// file); returns its configuration for this issuer, as JSON text.
    fn arm_vector(&self, name: &str, text: &str) -> PyResult<String> {
        let vector = Vector::from_json(name, text).map_err(PyValueError::new_err)?;
        Ok(self.running()?.arm_vector(&vector).to_string())
    }

    /// Judges the armed vector: the request received and the outcome line
    /// the client reported. Returns None when both are right, else what differs.
    fn judge(&self, outcome: &str) -> PyResult<Option<String>> {
        Ok(self.running()?.judge_outcome(outcome).err())
    }

    /// Stops the issuer; open connections are dropped.
    fn close(&mut self) {
        if let Some(issuer) = self.issuer.take() {
            issuer.stop();
        }
    }
}
