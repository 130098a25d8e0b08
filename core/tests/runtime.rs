//! The runtime against a real HTTP issuer on 127.0.0.1 (the testkit).
//! Assertions count requests and order events; none depends on how fast
//! this machine is, except generous upper bounds that catch hangs.

// Tests unwrap freely: a panic is a failed test with its reason.
#![allow(clippy::unwrap_used)]
// These tests watch the real clock from outside the SDK.
#![allow(clippy::disallowed_methods)]

use std::sync::Arc;
use std::time::Duration;

use m2mauth::{AuthMethod, BodyFormat, ErrorCode, TokenSource};
use m2mauth_testkit::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Fault, TestIssuer};

const BOUND: Duration = Duration::from_secs(20);

fn source_for(issuer: &TestIssuer) -> m2mauth::TokenSourceBuilder {
    TokenSource::builder()
        .token_url(issuer.token_url())
        .client_id(DEFAULT_CLIENT_ID)
        .client_secret(DEFAULT_CLIENT_SECRET)
}

async fn bounded<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(BOUND, f)
        .await
        .expect("did not finish within the bound")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetches_once_then_serves_from_cache() {
    let issuer = TestIssuer::start().unwrap();
    let source = source_for(&issuer).scopes(["read"]).build().unwrap();
    let first = bounded(source.token()).await.unwrap();
    let second = bounded(source.token()).await.unwrap();
    assert!(first.same_as(&second));
    assert_eq!(issuer.requests_served(), 1);
    assert_eq!(first.token_type(), "Bearer");
    assert_eq!(first.scopes(), ["read"]);
    assert!(first.authorization_header().starts_with("Bearer ey"));
    let stats = source.stats();
    assert_eq!((stats.fetches, stats.waits, stats.cache_hits), (1, 1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_cold_callers_make_one_request() {
    let issuer = TestIssuer::builder()
        .latency(Duration::from_millis(200))
        .start()
        .unwrap();
    let source = source_for(&issuer).build().unwrap();
    let tasks: Vec<_> = (0..1000)
        .map(|_| {
            let source = source.clone();
            tokio::spawn(async move { source.token().await })
        })
        .collect();
    let mut tokens = Vec::new();
    for task in tasks {
        tokens.push(bounded(task).await.unwrap().unwrap());
    }
    assert_eq!(issuer.requests_served(), 1);
    assert!(tokens.iter().all(|t| t.same_as(&tokens[0])));
}

#[test]
fn blocking_callers_on_many_threads_share_one_request() {
    let issuer = TestIssuer::builder()
        .latency(Duration::from_millis(200))
        .start()
        .unwrap();
    let source = source_for(&issuer).build().unwrap();
    let barrier = Arc::new(std::sync::Barrier::new(64));
    let threads: Vec<_> = (0..64)
        .map(|_| {
            let (source, barrier) = (source.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                source.token_blocking()
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap().unwrap();
    }
    assert_eq!(issuer.requests_served(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_ahead_across_expiry_makes_nobody_wait() {
    // 5 s tokens: refreshed from ~3.6 s, served until 4.5 s. The IdP takes
    // 100 ms. Callers poll every 20 ms for 12 s, across two expiries.
    let issuer = TestIssuer::builder()
        .token_lifetime(Duration::from_secs(5))
        .latency(Duration::from_millis(100))
        .start()
        .unwrap();
    let source = source_for(&issuer).build().unwrap();
    let mut seen: Vec<m2mauth::AccessToken> = Vec::new();
    let end = tokio::time::Instant::now() + Duration::from_secs(12);
    while tokio::time::Instant::now() < end {
        let token = bounded(source.token())
            .await
            .expect("no caller sees an error");
        assert!(
            token.expires_at() > std::time::SystemTime::now(),
            "an expired token was handed out"
        );
        if !seen.last().is_some_and(|t| t.same_as(&token)) {
            seen.push(token);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // A background refresh may still be on its way back (the issuer counts
    // it on arrival, the source once it lands): let it land.
    let settle_by = tokio::time::Instant::now() + Duration::from_secs(5);
    while issuer.requests_served() != source.stats().fetches
        && tokio::time::Instant::now() < settle_by
    {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let stats = source.stats();
    assert!(seen.len() >= 3, "tokens seen: {}", seen.len());
    assert_eq!(stats.waits, 1, "only the cold start waited: {stats:?}");
    assert!(stats.refreshes >= 2, "{stats:?}");
    assert_eq!(issuer.requests_served(), stats.fetches);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_refresh_is_invisible_while_the_token_is_valid() {
    let issuer = TestIssuer::builder()
        .token_lifetime(Duration::from_secs(6))
        .start()
        .unwrap();
    let source = source_for(&issuer).build().unwrap();
    let first = bounded(source.token()).await.unwrap();
    issuer.set_sticky_fault(Some(Fault::status(503)));
    // From ~4.3 s refreshes fail; the token is served until 5.4 s.
    let end = tokio::time::Instant::now() + Duration::from_secs(5);
    while tokio::time::Instant::now() < end {
        let token = bounded(source.token())
            .await
            .expect("a failed refresh must not reach callers");
        assert!(token.same_as(&first));
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let stats = source.stats();
    assert!(
        stats.failures >= 1,
        "the refresh was attempted and failed: {stats:?}"
    );
    assert_eq!(
        stats.last_error.map(|e| e.code()),
        Some(ErrorCode::ServerError)
    );
    issuer.set_sticky_fault(None);
    // After the token expires, the next caller fetches a new one.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let fresh = bounded(source.token()).await.unwrap();
    assert!(!fresh.same_as(&first));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_client_is_typed_and_not_retried_in_a_loop() {
    let issuer = TestIssuer::start().unwrap();
    let source = source_for(&issuer).client_secret("wrong").build().unwrap();
    let err = bounded(source.token()).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidClient);
    assert_eq!(err.description(), Some("client authentication failed"));
    assert_eq!(err.status(), Some(401));
    assert!(!err.to_string().contains("wrong"));
    let again = bounded(source.token()).await.unwrap_err();
    assert_eq!(again.code(), ErrorCode::InvalidClient);
    assert_eq!(
        issuer.requests_served(),
        1,
        "the refusal is remembered, not retried"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_idp_times_out() {
    let issuer = TestIssuer::start().unwrap();
    issuer.set_sticky_fault(Some(Fault::Hang));
    let source = source_for(&issuer)
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let err = bounded(source.token()).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Timeout);
    assert_eq!(err.to_string(), "the token request timed out after 500 ms");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_are_not_followed() {
    let issuer = TestIssuer::start().unwrap();
    issuer.push_fault(Fault::Redirect(issuer.token_url()));
    let source = source_for(&issuer).build().unwrap();
    let err = bounded(source.token()).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Redirect);
    assert_eq!(
        issuer.requests_served(),
        1,
        "following it would have hit the token endpoint again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_are_retried_after_a_short_retry_after() {
    let issuer = TestIssuer::start().unwrap();
    issuer.push_fault(Fault::rate_limited(1));
    let source = source_for(&issuer).build().unwrap();
    bounded(source.token()).await.unwrap();
    assert_eq!(issuer.requests_served(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_retry_after_surfaces_as_rate_limited() {
    let issuer = TestIssuer::start().unwrap();
    issuer.push_fault(Fault::rate_limited(120));
    let source = source_for(&issuer).build().unwrap();
    let err = bounded(source.token()).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::RateLimited);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
    // Callers in the back-off window get the same answer without a request.
    assert_eq!(
        bounded(source.token()).await.unwrap_err().code(),
        ErrorCode::RateLimited
    );
    assert_eq!(issuer.requests_served(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_failures_are_retried_within_the_timeout() {
    let issuer = TestIssuer::start().unwrap();
    issuer.push_fault(Fault::status(503));
    issuer.push_fault(Fault::Close);
    let source = source_for(&issuer).build().unwrap();
    bounded(source.token()).await.unwrap();
    assert_eq!(issuer.requests_served(), 3);
    assert_eq!(source.stats().failures, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_and_oversized_answers_are_errors() {
    let issuer = TestIssuer::start().unwrap();
    issuer.push_fault(Fault::malformed("<html>sign in</html>"));
    let source = source_for(&issuer).build().unwrap();
    let err = bounded(source.token()).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::MalformedResponse);
    assert!(err.to_string().contains("not JSON"), "{err}");

    let issuer = TestIssuer::start().unwrap();
    issuer.push_fault(Fault::malformed(&"x".repeat(100_000)));
    let source = source_for(&issuer).build().unwrap();
    let err = bounded(source.token()).await.unwrap_err();
    assert!(err.to_string().contains("larger than 64 KiB"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_idp_is_a_transport_error() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let source = TokenSource::builder()
        .token_url(format!("http://127.0.0.1:{port}/token"))
        .client_id("a")
        .client_secret("b")
        .retries(0)
        .build()
        .unwrap();
    let err = bounded(source.token()).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Transport);
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalidate_after_a_401_fetches_a_new_token_once() {
    let issuer = TestIssuer::start().unwrap();
    let source = source_for(&issuer).build().unwrap();
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(rustls::RootCertStore::empty())
    .with_no_client_auth();
    let http = reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .build()
        .unwrap();
    let call = |token: &m2mauth::AccessToken| {
        http.get(issuer.api_url())
            .header("authorization", token.authorization_header())
            .send()
    };
    let first = bounded(source.token()).await.unwrap();
    assert_eq!(call(&first).await.unwrap().status(), 200);
    issuer.revoke_issued_tokens();
    assert_eq!(call(&first).await.unwrap().status(), 401);
    assert!(source.invalidate(&first));
    assert!(!source.invalidate(&first), "each token is dropped once");
    let second = bounded(source.token()).await.unwrap();
    assert!(!second.same_as(&first));
    assert_eq!(call(&second).await.unwrap().status(), 200);
    assert!(
        !source.invalidate(&first),
        "an old token never drops its successor"
    );
    assert_eq!(issuer.requests_served(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_caller_does_not_cancel_the_fetch() {
    let issuer = TestIssuer::builder()
        .latency(Duration::from_millis(300))
        .start()
        .unwrap();
    let source = source_for(&issuer).build().unwrap();
    let cancelled = tokio::time::timeout(Duration::from_millis(50), source.token()).await;
    assert!(cancelled.is_err(), "the first caller gave up");
    bounded(source.token()).await.unwrap();
    assert_eq!(issuer.requests_served(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issuer_discovery_finds_the_token_endpoint() {
    let issuer = TestIssuer::start().unwrap();
    let source = TokenSource::builder()
        .issuer(issuer.issuer_url())
        .client_id(DEFAULT_CLIENT_ID)
        .client_secret(DEFAULT_CLIENT_SECRET)
        .auth_method(AuthMethod::ClientSecretPost)
        .body_format(BodyFormat::Json)
        .scopes(["a", "b"])
        .build()
        .unwrap();
    let token = bounded(source.token()).await.unwrap();
    assert_eq!(token.scopes(), ["a", "b"]);
    assert_eq!(issuer.requests_served(), 1);
}

#[test]
fn cached_token_never_starts_a_first_fetch() {
    let issuer = TestIssuer::start().unwrap();
    let source = source_for(&issuer).build().unwrap();
    assert!(source.cached_token().is_none());
    assert_eq!(issuer.requests_served(), 0);
    let token = source.token_blocking().unwrap();
    assert!(source.cached_token().unwrap().same_as(&token));
}

#[test]
fn request_token_calls_back_on_a_library_thread() {
    let issuer = TestIssuer::start().unwrap();
    let source = source_for(&issuer).build().unwrap();
    source.token_blocking().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let caller = std::thread::current().id();
    source.request_token(move |outcome| {
        tx.send((
            outcome.map(|t| t.token_type().to_owned()),
            std::thread::current().id(),
        ))
        .unwrap();
    });
    let (outcome, thread) = rx.recv_timeout(BOUND).unwrap();
    assert_eq!(outcome.unwrap(), "Bearer");
    assert_ne!(
        thread, caller,
        "even a cached token is delivered on the library's thread"
    );
}

#[test]
fn a_callback_may_block_on_a_cold_source_without_stalling_the_library() {
    // Callbacks run off the IO thread: one that waits for another fetch
    // (through the same runtime) gets it, instead of hanging everything.
    let issuer = TestIssuer::start().unwrap();
    let warm = source_for(&issuer).build().unwrap();
    let cold = source_for(&issuer).scopes(["other"]).build().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    warm.request_token(move |outcome| {
        let nested = cold.token_blocking().map(|t| t.scopes().to_vec());
        tx.send((outcome.is_ok(), nested)).unwrap();
    });
    let (outer, nested) = rx.recv_timeout(BOUND).unwrap();
    assert!(outer);
    assert_eq!(nested.unwrap(), ["other"]);
}

#[test]
fn invalidate_secret_drops_the_token_with_that_text_once() {
    let issuer = TestIssuer::start().unwrap();
    let source = source_for(&issuer).build().unwrap();
    let token = source.token_blocking().unwrap();
    assert!(!source.invalidate_secret("not-the-token"));
    assert!(source.invalidate_secret(token.secret()));
    assert!(!source.invalidate_secret(token.secret()));
    assert!(!source.token_blocking().unwrap().same_as(&token));
}

#[test]
fn debug_shows_the_client_never_the_secret() {
    let issuer = TestIssuer::start().unwrap();
    let source = source_for(&issuer)
        .client_secret("s3cret-value")
        .scopes(["read"])
        .build()
        .unwrap();
    let shown = format!("{source:?}");
    assert!(
        shown.contains(DEFAULT_CLIENT_ID) && shown.contains("read"),
        "{shown}"
    );
    assert!(!shown.contains("s3cret-value"), "{shown}");
    let token = source_for(&issuer)
        .build()
        .unwrap()
        .token_blocking()
        .unwrap();
    assert!(!format!("{token:?}").contains(token.secret()));
    assert!(
        (3590.0..=3600.0).contains(&token.expires_in()),
        "{}",
        token.expires_in()
    );
}
