//! DPoP (RFC 9449) for resource requests: the proof for each request, and
//! the nonces servers hand out.

use std::ffi::c_char;
use std::ptr;

use crate::error::{Code, FfiError};
use crate::guard::{guarded, object, out, text};
use crate::source::Source;
use crate::strings::c_string;

/// An optional text argument: NULL, or a NUL-terminated string.
///
/// # Safety
/// `ptr` is NULL or a NUL-terminated string that outlives the call.
unsafe fn optional<'a>(ptr: *const c_char, name: &str) -> Result<Option<&'a str>, FfiError> {
    if ptr.is_null() {
        Ok(None)
    } else {
        // SAFETY: per the caller's contract.
        unsafe { text(ptr, name) }.map(Some)
    }
}

/// Sets `*out_proof` to the `DPoP` header for a `method` request to `url`
/// carrying `access_token` (NULL: none), to free with `m2m_string_free`;
/// or to NULL when the source does not use DPoP. Send it with
/// `Authorization: DPoP <token>` (`m2m_token_authorization_header`).
///
/// # Safety
/// `source` is NULL or live; the strings are NULL or NUL-terminated;
/// `out_proof` and `err` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_source_dpop_proof(
    source: *const Source,
    method: *const c_char,
    url: *const c_char,
    access_token: *const c_char,
    out_proof: *mut *mut c_char,
    err: *mut *mut FfiError,
) -> Code {
    guarded(err, || {
        // SAFETY: per this function's contract.
        let (source, method, url, token) = unsafe {
            (
                object(source, "source")?,
                text(method, "method")?,
                text(url, "url")?,
                optional(access_token, "access_token")?,
            )
        };
        out(out_proof, "out_proof")?;
        let proof = source
            .0
            .dpop_proof(method, url, token)
            .map_err(|e| FfiError::from_error(&e))?;
        let value = proof.map_or(ptr::null_mut(), |p| c_string(p.expose()).into_raw());
        // SAFETY: checked non-NULL above.
        unsafe { *out_proof = value };
        Ok(())
    })
}

/// Reads a resource server's answer to a request sent with a DPoP proof:
/// when it is a `401` asking for a nonce (`WWW-Authenticate: DPoP
/// error="use_dpop_nonce"` and a `DPoP-Nonce` header; NULL when absent),
/// records the nonce and sets `*retry` to true: send the request once
/// more with a new proof. Any other `DPoP-Nonce` is recorded too.
///
/// # Safety
/// `source` is NULL or live; the strings are NULL or NUL-terminated;
/// `retry` and `err` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_source_dpop_answer(
    source: *const Source,
    url: *const c_char,
    status: u16,
    www_authenticate: *const c_char,
    dpop_nonce: *const c_char,
    retry: *mut bool,
    err: *mut *mut FfiError,
) -> Code {
    guarded(err, || {
        // SAFETY: per this function's contract.
        let (source, url, challenge, nonce) = unsafe {
            (
                object(source, "source")?,
                text(url, "url")?,
                optional(www_authenticate, "www_authenticate")?,
                optional(dpop_nonce, "dpop_nonce")?,
            )
        };
        let challenged = source
            .0
            .accept_dpop_challenge(url, status, challenge, nonce);
        if let (Some(nonce), false) = (nonce, challenged) {
            source.0.record_dpop_nonce(url, nonce);
        }
        if !retry.is_null() {
            // SAFETY: non-NULL and writable per this function's contract.
            unsafe { *retry = challenged };
        }
        Ok(())
    })
}
