//! Mutual TLS (RFC 8705) against the test issuer over HTTPS: `ca_file` as
//! the trust anchor, `tls_client_auth` with a CA-issued certificate,
//! `self_signed_tls_client_auth`, certificate-bound tokens, and the
//! configuration errors of mismatched files.

// Tests unwrap freely: a panic is a failed test with its reason.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use m2mauth::{AuthMethod, ErrorCode, TokenSource};
use m2mauth_testkit::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, TestIssuer};
use serde_json::Value;

const BOUND: Duration = Duration::from_secs(20);

/// Writes `text` to a fresh file under the system's temporary directory.
fn file(name: &str, text: &str) -> PathBuf {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    let path = std::env::temp_dir().join(format!("m2mauth-mtls-{}-{n}-{name}", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path
}

fn https_issuer() -> (TestIssuer, PathBuf) {
    let issuer = TestIssuer::builder().tls().start().unwrap();
    let ca = file("ca.pem", issuer.ca_pem().unwrap());
    (issuer, ca)
}

fn cnf(token: &m2mauth::AccessToken) -> Value {
    let claims = token.secret().split('.').nth(1).unwrap();
    serde_json::from_slice::<Value>(&URL_SAFE_NO_PAD.decode(claims).unwrap()).unwrap()["cnf"]
        .clone()
}

async fn bounded<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(BOUND, f)
        .await
        .expect("did not finish within the bound")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_client_auth_gets_a_certificate_bound_token() {
    let (issuer, ca) = https_issuer();
    let (cert, key) = issuer.client_certificate(DEFAULT_CLIENT_ID).unwrap();
    let source = TokenSource::builder()
        .token_url(issuer.token_url())
        .client_id(DEFAULT_CLIENT_ID)
        .auth_method(AuthMethod::TlsClientAuth)
        .client_cert_file(file("cert.pem", &cert))
        .client_key_file(file("key.pem", &key))
        .ca_file(ca)
        .build()
        .unwrap();
    let token = bounded(source.token()).await.unwrap();
    assert!(
        cnf(&token)["x5t#S256"].is_string(),
        "bound to the certificate: {}",
        cnf(&token)
    );
    let body = String::from_utf8(issuer.recorded_requests()[0].body.clone()).unwrap();
    assert_eq!(
        body, "grant_type=client_credentials&client_id=test-client",
        "no secret anywhere"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn self_signed_certificates_and_discovery_work() {
    let (issuer, ca) = https_issuer();
    let (cert, key) = issuer.self_signed_certificate(DEFAULT_CLIENT_ID).unwrap();
    let source = TokenSource::builder()
        .issuer(issuer.issuer_url())
        .client_id(DEFAULT_CLIENT_ID)
        .auth_method(AuthMethod::SelfSignedTlsClientAuth)
        .client_cert_file(file("cert.pem", &cert))
        .client_key_file(file("key.pem", &key))
        .ca_file(ca)
        .build()
        .unwrap();
    let token = bounded(source.token()).await.unwrap();
    assert!(cnf(&token)["x5t#S256"].is_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_issuer_outside_the_trust_anchors_is_a_transport_error() {
    let (issuer, _) = https_issuer();
    let source = TokenSource::builder()
        .token_url(issuer.token_url())
        .client_id(DEFAULT_CLIENT_ID)
        .client_secret(DEFAULT_CLIENT_SECRET)
        .build()
        .unwrap();
    let err = bounded(source.token()).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Transport, "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_not_registered_for_the_client_is_invalid_client() {
    let (issuer, ca) = https_issuer();
    let other = TestIssuer::builder().tls().start().unwrap();
    let (cert, key) = other.client_certificate(DEFAULT_CLIENT_ID).unwrap();
    let source = TokenSource::builder()
        .token_url(issuer.token_url())
        .client_id(DEFAULT_CLIENT_ID)
        .auth_method(AuthMethod::TlsClientAuth)
        .client_cert_file(file("cert.pem", &cert))
        .client_key_file(file("key.pem", &key))
        .ca_file(ca)
        .build()
        .unwrap();
    assert_eq!(
        bounded(source.token()).await.unwrap_err().code(),
        ErrorCode::InvalidClient
    );
}

#[test]
fn mismatched_or_missing_files_are_config_errors_naming_the_option() {
    let (issuer, ca) = https_issuer();
    let (cert, _) = issuer.client_certificate(DEFAULT_CLIENT_ID).unwrap();
    let (_, other_key) = issuer.client_certificate(DEFAULT_CLIENT_ID).unwrap();
    let base = || {
        TokenSource::builder()
            .token_url(issuer.token_url())
            .client_id(DEFAULT_CLIENT_ID)
            .auth_method(AuthMethod::TlsClientAuth)
    };
    let field = |b: m2mauth::TokenSourceBuilder| b.build().unwrap_err().field().unwrap().to_owned();
    assert_eq!(field(base()), "client_cert_file");
    assert_eq!(
        field(base().client_cert_file(file("c.pem", &cert))),
        "client_key_file"
    );
    let mismatch = base()
        .client_cert_file(file("c.pem", &cert))
        .client_key_file(file("k.pem", &other_key))
        .build()
        .unwrap_err();
    assert_eq!(mismatch.field(), Some("client_key_file"));
    assert!(
        mismatch
            .to_string()
            .contains("not the key of the certificate"),
        "{mismatch}"
    );
    assert_eq!(
        field(base().ca_file(file("x.pem", "not a certificate"))),
        "ca_file"
    );
    let _ = ca;
}
