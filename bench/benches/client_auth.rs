//! What key-based client authentication costs per token request, beside a
//! plain secret: the request built (sans-IO) with `client_secret_basic`,
//! `client_secret_jwt` (HS256), `private_key_jwt` (RS256, ES256, EdDSA),
//! and with a DPoP proof; a DPoP proof for a resource request; and the
//! cached `token()` hot path with DPoP on, which must not change.

use std::future::Future;
use std::hint::black_box;
use std::path::PathBuf;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use criterion::{Criterion, criterion_group, criterion_main};
use m2mauth::protocol::{Attempt, build_token_request};
use m2mauth::{AuthMethod, Config, TokenSource};
use m2mauth_testkit::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, TestIssuer};

const TOKEN_URL: &str = "https://idp.example.com/oauth2/token";

fn key(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/vectors/keys")
        .join(name)
}

fn ready<F: Future>(future: F) -> F::Output {
    let mut cx = Context::from_waker(Waker::noop());
    match pin!(future).poll(&mut cx) {
        Poll::Ready(value) => value,
        Poll::Pending => panic!("the cached path must not wait"),
    }
}

fn base() -> m2mauth::ConfigBuilder {
    Config::builder().token_url(TOKEN_URL).client_id("svc")
}

fn token_requests(c: &mut Criterion) {
    let url = url::Url::parse(TOKEN_URL).expect("a URL");
    let configs: Vec<(&str, Config)> = vec![
        (
            "client_secret_basic",
            base().client_secret("a-secret-of-32-bytes-or-so-12345"),
        ),
        (
            "client_secret_basic + DPoP proof (ES256)",
            base()
                .client_secret("a-secret-of-32-bytes-or-so-12345")
                .dpop(true),
        ),
        (
            "client_secret_jwt HS256",
            base()
                .auth_method(AuthMethod::ClientSecretJwt)
                .client_secret("a-secret-of-32-bytes-or-so-12345"),
        ),
        (
            "private_key_jwt RS256",
            base()
                .auth_method(AuthMethod::PrivateKeyJwt)
                .private_key_file(key("rsa-2048.pem")),
        ),
        (
            "private_key_jwt ES256",
            base()
                .auth_method(AuthMethod::PrivateKeyJwt)
                .private_key_file(key("ec-p256.pem")),
        ),
        (
            "private_key_jwt EdDSA",
            base()
                .auth_method(AuthMethod::PrivateKeyJwt)
                .private_key_file(key("ed25519.pem")),
        ),
    ]
    .into_iter()
    .map(|(name, builder)| (name, builder.build().expect("a valid configuration")))
    .collect();
    let mut group = c.benchmark_group("token request built (sans-IO)");
    for (name, config) in &configs {
        let mut n = 0u64;
        group.bench_function(*name, |b| {
            b.iter(|| {
                n += 1;
                let mut randomness = [0u8; 32];
                randomness[..8].copy_from_slice(&n.to_le_bytes());
                let attempt = Attempt::new(1_700_000_000, randomness);
                black_box(build_token_request(config, &url, &attempt).expect("a request"))
            });
        });
    }
    group.finish();
}

fn dpop_at_the_resource(c: &mut Criterion) {
    let issuer = TestIssuer::start().expect("the test issuer starts");
    let build = |dpop: bool| {
        let source = TokenSource::builder()
            .token_url(issuer.token_url())
            .client_id(DEFAULT_CLIENT_ID)
            .client_secret(DEFAULT_CLIENT_SECRET)
            .dpop(dpop)
            .build()
            .expect("a valid configuration");
        source.token_blocking().expect("a first token");
        source
    };
    let (plain, bound) = (build(false), build(true));
    let token = bound.token_blocking().expect("a DPoP-bound token");
    let mut group = c.benchmark_group("DPoP");
    group.bench_function("dpop_proof(GET, url, token) for a resource request", |b| {
        b.iter(|| {
            black_box(
                bound
                    .dpop_proof(
                        "GET",
                        "https://api.example.com/invoices?page=2",
                        Some(token.secret()),
                    )
                    .expect("a proof"),
            )
        });
    });
    group.bench_function("cached token(), Bearer", |b| {
        b.iter(|| black_box(ready(plain.token()).expect("cached")));
    });
    group.bench_function("cached token(), DPoP on", |b| {
        b.iter(|| black_box(ready(bound.token()).expect("cached")));
    });
    group.finish();
}

criterion_group!(benches, token_requests, dpop_at_the_resource);
criterion_main!(benches);
