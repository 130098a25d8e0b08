//! Verifying a JWT access token as a service does on every request, for
//! RS256, ES256 and EdDSA: m2mauth's `Verifier` (warm JWKS cache, every
//! claim rule), the sans-IO `verify_token` beneath it, `jsonwebtoken` (what
//! Rust users pick; ring inside too), and the floor: ring's signature check
//! alone on the same bytes.

use std::hint::black_box;
use std::io::{Read as _, Write as _};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use criterion::{Criterion, criterion_group, criterion_main};
use m2mauth::Verifier;
use m2mauth_testkit::{Alg, Mint, TestIssuer};
use ring::signature::{self, UnparsedPublicKey};
use serde_json::{Value, json};

const AUDIENCE: &str = "https://api.example.com";

/// The issuer's JWKS, read over plain HTTP/1.1 from the loopback issuer.
fn jwks_of(issuer: &TestIssuer) -> Value {
    let url = url::Url::parse(&issuer.jwks_url()).expect("the JWKS URL");
    let address = format!(
        "{}:{}",
        url.host_str().unwrap_or("127.0.0.1"),
        url.port().unwrap_or(80)
    );
    let mut stream = std::net::TcpStream::connect(address).expect("the issuer listens");
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        url.path()
    );
    stream.write_all(request.as_bytes()).expect("request sent");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("answer read");
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .unwrap_or_default();
    serde_json::from_str(body).expect("the JWKS is JSON")
}

fn b64(value: &Value) -> Vec<u8> {
    B64.decode(value.as_str().unwrap_or_default())
        .expect("base64url")
}

/// The bare signature check of `token` with the JWKS key `jwk`.
fn ring_check(alg: Alg, jwk: &Value, token: &str) -> bool {
    let Some((input, sig)) = token.rsplit_once('.') else {
        return false;
    };
    let Ok(sig) = B64.decode(sig) else {
        return false;
    };
    match alg {
        Alg::Rs256 | Alg::Ps256 => {
            let key = signature::RsaPublicKeyComponents {
                n: b64(&jwk["n"]),
                e: b64(&jwk["e"]),
            };
            key.verify(
                &signature::RSA_PKCS1_2048_8192_SHA256,
                input.as_bytes(),
                &sig,
            )
            .is_ok()
        }
        Alg::Es256 => {
            let point = [&[4u8][..], &b64(&jwk["x"]), &b64(&jwk["y"])].concat();
            UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point)
                .verify(input.as_bytes(), &sig)
                .is_ok()
        }
        Alg::EdDsa => UnparsedPublicKey::new(&signature::ED25519, b64(&jwk["x"]))
            .verify(input.as_bytes(), &sig)
            .is_ok(),
    }
}

fn verify(c: &mut Criterion) {
    let issuer = TestIssuer::start().expect("the test issuer starts");
    let jwks = jwks_of(&issuer);
    let keys = m2mauth::verify::parse_jwks(jwks.to_string().as_bytes()).expect("our JWKS");
    let verifier = Verifier::builder()
        .issuer(issuer.issuer_url())
        .audience([AUDIENCE])
        .required_scopes(["read"])
        .build()
        .expect("a verifier");
    let config = m2mauth::verify::VerifierConfigBuilder::default()
        .issuer(issuer.issuer_url())
        .jwks_url(issuer.jwks_url())
        .audience([AUDIENCE])
        .required_scopes(["read"])
        .build()
        .expect("a sans-IO verifier configuration");
    let peer_keys: jsonwebtoken::jwk::JwkSet =
        serde_json::from_value(jwks.clone()).expect("jsonwebtoken reads the JWKS");
    #[allow(clippy::disallowed_methods)] // a benchmark's tokens expire in real time
    let now = std::time::SystemTime::now();
    let unix = now
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let claims = json!({
        "iss": issuer.issuer_url(), "aud": AUDIENCE, "sub": "svc", "client_id": "svc",
        "scope": "read write", "iat": unix, "exp": unix + 3600, "jti": "bench-1",
    });

    for alg in [Alg::Rs256, Alg::Es256, Alg::EdDsa] {
        let token = issuer
            .mint(
                &claims,
                &Mint {
                    alg: Some(alg),
                    ..Mint::default()
                },
            )
            .expect("a token");
        let header: Value =
            serde_json::from_slice(&b64(&json!(token.split('.').next()))).expect("header");
        let kid = header["kid"].as_str().unwrap_or_default();
        let jwk = jwks["keys"]
            .as_array()
            .and_then(|keys| keys.iter().find(|k| k["kid"] == kid))
            .expect("the signing key is published")
            .clone();
        let peer_jwk = peer_keys.find(kid).expect("jsonwebtoken finds the key");
        let peer_key = jsonwebtoken::DecodingKey::from_jwk(peer_jwk).expect("a decoding key");
        let peer_alg = match alg {
            Alg::Rs256 | Alg::Ps256 => jsonwebtoken::Algorithm::RS256,
            Alg::Es256 => jsonwebtoken::Algorithm::ES256,
            Alg::EdDsa => jsonwebtoken::Algorithm::EdDSA,
        };
        let mut validation = jsonwebtoken::Validation::new(peer_alg);
        validation.set_audience(&[AUDIENCE]);
        validation.set_issuer(&[issuer.issuer_url()]);
        verifier
            .verify_blocking(&token)
            .expect("m2mauth accepts the token");
        jsonwebtoken::decode::<Value>(&token, &peer_key, &validation)
            .expect("jsonwebtoken accepts it");
        assert!(ring_check(alg, &jwk, &token), "ring accepts the signature");

        let mut group = c.benchmark_group(format!("verify {}", alg.as_str()));
        group.bench_function("m2mauth Verifier::verify_blocking", |b| {
            b.iter(|| black_box(verifier.verify_blocking(black_box(&token)).expect("valid")));
        });
        group.bench_function("m2mauth verify::verify_token (sans-IO)", |b| {
            b.iter(|| {
                black_box(
                    m2mauth::verify::verify_token(&config, &keys, black_box(&token), now)
                        .expect("valid"),
                )
            });
        });
        group.bench_function("jsonwebtoken decode (aud, iss, exp)", |b| {
            b.iter(|| {
                let data = jsonwebtoken::decode::<Value>(black_box(&token), &peer_key, &validation)
                    .expect("valid");
                // The scope rule m2mauth also applies, by hand.
                black_box(
                    data.claims["scope"]
                        .as_str()
                        .is_some_and(|s| s.split(' ').any(|w| w == "read")),
                )
            });
        });
        group.bench_function("floor: ring signature check alone", |b| {
            b.iter(|| black_box(ring_check(alg, &jwk, black_box(&token))));
        });
        group.finish();
    }
}

criterion_group!(benches, verify);
criterion_main!(benches);
