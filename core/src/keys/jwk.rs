//! JWKs (RFC 7517): private keys in, public keys and RFC 7638 thumbprints out.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::SystemRandom;
use ring::rsa::{KeyPairComponents, PublicKeyComponents};
use ring::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair,
    KeyPair as _, RsaKeyPair,
};
use serde_json::{Map, Value};
use zeroize::Zeroizing;

use super::Material;

/// A base64url member, decoded (wiped on drop: it may be private).
fn member(jwk: &Map<String, Value>, name: &str) -> Result<Zeroizing<Vec<u8>>, String> {
    let text = jwk
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("is a JWK without its \"{name}\" member"))?;
    URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .map(Zeroizing::new)
        .map_err(|_| format!("is a JWK whose \"{name}\" is not base64url"))
}

/// Parses a private JWK (or a JWKS holding exactly one); returns its `kid` too.
pub(super) fn parse_private(text: &[u8]) -> Result<(Material, Option<String>), String> {
    let value: Zeroizing<Vec<u8>> = Zeroizing::new(text.to_vec());
    let parsed: Value =
        serde_json::from_slice(&value).map_err(|_| "is not valid JSON".to_owned())?;
    let Value::Object(mut jwk) = parsed else {
        return Err("is not a JSON object".to_owned());
    };
    if let Some(Value::Array(keys)) = jwk.get("keys") {
        let [Value::Object(only)] = keys.as_slice() else {
            return Err("is a JWKS; it must hold exactly one key".to_owned());
        };
        jwk = only.clone();
    }
    if !jwk.contains_key("d") {
        return Err("is a public JWK; the private key (with \"d\") is needed".to_owned());
    }
    let kid = jwk.get("kid").and_then(Value::as_str).map(str::to_owned);
    let kty = jwk.get("kty").and_then(Value::as_str).unwrap_or("");
    let crv = jwk.get("crv").and_then(Value::as_str).unwrap_or("");
    let material = match (kty, crv) {
        ("RSA", _) => rsa(&jwk)?,
        ("EC", "P-256") => ec(&jwk, &ECDSA_P256_SHA256_FIXED_SIGNING).map(Material::P256)?,
        ("EC", "P-384") => ec(&jwk, &ECDSA_P384_SHA384_FIXED_SIGNING).map(Material::P384)?,
        ("OKP", "Ed25519") => {
            let (d, x) = (member(&jwk, "d")?, member(&jwk, "x")?);
            Ed25519KeyPair::from_seed_and_public_key(&d, &x)
                .map(Material::Ed25519)
                .map_err(|_| "is an Ed25519 JWK whose \"d\" and \"x\" do not match".to_owned())?
        }
        _ => {
            return Err(format!(
                "is a JWK of a type m2mauth does not sign with (kty {kty:?}, crv {crv:?}; RSA, EC P-256/P-384 or OKP Ed25519)"
            ));
        }
    };
    wipe(&mut jwk);
    Ok((material, kid))
}

/// Overwrites the private members of a parsed JWK before it is dropped.
fn wipe(jwk: &mut Map<String, Value>) {
    for name in ["d", "p", "q", "dp", "dq", "qi"] {
        if let Some(Value::String(text)) = jwk.get_mut(name) {
            zeroize::Zeroize::zeroize(text);
        }
    }
}

fn strip_zeros(bytes: &[u8]) -> &[u8] {
    let skip = bytes.iter().take_while(|b| **b == 0).count();
    &bytes[skip.min(bytes.len().saturating_sub(1))..]
}

fn rsa(jwk: &Map<String, Value>) -> Result<Material, String> {
    let names = ["n", "e", "d", "p", "q", "dp", "dq", "qi"];
    let mut parts = Vec::with_capacity(names.len());
    for name in names {
        parts.push(member(jwk, name)?);
    }
    let components = KeyPairComponents {
        public_key: PublicKeyComponents {
            n: strip_zeros(&parts[0]),
            e: strip_zeros(&parts[1]),
        },
        d: strip_zeros(&parts[2]),
        p: strip_zeros(&parts[3]),
        q: strip_zeros(&parts[4]),
        dP: strip_zeros(&parts[5]),
        dQ: strip_zeros(&parts[6]),
        qInv: strip_zeros(&parts[7]),
    };
    RsaKeyPair::from_components(&components)
        .map(Material::Rsa)
        .map_err(|e| super::pem::rsa_problem(&e.to_string()))
}

fn ec(
    jwk: &Map<String, Value>,
    alg: &'static ring::signature::EcdsaSigningAlgorithm,
) -> Result<EcdsaKeyPair, String> {
    let (d, x, y) = (member(jwk, "d")?, member(jwk, "x")?, member(jwk, "y")?);
    let point = [&[0x04][..], &x, &y].concat();
    EcdsaKeyPair::from_private_key_and_public_key(alg, &d, &point, &SystemRandom::new())
        .map_err(|_| "is an EC JWK whose \"d\", \"x\" and \"y\" do not make a key".to_owned())
}

fn b64(bytes: &[u8]) -> Value {
    Value::String(URL_SAFE_NO_PAD.encode(bytes))
}

/// The public JWK: exactly the required members (RFC 7638 §3.2).
pub(super) fn public(material: &Material) -> Map<String, Value> {
    let mut jwk = Map::new();
    match material {
        Material::Rsa(pair) => {
            let public: PublicKeyComponents<Vec<u8>> = pair.public().into();
            jwk.insert("e".into(), b64(&public.e));
            jwk.insert("kty".into(), "RSA".into());
            jwk.insert("n".into(), b64(&public.n));
        }
        Material::P256(pair) | Material::P384(pair) => {
            let point = pair.public_key().as_ref();
            let half = (point.len() - 1) / 2;
            let crv = if matches!(material, Material::P256(_)) {
                "P-256"
            } else {
                "P-384"
            };
            jwk.insert("crv".into(), crv.into());
            jwk.insert("kty".into(), "EC".into());
            jwk.insert("x".into(), b64(&point[1..=half]));
            jwk.insert("y".into(), b64(&point[1 + half..]));
        }
        Material::Ed25519(pair) => {
            jwk.insert("crv".into(), "Ed25519".into());
            jwk.insert("kty".into(), "OKP".into());
            jwk.insert("x".into(), b64(pair.public_key().as_ref()));
        }
    }
    jwk
}

/// The RFC 7638 thumbprint: base64url(SHA-256(the required members, sorted, no spaces)).
pub(super) fn thumbprint(material: &Material) -> String {
    // `public` inserts the members in lexicographic order, so the map
    // serializes canonically whether serde_json keeps insertion order or sorts.
    let canonical = Value::Object(public(material)).to_string();
    URL_SAFE_NO_PAD.encode(ring::digest::digest(
        &ring::digest::SHA256,
        canonical.as_bytes(),
    ))
}
