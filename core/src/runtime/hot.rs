//! The lock-free path for a fresh cached token.
//!
//! Each thread keeps its own replica of the current token, keyed by a
//! process-wide publication number, so a cache hit reads one shared atomic
//! (written only when the token changes) and touches no cache line another
//! thread writes: two threads asking at once are as fast as one. Each
//! replica counts its own hits in a cell only its thread writes, so the
//! count is exact without a locked instruction.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwapOption;

use super::token::AccessToken;
use crate::cache::MonoTime;

/// Publication numbers are unique across all sources, so a replica's number
/// alone says which source and which token it is.
static PUBLICATIONS: AtomicU64 = AtomicU64::new(1);
/// Replicas each thread keeps; the oldest is replaced first.
const REPLICAS_PER_THREAD: usize = 4;

thread_local! {
    static REPLICAS: RefCell<Vec<Replica>> = const { RefCell::new(Vec::new()) };
}

struct Replica {
    /// The `HotToken` (the source) it copies, by address.
    source: usize,
    publication: u64,
    token: AccessToken,
    until: MonoTime,
    /// Hits served from this replica; written by this thread only.
    hits: Arc<HitCell>,
}

/// A hit counter alone on its cache line, so that two threads' counters never
/// share one (false sharing would make every hit contend).
#[repr(align(128))]
#[derive(Default)]
struct HitCell(AtomicU64);

struct Published {
    publication: u64,
    token: AccessToken,
    until: MonoTime,
}

/// Hit counters of a source's replicas, summed when read.
#[derive(Default)]
struct HitCells {
    /// Hits of replicas that are gone.
    retired: AtomicU64,
    live: Mutex<Vec<Arc<HitCell>>>,
}

impl HitCells {
    fn new_cell(&self) -> Arc<HitCell> {
        let mut live = super::fork::lock(&self.live);
        // A cell only the list holds belongs to a replica that is gone: no
        // one can add to it any more, so its count moves to `retired`.
        live.retain(|cell| {
            let orphan = Arc::strong_count(cell) == 1;
            if orphan {
                self.retired
                    .fetch_add(cell.0.load(Ordering::Relaxed), Ordering::Relaxed);
            }
            !orphan
        });
        let cell = Arc::new(HitCell::default());
        live.push(cell.clone());
        cell
    }

    fn total(&self) -> u64 {
        let live = super::fork::lock(&self.live);
        self.retired.load(Ordering::Relaxed)
            + live
                .iter()
                .map(|c| c.0.load(Ordering::Relaxed))
                .sum::<u64>()
    }
}

/// What the lock-free path may serve, and until when.
#[derive(Default)]
pub(crate) struct HotToken {
    /// 0 while nothing is published.
    current: AtomicU64,
    published: ArcSwapOption<Published>,
    hits: HitCells,
}

impl HotToken {
    /// Publishes `token` as servable until `until`, or nothing.
    pub(crate) fn publish(&self, entry: Option<(AccessToken, MonoTime)>) {
        let publication = PUBLICATIONS.fetch_add(1, Ordering::Relaxed);
        let published = entry.map(|(token, until)| {
            Arc::new(Published {
                publication,
                token,
                until,
            })
        });
        let number = if published.is_some() { publication } else { 0 };
        self.published.store(published);
        self.current.store(number, Ordering::Release);
    }

    /// Applies `read` to the published token if it may be served at `now`,
    /// counting a hit.
    pub(crate) fn with<R>(
        &self,
        now: impl FnOnce() -> MonoTime,
        read: impl FnOnce(&AccessToken) -> R,
    ) -> Option<R> {
        let current = self.current.load(Ordering::Acquire);
        if current == 0 {
            // Nothing to serve (cold, or invalidated): this thread's copies
            // of this source's old tokens go now, not when they are evicted.
            self.forget_replicas();
            return None;
        }
        REPLICAS.with(|cell| {
            let mut replicas = cell.try_borrow_mut().ok()?;
            let index = match replicas.iter().position(|r| r.publication == current) {
                Some(index) => index,
                None => self.replicate(&mut replicas, current)?,
            };
            let replica = &replicas[index];
            if now() >= replica.until {
                return None;
            }
            // Only this thread writes this cell: a plain add is exact.
            let hits = &replica.hits.0;
            hits.store(hits.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
            Some(read(&replica.token))
        })
    }

    fn address(&self) -> usize {
        std::ptr::from_ref(self) as usize
    }

    /// Drops this thread's replicas of this source.
    fn forget_replicas(&self) {
        REPLICAS.with(|cell| {
            if let Ok(mut replicas) = cell.try_borrow_mut() {
                replicas.retain(|r| r.source != self.address());
            }
        });
    }

    /// Hits served by the lock-free path so far.
    pub(crate) fn hits(&self) -> u64 {
        self.hits.total()
    }

    /// Copies the published token into this thread's replicas.
    fn replicate(&self, replicas: &mut Vec<Replica>, current: u64) -> Option<usize> {
        let published = self.published.load_full()?;
        // A newer publication raced ahead: let the slow path answer.
        if published.publication != current {
            return None;
        }
        // This source's older tokens are no longer served: drop their copies.
        replicas.retain(|r| r.source != self.address());
        let replica = Replica {
            source: self.address(),
            publication: current,
            token: published.token.replica(),
            until: published.until,
            hits: self.hits.new_cell(),
        };
        if replicas.len() >= REPLICAS_PER_THREAD {
            replicas.remove(0);
        }
        replicas.push(replica);
        Some(replicas.len() - 1)
    }
}
