//! The per-key token slot: one token, at most one fetch, and the rules between them.

use std::time::Duration;

use super::policy::{Deadlines, Policy};
use super::rng::Jitter;
use super::time::MonoTime;
use crate::Error;

/// Identifies one fetch. Completions carrying any other ticket are ignored,
/// so a late answer can never overwrite a newer token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ticket(u64);

impl Ticket {
    /// The `n`-th ticket a state machine issues.
    pub(crate) const fn from_number(n: u64) -> Ticket {
        Ticket(n)
    }
}

/// What a caller must do, as answered by [`Slot::poll`].
#[derive(Clone, Debug, PartialEq)]
pub enum Action<T> {
    /// Use this token; nothing else to do.
    Use(T),
    /// Use this token, and start a background refresh with this ticket. The
    /// caller does not wait for it.
    UseAndRefresh(T, Ticket),
    /// There is no usable token: this caller leads the fetch with this ticket.
    Fetch(Ticket),
    /// There is no usable token and the slot is backing off after a
    /// transient failure: this caller leads the next attempt, to be sent at
    /// this time (which falls within its deadline); others wait for it.
    FetchAt(Ticket, MonoTime),
    /// There is no usable token and a fetch is in flight: wait for its outcome.
    Wait,
    /// There is no usable token and the slot is backing off after a failure
    /// that will not pass by itself (a refusal, a garbled answer), or whose
    /// next attempt is beyond the caller's deadline: this is the failure; no
    /// request is made until the back-off ends.
    Fail(Error),
}

/// A freshly fetched token, as handed to [`Slot::complete`].
#[derive(Clone, Debug)]
pub struct Fresh<T> {
    /// The token (whatever the caller caches: a string, an id, an `Arc`).
    pub value: T,
    /// Its lifetime as the IdP stated it (`expires_in`).
    pub lifetime: Duration,
    /// An IdP hint to refresh earlier (Entra's `refresh_in`).
    pub refresh_in: Option<Duration>,
}

/// What became of a fetch, as answered by [`Slot::complete`].
#[derive(Clone, Debug, PartialEq)]
pub enum Completion<T> {
    /// Give this token to everyone waiting on this fetch. It is cached,
    /// unless its lifetime was zero (such a token serves only its waiters).
    Delivered(T),
    /// The fetch failed; give this error to everyone waiting on it. The slot
    /// keeps serving a still-valid token and backs off before the next try.
    Failed(Error),
    /// The failure is transient and callers are waiting with no usable token:
    /// send the request again at this time, with the same ticket.
    RetryAt(MonoTime),
    /// The ticket was not the slot's current one; nothing changed.
    Stale,
}

#[derive(Clone, Debug)]
struct Entry<T> {
    value: T,
    deadlines: Deadlines,
}

#[derive(Clone, Copy, Debug)]
struct InFlight {
    ticket: Ticket,
    /// When the current attempt was (or will be) sent; lifetimes count from here.
    attempt_at: MonoTime,
    /// Retries are only scheduled before this.
    deadline: MonoTime,
    retries_left: u32,
}

#[derive(Clone, Debug)]
struct Backoff {
    failures: u32,
    retry_at: MonoTime,
    error: Error,
}

/// The token state machine for one cache key. It never reads a clock, sleeps,
/// spawns or draws randomness: time is the `now` argument, and jitter comes
/// from the seed given to [`Slot::new`].
///
/// ```
/// use m2mauth::cache::{Action, Completion, Fresh, MonoTime, Policy, Slot};
/// use std::time::Duration;
///
/// let mut slot = Slot::new(Policy::default(), 1);
/// let t0 = MonoTime::ZERO;
/// let Action::Fetch(ticket) = slot.poll(t0) else { unreachable!() };
/// assert_eq!(slot.poll(t0), Action::Wait); // a second caller waits
/// let fresh = Fresh { value: "tok", lifetime: Duration::from_secs(3600), refresh_in: None };
/// assert_eq!(slot.complete(ticket, t0, Ok(fresh)), Completion::Delivered("tok"));
/// assert_eq!(slot.poll(t0 + Duration::from_secs(1)), Action::Use("tok"));
/// ```
#[derive(Clone, Debug)]
pub struct Slot<T> {
    policy: Policy,
    jitter: Jitter,
    entry: Option<Entry<T>>,
    fetch: Option<InFlight>,
    backoff: Option<Backoff>,
    tickets_issued: u64,
}

