//! The native verifier (the wrapper's `Verifier` holds one).

use m2mauth::Verifier;
use m2mauth::config::Naming;
use m2mauth::runtime::ResourceRequest;
use m2mauth::verify::VerifierConfigBuilder;
use napi::bindgen_prelude::{Either, Env, Object, Result};
use napi_derive::napi;
use zeroize::Zeroizing;

use crate::outcome::{NativeChecked, NativeError};

/// A verifier of the tokens a service receives.
#[napi]
pub struct NativeVerifier {
    verifier: Verifier,
}

fn made(
    built: std::result::Result<m2mauth::verify::VerifierConfig, m2mauth::Error>,
) -> Either<NativeVerifier, NativeError> {
    match built {
        Ok(config) => Either::A(NativeVerifier {
            verifier: Verifier::new(config),
        }),
        Err(error) => Either::B(NativeError::new(&error)),
    }
}

#[napi]
impl NativeVerifier {
    /// A verifier from the shared JSON configuration, or why not; with
    /// `node_names`, errors name options as Node spells them.
    #[napi(catch_unwind)]
    pub fn create(config_json: String, node_names: bool) -> Either<NativeVerifier, NativeError> {
        let config_json = Zeroizing::new(config_json);
        let naming = if node_names {
            Naming::Node
        } else {
            Naming::Snake
        };
        made(
            VerifierConfigBuilder::from_json_named(&config_json, naming)
                .and_then(VerifierConfigBuilder::build),
        )
    }

    /// A verifier from `<prefix>_*` environment variables, or why not.
    #[napi(catch_unwind)]
    pub fn from_env(prefix: String) -> Either<NativeVerifier, NativeError> {
        made(VerifierConfigBuilder::from_env(&prefix).and_then(VerifierConfigBuilder::build))
    }

    /// Checks `token` (which must also carry `scopes`) off the event loop;
    /// the promise resolves with the claims (as JSON) or the error, never rejects.
    #[napi(catch_unwind, ts_return_type = "Promise<NativeChecked>")]
    pub fn verify<'env>(
        &self,
        env: &'env Env,
        token: String,
        scopes: Vec<String>,
    ) -> Result<Object<'env>> {
        let (deferred, promise) = env.create_deferred()?;
        self.verifier
            .request_verify(&token, scopes, move |outcome| {
                let checked = NativeChecked::new(outcome.map(|claims| claims.to_json()));
                deferred.resolve(move |_env| Ok(checked));
            });
        Ok(promise)
    }

    /// Checks `token` on the calling thread if that needs no wait (keys
    /// cached or pinned): the claims (as JSON) or the error; `null` when a
    /// fetch must be waited for (then call `verify`).
    #[napi(catch_unwind)]
    pub fn verify_now(&self, token: String, scopes: Vec<String>) -> Option<NativeChecked> {
        self.verifier
            .verify_now(&token, &scopes)
            .map(|outcome| NativeChecked::new(outcome.map(|claims| claims.to_json())))
    }

    /// Checks a request's `Authorization` header (Bearer or DPoP) and, for
    /// a DPoP-bound token, its `DPoP` proof for `method` and `url`.
    #[napi(catch_unwind, ts_return_type = "Promise<NativeChecked>")]
    pub fn verify_request<'env>(
        &self,
        env: &'env Env,
        authorization: String,
        dpop: Option<String>,
        method: String,
        url: String,
        scopes: Vec<String>,
    ) -> Result<Object<'env>> {
        let (deferred, promise) = env.create_deferred()?;
        let request = ResourceRequest {
            authorization: &authorization,
            dpop: dpop.as_deref(),
            method: &method,
            url: &url,
        };
        self.verifier
            .request_verify_request(&request, scopes, move |outcome| {
                let checked = NativeChecked::new(outcome.map(|claims| claims.to_json()));
                deferred.resolve(move |_env| Ok(checked));
            });
        Ok(promise)
    }

    /// The IdP's introspection answer (as JSON) about `token`, or the error.
    #[napi(catch_unwind, ts_return_type = "Promise<NativeChecked>")]
    pub fn introspect<'env>(&self, env: &'env Env, token: String) -> Result<Object<'env>> {
        let (deferred, promise) = env.create_deferred()?;
        self.verifier.request_introspect(&token, move |answer| {
            let checked =
                NativeChecked::new(answer.map(|a| serde_json::Value::Object(a.claims).to_string()));
            deferred.resolve(move |_env| Ok(checked));
        });
        Ok(promise)
    }

    /// `issuer` and audiences, never a secret.
    #[napi(catch_unwind)]
    pub fn describe(&self) -> String {
        let config = self.verifier.config();
        format!(
            "issuer={} audience={}",
            config.issuer().unwrap_or("-"),
            config.audiences().join(",")
        )
    }
}
