//! The native half of the `m2mauth` npm package. It converts types and
//! errors; protocol and cache logic live in the `m2mauth` crate. The public
//! API is the JavaScript wrapper (`index.js`), which turns the plain objects
//! returned here into `AccessToken`s and `M2MAuthError`s.

// napi-rs's generated glue is unsafe code; our own code has none.
#![allow(unsafe_code)]
// Exports are reached through the addon, not Rust paths.
#![allow(unreachable_pub)]
// napi's generated constructors and `#[napi(object)]` structs fix these.
#![allow(clippy::needless_pass_by_value, clippy::unused_self)]

// Under cfg(test) napi-derive registers no exports, so nothing refers to these.
#[cfg_attr(test, allow(dead_code))]
mod hot;
mod outcome;
mod source;
mod testing;
mod verifier;

use napi_derive::napi;

/// Runs once when the addon is loaded (in any thread). m2mauth's runtime
/// threads outlive any one worker; pinning the addon keeps their code mapped
/// if the worker that loaded it is terminated.
#[napi_derive::module_init]
fn init() {
    napi::bindgen_prelude::retain_current_module_for_unload_safety();
}

/// The m2mauth version.
#[napi]
pub fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// Panics inside Rust, for the test that shows a panic becomes a JavaScript
/// error instead of aborting the process.
///
/// # Panics
/// Always, with `message`.
#[napi(catch_unwind)]
pub fn panic_for_tests(message: String) {
    panic!("{message}");
}
