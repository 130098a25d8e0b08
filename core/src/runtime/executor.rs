//! The background tokio runtime that runs every fetch and timer, re-created
//! in a child process after `fork()`, and a tiny `block_on` for blocking callers.

use std::future::Future;
use std::pin::pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

use tokio::runtime::{Handle, Runtime};

use crate::Error;

struct Background {
    pid: u32,
    generation: u64,
    runtime: Runtime,
}

static BACKGROUND: Mutex<Option<Background>> = Mutex::new(None);

/// The runtime's handle and its generation, which changes whenever the
/// runtime had to be re-created (in a forked child, whose parent's threads
/// do not exist). Sources compare generations to drop state that belonged
/// to the lost runtime (fetches in flight, HTTP connections).
pub(crate) fn handle() -> Result<(Handle, u64), Error> {
    let pid = std::process::id();
    let mut slot = BACKGROUND.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(bg) = slot.as_ref().filter(|bg| bg.pid == pid) {
        return Ok((bg.runtime.handle().clone(), bg.generation));
    }
    let generation = match slot.take() {
        // Forked: the old runtime's worker threads are gone. Dropping it would
        // wait for them forever, so it is leaked on purpose (once per fork).
        Some(old) => {
            let next = old.generation + 1;
            std::mem::forget(old.runtime);
            next
        }
        None => 1,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .max_blocking_threads(4)
        .thread_name("m2mauth-io")
        .enable_all()
        .build()
        .map_err(|e| Error::internal(format!("cannot start the background runtime: {e}")))?;
    let handle = runtime.handle().clone();
    *slot = Some(Background {
        pid,
        generation,
        runtime,
    });
    Ok((handle, generation))
}

struct ThreadWaker(Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs `future` to completion on the current thread, parking between polls.
/// The futures given here only wait for the background runtime's work.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    let waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        thread::park();
    }
}
