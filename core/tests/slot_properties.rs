//! Property tests of the sans-IO slot on a virtual clock: random
//! interleavings of polls, completions, failures, invalidations and timers.

// Tests unwrap freely: a panic is a failed test with its reason.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::time::Duration;

use m2mauth::Error;
use m2mauth::cache::{Action, Completion, Deadlines, Fresh, MonoTime, Policy, Slot, Ticket};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Event {
    Advance(u64),
    Poll,
    Succeed {
        lifetime_s: u64,
    },
    Fail {
        transient: bool,
        retry_after_s: Option<u64>,
    },
    Invalidate,
    Timer,
    LateCompletion,
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        4 => (0u64..400_000).prop_map(Event::Advance),
        6 => Just(Event::Poll),
        3 => (1u64..7200).prop_map(|lifetime_s| Event::Succeed { lifetime_s }),
        2 => (any::<bool>(), proptest::option::of(0u64..120))
            .prop_map(|(transient, retry_after_s)| Event::Fail { transient, retry_after_s }),
        1 => Just(Event::Invalidate),
        1 => Just(Event::Timer),
        1 => Just(Event::LateCompletion),
    ]
}

fn failure(transient: bool, retry_after_s: Option<u64>) -> Error {
    if transient {
        let err = Error::timeout(Duration::from_secs(10));
        match retry_after_s {
            // A 429 through the public parser, so retry_after is set as in production.
            Some(s) => rate_limited(s),
            None => err,
        }
    } else {
        Error::config("test", "permanent stand-in")
    }
}

fn rate_limited(seconds: u64) -> Error {
    let config = m2mauth::Config::builder()
        .token_url("https://idp.example/t")
        .client_id("a")
        .client_secret("b")
        .build()
        .unwrap();
    let response = m2mauth::protocol::HttpResponse::new(
        429,
        vec![("retry-after".into(), seconds.to_string())],
        vec![],
    );
    let url = url::Url::parse("https://idp.example/t").unwrap();
    let attempt = m2mauth::protocol::Attempt::new(0, [0; 32]);
    let request = m2mauth::protocol::build_token_request(&config, &url, &attempt).unwrap();
    m2mauth::protocol::parse_token_response(&request, &response, &config, std::time::UNIX_EPOCH)
        .unwrap_err()
}

/// The model the slot is checked against.
struct Model {
    slot: Slot<u64>,
    now: MonoTime,
    outstanding: Option<Ticket>,
    retry_due: Option<MonoTime>,
    settled: Vec<Ticket>,
    deadlines: HashMap<u64, Deadlines>,
    next_token: u64,
}

impl Model {
    fn new(seed: u64) -> Model {
        Model {
            slot: Slot::new(Policy::default(), seed),
            now: MonoTime::ZERO,
            outstanding: None,
            retry_due: None,
            settled: Vec::new(),
            deadlines: HashMap::new(),
            next_token: 1,
        }
    }

    fn begin(&mut self, ticket: Ticket) {
        assert!(
            self.outstanding.is_none(),
            "a second fetch started while one was in flight"
        );
        self.outstanding = Some(ticket);
    }

    fn check_served(&self, token: u64) {
        let d = self.deadlines[&token];
        assert!(
            self.now < d.use_until,
            "token {token} served at {:?}, past {:?}",
            self.now,
            d.use_until
        );
        assert!(d.use_until <= d.expires_at);
    }

    fn complete(&mut self, outcome: Result<Fresh<u64>, Error>) {
        let Some(ticket) = self.outstanding else {
            return;
        };
        if let Some(due) = self.retry_due.take() {
            self.now = self.now.max(due);
        }
        match self.slot.complete(ticket, self.now, outcome) {
            Completion::Delivered(token) => {
                self.deadlines.insert(token, self.slot.deadlines().unwrap());
                self.check_served(token);
                self.settle(ticket);
            }
            Completion::Failed(_) => self.settle(ticket),
            Completion::RetryAt(at) => {
                assert!(at >= self.now);
                self.retry_due = Some(at);
            }
            Completion::Stale => panic!("the outstanding ticket was reported stale"),
        }
    }

    fn settle(&mut self, ticket: Ticket) {
        self.outstanding = None;
        self.settled.push(ticket);
    }

