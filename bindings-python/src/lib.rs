//! `m2mauth._native`: the Python extension module. It converts types and
//! errors; all protocol and cache logic is in the `m2mauth` crate.

// pyo3's generated glue is unsafe code; ours is in `gil` and `fork`.
#![allow(unsafe_code)]
// Names exported to Python are reached through the module, not Rust paths.
#![allow(unreachable_pub)]
// Python's protocols (`__repr__`, `close`, …) and pyo3's module init fix
// these signatures, used or not.
#![allow(clippy::unused_self, clippy::unnecessary_wraps)]

mod aio;
mod config;
mod errors;
// The same fork handlers as the C ABI's (one file, two crates).
#[path = "../../bindings-ffi/src/fork.rs"]
mod fork;
mod gil;
mod logging;
mod source;
mod testing;
mod token;
mod verifier;

use pyo3::prelude::*;

/// The m2mauth extension module.
#[pymodule]
mod _native {
    #[pymodule_export]
    use super::source::PyStats;
    #[pymodule_export]
    use super::source::PyTokenSource;
    #[pymodule_export]
    use super::source::TokenFetch;
    #[pymodule_export]
    use super::testing::PyTestIssuer;
    #[pymodule_export]
    use super::token::{PyAccessToken, ReadyToken};
    #[pymodule_export]
    use super::verifier::PyVerifier;

    use pyo3::prelude::*;

    /// The m2mauth version.
    #[pymodule_export]
    #[allow(non_upper_case_globals)] // Python's name for it
    const __version__: &str = env!("CARGO_PKG_VERSION");

    /// Panics inside Rust, for the test that shows a panic becomes a Python
    /// exception instead of aborting the interpreter.
    ///
    /// # Panics
    /// Always, with `message`.
    #[pyfunction]
    fn _panic_for_tests(message: &str) {
        panic!("{message}");
    }

    #[pymodule_init]
    fn init(module: &Bound<'_, PyModule>) -> PyResult<()> {
        super::logging::install(module.py());
        super::fork::register();
        Ok(())
    }
}
