//! `m2m_verifier`: checks the tokens a service receives.

use std::ffi::{c_char, c_void};

use m2mauth::runtime::ResourceRequest;
use m2mauth::verify::{VerifierConfig, VerifierConfigBuilder};
use m2mauth::{Error, Verifier as CoreVerifier};

use crate::error::{Code, FfiError};
use crate::guard::{UserData, callback_args, getter, give, guarded, null, object, out, text};
use crate::strings::c_string;

/// A verifier. Free it with `m2m_verifier_free`; share it freely between threads.
pub struct Verifier(CoreVerifier);

/// Receives the outcome of `m2m_verifier_verify_async`, exactly once, on
/// one of the library's callback threads (never its IO thread). On success
/// `code` is `M2M_OK`, `claims_json` is the claims (free it with
/// `m2m_string_free`) and `error` is NULL; otherwise `claims_json` is NULL
/// and `error` is yours to free.
pub type VerifyCallback = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        code: Code,
        claims_json: *mut c_char,
        error: *mut FfiError,
    ),
>;

fn created(
    out_verifier: *mut *mut Verifier,
    config: Result<VerifierConfig, Error>,
) -> Result<(), FfiError> {
    crate::fork::register();
    let config = config.map_err(|e| FfiError::from_error(&e))?;
    give(out_verifier, Verifier(CoreVerifier::new(config)));
    Ok(())
}

/// The scopes argument: NULL, or scopes separated by spaces.
///
/// # Safety
/// `scopes` is NULL or a NUL-terminated string that outlives the call.
unsafe fn scopes(scopes: *const c_char) -> Result<Vec<String>, FfiError> {
    if scopes.is_null() {
        return Ok(Vec::new());
    }
    // SAFETY: per the caller's contract.
    let text = unsafe { text(scopes, "scopes") }?;
    Ok(text.split_whitespace().map(str::to_owned).collect())
}

/// The verifier, token and scopes of a verification.
///
/// # Safety
/// As for `m2m_verifier_verify`.
unsafe fn arguments<'a>(
    verifier: *const Verifier,
    token: *const c_char,
    scopes_text: *const c_char,
) -> Result<(&'a Verifier, &'a str, Vec<String>), FfiError> {
    // SAFETY: per the caller's contract.
    unsafe {
        Ok((
            object(verifier, "verifier")?,
            text(token, "token")?,
            scopes(scopes_text)?,
        ))
    }
}

/// Creates a verifier from the JSON configuration shared by every language,
/// for example `{"issuer": "https://idp.example.com/", "audience":
/// ["https://api.example.com"]}`. Nothing is fetched yet.
///
/// # Safety
/// `config_json` is NULL or a NUL-terminated string; `out` and `err` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_verifier_new(
    config_json: *const c_char,
    out_verifier: *mut *mut Verifier,
    err: *mut *mut FfiError,
) -> Code {
    guarded(err, || {
        // SAFETY: per this function's contract.
        let config = unsafe { text(config_json, "config_json") }?;
        out(out_verifier, "out")?;
        created(
            out_verifier,
            VerifierConfigBuilder::from_json(config).and_then(VerifierConfigBuilder::build),
        )
    })
}

/// Creates a verifier from `<prefix>_*` environment variables (`prefix`
/// NULL means `"M2MAUTH"`): `<P>_ISSUER`, `<P>_AUDIENCE`, `<P>_JWKS_URL`, …
///
/// # Safety
/// `prefix` is NULL or a NUL-terminated string; `out` and `err` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_verifier_from_env(
    prefix: *const c_char,
    out_verifier: *mut *mut Verifier,
    err: *mut *mut FfiError,
) -> Code {
    guarded(err, || {
        let prefix = if prefix.is_null() {
            "M2MAUTH"
        } else {
            // SAFETY: per this function's contract.
            unsafe { text(prefix, "prefix") }?
        };
        out(out_verifier, "out")?;
        created(
            out_verifier,
            VerifierConfigBuilder::from_env(prefix).and_then(VerifierConfigBuilder::build),
        )
    })
}

