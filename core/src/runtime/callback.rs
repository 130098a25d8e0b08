//! Delivering an outcome to a callback, for bindings whose callers have
//! neither an async runtime nor a thread to block (C, .NET, Node).

use std::future::Future;

use super::executor;
use crate::Error;

/// A callback that is called exactly once: with the outcome, or with an
/// internal error if the task carrying it is dropped first.
struct Reply<T, F: FnOnce(Result<T, Error>)>(Option<F>, std::marker::PhantomData<fn(T)>);

impl<T, F: FnOnce(Result<T, Error>)> Reply<T, F> {
    fn send(mut self, outcome: Result<T, Error>) {
        if let Some(callback) = self.0.take() {
            callback(outcome);
        }
    }
}

impl<T, F: FnOnce(Result<T, Error>)> Drop for Reply<T, F> {
    fn drop(&mut self) {
        if let Some(callback) = self.0.take() {
            callback(Err(Error::internal(
                "the background runtime stopped before the outcome was ready",
            )));
        }
    }
}

/// Runs `work` on the background runtime and hands its outcome to
/// `callback`, exactly once, on one of the runtime's blocking threads:
/// never on the caller's thread, never on the thread that does the network
/// IO (a callback may block, or call back into m2mauth, without stalling
/// it). If the runtime is shut down first, the callback gets an internal
/// error, on the thread that shut it down (or, in the rare race where it
/// stops just as the work starts, on the calling thread).
pub(crate) fn deliver<T: Send + 'static>(
    callback: impl FnOnce(Result<T, Error>) + Send + 'static,
    work: impl Future<Output = Result<T, Error>> + Send + 'static,
) {
    let reply = Reply(Some(callback), std::marker::PhantomData);
    match executor::handle() {
        Ok((handle, _)) => {
            handle.spawn(async move {
                let outcome = work.await;
                // If the runtime is shutting down, the closure is dropped
                // and `reply` reports that instead.
                drop(tokio::task::spawn_blocking(move || reply.send(outcome)));
            });
        }
        Err(error) => reply.send(Err(error)),
    }
}
