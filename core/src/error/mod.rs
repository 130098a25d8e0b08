//! The one error type of the SDK, with a stable [`ErrorCode`] every binding maps.

mod codes;

pub use codes::{ErrorCode, Family, error_codes_json};

use std::fmt;
use std::time::Duration;

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error from m2mauth: a stable [`code`](Error::code) plus what the IdP said.
///
/// No message ever contains a client secret or a token: the IdP's
/// `error_description` is cut, stripped of control characters and scrubbed
/// of the configured secret before it is stored here.
///
/// ```
/// use m2mauth::{Error, ErrorCode};
/// let err = Error::config("client_id", "is required");
/// assert_eq!(err.code(), ErrorCode::Config);
/// assert_eq!(err.to_string(), "invalid configuration: client_id is required");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Error(Box<Details>);

#[derive(Clone, Debug, PartialEq, Eq)]
struct Details {
    code: ErrorCode,
    detail: Option<String>,
    field: Option<String>,
    oauth_error: Option<String>,
    description: Option<String>,
    status: Option<u16>,
    retry_after: Option<Duration>,
    /// What was asked: `token`, `introspection`, `revocation`, `JWKS`, `discovery`.
    endpoint: &'static str,
}

impl Error {
    fn new(code: ErrorCode) -> Self {
        Error(Box::new(Details {
            code,
            detail: None,
            field: None,
            oauth_error: None,
            description: None,
            status: None,
            retry_after: None,
            endpoint: "token",
        }))
    }

    /// A configuration error naming `field` (for example `"client_id"` or
    /// `"M2MAUTH_TIMEOUT"`), with what is wrong with it.
    pub fn config(field: impl Into<String>, problem: impl Into<String>) -> Self {
        let mut err = Error::new(ErrorCode::Config);
        err.0.field = Some(field.into());
        err.0.detail = Some(problem.into());
        err
    }

    /// An OAuth 2.0 error answer (RFC 6749 §5.2). `error` and `description`
    /// must already be sanitized (see `protocol::text`).
    pub(crate) fn oauth(status: u16, error: String, description: Option<String>) -> Self {
        let mut err = Error::new(ErrorCode::from_oauth_error(&error));
        err.0.status = Some(status);
        err.0.oauth_error = Some(error);
        err.0.description = description;
        err
    }

    /// An HTTP 429 answer.
    pub(crate) fn rate_limited(status: u16, retry_after: Option<Duration>) -> Self {
        let mut err = Error::new(ErrorCode::RateLimited);
        err.0.status = Some(status);
        err.0.retry_after = retry_after;
        err
    }

    /// An HTTP 5xx answer.
    pub(crate) fn server_error(status: u16, retry_after: Option<Duration>) -> Self {
        let mut err = Error::new(ErrorCode::ServerError);
        err.0.status = Some(status);
        err.0.retry_after = retry_after;
        err
    }

    /// An unexpected HTTP status without an OAuth error body.
    pub(crate) fn http_status(status: u16, what: impl Into<String>) -> Self {
        let mut err = Error::new(ErrorCode::HttpStatus);
        err.0.status = Some(status);
        err.0.detail = Some(what.into());
        err
    }

    /// A redirect answer; `location` must already be sanitized.
    pub(crate) fn redirect(status: u16, location: Option<String>) -> Self {
        let mut err = Error::new(ErrorCode::Redirect);
        err.0.status = Some(status);
        err.0.detail = location;
        err
    }

    /// The request did not finish within `after`.
    pub fn timeout(after: Duration) -> Self {
        let mut err = Error::new(ErrorCode::Timeout);
        err.0.detail = Some(format_duration(after));
        err
    }

    /// The IdP could not be reached; `problem` says why (no secrets).
    pub fn transport(problem: impl Into<String>) -> Self {
        let mut err = Error::new(ErrorCode::Transport);
        err.0.detail = Some(problem.into());
        err
    }