impl<T: Clone> Slot<T> {
    /// An empty slot. `seed` drives the jitter of refreshes and back-offs.
    /// Fractions of `policy` that are not numbers in range are replaced by
    /// the defaults ([`Policy::validate`] reports them).
    pub fn new(policy: Policy, seed: u64) -> Self {
        Slot {
            policy: policy.sanitized(),
            jitter: Jitter::new(seed),
            entry: None,
            fetch: None,
            backoff: None,
            tickets_issued: 0,
        }
    }

    /// The policy this slot follows.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Answers a caller who wants a token at `now`.
    pub fn poll(&mut self, now: MonoTime) -> Action<T> {
        self.drop_expired(now);
        if let Some(entry) = &self.entry {
            let value = entry.value.clone();
            if self.refresh_due(now) {
                let ticket = self.start_fetch(now, now + self.policy.retry_window);
                return Action::UseAndRefresh(value, ticket);
            }
            return Action::Use(value);
        }
        if self.fetch.is_some() {
            return Action::Wait;
        }
        if let Some(backoff) = self.backoff.as_ref().filter(|b| now < b.retry_at) {
            // An outage that will pass: wait for the next attempt rather than
            // fail at once, if it comes in time for this caller (with a
            // quarter of the window left for the request itself).
            let deadline = now + self.policy.retry_window;
            let at = backoff.retry_at;
            if backoff.error.is_transient() && at + self.policy.retry_window / 4 <= deadline {
                return Action::FetchAt(self.start_fetch(at, deadline), at);
            }
            return Action::Fail(backoff.error.clone());
        }
        Action::Fetch(self.start_fetch(now, now + self.policy.retry_window))
    }

    /// Records the outcome of the fetch `ticket` at `now`.
    pub fn complete(
        &mut self,
        ticket: Ticket,
        now: MonoTime,
        outcome: Result<Fresh<T>, Error>,
    ) -> Completion<T> {
        let Some(fetch) = self.fetch.filter(|f| f.ticket == ticket) else {
            return Completion::Stale;
        };
        if let Ok(fresh) = &outcome
            && fresh.lifetime.is_zero()
        {
            return self.pass_through(fetch, now, fresh.value.clone());
        }
        let outcome = outcome.and_then(|fresh| self.admit(fetch, now, fresh));
        match outcome {
            Ok(entry) => {
                let value = entry.value.clone();
                self.entry = Some(entry);
                self.fetch = None;
                self.backoff = None;
                Completion::Delivered(value)
            }
            Err(error) => self.fail(fetch, now, error),
        }
    }

    /// Drops the cached token if `is_it` recognises it (after an API answered
    /// 401 to it). A token that was already replaced is left alone, so each
    /// token is dropped at most once. Returns whether a token was dropped.
    pub fn invalidate(&mut self, is_it: impl FnOnce(&T) -> bool) -> bool {
        match &self.entry {
            Some(entry) if is_it(&entry.value) => {
                self.entry = None;
                true
            }
            _ => false,
        }
    }

    /// Forgets the fetch in flight without an outcome, for a runtime that lost
    /// it (the process forked while it ran). Waiters must be told by the runtime.
    pub fn abandon_fetch(&mut self) {
        self.fetch = None;
    }

