//! Counters: cheap to bump from many threads at once, summed only when read.

use std::cell::Cell;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use crate::Error;

/// What a [`TokenSource`](super::TokenSource) has done so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Calls answered from the cache, without waiting for the IdP.
    pub cache_hits: u64,
    /// Calls that had to wait for the IdP (a cold cache, or a token that had
    /// expired before anyone refreshed it). With refresh-ahead working this
    /// stays at the number of cold starts.
    pub waits: u64,
    /// Token requests that returned a token.
    pub fetches: u64,
    /// Of those, refreshes done while callers kept using the previous token.
    pub refreshes: u64,
    /// Token requests that failed (each retry counts).
    pub failures: u64,
    /// The most recent failure, if any.
    pub last_error: Option<Error>,
}

const STRIPES: usize = 16;

/// One counter per cache line, so two threads bumping "the same" counter do
/// not fight over one line.
#[repr(align(128))]
#[derive(Default)]
struct Padded(AtomicU64);

#[derive(Default)]
struct Striped([Padded; STRIPES]);

impl Striped {
    fn add_one(&self) {
        thread_local! {
            static STRIPE: Cell<usize> = const { Cell::new(usize::MAX) };
        }
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let stripe = STRIPE.with(|s| {
            if s.get() == usize::MAX {
                s.set(NEXT.fetch_add(1, Ordering::Relaxed) % STRIPES);
            }
            s.get()
        });
        self.0[stripe].0.fetch_add(1, Ordering::Relaxed);
    }

    fn sum(&self) -> u64 {
        self.0.iter().map(|p| p.0.load(Ordering::Relaxed)).sum()
    }
}

#[derive(Default)]
pub(crate) struct Counters {
    hits: Striped,
    waits: AtomicU64,
    fetches: AtomicU64,
    refreshes: AtomicU64,
    failures: AtomicU64,
    last_error: Mutex<Option<Error>>,
}

impl Counters {
    pub(crate) fn hit(&self) {
        self.hits.add_one();
    }

    pub(crate) fn hits(&self) -> u64 {
        self.hits.sum()
    }

    pub(crate) fn waited(&self) {
        self.waits.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn fetched(&self, refresh: bool) {
        self.fetches.fetch_add(1, Ordering::Relaxed);
        if refresh {
            self.refreshes.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub(crate) fn failed(&self, error: &Error) {
        self.failures.fetch_add(1, Ordering::Relaxed);
        *self
            .last_error
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(error.clone());
    }

    pub(crate) fn snapshot(&self) -> Stats {
        Stats {
            cache_hits: self.hits.sum(),
            waits: self.waits.load(Ordering::Relaxed),
            fetches: self.fetches.load(Ordering::Relaxed),
            refreshes: self.refreshes.load(Ordering::Relaxed),
            failures: self.failures.load(Ordering::Relaxed),
            last_error: self
                .last_error
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone(),
        }
    }
}
