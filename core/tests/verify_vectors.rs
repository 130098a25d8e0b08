//! `tests/vectors/verify/*.json`: a token, the options (keys pinned with
//! `jwks`), a clock and the outcome, claims or the exact error code. Every
//! binding replays them through its public `Verifier`; here each is replayed
//! through the sans-IO `verify_token` at the vector's clock, and the
//! clock-free ones also through the runtime `Verifier`.
//!
//! `M2MAUTH_BLESS=1 cargo test -p m2mauth --test verify_vectors` writes them
//! anew from the keys in `tests/vectors/keys/` (signatures by ECDSA and PSS
//! change; the outcomes do not).

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use m2mauth::config::SigningAlg;
use m2mauth::keys::{SigningKey, compact_jws};
use m2mauth::verify::{VerifierConfigBuilder, verify_token};
use serde_json::{Map, Value, json};

const NOW: u64 = 1_700_000_100;
const ISSUER: &str = "https://idp.example.com";
const AUDIENCE: &str = "https://api.example.com";
/// 2100-01-01: valid at the vector's clock and at any real one.
const FAR: u64 = 4_102_444_800;

fn folder() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/verify")
}

fn key(file: &str) -> SigningKey {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/vectors/keys")
        .join(file);
    let text = std::fs::read(&path).expect("a test key");
    SigningKey::parse(&text).expect("the test key parses")
}

struct Keys {
    rsa: SigningKey,
    p256: SigningKey,
    p384: SigningKey,
    ed: SigningKey,
}

impl Keys {
    fn load() -> Keys {
        Keys {
            rsa: key("rsa-2048.pem"),
            p256: key("ec-p256.pem"),
            p384: key("ec-p384.pem"),
            ed: key("ed25519.pem"),
        }
    }

