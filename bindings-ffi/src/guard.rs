//! The boundary every export runs inside: panics are caught, arguments are
//! checked, failures become a code plus an error object.

use std::any::Any;
use std::ffi::{CStr, c_char, c_void};
use std::ptr;

use m2mauth::Error;
use std::panic::{self, AssertUnwindSafe};

use crate::error::{Code, FfiError, M2M_INVALID_UTF8, M2M_NULL_ARGUMENT, M2M_OK, M2M_PANIC};

/// Runs `body`; a failure or a panic is stored in `*err` (when `err` is not
/// NULL) and its code returned. Nothing unwinds past this function.
pub(crate) fn guarded(
    err: *mut *mut FfiError,
    body: impl FnOnce() -> Result<(), FfiError>,
) -> Code {
    let failure = match panic::catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => return M2M_OK,
        Ok(Err(failure)) => failure,
        Err(payload) => panicked(payload.as_ref(), "; the call had no effect"),
    };
    let code = failure.code();
    store(err, failure);
    code
}

/// Runs an accessor or a `*_free` function: a panic gives `fallback`, so
/// that nothing unwinds into the caller even where there is no status.
pub(crate) fn getter<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    panic::catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

/// Puts `failure` into `*err` when the caller asked for details.
pub(crate) fn store(err: *mut *mut FfiError, failure: FfiError) {
    if !err.is_null() {
        // SAFETY: a non-NULL `err` points to writable storage for one pointer
        // (the documented contract of every function taking `m2m_error **err`).
        unsafe { *err = Box::into_raw(Box::new(failure)) };
    }
}

/// The error for a caught panic, its message followed by `consequence`.
pub(crate) fn panicked(payload: &(dyn Any + Send), consequence: &str) -> FfiError {
    let message = format!("m2mauth panicked: {}{consequence}", panic_message(payload));
    FfiError::abi(M2M_PANIC, "panic", &message)
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned())
}

/// The error for a NULL argument named `name`.
pub(crate) fn null(name: &str) -> FfiError {
    FfiError::abi(
        M2M_NULL_ARGUMENT,
        "null_argument",
        &format!("{name} is NULL"),
    )
}

/// A borrowed UTF-8 string argument.
///
/// # Safety
/// `ptr` is NULL or a NUL-terminated string that outlives the call.
pub(crate) unsafe fn text<'a>(ptr: *const c_char, name: &str) -> Result<&'a str, FfiError> {
    if ptr.is_null() {
        return Err(null(name));
    }
    // SAFETY: non-NULL and NUL-terminated per the caller's contract.
    unsafe { CStr::from_ptr(ptr) }.to_str().map_err(|_| {
        FfiError::abi(
            M2M_INVALID_UTF8,
            "invalid_utf8",
            &format!("{name} is not valid UTF-8"),
        )
    })
}

/// A borrowed object argument.
///
/// # Safety
/// `ptr` is NULL or points to a live object of this library.
pub(crate) unsafe fn object<'a, T>(ptr: *const T, name: &str) -> Result<&'a T, FfiError> {
    // SAFETY: NULL or live per the caller's contract.
    unsafe { ptr.as_ref() }.ok_or_else(|| null(name))
}

/// Checks an out-parameter before any work is done.
pub(crate) fn out<T>(ptr: *mut T, name: &str) -> Result<(), FfiError> {
    if ptr.is_null() {
        Err(null(name))
    } else {
        Ok(())
    }
}

/// Hands `value` to the caller through `out` (already checked non-NULL).
pub(crate) fn give<T>(out: *mut *mut T, value: T) {
    // SAFETY: `out` was checked non-NULL and points to storage for one pointer.
    unsafe { *out = Box::into_raw(Box::new(value)) };
}

/// The user's context pointer, carried to the callback thread.
pub(crate) struct UserData(pub(crate) *mut c_void);

// SAFETY: the pointer is only handed back to the caller's callback; the
// caller guarantees it is valid on the library's threads.
unsafe impl Send for UserData {}

/// What an async callback receives for `outcome`: the code, the value
/// `make` builds (NULL on failure) and the error (NULL on success). A panic
/// while building the value becomes an `M2M_PANIC` error.
pub(crate) fn callback_args<T, P>(
    outcome: Result<T, Error>,
    make: impl FnOnce(T) -> *mut P,
) -> (Code, *mut P, *mut FfiError) {
    let built = match panic::catch_unwind(AssertUnwindSafe(|| outcome.map(make))) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(FfiError::from_error(&e)),
        Err(payload) => Err(panicked(payload.as_ref(), "")),
    };
    match built {
        Ok(value) => (M2M_OK, value, ptr::null_mut()),
        Err(error) => (
            error.code(),
            ptr::null_mut(),
            Box::into_raw(Box::new(error)),
        ),
    }
}
