//! The resource side (sans-IO): checking the tokens a service receives.
//!
//! - [`VerifierConfigBuilder`] → [`VerifierConfig`]: where keys come from
//!   and the rules a token must pass (options in the one table).
//! - [`verify_token`]: a JWT checked against a [`KeySet`] at a given time:
//!   algorithm allow-list bound to the key type (never `none`, never HMAC),
//!   signature, `typ`, `iss`, `aud`, `exp`/`nbf`/`iat` with leeway (type-
//!   strict), required scopes and claims.
//! - [`JwksCache`]: the JWKS state machine (single-flight, max-age,
//!   background refresh, stale-if-error, unknown-`kid` cooldown).
//! - Introspection (RFC 7662) requests, answers and [`IntrospectionCache`].
//!
//! The runtime's `Verifier` drives these with real time and HTTP.

mod builder;
mod cache;
mod check;
mod claims;
mod config;
pub mod dpop;
mod introspection;
mod jwks;
mod jws;
mod signature;

use std::time::SystemTime;

pub use builder::VerifierConfigBuilder;
pub use cache::{FreshKeys, JwksAction, JwksCache, JwksPolicy};
pub use claims::Claims;
pub use config::{Introspection, VerifierConfig};
pub use introspection::{
    ACTIVE_TTL, INACTIVE_TTL, IntrospectAction, Introspected, IntrospectionCache,
    introspection_request, parse_introspection,
};
pub use jwks::{KeySet, PublicKey};
pub use signature::Algorithm;

pub(crate) use check::{
    Candidate, candidate, check_introspected, key_missing, verify as check_with_keys,
};
pub(crate) use introspection::{inactive, token_hash};
pub(crate) use jwks::parse_jwks_response;
pub(crate) use jws::looks_like_jwt;

use crate::Error;

/// Checks the JWT `token` against `keys` at the wall-clock time `now`, by
/// every rule of `config`. For callers that hold the keys themselves; the
/// runtime's `Verifier` fetches and caches them.
///
/// ```
/// use m2mauth::verify::{KeySet, VerifierConfigBuilder, verify_token};
/// let config = VerifierConfigBuilder::default()
///     .jwks_url("https://idp.example.com/jwks")
///     .audience(["https://api.example.com"])
///     .build()?;
/// let err = verify_token(&config, &KeySet::default(), "not.a.jwt", std::time::SystemTime::UNIX_EPOCH).unwrap_err();
/// assert_eq!(err.code(), m2mauth::ErrorCode::TokenMalformed);
/// # Ok::<(), m2mauth::Error>(())
/// ```
pub fn verify_token(
    config: &VerifierConfig,
    keys: &KeySet,
    token: &str,
    now: SystemTime,
) -> Result<Claims, Error> {
    check::verify(config, check::candidate(config, token)?, keys, now)
}

/// Parses a JWKS document into the keys a verifier can use.
pub fn parse_jwks(body: &[u8]) -> Result<KeySet, Error> {
    jwks::parse_jwks(body).map_err(Error::jwks_unavailable)
}

/// `Cache-Control: max-age` of an answer, if it gives one (`no-store` and
/// `no-cache` count as none).
pub fn max_age(response: &crate::protocol::HttpResponse) -> Option<std::time::Duration> {
    let header = response.header("cache-control")?;
    header.split(',').find_map(|directive| {
        let (name, value) = directive.trim().split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("max-age") {
            return None;
        }
        value
            .trim()
            .trim_matches('"')
            .parse::<u64>()
            .ok()
            .map(std::time::Duration::from_secs)
    })
}
