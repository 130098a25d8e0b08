//! The background tokio runtime that runs every fetch and timer, re-created
//! in a child process after `fork()`, and a tiny `block_on` for blocking callers.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use tokio::runtime::{Handle, Runtime};

use crate::Error;

struct Background {
    pid: u32,
    generation: u64,
    runtime: Runtime,
}

impl Background {
    fn new(pid: u32) -> Result<Background, Error> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .max_blocking_threads(16)
            .thread_name("m2mauth-io")
            .enable_all()
            .build()
            .map_err(|e| Error::internal(format!("cannot start the background runtime: {e}")))?;
        let generation = GENERATIONS.fetch_add(1, Ordering::Relaxed) + 1;
        Ok(Background {
            pid,
            generation,
            runtime,
        })
    }
}

static BACKGROUND: Mutex<Option<Background>> = Mutex::new(None);
/// Incremented whenever a runtime is created: after a fork or a shutdown.
static GENERATIONS: AtomicU64 = AtomicU64::new(0);

/// The runtime's handle and its generation, which changes whenever the
/// runtime had to be re-created (in a forked child, whose parent's threads
/// do not exist). Sources compare generations to drop state that belonged
/// to the lost runtime (fetches in flight, HTTP connections).
pub(crate) fn handle() -> Result<(Handle, u64), Error> {
    let pid = std::process::id();
    let mut slot = super::fork::lock(&BACKGROUND);
    if let Some(bg) = slot.as_ref().filter(|bg| bg.pid == pid) {
        return Ok((bg.runtime.handle().clone(), bg.generation));
    }
    if let Some(old) = slot.take() {
        // Forked: the old runtime's worker threads are gone. Dropping it would
        // wait for them forever, so it is leaked on purpose (once per fork).
        std::mem::forget(old.runtime);
    }
    let background = Background::new(pid)?;
    let handle = background.runtime.handle().clone();
    let generation = background.generation;
    *slot = Some(background);
    Ok((handle, generation))
}

/// The handle of the background runtime every fetch runs on (started on
/// first use, re-created in a forked child). Bindings run their glue on it
/// (for example the delivery of results to an asyncio loop), so that it
/// survives `fork()` as the fetches do.
pub fn background() -> Result<Handle, Error> {
    handle().map(|(handle, _)| handle)
}

/// Stops the background runtime and waits (up to a second) for its threads.
/// Fetches in flight end with an internal error; sources keep working, as
/// the next call starts a new runtime. For a clean exit under leak checkers
/// and before unloading a library that embeds m2mauth.
pub fn shutdown() {
    let old = super::fork::lock(&BACKGROUND).take();
    if let Some(old) = old {
        if old.pid != std::process::id() {
            std::mem::forget(old.runtime);
        } else if Handle::try_current().is_ok() {
            // Called from async code: a runtime cannot be waited for there.
            old.runtime.shutdown_background();
        } else {
            old.runtime.shutdown_timeout(Duration::from_secs(1));
        }
    }
}

/// Wakes a thread blocked in [`block_on`]: a flag and a condition variable
/// (no thread handle, so nothing lingers in thread-local storage).
#[derive(Default)]
struct Signal {
    woken: Mutex<bool>,
    ready: Condvar,
}

impl Wake for Signal {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        *self.woken.lock().unwrap_or_else(PoisonError::into_inner) = true;
        self.ready.notify_one();
    }
}

/// Runs `future` to completion on the current thread, sleeping between polls.
/// The futures given here only wait for the background runtime's work.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    let signal = Arc::new(Signal::default());
    let waker = Waker::from(signal.clone());
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        let mut woken = signal.woken.lock().unwrap_or_else(PoisonError::into_inner);
        while !*woken {
            woken = signal
                .ready
                .wait(woken)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *woken = false;
    }
}

/// Polls `future` once on the calling thread: its output if it is ready
/// without waiting, else `None` (the future is dropped; work it handed to
/// the background runtime, such as a fetch, goes on there).
pub(crate) fn poll_once<F: Future>(future: F) -> Option<F::Output> {
    let mut cx = Context::from_waker(Waker::noop());
    match pin!(future).poll(&mut cx) {
        Poll::Ready(output) => Some(output),
        Poll::Pending => None,
    }
}

/// A value that belongs to one background runtime (an HTTP client and its
/// connections): made on first use, and made again when the runtime was
/// re-created (after a fork or a shutdown), the old one left alone.
pub(crate) struct PerRuntime<T> {
    current: Mutex<Option<(u64, Arc<T>)>>,
}

impl<T> Default for PerRuntime<T> {
    fn default() -> Self {
        PerRuntime {
            current: Mutex::new(None),
        }
    }
}

impl<T> PerRuntime<T> {
    /// The value for the runtime of `generation`, made with `make` if needed.
    pub(crate) fn get(
        &self,
        generation: u64,
        make: impl FnOnce() -> Result<T, Error>,
    ) -> Result<Arc<T>, Error> {
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((made_for, value)) = current.as_ref()
            && *made_for == generation
        {
            return Ok(value.clone());
        }
        let value = Arc::new(make()?);
        if let Some((_, old)) = current.replace((generation, value.clone())) {
            // Its connections may belong to a runtime that no longer exists
            // (a forked child): never touch them.
            std::mem::forget(old);
        }
        Ok(value)
    }
}
