//! Key-based client authentication and DPoP against the test issuer, which
//! checks assertions (signature, claims, `jti` replay) and proofs (claims,
//! signature, nonces) with its own code.

// Tests unwrap freely: a panic is a failed test with its reason.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use m2mauth::config::SigningAlg;
use m2mauth::{AuthMethod, ErrorCode, TokenSource};
use m2mauth_testkit::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Fault, TestIssuer};
use serde_json::Value;

const BOUND: Duration = Duration::from_secs(20);

fn key_file(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/vectors/keys")
        .join(name)
}

fn jwk(name: &str) -> Value {
    serde_json::from_slice(&std::fs::read(key_file(name)).unwrap()).unwrap()
}

fn new_source(
    issuer: &TestIssuer,
    f: impl FnOnce(m2mauth::TokenSourceBuilder) -> m2mauth::TokenSourceBuilder,
) -> TokenSource {
    f(TokenSource::builder()
        .token_url(issuer.token_url())
        .client_id(DEFAULT_CLIENT_ID))
    .build()
    .unwrap()
}

fn with_key(issuer: &TestIssuer, file: &str) -> TokenSource {
    new_source(issuer, |b| {
        b.auth_method(AuthMethod::PrivateKeyJwt)
            .private_key_file(key_file(file))
    })
}

/// reqwest (for calling the API) needs a TLS provider, even for http.
fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

async fn bounded<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(BOUND, f)
        .await
        .expect("did not finish within the bound")
}