    /// The IdP's answer (with HTTP `status`) could not be used; `problem` says why.
    pub fn malformed(status: u16, problem: impl Into<String>) -> Self {
        let mut err = Error::new(ErrorCode::MalformedResponse);
        err.0.status = Some(status);
        err.0.detail = Some(problem.into());
        err
    }

    /// A bug in m2mauth, such as a panic caught at a binding boundary.
    pub fn internal(problem: impl Into<String>) -> Self {
        let mut err = Error::new(ErrorCode::Internal);
        err.0.detail = Some(problem.into());
        err
    }

    /// Adds what the IdP said (`error` / `error_description`) to a rate-limit,
    /// server or redirect error. Both must already be sanitized.
    pub(crate) fn with_idp_words(
        mut self,
        error: Option<String>,
        description: Option<String>,
    ) -> Self {
        self.0.oauth_error = error;
        self.0.description = description;
        self
    }

    /// A token that a verifier found not valid, with what is wrong with it
    /// (never the token itself).
    pub fn invalid_token(code: ErrorCode, problem: impl Into<String>) -> Self {
        debug_assert!(code.is_invalid_token(), "{code:?}");
        let mut err = Error::new(code);
        err.0.detail = Some(problem.into());
        err
    }

    /// No keys could be had to check a token; `problem` says why.
    pub fn jwks_unavailable(problem: impl Into<String>) -> Self {
        let mut err = Error::new(ErrorCode::JwksUnavailable);
        err.0.detail = Some(problem.into());
        err
    }

