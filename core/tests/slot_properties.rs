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
    let request = m2mauth::protocol::build_token_request(&config, &url);
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
                Action::Fail(e) => prop_assert!(false, "unexpected failure {}", e),
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
        for _ in 0..failures {
            let ticket = match slot.poll(now) {
                Action::Fetch(ticket) => ticket,
                other => { prop_assert!(false, "expected a fetch at the retry time, got {:?}", other); unreachable!() }
            };
            let Completion::Failed(_) = slot.complete(ticket, now, Err(Error::timeout(Duration::from_secs(1)))) else {
                prop_assert!(false, "no in-call retries with retries = 0");
                unreachable!()
            };
            let (_, retry_at) = slot.backoff().unwrap();
            let delay = retry_at.saturating_since(now);
            prop_assert!(matches!(slot.poll(now), Action::Fail(_)), "no request during the back-off");
            delays.push(delay);
            now = retry_at;
        }
        for pair in delays.windows(2).take(doubling) {
            prop_assert!(pair[1] >= pair[0], "back-off shrank before the cap: {:?}", delays);
        }
        prop_assert!(delays.iter().all(|d| *d <= cap && *d >= Duration::from_millis(500)), "{:?}", delays);
    }
}