    fn jwks(&self) -> String {
        let keys: Vec<Value> = [&self.rsa, &self.p256, &self.p384, &self.ed]
            .iter()
            .map(|k| {
                let mut jwk = k.public_jwk();
                jwk.insert("kid".into(), k.kid().into());
                jwk.insert("use".into(), "sig".into());
                Value::Object(jwk)
            })
            .collect();
        json!({ "keys": keys }).to_string()
    }
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn claims() -> Value {
    json!({
        "iss": ISSUER, "aud": AUDIENCE, "sub": "svc", "client_id": "svc",
        "scope": "read write", "iat": 1_700_000_000u64, "exp": FAR, "jti": "vector-1",
    })
}

/// A token signed by `key` with `alg`, header `header` merged over the default.
fn signed(key: &SigningKey, alg: SigningAlg, header: Value, claims: &Value) -> String {
    let mut head = object(json!({ "alg": alg.as_str(), "kid": key.kid(), "typ": "at+jwt" }));
    for (name, value) in object(header) {
        if value.is_null() {
            head.remove(&name);
        } else {
            head.insert(name, value);
        }
    }
    let jws = compact_jws(&head, &object(claims.clone()), |m| key.sign(alg, m)).expect("signs");
    jws.expose().to_owned()
}

fn with(base: &Value, changes: Value) -> Value {
    let mut out = object(base.clone());
    for (name, value) in object(changes) {
        if value.is_null() {
            out.remove(&name);
        } else {
            out.insert(name, value);
        }
    }
    Value::Object(out)
}

struct Vector {
    name: &'static str,
    description: &'static str,
    options: Value,
    token: String,
    clock_free: bool,
    expect: Value,
}

#[allow(clippy::too_many_lines)] // one list of cases, read top to bottom
fn vectors(keys: &Keys) -> Vec<Vector> {
    let options = json!({ "issuer": ISSUER, "audience": [AUDIENCE], "jwks": keys.jwks() });
    let base = claims();
    let ok = |extra: Value| json!({ "claims": with(&json!({"sub": "svc", "iss": ISSUER}), extra) });
    // The stable code (`tests/vectors/error_codes.json`), as every language names it.
    let err = |code: &str| json!({ "error": code.to_ascii_lowercase() });
    let rs = |c: &Value| signed(&keys.rsa, SigningAlg::Rs256, json!({}), c);
    let v = |name, description, token, expect| Vector {
        name,
        description,
        options: options.clone(),
        token,
        clock_free: true,
        expect,
    };
    let tampered_payload = {
        let token = rs(&base);
        let parts: Vec<&str> = token.split('.').collect();
        let forged = B64.encode(with(&base, json!({"sub": "admin"})).to_string());
        format!("{}.{forged}.{}", parts[0], parts[2])
    };
    let tampered_signature = {
        let token = rs(&base);
        let (input, sig) = token.rsplit_once('.').unwrap_or_default();
        let mut bytes = B64.decode(sig).unwrap_or_default();
        if let Some(first) = bytes.first_mut() {
            *first ^= 1;
        }
        format!("{input}.{}", B64.encode(bytes))
    };
    let hmac_with_public_key = {
        let header =
            B64.encode(json!({"alg": "HS256", "kid": keys.rsa.kid(), "typ": "at+jwt"}).to_string());
        let payload = B64.encode(base.to_string());
        let input = format!("{header}.{payload}");
        let public = Value::Object(keys.rsa.public_jwk()).to_string();
        let mac = ring::hmac::sign(
            &ring::hmac::Key::new(ring::hmac::HMAC_SHA256, public.as_bytes()),
            input.as_bytes(),
        );
        format!("{input}.{}", B64.encode(mac.as_ref()))
    };
    let unsigned = format!(
        "{}.{}.",
        B64.encode(json!({"alg": "none", "typ": "at+jwt"}).to_string()),
        B64.encode(base.to_string())
    );
    let mut list = vec![
        v(
            "rs256",
            "RS256 with the RSA key: valid",
            rs(&base),
            ok(json!({"scope": "read write"})),
        ),
        v(
            "ps256",
            "PS256 with the RSA key: valid",
            signed(&keys.rsa, SigningAlg::Ps256, json!({}), &base),
            ok(json!({})),
        ),
        v(
            "es256",
            "ES256 with the P-256 key: valid",
            signed(&keys.p256, SigningAlg::Es256, json!({}), &base),
            ok(json!({})),
        ),
        v(
            "es384",
            "ES384 with the P-384 key: valid",
            signed(&keys.p384, SigningAlg::Es384, json!({}), &base),
            ok(json!({})),
        ),
        v(
            "eddsa",
            "EdDSA with the Ed25519 key: valid",
            signed(&keys.ed, SigningAlg::EdDsa, json!({}), &base),
            ok(json!({})),
        ),
        v(
            "alg-none",
            "alg none, no signature: never accepted",
            unsigned,
            err("TOKEN_ALGORITHM"),
        ),
        v(
            "hs256-keyed-with-the-public-jwk",
            "HS256 whose secret is the RSA key's public JWK (the key-confusion forgery)",
            hmac_with_public_key,
            err("TOKEN_ALGORITHM"),
        ),
        v(
            "tampered-payload",
            "the payload changed after signing",
            tampered_payload,
            err("TOKEN_SIGNATURE"),
        ),
        v(
            "tampered-signature",
            "one bit of the signature flipped",
            tampered_signature,
            err("TOKEN_SIGNATURE"),
        ),
        v(
            "unknown-kid",
            "a kid the JWKS does not have",
            signed(
                &keys.rsa,
                SigningAlg::Rs256,
                json!({"kid": "forged-kid"}),
                &base,
            ),
            err("TOKEN_UNKNOWN_KEY"),
        ),
        v(
            "no-kid-one-fitting-key",
            "no kid: the only key of the right type is used",
            signed(&keys.ed, SigningAlg::EdDsa, json!({"kid": null}), &base),
            ok(json!({})),
        ),
        v(
            "kid-of-another-key-type",
            "the kid names the RSA key, the alg is ES256",
            signed(
                &keys.p256,
                SigningAlg::Es256,
                json!({"kid": keys.rsa.kid()}),
                &base,
            ),
            err("TOKEN_ALGORITHM"),
        ),
        v(
            "aud-list",
            "aud is a list that names this service",
            rs(&with(
                &base,
                json!({"aud": ["https://other.example.com", AUDIENCE]}),
            )),
            ok(json!({})),
        ),
        v(
            "aud-other",
            "aud names another service",
            rs(&with(&base, json!({"aud": "https://other.example.com"}))),
            err("TOKEN_AUDIENCE"),
        ),
        v(
            "aud-missing",
            "no aud at all (aud is required)",
            rs(&with(&base, json!({"aud": null}))),
            err("TOKEN_AUDIENCE"),
        ),
        v(
            "iss-other",
            "iss of another issuer",
            rs(&with(&base, json!({"iss": "https://evil.example.com"}))),
            err("TOKEN_ISSUER"),
        ),
        v(
            "expired",
            "exp long past",
            rs(&with(&base, json!({"exp": 1_600_000_000u64}))),
            err("TOKEN_EXPIRED"),
        ),
        v(
            "exp-missing",
            "no exp (exp is required)",
            rs(&with(&base, json!({"exp": null}))),
            err("TOKEN_CLAIM"),
        ),
        v(
            "exp-as-string",
            "exp as a string, not a NumericDate",
            rs(&with(&base, json!({"exp": FAR.to_string()}))),
            err("TOKEN_CLAIM"),
        ),
        v(
            "nbf-far-future",
            "nbf decades ahead",
            rs(&with(&base, json!({"nbf": 4_000_000_000u64}))),
            err("TOKEN_NOT_YET_VALID"),
        ),
        v(
            "nbf-as-string",
            "nbf as a string",
            rs(&with(&base, json!({"nbf": "1700000000"}))),
            err("TOKEN_CLAIM"),
        ),
        v(
            "typ-jwt",
            "typ JWT is accepted unless strict_typ",
            signed(&keys.rsa, SigningAlg::Rs256, json!({"typ": "JWT"}), &base),
            ok(json!({})),
        ),
        v(
            "typ-id-token",
            "typ of another kind of token",
            signed(
                &keys.rsa,
                SigningAlg::Rs256,
                json!({"typ": "id_token+jwt"}),
                &base,
            ),
            err("TOKEN_TYPE"),
        ),
        v(
            "truncated",
            "two parts only",
            rs(&base)
                .rsplit_once('.')
                .map(|(a, _)| a.to_owned())
                .unwrap_or_default(),
            err("TOKEN_MALFORMED"),
        ),
        v(
            "huge",
            "a 20 KiB token",
            format!(
                "{}.{}.{}",
                "e".repeat(100),
                "x".repeat(20 * 1024),
                "y".repeat(100)
            ),
            err("TOKEN_MALFORMED"),
        ),
        v(
            "not-base64",
            "parts that are not base64url",
            "***.***.***".to_owned(),
            err("TOKEN_MALFORMED"),
        ),
    ];
    let scoped = with(&options, json!({"required_scopes": ["read"]}));
    let stt = with(&options, json!({"required_claims": {"stt": 1}}));
    let strict = with(&options, json!({"strict_typ": true}));
    let es_only = with(&options, json!({"algorithms": ["ES256"]}));
    let more = [
        (
            "scope-granted",
            "required scope in scope",
            scoped.clone(),
            rs(&base),
            ok(json!({})),
        ),
        (
            "scp-list-granted",
            "required scope in scp, a list (Okta, Entra)",
            scoped.clone(),
            rs(&with(
                &base,
                json!({"scope": null, "scp": ["read", "write"]}),
            )),
            ok(json!({})),
        ),
        (
            "scope-missing",
            "the required scope is not granted",
            scoped,
            rs(&with(&base, json!({"scope": "write"}))),
            err("INSUFFICIENT_SCOPE"),
        ),
        (
            "supertokens-stt",
            "SuperTokens stt == 1",
            stt.clone(),
            rs(&with(&base, json!({"stt": 1}))),
            ok(json!({"stt": 1})),
        ),
        (
            "supertokens-stt-string",
            "stt as \"1\" is not 1",
            stt,
            rs(&with(&base, json!({"stt": "1"}))),
            err("TOKEN_CLAIM"),
        ),
        (
            "strict-typ-jwt",
            "strict_typ refuses typ JWT",
            strict,
            signed(&keys.rsa, SigningAlg::Rs256, json!({"typ": "JWT"}), &base),
            err("TOKEN_TYPE"),
        ),
        (
            "algorithm-not-allowed",
            "RS256 when only ES256 is allowed",
            es_only,
            rs(&base),
            err("TOKEN_ALGORITHM"),
        ),
    ];
    for (name, description, options, token, expect) in more {
        list.push(Vector {
            name,
            description,
            options,
            token,
            clock_free: true,
            expect,
        });
    }
    let at = |seconds: i64| NOW.checked_add_signed(seconds).unwrap_or(NOW);
    let edges = [
        (
            "exp-within-leeway",
            "exp 10 s ago, leeway 30 s",
            json!({"exp": at(-10)}),
            ok(json!({})),
        ),
        (
            "exp-beyond-leeway",
            "exp 31 s ago, leeway 30 s",
            json!({"exp": at(-31)}),
            err("TOKEN_EXPIRED"),
        ),
        (
            "nbf-within-leeway",
            "nbf 20 s ahead, leeway 30 s",
            json!({"nbf": at(20)}),
            ok(json!({})),
        ),
        (
            "nbf-beyond-leeway",
            "nbf 40 s ahead, leeway 30 s",
            json!({"nbf": at(40)}),
            err("TOKEN_NOT_YET_VALID"),
        ),
        (
            "iat-future",
            "iat 10 minutes ahead",
            json!({"iat": at(600)}),
            err("TOKEN_NOT_YET_VALID"),
        ),
    ];
    for (name, description, changes, expect) in edges {
        list.push(Vector {
            name,
            description,
            options: options.clone(),
            token: rs(&with(&base, changes)),
            clock_free: false,
            expect,
        });
    }
    list
}

fn to_json(vector: &Vector) -> String {
    let mut text = serde_json::to_string_pretty(&json!({
        "description": vector.description,
        "options": vector.options,
        "token": vector.token,
        "now": NOW,
        "clock_free": vector.clock_free,
        "expect": vector.expect,
    }))
    .expect("JSON");
    text.push('\n');
    text
}

fn load() -> Vec<(String, Value)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder())
        .expect("tests/vectors/verify exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).expect("a vector");
            let name = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("?")
                .to_owned();
            (name, serde_json::from_str(&text).expect("a JSON vector"))
        })
        .collect()
}

