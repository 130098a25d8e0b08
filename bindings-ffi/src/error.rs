//! Status codes and error objects.

use std::ffi::{CString, c_char};
use std::ptr;

use m2mauth::{Error, ErrorCode};

use crate::strings::c_string;

/// The outcome of a call. The numbers are stable.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    /// Success.
    M2mOk = 0,
    /// The configuration was rejected; `m2m_error_field` names the option.
    M2mConfig = 1,
    /// The IdP refused the client's credentials (`invalid_client`).
    M2mInvalidClient = 2,
    /// A requested scope is unknown or not allowed (`invalid_scope`).
    M2mInvalidScope = 3,
    /// The client may not use this grant (`unauthorized_client`).
    M2mUnauthorizedClient = 4,
    /// The grant was refused (`invalid_grant`).
    M2mInvalidGrant = 5,
    /// The IdP denied access (`access_denied`).
    M2mAccessDenied = 6,
    /// The IdP found the request malformed (`invalid_request`).
    M2mInvalidRequest = 7,
    /// The IdP does not support client credentials (`unsupported_grant_type`).
    M2mUnsupportedGrantType = 8,
    /// Another OAuth error; `m2m_error_oauth_error` holds its code.
    M2mOauthError = 9,
    /// The IdP is rate limiting (HTTP 429); see `m2m_error_retry_after_ms`.
    M2mRateLimited = 10,
    /// The IdP failed (HTTP 5xx).
    M2mServerError = 11,
    /// An HTTP status that is neither a token nor an OAuth error.
    M2mHttpStatus = 12,
    /// The IdP answered a redirect, which is never followed.
    M2mRedirect = 13,
    /// The request did not complete in time.
    M2mTimeout = 14,
    /// The IdP could not be reached.
    M2mTransport = 15,
    /// The IdP's answer could not be used.
    M2mMalformedResponse = 16,
    /// A bug in m2mauth.
    M2mInternal = 17,
    /// A required pointer argument was NULL.
    M2mNullArgument = 100,
    /// A text argument was not valid UTF-8.
    M2mInvalidUtf8 = 101,
    /// The library panicked; the call had no effect. Please report it.
    M2mPanic = 102,
}

impl Code {
    pub(crate) fn of(error: &Error) -> Code {
        match error.code() {
            ErrorCode::Config => Code::M2mConfig,
            ErrorCode::InvalidClient => Code::M2mInvalidClient,
            ErrorCode::InvalidScope => Code::M2mInvalidScope,
            ErrorCode::UnauthorizedClient => Code::M2mUnauthorizedClient,
            ErrorCode::InvalidGrant => Code::M2mInvalidGrant,
            ErrorCode::AccessDenied => Code::M2mAccessDenied,
            ErrorCode::InvalidRequest => Code::M2mInvalidRequest,
            ErrorCode::UnsupportedGrantType => Code::M2mUnsupportedGrantType,
            ErrorCode::OAuthError => Code::M2mOauthError,
            ErrorCode::RateLimited => Code::M2mRateLimited,
            ErrorCode::ServerError => Code::M2mServerError,
            ErrorCode::HttpStatus => Code::M2mHttpStatus,
            ErrorCode::Redirect => Code::M2mRedirect,
            ErrorCode::Timeout => Code::M2mTimeout,
            ErrorCode::Transport => Code::M2mTransport,
            ErrorCode::MalformedResponse => Code::M2mMalformedResponse,
            _ => Code::M2mInternal,
        }
    }
}

/// The details of a failure: code, message, and what the IdP said.
pub struct FfiError {
    code: Code,
    name: CString,
    message: CString,
    oauth_error: Option<CString>,
    description: Option<CString>,
    field: Option<CString>,
    http_status: i32,
    retry_after_ms: i64,
}

