//! `m2m_source`: a cached, self-refreshing token source.

use std::ffi::{c_char, c_void};
use std::ptr;

use m2mauth::{Error, TokenSource};

use crate::error::{Code, FfiError};
use crate::guard::{UserData, callback_args, getter, give, guarded, null, object, out, text};
use crate::strings::c_string;
use crate::token::Token;

/// A token source. Free it with `m2m_source_free`; share it freely between threads.
pub struct Source(pub(crate) TokenSource);

/// Receives the outcome of `m2m_source_token_async`, exactly once, on one
/// of the library's callback threads. On success `code` is `M2M_OK`, `token`
/// is yours to free and `error` is NULL; otherwise `token` is NULL and
/// `error` is yours to free. Callbacks never run on the thread that does the
/// library's network IO: a callback may block, and may call any function of
/// this library (`m2m_source_token` included), without stalling fetches.
pub type TokenCallback = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        code: Code,
        token: *mut Token,
        error: *mut FfiError,
    ),
>;

fn failed(error: &Error) -> FfiError {
    FfiError::from_error(error)
}

/// Hands a new source (or the reason there is none) to the caller.
fn created(
    out_source: *mut *mut Source,
    source: Result<TokenSource, Error>,
) -> Result<(), FfiError> {
    crate::fork::register();
    give(out_source, Source(source.map_err(|e| failed(&e))?));
    Ok(())
}

/// Writes `value` to `*flag` when the caller asked for it.
fn report(flag: *mut bool, value: bool) {
    if !flag.is_null() {
        // SAFETY: a non-NULL flag is writable per the functions' contracts.
        unsafe { *flag = value };
    }
}

/// Hands `text` to the caller as a string to free with `m2m_string_free`.
fn give_string(out_text: *mut *mut c_char, text: &str) {
    // SAFETY: the callers checked `out_text` non-NULL first.
    unsafe { *out_text = c_string(text).into_raw() };
}

/// Creates a source from the JSON configuration shared by every language,
/// for example `{"token_url": "https://idp.example.com/oauth2/token",
/// "client_id": "svc", "client_secret": "…", "scopes": ["read"]}`.
/// Nothing is fetched yet.
///
/// # Safety
/// `config_json` is NULL or a NUL-terminated string; `out` is NULL or
/// writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_source_new(
    config_json: *const c_char,
    out_source: *mut *mut Source,
    err: *mut *mut FfiError,
) -> Code {
    guarded(err, || {
        // SAFETY: per this function's contract.
        let config = unsafe { text(config_json, "config_json") }?;
        out(out_source, "out")?;
        created(out_source, TokenSource::from_json(config))
    })
}

/// Creates a source from `<prefix>_*` environment variables (`prefix` NULL
/// means `"M2MAUTH"`).
///
/// # Safety
/// `prefix` is NULL or a NUL-terminated string; `out` and `err` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_source_from_env(
    prefix: *const c_char,
    out_source: *mut *mut Source,
    err: *mut *mut FfiError,
) -> Code {
    guarded(err, || {
        let prefix = if prefix.is_null() {
            "M2MAUTH"
        } else {
            // SAFETY: per this function's contract.
            unsafe { text(prefix, "prefix") }?
        };
        out(out_source, "out")?;
        created(out_source, TokenSource::from_env(prefix))
    })
}

/// Frees a source. Pending `m2m_source_token_async` calls still complete.
/// NULL is ignored.
///
/// # Safety
/// `source` is NULL or a source from this library that was not freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_source_free(source: *mut Source) {
    if !source.is_null() {
        // SAFETY: the pointer came from Box::into_raw in this library and is freed once.
        getter((), || drop(unsafe { Box::from_raw(source) }));
    }
}

/// Gets a token, blocking the calling thread while it is fetched (a cached
/// token returns at once).
///
/// # Safety
/// `source` is NULL or a live source; `out` and `err` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_source_token(
    source: *const Source,
    out_token: *mut *mut Token,
    err: *mut *mut FfiError,
) -> Code {
    guarded(err, || {
        // SAFETY: per this function's contract.
        let source = unsafe { object(source, "source") }?;
        out(out_token, "out")?;
        let token = source.0.token_blocking().map_err(|e| failed(&e))?;
        give(out_token, Token::new(token));
        Ok(())
    })
}

