//! The lease machine on a virtual clock against a simulated Redis (keys
//! with expiry, `SET NX`, compare-and-delete) and a simulated IdP that
//! counts its requests: several processes at once, holders that die,
//! Redis failures, stale entries and skewed clocks.

// Tests unwrap freely: a panic is a failed test with its reason.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use super::*;

const TIMEOUT: Duration = Duration::from_secs(10);
const LEASE: Duration = Duration::from_secs(5);
const IDP_LATENCY: Duration = Duration::from_millis(200);
const LIFETIME_MS: u64 = 3_600_000;
const WALL0: u64 = 1_700_000_000_000;

fn at(ms: u64) -> FleetClock {
    FleetClock {
        mono: MonoTime::from_nanos(ms * 1_000_000),
        wall_ms: WALL0 + ms,
    }
}

fn token(now_ms: u64, lifetime_ms: u64) -> SharedToken {
    SharedToken {
        access_token: crate::Secret::new(format!("tok-{now_ms}")),
        token_type: "Bearer".into(),
        scopes: None,
        use_until_ms: WALL0 + now_ms + lifetime_ms,
        refresh_at_ms: WALL0 + now_ms + lifetime_ms * 8 / 10,
    }
}

/// Redis as the lease protocol sees it: values with an expiry (virtual ms).
#[derive(Default)]
struct Redis {
    entry: Option<(SharedToken, u64)>,
    lease: Option<(usize, u64)>,
    down: bool,
}

impl Redis {
    fn get(&self, now: u64) -> Result<Option<SharedToken>, RedisFailure> {
        if self.down {
            return Err(RedisFailure("down".into()));
        }
        Ok(self
            .entry
            .as_ref()
            .filter(|(_, until)| now < *until)
            .map(|(t, _)| t.clone()))
    }

    fn set_nx(&mut self, now: u64, holder: usize) -> Result<bool, RedisFailure> {
        if self.down {
            return Err(RedisFailure("down".into()));
        }
        if self.lease.is_some_and(|(_, until)| now < until) {
            return Ok(false);
        }
        self.lease = Some((holder, now + LEASE.as_millis() as u64));
        Ok(true)
    }

    fn release(&mut self, holder: usize) {
        if self.lease.is_some_and(|(h, _)| h == holder) {
            self.lease = None;
        }
    }
}

/// One process: its machine, and what it is doing until when.
struct Process {
    fetch: FleetFetch,
    next: Option<(u64, FleetCommand)>,
    /// Dies (stops answering) once it holds the lease.
    dies_holding: bool,
    answer: Option<(u64, String)>,
    holding: bool,
}

/// Runs processes starting at `starts` (ms) until all answered or 60 s pass;
/// returns (IdP requests, each process's answer time and token).
fn simulate(redis: &mut Redis, starts: &[u64], dying: &[usize]) -> (u32, Vec<Process>) {
    let mut idp_requests = 0;
    let mut procs: Vec<Process> = starts
        .iter()
        .enumerate()
        .map(|(i, &start)| {
            let mut fetch = FleetFetch::new(at(start), TIMEOUT);
            let first = fetch.start();
            Process {
                fetch,
                next: Some((start, first)),
                dies_holding: dying.contains(&i),
                answer: None,
                holding: false,
            }
        })
        .collect();
    let mut fetched: HashMap<usize, SharedToken> = HashMap::new();
    for _ in 0..100_000 {
        let Some((i, now)) = procs
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.next.as_ref().map(|(t, _)| (i, *t)))
            .min_by_key(|(_, t)| *t)
        else {
            break;
        };
        let (_, command) = procs[i].next.take().unwrap();
        let p = &mut procs[i];
        let next = match command {
            FleetCommand::ReadEntry => Some(p.fetch.on_entry(at(now), redis.get(now))),
            FleetCommand::TakeLease => Some(p.fetch.on_lease(at(now), redis.set_nx(now, i))),
            FleetCommand::WaitUntil(until) => {
                let until_ms = until.as_nanos() / 1_000_000;
                p.next = Some((until_ms, FleetCommand::ReadEntry));
                continue;
            }
            FleetCommand::FetchFromIdp { holding_lease } => {
                p.holding = holding_lease;
                if holding_lease && p.dies_holding {
                    continue; // SIGKILL: no answer, no release
                }
                idp_requests += 1;
                let done = now + IDP_LATENCY.as_millis() as u64;
                fetched.insert(i, token(done, LIFETIME_MS));
                let after = p.fetch.on_fetched(holding_lease, true);
                p.next = Some((done, after));
                continue;
            }
            FleetCommand::StoreEntry => {
                let t = fetched[&i].clone();
                let until = t.use_until_ms - WALL0;
                redis.entry = Some((t, until));
                Some(p.fetch.on_stored(Ok(())))
            }
            FleetCommand::ReleaseLease => {
                redis.release(i);
                Some(p.fetch.on_released(Ok(())))
            }
            FleetCommand::UseShared => {
                p.answer = Some((
                    now,
                    p.fetch.shared().unwrap().access_token.expose().to_owned(),
                ));
                None
            }
            FleetCommand::Finish => {
                p.answer = Some((now, fetched[&i].access_token.expose().to_owned()));
                None
            }
        };
        if let Some(command) = next {
            let p = &mut procs[i];
            p.next = match command {
                FleetCommand::WaitUntil(until) => {
                    Some((until.as_nanos() / 1_000_000, FleetCommand::ReadEntry))
                }
                other => Some((now, other)),
            };
        }
    }
    (idp_requests, procs)
}

