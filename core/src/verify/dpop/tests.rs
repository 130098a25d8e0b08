//! Proofs made by the client side (`crate::dpop::DpopKey`) judged by the
//! resource side: the happy path, and each rule broken on its own.

// Tests unwrap freely: a panic is a failed test with its reason.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::*;
use crate::dpop::DpopKey;
use crate::protocol::Attempt;

const URL: &str = "https://api.example.com/orders";
const NOW: u64 = 1_700_000_000;

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

fn proof(key: &DpopKey, method: &str, url: &str, token: &str, iat: u64, seed: u8) -> String {
    key.proof(method, url, &Attempt::new(iat, [seed; 32]), Some(token))
        .unwrap()
        .expose()
        .to_owned()
}

fn check(
    presented: &Presented<'_>,
    token: &str,
    jkt: &str,
    replay: &mut ReplayCache,
) -> Result<(), Error> {
    check_proof(
        presented,
        token,
        jkt,
        (at(NOW), Duration::from_secs(30)),
        &Algorithm::ALL,
        replay,
    )
}

#[test]
fn a_proof_by_the_bound_key_for_this_request_passes_once() {
    let key = DpopKey::generate().unwrap();
    let p = proof(
        &key,
        "GET",
        "https://api.example.com/orders?page=2",
        "tok",
        NOW,
        1,
    );
    let presented = Presented {
        method: "GET",
        url: "https://api.example.com/orders?page=3",
        proof: Some(&p),
    };
    let mut replay = ReplayCache::default();
    assert_eq!(
        check(&presented, "tok", key.thumbprint(), &mut replay).map_err(|e| e.to_string()),
        Ok(())
    );
    let again = check(&presented, "tok", key.thumbprint(), &mut replay).unwrap_err();
    assert!(again.to_string().contains("replayed"), "{again}");
}

#[test]
fn every_rule_is_enforced() {
    let key = DpopKey::generate().unwrap();
    let other = DpopKey::generate().unwrap();
    let jkt = key.thumbprint().to_owned();
    let cases: Vec<(&str, String, &str, &str, &str)> = vec![
        (
            "another key",
            proof(&other, "GET", URL, "tok", NOW, 2),
            "GET",
            URL,
            "another key",
        ),
        (
            "another method",
            proof(&key, "POST", URL, "tok", NOW, 3),
            "GET",
            URL,
            "htm",
        ),
        (
            "another URL",
            proof(&key, "GET", "https://api.example.com/admin", "tok", NOW, 4),
            "GET",
            URL,
            "htu",
        ),
        (
            "another token",
            proof(&key, "GET", URL, "other-token", NOW, 5),
            "GET",
            URL,
            "ath",
        ),
        (
            "too old",
            proof(&key, "GET", URL, "tok", NOW - 200, 6),
            "GET",
            URL,
            "iat",
        ),
        (
            "from the future",
            proof(&key, "GET", URL, "tok", NOW + 120, 7),
            "GET",
            URL,
            "iat",
        ),
        ("not a JWT", "garbage".to_owned(), "GET", URL, "not a JWT"),
    ];
    for (name, p, method, url, problem) in cases {
        let presented = Presented {
            method,
            url,
            proof: Some(&p),
        };
        let err = check(&presented, "tok", &jkt, &mut ReplayCache::default()).unwrap_err();
        assert_eq!(err.code(), ErrorCode::DpopProof, "{name}");
        assert!(err.to_string().contains(problem), "{name}: {err}");
    }
    let missing = Presented {
        method: "GET",
        url: URL,
        proof: None,
    };
    assert!(
        check(&missing, "tok", &jkt, &mut ReplayCache::default())
            .unwrap_err()
            .to_string()
            .contains("needs a DPoP proof")
    );
}

#[test]
fn a_tampered_proof_does_not_verify() {
    let key = DpopKey::generate().unwrap();
    let p = proof(&key, "GET", URL, "tok", NOW, 8);
    let mut parts: Vec<String> = p.split('.').map(str::to_owned).collect();
    let claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
    let mut forged = claims.clone();
    forged["htm"] = "POST".into();
    parts[1] = URL_SAFE_NO_PAD.encode(forged.to_string());
    let tampered = parts.join(".");
    let presented = Presented {
        method: "POST",
        url: URL,
        proof: Some(&tampered),
    };
    let err = check(
        &presented,
        "tok",
        key.thumbprint(),
        &mut ReplayCache::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("signature"), "{err}");
}

#[test]
fn the_replay_cache_stays_bounded_and_forgets_expired_proofs() {
    let mut replay = ReplayCache::default();
    assert!(replay.first_use("a", 100, 10));
    assert!(!replay.first_use("a", 100, 20));
    assert!(replay.first_use("a", 300, 150), "expired: accepted again");
    for i in 0..(REPLAY_CAPACITY + 10) {
        replay.first_use(&format!("j{i}"), 1_000, 200);
    }
    assert!(replay.len() <= REPLAY_CAPACITY + 1);
}

#[test]
fn thumbprints_match_the_client_sides() {
    let key = DpopKey::generate().unwrap();
    let p = proof(&key, "GET", URL, "t", NOW, 9);
    let header: serde_json::Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(p.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    let jwk = header["jwk"].as_object().unwrap();
    assert_eq!(thumbprint(jwk).as_deref(), Some(key.thumbprint()));
}
