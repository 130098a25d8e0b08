//! The issuer's shared state: settings, faults, counters, recordings.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::jwt::KeyRing;
use crate::vector::Vector;

/// A registered client.
#[derive(Clone, Debug)]
pub(crate) struct Client {
    pub(crate) id: String,
    pub(crate) secret: String,
    /// Scopes it may ask for; `None` allows any.
    pub(crate) scopes: Option<Vec<String>>,
    /// Public JWKs its `private_key_jwt` assertions may be signed with.
    pub(crate) keys: Vec<serde_json::Value>,
    /// `x5t#S256` of the certificates it may authenticate with (mTLS).
    pub(crate) certificates: Vec<String>,
}

/// A misbehaviour of the token endpoint, applied to one token request (or
/// to all while sticky; see [`TestIssuer::set_sticky_fault`](crate::TestIssuer::set_sticky_fault)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this status, body and headers.
    Respond {
        /// The HTTP status.
        status: u16,
        /// The `Retry-After` header, if any.
        retry_after: Option<String>,
        /// The `Content-Type` header.
        content_type: String,
        /// The body.
        body: String,
    },
    /// Never answer (until the client gives up or the issuer stops).
    Hang,
    /// Close the connection without answering.
    Close,
    /// Answer normally, after this delay.
    Delay(Duration),
    /// Answer `302 Found` to this location.
    Redirect(String),
    /// Refuse with `invalid_client`, echoing the request's `Authorization`
    /// header and body in the `error_description` (and the body in a
    /// `Location`-less 401), as careless IdPs and proxies do: what the
    /// client shows of it must never contain its secret in any form.
    Echo,
}

impl Fault {
    /// An error status with an empty JSON object body.
    pub fn status(status: u16) -> Fault {
        Fault::Respond {
            status,
            retry_after: None,
            content_type: "application/json".to_owned(),
            body: "{}".to_owned(),
        }
    }

    /// HTTP 429 with `Retry-After: seconds`.
    pub fn rate_limited(retry_after_secs: u64) -> Fault {
        Fault::Respond {
            status: 429,
            retry_after: Some(retry_after_secs.to_string()),
            content_type: "application/json".to_owned(),
            body: r#"{"error":"rate_limited","error_description":"slow down"}"#.to_owned(),
        }
    }

    /// An OAuth error answer (RFC 6749 §5.2).
    pub fn oauth_error(status: u16, error: &str, description: &str) -> Fault {
        Fault::Respond {
            status,
            retry_after: None,
            content_type: "application/json".to_owned(),
            body: serde_json::json!({"error": error, "error_description": description}).to_string(),
        }
    }

    /// A `200 OK` whose body is not a token answer (an HTML login page, say).
    pub fn malformed(body: &str) -> Fault {
        Fault::Respond {
            status: 200,
            retry_after: None,
            content_type: "text/html".to_owned(),
            body: body.to_owned(),
        }
    }
}

/// One request the token endpoint received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedRequest {
    /// `POST`, normally.
    pub method: String,
    /// The path and query.
    pub path: String,
    /// Header names (lower case) and values.
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
    /// The client's TLS certificate (DER), when it presented one.
    pub client_certificate: Option<Vec<u8>>,
}

impl RecordedRequest {
    /// The first value of header `name` (compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
pub(crate) struct Faults {
    pub(crate) queue: VecDeque<Fault>,
    pub(crate) sticky: Option<Fault>,
}

pub(crate) struct Armed {
    pub(crate) vector: Vector,
    pub(crate) verdict: Option<Result<(), String>>,
}

/// What the issuer remembers of a token it issued, for introspection.
#[derive(Clone, Debug)]
pub(crate) struct Issued {
    pub(crate) claims: serde_json::Value,
}

/// The format of issued access tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenFormat {
    /// Signed JWTs (RFC 9068), checkable against the JWKS (the default).
    Jwt,
    /// Random strings, checkable only by introspection.
    Opaque,
}

