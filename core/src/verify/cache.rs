//! The JWKS cache (sans-IO), in the style of the token slot: one key set,
//! at most one fetch in flight, and the rules between them.
//!
//! - Cold: the first caller fetches, the others wait for that one fetch.
//! - Fresh for the answer's `Cache-Control: max-age` (bounded; 10 min when
//!   absent), refreshed in the background from 80 % of that: once warm, a
//!   verification never waits on the network.
//! - A failed fetch keeps the last good keys serving for up to 24 h after
//!   they were fetched (stale-if-error), and backs off before trying again.
//! - A token whose `kid` is not in the keys triggers at most one refetch per
//!   cooldown (30 s), shared by every caller: callers with such a `kid`
//!   wait for that refetch, and during the cooldown fail at once, so forged
//!   `kid`s cannot turn into traffic to the IdP.

use std::sync::Arc;
use std::time::Duration;

use super::jwks::KeySet;
use crate::cache::{MonoTime, Ticket};
use crate::{Error, ErrorCode};

/// The knobs of the JWKS cache.
#[derive(Clone, Debug, PartialEq)]
pub struct JwksPolicy {
    /// Freshness when the answer has no `max-age` (default 10 min).
    pub default_max_age: Duration,
    /// The bounds put on an answer's `max-age` (default 5 s to 24 h).
    pub min_max_age: Duration,
    /// See [`min_max_age`](Self::min_max_age).
    pub max_max_age: Duration,
    /// How long after their fetch keys keep serving when refreshes fail
    /// (default 24 h), if longer than their `max-age`.
    pub stale_if_error: Duration,
    /// The least time between two refetches for an unknown `kid` (default 30 s).
    pub unknown_kid_cooldown: Duration,
    /// First back-off after a failed fetch (default 1 s); it doubles.
    pub backoff_base: Duration,
    /// Longest back-off (default 5 min).
    pub backoff_max: Duration,
}

impl Default for JwksPolicy {
    fn default() -> Self {
        JwksPolicy {
            default_max_age: Duration::from_secs(600),
            min_max_age: Duration::from_secs(5),
            max_max_age: Duration::from_secs(86_400),
            stale_if_error: Duration::from_secs(86_400),
            unknown_kid_cooldown: Duration::from_secs(30),
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(300),
        }
    }
}

/// What a verification must do, as answered by [`JwksCache::poll`].
#[derive(Clone, Debug)]
pub enum JwksAction {
    /// Verify with these keys.
    Use(Arc<KeySet>),
    /// Verify with these keys, and start a background refresh with this
    /// ticket; the caller does not wait for it.
    UseAndRefresh(Arc<KeySet>, Ticket),
    /// No usable keys (or the token's `kid` is unknown and a refetch is
    /// allowed): this caller leads the fetch with this ticket.
    Fetch(Ticket),
    /// A fetch that this caller needs is in flight: wait for its outcome.
    Wait,
    /// No keys can be had now (back-off after failures), or the token's
    /// `kid` is unknown during the refetch cooldown: this is the failure.
    Fail(Error),
}

/// A key set freshly fetched.
#[derive(Clone, Debug)]
pub struct FreshKeys {
    /// The keys.
    pub keys: KeySet,
    /// The answer's `Cache-Control: max-age`, if it had one.
    pub max_age: Option<Duration>,
}

#[derive(Clone, Debug)]
struct Held {
    keys: Arc<KeySet>,
    refresh_at: MonoTime,
    usable_until: MonoTime,
}

#[derive(Clone, Copy, Debug)]
struct InFlight {
    ticket: Ticket,
    /// Whether callers wait for it (cold start, unknown kid).
    waited_for: bool,
}

/// The JWKS state machine for one issuer. It never reads a clock, sleeps or
/// draws randomness: time is the `now` argument.
#[derive(Clone, Debug)]
pub struct JwksCache {
    policy: JwksPolicy,
    held: Option<Held>,
    fetch: Option<InFlight>,
    failures: u32,
    retry_at: Option<MonoTime>,
    last_error: Option<Error>,
    last_unknown_kid_fetch: Option<MonoTime>,
    tickets_issued: u64,
}

impl JwksCache {
    /// An empty cache.
    pub fn new(policy: JwksPolicy) -> JwksCache {
        JwksCache {
            policy,
            held: None,
            fetch: None,
            failures: 0,
            retry_at: None,
            last_error: None,
            last_unknown_kid_fetch: None,
            tickets_issued: 0,
        }
    }

    /// The keys, whatever their age.
    pub fn keys(&self) -> Option<&Arc<KeySet>> {
        self.held.as_ref().map(|h| &h.keys)
    }

