//! The Verifier against the test issuer: every algorithm, forged tokens of
//! every kind, the JWKS cache's rules (one fetch for a stampede, forged
//! `kid`s bounded, rotation, outages), introspection and revocation.

// Tests unwrap freely: a panic is a failed test with its reason.
#![allow(clippy::unwrap_used)]
// These tests read the clock to mint tokens around now.
#![allow(clippy::disallowed_methods)]
// The forged-token cases are one table, one line each after rustfmt's wrapping.
#![allow(clippy::too_many_lines)]

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use m2mauth::{ErrorCode, TokenSource, Verifier};
use m2mauth_testkit::{
    Alg, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Mint, TestIssuer, TokenFormat,
};
use serde_json::{Value, json};

const API: &str = "https://api.example.com";
const BOUND: Duration = Duration::from_secs(20);

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn verifier(issuer: &TestIssuer) -> Verifier {
    Verifier::builder()
        .issuer(issuer.issuer_url())
        .audience([API])
        .build()
        .unwrap()
}

/// Claims that pass every rule of `verifier(issuer)`.
fn good(issuer: &TestIssuer) -> Value {
    json!({"iss": issuer.issuer_url(), "aud": API, "sub": "svc", "client_id": "svc",
           "iat": now(), "exp": now() + 600, "scope": "read write", "jti": "j1"})
}

fn mint(issuer: &TestIssuer, claims: &Value, how: &Mint) -> String {
    issuer.mint(claims, how).unwrap()
}

async fn bounded<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(BOUND, f)
        .await
        .expect("did not finish within the bound")
}

