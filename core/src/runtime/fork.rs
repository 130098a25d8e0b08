//! Fork safety. A child forked while another thread held one of the
//! library's locks would inherit it locked, with no thread left to unlock
//! it, and hang on its first call. So every such lock is taken through
//! [`lock`], inside a shared *gate*; [`prepare`] (called just before
//! `fork()`, from `pthread_atfork` or Python's `os.register_at_fork`) waits
//! until no thread is inside and keeps new ones out, and [`finish`] (after
//! `fork()`, in parent and child) lets them in again. The child then starts
//! with every lock free.
//!
//! ```
//! // What a binding registers (the C ABI does it with pthread_atfork):
//! m2mauth::runtime::fork::prepare();
//! // ... fork() ...
//! m2mauth::runtime::fork::finish();
//! ```

use std::cell::{Cell, RefCell};
use std::ops::{Deref, DerefMut};
use std::sync::{Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

static GATE: RwLock<()> = RwLock::new(());

thread_local! {
    /// How deep this thread is inside the gate (only the outermost entry takes it).
    static DEPTH: Cell<u32> = const { Cell::new(0) };
    /// The gate, closed by this thread's `prepare` until its `finish`.
    static CLOSED: RefCell<Option<RwLockWriteGuard<'static, ()>>> = const { RefCell::new(None) };
}

/// Being inside the gate.
pub struct Inside {
    outer: Option<RwLockReadGuard<'static, ()>>,
}

/// Enters the gate (re-entrant on a thread): while any thread is inside,
/// [`prepare`] waits.
pub fn enter() -> Inside {
    let depth = DEPTH.with(|d| {
        let depth = d.get();
        d.set(depth + 1);
        depth
    });
    let outer = (depth == 0).then(|| GATE.read().unwrap_or_else(PoisonError::into_inner));
    Inside { outer }
}

impl Drop for Inside {
    fn drop(&mut self) {
        DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
        drop(self.outer.take());
    }
}

/// A mutex's guard taken inside the gate.
pub struct Locked<'a, T> {
    guard: MutexGuard<'a, T>,
    _inside: Inside,
}

impl<T> Deref for Locked<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T> DerefMut for Locked<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}

/// Locks `mutex` inside the gate; a poisoned mutex is used as it is (the
/// state behind every lock here stays consistent between statements).
pub fn lock<T>(mutex: &Mutex<T>) -> Locked<'_, T> {
    let inside = enter();
    Locked {
        guard: mutex.lock().unwrap_or_else(PoisonError::into_inner),
        _inside: inside,
    }
}

/// Before `fork()`: waits until no other thread holds one of the library's
/// locks, and keeps them out until [`finish`]. Called on the forking
/// thread; a thread that is itself inside the gate does not wait (it cannot
/// wait for itself).
pub fn prepare() {
    if DEPTH.with(Cell::get) > 0 {
        return;
    }
    let closed = GATE.write().unwrap_or_else(PoisonError::into_inner);
    CLOSED.with(|c| *c.borrow_mut() = Some(closed));
}

/// After `fork()`, in the parent and in the child: reopens the gate.
pub fn finish() {
    CLOSED.with(|c| drop(c.borrow_mut().take()));
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    use super::*;

    #[test]
    fn prepare_waits_for_threads_inside_and_keeps_others_out() {
        let mutex = Arc::new(Mutex::new(0));
        let held = lock(&mutex);
        drop(held);
        let inside = Arc::new(AtomicBool::new(false));
        let (m, flag) = (mutex.clone(), inside.clone());
        let worker = std::thread::spawn(move || {
            let _guard = lock(&m);
            flag.store(true, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(100));
            flag.store(false, Ordering::SeqCst);
        });
        while !inside.load(Ordering::SeqCst) {
            std::thread::yield_now();
        }
        prepare();
        assert!(
            !inside.load(Ordering::SeqCst),
            "prepare returned only after the worker left"
        );
        finish();
        worker.join().unwrap_or_else(|_| panic!("worker"));
        // Re-entrant on one thread, and prepare inside the gate does not deadlock.
        let outer = lock(&mutex);
        let _nested = enter();
        prepare();
        finish();
        drop(outer);
    }
}