    /// The same error, about the `endpoint` endpoint (`"introspection"`,
    /// `"revocation"`, `"JWKS"`) instead of the token endpoint.
    #[must_use]
    pub fn at(mut self, endpoint: &'static str) -> Self {
        self.0.endpoint = endpoint;
        self
    }

    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        self.0.code
    }

    /// The IdP's `error` value, when it sent one (`"invalid_client"`, …).
    pub fn oauth_error(&self) -> Option<&str> {
        self.0.oauth_error.as_deref()
    }

    /// The IdP's `error_description`, cut and cleaned, when it sent one.
    pub fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// The HTTP status of the IdP's answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        self.0.status
    }

    /// How long the IdP asked us to wait (`Retry-After`), when it did.
    pub fn retry_after(&self) -> Option<Duration> {
        self.0.retry_after
    }

    /// The configuration field or environment variable at fault (config errors only).
    pub fn field(&self) -> Option<&str> {
        self.0.field.as_deref()
    }

    /// The message without the code's fixed prefix (the problem, the duration,
    /// the redirect target …), when there is one.
    pub fn detail(&self) -> Option<&str> {
        self.0.detail.as_deref()
    }

    /// Shorthand for `self.code().is_transient()`.
    pub fn is_transient(&self) -> bool {
        self.0.code.is_transient()
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("code", &self.0.code)
            .field("message", &self.to_string())
            .finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.0;
        let status = d.status.map(|s| format!(" (HTTP {s})")).unwrap_or_default();
        let retry = d
            .retry_after
            .map(|r| format!(", retry after {}", format_duration(r)))
            .unwrap_or_default();
        let endpoint = d.endpoint;
        let detail =
            |fallback: &'static str| d.detail.clone().unwrap_or_else(|| fallback.to_owned());
        match d.code {
            ErrorCode::Config => write!(
                f,
                "invalid configuration: {} {}",
                d.field.as_deref().unwrap_or("(unknown field)"),
                detail("is invalid")
            )?,
            ErrorCode::InvalidClient
            | ErrorCode::InvalidScope
            | ErrorCode::UnauthorizedClient
            | ErrorCode::InvalidGrant
            | ErrorCode::AccessDenied
            | ErrorCode::InvalidRequest
            | ErrorCode::UnsupportedGrantType
            | ErrorCode::OAuthError => write!(
                f,
                "the {endpoint} endpoint refused the request: {}{status}",
                d.oauth_error.as_deref().unwrap_or(d.code.as_str())
            )?,
            ErrorCode::RateLimited => {
                write!(f, "the {endpoint} endpoint is rate limiting{status}{retry}")?;
            }
            ErrorCode::ServerError => write!(f, "the {endpoint} endpoint failed{status}{retry}")?,
            ErrorCode::HttpStatus => write!(
                f,
                "the {endpoint} endpoint answered {}{status}",
                detail("an unexpected status")
            )?,
            ErrorCode::Redirect => {
                write!(f, "the {endpoint} endpoint answered a redirect{status}")?;
                if let Some(location) = &d.detail {
                    write!(f, " to {location}")?;
                }
                write!(f, "; redirects are never followed for {endpoint} requests")?;
            }
            ErrorCode::Timeout => write!(
                f,
                "the {endpoint} request timed out after {}",
                detail("its deadline")
            )?,
            ErrorCode::Transport => write!(
                f,
                "could not reach the {endpoint} endpoint: {}",
                detail("transport error")
            )?,
            ErrorCode::MalformedResponse => write!(
                f,
                "the {endpoint} endpoint's answer is unusable{status}: {}",
                detail("malformed")
            )?,
            ErrorCode::Internal => write!(f, "internal error in m2mauth: {}", detail("unknown"))?,
            ErrorCode::TokenMalformed
            | ErrorCode::TokenExpired
            | ErrorCode::TokenNotYetValid
            | ErrorCode::TokenSignature
            | ErrorCode::TokenUnknownKey
            | ErrorCode::TokenAlgorithm
            | ErrorCode::TokenIssuer
            | ErrorCode::TokenAudience
            | ErrorCode::TokenType
            | ErrorCode::TokenClaim
            | ErrorCode::TokenInactive
            | ErrorCode::DpopProof => write!(f, "the token is not valid: {}", detail("rejected"))?,
            ErrorCode::InsufficientScope => write!(
                f,
                "the token lacks a required scope: {}",
                detail("scope missing")
            )?,
            ErrorCode::JwksUnavailable => write!(
                f,
                "no keys to check the token with: {}",
                detail("the JWKS is unavailable")
            )?,
        }
        if d.code.is_refusal() || matches!(d.code, ErrorCode::RateLimited | ErrorCode::ServerError)
        {
            if let (Some(error), false) = (&d.oauth_error, d.code.is_refusal()) {
                write!(f, ": {error}")?;
            }
            if let Some(description) = &d.description {
                write!(f, ": {description}")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// `1.5 s`, `10 s`, `250 ms`: how durations appear in messages.
pub(crate) fn format_duration(d: Duration) -> String {
    if d.as_millis() < 1000 {
        format!("{} ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_what_failed() {
        let e = Error::oauth(
            401,
            "invalid_client".into(),
            Some("Client authentication failed".into()),
        );
        assert_eq!(e.code(), ErrorCode::InvalidClient);
        assert_eq!(
            e.to_string(),
            "the token endpoint refused the request: invalid_client (HTTP 401): Client authentication failed"
        );
        let e = Error::rate_limited(429, Some(Duration::from_secs(30)));
        assert_eq!(
            e.to_string(),
            "the token endpoint is rate limiting (HTTP 429), retry after 30 s"
        );
        let e = Error::timeout(Duration::from_millis(1500));
        assert_eq!(e.to_string(), "the token request timed out after 1.5 s");
        let e = Error::server_error(503, None)
            .with_idp_words(Some("temporarily_unavailable".into()), Some("busy".into()));
        assert_eq!(
            e.to_string(),
            "the token endpoint failed (HTTP 503): temporarily_unavailable: busy"
        );
    }

    #[test]
    fn codes_are_stable_text() {
        let texts: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert!(texts.contains(&"malformed_response"));
        assert_eq!(
            ErrorCode::from_oauth_error("invalid_scope"),
            ErrorCode::InvalidScope
        );
        assert_eq!(
            ErrorCode::from_oauth_error("slow_down"),
            ErrorCode::OAuthError
        );
    }
}
