//! A verifier's validated configuration.

use std::time::Duration;

use serde_json::Value;
use url::Url;

use super::signature::Algorithm;
use crate::client::ClientAuth;

/// How opaque tokens are introspected (RFC 7662).
#[derive(Clone, Debug)]
pub struct Introspection {
    /// The endpoint, or `None` to discover it from the issuer.
    pub(crate) url: Option<Url>,
    /// The client that asks.
    pub(crate) client: ClientAuth,
}

/// A validated verifier configuration: where the keys come from and the
/// rules a token must pass. Build it with
/// [`VerifierConfigBuilder`](super::VerifierConfigBuilder).
#[derive(Clone, Debug)]
pub struct VerifierConfig {
    /// The expected `iss`, as configured.
    pub(crate) issuer: Option<String>,
    /// The issuer as a URL, for discovery.
    pub(crate) issuer_url: Option<Url>,
    pub(crate) jwks_url: Option<Url>,
    /// Keys given in the configuration (`jwks`): never fetched.
    pub(crate) pinned_keys: Option<std::sync::Arc<super::KeySet>>,
    pub(crate) audiences: Vec<String>,
    pub(crate) algorithms: Vec<Algorithm>,
    pub(crate) leeway: Duration,
    pub(crate) required_scopes: Vec<String>,
    pub(crate) required_claims: Vec<(String, Value)>,
    pub(crate) strict_typ: bool,
    pub(crate) introspection: Option<Introspection>,
    pub(crate) timeout: Duration,
    pub(crate) allow_insecure_http: bool,
    pub(crate) tls: crate::config::Tls,
    /// How errors name `introspection_url`.
    pub(crate) name_of_introspection_url: String,
}

impl VerifierConfig {
    /// The expected `iss`.
    pub fn issuer(&self) -> Option<&str> {
        self.issuer.as_deref()
    }

    /// The JWKS URL, when configured (else it is discovered from the issuer).
    pub fn jwks_url(&self) -> Option<&Url> {
        self.jwks_url.as_ref()
    }

    /// The accepted audiences.
    pub fn audiences(&self) -> &[String] {
        &self.audiences
    }

    /// The accepted algorithms.
    pub fn algorithms(&self) -> &[Algorithm] {
        &self.algorithms
    }

    /// The clock tolerance.
    pub fn leeway(&self) -> Duration {
        self.leeway
    }

    /// The scopes a token must all carry.
    pub fn required_scopes(&self) -> &[String] {
        &self.required_scopes
    }

    /// Whether opaque tokens are introspected.
    pub fn introspects(&self) -> bool {
        self.introspection.is_some()
    }

    /// The deadline of one JWKS or introspection request.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Where the JWKS comes from: the configured URL, or the issuer's
    /// discovery document (`None`: neither, so only introspection).
    pub fn key_source(&self) -> Option<&Url> {
        self.jwks_url.as_ref().or(self.issuer_url.as_ref())
    }

    /// The keys pinned by the `jwks` option, used instead of any fetch.
    pub fn pinned_keys(&self) -> Option<&super::KeySet> {
        self.pinned_keys.as_deref()
    }
}
