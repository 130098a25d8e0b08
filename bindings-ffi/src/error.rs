//! Status codes and error objects.

use std::ffi::{CString, c_char};
use std::ptr;

use m2mauth::Error;

use crate::guard::getter;
use crate::strings::c_string;

/// The outcome of a call: `M2M_OK` (0) or an error code. The numbers are
/// stable; the header lists them as `M2M_*` constants, generated from the
/// core's error table plus the codes of the ABI itself below.
pub type Code = u32;

pub(crate) use crate::abi_codes::{M2M_INVALID_UTF8, M2M_NULL_ARGUMENT, M2M_OK, M2M_PANIC};

/// The details of a failure: code, message, and what the IdP said.
pub struct FfiError {
    code: Code,
    name: CString,
    family: CString,
    message: CString,
    /// Boxed: most errors have none of them, and `Result<_, FfiError>` stays small.
    texts: Box<OptionalTexts>,
    http_status: i32,
    retry_after_ms: i64,
}

/// The texts only some errors carry.
#[derive(Default)]
struct OptionalTexts {
    oauth_error: Option<CString>,
    description: Option<CString>,
    field: Option<CString>,
    detail: Option<CString>,
}

impl FfiError {
    pub(crate) fn from_error(error: &Error) -> FfiError {
        FfiError {
            code: error.code().number(),
            name: c_string(error.code().as_str()),
            family: c_string(error.code().family().as_str()),
            message: c_string(&error.to_string()),
            texts: Box::new(OptionalTexts {
                oauth_error: error.oauth_error().map(c_string),
                description: error.description().map(c_string),
                field: error.field().map(c_string),
                detail: error.detail().map(c_string),
            }),
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
            family: c_string("internal"),
            message: c_string(message),
            texts: Box::default(),
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
    getter(M2M_NULL_ARGUMENT, || {
        unsafe { error.as_ref() }.map_or(M2M_NULL_ARGUMENT, |e| e.code)
    })
}

/// The error's code as text: `"invalid_client"`, `"timeout"`, … (the same
/// names in every language). Valid until the error is freed; NULL for NULL.
///
/// # Safety
/// `error` is NULL or an error from this library that was not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_error_name(error: *const FfiError) -> *const c_char {
    // SAFETY: the caller passes NULL or a live error.
    getter(ptr::null(), || {
        unsafe { error.as_ref() }.map_or(ptr::null(), |e| e.name.as_ptr())
    })
}

/// A one-line message saying what failed (never a secret). Valid until the
/// error is freed; NULL for NULL.
///
/// # Safety
/// `error` is NULL or an error from this library that was not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_error_message(error: *const FfiError) -> *const c_char {
    // SAFETY: the caller passes NULL or a live error.
    getter(ptr::null(), || {
        unsafe { error.as_ref() }.map_or(ptr::null(), |e| e.message.as_ptr())
    })
}

/// The family of the error's code: `"config"`, `"refused"`, `"transient"`,
/// `"malformed"`, `"invalid_token"` or `"internal"` (ABI errors are
/// `"internal"`). Valid until the error is freed; NULL for NULL.
///
/// # Safety
/// `error` is NULL or an error from this library that was not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_error_family(error: *const FfiError) -> *const c_char {
    // SAFETY: the caller passes NULL or a live error.
    getter(ptr::null(), || {
        unsafe { error.as_ref() }.map_or(ptr::null(), |e| e.family.as_ptr())
    })
}

/// The IdP's `error` value, or NULL when it sent none.
///
/// # Safety
/// `error` is NULL or an error from this library that was not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_error_oauth_error(error: *const FfiError) -> *const c_char {
    // SAFETY: the caller passes NULL or a live error.
    getter(ptr::null(), || {
        unsafe { error.as_ref() }.map_or(ptr::null(), |e| optional(e.texts.oauth_error.as_ref()))
    })
}

/// The IdP's `error_description` (cut, cleaned), or NULL when it sent none.
///
/// # Safety
/// `error` is NULL or an error from this library that was not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_error_description(error: *const FfiError) -> *const c_char {
    // SAFETY: the caller passes NULL or a live error.
    getter(ptr::null(), || {
        unsafe { error.as_ref() }.map_or(ptr::null(), |e| optional(e.texts.description.as_ref()))
    })
}

/// The configuration option (or environment variable) at fault, or NULL.
///
/// # Safety
/// `error` is NULL or an error from this library that was not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_error_field(error: *const FfiError) -> *const c_char {
    // SAFETY: the caller passes NULL or a live error.
    getter(ptr::null(), || {
        unsafe { error.as_ref() }.map_or(ptr::null(), |e| optional(e.texts.field.as_ref()))
    })
}

/// The message without its code's fixed prefix, or NULL: for
/// `M2M_INSUFFICIENT_SCOPE` the missing scopes (separated by spaces),
/// otherwise the problem itself (the duration, the redirect target, …).
///
/// # Safety
/// `error` is NULL or an error from this library that was not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_error_detail(error: *const FfiError) -> *const c_char {
    // SAFETY: the caller passes NULL or a live error.
    getter(ptr::null(), || {
        unsafe { error.as_ref() }.map_or(ptr::null(), |e| optional(e.texts.detail.as_ref()))
    })
}

/// The HTTP status of the IdP's answer, or 0 when there was none.
///
/// # Safety
/// `error` is NULL or an error from this library that was not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_error_http_status(error: *const FfiError) -> i32 {
    // SAFETY: the caller passes NULL or a live error.
    getter(0, || unsafe { error.as_ref() }.map_or(0, |e| e.http_status))
}

/// How long the IdP asked to wait (`Retry-After`) in milliseconds, or -1.
///
/// # Safety
/// `error` is NULL or an error from this library that was not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_error_retry_after_ms(error: *const FfiError) -> i64 {
    // SAFETY: the caller passes NULL or a live error.
    getter(-1, || {
        unsafe { error.as_ref() }.map_or(-1, |e| e.retry_after_ms)
    })
}

/// Frees an error. NULL is ignored.
///
/// # Safety
/// `error` is NULL or an error from this library that was not freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_error_free(error: *mut FfiError) {
    if !error.is_null() {
        // SAFETY: the pointer came from Box::into_raw in this library and is freed once.
        getter((), || drop(unsafe { Box::from_raw(error) }));
    }
}