/// How the JWKS endpoint misbehaves.
#[derive(Clone, Debug, Default)]
pub(crate) struct JwksBehaviour {
    /// Answer with this status instead of the keys.
    pub(crate) status: Option<u16>,
    /// Wait this long before answering.
    pub(crate) delay: Duration,
    /// The `Cache-Control: max-age` to send (none when `None`).
    pub(crate) max_age: Option<u64>,
}

pub(crate) struct Inner {
    pub(crate) issuer: String,
    pub(crate) keys: Mutex<KeyRing>,
    pub(crate) format: Mutex<TokenFormat>,
    /// Tokens issued: JWTs by `jti`, opaque tokens by their text.
    pub(crate) issued: Mutex<HashMap<String, Issued>>,
    /// Revoked tokens, by the same names.
    pub(crate) revoked: Mutex<HashSet<String>>,
    pub(crate) jwks: Mutex<JwksBehaviour>,
    pub(crate) jwks_requests: AtomicU64,
    pub(crate) introspection_requests: AtomicU64,
    pub(crate) revocation_requests: AtomicU64,
    pub(crate) clients: Mutex<Vec<Client>>,
    pub(crate) lifetime: Mutex<Duration>,
    pub(crate) latency: Mutex<Duration>,
    pub(crate) faults: Mutex<Faults>,
    pub(crate) token_requests: AtomicU64,
    pub(crate) api_requests: AtomicU64,
    pub(crate) issued_count: AtomicU64,
    /// Tokens numbered up to this one are revoked (0: none).
    pub(crate) revoked_through: AtomicU64,
    pub(crate) recorded: Mutex<Vec<RecordedRequest>>,
    pub(crate) armed: Mutex<Option<Armed>>,
    /// `jti`s of client assertions seen (replays are refused).
    pub(crate) assertion_jtis: Mutex<HashSet<String>>,
    /// `jti`s of DPoP proofs seen.
    pub(crate) proof_jtis: Mutex<HashSet<String>>,
    pub(crate) dpop: Mutex<crate::dpop::DpopSettings>,
    /// HTTPS, when the issuer was started with it.
    pub(crate) tls: Option<crate::tls::Tls>,
}

impl Inner {
    pub(crate) fn token_url(&self) -> String {
        format!("{}/oauth2/token", self.issuer)
    }

    pub(crate) fn jwks_url(&self) -> String {
        format!("{}/.well-known/jwks.json", self.issuer)
    }

    pub(crate) fn api_url(&self) -> String {
        format!("{}/api/whoami", self.issuer)
    }

    pub(crate) fn introspection_url(&self) -> String {
        format!("{}/oauth2/introspect", self.issuer)
    }

    pub(crate) fn revocation_url(&self) -> String {
        format!("{}/oauth2/revoke", self.issuer)
    }

    /// The name under which a token is remembered: its `jti` if it is one
    /// of this issuer's JWTs, else its text.
    pub(crate) fn token_name(&self, token: &str) -> String {
        lock(&self.keys)
            .verify(token)
            .and_then(|claims| {
                claims
                    .get("jti")
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| token.to_owned())
    }

    pub(crate) fn next_fault(&self) -> Option<Fault> {
        let mut faults = lock(&self.faults);
        faults.queue.pop_front().or_else(|| faults.sticky.clone())
    }

    pub(crate) fn reset(&self) {
        *lock(&self.faults) = Faults::default();
        lock(&self.recorded).clear();
        *lock(&self.armed) = None;
        self.token_requests.store(0, Ordering::SeqCst);
        self.api_requests.store(0, Ordering::SeqCst);
        self.jwks_requests.store(0, Ordering::SeqCst);
        self.introspection_requests.store(0, Ordering::SeqCst);
        self.revocation_requests.store(0, Ordering::SeqCst);
        self.revoked_through.store(0, Ordering::SeqCst);
        *lock(&self.jwks) = JwksBehaviour::default();
        lock(&self.revoked).clear();
        lock(&self.dpop).require_nonce = false;
    }
}

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Seconds since the Unix epoch, for `iat` and `exp`.
#[allow(clippy::disallowed_methods)] // the test issuer is not sans-IO: it is the IdP
pub(crate) fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}
