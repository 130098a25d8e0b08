//! A cell guarded by the GIL, for the binding's copy of the current token.

use std::cell::UnsafeCell;

use pyo3::Python;

/// A value read and written only by the thread holding the GIL. Cheaper than
/// any lock on the cached path (no atomic instruction at all).
pub(crate) struct GilCell<T>(UnsafeCell<T>);

// SAFETY: every access takes a `Python` token, i.e. happens on a thread
// attached to the interpreter and holding the GIL. This module is built for
// the stable ABI (abi3), which free-threaded CPython refuses to load, so the
// GIL always exists and at most one thread holds it: accesses never overlap.
// `with` closures must not run Python code (which could release the GIL or
// re-enter), and `replace` hands the old value back to be dropped outside.
unsafe impl<T: Send> Sync for GilCell<T> {}

impl<T> GilCell<T> {
    pub(crate) const fn new(value: T) -> GilCell<T> {
        GilCell(UnsafeCell::new(value))
    }

    /// Reads the value. `read` must not run Python code.
    pub(crate) fn with<R>(&self, _py: Python<'_>, read: impl FnOnce(&T) -> R) -> R {
        // SAFETY: see the `Sync` impl: the GIL makes this access exclusive,
        // and `read` cannot reach `replace` without running Python code.
        read(unsafe { &*self.0.get() })
    }

    /// Stores `value`, returning the previous one (drop it after this call).
    pub(crate) fn replace(&self, _py: Python<'_>, value: T) -> T {
        // SAFETY: see the `Sync` impl; no reference from `with` is alive here.
        std::mem::replace(unsafe { &mut *self.0.get() }, value)
    }
}
