//! Tokens and errors as plain objects for the JavaScript wrapper.

use std::time::UNIX_EPOCH;

use m2mauth::{AccessToken, Error};
use napi_derive::napi;

/// A token as the wrapper receives it (`AccessToken` is built from it in JS).
#[napi(object)]
pub struct NativeToken {
    pub access_token: String,
    pub token_type: String,
    /// Milliseconds since the Unix epoch.
    pub expires_at_ms: f64,
    pub scopes: Vec<String>,
    /// Names the fetch: the same for every copy of this token.
    pub fetch_id: i64,
}

impl NativeToken {
    pub(crate) fn new(token: &AccessToken) -> NativeToken {
        let since_epoch = token
            .expires_at()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        NativeToken {
            access_token: token.secret().to_owned(),
            token_type: token.token_type().to_owned(),
            expires_at_ms: since_epoch.as_millis() as f64,
            scopes: token.scopes().to_vec(),
            fetch_id: i64::try_from(token.fetch_id()).unwrap_or(i64::MAX),
        }
    }
}

/// An error as the wrapper receives it (`M2MAuthError` is built from it in JS).
#[napi(object)]
pub struct NativeError {
    /// The stable code in upper case: `INVALID_CLIENT`, `TIMEOUT`, …
    pub code: String,
    /// The code's family: `config`, `refused`, `transient`, …
    pub family: String,
    pub message: String,
    pub oauth_error: Option<String>,
    pub description: Option<String>,
    pub status: Option<u32>,
    /// Seconds the IdP asked to wait (`Retry-After`).
    pub retry_after: Option<f64>,
    /// The option or environment variable at fault (`CONFIG`).
    pub field: Option<String>,
    /// The message without its fixed prefix (`INSUFFICIENT_SCOPE`: the missing scopes).
    pub detail: Option<String>,
}

impl NativeError {
    pub(crate) fn new(error: &Error) -> NativeError {
        NativeError {
            code: error.code().upper_name(),
            family: error.code().family().as_str().to_owned(),
            message: error.to_string(),
            oauth_error: error.oauth_error().map(str::to_owned),
            description: error.description().map(str::to_owned),
            status: error.status().map(u32::from),
            retry_after: error.retry_after().map(|d| d.as_secs_f64()),
            field: error.field().map(str::to_owned),
            detail: error.detail().map(str::to_owned),
        }
    }
}

/// A fetch's outcome: exactly one of `token` and `error` is set.
#[napi(object)]
pub struct NativeOutcome {
    pub token: Option<NativeToken>,
    pub error: Option<NativeError>,
}

impl NativeOutcome {
    pub(crate) fn new(outcome: &Result<AccessToken, Error>) -> NativeOutcome {
        match outcome {
            Ok(token) => NativeOutcome {
                token: Some(NativeToken::new(token)),
                error: None,
            },
            Err(error) => NativeOutcome {
                token: None,
                error: Some(NativeError::new(error)),
            },
        }
    }
}

/// Counters of a token source.
#[napi(object)]
pub struct NativeStats {
    pub cache_hits: f64,
    pub waits: f64,
    pub fetches: f64,
    pub refreshes: f64,
    pub failures: f64,
    pub l2_hits: f64,
    pub lease_waits: f64,
    pub lease_takeovers: f64,
    pub l2_errors: f64,
    pub last_error: Option<String>,
}

/// A verification's (or introspection's) outcome: exactly one of `json`
/// (the claims or the answer, as JSON text) and `error` is set.
#[napi(object)]
pub struct NativeChecked {
    pub json: Option<String>,
    pub error: Option<NativeError>,
}

impl NativeChecked {
    pub(crate) fn new(outcome: Result<String, Error>) -> NativeChecked {
        match outcome {
            Ok(json) => NativeChecked {
                json: Some(json),
                error: None,
            },
            Err(error) => NativeChecked {
                json: None,
                error: Some(NativeError::new(&error)),
            },
        }
    }
}

/// An outcome without a value (revocation): `error` when it failed.
#[napi(object)]
pub struct NativeDone {
    pub error: Option<NativeError>,
}