    /// Forgets the fetch `ticket` without an outcome, if it is still the one
    /// in flight: the runtime stopped it (a shutdown), which says nothing
    /// about the IdP, so no back-off follows. Returns whether it was.
    pub fn abandon(&mut self, ticket: Ticket) -> bool {
        let current = self.fetch.is_some_and(|f| f.ticket == ticket);
        if current {
            self.fetch = None;
        }
        current
    }

    /// Whether a token can be handed out at `now` (so that [`poll`](Self::poll)
    /// answers `Use` or `UseAndRefresh`, never `Fetch`, `Wait` or `Fail`).
    pub fn is_usable(&self, now: MonoTime) -> bool {
        self.entry
            .as_ref()
            .is_some_and(|e| now < e.deadlines.use_until)
    }

    /// The cached token, whatever its age.
    pub fn current(&self) -> Option<&T> {
        self.entry.as_ref().map(|e| &e.value)
    }

    /// The cached token's deadlines.
    pub fn deadlines(&self) -> Option<Deadlines> {
        self.entry.as_ref().map(|e| e.deadlines)
    }

    /// Until when [`poll`](Self::poll) will keep answering a plain
    /// [`Action::Use`] with the current token, with nothing to start. A
    /// runtime can serve the token lock-free until then.
    pub fn quiet_until(&self) -> Option<MonoTime> {
        let entry = self.entry.as_ref()?;
        let d = entry.deadlines;
        if self.fetch.is_some() {
            return Some(d.use_until);
        }
        let next_try = self
            .backoff
            .as_ref()
            .map_or(d.refresh_at, |b| b.retry_at.max(d.refresh_at));
        Some(next_try.min(d.use_until))
    }

    /// When the slot next wants attention without a caller: the time a
    /// background refresh (or its retry) is due. `None` when nothing is due.
    pub fn poll_timeout(&self) -> Option<MonoTime> {
        if self.fetch.is_some() {
            return None;
        }
        let d = self.entry.as_ref()?.deadlines;
        let due = self
            .backoff
            .as_ref()
            .map_or(d.refresh_at, |b| b.retry_at.max(d.refresh_at));
        (due < d.use_until).then_some(due)
    }

    /// Starts a background refresh if one is due at `now`. Calling it early
    /// or twice is harmless: it then returns `None`.
    pub fn handle_timeout(&mut self, now: MonoTime) -> Option<Ticket> {
        self.drop_expired(now);
        (self.entry.is_some() && self.refresh_due(now))
            .then(|| self.start_fetch(now, now + self.policy.retry_window))
    }

    /// Whether a fetch is in flight.
    pub fn is_fetching(&self) -> bool {
        self.fetch.is_some()
    }

    /// The number of failures in a row, and when the next try is allowed.
    pub fn backoff(&self) -> Option<(u32, MonoTime)> {
        self.backoff.as_ref().map(|b| (b.failures, b.retry_at))
    }

    fn drop_expired(&mut self, now: MonoTime) {
        if self
            .entry
            .as_ref()
            .is_some_and(|e| now >= e.deadlines.use_until)
        {
            self.entry = None;
        }
    }

    fn refresh_due(&self, now: MonoTime) -> bool {
        let Some(entry) = &self.entry else {
            return false;
        };
        self.fetch.is_none()
            && now >= entry.deadlines.refresh_at
            && self.backoff.as_ref().is_none_or(|b| now >= b.retry_at)
    }

    /// Starts a fetch whose first attempt is sent at `send_at`; retries
    /// are scheduled only before `deadline`.
    fn start_fetch(&mut self, send_at: MonoTime, deadline: MonoTime) -> Ticket {
        self.tickets_issued += 1;
        let ticket = Ticket(self.tickets_issued);
        self.fetch = Some(InFlight {
            ticket,
            attempt_at: send_at,
            deadline,
            retries_left: self.policy.retries,
        });
        ticket
    }

