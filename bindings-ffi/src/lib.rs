//! The C ABI of m2mauth: `libm2mauth.so` / `libm2mauth.a` and
//! `include/m2mauth.h`, the stable contract for .NET, Go and C.
//!
//! Small and boring on purpose: opaque handles, configuration as one JSON
//! string (the same options every language takes, so new options never
//! change the ABI), a status code from every fallible call plus an error
//! object for the details, an explicit `*_free` for everything returned.
//! Every export runs inside a panic boundary ([`guard`]).

// The C ABI is made of raw pointers; this crate is where that unsafety lives.
#![allow(unsafe_code)]
// The exports are reached through the C symbol table, not through Rust paths.
#![allow(unreachable_pub)]

mod abi_codes;
mod dpop;
mod error;
mod fork;
mod guard;
mod source;
mod strings;
mod token;
mod verifier;

pub use abi_codes::ABI_CODES;
pub use error::{Code, FfiError};
pub use source::{Source, Stats, TokenCallback};
pub use token::Token;
pub use verifier::{Verifier, VerifyCallback};

/// The version of this ABI. It changes only when a declaration in
/// `m2mauth.h` changes incompatibly.
pub const M2M_ABI_VERSION: u32 = 3;

/// The ABI version the library implements (compare with `M2M_ABI_VERSION`
/// from the header you compiled against).
#[unsafe(no_mangle)]
pub extern "C" fn m2m_abi_version() -> u32 {
    M2M_ABI_VERSION
}

/// The library version, such as `"0.1.0"` (a static string: do not free it).
#[unsafe(no_mangle)]
pub extern "C" fn m2m_version() -> *const std::ffi::c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// Stops the library's background threads and waits for them (up to a
/// second); requests in flight fail with `M2M_INTERNAL`. Sources keep
/// working: the next call starts the threads again. Call it before
/// unloading the library or at exit under a leak checker.
#[unsafe(no_mangle)]
pub extern "C" fn m2m_shutdown() {
    // A panic must not cross the boundary; there is nothing to report.
    let _ = std::panic::catch_unwind(m2mauth::runtime::shutdown);
}
