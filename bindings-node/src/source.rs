//! The native token source.

use m2mauth::config::Naming;
use m2mauth::{ConfigBuilder, TokenSource};
use napi::bindgen_prelude::{Either, Env, Object, Result};
use napi_derive::napi;
use zeroize::Zeroizing;

use crate::outcome::{NativeDone, NativeError, NativeOutcome, NativeStats, NativeToken};

/// A token source (the wrapper's `TokenSource` holds one).
#[napi]
pub struct NativeSource {
    source: TokenSource,
}

impl NativeSource {
    pub(crate) fn token_source(&self) -> &TokenSource {
        &self.source
    }
}

#[napi]
impl NativeSource {
    /// A source from the shared JSON configuration, or why not. With
    /// `node_names`, errors name options as Node spells them (`clientId`).
    #[napi(catch_unwind)]
    pub fn create(config_json: String, node_names: bool) -> Either<NativeSource, NativeError> {
        // It may hold the secret: wiped when this call is done with it.
        let config_json = Zeroizing::new(config_json);
        let naming = if node_names {
            Naming::Node
        } else {
            Naming::Snake
        };
        let built =
            ConfigBuilder::from_json_named(&config_json, naming).and_then(ConfigBuilder::build);
        match built {
            Ok(config) => Either::A(NativeSource {
                source: TokenSource::new(config),
            }),
            Err(error) => Either::B(NativeError::new(&error)),
        }
    }

    /// A source from `<prefix>_*` environment variables, or why not.
    #[napi(catch_unwind)]
    pub fn from_env(prefix: String) -> Either<NativeSource, NativeError> {
        match TokenSource::from_env(&prefix) {
            Ok(source) => Either::A(NativeSource { source }),
            Err(error) => Either::B(NativeError::new(&error)),
        }
    }

    /// The token that can be served now, without waiting, if any.
    #[napi(catch_unwind)]
    pub fn cached_token(&self) -> Option<NativeToken> {
        self.source.cached_token().as_ref().map(NativeToken::new)
    }

    /// Starts (or joins) a fetch on m2mauth's runtime; the promise resolves on
    /// the JavaScript thread with the outcome, never rejects.
    #[napi(catch_unwind, ts_return_type = "Promise<NativeOutcome>")]
    pub fn fetch<'env>(&self, env: &'env Env) -> Result<Object<'env>> {
        let (deferred, promise) = env.create_deferred()?;
        self.source.request_token(move |outcome| {
            let outcome = NativeOutcome::new(&outcome);
            deferred.resolve(move |_env| Ok(outcome));
        });
        Ok(promise)
    }

    /// Revokes the token with this text at the IdP (RFC 7009); the promise
    /// resolves with the error, if any, never rejects.
    #[napi(catch_unwind, ts_return_type = "Promise<NativeDone>")]
    pub fn revoke<'env>(&self, env: &'env Env, access_token: String) -> Result<Object<'env>> {
        let (deferred, promise) = env.create_deferred()?;
        self.source.request_revoke(&access_token, move |outcome| {
            let done = NativeDone {
                error: outcome.err().as_ref().map(NativeError::new),
            };
            deferred.resolve(move |_env| Ok(done));
        });
        Ok(promise)
    }

    /// Drops the token with this text after an API rejected it (401).
    #[napi(catch_unwind)]
    pub fn invalidate(&self, access_token: String) -> bool {
        self.source.invalidate_secret(&access_token)
    }

    /// The `DPoP` header for a request (RFC 9449), `null` when DPoP is off,
    /// or the error.
    #[napi(catch_unwind)]
    pub fn dpop_proof(
        &self,
        method: String,
        url: String,
        access_token: Option<String>,
    ) -> Either<Option<String>, NativeError> {
        match self
            .source
            .dpop_proof(&method, &url, access_token.as_deref())
        {
            Ok(proof) => Either::A(proof.map(|p| p.expose().to_owned())),
            Err(e) => Either::B(NativeError::new(&e)),
        }
    }

    /// Remembers a server's `DPoP-Nonce`.
    #[napi(catch_unwind)]
    pub fn record_dpop_nonce(&self, url: String, nonce: String) {
        self.source.record_dpop_nonce(&url, &nonce);
    }

    /// Whether an answer is a `401` asking for a DPoP nonce (then recorded).
    #[napi(catch_unwind)]
    pub fn accept_dpop_challenge(
        &self,
        url: String,
        status: u32,
        www_authenticate: Option<String>,
        dpop_nonce: Option<String>,
    ) -> bool {
        let status = u16::try_from(status).unwrap_or(0);
        self.source.accept_dpop_challenge(
            &url,
            status,
            www_authenticate.as_deref(),
            dpop_nonce.as_deref(),
        )
    }

    /// The counters.
    #[napi(catch_unwind)]
    pub fn stats(&self) -> NativeStats {
        let stats = self.source.stats();
        NativeStats {
            cache_hits: stats.cache_hits as f64,
            waits: stats.waits as f64,
            fetches: stats.fetches as f64,
            refreshes: stats.refreshes as f64,
            failures: stats.failures as f64,
            l2_hits: stats.l2_hits as f64,
            lease_waits: stats.lease_waits as f64,
            lease_takeovers: stats.lease_takeovers as f64,
            l2_errors: stats.l2_errors as f64,
            last_error: stats.last_error.map(|e| e.to_string()),
        }
    }

    /// `client_id@endpoint scope=…`, never a secret.
    #[napi(catch_unwind)]
    pub fn describe(&self) -> String {
        self.source.cache_key().to_string()
    }
}
