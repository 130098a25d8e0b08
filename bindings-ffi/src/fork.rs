//! Fork safety: the library's locks are released across `fork()` (see
//! `m2mauth::runtime::fork`) through `pthread_atfork`, registered once: by
//! the C ABI when the first source or verifier is created, and by the Python
//! extension (which includes this file) when it is imported.
//!
//! Python uses this too rather than `os.register_at_fork`: CPython runs the
//! other `before` hooks (logging's among them) after ours, and their bytecode
//! may hand the GIL to a thread that then waits on a lock we closed while we
//! wait for the GIL. Inside `fork()` itself the forking thread keeps the GIL
//! throughout, and no thread holding one of our locks ever waits for the
//! GIL, so `prepare` never waits on a thread that waits on it.

use std::sync::Once;

unsafe extern "C" {
    fn pthread_atfork(
        prepare: Option<extern "C" fn()>,
        parent: Option<extern "C" fn()>,
        child: Option<extern "C" fn()>,
    ) -> i32;
}

extern "C" fn prepare() {
    // Nothing may unwind out of a fork handler.
    let _ = std::panic::catch_unwind(m2mauth::runtime::fork::prepare);
}

extern "C" fn finish() {
    let _ = std::panic::catch_unwind(m2mauth::runtime::fork::finish);
}

/// Registers the fork handlers, once per process.
pub(crate) fn register() {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        // SAFETY: the handlers are plain functions that never unwind; the
        // registration has no other precondition. It fails only for lack of
        // memory (ENOMEM); the library then works as it would without it.
        let _ = unsafe { pthread_atfork(Some(prepare), Some(finish), Some(finish)) };
    });
}