/// The claims of the `client_assertion` of recorded token request `i`.
fn assertion_claims(issuer: &TestIssuer, i: usize) -> Value {
    let request = &issuer.recorded_requests()[i];
    let (_, assertion) = form_urlencoded::parse(&request.body)
        .find(|(k, _)| k == "client_assertion")
        .expect("a client_assertion");
    let claims = assertion.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_key_jwt_with_every_key_type_is_accepted() {
    let issuer = TestIssuer::start().unwrap();
    for (file, jwk_file) in [
        ("ec-p256.jwk.json", "ec-p256.jwk.json"),
        ("ec-p384-sec1.pem", "ec-p384.jwk.json"),
        ("rsa-2048-pkcs1.pem", "rsa-2048.jwk.json"),
        ("ed25519.jwk.json", "ed25519.jwk.json"),
    ] {
        assert!(issuer.register_client_key(DEFAULT_CLIENT_ID, &jwk(jwk_file)));
        let token = bounded(with_key(&issuer, file).token()).await;
        assert!(token.is_ok(), "{file}: {token:?}");
    }
    let ps256 = new_source(&issuer, |b| {
        b.auth_method(AuthMethod::PrivateKeyJwt)
            .private_key_file(key_file("rsa-2048.pem"))
            .signing_alg(SigningAlg::Ps256)
    });
    bounded(ps256.token()).await.unwrap();
    // The registered P-256 key has kid client-key-1: a PEM key names it with key_id.
    let named = new_source(&issuer, |b| {
        b.auth_method(AuthMethod::PrivateKeyJwt)
            .private_key_file(key_file("ec-p256-sec1.pem"))
            .key_id("client-key-1")
    });
    bounded(named.token()).await.unwrap();
    let claims = assertion_claims(&issuer, 0);
    assert_eq!(claims["aud"], issuer.token_url().as_str());
    assert_eq!(claims["iss"], DEFAULT_CLIENT_ID);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unregistered_key_is_invalid_client_with_the_idps_words_and_no_key() {
    let issuer = TestIssuer::start().unwrap();
    let err = bounded(with_key(&issuer, "ec-p256.pem").token())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidClient);
    assert!(
        err.description().unwrap().contains("does not verify"),
        "{err}"
    );
    let pem = std::fs::read_to_string(key_file("ec-p256.pem")).unwrap();
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(&pem[30..70]), "{shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_attempt_signs_a_fresh_jti_so_retries_are_not_replays() {
    let issuer = TestIssuer::start().unwrap();
    issuer.register_client_key(DEFAULT_CLIENT_ID, &jwk("ed25519.jwk.json"));
    issuer.push_fault(Fault::status(503));
    let source = new_source(&issuer, |b| {
        b.auth_method(AuthMethod::PrivateKeyJwt)
            .private_key_file(key_file("ed25519.pem"))
            .retries(2)
    });
    bounded(source.token()).await.unwrap();
    assert_eq!(issuer.requests_served(), 2, "one 503, one retry");
    assert_ne!(
        assertion_claims(&issuer, 0)["jti"],
        assertion_claims(&issuer, 1)["jti"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_secret_jwt_signs_with_the_secret() {
    let issuer = TestIssuer::start().unwrap();
    let source = new_source(&issuer, |b| {
        b.auth_method(AuthMethod::ClientSecretJwt)
            .client_secret(DEFAULT_CLIENT_SECRET)
    });
    bounded(source.token()).await.unwrap();
    let wrong = source_with_secret(&issuer, "not-the-secret");
    assert_eq!(
        bounded(wrong.token()).await.unwrap_err().code(),
        ErrorCode::InvalidClient
    );
}

fn source_with_secret(issuer: &TestIssuer, secret: &str) -> TokenSource {
    new_source(issuer, |b| {
        b.auth_method(AuthMethod::ClientSecretJwt)
            .client_secret(secret)
    })
}

/// `GET /api/whoami` with `token` and a proof from `source`.
async fn call_api(source: &TokenSource, issuer: &TestIssuer, token: &str) -> reqwest::Response {
    let url = issuer.api_url();
    let proof = source
        .dpop_proof("GET", &url, Some(token))
        .unwrap()
        .unwrap();
    http_client()
        .get(&url)
        .header("authorization", format!("DPoP {token}"))
        .header("dpop", proof.expose())
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dpop_binds_the_token_and_proofs_reach_the_api() {
    let issuer = TestIssuer::start().unwrap();
    let source = new_source(&issuer, |b| {
        b.client_secret(DEFAULT_CLIENT_SECRET).dpop(true)
    });
    let token = bounded(source.token()).await.unwrap();
    assert_eq!(token.token_type(), "DPoP");
    assert!(token.authorization_header().starts_with("DPoP "));
    assert!(
        source.cache_key().to_string().contains(" dpop="),
        "the key's thumbprint is in the cache key"
    );
    let answer = bounded(call_api(&source, &issuer, token.secret())).await;
    assert_eq!(answer.status(), 200);
    // Without a proof the bound token is refused.
    let bare = http_client()
        .get(issuer.api_url())
        .header("authorization", format!("DPoP {}", token.secret()))
        .send()
        .await
        .unwrap();
    assert_eq!(bare.status(), 401);
    assert!(
        bare.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("DPoP")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dpop_nonces_are_learnt_at_the_token_endpoint_and_the_api() {
    let issuer = TestIssuer::start().unwrap();
    issuer.require_dpop_nonce(true);
    let source = new_source(&issuer, |b| {
        b.client_secret(DEFAULT_CLIENT_SECRET).dpop(true)
    });
    let token = bounded(source.token()).await.unwrap();
    assert_eq!(
        issuer.requests_served(),
        2,
        "use_dpop_nonce, then the retry with the nonce"
    );
    // The API is the same origin here: the nonce is already known.
    assert_eq!(
        bounded(call_api(&source, &issuer, token.secret()))
            .await
            .status(),
        200
    );
    // The nonce changes: the API asks for the new one, the source takes it
    // and the same token goes through with a new proof.
    issuer.rotate_dpop_nonce();
    let challenged = bounded(call_api(&source, &issuer, token.secret())).await;
    assert_eq!(challenged.status(), 401);
    let header = |name: &str| challenged.headers().get(name).and_then(|v| v.to_str().ok());
    assert!(source.accept_dpop_challenge(
        &issuer.api_url(),
        401,
        header("www-authenticate"),
        header("dpop-nonce")
    ));
    assert_eq!(
        bounded(call_api(&source, &issuer, token.secret()))
            .await
            .status(),
        200
    );
    // A nonce from an answer is recorded for the next proof.
    let other = new_source(&issuer, |b| {
        b.client_secret(DEFAULT_CLIENT_SECRET).dpop(true)
    });
    let refused = bounded(call_api(&other, &issuer, token.secret())).await;
    assert_eq!(
        refused.status(),
        401,
        "a proof by another key, without the nonce"
    );
    let nonce = refused.headers()["dpop-nonce"].to_str().unwrap().to_owned();
    other.record_dpop_nonce(&issuer.api_url(), &nonce);
    let proof = other
        .dpop_proof("GET", &issuer.api_url(), None)
        .unwrap()
        .unwrap();
    let claims: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(proof.expose().split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["nonce"], nonce.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_dpop_there_is_no_proof() {
    let issuer = TestIssuer::start().unwrap();
    let source = new_source(&issuer, |b| b.client_secret(DEFAULT_CLIENT_SECRET));
    assert!(
        source
            .dpop_proof("GET", &issuer.api_url(), None)
            .unwrap()
            .is_none()
    );
    assert_eq!(
        bounded(source.token()).await.unwrap().token_type(),
        "Bearer"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_verifier_accepts_a_dpop_bound_token_only_with_its_proof() {
    use m2mauth::runtime::ResourceRequest;
    let issuer = TestIssuer::start().unwrap();
    let api = "https://api.example.com/orders";
    let source = new_source(&issuer, |b| {
        b.client_secret(DEFAULT_CLIENT_SECRET)
            .dpop(true)
            .audience("https://api.example.com")
    });
    let token = bounded(source.token()).await.unwrap();
    let verifier = m2mauth::Verifier::builder()
        .issuer(issuer.issuer_url())
        .audience(["https://api.example.com"])
        .build()
        .unwrap();
    let proof = source
        .dpop_proof("GET", api, Some(token.secret()))
        .unwrap()
        .unwrap();
    let authorization = format!("DPoP {}", token.secret());
    let request = ResourceRequest {
        authorization: &authorization,
        dpop: Some(proof.expose()),
        method: "GET",
        url: api,
    };
    let claims = bounded(verifier.verify_request(&request, &[] as &[&str]))
        .await
        .unwrap();
    assert_eq!(
        claims.dpop_thumbprint(),
        source
            .config()
            .dpop()
            .map(m2mauth::dpop::DpopKey::thumbprint)
    );
    let code = |r: Result<m2mauth::verify::Claims, m2mauth::Error>| r.unwrap_err().code();
    assert_eq!(
        code(bounded(verifier.verify_request(&request, &[] as &[&str])).await),
        ErrorCode::DpopProof,
        "replayed"
    );
    let bearer = format!("Bearer {}", token.secret());
    let as_bearer = ResourceRequest {
        authorization: &bearer,
        dpop: None,
        method: "GET",
        url: api,
    };
    assert_eq!(
        code(bounded(verifier.verify_request(&as_bearer, &[] as &[&str])).await),
        ErrorCode::DpopProof
    );
    assert_eq!(
        code(bounded(verifier.verify(token.secret())).await),
        ErrorCode::DpopProof
    );
    let fresh = source
        .dpop_proof("POST", api, Some(token.secret()))
        .unwrap()
        .unwrap();
    let wrong_method = ResourceRequest {
        dpop: Some(fresh.expose()),
        ..request
    };
    assert_eq!(
        code(bounded(verifier.verify_request(&wrong_method, &[] as &[&str])).await),
        ErrorCode::DpopProof
    );
}
