//! Counters: cheap to bump from many threads at once, summed only when read.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

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
    /// Of [`fetches`](Self::fetches), tokens another process of the fleet
    /// fetched, read from the fleet cache (Redis) instead of the IdP.
    pub l2_hits: u64,
    /// Fetches that waited for another process's lease.
    pub lease_waits: u64,
    /// Fetches that took a lease over from a process that died or was too slow.
    pub lease_takeovers: u64,
    /// Fetches during which Redis failed (or an entry was corrupted or
    /// undecryptable); each then fetched for itself.
    pub l2_errors: u64,
    /// The most recent failure, if any.
    pub last_error: Option<Error>,
}

/// What the fleet cache did for a source, for `stats()`.
#[derive(Debug, Default)]
pub(crate) struct FleetCounters {
    pub(crate) l2_hits: AtomicU64,
    pub(crate) lease_waits: AtomicU64,
    pub(crate) lease_takeovers: AtomicU64,
    pub(crate) l2_errors: AtomicU64,
}

/// The counters of the slow path (the lock-free path counts its own hits,
/// see `hot`).
#[derive(Default)]
pub(crate) struct Counters {
    hits: AtomicU64,
    waits: AtomicU64,
    fetches: AtomicU64,
    refreshes: AtomicU64,
    failures: AtomicU64,
    last_error: Mutex<Option<Error>>,
}

impl Counters {
    pub(crate) fn hit(&self) {
        self.hits.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
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
        *super::fork::lock(&self.last_error) = Some(error.clone());
    }

    /// The counters, with `hot_hits` from the lock-free path and the
    /// fleet cache's added.
    pub(crate) fn snapshot(&self, hot_hits: u64, fleet: &FleetCounters) -> Stats {
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        Stats {
            l2_hits: read(&fleet.l2_hits),
            lease_waits: read(&fleet.lease_waits),
            lease_takeovers: read(&fleet.lease_takeovers),
            l2_errors: read(&fleet.l2_errors),
            cache_hits: self.hits() + hot_hits,
            waits: self.waits.load(Ordering::Relaxed),
            fetches: self.fetches.load(Ordering::Relaxed),
            refreshes: self.refreshes.load(Ordering::Relaxed),
            failures: self.failures.load(Ordering::Relaxed),
            last_error: super::fork::lock(&self.last_error).clone(),
        }
    }
}
