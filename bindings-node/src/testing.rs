//! The testkit issuer for JavaScript tests (`m2mauth/testing`).

use std::time::Duration;

use m2mauth_testkit::{Alg, Fault, Mint, TestIssuer, TokenFormat, Vector};
use napi::bindgen_prelude::{Error, Result, Status};
use napi_derive::napi;

/// Options of the test issuer (seconds for durations).
#[napi(object)]
pub struct NativeIssuerOptions {
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub token_lifetime: Option<f64>,
    pub latency: Option<f64>,
    pub port: Option<u32>,
    pub tls: Option<bool>,
}

/// A real OAuth 2.0 issuer on 127.0.0.1.
#[napi]
pub struct NativeTestIssuer {
    issuer: Option<TestIssuer>,
    client_id: String,
    client_secret: String,
}

fn seconds(value: f64) -> Result<Duration> {
    Duration::try_from_secs_f64(value)
        .map_err(|_| Error::new(Status::InvalidArg, "a duration must be 0 seconds or more"))
}

impl NativeTestIssuer {
    fn running(&self) -> Result<&TestIssuer> {
        self.issuer
            .as_ref()
            .ok_or_else(|| Error::new(Status::GenericFailure, "the test issuer is closed"))
    }
}

#[napi]
impl NativeTestIssuer {
    #[napi(constructor, catch_unwind)]
    pub fn new(options: Option<NativeIssuerOptions>) -> Result<NativeTestIssuer> {
        let options = options.unwrap_or(NativeIssuerOptions {
            client_id: None,
            client_secret: None,
            token_lifetime: None,
            latency: None,
            port: None,
            tls: None,
        });
        let client_id = options
            .client_id
            .unwrap_or_else(|| m2mauth_testkit::DEFAULT_CLIENT_ID.to_owned());
        let client_secret = options
            .client_secret
            .unwrap_or_else(|| m2mauth_testkit::DEFAULT_CLIENT_SECRET.to_owned());
        let port = u16::try_from(options.port.unwrap_or(0))
            .map_err(|_| Error::new(Status::InvalidArg, "port must be at most 65535"))?;
        let mut builder = TestIssuer::builder()
            .client(&client_id, &client_secret)
            .token_lifetime(seconds(options.token_lifetime.unwrap_or(3600.0))?)
            .latency(seconds(options.latency.unwrap_or(0.0))?)
            .port(port);
        if options.tls == Some(true) {
            builder = builder.tls();
        }
        let issuer = builder.start().map_err(|e| {
            Error::new(
                Status::GenericFailure,
                format!("cannot start the test issuer: {e}"),
            )
        })?;
        Ok(NativeTestIssuer {
            issuer: Some(issuer),
            client_id,
            client_secret,
        })
    }

    #[napi(getter)]
    pub fn issuer(&self) -> Result<String> {
        Ok(self.running()?.issuer_url().to_owned())
    }

    #[napi(getter)]
    pub fn token_url(&self) -> Result<String> {
        Ok(self.running()?.token_url())
    }

    #[napi(getter)]
    pub fn jwks_url(&self) -> Result<String> {
        Ok(self.running()?.jwks_url())
    }

    #[napi(getter)]
    pub fn api_url(&self) -> Result<String> {
        Ok(self.running()?.api_url())
    }

    #[napi(getter)]
    pub fn client_id(&self) -> String {
        self.client_id.clone()
    }

    #[napi(getter)]
    pub fn client_secret(&self) -> String {
        self.client_secret.clone()
    }

    #[napi(getter)]
    pub fn requests_served(&self) -> Result<f64> {
        Ok(self.running()?.requests_served() as f64)
    }

    #[napi(getter)]
    pub fn api_requests(&self) -> Result<f64> {
        Ok(self.running()?.api_requests() as f64)
    }

    #[napi(catch_unwind)]
    pub fn fail_next(
        &self,
        status: u32,
        retry_after: Option<String>,
        body: Option<String>,
        content_type: Option<String>,
    ) -> Result<()> {
        self.running()?.push_fault(Fault::Respond {
            status: u16::try_from(status)
                .map_err(|_| Error::new(Status::InvalidArg, "not an HTTP status"))?,
            retry_after,
            content_type: content_type.unwrap_or_else(|| "application/json".to_owned()),
            body: body.unwrap_or_else(|| "{}".to_owned()),
        });
        Ok(())
    }

    #[napi(catch_unwind)]
    pub fn fail_always(
        &self,
        status: u32,
        retry_after: Option<String>,
        body: Option<String>,
    ) -> Result<()> {
        self.running()?.set_sticky_fault(Some(Fault::Respond {
            status: u16::try_from(status)
                .map_err(|_| Error::new(Status::InvalidArg, "not an HTTP status"))?,
            retry_after,
            content_type: "application/json".to_owned(),
            body: body.unwrap_or_else(|| "{}".to_owned()),
        }));
        Ok(())
    }

