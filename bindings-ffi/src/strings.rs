//! Strings across the boundary.

use std::ffi::{CString, c_char};

use zeroize::Zeroize;

/// A C string from Rust text. Text from m2mauth never holds NUL (IdP text
/// is stripped of control characters); should one slip through, it is dropped.
pub(crate) fn c_string(text: &str) -> CString {
    CString::new(text).unwrap_or_else(|e| {
        let mut bytes = e.into_vec();
        bytes.retain(|b| *b != 0);
        CString::new(bytes).unwrap_or_default()
    })
}

/// Zeroes a C string that may hold a token before its memory is released.
pub(crate) fn wipe(text: CString) {
    text.into_bytes_with_nul().zeroize();
}

/// Frees a string returned by this library (its bytes are zeroed first:
/// they may hold a token). NULL is ignored.
///
/// # Safety
/// `text` is NULL or a string from this library that was not freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn m2m_string_free(text: *mut c_char) {
    if !text.is_null() {
        // SAFETY: the pointer came from CString::into_raw in this library and is freed once.
        crate::guard::getter((), || wipe(unsafe { CString::from_raw(text) }));
    }
}