/// Sets `*out` to the cached token when one can be used right away, else to
/// NULL. Never waits and never starts a first fetch.
///
/// # Safety
/// `source` is NULL or a live source; `out` and `err` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_source_cached_token(
    source: *const Source,
    out_token: *mut *mut Token,
    err: *mut *mut FfiError,
) -> Code {
    guarded(err, || {
        // SAFETY: per this function's contract.
        let source = unsafe { object(source, "source") }?;
        out(out_token, "out")?;
        match source.0.cached_token() {
            Some(token) => give(out_token, Token::new(token)),
            // SAFETY: checked non-NULL above.
            None => unsafe { *out_token = ptr::null_mut() },
        }
        Ok(())
    })
}

/// Sets `*out_id` to the fetch id of the token that `m2m_source_token` would
/// return at once (see `m2m_token_fetch_id`), or 0 when there is none.
/// Allocates nothing: bindings call it to reuse their own copy of a token
/// while the id is unchanged.
///
/// # Safety
/// `source` is NULL or a live source; `out_id` and `err` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_source_cached_token_id(
    source: *const Source,
    out_id: *mut u64,
    err: *mut *mut FfiError,
) -> Code {
    guarded(err, || {
        // SAFETY: per this function's contract.
        let source = unsafe { object(source, "source") }?;
        out(out_id, "out_id")?;
        let id = source.0.cached_token_id().unwrap_or(0);
        // SAFETY: checked non-NULL above.
        unsafe { *out_id = id };
        Ok(())
    })
}

/// Gets a token without blocking: `callback` receives the outcome exactly
/// once on a library thread (never on the calling thread, even when the
/// token is cached). If `m2m_shutdown` stops the library first, the callback
/// gets `M2M_INTERNAL` on the thread that called `m2m_shutdown` (or, when
/// the two calls race, on the calling thread). Returns `M2M_OK` when the
/// request was started.
///
/// # Safety
/// `source` is NULL or a live source; `callback` is NULL or a function that
/// may be called from another thread with `user_data`; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_source_token_async(
    source: *const Source,
    callback: TokenCallback,
    user_data: *mut c_void,
    err: *mut *mut FfiError,
) -> Code {
    guarded(err, || {
        // SAFETY: per this function's contract.
        let source = unsafe { object(source, "source") }?;
        let callback = callback.ok_or_else(|| null("callback"))?;
        let user_data = UserData(user_data);
        source.0.request_token(move |outcome| {
            let user_data = user_data;
            let (code, token, error) =
                callback_args(outcome, |t| Box::into_raw(Box::new(Token::new(t))));
            // SAFETY: the caller vouched for the callback and its user data.
            unsafe { callback(user_data.0, code, token, error) };
        });
        Ok(())
    })
}

/// Sets `*out` to `"Bearer <token>"` (free it with `m2m_string_free`).
///
/// # Safety
/// `source` is NULL or a live source; `out` and `err` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_source_authorization_header(
    source: *const Source,
    out_header: *mut *mut c_char,
    err: *mut *mut FfiError,
) -> Code {
    guarded(err, || {
        // SAFETY: per this function's contract.
        let source = unsafe { object(source, "source") }?;
        out(out_header, "out")?;
        let token = source.0.token_blocking().map_err(|e| failed(&e))?;
        give_string(out_header, token.authorization_header());
        Ok(())
    })
}

/// Drops `token` from the cache after an API rejected it (HTTP 401), so the
/// next call fetches a new one. `*dropped` (when not NULL) tells whether it
/// was still cached: each token is dropped at most once.
///
/// # Safety
/// `source` and `token` are NULL or live; `dropped` and `err` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_source_invalidate(
    source: *const Source,
    token: *const Token,
    dropped: *mut bool,
    err: *mut *mut FfiError,
) -> Code {
    guarded(err, || {
        // SAFETY: per this function's contract.
        let (source, token) = unsafe { (object(source, "source")?, object(token, "token")?) };
        report(dropped, source.0.invalidate(token.inner()));
        Ok(())
    })
}

