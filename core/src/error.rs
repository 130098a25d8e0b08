//! The one error type of the SDK, with a stable [`ErrorCode`] every binding maps.

use std::fmt;
use std::time::Duration;

/// What went wrong, as a stable code.
///
/// The codes are the same in every language: `snake_case` here and in Python
/// (`err.code`), `UPPER_CASE` in Node, C, .NET and Go.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// The configuration was rejected before any request; [`Error::field`] names the culprit.
    Config,
    /// The IdP refused the client's credentials (`invalid_client`).
    InvalidClient,
    /// A requested scope is unknown or not allowed (`invalid_scope`).
    InvalidScope,
    /// The client may not use the client credentials grant (`unauthorized_client`).
    UnauthorizedClient,
    /// The grant was refused (`invalid_grant`).
    InvalidGrant,
    /// The IdP denied access (`access_denied`).
    AccessDenied,
    /// The IdP found the request malformed (`invalid_request`).
    InvalidRequest,
    /// The IdP does not support the client credentials grant (`unsupported_grant_type`).
    UnsupportedGrantType,
    /// Any other OAuth 2.0 error code; [`Error::oauth_error`] holds it.
    OAuthError,
    /// The IdP is rate limiting (HTTP 429); see [`Error::retry_after`].
    RateLimited,
    /// The IdP failed (HTTP 5xx); see [`Error::retry_after`].
    ServerError,
    /// The IdP answered an HTTP status that is neither a token nor an OAuth error.
    HttpStatus,
    /// The IdP answered with a redirect, which is never followed.
    Redirect,
    /// The request did not complete in time.
    Timeout,
    /// The IdP could not be reached (connection, DNS, TLS).
    Transport,
    /// The IdP's answer could not be used (not JSON, no token, bad lifetime, too large).
    MalformedResponse,
    /// A bug in m2mauth (for example a caught panic). Please report it.
    Internal,
}

impl ErrorCode {
    /// The code as `snake_case` text: `"invalid_client"`, `"timeout"`, …
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Config => "config",
            ErrorCode::InvalidClient => "invalid_client",
            ErrorCode::InvalidScope => "invalid_scope",
            ErrorCode::UnauthorizedClient => "unauthorized_client",
            ErrorCode::InvalidGrant => "invalid_grant",
            ErrorCode::AccessDenied => "access_denied",
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::UnsupportedGrantType => "unsupported_grant_type",
            ErrorCode::OAuthError => "oauth_error",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::ServerError => "server_error",
            ErrorCode::HttpStatus => "http_status",
            ErrorCode::Redirect => "redirect",
            ErrorCode::Timeout => "timeout",
            ErrorCode::Transport => "transport",
            ErrorCode::MalformedResponse => "malformed_response",
            ErrorCode::Internal => "internal",
        }
    }

    /// Every code, in a fixed order (for bindings that build a table of them).
    pub const ALL: [ErrorCode; 17] = [
        ErrorCode::Config,
        ErrorCode::InvalidClient,
        ErrorCode::InvalidScope,
        ErrorCode::UnauthorizedClient,
        ErrorCode::InvalidGrant,
        ErrorCode::AccessDenied,
        ErrorCode::InvalidRequest,
        ErrorCode::UnsupportedGrantType,
        ErrorCode::OAuthError,
        ErrorCode::RateLimited,
        ErrorCode::ServerError,
        ErrorCode::HttpStatus,
        ErrorCode::Redirect,
        ErrorCode::Timeout,
        ErrorCode::Transport,
        ErrorCode::MalformedResponse,
        ErrorCode::Internal,
    ];

    /// The code for an RFC 6749 §5.2 `error` value.
    pub fn from_oauth_error(error: &str) -> ErrorCode {
        match error {
            "invalid_client" => ErrorCode::InvalidClient,
            "invalid_scope" => ErrorCode::InvalidScope,
            "unauthorized_client" => ErrorCode::UnauthorizedClient,
            "invalid_grant" => ErrorCode::InvalidGrant,
            "access_denied" => ErrorCode::AccessDenied,
            "invalid_request" => ErrorCode::InvalidRequest,
            "unsupported_grant_type" => ErrorCode::UnsupportedGrantType,
            // RFC 6749 §4.1.2.1's outage codes, which some token endpoints
            // send with a 400: an outage, not a refusal.
            "temporarily_unavailable" | "server_error" => ErrorCode::ServerError,
            _ => ErrorCode::OAuthError,
        }
    }

    /// Whether the IdP understood and refused the request (an OAuth error):
    /// retrying the same request will not help.
    pub const fn is_refusal(self) -> bool {
        matches!(
            self,
            ErrorCode::InvalidClient
                | ErrorCode::InvalidScope
                | ErrorCode::UnauthorizedClient
                | ErrorCode::InvalidGrant
                | ErrorCode::AccessDenied
                | ErrorCode::InvalidRequest
                | ErrorCode::UnsupportedGrantType
                | ErrorCode::OAuthError
        )
    }

    /// Whether the failure is likely to pass by itself (rate limit, outage,
    /// network), so that a retry after a back-off is worth it.
    pub const fn is_transient(self) -> bool {
        matches!(
            self,
            ErrorCode::RateLimited
                | ErrorCode::ServerError
                | ErrorCode::Timeout
                | ErrorCode::Transport
        )
    }
}

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
        match d.code {
            ErrorCode::Config => write!(
                f,
                "invalid configuration: {} {}",
                d.field.as_deref().unwrap_or("(unknown field)"),
                d.detail.as_deref().unwrap_or("is invalid")
            )?,
            code if code.is_refusal() => write!(
                f,
                "the token endpoint refused the request: {}{status}",
                d.oauth_error.as_deref().unwrap_or(code.as_str())
            )?,
            ErrorCode::RateLimited => {
                write!(f, "the token endpoint is rate limiting{status}{retry}")?;
            }
            ErrorCode::ServerError => write!(f, "the token endpoint failed{status}{retry}")?,
            ErrorCode::HttpStatus => write!(
                f,
                "the token endpoint answered {}{status}",
                d.detail.as_deref().unwrap_or("an unexpected status")
            )?,
            ErrorCode::Redirect => {
                write!(f, "the token endpoint answered a redirect{status}")?;
                if let Some(location) = &d.detail {
                    write!(f, " to {location}")?;
                }
                f.write_str("; redirects are never followed for token requests")?;
            }
            ErrorCode::Timeout => write!(
                f,
                "the token request timed out after {}",
                d.detail.as_deref().unwrap_or("its deadline")
            )?,
            ErrorCode::Transport => write!(
                f,
                "could not reach the token endpoint: {}",
                d.detail.as_deref().unwrap_or("transport error")
            )?,
            ErrorCode::MalformedResponse => write!(
                f,
                "the token endpoint's answer is unusable{status}: {}",
                d.detail.as_deref().unwrap_or("malformed")
            )?,
            _ => write!(
                f,
                "internal error in m2mauth: {}",
                d.detail.as_deref().unwrap_or("unknown")
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
        assert_eq!(texts.len(), 17);
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