async fn code_of(verifier: &Verifier, token: &str) -> ErrorCode {
    match bounded(verifier.verify(token)).await {
        Ok(claims) => panic!("accepted: {claims:?}"),
        Err(e) => {
            assert!(!e.to_string().contains(token), "the token is never shown");
            e.code()
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_of_every_algorithm_verify_through_discovery() {
    let issuer = TestIssuer::start().unwrap();
    let v = verifier(&issuer);
    for alg in [Alg::EdDsa, Alg::Es256, Alg::Rs256, Alg::Ps256] {
        let token = mint(
            &issuer,
            &good(&issuer),
            &Mint {
                alg: Some(alg),
                ..Mint::default()
            },
        );
        let claims = bounded(v.verify(&token)).await.unwrap();
        assert_eq!(
            (claims.subject(), claims.scopes()),
            (Some("svc"), vec!["read", "write"]),
            "{alg:?}"
        );
    }
    assert_eq!(issuer.jwks_requests(), 1, "one JWKS fetch for all of them");
    // A token from the issuer's own token endpoint, as a client gets it.
    let source = TokenSource::builder()
        .token_url(issuer.token_url())
        .client_id(DEFAULT_CLIENT_ID)
        .client_secret(DEFAULT_CLIENT_SECRET)
        .audience(API)
        .build()
        .unwrap();
    let token = source.token().await.unwrap();
    let claims = v.verify(token.secret()).await.unwrap();
    assert_eq!(claims.client_id(), Some(DEFAULT_CLIENT_ID));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_and_broken_tokens_get_the_code_of_the_rule_they_break() {
    let issuer = TestIssuer::start().unwrap();
    let v = Verifier::builder()
        .issuer(issuer.issuer_url())
        .audience([API])
        .required_claims([("stt", json!(1))])
        .build()
        .unwrap();
    let base = {
        let mut c = good(&issuer);
        c["stt"] = json!(1);
        c
    };
    let with = |changes: Value| {
        let mut c = base.clone();
        for (k, val) in changes.as_object().unwrap() {
            if val.is_null() {
                c.as_object_mut().unwrap().remove(k);
            } else {
                c[k] = val.clone();
            }
        }
        c
    };
    let ok = mint(&issuer, &base, &Mint::default());
    assert!(v.verify(&ok).await.is_ok());
    let cases: Vec<(&str, String, ErrorCode)> = vec![
        (
            "alg none, unsigned",
            mint(
                &issuer,
                &base,
                &Mint {
                    alg_header: Some("none".into()),
                    unsigned: true,
                    ..Mint::default()
                },
            ),
            ErrorCode::TokenAlgorithm,
        ),
        (
            "HS256 with the public key as secret",
            mint(
                &issuer,
                &base,
                &Mint {
                    alg_header: Some("HS256".into()),
                    ..Mint::default()
                },
            ),
            ErrorCode::TokenAlgorithm,
        ),
        (
            "signed by a key the JWKS does not publish, under a published kid",
            {
                let kid = ok_kid(&ok);
                mint(
                    &issuer,
                    &base,
                    &Mint {
                        unpublished_key: true,
                        kid: Some(Some(kid)),
                        ..Mint::default()
                    },
                )
            },
            ErrorCode::TokenSignature,
        ),
        (
            "a forged kid",
            mint(
                &issuer,
                &base,
                &Mint {
                    unpublished_key: true,
                    ..Mint::default()
                },
            ),
            ErrorCode::TokenUnknownKey,
        ),
        (
            "RS256 header on the Ed25519 key's kid",
            {
                let kid = ok_kid(&ok);
                mint(
                    &issuer,
                    &base,
                    &Mint {
                        alg: Some(Alg::Rs256),
                        kid: Some(Some(kid)),
                        ..Mint::default()
                    },
                )
            },
            ErrorCode::TokenAlgorithm,
        ),
        ("tampered claims", tamper(&ok), ErrorCode::TokenSignature),
        (
            "expired",
            mint(
                &issuer,
                &with(json!({"exp": now() - 120})),
                &Mint::default(),
            ),
            ErrorCode::TokenExpired,
        ),
        (
            "not yet valid",
            mint(
                &issuer,
                &with(json!({"nbf": now() + 600})),
                &Mint::default(),
            ),
            ErrorCode::TokenNotYetValid,
        ),
        (
            "issued in the future",
            mint(
                &issuer,
                &with(json!({"iat": now() + 600})),
                &Mint::default(),
            ),
            ErrorCode::TokenNotYetValid,
        ),
        (
            "exp as a string",
            mint(
                &issuer,
                &with(json!({"exp": (now() + 600).to_string()})),
                &Mint::default(),
            ),
            ErrorCode::TokenClaim,
        ),
        (
            "no exp",
            mint(&issuer, &with(json!({"exp": null})), &Mint::default()),
            ErrorCode::TokenClaim,
        ),
        (
            "another audience",
            mint(
                &issuer,
                &with(json!({"aud": "https://other.example"})),
                &Mint::default(),
            ),
            ErrorCode::TokenAudience,
        ),
        (
            "no aud",
            mint(&issuer, &with(json!({"aud": null})), &Mint::default()),
            ErrorCode::TokenAudience,
        ),
        (
            "aud of the wrong type",
            mint(&issuer, &with(json!({"aud": 7})), &Mint::default()),
            ErrorCode::TokenAudience,
        ),
        (
            "another issuer",
            mint(
                &issuer,
                &with(json!({"iss": "https://evil.example"})),
                &Mint::default(),
            ),
            ErrorCode::TokenIssuer,
        ),
        (
            "an ID token's typ",
            mint(
                &issuer,
                &base,
                &Mint {
                    typ: Some(Some("id_token+jwt".into())),
                    ..Mint::default()
                },
            ),
            ErrorCode::TokenType,
        ),
        (
            "SuperTokens stt of another value",
            mint(&issuer, &with(json!({"stt": 2})), &Mint::default()),
            ErrorCode::TokenClaim,
        ),
        (
            "not a JWT at all",
            "opaque-token".to_owned(),
            ErrorCode::TokenMalformed,
        ),
    ];
    for (what, token, want) in cases {
        assert_eq!(code_of(&v, &token).await, want, "{what}");
    }
    // An aud list naming this API passes; the leeway absorbs a small skew.
    let listed = mint(
        &issuer,
        &with(json!({"aud": ["https://other.example", API], "exp": now() - 10})),
        &Mint::default(),
    );
    assert!(v.verify(&listed).await.is_ok());
}

fn ok_kid(token: &str) -> String {
    use base64::Engine as _;
    let header = token.split('.').next().unwrap();
    let header: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(header)
            .unwrap(),
    )
    .unwrap();
    header["kid"].as_str().unwrap().to_owned()
}

fn tamper(token: &str) -> String {
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims: Value = serde_json::from_slice(&engine.decode(parts[1]).unwrap()).unwrap();
    claims["scope"] = json!("read write admin");
    format!(
        "{}.{}.{}",
        parts[0],
        engine.encode(claims.to_string()),
        parts[2]
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cold_stampede_makes_one_jwks_request() {
    let issuer = TestIssuer::start().unwrap();
    issuer.set_jwks_delay(Duration::from_millis(200));
    let v = verifier(&issuer);
    let token = Arc::new(mint(&issuer, &good(&issuer), &Mint::default()));
    let calls: Vec<_> = (0..1000)
        .map(|_| {
            let (v, token) = (v.clone(), token.clone());
            tokio::spawn(async move { v.verify(&token).await })
        })
        .collect();
    for call in calls {
        bounded(call).await.unwrap().unwrap();
    }
    assert_eq!(issuer.jwks_requests(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_kids_cannot_flood_the_idp_and_a_rotated_key_is_found() {
    let issuer = TestIssuer::start().unwrap();
    let v = verifier(&issuer);
    bounded(v.verify(&mint(&issuer, &good(&issuer), &Mint::default())))
        .await
        .unwrap();
    assert_eq!(issuer.jwks_requests(), 1);
    // A rollover: the new key's kid is unknown, so one refetch finds it.
    issuer.rotate_keys().unwrap();
    let rotated = mint(&issuer, &good(&issuer), &Mint::default());
    bounded(v.verify(&rotated)).await.unwrap();
    assert_eq!(issuer.jwks_requests(), 2);
    // Then an attacker's thousand forged kids: refused at once, no refetch
    // within the cooldown.
    for i in 0..1000 {
        let forged = mint(
            &issuer,
            &good(&issuer),
            &Mint {
                unpublished_key: true,
                kid: Some(Some(format!("forged-{i}"))),
                ..Mint::default()
            },
        );
        assert_eq!(code_of(&v, &forged).await, ErrorCode::TokenUnknownKey);
    }
    assert_eq!(
        issuer.jwks_requests(),
        2,
        "forged kids made no JWKS request"
    );
    assert!(v.verify(&rotated).await.is_ok(), "real tokens still pass");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warm_keys_survive_an_outage_and_a_cold_outage_is_jwks_unavailable() {
    let issuer = TestIssuer::start().unwrap();
    let v = verifier(&issuer);
    let token = mint(&issuer, &good(&issuer), &Mint::default());
    bounded(v.verify(&token)).await.unwrap();
    issuer.set_jwks_failure(Some(503));
    issuer.set_jwks_delay(Duration::from_secs(60));
    for _ in 0..100 {
        bounded(v.verify(&token)).await.unwrap();
    }
    let cold = Verifier::builder()
        .jwks_url(issuer.jwks_url())
        .audience([API])
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    issuer.set_jwks_delay(Duration::ZERO);
    let err = bounded(cold.verify(&token)).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::JwksUnavailable, "{err}");
    assert!(err.to_string().contains("503"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opaque_tokens_are_introspected_once_and_revocation_shows() {
    let issuer = TestIssuer::start().unwrap();
    issuer.set_token_format(TokenFormat::Opaque);
    let source = TokenSource::builder()
        .issuer(issuer.issuer_url())
        .client_id(DEFAULT_CLIENT_ID)
        .client_secret(DEFAULT_CLIENT_SECRET)
        .audience(API)
        .scopes(["read"])
        .build()
        .unwrap();
    let token = source.token().await.unwrap();
    assert!(token.secret().starts_with("opaque-"));
    let v = Verifier::builder()
        .issuer(issuer.issuer_url())
        .audience([API])
        .required_scopes(["read"])
        .client_id(DEFAULT_CLIENT_ID)
        .client_secret(DEFAULT_CLIENT_SECRET)
        .build()
        .unwrap();
    let secret = Arc::new(token.secret().to_owned());
    let calls: Vec<_> = (0..100)
        .map(|_| {
            let (v, secret) = (v.clone(), secret.clone());
            tokio::spawn(async move { v.verify(&secret).await })
        })
        .collect();
    for call in calls {
        let claims = bounded(call).await.unwrap().unwrap();
        assert_eq!(claims.client_id(), Some(DEFAULT_CLIENT_ID));
    }
    assert_eq!(
        issuer.introspection_requests(),
        1,
        "one request for a hundred callers"
    );
    let answer = v.introspect(&secret).await.unwrap();
    assert!(answer.active);
    // Revoked at the IdP: a fresh verifier sees it inactive.
    bounded(source.revoke(&secret)).await.unwrap();
    assert_eq!(issuer.revocation_requests(), 1);
    let fresh = Verifier::builder()
        .issuer(issuer.issuer_url())
        .audience([API])
        .client_id(DEFAULT_CLIENT_ID)
        .client_secret(DEFAULT_CLIENT_SECRET)
        .build()
        .unwrap();
    let err = bounded(fresh.verify(&secret)).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::TokenInactive);
    assert!(!fresh.introspect(&secret).await.unwrap().active);
    // Insufficient scope is its own code.
    let strict = Verifier::builder()
        .issuer(issuer.issuer_url())
        .audience([API])
        .required_scopes(["admin"])
        .client_id(DEFAULT_CLIENT_ID)
        .client_secret(DEFAULT_CLIENT_SECRET)
        .build()
        .unwrap();
    let other = source.token().await.unwrap();
    let err = bounded(strict.verify(other.secret())).await.unwrap_err();
    assert_eq!(
        (err.code(), err.detail()),
        (ErrorCode::InsufficientScope, Some("admin"))
    );
}

#[test]
fn configuration_errors_name_the_option() {
    let err = Verifier::builder()
        .issuer("https://idp.example")
        .build()
        .unwrap_err();
    assert_eq!(err.field(), Some("audience"));
    let err = Verifier::builder().audience([API]).build().unwrap_err();
    assert_eq!(err.field(), Some("issuer"));
    let err = Verifier::builder()
        .issuer("https://idp.example")
        .audience([API])
        .algorithms(["HS256"])
        .build()
        .unwrap_err();
    assert_eq!(err.field(), Some("algorithms"));
    assert!(err.to_string().contains("HMAC"), "{err}");
    let err = Verifier::builder()
        .issuer("http://idp.example")
        .audience([API])
        .build()
        .unwrap_err();
    assert_eq!(err.field(), Some("issuer"));
}

#[test]
fn blocking_verification_works_outside_any_runtime() {
    let issuer = TestIssuer::start().unwrap();
    let v = verifier(&issuer);
    let token = mint(&issuer, &good(&issuer), &Mint::default());
    assert_eq!(
        v.verify_blocking(&token).unwrap().issuer(),
        Some(issuer.issuer_url())
    );
    let (tx, rx) = std::sync::mpsc::channel();
    v.request_verify(&token, vec!["read".to_owned()], move |outcome| {
        tx.send(outcome.map(|c| c.to_json())).unwrap();
    });
    assert!(
        rx.recv_timeout(BOUND)
            .unwrap()
            .unwrap()
            .contains("\"sub\":\"svc\"")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_kid_during_an_outage_makes_one_request() {
    let issuer = TestIssuer::start().unwrap();
    let v = verifier(&issuer);
    bounded(v.verify(&mint(&issuer, &good(&issuer), &Mint::default())))
        .await
        .unwrap();
    issuer.set_jwks_failure(Some(503));
    for i in 0..5 {
        let forged = mint(
            &issuer,
            &good(&issuer),
            &Mint {
                unpublished_key: true,
                kid: Some(Some(format!("f{i}"))),
                ..Mint::default()
            },
        );
        assert_eq!(code_of(&v, &forged).await, ErrorCode::TokenUnknownKey);
    }
    assert_eq!(
        issuer.jwks_requests(),
        2,
        "one refetch, not retried against a failing IdP"
    );
}