/// Frees a verifier. Pending async verifications still complete. NULL is ignored.
///
/// # Safety
/// `verifier` is NULL or a verifier from this library that was not freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_verifier_free(verifier: *mut Verifier) {
    if !verifier.is_null() {
        // SAFETY: the pointer came from Box::into_raw in this library and is freed once.
        getter((), || drop(unsafe { Box::from_raw(verifier) }));
    }
}

/// Checks `token` (without `Bearer `), which must also carry every scope
/// of `scopes` (NULL, or separated by spaces), blocking while keys are
/// fetched; sets `*out` to the claims as a JSON object (free it with
/// `m2m_string_free`). An invalid token is an error of the `invalid_token`
/// family (`M2M_TOKEN_EXPIRED`, `M2M_INSUFFICIENT_SCOPE`, …).
///
/// # Safety
/// `verifier` is NULL or live; `token` and `scopes` are NULL or
/// NUL-terminated; `out` and `err` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_verifier_verify(
    verifier: *const Verifier,
    token: *const c_char,
    scopes_text: *const c_char,
    out_claims: *mut *mut c_char,
    err: *mut *mut FfiError,
) -> Code {
    // SAFETY: per this function's contract, which is claims_into's.
    unsafe {
        claims_into(
            verifier,
            token,
            scopes_text,
            out_claims,
            err,
            |v, token, scopes| v.verify_scoped_blocking(token, scopes).map(Some),
        )
    }
}

/// Checks `token` as `m2m_verifier_verify` does if that needs no wait (the
/// keys are cached or pinned): sets `*out` to the claims JSON, or returns
/// the token's error. When it would have to wait (no keys yet, an unknown
/// `kid` to look up, an introspection to make), sets `*out` to NULL and
/// returns `M2M_OK`: then call `m2m_verifier_verify` or `_async`, which
/// wait for the fetch this call may have started. Never blocks: the fast
/// path for bindings whose async variant costs a thread hop.
///
/// # Safety
/// `verifier` is NULL or live; `token` and `scopes` are NULL or
/// NUL-terminated; `out` and `err` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_verifier_verify_now(
    verifier: *const Verifier,
    token: *const c_char,
    scopes_text: *const c_char,
    out_claims: *mut *mut c_char,
    err: *mut *mut FfiError,
) -> Code {
    // SAFETY: per this function's contract, which is claims_into's.
    unsafe {
        claims_into(
            verifier,
            token,
            scopes_text,
            out_claims,
            err,
            |v, token, scopes| v.verify_now(token, scopes).transpose(),
        )
    }
}

/// The body of the synchronous checks: reads the arguments, runs `check`,
/// and sets `*out_claims` to its claims as JSON (NULL for `None`), or
/// reports its error.
///
/// # Safety
/// As for `m2m_verifier_verify`.
unsafe fn claims_into(
    verifier: *const Verifier,
    token: *const c_char,
    scopes_text: *const c_char,
    out_claims: *mut *mut c_char,
    err: *mut *mut FfiError,
    check: impl FnOnce(
        &m2mauth::Verifier,
        &str,
        &[String],
    ) -> Result<Option<m2mauth::verify::Claims>, m2mauth::Error>,
) -> Code {
    guarded(err, || {
        // SAFETY: per this function's contract.
        let (verifier, token, scopes) = unsafe { arguments(verifier, token, scopes_text) }?;
        out(out_claims, "out")?;
        let claims = check(&verifier.0, token, &scopes).map_err(|e| FfiError::from_error(&e))?;
        let raw = claims.map_or(std::ptr::null_mut(), |c| c_string(&c.to_json()).into_raw());
        // SAFETY: checked non-NULL above.
        unsafe { *out_claims = raw };
        Ok(())
    })
}