#[test]
fn a_cold_fleet_makes_one_request_and_everyone_gets_that_token() {
    let mut redis = Redis::default();
    let starts = [0, 0, 1, 2, 3, 5, 8, 13];
    let (requests, procs) = simulate(&mut redis, &starts, &[]);
    assert_eq!(requests, 1);
    let first = procs[0].answer.clone().unwrap().1;
    for (i, p) in procs.iter().enumerate() {
        let (when, token) = p
            .answer
            .clone()
            .unwrap_or_else(|| panic!("process {i} got nothing"));
        assert_eq!(token, first, "process {i}");
        assert!(when < 1_000, "process {i} answered at {when} ms");
    }
    assert!(
        procs[1..].iter().all(|p| p.fetch.waited()),
        "the others waited for the holder"
    );
    assert!(redis.lease.is_none(), "the holder released its lease");
}

#[test]
fn a_warm_entry_is_adopted_without_any_request() {
    let mut redis = Redis {
        entry: Some((token(0, LIFETIME_MS), LIFETIME_MS)),
        ..Redis::default()
    };
    let (requests, procs) = simulate(&mut redis, &[1_000, 2_000], &[]);
    assert_eq!(requests, 0);
    assert!(
        procs
            .iter()
            .all(|p| p.answer.as_ref().unwrap().1 == "tok-0")
    );
}

#[test]
fn a_due_entry_is_refreshed_by_one_process_while_the_others_keep_serving_it() {
    let mut redis = Redis {
        entry: Some((token(0, LIFETIME_MS), LIFETIME_MS)),
        ..Redis::default()
    };
    let due = LIFETIME_MS * 8 / 10 + 1;
    let (requests, procs) = simulate(&mut redis, &[due, due, due + 1, due + 2], &[]);
    assert_eq!(requests, 1, "one refresh for the fleet");
    assert_eq!(
        procs[0].answer.as_ref().unwrap().0,
        due + IDP_LATENCY.as_millis() as u64
    );
    for p in &procs[1..] {
        let (when, token) = p.answer.clone().unwrap();
        assert_eq!(
            (when - due <= 2, token.as_str()),
            (true, "tok-0"),
            "no wait: the current token still serves"
        );
    }
}

#[test]
fn when_the_holder_dies_another_process_takes_over_within_the_lease() {
    let mut redis = Redis::default();
    let (requests, procs) = simulate(&mut redis, &[0, 10, 20], &[0]);
    assert_eq!(requests, 1, "the dead holder never reached the IdP");
    assert!(procs[0].answer.is_none());
    let survivors: Vec<&Process> = procs[1..].iter().collect();
    assert!(survivors.iter().any(|p| p.fetch.took_over()));
    for p in survivors {
        let (when, _) = p.answer.clone().unwrap();
        assert!(
            when <= LEASE.as_millis() as u64 + 600,
            "answered at {when} ms, within the lease and a poll"
        );
    }
}

#[test]
fn redis_down_means_each_process_fetches_for_itself_at_once() {
    let mut redis = Redis {
        down: true,
        ..Redis::default()
    };
    let (requests, procs) = simulate(&mut redis, &[0, 0, 0], &[]);
    assert_eq!(requests, 3);
    assert!(procs.iter().all(|p| p.fetch.redis_failed()
        && p.answer.as_ref().unwrap().0 == IDP_LATENCY.as_millis() as u64));
}

#[test]
fn a_slow_holder_is_waited_for_three_quarters_of_the_deadline_at_most() {
    let mut fetch = FleetFetch::new(at(0), Duration::from_secs(2));
    fetch.start();
    assert_eq!(fetch.on_entry(at(0), Ok(None)), FleetCommand::TakeLease);
    let mut now = 0;
    loop {
        match fetch.on_lease(at(now), Ok(false)) {
            FleetCommand::WaitUntil(until) => now = until.as_nanos() / 1_000_000,
            FleetCommand::FetchFromIdp {
                holding_lease: false,
            } => break,
            other => panic!("{other:?}"),
        }
        assert_eq!(fetch.on_wait_over(at(now)), FleetCommand::ReadEntry);
        assert_eq!(fetch.on_entry(at(now), Ok(None)), FleetCommand::TakeLease);
    }
    assert!(
        now <= 1_500,
        "gave up waiting at {now} ms of a 2 s deadline"
    );
}