    #[napi(catch_unwind)]
    pub fn clear_faults(&self) -> Result<()> {
        self.running()?.set_sticky_fault(None);
        Ok(())
    }

    #[napi(catch_unwind)]
    pub fn hang_next(&self) -> Result<()> {
        self.running()?.push_fault(Fault::Hang);
        Ok(())
    }

    #[napi(catch_unwind)]
    pub fn close_next(&self) -> Result<()> {
        self.running()?.push_fault(Fault::Close);
        Ok(())
    }

    #[napi(catch_unwind)]
    pub fn delay_next(&self, secs: f64) -> Result<()> {
        self.running()?.push_fault(Fault::Delay(seconds(secs)?));
        Ok(())
    }

    #[napi(catch_unwind)]
    pub fn redirect_next(&self, location: String) -> Result<()> {
        self.running()?.push_fault(Fault::Redirect(location));
        Ok(())
    }

    #[napi(catch_unwind)]
    pub fn set_token_lifetime(&self, secs: f64) -> Result<()> {
        self.running()?.set_token_lifetime(seconds(secs)?);
        Ok(())
    }

    #[napi(catch_unwind)]
    pub fn set_latency(&self, secs: f64) -> Result<()> {
        self.running()?.set_latency(seconds(secs)?);
        Ok(())
    }

    #[napi(catch_unwind)]
    pub fn revoke_issued_tokens(&self) -> Result<()> {
        self.running()?.revoke_issued_tokens();
        Ok(())
    }

    #[napi(catch_unwind)]
    pub fn reset(&self) -> Result<()> {
        self.running()?.reset();
        Ok(())
    }

    /// The token requests received, as JSON text.
    #[napi(catch_unwind)]
    pub fn recorded_requests_json(&self) -> Result<String> {
        let recorded: Vec<serde_json::Value> = self
            .running()?
            .recorded_requests()
            .into_iter()
            .map(|r| {
                serde_json::json!({
                    "method": r.method,
                    "path": r.path,
                    "headers": r.headers.into_iter().collect::<std::collections::BTreeMap<_, _>>(),
                    "body": String::from_utf8_lossy(&r.body),
                })
            })
            .collect();
        Ok(serde_json::Value::Array(recorded).to_string())
    }

    /// Arms a conformance vector; returns its configuration as JSON text.
    #[napi(catch_unwind)]
    pub fn arm_vector(&self, name: String, text: String) -> Result<String> {
        let vector =
            Vector::from_json(&name, &text).map_err(|e| Error::new(Status::InvalidArg, e))?;
        Ok(self.running()?.arm_vector(&vector).to_string())
    }

    /// Judges the armed vector; `null` when the request and outcome are right.
    #[napi(catch_unwind)]
    pub fn judge(&self, outcome: String) -> Result<Option<String>> {
        Ok(self.running()?.judge_outcome(&outcome).err())
    }

    #[napi(getter)]
    pub fn introspection_url(&self) -> Result<String> {
        Ok(self.running()?.introspection_url())
    }

    #[napi(getter)]
    pub fn revocation_url(&self) -> Result<String> {
        Ok(self.running()?.revocation_url())
    }

    #[napi(getter)]
    pub fn jwks_requests(&self) -> Result<f64> {
        Ok(self.running()?.jwks_requests() as f64)
    }

    #[napi(getter)]
    pub fn introspection_requests(&self) -> Result<f64> {
        Ok(self.running()?.introspection_requests() as f64)
    }

    #[napi(getter)]
    pub fn revocation_requests(&self) -> Result<f64> {
        Ok(self.running()?.revocation_requests() as f64)
    }