/// Checks `token` without blocking: `callback` receives the outcome exactly
/// once, on one of the library's callback threads (it may block or call
/// into the library). Returns `M2M_OK` when the check was started.
///
/// # Safety
/// `verifier` is NULL or live; `token` and `scopes` are NULL or
/// NUL-terminated; `callback` is NULL or may be called from another thread
/// with `user_data`; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_verifier_verify_async(
    verifier: *const Verifier,
    token: *const c_char,
    scopes_text: *const c_char,
    callback: VerifyCallback,
    user_data: *mut c_void,
    err: *mut *mut FfiError,
) -> Code {
    guarded(err, || {
        // SAFETY: per this function's contract.
        let (verifier, token, scopes) = unsafe { arguments(verifier, token, scopes_text) }?;
        let callback = callback.ok_or_else(|| null("callback"))?;
        let user_data = UserData(user_data);
        verifier.0.request_verify(token, scopes, move |outcome| {
            let user_data = user_data;
            let (code, claims, error) =
                callback_args(outcome, |c| c_string(&c.to_json()).into_raw());
            // SAFETY: the caller vouched for the callback and its user data.
            unsafe { callback(user_data.0, code, claims, error) };
        });
        Ok(())
    })
}

/// Checks a whole request, blocking: its `Authorization` header (`Bearer
/// …` or `DPoP …`) and, for a token bound to a DPoP key, `dpop` (the `DPoP`
/// header, NULL when absent) as the proof for `method` and `url`; the token
/// must carry every scope of `scopes` (NULL, or separated by spaces). Sets
/// `*out` to the claims as a JSON object (free it with `m2m_string_free`).
///
/// # Safety
/// `verifier` is NULL or live; the strings are NULL or NUL-terminated;
/// `out` and `err` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_verifier_verify_request(
    verifier: *const Verifier,
    authorization: *const c_char,
    dpop: *const c_char,
    method: *const c_char,
    url: *const c_char,
    scopes_text: *const c_char,
    out_claims: *mut *mut c_char,
    err: *mut *mut FfiError,
) -> Code {
    guarded(err, || {
        // SAFETY: per this function's contract.
        let (verifier, authorization, scopes) =
            unsafe { arguments(verifier, authorization, scopes_text) }?;
        // SAFETY: per this function's contract.
        let (method, url) = unsafe { (text(method, "method")?, text(url, "url")?) };
        let dpop = if dpop.is_null() {
            None
        } else {
            // SAFETY: per this function's contract.
            Some(unsafe { text(dpop, "dpop") }?)
        };
        out(out_claims, "out")?;
        let request = ResourceRequest {
            authorization,
            dpop,
            method,
            url,
        };
        let claims = verifier
            .0
            .verify_request_blocking(&request, &scopes)
            .map_err(|e| FfiError::from_error(&e))?;
        // SAFETY: checked non-NULL above.
        unsafe { *out_claims = c_string(&claims.to_json()).into_raw() };
        Ok(())
    })
}

/// Asks the IdP whether `token` is active (RFC 7662); sets `*out` to its
/// answer as a JSON object (free it with `m2m_string_free`). An inactive
/// token is an answer (`{"active":false}`), not an error.
///
/// # Safety
/// `verifier` is NULL or live; `token` is NULL or NUL-terminated; `out`
/// and `err` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_verifier_introspect(
    verifier: *const Verifier,
    token: *const c_char,
    out_answer: *mut *mut c_char,
    err: *mut *mut FfiError,
) -> Code {
    guarded(err, || {
        // SAFETY: per this function's contract.
        let (verifier, token) = unsafe { (object(verifier, "verifier")?, text(token, "token")?) };
        out(out_answer, "out")?;
        let answer = verifier
            .0
            .introspect_blocking(token)
            .map_err(|e| FfiError::from_error(&e))?;
        let json = serde_json::Value::Object(answer.claims).to_string();
        // SAFETY: checked non-NULL above.
        unsafe { *out_answer = c_string(&json).into_raw() };
        Ok(())
    })
}