    fn apply(&mut self, event: &Event) {
        match *event {
            Event::Advance(ms) => self.now = self.now + Duration::from_millis(ms),
            Event::Poll => match self.slot.poll(self.now) {
                Action::Use(token) => self.check_served(token),
                Action::UseAndRefresh(token, ticket) => {
                    self.check_served(token);
                    self.begin(ticket);
                }
                Action::Fetch(ticket) => self.begin(ticket),
                Action::FetchAt(ticket, at) => {
                    assert!(at > self.now, "sent at the end of the back-off");
                    self.begin(ticket);
                    self.retry_due = Some(at);
                }
                Action::Wait => assert!(
                    self.outstanding.is_some(),
                    "told to wait with nothing in flight"
                ),
                Action::Fail(_) => assert!(self.outstanding.is_none()),
            },
            Event::Succeed { lifetime_s } => {
                let value = self.next_token;
                self.next_token += 1;
                let lifetime = Duration::from_secs(lifetime_s);
                self.complete(Ok(Fresh {
                    value,
                    lifetime,
                    refresh_in: None,
                }));
            }
            Event::Fail {
                transient,
                retry_after_s,
            } => self.complete(Err(failure(transient, retry_after_s))),
            Event::Invalidate => {
                if let Some(&current) = self.slot.current() {
                    assert!(self.slot.invalidate(|t| *t == current));
                    assert!(!self.slot.invalidate(|t| *t == current), "dropped twice");
                }
            }
            Event::Timer => {
                if let Some(at) = self.slot.poll_timeout() {
                    self.now = self.now.max(at);
                    if let Some(ticket) = self.slot.handle_timeout(self.now) {
                        self.begin(ticket);
                    }
                }
            }
            Event::LateCompletion => {
                if let Some(&old) = self.settled.last() {
                    let late = Fresh {
                        value: 0,
                        lifetime: Duration::from_secs(3600),
                        refresh_in: None,
                    };
                    assert_eq!(
                        self.slot.complete(old, self.now, Ok(late)),
                        Completion::Stale
                    );
                }
            }
        }
        assert_eq!(
            self.slot.is_fetching(),
            self.outstanding.is_some(),
            "slot and model disagree on the fetch"
        );
        if let Some(quiet) = self.slot.quiet_until() {
            let d = self.slot.deadlines().unwrap();
            assert!(
                quiet <= d.use_until,
                "the lock-free path would outlive the token"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Never an expired token, at most one fetch in flight, stale answers
    /// ignored, each token dropped at most once — whatever the order.
    #[test]
    fn invariants_hold_under_any_interleaving(seed in any::<u64>(), events in proptest::collection::vec(event(), 1..200)) {
        let mut model = Model::new(seed);
        for event in &events {
            model.apply(event);
        }
    }

    /// When the IdP answers, callers never wait after the first fetch: the
    /// refresh lands before expiry.
    #[test]
    fn refresh_happens_before_expiry_when_the_idp_answers(
        seed in any::<u64>(),
        lifetime_s in 5u64..7200,
        latency_per_mille in 0u64..40,
        poll_per_mille in 1u64..40,
    ) {
        let lifetime = Duration::from_secs(lifetime_s);
        let latency = lifetime * u32::try_from(latency_per_mille).unwrap() / 1000;
        let poll_every = lifetime * u32::try_from(poll_per_mille).unwrap() / 1000;
        let mut slot: Slot<u64> = Slot::new(Policy::default(), seed);
        let mut now = MonoTime::ZERO;
        let mut pending: Option<(Ticket, MonoTime)> = None;
        let mut next = 1;
        let end = MonoTime::ZERO + lifetime * 5;
        while now < end {
            if let Some((ticket, at)) = pending.filter(|(_, at)| *at <= now) {
                let fresh = Fresh { value: next, lifetime, refresh_in: None };
                next += 1;
                prop_assert!(matches!(slot.complete(ticket, at, Ok(fresh)), Completion::Delivered(_)));
                pending = None;
            }
            match slot.poll(now) {
                Action::Use(_) => {}
                Action::UseAndRefresh(_, ticket) => pending = Some((ticket, now + latency)),
                Action::Fetch(ticket) => {
                    prop_assert_eq!(next, 1, "a caller had to fetch after the first token at {:?}", now);
                    pending = Some((ticket, now + latency));
                }
                Action::Wait => prop_assert_eq!(next, 1, "a caller waited after the first token at {:?}", now),
                Action::FetchAt(..) | Action::Fail(_) => prop_assert!(false, "a back-off, though the IdP never failed"),
            }
            now = now + poll_every;
        }
        prop_assert!(next >= 5, "about one refresh per lifetime: {} tokens", next - 1);
    }

    /// Under persistent transient failures the back-off grows (until the
    /// cap) and stays bounded.
    #[test]
    fn backoff_grows_and_is_bounded(seed in any::<u64>(), failures in 2usize..40) {
        let policy = Policy { retries: 0, ..Policy::default() };
        let cap = policy.backoff_max;
        // Failures after which the next back-off doubles rather than hits the cap.
        let doubling = (1..31).take_while(|n| policy.backoff_base * 2u32.pow(*n) <= cap).count();
        let mut slot: Slot<u64> = Slot::new(policy, seed);
        let mut now = MonoTime::ZERO;
        let mut delays = Vec::new();
        let Action::Fetch(mut ticket) = slot.poll(now) else {
            prop_assert!(false, "a cold slot fetches");
            unreachable!()
        };
        for _ in 0..failures {
            let Completion::Failed(_) = slot.complete(ticket, now, Err(Error::timeout(Duration::from_secs(1)))) else {
                prop_assert!(false, "no in-call retries with retries = 0");
                unreachable!()
            };
            let (_, retry_at) = slot.backoff().unwrap();
            delays.push(retry_at.saturating_since(now));
            // No request during the back-off: a caller now either leads the
            // attempt at its end, or (beyond its deadline) is told the failure.
            ticket = match slot.poll(now) {
                Action::FetchAt(next, at) => {
                    prop_assert_eq!(at, retry_at);
                    next
                }
                Action::Fail(_) => match slot.poll(retry_at) {
                    Action::Fetch(next) => next,
                    other => { prop_assert!(false, "expected a fetch at the retry time, got {:?}", other); unreachable!() }
                },
                other => { prop_assert!(false, "expected the back-off, got {:?}", other); unreachable!() }
            };
            now = retry_at;
        }
        for pair in delays.windows(2).take(doubling) {
            prop_assert!(pair[1] >= pair[0], "back-off shrank before the cap: {:?}", delays);
        }
        prop_assert!(delays.iter().all(|d| *d <= cap && *d >= Duration::from_millis(500)), "{:?}", delays);
    }

    /// The stale-on-error guarantee: while the IdP answers at least every
    /// other request, no caller ever sees an error, whatever the lifetime
    /// (short tokens included), the latency and the callers' rhythm.
    #[test]
    fn no_caller_sees_an_error_while_the_idp_answers_every_other_request(
        seed in any::<u64>(),
        lifetime_ms in 2_000u64..600_000,
        latency_per_mille in 0u64..50,
        poll_per_mille in 1u64..60,
        failures in proptest::collection::vec(any::<bool>(), 64),
        retry_after_s in proptest::option::of(0u64..3),
    ) {
        let lifetime = Duration::from_millis(lifetime_ms);
        // An IdP that answers within a fifth of the 10 s request deadline.
        let latency = (lifetime * u32::try_from(latency_per_mille).unwrap() / 1000).min(Duration::from_secs(2));
        let poll_every = (lifetime * u32::try_from(poll_per_mille).unwrap() / 1000).max(Duration::from_millis(1));
        // Never two failures in a row.
        let mut answers = failures.clone();
        for i in 1..answers.len() {
            if answers[i - 1] && answers[i] {
                answers[i] = false;
            }
        }
        let mut answers = answers.into_iter().cycle();
        let mut slot: Slot<u64> = Slot::new(Policy::default(), seed);
        let mut now = MonoTime::ZERO;
        // The fetch in flight: its ticket, when its answer lands, and whether callers wait on it.
        let mut pending: Option<(Ticket, MonoTime, bool)> = None;
        let mut next = 1;
        let end = MonoTime::ZERO + lifetime * 6;
        let mut next_poll = MonoTime::ZERO;
        while now < end {
            if let Some((ticket, at, waiting)) = pending.filter(|(_, at, _)| *at <= now) {
                pending = None;
                let outcome = if answers.next().unwrap_or(false) {
                    Err(failure(true, retry_after_s))
                } else {
                    next += 1;
                    Ok(Fresh { value: next, lifetime, refresh_in: None })
                };
                match slot.complete(ticket, at, outcome) {
                    Completion::Delivered(_) => {}
                    Completion::RetryAt(retry) => pending = Some((ticket, retry + latency, waiting)),
                    Completion::Failed(e) => prop_assert!(!waiting, "callers waiting got {} at {:?}", e, at),
                    Completion::Stale => prop_assert!(false, "stale"),
                }
            }
            if pending.is_none()
                && let Some(at) = slot.poll_timeout().filter(|at| *at <= now)
                && let Some(ticket) = slot.handle_timeout(at.max(now))
            {
                pending = Some((ticket, now + latency, false));
            }
            if now >= next_poll {
                next_poll = now + poll_every;
                match slot.poll(now) {
                    Action::Use(_) => {}
                    Action::UseAndRefresh(_, ticket) => pending = Some((ticket, now + latency, false)),
                    Action::Fetch(ticket) => pending = Some((ticket, now + latency, true)),
                    Action::FetchAt(ticket, at) => pending = Some((ticket, at + latency, true)),
                    Action::Wait => {
                        if let Some(p) = pending.as_mut() {
                            p.2 = true;
                        }
                    }
                    Action::Fail(e) => prop_assert!(false, "a caller got {} at {:?}", e, now),
                }
            }
            // Step to the next event: a poll, an answer, a timer.
            let mut step = next_poll;
            if let Some((_, at, _)) = pending {
                step = step.min(at);
            }
            if let Some(at) = slot.poll_timeout() {
                step = step.min(at.max(now + Duration::from_millis(1)));
            }
            now = step.max(now + Duration::from_micros(1));
        }
    }
}
