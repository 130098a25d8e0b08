//! The fleet cache (sans-IO): one token request per cache key for every
//! process that shares a Redis, by way of a lease.
//!
//! A process whose token slot asks for a fetch runs a [`FleetFetch`]
//! instead of going to the IdP at once. It reads the shared entry; a usable
//! one is adopted (no IdP request). Otherwise, or when the entry is due for
//! refresh, it tries the lease (`SET NX PX`, a fencing value): the holder
//! fetches from the IdP, stores the entry (its TTL the token's use-until)
//! and releases the lease (compare-and-delete). The others poll the entry
//! within a bound that leaves them time to fetch for themselves; when a
//! holder dies, its lease expires and the next poll takes it over. Any
//! Redis failure sends this process to the IdP on its own, and opens the
//! [`Breaker`] so the next calls do not wait for Redis at all.
//!
//! The machine never touches Redis or the IdP: it answers each event with
//! the next [`FleetCommand`], on the caller's clock ([`FleetClock`]).
//!
//! ```
//! use std::time::Duration;
//! use m2mauth::cache::MonoTime;
//! use m2mauth::cache::fleet::{FleetClock, FleetCommand, FleetFetch};
//! let now = FleetClock { mono: MonoTime::from_nanos(0), wall_ms: 1_700_000_000_000 };
//! let mut fetch = FleetFetch::new(now, Duration::from_secs(10));
//! assert_eq!(fetch.start(), FleetCommand::ReadEntry);
//! // No entry in Redis: take the lease, then fetch while holding it.
//! assert_eq!(fetch.on_entry(now, Ok(None)), FleetCommand::TakeLease);
//! assert_eq!(fetch.on_lease(now, Ok(true)), FleetCommand::FetchFromIdp { holding_lease: true });
//! # Ok::<(), m2mauth::Error>(())
//! ```

mod breaker;
mod entry;

use std::time::Duration;

use super::MonoTime;

pub use breaker::Breaker;
pub use entry::{FleetKeys, RedisNames, SharedToken};

/// The time on both clocks: monotonic for deadlines, wall (Unix ms) for
/// entries, which other processes wrote with their own clocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FleetClock {
    /// Monotonic time.
    pub mono: MonoTime,
    /// Wall-clock time, milliseconds since the Unix epoch.
    pub wall_ms: u64,
}

/// How far another process's clock may be ahead of this one's: an entry
/// is treated as expiring this much earlier than it says (a tenth of its
/// remaining life at most).
pub const CLOCK_SKEW_ALLOWANCE: Duration = Duration::from_secs(5);

/// The shortest remaining validity for which a shared entry is adopted.
pub const MIN_ADOPTED_VALIDITY: Duration = Duration::from_secs(1);

/// What the runtime must do next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FleetCommand {
    /// `GET` the shared entry and report it with [`FleetFetch::on_entry`].
    ReadEntry,
    /// `SET lease NX PX lease_ttl` with this process's fencing value;
    /// report with [`FleetFetch::on_lease`].
    TakeLease,
    /// Sleep until then, then report [`FleetFetch::on_wait_over`].
    WaitUntil(MonoTime),
    /// Ask the IdP; report with [`FleetFetch::on_fetched`].
    FetchFromIdp {
        /// Whether this process holds the lease (and must store and release).
        holding_lease: bool,
    },
    /// Store the fetched token as the shared entry; report with
    /// [`FleetFetch::on_stored`].
    StoreEntry,
    /// Delete the lease if it still holds this process's fencing value;
    /// report with [`FleetFetch::on_released`].
    ReleaseLease,
    /// The shared token last read is the answer.
    UseShared,
    /// Done: the IdP's answer (success or error) is the answer.
    Finish,
}

/// A Redis command that failed (timeout, connection, refusal).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedisFailure(pub String);

/// One fetch for one cache key, coordinated with the fleet.
#[derive(Debug)]
pub struct FleetFetch {
    started: MonoTime,
    /// Waiting stops here, leaving the rest of the deadline for a fetch of our own.
    stop_waiting_at: MonoTime,
    poll: Duration,
    /// The last entry read that can still be served.
    usable: Option<SharedToken>,
    waited: bool,
    took_over: bool,
    failure: Option<RedisFailure>,
}

/// The shortest and longest pause between two polls of the shared entry.
const FIRST_POLL: Duration = Duration::from_millis(20);
const LONGEST_POLL: Duration = Duration::from_millis(250);

