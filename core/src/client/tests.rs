//! Client authentication: the assertions' claims, headers and signatures,
//! and the configuration errors that name what is wrong.

// Tests unwrap freely: a panic is a failed test with its reason.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use super::*;
use crate::config::{Config, ConfigBuilder};

const ENDPOINT: &str = "https://idp.example.com/oauth2/token";

fn key_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/vectors/keys")
        .join(name)
}

fn builder() -> ConfigBuilder {
    Config::builder().token_url(ENDPOINT).client_id("svc")
}

fn with_key(name: &str) -> ConfigBuilder {
    builder()
        .auth_method(AuthMethod::PrivateKeyJwt)
        .private_key_file(key_path(name))
}

fn attempt(seed: u8) -> Attempt {
    Attempt::new(1_700_000_000, [seed; 32])
}

/// The credentials' `client_assertion`, split into header, claims and signing input.
fn assertion(config: &Config, attempt: &Attempt) -> (Value, Value, String) {
    let to = Destination {
        endpoint: ENDPOINT,
        issuer: config.endpoint().issuer(),
    };
    let credentials = config.client_auth().credentials(&to, attempt).unwrap();
    let params: Vec<(&str, &str)> = credentials
        .params
        .iter()
        .map(|(n, v)| (*n, v.expose()))
        .collect();
    assert_eq!(params[0], ("client_id", "svc"));
    assert_eq!(
        params[1],
        (
            "client_assertion_type",
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        )
    );
    assert!(credentials.headers.is_empty(), "no Authorization header");
    let jwt = params[2].1;
    assert!(
        credentials.sensitive.iter().any(|s| s.expose() == jwt),
        "the assertion is scrubbed from answers"
    );
    let parts: Vec<&str> = jwt.split('.').collect();
    let decode =
        |p: &str| serde_json::from_slice::<Value>(&URL_SAFE_NO_PAD.decode(p).unwrap()).unwrap();
    (decode(parts[0]), decode(parts[1]), jwt.to_owned())
}

#[test]
fn private_key_jwt_claims_follow_rfc_7523() {
    let config = with_key("ec-p256.pem").build().unwrap();
    let (header, claims, jwt) = assertion(&config, &attempt(1));
    assert_eq!(header["alg"], "ES256");
    assert_eq!(header["typ"], "JWT");
    assert_eq!(
        header["kid"], "Vro_RDskEP92LZPc8PoqLG8NggElhnN3FyBI0jGLPGY",
        "the RFC 7638 thumbprint"
    );
    assert_eq!(claims["iss"], "svc");
    assert_eq!(claims["sub"], "svc");
    assert_eq!(claims["aud"], ENDPOINT);
    assert_eq!(claims["iat"], 1_700_000_000);
    assert_eq!(claims["exp"], 1_700_000_060);
    assert_eq!(claims["jti"], URL_SAFE_NO_PAD.encode([1u8; 16]));
    // The signature verifies with the key's public point.
    let key = SigningKey::parse(&std::fs::read(key_path("ec-p256.pem")).unwrap()).unwrap();
    let public = key.public_jwk();
    let coordinate = |n: &str| URL_SAFE_NO_PAD.decode(public[n].as_str().unwrap()).unwrap();
    let point = [vec![4u8], coordinate("x"), coordinate("y")].concat();
    let (input, signature) = jwt.rsplit_once('.').unwrap();
    ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_FIXED, point)
        .verify(
            input.as_bytes(),
            &URL_SAFE_NO_PAD.decode(signature).unwrap(),
        )
        .unwrap();
}

#[test]
fn every_attempt_has_its_own_jti() {
    let config = with_key("ed25519.pem").build().unwrap();
    let (_, first, _) = assertion(&config, &attempt(1));
    let (header, second, _) = assertion(&config, &attempt(2));
    assert_ne!(first["jti"], second["jti"]);
    assert_eq!(header["alg"], "EdDSA");
}

