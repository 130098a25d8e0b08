//! Key-based client authentication, DPoP and mTLS against an IdP someone
//! else wrote and certified: panva's `oidc-provider` (see
//! tests/interop/oidc-provider/server.mjs for its clients and keys).

// Tests unwrap freely: a panic is a failed test with its reason.
#![allow(clippy::unwrap_used)]

mod oidc_provider;

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use m2mauth::config::SigningAlg;
use m2mauth::{AuthMethod, ErrorCode, TokenSource, TokenSourceBuilder, Verifier};
use oidc_provider::{OidcProvider, dir, key_file};
use serde_json::Value;

const BOUND: Duration = Duration::from_secs(20);
const API: &str = "https://api.example.test";

async fn bounded<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(BOUND, f)
        .await
        .expect("finished within the bound")
}

fn claims(token: &m2mauth::AccessToken) -> Value {
    let part = token.secret().split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

fn key_client(idp: &OidcProvider, client_id: &str, key: &str) -> TokenSourceBuilder {
    TokenSource::builder()
        .issuer(&idp.issuer)
        .client_id(client_id)
        .auth_method(AuthMethod::PrivateKeyJwt)
        .private_key_file(key_file(key))
        .resources([API])
}

/// The provider's DPoP client (nonces required), for the API.
fn dpop_client(idp: &OidcProvider) -> TokenSource {
    TokenSource::builder()
        .issuer(&idp.issuer)
        .client_id("dpop-client")
        .client_secret("dpop-secret")
        .dpop(true)
        .resources([API])
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_key_jwt_with_rsa_ec_and_ed25519_keys() {
    let idp = OidcProvider::start(3600);
    let cases = [
        key_client(&idp, "rsa-key-client", "rsa-2048.pem"),
        key_client(&idp, "rsa-key-client", "rsa-2048-pkcs1.pem").signing_alg(SigningAlg::Ps256),
        key_client(&idp, "ec-key-client", "ec-p256.jwk.json"),
        key_client(&idp, "ec-key-client", "ec-p256-sec1.pem").key_id("client-key-1"),
        key_client(&idp, "ed-key-client", "ed25519.pem"),
        key_client(&idp, "rsa-key-client", "rsa-2048.pem").assertion_audience("issuer"),
    ];
    for (i, builder) in cases.into_iter().enumerate() {
        let token = bounded(builder.build().unwrap().token()).await;
        let token = token.unwrap_or_else(|e| panic!("case {i}: {e}"));
        assert_eq!(claims(&token)["aud"], API, "case {i}");
    }
    assert_eq!(idp.token_requests().await, 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_the_provider_does_not_know_is_invalid_client() {
    let idp = OidcProvider::start(3600);
    let source = key_client(&idp, "rsa-key-client", "ec-p256.pem")
        .build()
        .unwrap();
    let err = bounded(source.token()).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidClient);
    assert_eq!(err.description(), Some("client authentication failed"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_secret_jwt() {
    let idp = OidcProvider::start(3600);
    let source = TokenSource::builder()
        .token_url(format!("{}/token", idp.issuer))
        .client_id("jwt-secret-client")
        .client_secret("jwt-secret-client-secret-0123456789abcdef")
        .auth_method(AuthMethod::ClientSecretJwt)
        .scopes(["api:read"])
        .build()
        .unwrap();
    let token = bounded(source.token()).await.unwrap();
    assert_eq!(token.scopes(), ["api:read"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dpop_with_a_required_nonce_binds_the_token() {
    let idp = OidcProvider::start(3600);
    let source = dpop_client(&idp);
    let token = bounded(source.token()).await.unwrap();
    assert_eq!(token.token_type(), "DPoP");
    let jkt = claims(&token)["cnf"]["jkt"].as_str().unwrap().to_owned();
    assert_eq!(
        Some(jkt.as_str()),
        source
            .config()
            .dpop()
            .map(m2mauth::dpop::DpopKey::thumbprint)
    );
    assert_eq!(
        idp.token_requests().await,
        2,
        "use_dpop_nonce, then the retry"
    );
    // Keys from a file, with a client that does not require nonces.
    let from_file = key_client(&idp, "ec-key-client", "ec-p256.jwk.json")
        .dpop_key_file(key_file("ed25519.pem"))
        .build()
        .unwrap();
    let token = bounded(from_file.token()).await.unwrap();
    assert_eq!(token.token_type(), "DPoP");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_key_jwt_introspection_and_revocation() {
    let idp = OidcProvider::start(3600);
    let opaque = "https://opaque.example.test";
    let source = TokenSource::builder()
        .issuer(&idp.issuer)
        .client_id("ec-key-client")
        .auth_method(AuthMethod::PrivateKeyJwt)
        .private_key_file(key_file("ec-p256.jwk.json"))
        .resources([opaque])
        .build()
        .unwrap();
    let token = bounded(source.token()).await.unwrap();
    let verifier = Verifier::builder()
        .issuer(&idp.issuer)
        .audience([opaque])
        .client_id("rsa-key-client")
        .auth_method(AuthMethod::PrivateKeyJwt)
        .private_key_file(key_file("rsa-2048.pem"))
        .build()
        .unwrap();
    let answer = bounded(verifier.introspect(token.secret())).await.unwrap();
    assert!(answer.active, "{:?}", answer.claims);
    assert_eq!(answer.claims["client_id"], "ec-key-client");
    bounded(source.revoke(token.secret())).await.unwrap();
    let fresh = Verifier::builder()
        .issuer(&idp.issuer)
        .audience([opaque])
        .client_id("ec-key-client")
        .auth_method(AuthMethod::PrivateKeyJwt)
        .private_key_file(key_file("ec-p256.jwk.json"))
        .build()
        .unwrap();
    assert!(
        !bounded(fresh.introspect(token.secret()))
            .await
            .unwrap()
            .active
    );
}

fn mtls_client(idp: &OidcProvider, client_id: &str, method: AuthMethod) -> TokenSource {
    let tls = dir().join("tls");
    TokenSource::builder()
        .issuer(&idp.issuer)
        .client_id(client_id)
        .auth_method(method)
        .client_cert_file(tls.join(format!("{client_id}.pem")))
        .client_key_file(tls.join(format!("{client_id}-key.pem")))
        .ca_file(idp.ca_file.clone().unwrap())
        .resources([API])
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mtls_clients_get_certificate_bound_tokens_through_the_aliases() {
    let idp = OidcProvider::start_tls();
    for (client_id, method) in [
        ("mtls-client", AuthMethod::TlsClientAuth),
        ("self-signed-client", AuthMethod::SelfSignedTlsClientAuth),
    ] {
        let token = bounded(mtls_client(&idp, client_id, method).token()).await;
        let token = token.unwrap_or_else(|e| panic!("{client_id}: {e}"));
        assert!(claims(&token)["cnf"]["x5t#S256"].is_string(), "{client_id}");
    }
}

/// The provider's own RFC 9068 access tokens (ES256, signed with its JWKS,
/// found through discovery) pass our verifier; tampered ones, another
/// audience and a DPoP-bound token without its proof do not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_providers_jwt_access_tokens_verify_and_forgeries_do_not() {
    let idp = OidcProvider::start(3600);
    let source = key_client(&idp, "rsa-key-client", "rsa-2048.pem")
        .build()
        .unwrap();
    let token = bounded(source.token()).await.unwrap();
    let verifier = Verifier::builder()
        .issuer(&idp.issuer)
        .audience([API])
        .strict_typ(true)
        .build()
        .unwrap();
    let checked = bounded(verifier.verify(token.secret())).await.unwrap();
    assert_eq!(checked.client_id(), Some("rsa-key-client"));
    assert_eq!(checked.issuer(), Some(idp.issuer.as_str()));
    assert_eq!(checked.audience(), vec![API]);

    let parts: Vec<&str> = token.secret().split('.').collect();
    let mut payload = claims(&token);
    payload["client_id"] = "someone-else".into();
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(payload.to_string()),
        parts[2]
    );
    let refused = bounded(verifier.verify(&forged)).await.unwrap_err();
    assert_eq!(refused.code(), ErrorCode::TokenSignature);
    let elsewhere = Verifier::builder()
        .issuer(&idp.issuer)
        .audience(["https://other.example.test"])
        .build()
        .unwrap();
    let refused = bounded(elsewhere.verify(token.secret())).await.unwrap_err();
    assert_eq!(refused.code(), ErrorCode::TokenAudience);

    // A DPoP-bound token (cnf.jkt) needs a proof of its key for this request.
    let bound = dpop_client(&idp);
    let token = bounded(bound.token()).await.unwrap();
    let url = "https://api.example.test/invoices";
    let proof = bound
        .dpop_proof("GET", url, Some(token.secret()))
        .unwrap()
        .unwrap();
    let authorization = format!("DPoP {}", token.secret());
    let request = m2mauth::runtime::ResourceRequest {
        authorization: &authorization,
        dpop: Some(proof.expose()),
        method: "GET",
        url,
    };
    let checked = bounded(verifier.verify_request(&request, &[] as &[&str]))
        .await
        .unwrap();
    assert_eq!(checked.client_id(), Some("dpop-client"));
    let without = m2mauth::runtime::ResourceRequest {
        dpop: None,
        ..request
    };
    let refused = bounded(verifier.verify_request(&without, &[] as &[&str]))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::DpopProof);
}
