//! Checking the JWTs clients send (client assertions, DPoP proofs): a
//! compact JWS verified against a public JWK or an HMAC secret, and RFC 7638
//! thumbprints. Written apart from m2mauth's own code, so the testkit is an
//! independent judge of it.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};
use serde_json::{Map, Value};

/// A JWS taken apart, its signature not yet checked.
pub(crate) struct Parsed {
    pub(crate) header: Map<String, Value>,
    pub(crate) claims: Map<String, Value>,
    signing_input: String,
    signature: Vec<u8>,
}

fn decode(part: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(part).ok()
}

fn object(part: &str) -> Option<Map<String, Value>> {
    match serde_json::from_slice(&decode(part)?).ok()? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

/// Splits a compact JWS; `None` when it is not one.
pub(crate) fn parse(token: &str) -> Option<Parsed> {
    let mut parts = token.split('.');
    let (header, claims, signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    Some(Parsed {
        header: object(header)?,
        claims: object(claims)?,
        signing_input: format!("{header}.{claims}"),
        signature: decode(signature)?,
    })
}

impl Parsed {
    /// The `alg` header.
    pub(crate) fn alg(&self) -> &str {
        self.header.get("alg").and_then(Value::as_str).unwrap_or("")
    }

    /// Whether the signature verifies with the public `jwk` under the `alg` header.
    pub(crate) fn verifies_with(&self, jwk: &Value) -> bool {
        let member = |name: &str| jwk.get(name).and_then(Value::as_str).and_then(decode);
        let message = self.signing_input.as_bytes();
        match (self.alg(), jwk.get("kty").and_then(Value::as_str)) {
            (alg @ ("RS256" | "PS256"), Some("RSA")) => {
                let (Some(n), Some(e)) = (member("n"), member("e")) else {
                    return false;
                };
                let params = if alg == "RS256" {
                    &signature::RSA_PKCS1_2048_8192_SHA256
                } else {
                    &signature::RSA_PSS_2048_8192_SHA256
                };
                RsaPublicKeyComponents { n: &n, e: &e }
                    .verify(params, message, &self.signature)
                    .is_ok()
            }
            (alg @ ("ES256" | "ES384"), Some("EC")) => {
                let (Some(x), Some(y)) = (member("x"), member("y")) else {
                    return false;
                };
                let algorithm = if alg == "ES256" {
                    &signature::ECDSA_P256_SHA256_FIXED
                } else {
                    &signature::ECDSA_P384_SHA384_FIXED
                };
                let point = [&[4u8][..], &x, &y].concat();
                UnparsedPublicKey::new(algorithm, point)
                    .verify(message, &self.signature)
                    .is_ok()
            }
            ("EdDSA", Some("OKP")) => member("x").is_some_and(|x| {
                UnparsedPublicKey::new(&signature::ED25519, x)
                    .verify(message, &self.signature)
                    .is_ok()
            }),
            _ => false,
        }
    }

    /// Whether an `HS256` signature verifies with `secret`.
    pub(crate) fn verifies_with_secret(&self, secret: &[u8]) -> bool {
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
        self.alg() == "HS256"
            && ring::hmac::verify(&key, self.signing_input.as_bytes(), &self.signature).is_ok()
    }
}

/// A JWK's public members only (what is registered, published or hashed).
pub(crate) fn public_part(jwk: &Value) -> Option<Value> {
    let kty = jwk.get("kty")?.as_str()?;
    let names: &[&str] = match kty {
        "RSA" => &["e", "kty", "n"],
        "EC" => &["crv", "kty", "x", "y"],
        "OKP" => &["crv", "kty", "x"],
        _ => return None,
    };
    let mut public = Map::new();
    for name in names {
        public.insert((*name).to_owned(), jwk.get(*name)?.clone());
    }
    if let Some(kid) = jwk.get("kid") {
        public.insert("kid".to_owned(), kid.clone());
    }
    Some(Value::Object(public))
}

/// The RFC 7638 thumbprint of a public JWK: base64url(SHA-256) of its
/// required members in lexicographic order, written out here by hand.
pub(crate) fn thumbprint(jwk: &Value) -> Option<String> {
    let text = |name: &str| jwk.get(name).and_then(Value::as_str);
    let canonical = match text("kty")? {
        "RSA" => format!(
            r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#,
            text("e")?,
            text("n")?
        ),
        "EC" => format!(
            r#"{{"crv":"{}","kty":"EC","x":"{}","y":"{}"}}"#,
            text("crv")?,
            text("x")?,
            text("y")?
        ),
        "OKP" => format!(
            r#"{{"crv":"{}","kty":"OKP","x":"{}"}}"#,
            text("crv")?,
            text("x")?
        ),
        _ => return None,
    };
    Some(URL_SAFE_NO_PAD.encode(ring::digest::digest(
        &ring::digest::SHA256,
        canonical.as_bytes(),
    )))
}

/// base64url(SHA-256(text)): DPoP's `ath`, a certificate's `x5t#S256`.
pub(crate) fn sha256_b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(ring::digest::digest(&ring::digest::SHA256, bytes))
}
