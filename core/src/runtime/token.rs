//! The token handed to callers.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use serde_json::{Map, Value};

use crate::Secret;
use crate::protocol::TokenResponse;

/// Numbers each fetched token, so copies of it stay recognisable.
static FETCHED: AtomicU64 = AtomicU64::new(1);

/// An access token from the cache. Cloning it is cheap (one reference count).
///
/// `Debug` never shows the token; read it with [`secret`](Self::secret) or
/// use [`authorization_header`](Self::authorization_header).
#[derive(Clone)]
pub struct AccessToken(Arc<Inner>);

#[derive(Clone)]
struct Inner {
    id: u64,
    secret: Secret,
    header: Secret,
    token_type: String,
    scopes: Vec<String>,
    expires_at: SystemTime,
    lifetime: Duration,
    extra: Map<String, Value>,
}

impl AccessToken {
    /// Wraps an answer; `sent_at` is the wall-clock time the request was sent,
    /// `requested` the scopes asked for (granted when the IdP does not say).
    pub(crate) fn new(response: TokenResponse, sent_at: SystemTime, requested: &[String]) -> Self {
        let header = Secret::new(format!(
            "{} {}",
            response.token_type,
            response.access_token.expose()
        ));
        AccessToken(Arc::new(Inner {
            id: FETCHED.fetch_add(1, Ordering::Relaxed),
            header,
            secret: response.access_token,
            token_type: response.token_type,
            scopes: response.scopes.unwrap_or_else(|| requested.to_vec()),
            expires_at: sent_at + response.lifetime,
            lifetime: response.lifetime,
            extra: response.extra,
        }))
    }

    /// The access token itself.
    pub fn secret(&self) -> &str {
        self.0.secret.expose()
    }

    /// The token type, `Bearer` for nearly every IdP.
    pub fn token_type(&self) -> &str {
        &self.0.token_type
    }

    /// The value of an `Authorization` header carrying this token: `Bearer <token>`.
    pub fn authorization_header(&self) -> &str {
        self.0.header.expose()
    }

    /// The scopes granted (as requested when the IdP does not list them).
    pub fn scopes(&self) -> &[String] {
        &self.0.scopes
    }

    /// When the IdP says the token expires, by the wall clock. The cache
    /// stops handing the token out a little earlier (see `Policy::expiry_skew`).
    pub fn expires_at(&self) -> SystemTime {
        self.0.expires_at
    }

    /// Seconds until [`expires_at`](Self::expires_at) by the wall clock now
    /// (negative once it has passed).
    pub fn expires_in(&self) -> f64 {
        match self.0.expires_at.duration_since(super::clock::wall_now()) {
            Ok(left) => left.as_secs_f64(),
            Err(past) => -past.duration().as_secs_f64(),
        }
    }

    /// The lifetime the IdP granted (`expires_in`).
    pub fn lifetime(&self) -> Duration {
        self.0.lifetime
    }

    /// Other fields of the IdP's answer (for example `id_token` or vendor extensions).
    pub fn extra(&self) -> &Map<String, Value> {
        &self.0.extra
    }

    /// Whether both handles are the same token (the same fetch).
    pub fn same_as(&self, other: &AccessToken) -> bool {
        self.0.id == other.0.id
    }

    /// A number naming the fetch that produced this token: every copy of
    /// the token has it, the next fetch gets another. Bindings use it to
    /// reuse their own wrapper object while the token is unchanged.
    pub fn fetch_id(&self) -> u64 {
        self.0.id
    }

    /// A copy with a reference count of its own (see `hot`), still `same_as` this one.
    pub(crate) fn replica(&self) -> AccessToken {
        AccessToken(Arc::new(Inner::clone(&self.0)))
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("token", &"redacted")
            .field("token_type", &self.0.token_type)
            .field("scopes", &self.0.scopes)
            .field("expires_at", &self.0.expires_at)
            .finish_non_exhaustive()
    }
}
