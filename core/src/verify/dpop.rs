//! DPoP at the resource server (RFC 9449 §7), sans-IO: a token bound to a
//! key (`cnf.jkt`) is accepted only with a proof by that key, for this
//! request (`htm`, `htu`), this token (`ath`), recent (`iat`), and never
//! seen before (`jti`, remembered in a bounded replay cache).

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use super::jwks::{PublicKey, parse_key};
use super::jws;
use super::signature::{Algorithm, verifies};
use crate::{Error, ErrorCode};

/// How old a proof may be (its `iat`), before leeway.
pub const PROOF_MAX_AGE: Duration = Duration::from_secs(60);
/// How many proof `jti`s are remembered at most.
const REPLAY_CAPACITY: usize = 100_000;

/// What a request to the resource presents besides its token.
#[derive(Clone, Copy, Debug)]
pub struct Presented<'a> {
    /// The HTTP method (`GET`, …).
    pub method: &'a str,
    /// The URL the client sent the request to (as it sees it: scheme,
    /// host and path; the query is ignored).
    pub url: &'a str,
    /// The `DPoP` header, if any.
    pub proof: Option<&'a str>,
}

/// The `jti`s of recent proofs, each until its proof could no longer be
/// accepted anyway; bounded in memory (the oldest go first).
#[derive(Debug, Default)]
pub struct ReplayCache {
    until: HashMap<String, u64>,
    order: VecDeque<(String, u64)>,
}

impl ReplayCache {
    /// Records `jti` (acceptable until `until`, Unix seconds) at `now`;
    /// false when it was seen before.
    pub fn first_use(&mut self, jti: &str, until: u64, now: u64) -> bool {
        while let Some((old, expiry)) = self.order.front() {
            if *expiry > now && self.order.len() < REPLAY_CAPACITY {
                break;
            }
            if self.until.get(old) == Some(expiry) {
                self.until.remove(old);
            }
            self.order.pop_front();
        }
        if self.until.get(jti).is_some_and(|expiry| *expiry > now) {
            return false;
        }
        self.until.insert(jti.to_owned(), until);
        self.order.push_back((jti.to_owned(), until));
        true
    }

    /// How many `jti`s are remembered.
    pub fn len(&self) -> usize {
        self.until.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.until.is_empty()
    }
}

fn refused(problem: impl Into<String>) -> Error {
    Error::invalid_token(ErrorCode::DpopProof, problem)
}

/// RFC 7638 thumbprint of a public JWK's required members.
pub(crate) fn thumbprint(jwk: &Map<String, Value>) -> Option<String> {
    let text = |name: &str| jwk.get(name).and_then(Value::as_str);
    let members: &[&str] = match text("kty")? {
        "RSA" => &["e", "kty", "n"],
        "EC" => &["crv", "kty", "x", "y"],
        "OKP" => &["crv", "kty", "x"],
        _ => return None,
    };
    let mut canonical = String::from("{");
    for (i, name) in members.iter().enumerate() {
        if i > 0 {
            canonical.push(',');
        }
        canonical.push_str(&Value::from(*name).to_string());
        canonical.push(':');
        canonical.push_str(&Value::from(text(name)?).to_string());
    }
    canonical.push('}');
    Some(URL_SAFE_NO_PAD.encode(ring::digest::digest(
        &ring::digest::SHA256,
        canonical.as_bytes(),
    )))
}

/// `htu` comparison: scheme, host and port, and path; no query or fragment.
fn same_target(htu: &str, url: &str) -> bool {
    let (Ok(mut a), Ok(mut b)) = (url::Url::parse(htu), url::Url::parse(url)) else {
        return false;
    };
    for u in [&mut a, &mut b] {
        u.set_query(None);
        u.set_fragment(None);
    }
    a == b
}

/// Checks the DPoP proof of a request carrying `token`, bound to the key
/// with thumbprint `jkt`, at `now`.
pub fn check_proof(
    presented: &Presented<'_>,
    token: &str,
    jkt: &str,
    (now, leeway): (SystemTime, Duration),
    algorithms: &[Algorithm],
    replay: &mut ReplayCache,
) -> Result<(), Error> {
    let proof = presented.proof.ok_or_else(|| {
        refused("the token is bound to a DPoP key: the request needs a DPoP proof")
    })?;
    let jws = jws::parse(proof).map_err(|e| {
        refused(format!(
            "the DPoP proof is not a JWT: {}",
            e.detail().unwrap_or("")
        ))
    })?;
    if jws.typ.as_deref() != Some("dpop+jwt") {
        return Err(refused("the DPoP proof's typ must be dpop+jwt"));
    }
    let alg = Algorithm::from_name(&jws.alg)
        .filter(|a| algorithms.contains(a))
        .ok_or_else(|| {
            refused(format!(
                "the DPoP proof's alg {:?} is not accepted",
                crate::protocol::text::cut(&jws.alg, 20)
            ))
        })?;
    let jwk = jws
        .header_jwk
        .as_ref()
        .ok_or_else(|| refused("the DPoP proof has no jwk header"))?;
    if jwk.contains_key("d") {
        return Err(refused("the DPoP proof's jwk holds a private key"));
    }
    let key: PublicKey =
        parse_key(jwk).ok_or_else(|| refused("the DPoP proof's jwk is not a usable public key"))?;
    if !key.fits(alg) || !verifies(alg, &key, jws.signing_input.as_bytes(), &jws.signature) {
        return Err(refused(
            "the DPoP proof's signature does not verify with its jwk",
        ));
    }
    if thumbprint(jwk).as_deref() != Some(jkt) {
        return Err(refused(
            "the DPoP proof is signed by another key than the token is bound to (cnf.jkt)",
        ));
    }
    let text = |name: &str| jws.claims.get(name).and_then(Value::as_str);
    if !text("htm").is_some_and(|m| m.eq_ignore_ascii_case(presented.method)) {
        return Err(refused("the DPoP proof's htm is not this request's method"));
    }
    if !text("htu").is_some_and(|htu| same_target(htu, presented.url)) {
        return Err(refused("the DPoP proof's htu is not this request's URL"));
    }
    let hash = URL_SAFE_NO_PAD.encode(ring::digest::digest(
        &ring::digest::SHA256,
        token.as_bytes(),
    ));
    if text("ath") != Some(hash.as_str()) {
        return Err(refused(
            "the DPoP proof's ath is not the hash of this token",
        ));
    }
    let now = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let iat = jws
        .claims
        .get("iat")
        .and_then(Value::as_u64)
        .ok_or_else(|| refused("the DPoP proof's iat is missing or not a number"))?;
    let oldest = now.saturating_sub((PROOF_MAX_AGE + leeway).as_secs());
    if iat < oldest || iat > now + leeway.as_secs() {
        return Err(refused("the DPoP proof's iat is not recent"));
    }
    let jti = text("jti")
        .filter(|j| !j.is_empty() && j.len() <= 256)
        .ok_or_else(|| refused("the DPoP proof needs a jti"))?;
    if !replay.first_use(jti, iat + (PROOF_MAX_AGE + leeway * 2).as_secs(), now) {
        return Err(refused(
            "the DPoP proof was used before (its jti is replayed)",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