    /// A JWT of `claims_json` made as `how_json` says (see the admin API's
    /// `mint`: `alg`, `forged`, `kid`, `typ`, `alg_header`, `unsigned`).
    #[napi(catch_unwind)]
    pub fn mint(&self, claims_json: String, how_json: String) -> Result<String> {
        let claims: serde_json::Value = serde_json::from_str(&claims_json)
            .map_err(|e| Error::new(Status::InvalidArg, format!("claims must be JSON: {e}")))?;
        let how: serde_json::Value = serde_json::from_str(&how_json)
            .map_err(|e| Error::new(Status::InvalidArg, format!("options must be JSON: {e}")))?;
        let text = |name: &str| how.get(name).map(|v| v.as_str().map(str::to_owned));
        let alg = match how.get("alg").and_then(serde_json::Value::as_str) {
            Some(name) => Some(Alg::from_name(name).ok_or_else(|| {
                Error::new(
                    Status::InvalidArg,
                    "alg must be EdDSA, ES256, RS256 or PS256",
                )
            })?),
            None => None,
        };
        let mint = Mint {
            alg,
            unpublished_key: how
                .get("forged")
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(false),
            kid: text("kid"),
            typ: text("typ"),
            alg_header: how
                .get("algHeader")
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned),
            unsigned: how
                .get("unsigned")
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(false),
        };
        self.running()?
            .mint(&claims, &mint)
            .ok_or_else(|| Error::new(Status::InvalidArg, "no key fits that algorithm"))
    }

    /// Trusts a JWK (JSON; its public part) for the client's assertions.
    #[napi(catch_unwind)]
    pub fn register_client_key(&self, jwk_json: String) -> Result<()> {
        let jwk: serde_json::Value = serde_json::from_str(&jwk_json)
            .map_err(|e| Error::new(Status::InvalidArg, format!("jwk: {e}")))?;
        if self.running()?.register_client_key(&self.client_id, &jwk) {
            Ok(())
        } else {
            Err(Error::new(
                Status::InvalidArg,
                "jwk must be an RSA, EC or OKP JWK",
            ))
        }
    }

    #[napi(catch_unwind)]
    pub fn require_dpop_nonce(&self, required: bool) -> Result<()> {
        self.running()?.require_dpop_nonce(required);
        Ok(())
    }

    #[napi(catch_unwind)]
    pub fn rotate_dpop_nonce(&self) -> Result<()> {
        self.running()?.rotate_dpop_nonce();
        Ok(())
    }

    #[napi(getter)]
    pub fn ca_pem(&self) -> Result<Option<String>> {
        Ok(self.running()?.ca_pem().map(str::to_owned))
    }

    /// `[certPem, keyPem]` for mTLS: issued by the CA, or self-signed.
    #[napi(catch_unwind)]
    pub fn client_certificate(&self, self_signed: bool) -> Result<Vec<String>> {
        let issuer = self.running()?;
        let pair = if self_signed {
            issuer.self_signed_certificate(&self.client_id)
        } else {
            issuer.client_certificate(&self.client_id)
        };
        pair.map(|(cert, key)| vec![cert, key]).ok_or_else(|| {
            Error::new(
                Status::GenericFailure,
                "the issuer was not started with tls: true",
            )
        })
    }

    #[napi(catch_unwind)]
    pub fn rotate_keys(&self) -> Result<()> {
        self.running()?
            .rotate_keys()
            .map_err(|e| Error::new(Status::GenericFailure, e.to_string()))
    }

    /// The JWKS endpoint answers `status` from now on (`null` restores it).
    #[napi(catch_unwind)]
    pub fn fail_jwks(&self, status: Option<u32>) -> Result<()> {
        let status = status
            .map(|s| {
                u16::try_from(s)
                    .map_err(|_| Error::new(Status::InvalidArg, "status must be an HTTP status"))
            })
            .transpose()?;
        self.running()?.set_jwks_failure(status);
        Ok(())
    }

    #[napi(catch_unwind)]
    pub fn set_jwks_delay(&self, secs: f64) -> Result<()> {
        self.running()?.set_jwks_delay(seconds(secs)?);
        Ok(())
    }

    #[napi(catch_unwind)]
    pub fn set_jwks_max_age(&self, secs: Option<u32>) -> Result<()> {
        self.running()?.set_jwks_max_age(secs.map(u64::from));
        Ok(())
    }

    /// `format`: `jwt` or `opaque`; `alg`: the JWTs' algorithm.
    #[napi(catch_unwind)]
    pub fn set_tokens(&self, format: Option<String>, alg: Option<String>) -> Result<()> {
        let issuer = self.running()?;
        match format.as_deref() {
            None => {}
            Some("jwt") => issuer.set_token_format(TokenFormat::Jwt),
            Some("opaque") => issuer.set_token_format(TokenFormat::Opaque),
            Some(_) => {
                return Err(Error::new(
                    Status::InvalidArg,
                    "format must be jwt or opaque",
                ));
            }
        }
        if let Some(name) = alg {
            let alg = Alg::from_name(&name).ok_or_else(|| {
                Error::new(
                    Status::InvalidArg,
                    "alg must be EdDSA, ES256, RS256 or PS256",
                )
            })?;
            issuer.set_token_alg(alg);
        }
        Ok(())
    }

    /// Stops the issuer.
    #[napi(catch_unwind)]
    pub fn close(&mut self) {
        if let Some(issuer) = self.issuer.take() {
            issuer.stop();
        }
    }
}