    /// Until when the keys may be used with nothing to start: a runtime can
    /// serve them lock-free until then.
    pub fn quiet_until(&self) -> Option<MonoTime> {
        let held = self.held.as_ref()?;
        if self.fetch.is_some() {
            return Some(held.usable_until);
        }
        let next = self
            .retry_at
            .map_or(held.refresh_at, |r| r.max(held.refresh_at));
        Some(next.min(held.usable_until))
    }

    fn start(&mut self, waited_for: bool) -> Ticket {
        self.tickets_issued += 1;
        let ticket = Ticket::from_number(self.tickets_issued);
        self.fetch = Some(InFlight { ticket, waited_for });
        ticket
    }

    fn backing_off(&self, now: MonoTime) -> bool {
        self.retry_at.is_some_and(|r| now < r)
    }

    fn drop_expired(&mut self, now: MonoTime) {
        if self.held.as_ref().is_some_and(|h| now >= h.usable_until) {
            self.held = None;
        }
    }

    fn unavailable(&self) -> Error {
        self.last_error
            .clone()
            .unwrap_or_else(|| Error::jwks_unavailable("the JWKS could not be fetched"))
    }

    /// Answers a verification whose key is in the keys (or that has no
    /// `kid`), at `now`.
    pub fn poll(&mut self, now: MonoTime) -> JwksAction {
        self.drop_expired(now);
        if let Some(held) = &self.held {
            let keys = held.keys.clone();
            if now >= held.refresh_at && self.fetch.is_none() && !self.backing_off(now) {
                return JwksAction::UseAndRefresh(keys, self.start(false));
            }
            return JwksAction::Use(keys);
        }
        if let Some(fetch) = self.fetch.as_mut() {
            fetch.waited_for = true;
            return JwksAction::Wait;
        }
        if self.backing_off(now) {
            return JwksAction::Fail(self.unavailable());
        }
        JwksAction::Fetch(self.start(true))
    }

    /// Answers a verification whose `kid` is not in the keys held: a
    /// refetch, shared and at most one per cooldown; during the cooldown the
    /// `kid` is refused at once.
    pub fn poll_unknown_kid(&mut self, now: MonoTime, kid: &str) -> JwksAction {
        self.drop_expired(now);
        if self.held.is_none() {
            return self.poll(now);
        }
        if let Some(fetch) = self.fetch.as_mut() {
            fetch.waited_for = true;
            return JwksAction::Wait;
        }
        let cooling = self
            .last_unknown_kid_fetch
            .is_some_and(|at| now < at + self.policy.unknown_kid_cooldown);
        if cooling || self.backing_off(now) {
            let shown = crate::protocol::text::cut(kid, 60);
            return JwksAction::Fail(Error::invalid_token(
                ErrorCode::TokenUnknownKey,
                format!("kid {shown:?} is not in the issuer's JWKS"),
            ));
        }
        self.last_unknown_kid_fetch = Some(now);
        JwksAction::Fetch(self.start(true))
    }

    /// Records the outcome of the fetch `ticket`. Returns whether it was the
    /// fetch in flight (a late or stale answer changes nothing).
    pub fn complete(
        &mut self,
        ticket: Ticket,
        now: MonoTime,
        outcome: Result<FreshKeys, Error>,
    ) -> bool {
        if self.fetch.is_none_or(|f| f.ticket != ticket) {
            return false;
        }
        self.fetch = None;
        match outcome {
            Ok(fresh) => {
                let p = &self.policy;
                let max_age = fresh
                    .max_age
                    .unwrap_or(p.default_max_age)
                    .clamp(p.min_max_age, p.max_max_age);
                self.held = Some(Held {
                    keys: Arc::new(fresh.keys),
                    refresh_at: now + max_age.mul_f64(0.8),
                    usable_until: now + max_age.max(p.stale_if_error),
                });
                self.failures = 0;
                self.retry_at = None;
                self.last_error = None;
            }
            Err(error) => {
                self.failures = self.failures.saturating_add(1);
                let doublings = self.failures.saturating_sub(1).min(20);
                let delay = self
                    .policy
                    .backoff_base
                    .saturating_mul(1u32 << doublings)
                    .min(self.policy.backoff_max);
                self.retry_at = Some(now + delay.max(error.retry_after().unwrap_or_default()));
                self.last_error = Some(match error.code() {
                    ErrorCode::JwksUnavailable => error,
                    _ => Error::jwks_unavailable(error.to_string()),
                });
            }
        }
        true
    }

    /// Forgets the fetch `ticket` without an outcome (its runtime stopped,
    /// or the process forked): no back-off follows. Returns whether it was
    /// the fetch in flight.
    pub fn abandon(&mut self, ticket: Ticket) -> bool {
        let current = self.fetch.is_some_and(|f| f.ticket == ticket);
        if current {
            self.fetch = None;
        }
        current
    }