    /// A token with a lifetime of zero is never cached: it goes to the
    /// callers who waited for it (the IdP issued it to them just now), and
    /// the next caller asks again. As a refresh it cannot replace the cached
    /// token, so it counts as a failed refresh, backed off like any other.
    fn pass_through(&mut self, fetch: InFlight, now: MonoTime, value: T) -> Completion<T> {
        if self.entry.is_some() {
            let error = Error::malformed(200, "expires_in is 0: the new token is already expired");
            return self.fail(fetch, now, error);
        }
        self.fetch = None;
        self.backoff = None;
        Completion::Delivered(value)
    }

    /// Turns a fresh token into a cache entry, unless it was dead on arrival.
    fn admit(
        &mut self,
        fetch: InFlight,
        now: MonoTime,
        fresh: Fresh<T>,
    ) -> Result<Entry<T>, Error> {
        let deadlines = self.policy.deadlines(
            fetch.attempt_at,
            fresh.lifetime,
            fresh.refresh_in,
            &mut self.jitter,
        );
        if now >= deadlines.use_until {
            return Err(Error::malformed(
                200,
                format!(
                    "the token's lifetime ({} s) ran out before the answer arrived",
                    fresh.lifetime.as_secs()
                ),
            ));
        }
        Ok(Entry {
            value: fresh.value,
            deadlines,
        })
    }