#[test]
fn algorithm_kid_and_audience_can_be_chosen() {
    let config = with_key("rsa-2048.pem")
        .signing_alg(SigningAlg::Ps256)
        .key_id("my-key")
        .assertion_audience("https://idp.example.com/")
        .build()
        .unwrap();
    let (header, claims, _) = assertion(&config, &attempt(3));
    assert_eq!(
        (header["alg"].as_str(), header["kid"].as_str()),
        (Some("PS256"), Some("my-key"))
    );
    assert_eq!(claims["aud"], "https://idp.example.com/");

    let config = Config::builder()
        .issuer("https://idp.example.com")
        .client_id("svc")
        .auth_method(AuthMethod::PrivateKeyJwt)
        .private_key_file(key_path("ec-p384.jwk.json"))
        .assertion_audience("issuer")
        .build()
        .unwrap();
    let (header, claims, _) = assertion(&config, &attempt(4));
    assert_eq!(
        claims["aud"], "https://idp.example.com",
        "the issuer as configured"
    );
    assert_eq!(header["alg"], "ES384");
}

#[test]
fn client_secret_jwt_signs_hs256_with_the_secret() {
    let config = builder()
        .auth_method(AuthMethod::ClientSecretJwt)
        .client_secret("a-shared-secret-of-32-bytes-or-more")
        .build()
        .unwrap();
    let (header, claims, jwt) = assertion(&config, &attempt(5));
    assert_eq!(header["alg"], "HS256");
    assert!(header.get("kid").is_none());
    assert_eq!(claims["sub"], "svc");
    let (input, signature) = jwt.rsplit_once('.').unwrap();
    let key = hmac::Key::new(hmac::HMAC_SHA256, b"a-shared-secret-of-32-bytes-or-more");
    hmac::verify(
        &key,
        input.as_bytes(),
        &URL_SAFE_NO_PAD.decode(signature).unwrap(),
    )
    .unwrap();
}

fn config_error(b: ConfigBuilder) -> (String, String) {
    let err = b.build().unwrap_err();
    (err.field().unwrap_or("").to_owned(), err.to_string())
}

#[test]
fn bad_keys_and_mismatches_are_config_errors_naming_the_option() {
    let cases = [
        (
            builder().auth_method(AuthMethod::PrivateKeyJwt),
            "private_key",
            "is required",
        ),
        (
            with_key("rsa-1024.pem"),
            "private_key_file",
            "under 2048 bits",
        ),
        (
            with_key("certificate.pem"),
            "private_key_file",
            "a certificate",
        ),
        (with_key("README.md"), "private_key_file", "neither a PEM"),
        (
            with_key("ec-p256.pem").signing_alg(SigningAlg::Rs256),
            "signing_alg",
            "does not fit",
        ),
        (
            with_key("rsa-2048.pem").signing_alg(SigningAlg::Hs256),
            "signing_alg",
            "client_secret_jwt",
        ),
        (
            builder()
                .client_secret("s")
                .private_key_file(key_path("ec-p256.pem")),
            "private_key_file",
            "set auth_method to private_key_jwt",
        ),
        (
            builder()
                .auth_method(AuthMethod::ClientSecretJwt)
                .client_secret("s")
                .signing_alg(SigningAlg::Es256),
            "signing_alg",
            "HS256",
        ),
        (
            with_key("ec-p256.pem").assertion_audience("issuer"),
            "assertion_audience",
            "no issuer",
        ),
        (
            with_key("ec-p256.pem").assertion_audience("not a url"),
            "assertion_audience",
            "absolute URL",
        ),
    ];
    let pem = std::fs::read_to_string(key_path("ec-p256.pem")).unwrap();
    for (b, field, problem) in cases {
        let (got_field, message) = config_error(b);
        assert_eq!(got_field, field, "{message}");
        assert!(message.contains(problem), "{message}");
        assert!(
            !message.contains(&pem[30..70]),
            "no key material: {message}"
        );
    }
    let missing = with_key("no-such-key.pem").build().unwrap_err();
    assert_eq!(missing.field(), Some("private_key_file"));
}

#[test]
fn debug_never_shows_key_material() {
    let pem = std::fs::read_to_string(key_path("ec-p256.pem")).unwrap();
    let config = builder()
        .auth_method(AuthMethod::PrivateKeyJwt)
        .private_key(pem.as_str())
        .build()
        .unwrap();
    let shown = format!("{:?} {:?}", config, config.client_auth());
    assert!(
        shown.contains("EC P-256") && !shown.contains(&pem[30..70]),
        "{shown}"
    );
}
