//! JWT verification against a known Ed25519 key. Three kinds of input: any
//! text as a token; a header and a payload the fuzzer writes, signed with the
//! real key (so every claim rule is reached); and the same signed with
//! HS256 keyed by the public JWKS (the key-confusion forgery). Oracle: a
//! token passes only when its claims truly satisfy the rules, and a forged
//! one never does.
#![no_main]

use std::sync::LazyLock;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use libfuzzer_sys::fuzz_target;
use m2mauth::verify::{KeySet, VerifierConfig, VerifierConfigBuilder, verify_token};
use ring::signature::{Ed25519KeyPair, KeyPair as _};
use serde_json::Value;

const NOW: u64 = 1_700_000_000;
const LEEWAY: u64 = 30;

struct Fixture {
    key: Ed25519KeyPair,
    jwks: String,
    keys: KeySet,
    config: VerifierConfig,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let key = Ed25519KeyPair::from_seed_unchecked(&[42; 32]).expect("a 32-byte seed");
    let x = B64.encode(key.public_key().as_ref());
    let jwks = format!(r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","kid":"k1","x":"{x}"}}]}}"#);
    let keys = m2mauth::verify::parse_jwks(jwks.as_bytes()).expect("the fixture's JWKS");
    let config = VerifierConfigBuilder::default()
        .issuer("https://idp.example.com")
        .jwks_url("https://idp.example.com/jwks")
        .audience(["https://api.example.com"])
        .required_scopes(["read"])
        .build()
        .expect("the fixture's configuration");
    Fixture {
        key,
        jwks,
        keys,
        config,
    }
});

fn words(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(text)) => text.split(' ').map(str::to_owned).collect(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

/// What the rules say about claims that passed.
fn assert_acceptable(header: &Value, payload: &Value) {
    assert_eq!(header["alg"], "EdDSA", "only the key's algorithm passes");
    let exp = payload["exp"]
        .as_f64()
        .expect("exp is required and numeric");
    assert!(exp + LEEWAY as f64 > NOW as f64, "an expired token passed");
    if let Some(nbf) = payload.get("nbf") {
        let nbf = nbf.as_f64().expect("nbf is numeric when present");
        assert!(nbf <= (NOW + LEEWAY) as f64, "a token not yet valid passed");
    }
    let iss = payload["iss"].as_str().expect("iss is required");
    assert_eq!(iss.trim_end_matches('/'), "https://idp.example.com");
    let audience = match &payload["aud"] {
        Value::String(one) => vec![one.clone()],
        other => words(Some(other)),
    };
    assert!(
        audience.iter().any(|a| a == "https://api.example.com"),
        "wrong aud passed"
    );
    let scopes = [words(payload.get("scope")), words(payload.get("scp"))].concat();
    assert!(
        scopes.iter().any(|s| s == "read"),
        "a token without the scope passed"
    );
}

fuzz_target!(|data: &[u8]| {
    let fixture = &*FIXTURE;
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(NOW);
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 3 == 0 {
        let Ok(token) = std::str::from_utf8(rest) else {
            return;
        };
        // Nobody without the key can sign: any text that passes is a bug.
        assert!(
            verify_token(&fixture.config, &fixture.keys, token, now).is_err(),
            "an unsigned token passed"
        );
        return;
    }
    let mut parts = rest.splitn(2, |&b| b == 0);
    let (header, payload) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    let input = format!("{}.{}", B64.encode(header), B64.encode(payload));
    let signature = if mode % 3 == 1 {
        fixture.key.sign(input.as_bytes()).as_ref().to_vec()
    } else {
        let hmac = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, fixture.jwks.as_bytes());
        ring::hmac::sign(&hmac, input.as_bytes()).as_ref().to_vec()
    };
    let token = format!("{input}.{}", B64.encode(signature));
    let Ok(claims) = verify_token(&fixture.config, &fixture.keys, &token, now) else {
        return;
    };
    assert_eq!(
        mode % 3,
        1,
        "an HMAC forgery keyed by the public JWKS passed"
    );
    let header: Value =
        serde_json::from_slice(header).expect("a token that passed has a JSON header");
    let payload: Value =
        serde_json::from_slice(payload).expect("a token that passed has a JSON payload");
    assert_acceptable(&header, &payload);
    assert_eq!(claims.raw().get("iss"), payload.get("iss"));
});
