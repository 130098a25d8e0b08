//! The testkit issuer for JavaScript tests (`m2mauth/testing`).

use std::time::Duration;

use m2mauth_testkit::{Fault, TestIssuer, Vector};
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
        });
        let client_id = options
            .client_id
            .unwrap_or_else(|| m2mauth_testkit::DEFAULT_CLIENT_ID.to_owned());
        let client_secret = options
            .client_secret
            .unwrap_or_else(|| m2mauth_testkit::DEFAULT_CLIENT_SECRET.to_owned());
        let port = u16::try_from(options.port.unwrap_or(0))
            .map_err(|_| Error::new(Status::InvalidArg, "port must be at most 65535"))?;
        let issuer = TestIssuer::builder()
            .client(&client_id, &client_secret)
            .token_lifetime(seconds(options.token_lifetime.unwrap_or(3600.0))?)
            .latency(seconds(options.latency.unwrap_or(0.0))?)
            .port(port)
            .start()
            .map_err(|e| {
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

    /// Stops the issuer.
    #[napi(catch_unwind)]
    pub fn close(&mut self) {
        if let Some(issuer) = self.issuer.take() {
            issuer.stop();
        }
    }
}
