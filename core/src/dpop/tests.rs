//! DPoP proofs: header and claims as RFC 9449 §4.2 lists them, the
//! signature against the embedded key, the thumbprint, and nonces.

// Tests unwrap freely: a panic is a failed test with its reason.
#![allow(clippy::unwrap_used)]

use super::*;

fn decode(part: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

#[test]
fn a_proof_has_the_claims_of_rfc_9449() {
    let key = DpopKey::generate().unwrap();
    let attempt = Attempt::new(1_700_000_000, [3; 32]).with_dpop_nonce(Some("n-1".into()));
    let proof = key
        .proof(
            "post",
            "https://idp.example.com/token?x=1#f",
            &attempt,
            Some("tok"),
        )
        .unwrap();
    let parts: Vec<&str> = proof.expose().split('.').collect();
    let (header, claims) = (decode(parts[0]), decode(parts[1]));
    assert_eq!(header["typ"], "dpop+jwt");
    assert_eq!(header["alg"], "ES256");
    assert!(header["jwk"].get("d").is_none(), "only the public key");
    assert_eq!(claims["htm"], "POST");
    assert_eq!(claims["htu"], "https://idp.example.com/token");
    assert_eq!(claims["iat"], 1_700_000_000);
    assert_eq!(claims["nonce"], "n-1");
    assert_eq!(claims["jti"], URL_SAFE_NO_PAD.encode([3u8; 16]));
    let ath = URL_SAFE_NO_PAD.encode(ring::digest::digest(&ring::digest::SHA256, b"tok"));
    assert_eq!(claims["ath"], ath.as_str());
    // The signature verifies with the embedded JWK.
    let jwk = &header["jwk"];
    let coordinate = |n: &str| URL_SAFE_NO_PAD.decode(jwk[n].as_str().unwrap()).unwrap();
    let point = [vec![4u8], coordinate("x"), coordinate("y")].concat();
    let (input, signature) = proof.expose().rsplit_once('.').unwrap();
    ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_FIXED, point)
        .verify(
            input.as_bytes(),
            &URL_SAFE_NO_PAD.decode(signature).unwrap(),
        )
        .unwrap();
    // And the thumbprint is the embedded JWK's.
    let canonical = format!(
        r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
        jwk["x"].as_str().unwrap(),
        jwk["y"].as_str().unwrap()
    );
    let jkt = URL_SAFE_NO_PAD.encode(ring::digest::digest(
        &ring::digest::SHA256,
        canonical.as_bytes(),
    ));
    assert_eq!(key.thumbprint(), jkt);
}

#[test]
fn without_a_token_or_nonce_there_is_no_ath_or_nonce() {
    let key = DpopKey::generate().unwrap();
    let proof = key
        .proof(
            "GET",
            "https://api.example/x",
            &Attempt::new(1, [0; 32]),
            None,
        )
        .unwrap();
    let claims = decode(proof.expose().split('.').nth(1).unwrap());
    assert!(claims.get("ath").is_none() && claims.get("nonce").is_none());
}

#[test]
fn keys_from_files_sign_with_their_algorithm() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/keys/ed25519.pem");
    let key = DpopKey::parse(&std::fs::read(path).unwrap()).unwrap();
    let proof = key
        .proof(
            "GET",
            "https://api.example/x",
            &Attempt::new(1, [0; 32]),
            None,
        )
        .unwrap();
    assert_eq!(
        decode(proof.expose().split('.').next().unwrap())["alg"],
        "EdDSA"
    );
    assert!(format!("{key:?}").starts_with("DpopKey(an Ed25519 key EdDSA, jkt "));
}

#[test]
fn nonces_are_kept_per_origin_and_checked() {
    let mut nonces = Nonces::default();
    nonces.record("https://idp.example.com/token", "abc");
    assert_eq!(
        nonces.for_url("https://idp.example.com/other?q").as_deref(),
        Some("abc")
    );
    assert_eq!(nonces.for_url("https://idp.example.com:8443/token"), None);
    nonces.record("https://idp.example.com/token", "has space");
    assert_eq!(
        nonces.for_url("https://idp.example.com/").as_deref(),
        Some("abc"),
        "invalid nonce ignored"
    );
    for i in 0..1000 {
        nonces.record(&format!("https://h{i}.example/"), "n");
    }
    assert!(nonces.by_origin.len() <= 256);
}
