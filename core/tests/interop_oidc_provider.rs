//! Interop with an IdP someone else wrote and certified: panva's
//! `oidc-provider` (npm, pinned in tests/interop/oidc-provider), started on
//! 127.0.0.1 by this test and stopped by PID.
//!
//! Needs `npm ci --prefix tests/interop/oidc-provider` (the README's test
//! command runs it).

// Tests unwrap freely: a panic is a failed test with its reason.
#![allow(clippy::unwrap_used)]

mod oidc_provider;

use std::time::Duration;

use m2mauth::{AuthMethod, ErrorCode, TokenSource};
use oidc_provider::OidcProvider;

const BOUND: Duration = Duration::from_secs(20);

/// The provider's client_secret_basic client, found through discovery.
fn basic_client(idp: &OidcProvider) -> m2mauth::TokenSourceBuilder {
    TokenSource::builder()
        .issuer(&idp.issuer)
        .client_id("basic-client")
        .client_secret("basic-secret")
}

async fn bounded<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(BOUND, f)
        .await
        .expect("finished within the bound")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_and_client_secret_basic_with_caching() {
    let idp = OidcProvider::start(3600);
    let source = basic_client(&idp).scopes(["api:read"]).build().unwrap();
    let token = bounded(source.token()).await.unwrap();
    assert_eq!(token.token_type(), "Bearer");
    assert_eq!(token.scopes(), ["api:read"]);
    assert_eq!(token.lifetime(), Duration::from_secs(3600));
    // An RFC 9068 JWT for the default resource.
    let header = token.secret().split('.').next().unwrap();
    assert!(header.starts_with("eyJ"), "{}", token.secret());
    let again = bounded(source.token()).await.unwrap();
    assert!(again.same_as(&token));
    assert_eq!(idp.token_requests().await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_secret_post_with_resource() {
    let idp = OidcProvider::start(3600);
    let source = TokenSource::builder()
        .token_url(format!("{}/token", idp.issuer))
        .client_id("post-client")
        .client_secret("post-secret")
        .auth_method(AuthMethod::ClientSecretPost)
        .scopes(["api:read", "api:write"])
        .resources(["https://api.example.test"])
        .build()
        .unwrap();
    let token = bounded(source.token()).await.unwrap();
    assert_eq!(token.scopes(), ["api:read", "api:write"]);
    assert_eq!(idp.token_requests().await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_cold_callers_make_one_request() {
    let idp = OidcProvider::start(3600);
    let source = basic_client(&idp).build().unwrap();
    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let source = source.clone();
            tokio::spawn(async move { source.token().await })
        })
        .collect();
    for task in tasks {
        bounded(task).await.unwrap().unwrap();
    }
    assert_eq!(idp.token_requests().await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_are_typed_with_the_providers_words() {
    let idp = OidcProvider::start(3600);
    let wrong = TokenSource::builder()
        .issuer(&idp.issuer)
        .client_id("basic-client")
        .client_secret("not-the-secret")
        .build()
        .unwrap();
    let err = bounded(wrong.token()).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidClient);
    assert_eq!(err.description(), Some("client authentication failed"));
    assert!(!err.to_string().contains("not-the-secret"));

    let greedy = TokenSource::builder()
        .issuer(&idp.issuer)
        .client_id("post-client")
        .client_secret("post-secret")
        .auth_method(AuthMethod::ClientSecretPost)
        .scopes(["api:admin"])
        .build()
        .unwrap();
    let err = bounded(greedy.token()).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidScope);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_ahead_with_short_lived_tokens() {
    let idp = OidcProvider::start(4);
    let source = basic_client(&idp).build().unwrap();
    let first = bounded(source.token()).await.unwrap();
    let end = tokio::time::Instant::now() + Duration::from_secs(9);
    let mut distinct = 1;
    let mut last = first;
    while tokio::time::Instant::now() < end {
        let token = bounded(source.token()).await.unwrap();
        if !token.same_as(&last) {
            distinct += 1;
            last = token;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    // Let a background refresh still on its way back land before counting.
    let settle_by = tokio::time::Instant::now() + Duration::from_secs(5);
    while idp.token_requests().await != source.stats().fetches
        && tokio::time::Instant::now() < settle_by
    {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let stats = source.stats();
    assert!(distinct >= 3, "tokens: {distinct}");
    assert_eq!(stats.waits, 1, "only the cold start waited: {stats:?}");
    assert_eq!(idp.token_requests().await, stats.fetches);
}
