//! JSON Web Key Sets (RFC 7517): the issuer's public keys, parsed strictly
//! and one by one (a key this verifier cannot use is skipped, not fatal),
//! with the key's type bound to the algorithms it may verify.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use super::signature::Algorithm;
use crate::Error;

/// The most keys kept from one JWKS.
const MAX_KEYS: usize = 64;
/// The smallest RSA modulus accepted, in bytes (2048 bits).
const MIN_RSA_BYTES: usize = 256;

/// A public key's material.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum KeyMaterial {
    /// RSA: big-endian modulus and exponent, without leading zeros.
    Rsa { n: Vec<u8>, e: Vec<u8> },
    /// EC P-256 or P-384: the uncompressed point `04 || x || y`.
    Ec { curve: Curve, point: Vec<u8> },
    /// Ed25519: the 32-byte public key.
    Ed25519(Vec<u8>),
}

/// The elliptic curves of `EC` keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Curve {
    P256,
    P384,
}

/// One verification key of a JWKS.
#[derive(Clone)]
pub struct PublicKey {
    pub(crate) kid: Option<String>,
    /// The key's own `alg`, when it names one: it may verify only that.
    pub(crate) alg: Option<String>,
    pub(crate) material: KeyMaterial,
}

impl PublicKey {
    /// The key id, when the key has one.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// Whether this key may verify a signature made with `alg`: the key type
    /// (and curve) fits, and the key's own `alg`, if any, is that one.
    pub(crate) fn fits(&self, alg: Algorithm) -> bool {
        let type_fits = match (&self.material, alg) {
            (KeyMaterial::Rsa { .. }, a) => a.is_rsa(),
            (
                KeyMaterial::Ec {
                    curve: Curve::P256, ..
                },
                Algorithm::Es256,
            )
            | (
                KeyMaterial::Ec {
                    curve: Curve::P384, ..
                },
                Algorithm::Es384,
            )
            | (KeyMaterial::Ed25519(_), Algorithm::EdDsa) => true,
            _ => false,
        };
        type_fits && self.alg.as_deref().is_none_or(|a| a == alg.as_str())
    }

    /// `RSA`, `EC` or `OKP`, for messages.
    pub(crate) fn kty(&self) -> &'static str {
        match self.material {
            KeyMaterial::Rsa { .. } => "RSA",
            KeyMaterial::Ec { .. } => "EC",
            KeyMaterial::Ed25519(_) => "OKP",
        }
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("kid", &self.kid)
            .field("kty", &self.kty())
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

/// The keys of one JWKS document.
#[derive(Clone, Debug, Default)]
pub struct KeySet {
    keys: Vec<PublicKey>,
}

impl KeySet {
    /// The keys.
    pub fn keys(&self) -> &[PublicKey] {
        &self.keys
    }

    /// Whether a key has this `kid`.
    pub fn has_kid(&self, kid: &str) -> bool {
        self.keys.iter().any(|k| k.kid.as_deref() == Some(kid))
    }

    /// The keys a token with `kid` (if any) may be checked with: those with
    /// that `kid`, or, without one, every key.
    pub(crate) fn candidates<'a>(
        &'a self,
        kid: Option<&'a str>,
    ) -> impl Iterator<Item = &'a PublicKey> {
        self.keys
            .iter()
            .filter(move |k| kid.is_none_or(|kid| k.kid.as_deref() == Some(kid)))
    }
}

fn b64(key: &Map<String, Value>, name: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(key.get(name)?.as_str()?).ok()
}

fn strip_zeros(mut bytes: Vec<u8>) -> Vec<u8> {
    let zeros = bytes.iter().take_while(|b| **b == 0).count();
    bytes.drain(..zeros);
    bytes
}

