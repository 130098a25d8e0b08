//! `m2m_token`: an access token and its properties.

use std::ffi::{CString, c_char};
use std::ptr;
use std::time::UNIX_EPOCH;

use m2mauth::AccessToken;

use crate::guard::getter;
use crate::strings::{c_string, wipe};

/// An access token. Free it with `m2m_token_free`.
pub struct Token {
    inner: AccessToken,
    value: CString,
    kind: CString,
    header: CString,
    scopes: Vec<CString>,
}

impl Token {
    pub(crate) fn new(token: AccessToken) -> Token {
        Token {
            value: c_string(token.secret()),
            kind: c_string(token.token_type()),
            header: c_string(token.authorization_header()),
            scopes: token.scopes().iter().map(|s| c_string(s)).collect(),
            inner: token,
        }
    }

    pub(crate) fn inner(&self) -> &AccessToken {
        &self.inner
    }
}

impl Drop for Token {
    fn drop(&mut self) {
        wipe(std::mem::take(&mut self.value));
        wipe(std::mem::take(&mut self.header));
    }
}

/// The access token itself. Valid until the token is freed; NULL for NULL.
///
/// # Safety
/// `token` is NULL or a token from this library that was not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_token_value(token: *const Token) -> *const c_char {
    // SAFETY: NULL or live per the caller's contract.
    getter(ptr::null(), || {
        unsafe { token.as_ref() }.map_or(ptr::null(), |t| t.value.as_ptr())
    })
}

/// The token type (`"Bearer"`). Valid until the token is freed; NULL for NULL.
///
/// # Safety
/// `token` is NULL or a token from this library that was not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_token_type(token: *const Token) -> *const c_char {
    // SAFETY: NULL or live per the caller's contract.
    getter(ptr::null(), || {
        unsafe { token.as_ref() }.map_or(ptr::null(), |t| t.kind.as_ptr())
    })
}

/// `"Bearer <token>"`, for an `Authorization` header. Valid until the token
/// is freed; NULL for NULL.
///
/// # Safety
/// `token` is NULL or a token from this library that was not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_token_authorization_header(token: *const Token) -> *const c_char {
    // SAFETY: NULL or live per the caller's contract.
    getter(ptr::null(), || {
        unsafe { token.as_ref() }.map_or(ptr::null(), |t| t.header.as_ptr())
    })
}

/// When the token expires, in milliseconds since the Unix epoch (0 for NULL).
///
/// # Safety
/// `token` is NULL or a token from this library that was not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_token_expires_at_ms(token: *const Token) -> i64 {
    getter(0, || {
        // SAFETY: NULL or live per the caller's contract.
        unsafe { token.as_ref() }.map_or(0, |t| {
            let since_epoch = t
                .inner
                .expires_at()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default();
            i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
        })
    })
}

/// A number naming the fetch that produced the token (never 0 for a token;
/// 0 for NULL): the next fetch gets another.
///
/// # Safety
/// `token` is NULL or a token from this library that was not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_token_fetch_id(token: *const Token) -> u64 {
    // SAFETY: NULL or live per the caller's contract.
    getter(0, || {
        unsafe { token.as_ref() }.map_or(0, |t| t.inner.fetch_id())
    })
}

/// How many scopes the token was granted (0 for NULL).
///
/// # Safety
/// `token` is NULL or a token from this library that was not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_token_scope_count(token: *const Token) -> usize {
    // SAFETY: NULL or live per the caller's contract.
    getter(0, || {
        unsafe { token.as_ref() }.map_or(0, |t| t.scopes.len())
    })
}

/// The `index`-th granted scope, or NULL when `index` is out of range.
/// Valid until the token is freed.
///
/// # Safety
/// `token` is NULL or a token from this library that was not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_token_scope(token: *const Token, index: usize) -> *const c_char {
    getter(ptr::null(), || {
        // SAFETY: NULL or live per the caller's contract.
        unsafe { token.as_ref() }
            .and_then(|t| t.scopes.get(index))
            .map_or(ptr::null(), |s| s.as_ptr())
    })
}

/// Frees a token (its text is zeroed first). NULL is ignored.
///
/// # Safety
/// `token` is NULL or a token from this library that was not freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_token_free(token: *mut Token) {
    if !token.is_null() {
        // SAFETY: the pointer came from Box::into_raw in this library and is freed once.
        getter((), || drop(unsafe { Box::from_raw(token) }));
    }
}
