//! Keys from the shared fixtures (tests/vectors/keys), checked against
//! thumbprints computed by another implementation (jose).

// Tests unwrap freely: a panic is a failed test with its reason.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use super::*;

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/vectors/keys")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn thumbprint_of(name: &str) -> String {
    let all: Value = serde_json::from_slice(&fixture("thumbprints.json")).unwrap();
    all[name].as_str().unwrap().to_owned()
}

#[test]
fn every_supported_form_parses_to_the_same_key() {
    let forms = [
        (
            "rsa-2048",
            &["rsa-2048.pem", "rsa-2048-pkcs1.pem", "rsa-2048.jwk.json"][..],
            KeyKind::Rsa(2048),
        ),
        (
            "ec-p256",
            &["ec-p256.pem", "ec-p256-sec1.pem", "ec-p256.jwk.json"],
            KeyKind::P256,
        ),
        (
            "ec-p384",
            &["ec-p384.pem", "ec-p384-sec1.pem", "ec-p384.jwk.json"],
            KeyKind::P384,
        ),
        (
            "ed25519",
            &["ed25519.pem", "ed25519.jwk.json"],
            KeyKind::Ed25519,
        ),
    ];
    for (name, files, kind) in forms {
        let keys: Vec<SigningKey> = files
            .iter()
            .map(|f| SigningKey::parse(&fixture(f)).unwrap_or_else(|e| panic!("{f}: {e}")))
            .collect();
        for (file, key) in files.iter().zip(&keys) {
            assert_eq!(key.kind(), kind, "{file}");
            assert_eq!(
                key.thumbprint(),
                thumbprint_of(name),
                "{file}: RFC 7638 thumbprint"
            );
            assert_eq!(
                key.public_bytes(),
                keys[0].public_bytes(),
                "{file}: the same key"
            );
            assert!(key.fits(key.default_alg()));
        }
    }
}

#[test]
fn the_kid_is_the_jwks_own_else_the_thumbprint() {
    let with_kid = SigningKey::parse(&fixture("ec-p256.jwk.json")).unwrap();
    assert_eq!(with_kid.kid(), "client-key-1");
    let pem = SigningKey::parse(&fixture("ec-p256.pem")).unwrap();
    assert_eq!(pem.kid(), thumbprint_of("ec-p256"));
}

#[test]
fn bad_keys_say_what_is_wrong() {
    let cases = [
        ("rsa-1024.pem", "under 2048 bits"),
        ("encrypted.pem", "encrypted"),
        ("certificate.pem", "a certificate"),
        ("ec-p256-public.pem", "a public key"),
        ("ec-secp256k1-sec1.pem", "not on P-256 or P-384"),
        ("README.md", "neither a PEM private key"),
    ];
    for (file, problem) in cases {
        let err = SigningKey::parse(&fixture(file)).unwrap_err();
        assert!(err.contains(problem), "{file}: {err}");
    }
    let public_jwk = r#"{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}"#;
    assert!(
        SigningKey::parse(public_jwk.as_bytes())
            .unwrap_err()
            .contains("public JWK")
    );
    let two = r#"{"keys":[{"kty":"OKP"},{"kty":"OKP"}]}"#;
    assert!(
        SigningKey::parse(two.as_bytes())
            .unwrap_err()
            .contains("exactly one key")
    );
    let oct = r#"{"kty":"oct","k":"c2VjcmV0","d":"x"}"#;
    assert!(
        SigningKey::parse(oct.as_bytes())
            .unwrap_err()
            .contains("does not sign with")
    );
    let text = String::from_utf8(fixture("ec-p256.pem")).unwrap();
    let broken = text.replace('A', "B");
    let err = SigningKey::parse(broken.as_bytes()).unwrap_err();
    assert!(
        !err.contains(&text[40..60]),
        "no key material in the message"
    );
}

#[test]
fn algorithms_must_fit_the_key() {
    let rsa = SigningKey::parse(&fixture("rsa-2048.pem")).unwrap();
    assert!(
        rsa.fits(SigningAlg::Ps256) && !rsa.fits(SigningAlg::Es256) && !rsa.fits(SigningAlg::Hs256)
    );
    let ec = SigningKey::parse(&fixture("ec-p384.pem")).unwrap();
    assert!(ec.fits(SigningAlg::Es384) && !ec.fits(SigningAlg::Es256));
}

#[test]
fn signatures_verify_with_the_public_jwk() {
    for (file, alg) in [
        ("rsa-2048.pem", SigningAlg::Rs256),
        ("rsa-2048.pem", SigningAlg::Ps256),
        ("ec-p256.pem", SigningAlg::Es256),
        ("ec-p384.pem", SigningAlg::Es384),
        ("ed25519.pem", SigningAlg::EdDsa),
    ] {
        let key = SigningKey::parse(&fixture(file)).unwrap();
        let mut header = Map::new();
        header.insert("alg".into(), alg.as_str().into());
        header.insert("kid".into(), key.kid().into());
        let claims =
            serde_json::json!({"iss": "https://idp.test", "aud": "api", "exp": 4_102_444_800_u64});
        let Value::Object(claims) = claims else {
            unreachable!()
        };
        let jws = compact_jws(&header, &claims, |m| key.sign(alg, m)).unwrap();
        let mut public = key.public_jwk();
        public.insert("kid".into(), key.kid().into());
        let document = serde_json::json!({"keys": [public]}).to_string();
        let set = crate::verify::parse_jwks(document.as_bytes()).unwrap();
        let config = crate::verify::VerifierConfigBuilder::default()
            .issuer("https://idp.test")
            .audience(["api"])
            .build()
            .unwrap();
        let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
        let verified = crate::verify::verify_token(&config, &set, jws.expose(), at);
        assert!(verified.is_ok(), "{file} {alg}: {verified:?}");
    }
}

#[test]
fn debug_shows_the_kind_and_kid_only() {
    let key = SigningKey::parse(&fixture("ed25519.pem")).unwrap();
    assert_eq!(
        format!("{key:?}"),
        format!("SigningKey(an Ed25519 key, kid {:?})", key.kid())
    );
}