/// Like `m2m_source_invalidate`, for glue code that only has the token's
/// text (from the `Authorization` header it sent).
///
/// # Safety
/// `source` is NULL or live; `token_value` is NULL or a NUL-terminated
/// string; `dropped` and `err` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_source_invalidate_value(
    source: *const Source,
    token_value: *const c_char,
    dropped: *mut bool,
    err: *mut *mut FfiError,
) -> Code {
    guarded(err, || {
        // SAFETY: per this function's contract.
        let (source, value) =
            unsafe { (object(source, "source")?, text(token_value, "token_value")?) };
        report(dropped, source.0.invalidate_secret(value));
        Ok(())
    })
}

/// Revokes `token` at the IdP (RFC 7009), at the configured
/// `revocation_url` or the issuer's discovered endpoint, and drops it from
/// the cache. Blocks until the IdP answers.
///
/// # Safety
/// `source` is NULL or live; `token` is NULL or NUL-terminated; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_source_revoke(
    source: *const Source,
    token: *const c_char,
    err: *mut *mut FfiError,
) -> Code {
    guarded(err, || {
        // SAFETY: per this function's contract.
        let (source, token) = unsafe { (object(source, "source")?, text(token, "token")?) };
        source.0.revoke_blocking(token).map_err(|e| failed(&e))
    })
}

/// A source's counters, as `m2m_source_stats` reports them.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Stats {
    /// Calls answered from the cache, without waiting for the IdP.
    pub cache_hits: u64,
    /// Calls that had to wait for the IdP (cold starts, mostly).
    pub waits: u64,
    /// Token requests that returned a token.
    pub fetches: u64,
    /// Of those, refreshes done while callers kept using the previous token.
    pub refreshes: u64,
    /// Token requests that failed (each retry counts).
    pub failures: u64,
    /// Of `fetches`, tokens read from the fleet cache (Redis) instead of the IdP.
    pub l2_hits: u64,
    /// Fetches that waited for another process's lease.
    pub lease_waits: u64,
    /// Fetches that took a dead or slow process's lease over.
    pub lease_takeovers: u64,
    /// Fetches during which Redis failed (each then fetched for itself).
    pub l2_errors: u64,
}

/// Fills `*out` with the source's counters.
///
/// # Safety
/// `source` is NULL or a live source; `out` and `err` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_source_stats(
    source: *const Source,
    out_stats: *mut Stats,
    err: *mut *mut FfiError,
) -> Code {
    guarded(err, || {
        // SAFETY: per this function's contract.
        let source = unsafe { object(source, "source") }?;
        out(out_stats, "out")?;
        let stats = source.0.stats();
        let counters = Stats {
            cache_hits: stats.cache_hits,
            waits: stats.waits,
            fetches: stats.fetches,
            refreshes: stats.refreshes,
            failures: stats.failures,
            l2_hits: stats.l2_hits,
            lease_waits: stats.lease_waits,
            lease_takeovers: stats.lease_takeovers,
            l2_errors: stats.l2_errors,
        };
        // SAFETY: checked non-NULL above.
        unsafe { *out_stats = counters };
        Ok(())
    })
}

/// Sets `*out` to the source's most recent failure (an error to free with
/// `m2m_error_free`), or to NULL when it has had none.
///
/// # Safety
/// `source` is NULL or a live source; `out` and `err` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_source_last_error(
    source: *const Source,
    out_error: *mut *mut FfiError,
    err: *mut *mut FfiError,
) -> Code {
    guarded(err, || {
        // SAFETY: per this function's contract.
        let source = unsafe { object(source, "source") }?;
        out(out_error, "out")?;
        match source.0.stats().last_error {
            Some(error) => give(out_error, failed(&error)),
            // SAFETY: checked non-NULL above.
            None => unsafe { *out_error = ptr::null_mut() },
        }
        Ok(())
    })
}
