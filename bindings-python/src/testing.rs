//! `m2mauth.testing.TestIssuer`: the testkit issuer for Python test suites.

use std::time::Duration;

use m2mauth_testkit::{Alg, Fault, Mint, TestIssuer, TokenFormat, Vector};
use pyo3::exceptions::{PyOSError, PyRuntimeError, PyValueError};
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
    #[pyo3(signature = (*, client_id = "test-client", client_secret = "test-secret", token_lifetime = 3600.0, latency = 0.0, port = 0, tls = false))]
    fn new(
        client_id: &str,
        client_secret: &str,
        token_lifetime: f64,
        latency: f64,
        port: u16,
        tls: bool,
    ) -> PyResult<Self> {
        let mut builder = TestIssuer::builder()
            .client(client_id, client_secret)
            .token_lifetime(duration(token_lifetime)?)
            .latency(duration(latency)?)
            .port(port);
        if tls {
            builder = builder.tls();
        }
        let issuer = builder
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
    #[getter]
    fn introspection_url(&self) -> PyResult<String> {
        Ok(self.running()?.introspection_url())
    }

    #[getter]
    fn revocation_url(&self) -> PyResult<String> {
        Ok(self.running()?.revocation_url())
    }

    #[getter]
    fn jwks_requests(&self) -> PyResult<u64> {
        Ok(self.running()?.jwks_requests())
    }

    #[getter]
    fn introspection_requests(&self) -> PyResult<u64> {
        Ok(self.running()?.introspection_requests())
    }

    #[getter]
    fn revocation_requests(&self) -> PyResult<u64> {
        Ok(self.running()?.revocation_requests())
    }

    /// A JWT of `claims` (a dict) signed as asked: `alg` ("EdDSA", "ES256",
    /// "RS256", "PS256"), `forged` (a key the JWKS does not publish), `kid`
    /// and `typ` (a string, or "" for none), `alg_header` (the alg written,
    /// whatever signs), `unsigned`.
    #[pyo3(signature = (claims, *, alg = None, forged = false, kid = None, typ = None, alg_header = None, unsigned = false))]
    #[allow(clippy::too_many_arguments)] // one per way to forge, as Python callers name them
    fn mint(
        &self,
        claims: &Bound<'_, PyAny>,
        alg: Option<&str>,
        forged: bool,
        kid: Option<String>,
        typ: Option<String>,
        alg_header: Option<String>,
        unsigned: bool,
    ) -> PyResult<String> {
        let claims = crate::config::to_json("claims", claims)?;
        let alg = alg
            .map(|name| {
                Alg::from_name(name).ok_or_else(|| {
                    PyValueError::new_err("alg must be EdDSA, ES256, RS256 or PS256")
                })
            })
            .transpose()?;
        let how = Mint {
            alg,
            unpublished_key: forged,
            kid: kid.map(|k| (!k.is_empty()).then_some(k)),
            typ: typ.map(|t| (!t.is_empty()).then_some(t)),
            alg_header,
            unsigned,
        };
        self.running()?
            .mint(&claims, &how)
            .ok_or_else(|| PyValueError::new_err("no key fits that algorithm"))
    }

    /// Trusts `jwk` (a dict; only its public part is kept) for this
    /// client's `private_key_jwt` assertions.
    fn register_client_key(&self, jwk: &Bound<'_, PyDict>) -> PyResult<()> {
        let text = jwk
            .py()
            .import("json")?
            .call_method1("dumps", (jwk,))?
            .extract::<String>()?;
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| PyValueError::new_err(e.to_string()))?;
        if self.running()?.register_client_key(&self.client_id, &value) {
            Ok(())
        } else {
            Err(PyValueError::new_err("jwk must be an RSA, EC or OKP JWK"))
        }
    }

    /// DPoP proofs must carry the issuer's nonce (`use_dpop_nonce` otherwise).
    fn require_dpop_nonce(&self, required: bool) -> PyResult<()> {
        self.running()?.require_dpop_nonce(required);
        Ok(())
    }

    /// A new DPoP nonce: proofs with the old one are challenged.
    fn rotate_dpop_nonce(&self) -> PyResult<()> {
        self.running()?.rotate_dpop_nonce();
        Ok(())
    }

    /// The CA certificate (PEM) of an issuer started with `tls=True`.
    #[getter]
    fn ca_pem(&self) -> PyResult<Option<String>> {
        Ok(self.running()?.ca_pem().map(str::to_owned))
    }

    /// A client certificate and key (PEM) for mTLS: issued by the CA
    /// (`tls_client_auth`), or self-signed (`self_signed_tls_client_auth`).
    #[pyo3(signature = (*, self_signed = false))]
    fn client_certificate(&self, self_signed: bool) -> PyResult<(String, String)> {
        let issuer = self.running()?;
        let pair = if self_signed {
            issuer.self_signed_certificate(&self.client_id)
        } else {
            issuer.client_certificate(&self.client_id)
        };
        pair.ok_or_else(|| PyValueError::new_err("the issuer was not started with tls=True"))
    }

    /// Replaces the published keys (a key rollover).
    fn rotate_keys(&self) -> PyResult<()> {
        self.running()?
            .rotate_keys()
            .map_err(|e| PyRuntimeError::new_err(e.to_string()))
    }

    /// The JWKS endpoint answers `status` from now on (`None` restores it).
    #[pyo3(signature = (status))]
    fn fail_jwks(&self, status: Option<u16>) -> PyResult<()> {
        self.running()?.set_jwks_failure(status);
        Ok(())
    }

    /// A delay before every JWKS answer, in seconds.
    fn set_jwks_delay(&self, seconds: f64) -> PyResult<()> {
        self.running()?.set_jwks_delay(duration(seconds)?);
        Ok(())
    }

    /// The `Cache-Control: max-age` of the JWKS (`None`: no header).
    #[pyo3(signature = (seconds))]
    fn set_jwks_max_age(&self, seconds: Option<u64>) -> PyResult<()> {
        self.running()?.set_jwks_max_age(seconds);
        Ok(())
    }

    /// Issue `"jwt"` (the default) or `"opaque"` tokens from now on, and
    /// sign JWTs with `alg`.
    #[pyo3(signature = (*, format = None, alg = None))]
    fn set_tokens(&self, format: Option<&str>, alg: Option<&str>) -> PyResult<()> {
        let issuer = self.running()?;
        match format {
            None => {}
            Some("jwt") => issuer.set_token_format(TokenFormat::Jwt),
            Some("opaque") => issuer.set_token_format(TokenFormat::Opaque),
            Some(_) => {
                return Err(PyValueError::new_err(
                    "format must be \"jwt\" or \"opaque\"",
                ));
            }
        }
        if let Some(name) = alg {
            let alg = Alg::from_name(name)
                .ok_or_else(|| PyValueError::new_err("alg must be EdDSA, ES256, RS256 or PS256"))?;
            issuer.set_token_alg(alg);
        }
        Ok(())
    }

    fn close(&mut self) {
        if let Some(issuer) = self.issuer.take() {
            issuer.stop();
        }
    }
}
