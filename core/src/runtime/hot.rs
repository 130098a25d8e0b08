//! The lock-free path for a fresh cached token.
//!
//! Each thread keeps its own replica of the current token, keyed by a
//! process-wide publication number, so a cache hit reads one shared atomic
//! (written only when the token changes) and touches no cache line another
//! thread writes: two threads asking at once are as fast as one.

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

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
    publication: u64,
    token: AccessToken,
    until: MonoTime,
}

struct Published {
    publication: u64,
    token: AccessToken,
    until: MonoTime,
}

/// What the lock-free path may serve, and until when.
#[derive(Default)]
pub(crate) struct HotToken {
    /// 0 while nothing is published.
    current: AtomicU64,
    published: ArcSwapOption<Published>,
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

    /// The published token if it may be served at `now`.
    pub(crate) fn get(&self, now: impl FnOnce() -> MonoTime) -> Option<AccessToken> {
        let current = self.current.load(Ordering::Acquire);
        if current == 0 {
            return None;
        }
        REPLICAS.with(|cell| {
            let mut replicas = cell.try_borrow_mut().ok()?;
            let index = match replicas.iter().position(|r| r.publication == current) {
                Some(index) => index,
                None => self.replicate(&mut replicas, current)?,
            };
            let replica = &replicas[index];
            (now() < replica.until).then(|| replica.token.clone())
        })
    }

    /// Copies the published token into this thread's replicas.
    fn replicate(&self, replicas: &mut Vec<Replica>, current: u64) -> Option<usize> {
        let published = self.published.load_full()?;
        // A newer publication raced ahead: let the slow path answer.
        if published.publication != current {
            return None;
        }
        let replica = Replica {
            publication: current,
            token: published.token.replica(),
            until: published.until,
        };
        if replicas.len() >= REPLICAS_PER_THREAD {
            replicas.remove(0);
        }
        replicas.push(replica);
        Some(replicas.len() - 1)
    }
}