    fn fail(&mut self, mut fetch: InFlight, now: MonoTime, error: Error) -> Completion<T> {
        let failures = self.backoff.as_ref().map_or(0, |b| b.failures) + 1;
        // A refusal (invalid_client, …) will not pass by itself: it waits
        // the longest pause. Anything else, an outage or a garbled answer
        // from a proxy, backs off exponentially from a short first pause.
        let delay = if error.code().is_refusal() {
            self.policy.backoff_max
        } else {
            self.policy
                .backoff(failures, error.retry_after(), &mut self.jitter)
        };
        let mut retry_at = now + delay;
        // A failed refresh is tried again while the cached token still
        // serves: halfway through what is left of it at the latest, so that
        // a short token is not let expire into a back-off. A refusal waits
        // its full pause (retrying will not help).
        if !error.code().is_refusal()
            && let Some(entry) = self.entry.as_ref().filter(|e| now < e.deadlines.use_until)
        {
            retry_at = retry_at.min(now + entry.deadlines.use_until.saturating_since(now) / 2);
        }
        let callers_waiting = !self.is_usable(now);
        // Retry within the fetch only if the retry still has a chance to
        // finish: it must start before the deadline, with a quarter of the
        // window left for the request itself.
        let room = self.policy.retry_window / 4;
        if callers_waiting
            && error.is_transient()
            && fetch.retries_left > 0
            && retry_at + room <= fetch.deadline
        {
            fetch.retries_left -= 1;
            fetch.attempt_at = retry_at;
            self.fetch = Some(fetch);
            self.backoff = Some(Backoff {
                failures,
                retry_at,
                error,
            });
            return Completion::RetryAt(retry_at);
        }
        self.fetch = None;
        self.backoff = Some(Backoff {
            failures,
            retry_at,
            error: error.clone(),
        });
        Completion::Failed(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    const HOUR: Duration = Duration::from_secs(3600);

    fn s(secs: u64) -> MonoTime {
        MonoTime::from_millis(secs * 1000)
    }

    fn fresh(value: u32, lifetime: Duration) -> Fresh<u32> {
        Fresh {
            value,
            lifetime,
            refresh_in: None,
        }
    }

    fn no_jitter() -> Policy {
        Policy {
            refresh_jitter: 0.0,
            ..Policy::default()
        }
    }

    fn slot_with_token(value: u32) -> Slot<u32> {
        let mut slot = Slot::new(no_jitter(), 1);
        let Action::Fetch(t) = slot.poll(s(0)) else {
            panic!()
        };
        assert_eq!(
            slot.complete(t, s(0), Ok(fresh(value, HOUR))),
            Completion::Delivered(value)
        );
        slot
    }

    #[test]
    fn first_caller_leads_others_wait() {
        let mut slot: Slot<u32> = Slot::new(no_jitter(), 1);
        assert!(matches!(slot.poll(s(0)), Action::Fetch(_)));
        assert_eq!(slot.poll(s(0)), Action::Wait);
        assert_eq!(slot.poll(s(1)), Action::Wait);
    }

    #[test]
    fn refresh_ahead_hands_out_the_old_token_and_starts_one_refresh() {
        let mut slot = slot_with_token(1);
        assert_eq!(slot.poll(s(2879)), Action::Use(1));
        let Action::UseAndRefresh(1, t) = slot.poll(s(2880)) else {
            panic!()
        };
        assert_eq!(slot.poll(s(2881)), Action::Use(1), "only one refresh");
        assert_eq!(slot.quiet_until(), Some(s(3590)));
        assert_eq!(
            slot.complete(t, s(2881), Ok(fresh(2, HOUR))),
            Completion::Delivered(2)
        );
        assert_eq!(slot.poll(s(2882)), Action::Use(2));
    }

    #[test]
    fn lifetime_counts_from_the_send_not_the_answer() {
        let mut slot: Slot<u32> = Slot::new(no_jitter(), 1);
        let Action::Fetch(t) = slot.poll(s(0)) else {
            panic!()
        };
        slot.complete(t, s(9), Ok(fresh(1, Duration::from_secs(100))));
        assert_eq!(slot.deadlines().map(|d| d.expires_at), Some(s(100)));
    }

    #[test]
    fn an_expired_token_is_never_handed_out() {
        let mut slot = slot_with_token(1);
        assert!(matches!(slot.poll(s(3590)), Action::Fetch(_)));
        assert_eq!(slot.current(), None);
    }

    #[test]
    fn a_failed_refresh_keeps_serving_and_backs_off() {
        let mut slot = slot_with_token(1);
        let Action::UseAndRefresh(1, t) = slot.poll(s(2880)) else {
            panic!()
        };
        let err = Error::server_error(503, None);
        assert_eq!(
            slot.complete(t, s(2880), Err(err.clone())),
            Completion::Failed(err)
        );
        assert_eq!(
            slot.poll(s(2880)),
            Action::Use(1),
            "stale on error, in back-off"
        );
        let (failures, retry_at) = slot.backoff().unwrap();
        assert_eq!(failures, 1);
        assert!(matches!(slot.poll(retry_at), Action::UseAndRefresh(1, _)));
    }

    #[test]
    fn transient_failure_with_waiters_is_retried_within_the_window() {
        let mut slot: Slot<u32> = Slot::new(no_jitter(), 1);
        let Action::Fetch(t) = slot.poll(s(0)) else {
            panic!()
        };
        let Completion::RetryAt(at) = slot.complete(t, s(0), Err(Error::server_error(503, None)))
        else {
            panic!()
        };
        assert!(at <= s(1));
        assert_eq!(
            slot.poll(s(0)),
            Action::Wait,
            "the fetch is still in flight"
        );
        assert_eq!(
            slot.complete(t, at, Ok(fresh(5, HOUR))),
            Completion::Delivered(5)
        );
    }

    #[test]
    fn a_long_retry_after_is_surfaced_not_waited_for() {
        let mut slot: Slot<u32> = Slot::new(no_jitter(), 1);
        let Action::Fetch(t) = slot.poll(s(0)) else {
            panic!()
        };
        let err = Error::rate_limited(429, Some(Duration::from_secs(30)));
        assert_eq!(
            slot.complete(t, s(0), Err(err.clone())),
            Completion::Failed(err.clone())
        );
        assert_eq!(
            slot.poll(s(1)),
            Action::Fail(err),
            "beyond this caller's deadline"
        );
        assert!(
            matches!(slot.poll(s(29)), Action::FetchAt(_, at) if at == s(30)),
            "within it: this caller leads the attempt at the end of the pause"
        );
        assert_eq!(slot.poll(s(29)), Action::Wait);
    }

    #[test]
    fn a_failed_refresh_of_a_short_token_is_retried_before_it_expires() {
        let mut slot: Slot<u32> = Slot::new(no_jitter(), 1);
        let Action::Fetch(t) = slot.poll(s(0)) else {
            panic!()
        };
        slot.complete(t, s(0), Ok(fresh(1, Duration::from_secs(8))));
        let d = slot.deadlines().unwrap();
        let Action::UseAndRefresh(1, t) = slot.poll(d.refresh_at) else {
            panic!()
        };
        // A Retry-After longer than the token's remaining life is cut to it.
        let busy = Error::server_error(503, Some(Duration::from_secs(30)));
        assert!(matches!(
            slot.complete(t, d.refresh_at, Err(busy)),
            Completion::Failed(_)
        ));
        let (_, retry_at) = slot.backoff().unwrap();
        assert!(
            retry_at < d.use_until,
            "{retry_at:?} before {:?}",
            d.use_until
        );
        assert_eq!(
            slot.poll_timeout(),
            Some(retry_at),
            "the runtime is woken for it"
        );
        assert!(slot.handle_timeout(retry_at).is_some());
    }

    #[test]
    fn a_caller_with_no_token_during_an_outage_waits_for_the_next_attempt() {
        let mut slot: Slot<u32> = Slot::new(no_jitter(), 1);
        let Action::Fetch(t) = slot.poll(s(0)) else {
            panic!()
        };
        let err = Error::server_error(503, None);
        // The fetch's own retries are used up (the window is short).
        let policy_retries = slot.policy().retries;
        let mut completion = slot.complete(t, s(0), Err(err.clone()));
        for _ in 0..policy_retries {
            let Completion::RetryAt(at) = completion else {
                break;
            };
            completion = slot.complete(t, at, Err(err.clone()));
        }
        assert!(
            matches!(completion, Completion::Failed(_)),
            "{completion:?}"
        );
        let (_, retry_at) = slot.backoff().unwrap();
        let now = retry_at - Duration::from_millis(100);
        let Action::FetchAt(t2, at) = slot.poll(now) else {
            panic!("a transient back-off makes the caller wait, not fail")
        };
        assert_eq!(at, retry_at);
        assert_eq!(slot.poll(now), Action::Wait, "one attempt for every caller");
        assert_eq!(
            slot.complete(t2, at, Ok(fresh(2, HOUR))),
            Completion::Delivered(2)
        );
    }

    #[test]
    fn permanent_errors_are_not_retried_in_a_loop() {
        let mut slot: Slot<u32> = Slot::new(no_jitter(), 1);
        let Action::Fetch(t) = slot.poll(s(0)) else {
            panic!()
        };
        let err = Error::oauth(401, "invalid_client".into(), None);
        assert_eq!(
            slot.complete(t, s(0), Err(err.clone())),
            Completion::Failed(err)
        );
        let Action::Fail(e) = slot.poll(s(59)) else {
            panic!()
        };
        assert_eq!(e.code(), ErrorCode::InvalidClient);
        assert!(matches!(slot.poll(s(60)), Action::Fetch(_)));
    }

    #[test]
    fn a_garbled_answer_backs_off_briefly_not_like_a_refusal() {
        let mut slot: Slot<u32> = Slot::new(no_jitter(), 1);
        let Action::Fetch(t) = slot.poll(s(0)) else {
            panic!()
        };
        let err = Error::malformed(200, "the body is not JSON");
        assert_eq!(
            slot.complete(t, s(0), Err(err.clone())),
            Completion::Failed(err),
            "not retried within the call: the same proxy may answer again"
        );
        let (_, retry_at) = slot.backoff().unwrap();
        assert!(retry_at <= s(1), "first pause at most the base back-off");
        assert!(matches!(slot.poll(s(1)), Action::Fetch(_)));
    }

    #[test]
    fn a_zero_lifetime_token_serves_its_waiters_and_is_never_cached() {
        let mut slot: Slot<u32> = Slot::new(no_jitter(), 1);
        let Action::Fetch(t) = slot.poll(s(0)) else {
            panic!()
        };
        assert_eq!(slot.poll(s(0)), Action::Wait);
        assert_eq!(
            slot.complete(t, s(0), Ok(fresh(7, Duration::ZERO))),
            Completion::Delivered(7)
        );
        assert_eq!(slot.current(), None);
        assert!(
            matches!(slot.poll(s(0)), Action::Fetch(_)),
            "the next caller asks again"
        );
    }

    #[test]
    fn a_zero_lifetime_refresh_keeps_the_cached_token() {
        let mut slot = slot_with_token(1);
        let Action::UseAndRefresh(1, t) = slot.poll(s(2880)) else {
            panic!()
        };
        let Completion::Failed(e) = slot.complete(t, s(2881), Ok(fresh(2, Duration::ZERO))) else {
            panic!()
        };
        assert_eq!(e.code(), ErrorCode::MalformedResponse);
        assert_eq!(slot.poll(s(2881)), Action::Use(1), "stale-on-error");
        assert!(
            slot.poll_timeout().is_some_and(|at| at > s(2881)),
            "backed off"
        );
    }

    #[test]
    fn an_abandoned_fetch_leaves_no_back_off() {
        let mut slot: Slot<u32> = Slot::new(no_jitter(), 1);
        let Action::Fetch(t) = slot.poll(s(0)) else {
            panic!()
        };
        assert!(slot.abandon(t));
        assert!(!slot.abandon(t), "only the fetch in flight");
        assert_eq!(slot.backoff(), None);
        assert!(matches!(slot.poll(s(0)), Action::Fetch(_)));
    }

    #[test]
    fn stale_completions_are_ignored() {
        let mut slot = slot_with_token(1);
        let Action::UseAndRefresh(_, t) = slot.poll(s(2880)) else {
            panic!()
        };
        slot.complete(t, s(2881), Ok(fresh(2, HOUR)));
        assert_eq!(
            slot.complete(t, s(2882), Ok(fresh(3, HOUR))),
            Completion::Stale
        );
        assert_eq!(slot.current(), Some(&2));
    }

    #[test]
    fn invalidate_drops_exactly_that_token_once() {
        let mut slot = slot_with_token(1);
        assert!(!slot.invalidate(|v| *v == 9));
        assert!(slot.invalidate(|v| *v == 1));
        assert!(!slot.invalidate(|v| *v == 1));
        assert!(matches!(slot.poll(s(1)), Action::Fetch(_)));
    }

    #[test]
    fn timers_fire_refreshes_and_are_harmless_when_early() {
        let mut slot = slot_with_token(1);
        assert_eq!(slot.poll_timeout(), Some(s(2880)));
        assert_eq!(slot.handle_timeout(s(100)), None);
        let t = slot.handle_timeout(s(2880)).unwrap();
        assert_eq!(slot.handle_timeout(s(2881)), None);
        assert_eq!(slot.poll_timeout(), None);
        slot.complete(t, s(2881), Ok(fresh(2, HOUR)));
        assert_eq!(
            slot.poll_timeout(),
            Some(s(2880 + 2880)),
            "counted from the send"
        );
    }

    #[test]
    fn a_token_dead_on_arrival_is_an_error_not_a_cache_entry() {
        let mut slot: Slot<u32> = Slot::new(no_jitter(), 1);
        let Action::Fetch(t) = slot.poll(s(0)) else {
            panic!()
        };
        let Completion::Failed(e) = slot.complete(t, s(5), Ok(fresh(1, Duration::from_secs(2))))
        else {
            panic!()
        };
        assert_eq!(e.code(), ErrorCode::MalformedResponse);
        assert_eq!(slot.current(), None);
    }
}