impl FfiError {
    pub(crate) fn from_error(error: &Error) -> FfiError {
        FfiError {
            code: Code::of(error),
            name: c_string(error.code().as_str()),
            message: c_string(&error.to_string()),
            oauth_error: error.oauth_error().map(c_string),
            description: error.description().map(c_string),
            field: error.field().map(c_string),
            http_status: error.status().map_or(0, i32::from),
            retry_after_ms: error
                .retry_after()
                .map_or(-1, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
        }
    }

    /// An error of the ABI itself (a NULL argument, bad UTF-8, a panic).
    pub(crate) fn abi(code: Code, name: &str, message: &str) -> FfiError {
        FfiError {
            code,
            name: c_string(name),
            message: c_string(message),
            oauth_error: None,
            description: None,
            field: None,
            http_status: 0,
            retry_after_ms: -1,
        }
    }

    pub(crate) fn code(&self) -> Code {
        self.code
    }
}

fn optional(text: Option<&CString>) -> *const c_char {
    text.map_or(ptr::null(), |t| t.as_ptr())
}

/// The error's code.
///
/// # Safety
/// `error` is NULL or an error from this library that was not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_error_code(error: *const FfiError) -> Code {
    // SAFETY: the caller passes NULL or a live error.
    unsafe { error.as_ref() }.map_or(Code::M2mNullArgument, |e| e.code)
}

/// The error's code as text: `"invalid_client"`, `"timeout"`, … (the same
/// names in every language). Valid until the error is freed; NULL for NULL.
///
/// # Safety
/// `error` is NULL or an error from this library that was not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_error_name(error: *const FfiError) -> *const c_char {
    // SAFETY: the caller passes NULL or a live error.
    unsafe { error.as_ref() }.map_or(ptr::null(), |e| e.name.as_ptr())
}

/// A one-line message saying what failed (never a secret). Valid until the
/// error is freed; NULL for NULL.
///
/// # Safety
/// `error` is NULL or an error from this library that was not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_error_message(error: *const FfiError) -> *const c_char {
    // SAFETY: the caller passes NULL or a live error.
    unsafe { error.as_ref() }.map_or(ptr::null(), |e| e.message.as_ptr())
}

/// The IdP's `error` value, or NULL when it sent none.
///
/// # Safety
/// `error` is NULL or an error from this library that was not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_error_oauth_error(error: *const FfiError) -> *const c_char {
    // SAFETY: the caller passes NULL or a live error.
    unsafe { error.as_ref() }.map_or(ptr::null(), |e| optional(e.oauth_error.as_ref()))
}

/// The IdP's `error_description` (cut, cleaned), or NULL when it sent none.
///
/// # Safety
/// `error` is NULL or an error from this library that was not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_error_description(error: *const FfiError) -> *const c_char {
    // SAFETY: the caller passes NULL or a live error.
    unsafe { error.as_ref() }.map_or(ptr::null(), |e| optional(e.description.as_ref()))
}

/// The configuration option (or environment variable) at fault, or NULL.
///
/// # Safety
/// `error` is NULL or an error from this library that was not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_error_field(error: *const FfiError) -> *const c_char {
    // SAFETY: the caller passes NULL or a live error.
    unsafe { error.as_ref() }.map_or(ptr::null(), |e| optional(e.field.as_ref()))
}

/// The HTTP status of the IdP's answer, or 0 when there was none.
///
/// # Safety
/// `error` is NULL or an error from this library that was not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_error_http_status(error: *const FfiError) -> i32 {
    // SAFETY: the caller passes NULL or a live error.
    unsafe { error.as_ref() }.map_or(0, |e| e.http_status)
}

/// How long the IdP asked to wait (`Retry-After`) in milliseconds, or -1.
///
/// # Safety
/// `error` is NULL or an error from this library that was not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_error_retry_after_ms(error: *const FfiError) -> i64 {
    // SAFETY: the caller passes NULL or a live error.
    unsafe { error.as_ref() }.map_or(-1, |e| e.retry_after_ms)
}

/// Frees an error. NULL is ignored.
///
/// # Safety
/// `error` is NULL or an error from this library that was not freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_error_free(error: *mut FfiError) {
    if !error.is_null() {
        // SAFETY: the pointer came from Box::into_raw in this library and is freed once.
        drop(unsafe { Box::from_raw(error) });
    }
}
