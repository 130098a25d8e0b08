//! asyncio integration: pyo3-async-runtimes, driven by m2mauth's own
//! background runtime, which (unlike a process-wide one fixed at first use)
//! is re-created in a forked child.

use std::cell::OnceCell;
use std::future::Future;
use std::pin::Pin;

use pyo3_async_runtimes::TaskLocals;
use pyo3_async_runtimes::generic::{ContextExt, Runtime};

tokio::task_local! {
    static TASK_LOCALS: OnceCell<TaskLocals>;
}

/// The pyo3-async-runtimes runtime backed by `m2mauth::runtime::background()`.
pub(crate) struct Background;

fn handle() -> tokio::runtime::Handle {
    // Creating the runtime only fails when the OS refuses threads; there is
    // nothing to return through pyo3-async-runtimes' infallible spawn then.
    m2mauth::runtime::background().expect("m2mauth cannot start its background runtime")
}

impl Runtime for Background {
    type JoinError = tokio::task::JoinError;
    type JoinHandle = tokio::task::JoinHandle<()>;

    fn spawn<F>(fut: F) -> Self::JoinHandle
    where
        F: Future<Output = ()> + Send + 'static,
    {
        handle().spawn(fut)
    }

    fn spawn_blocking<F>(f: F) -> Self::JoinHandle
    where
        F: FnOnce() + Send + 'static,
    {
        handle().spawn_blocking(f)
    }
}

impl ContextExt for Background {
    fn scope<F, R>(locals: TaskLocals, fut: F) -> Pin<Box<dyn Future<Output = R> + Send>>
    where
        F: Future<Output = R> + Send + 'static,
    {
        let cell = OnceCell::new();
        let _ = cell.set(locals);
        Box::pin(TASK_LOCALS.scope(cell, fut))
    }

    fn get_task_locals() -> Option<TaskLocals> {
        TASK_LOCALS
            .try_with(|cell| cell.get().cloned())
            .unwrap_or_default()
    }
}