/// Parses one JWK into a verification key, or `None` when this verifier
/// cannot or may not use it: private or symmetric keys (`oct` is never
/// trusted, so a public key can never be used as an HMAC secret), keys for
/// encryption, RSA keys under 2048 bits, curves it does not support.
pub(crate) fn parse_key(key: &Map<String, Value>) -> Option<PublicKey> {
    let text = |name: &str| key.get(name).and_then(Value::as_str);
    if text("use").is_some_and(|u| u != "sig") {
        return None;
    }
    if let Some(Value::Array(ops)) = key.get("key_ops")
        && !ops.iter().any(|op| op.as_str() == Some("verify"))
    {
        return None;
    }
    let material = match text("kty")? {
        "RSA" => {
            let n = strip_zeros(b64(key, "n")?);
            let e = strip_zeros(b64(key, "e")?);
            if n.len() < MIN_RSA_BYTES || e.is_empty() {
                return None;
            }
            KeyMaterial::Rsa { n, e }
        }
        "EC" => {
            let (curve, size) = match text("crv")? {
                "P-256" => (Curve::P256, 32),
                "P-384" => (Curve::P384, 48),
                _ => return None,
            };
            let (x, y) = (b64(key, "x")?, b64(key, "y")?);
            if x.len() != size || y.len() != size {
                return None;
            }
            let mut point = Vec::with_capacity(1 + 2 * size);
            point.push(0x04);
            point.extend_from_slice(&x);
            point.extend_from_slice(&y);
            KeyMaterial::Ec { curve, point }
        }
        "OKP" if text("crv")? == "Ed25519" => {
            let x = b64(key, "x")?;
            if x.len() != 32 {
                return None;
            }
            KeyMaterial::Ed25519(x)
        }
        _ => return None,
    };
    Some(PublicKey {
        kid: text("kid").map(str::to_owned),
        alg: text("alg").map(str::to_owned),
        material,
    })
}

/// Parses a JWKS document (`{"keys": [...]}`). Keys this verifier cannot use
/// are skipped; a document with no usable key at all is an error, as is one
/// that is not a JWKS.
pub(crate) fn parse_jwks(body: &[u8]) -> Result<KeySet, String> {
    let Ok(Value::Object(doc)) = crate::protocol::lenient_json(body) else {
        return Err("the JWKS is not a JSON object".to_owned());
    };
    let Some(Value::Array(keys)) = doc.get("keys") else {
        return Err("the JWKS has no \"keys\" list".to_owned());
    };
    let keys: Vec<PublicKey> = keys
        .iter()
        .filter_map(Value::as_object)
        .filter_map(parse_key)
        .take(MAX_KEYS)
        .collect();
    if keys.is_empty() {
        return Err(
            "the JWKS has no key this verifier can use (RSA ≥ 2048 bits, EC P-256/P-384, Ed25519)"
                .to_owned(),
        );
    }
    Ok(KeySet { keys })
}

/// Reads a JWKS answer: the keys, or why there are none (a JWKS endpoint
/// that fails or answers garbage).
pub(crate) fn parse_jwks_response(
    response: &crate::protocol::HttpResponse,
) -> Result<KeySet, Error> {
    let status = response.status;
    if !(200..=299).contains(&status) {
        return Err(Error::jwks_unavailable(format!(
            "the JWKS endpoint answered HTTP {status}"
        )));
    }
    parse_jwks(&response.body).map_err(Error::jwks_unavailable)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A 2048-bit modulus of 0xff bytes (not a real key: parsing only).
    fn big_n() -> String {
        URL_SAFE_NO_PAD.encode([0xffu8; 256])
    }

    #[test]
    fn usable_keys_are_kept_and_the_rest_skipped() {
        let ec_x = URL_SAFE_NO_PAD.encode([1u8; 32]);
        let doc = serde_json::json!({"keys": [
            {"kty": "RSA", "kid": "r", "n": big_n(), "e": "AQAB", "alg": "RS256", "use": "sig"},
            {"kty": "RSA", "kid": "small", "n": URL_SAFE_NO_PAD.encode([0xffu8; 128]), "e": "AQAB"},
            {"kty": "RSA", "kid": "enc", "n": big_n(), "e": "AQAB", "use": "enc"},
            {"kty": "oct", "kid": "h", "k": "c2VjcmV0"},
            {"kty": "EC", "kid": "e", "crv": "P-256", "x": ec_x, "y": ec_x},
            {"kty": "EC", "kid": "p521", "crv": "P-521", "x": ec_x, "y": ec_x},
            {"kty": "OKP", "kid": "o", "crv": "Ed25519", "x": ec_x},
            "not a key",
        ]});
        let set = parse_jwks(doc.to_string().as_bytes()).unwrap();
        let kids: Vec<_> = set.keys().iter().map(|k| k.kid().unwrap()).collect();
        assert_eq!(kids, ["r", "e", "o"]);
        let rsa = &set.keys()[0];
        assert!(
            rsa.fits(Algorithm::Rs256) && !rsa.fits(Algorithm::Ps256),
            "its own alg binds it"
        );
        assert!(
            !set.keys()[1].fits(Algorithm::Es384),
            "a P-256 key verifies ES256 only"
        );
        assert!(set.keys()[2].fits(Algorithm::EdDsa));
    }

    #[test]
    fn a_document_without_usable_keys_is_an_error() {
        assert!(parse_jwks(b"[]").is_err());
        assert!(parse_jwks(br#"{"keys": "x"}"#).is_err());
        assert!(parse_jwks(br#"{"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}"#).is_err());
    }
}