#[test]
fn stale_and_skewed_entries_are_not_adopted() {
    let mut fetch = FleetFetch::new(at(0), TIMEOUT);
    // Valid for 0.8 s by the writer's clock: too little to adopt.
    let nearly = SharedToken {
        use_until_ms: WALL0 + 800,
        refresh_at_ms: WALL0,
        ..token(0, 1)
    };
    assert_eq!(
        fetch.on_entry(at(0), Ok(Some(nearly))),
        FleetCommand::TakeLease
    );
    assert_eq!(
        fetch.on_lease(at(0), Ok(false)),
        FleetCommand::WaitUntil(at(20).mono),
        "nothing to serve: wait"
    );
    // The writer's clock may be ahead: 5 s come off, or a tenth of what is left.
    let entry = token(0, 60_000);
    assert_eq!(entry.remaining(WALL0), Duration::from_secs(55));
    assert_eq!(
        entry.remaining(WALL0 + 58_000),
        Duration::from_millis(1_800)
    );
    assert_eq!(entry.remaining(WALL0 + 61_000), Duration::ZERO);
}

#[test]
fn a_failed_store_is_not_the_callers_problem() {
    let mut fetch = FleetFetch::new(at(0), TIMEOUT);
    fetch.start();
    fetch.on_entry(at(0), Ok(None));
    assert_eq!(
        fetch.on_lease(at(0), Ok(true)),
        FleetCommand::FetchFromIdp {
            holding_lease: true
        }
    );
    assert_eq!(fetch.on_fetched(true, true), FleetCommand::StoreEntry);
    assert_eq!(
        fetch.on_stored(Err(RedisFailure("OOM".into()))),
        FleetCommand::ReleaseLease
    );
    assert_eq!(fetch.on_released(Ok(())), FleetCommand::Finish);
    assert!(fetch.redis_failed());
    // A failed IdP request releases the lease at once for the next process.
    let mut failed = FleetFetch::new(at(0), TIMEOUT);
    failed.on_entry(at(0), Ok(None));
    failed.on_lease(at(0), Ok(true));
    assert_eq!(failed.on_fetched(true, false), FleetCommand::ReleaseLease);
}

#[test]
fn the_breaker_opens_for_longer_each_time_and_closes_on_success() {
    let mut breaker = Breaker::default();
    let t = |s: u64| MonoTime::from_nanos(s * 1_000_000_000);
    assert!(breaker.allows(t(0)));
    breaker.failed(t(0));
    assert!(!breaker.allows(t(0)) && breaker.allows(t(1)));
    breaker.failed(t(1));
    assert!(!breaker.allows(t(2)) && breaker.allows(t(3)));
    for _ in 0..10 {
        breaker.failed(t(3));
    }
    assert!(
        !breaker.allows(t(32)) && breaker.allows(t(33)),
        "capped at 30 s"
    );
    breaker.succeeded();
    assert!(breaker.allows(t(3)));
}

const KEY_A: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const KEY_B: &str = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";

#[test]
fn entries_are_sealed_bound_to_their_name_and_keys_rotate() {
    let keys = FleetKeys::parse(KEY_A).unwrap();
    let names = keys.names(
        "m2mauth",
        "billing@https://idp.example/token scope=\"read\"",
    );
    assert!(names.entry.starts_with("m2mauth:token:") && names.lease.starts_with("m2mauth:lease:"));
    assert!(!names.entry.contains("billing") && !names.entry.contains("read"));
    let t = token(0, LIFETIME_MS);
    let sealed = keys.seal(&names.entry, &t, [9; 12]).unwrap();
    assert!(
        !String::from_utf8_lossy(&sealed).contains("tok-0"),
        "no token in clear"
    );
    assert_eq!(keys.open(&names.entry, &sealed).unwrap(), t);
    assert!(
        keys.open(&names.lease, &sealed).is_err(),
        "moved to another name"
    );
    let mut tampered = sealed.clone();
    *tampered.last_mut().unwrap() ^= 1;
    assert!(keys.open(&names.entry, &tampered).is_err());
    let other = FleetKeys::parse(KEY_B).unwrap();
    assert!(
        other
            .open(&names.entry, &sealed)
            .unwrap_err()
            .contains("does not have")
    );
    // Rotation: "B A" encrypts with B, still reads A's entries, keeps A's names.
    let rotated = FleetKeys::parse(&format!("{KEY_B} {KEY_A}")).unwrap();
    assert_eq!(rotated.names("m2mauth", "k"), keys.names("m2mauth", "k"));
    assert_eq!(rotated.open(&names.entry, &sealed).unwrap(), t);
    let resealed = rotated.seal(&names.entry, &t, [1; 12]).unwrap();
    assert!(
        keys.open(&names.entry, &resealed).is_err(),
        "B's entries need B"
    );
}

#[test]
fn bad_keys_say_why_without_showing_them() {
    assert!(FleetKeys::parse("").unwrap_err().contains("no key"));
    assert!(
        FleetKeys::parse("c2hvcnQ=")
            .unwrap_err()
            .contains("32 bytes")
    );
    let err = FleetKeys::parse("not*base64").unwrap_err();
    assert!(err.contains("not base64") && !err.contains("not*base64"));
}