    /// Whether a fetch is in flight, and whether callers wait for it.
    pub fn fetching(&self) -> Option<bool> {
        self.fetch.map(|f| f.waited_for)
    }

    /// When the cache next wants a background refresh (`None`: nothing due).
    pub fn poll_timeout(&self) -> Option<MonoTime> {
        if self.fetch.is_some() {
            return None;
        }
        let held = self.held.as_ref()?;
        Some(
            self.retry_at
                .map_or(held.refresh_at, |r| r.max(held.refresh_at)),
        )
    }

    /// Starts a background refresh if one is due at `now` (harmless early or twice).
    pub fn handle_timeout(&mut self, now: MonoTime) -> Option<Ticket> {
        self.drop_expired(now);
        let due = self.poll_timeout().is_some_and(|at| now >= at);
        (due && self.held.is_some()).then(|| self.start(false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(secs: u64) -> MonoTime {
        MonoTime::from_millis(secs * 1000)
    }

    fn keys() -> FreshKeys {
        FreshKeys {
            keys: KeySet::default(),
            max_age: None,
        }
    }

    fn warm() -> JwksCache {
        let mut cache = JwksCache::new(JwksPolicy::default());
        let JwksAction::Fetch(t) = cache.poll(s(0)) else {
            panic!()
        };
        assert!(cache.complete(t, s(0), Ok(keys())));
        cache
    }

    #[test]
    fn cold_callers_share_one_fetch() {
        let mut cache = JwksCache::new(JwksPolicy::default());
        assert!(matches!(cache.poll(s(0)), JwksAction::Fetch(_)));
        assert!(matches!(cache.poll(s(0)), JwksAction::Wait));
        assert_eq!(cache.fetching(), Some(true));
    }

    #[test]
    fn warm_keys_refresh_in_the_background_and_survive_an_outage() {
        let mut cache = warm();
        assert!(matches!(cache.poll(s(479)), JwksAction::Use(_)));
        let JwksAction::UseAndRefresh(_, t) = cache.poll(s(480)) else {
            panic!("refresh from 80 % of the default 10 min")
        };
        assert!(
            matches!(cache.poll(s(481)), JwksAction::Use(_)),
            "one refresh"
        );
        cache.complete(t, s(481), Err(Error::jwks_unavailable("503")));
        // Stale keys keep serving, well past their max-age, for a day.
        assert!(matches!(
            cache.poll(s(3600)),
            JwksAction::Use(_) | JwksAction::UseAndRefresh(..)
        ));
        let mut cache = warm();
        assert!(matches!(
            cache.poll(s(86_399)),
            JwksAction::UseAndRefresh(..)
        ));
        assert!(
            matches!(cache.poll(s(86_400)), JwksAction::Wait),
            "then they are gone"
        );
    }

    #[test]
    fn unknown_kids_refetch_once_per_cooldown() {
        let mut cache = warm();
        let JwksAction::Fetch(t) = cache.poll_unknown_kid(s(10), "new") else {
            panic!()
        };
        assert!(matches!(
            cache.poll_unknown_kid(s(10), "other"),
            JwksAction::Wait
        ));
        cache.complete(t, s(11), Ok(keys()));
        let JwksAction::Fail(e) = cache.poll_unknown_kid(s(20), "forged") else {
            panic!("cooldown")
        };
        assert_eq!(e.code(), ErrorCode::TokenUnknownKey);
        assert!(matches!(
            cache.poll_unknown_kid(s(40), "forged"),
            JwksAction::Fetch(_)
        ));
    }

    #[test]
    fn max_age_is_honoured_within_bounds() {
        let mut cache = JwksCache::new(JwksPolicy::default());
        let JwksAction::Fetch(t) = cache.poll(s(0)) else {
            panic!()
        };
        let fresh = FreshKeys {
            keys: KeySet::default(),
            max_age: Some(Duration::from_secs(1)),
        };
        cache.complete(t, s(0), Ok(fresh));
        assert_eq!(
            cache.poll_timeout(),
            Some(s(4)),
            "at least 5 s, refreshed at 80 %"
        );
    }

    #[test]
    fn a_cold_failure_backs_off_and_stale_tickets_are_ignored() {
        let mut cache = JwksCache::new(JwksPolicy::default());
        let JwksAction::Fetch(t) = cache.poll(s(0)) else {
            panic!()
        };
        assert!(cache.complete(t, s(0), Err(Error::jwks_unavailable("refused"))));
        assert!(!cache.complete(t, s(0), Ok(keys())), "stale");
        let JwksAction::Fail(e) = cache.poll(s(0)) else {
            panic!()
        };
        assert_eq!(e.code(), ErrorCode::JwksUnavailable);
        assert!(matches!(cache.poll(s(1)), JwksAction::Fetch(_)));
    }
}