/// The outcome as the vectors write it: the expected claims present with
/// their values, or the error's code.
fn outcome_matches(
    expect: &Value,
    got: Result<m2mauth::verify::Claims, m2mauth::Error>,
) -> Result<(), String> {
    match (expect.get("claims"), expect.get("error"), got) {
        (Some(Value::Object(want)), _, Ok(claims)) => want
            .iter()
            .find(|(name, value)| claims.get(name) != Some(value))
            .map_or(Ok(()), |(name, _)| Err(format!("claim {name} differs"))),
        (_, Some(Value::String(code)), Err(error)) if error.code().as_str() == code => Ok(()),
        (_, _, Ok(_)) => Err("accepted, expected an error".to_owned()),
        (_, _, Err(error)) => Err(format!("{} ({error})", error.code().as_str())),
    }
}

#[test]
fn verify_vectors_are_fresh_and_pass() {
    if std::env::var_os("M2MAUTH_BLESS").is_some() {
        let keys = Keys::load();
        std::fs::create_dir_all(folder()).expect("the folder can be made");
        for old in load() {
            let _ = std::fs::remove_file(folder().join(format!("{}.json", old.0)));
        }
        for vector in vectors(&keys) {
            std::fs::write(
                folder().join(format!("{}.json", vector.name)),
                to_json(&vector),
            )
            .expect("the vector is written");
        }
    }
    let vectors = load();
    assert!(vectors.len() >= 35, "the vectors are missing: bless them");
    let mut failures = Vec::new();
    for (name, vector) in &vectors {
        let options = vector["options"].to_string();
        let config = VerifierConfigBuilder::from_json(&options)
            .and_then(VerifierConfigBuilder::build)
            .unwrap_or_else(|e| panic!("{name}: options: {e}"));
        let now =
            SystemTime::UNIX_EPOCH + Duration::from_secs(vector["now"].as_u64().unwrap_or(NOW));
        let token = vector["token"].as_str().unwrap_or_default();
        let keys = config
            .pinned_keys()
            .expect("vectors pin their keys")
            .clone();
        if let Err(why) =
            outcome_matches(&vector["expect"], verify_token(&config, &keys, token, now))
        {
            failures.push(format!("{name} (sans-IO): {why}"));
        }
        if vector["clock_free"] == true {
            let verifier = m2mauth::Verifier::from_json(&options, m2mauth::config::Naming::Snake)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            if let Err(why) = outcome_matches(&vector["expect"], verifier.verify_blocking(token)) {
                failures.push(format!("{name} (Verifier): {why}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_jwks_that_is_not_one_is_a_config_error_naming_the_option() {
    let error = VerifierConfigBuilder::from_json(r#"{"audience": ["a"], "jwks": "{\"keys\": 3}"}"#)
        .and_then(VerifierConfigBuilder::build)
        .map(|_| ())
        .expect_err("a bad JWKS is refused");
    assert_eq!(error.code(), m2mauth::ErrorCode::Config);
    assert!(error.to_string().contains("jwks"), "{error}");
}