impl FleetFetch {
    /// A fetch starting at `now` that must be answered within `timeout`.
    pub fn new(now: FleetClock, timeout: Duration) -> FleetFetch {
        // A waiter polls for up to three quarters of its deadline (taking
        // the lease over when a holder's expires), keeping the last quarter
        // to fetch for itself.
        let wait = timeout * 3 / 4;
        FleetFetch {
            started: now.mono,
            stop_waiting_at: now.mono + wait,
            poll: FIRST_POLL,
            usable: None,
            waited: false,
            took_over: false,
            failure: None,
        }
    }

    /// The first command: read the shared entry.
    pub fn start(&mut self) -> FleetCommand {
        FleetCommand::ReadEntry
    }

    /// The shared entry read at `now` (`None`: absent, or unreadable).
    pub fn on_entry(
        &mut self,
        now: FleetClock,
        entry: Result<Option<SharedToken>, RedisFailure>,
    ) -> FleetCommand {
        let entry = match entry {
            Ok(entry) => entry,
            Err(failure) => return self.on_redis_failure(failure),
        };
        self.usable = entry.filter(|e| e.remaining(now.wall_ms) >= MIN_ADOPTED_VALIDITY);
        match &self.usable {
            Some(shared) if !shared.due_for_refresh(now.wall_ms) => FleetCommand::UseShared,
            // Absent, or due for refresh: whoever takes the lease fetches.
            _ => FleetCommand::TakeLease,
        }
    }

    /// Whether the lease was taken.
    pub fn on_lease(&mut self, now: FleetClock, taken: Result<bool, RedisFailure>) -> FleetCommand {
        match taken {
            Err(failure) => self.on_redis_failure(failure),
            Ok(true) => {
                self.took_over = self.waited;
                FleetCommand::FetchFromIdp {
                    holding_lease: true,
                }
            }
            // Another process is refreshing: the current token still serves.
            Ok(false) if self.usable.is_some() => FleetCommand::UseShared,
            Ok(false) => self.wait(now),
        }
    }

    fn wait(&mut self, now: FleetClock) -> FleetCommand {
        let next = now.mono + self.poll;
        if next > self.stop_waiting_at {
            // The holder is too slow for this caller: fetch for ourselves.
            return FleetCommand::FetchFromIdp {
                holding_lease: false,
            };
        }
        self.waited = true;
        self.poll = (self.poll * 2).min(LONGEST_POLL);
        FleetCommand::WaitUntil(next)
    }

    /// A [`WaitUntil`](FleetCommand::WaitUntil) ended: read the entry again.
    pub fn on_wait_over(&mut self, _now: FleetClock) -> FleetCommand {
        FleetCommand::ReadEntry
    }

    /// The IdP answered (`ok`: with a token).
    pub fn on_fetched(&mut self, holding_lease: bool, ok: bool) -> FleetCommand {
        match (holding_lease, ok) {
            (true, true) => FleetCommand::StoreEntry,
            (true, false) => FleetCommand::ReleaseLease,
            (false, _) => FleetCommand::Finish,
        }
    }

    /// The entry was stored (or storing failed: the token is still ours).
    pub fn on_stored(&mut self, stored: Result<(), RedisFailure>) -> FleetCommand {
        if let Err(failure) = stored {
            self.failure = Some(failure);
        }
        FleetCommand::ReleaseLease
    }

    /// The lease was released (or not: it expires on its own).
    pub fn on_released(&mut self, released: Result<(), RedisFailure>) -> FleetCommand {
        if let Err(failure) = released {
            self.failure = Some(failure);
        }
        FleetCommand::Finish
    }

    fn on_redis_failure(&mut self, failure: RedisFailure) -> FleetCommand {
        self.failure = Some(failure);
        match &self.usable {
            Some(_) => FleetCommand::UseShared,
            None => FleetCommand::FetchFromIdp {
                holding_lease: false,
            },
        }
    }

    /// The shared token to serve after [`UseShared`](FleetCommand::UseShared).
    pub fn shared(&self) -> Option<&SharedToken> {
        self.usable.as_ref()
    }

    /// Whether this fetch waited for another process's lease.
    pub fn waited(&self) -> bool {
        self.waited
    }

    /// Whether this fetch took over a lease after waiting (its holder was
    /// gone or too slow).
    pub fn took_over(&self) -> bool {
        self.took_over
    }

    /// Whether a Redis command failed during this fetch (for the breaker).
    pub fn redis_failed(&self) -> bool {
        self.failure.is_some()
    }

    /// The last Redis failure of this fetch, if any (what to log).
    pub fn failure(&self) -> Option<&RedisFailure> {
        self.failure.as_ref()
    }

    /// When this fetch started.
    pub fn started(&self) -> MonoTime {
        self.started
    }
}

#[cfg(test)]
mod tests;
