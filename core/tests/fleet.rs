//! The fleet cache against a real `redis-server` (started here, stopped by
//! PID) and the test issuer: many sources (each with its own slot, as
//! separate processes would have) share one token request; Redis stopped,
//! slow or full never becomes a caller's error; nothing in Redis is in clear.
#![cfg(feature = "redis")]
// Tests unwrap freely: a panic is a failed test with its reason.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use m2mauth::TokenSource;
use m2mauth_testkit::redis_server::{RedisServer, Reply};
use m2mauth_testkit::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, TestIssuer};

const BOUND: Duration = Duration::from_secs(30);
const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const OTHER_KEY: &str = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";

fn source(issuer: &TestIssuer, redis: &RedisServer, key: &str) -> TokenSource {
    TokenSource::builder()
        .token_url(issuer.token_url())
        .client_id(DEFAULT_CLIENT_ID)
        .client_secret(DEFAULT_CLIENT_SECRET)
        .scopes(["orders:read"])
        .cache_url(redis.url())
        .cache_encryption_key(key)
        .build()
        .unwrap()
}

async fn bounded<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(BOUND, f)
        .await
        .expect("finished within the bound")
}

/// `callers` concurrent token() calls on each source; all must succeed.
async fn stampede(sources: &[TokenSource], callers: usize) -> Vec<String> {
    let tasks: Vec<_> = sources
        .iter()
        .flat_map(|s| (0..callers).map(move |_| s.clone()))
        .map(|s| tokio::spawn(async move { s.token().await.map(|t| t.secret().to_owned()) }))
        .collect();
    let mut tokens = Vec::new();
    for task in tasks {
        tokens.push(bounded(task).await.unwrap().unwrap());
    }
    tokens
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_sources_with_two_hundred_callers_each_make_one_token_request() {
    let redis = RedisServer::start().unwrap();
    let issuer = TestIssuer::builder()
        .latency(Duration::from_millis(150))
        .start()
        .unwrap();
    let sources: Vec<TokenSource> = (0..8).map(|_| source(&issuer, &redis, KEY)).collect();
    let tokens = stampede(&sources, 200).await;
    assert_eq!(
        issuer.requests_served(),
        1,
        "one token request for the fleet"
    );
    assert!(
        tokens.iter().all(|t| *t == tokens[0]),
        "everyone has the same token"
    );
    let stats: Vec<_> = sources.iter().map(TokenSource::stats).collect();
    assert_eq!(
        stats.iter().map(|s| s.l2_hits).sum::<u64>(),
        7,
        "seven sources read it from Redis: {stats:?}"
    );
    assert!(stats.iter().map(|s| s.lease_waits).sum::<u64>() >= 1);
    assert_eq!(stats.iter().map(|s| s.l2_errors).sum::<u64>(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_in_redis_is_in_clear() {
    let redis = RedisServer::start().unwrap();
    let issuer = TestIssuer::start().unwrap();
    let token = bounded(source(&issuer, &redis, KEY).token()).await.unwrap();
    let dump = redis.dump().unwrap();
    assert!(!dump.is_empty(), "the entry is in Redis");
    for (name, value) in &dump {
        let value = String::from_utf8_lossy(value);
        for secret in [
            token.secret(),
            DEFAULT_CLIENT_ID,
            DEFAULT_CLIENT_SECRET,
            "orders:read",
            &issuer.token_url(),
        ] {
            assert!(
                !name.contains(secret) && !value.contains(secret),
                "{name} shows {secret:?}"
            );
        }
        assert!(name.starts_with("m2mauth:token:"), "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_key_ignores_the_entry_and_fetches_afresh() {
    let redis = RedisServer::start().unwrap();
    let issuer = TestIssuer::start().unwrap();
    bounded(source(&issuer, &redis, KEY).token()).await.unwrap();
    // Same names (same oldest key) but an entry it cannot read: ignored, counted.
    let rotated_wrongly = source(&issuer, &redis, &format!("{OTHER_KEY} {KEY}"));
    let fresh = bounded(rotated_wrongly.token()).await;
    assert!(fresh.is_ok());
    assert_eq!(
        issuer.requests_served(),
        1,
        "a key list that still holds the old key reads its entry"
    );
    let stranger = source(&issuer, &redis, OTHER_KEY);
    bounded(stranger.token()).await.unwrap();
    assert_eq!(
        issuer.requests_served(),
        2,
        "another fleet's key: other names, its own token"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupted_entry_is_never_served() {
    let redis = RedisServer::start().unwrap();
    let issuer = TestIssuer::start().unwrap();
    let first = source(&issuer, &redis, KEY);
    bounded(first.token()).await.unwrap();
    let (name, _) = redis.dump().unwrap().remove(0);
    assert_eq!(
        redis
            .command(&["SET", &name, "m2m1garbage-garbage-garbage"])
            .unwrap(),
        Reply::Status("OK".into())
    );
    let second = source(&issuer, &redis, KEY);
    bounded(second.token()).await.unwrap();
    assert_eq!(issuer.requests_served(), 2);
    assert_eq!(second.stats().l2_errors, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_stopped_slow_or_full_never_fails_a_caller() {
    let mut redis = RedisServer::start().unwrap();
    let issuer = TestIssuer::start().unwrap();
    // Stopped: each source fetches for itself, at once.
    redis.stop();
    let alone = source(&issuer, &redis, KEY);
    let started = tokio::time::Instant::now();
    bounded(alone.token()).await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "no long wait for a dead Redis"
    );
    assert!(alone.stats().l2_errors >= 1);
    // Back: sharing resumes (a new source has a closed breaker).
    redis.restart().unwrap();
    let a = source(&issuer, &redis, KEY);
    let b = source(&issuer, &redis, KEY);
    let served = issuer.requests_served();
    stampede(&[a, b], 20).await;
    assert_eq!(issuer.requests_served(), served + 1, "shared again");
    // Full: storing fails (OOM); the token is still served.
    redis.command(&["FLUSHALL"]).unwrap();
    redis.command(&["CONFIG", "SET", "maxmemory", "1"]).unwrap();
    redis
        .command(&["CONFIG", "SET", "maxmemory-policy", "noeviction"])
        .unwrap();
    let full = source(&issuer, &redis, KEY);
    bounded(full.token()).await.unwrap();
    assert!(full.stats().l2_errors >= 1, "{:?}", full.stats());
    redis.command(&["CONFIG", "SET", "maxmemory", "0"]).unwrap();
    // Slow: DEBUG SLEEP holds every command past the client's timeout.
    let port = redis.port();
    let sleeper = std::thread::spawn(move || {
        RedisServerHandle(port).sleep(2);
    });
    std::thread::sleep(Duration::from_millis(100));
    let slow = source(&issuer, &redis, KEY);
    let started = tokio::time::Instant::now();
    bounded(slow.token()).await.unwrap();
    assert!(
        started.elapsed() < Duration::from_millis(1800),
        "did not wait out DEBUG SLEEP: {:?}",
        started.elapsed()
    );
    sleeper.join().unwrap();
}

/// Sends `DEBUG SLEEP` on its own connection (it blocks the server).
struct RedisServerHandle(u16);

impl RedisServerHandle {
    fn sleep(&self, seconds: u32) {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", self.0)).unwrap();
        let arg = seconds.to_string();
        let request = format!(
            "*3\r\n$5\r\nDEBUG\r\n$5\r\nSLEEP\r\n${}\r\n{arg}\r\n",
            arg.len()
        );
        stream.write_all(request.as_bytes()).unwrap();
        let mut reply = [0u8; 5];
        let _ = stream.read(&mut reply);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_request_per_lifetime_for_the_fleet_and_no_caller_waits() {
    let redis = RedisServer::start().unwrap();
    let issuer = TestIssuer::builder()
        .token_lifetime(Duration::from_secs(4))
        .start()
        .unwrap();
    let sources: Vec<TokenSource> = (0..4).map(|_| source(&issuer, &redis, KEY)).collect();
    stampede(&sources, 10).await;
    let cold_waits: Vec<u64> = sources.iter().map(|s| s.stats().waits).collect();
    let sources = Arc::new(sources);
    let end = tokio::time::Instant::now() + Duration::from_secs(10);
    while tokio::time::Instant::now() < end {
        for s in sources.iter() {
            bounded(s.token()).await.unwrap();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let served = issuer.requests_served();
    // 10 s of 4 s tokens refreshed at 80 %: 1 + about 10 / 3.2 for the fleet,
    // where four unshared sources would make four times as many.
    assert!((3..=6).contains(&served), "{served} token requests");
    for (s, cold) in sources.iter().zip(cold_waits) {
        assert_eq!(
            s.stats().waits,
            cold,
            "only the cold start's callers waited: {:?}",
            s.stats()
        );
    }
}
