//! Private keys for signing: client assertions (RFC 7523) and DPoP proofs
//! (RFC 9449). Parsed and checked once, when the configuration is built, so
//! a bad key is a configuration error naming the option, never a surprise at
//! the first request.
//!
//! Accepted: PEM (PKCS#8, PKCS#1 `RSA PRIVATE KEY`, SEC1 `EC PRIVATE KEY`)
//! or a private JWK (or a JWKS holding exactly one key). RSA 2048–4096 bits,
//! EC P-256 / P-384, Ed25519. The cryptography is ring's; ring keeps the key
//! material inside its own types, and the text it was parsed from is wiped.
//!
//! ```
//! use m2mauth::keys::SigningKey;
//! use m2mauth::config::SigningAlg;
//! let key = SigningKey::generate_p256()?;
//! assert_eq!(key.default_alg(), SigningAlg::Es256);
//! assert_eq!(key.kid().len(), 43); // an RFC 7638 thumbprint
//! # Ok::<(), String>(())
//! ```

mod der;
mod jwk;
mod pem;
mod sign;

use std::fmt;
use std::sync::Arc;

use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, Ed25519KeyPair, RsaKeyPair};
use serde_json::{Map, Value};

use crate::config::SigningAlg;

pub use sign::compact_jws;

/// A private key that signs JWTs. Cloning shares it; `Debug` shows its type
/// and `kid`, never key material.
#[derive(Clone)]
pub struct SigningKey {
    material: Arc<Material>,
    kid: String,
}

/// The key pair, by type.
pub(crate) enum Material {
    Rsa(RsaKeyPair),
    P256(EcdsaKeyPair),
    P384(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
}

/// The kind of a key, for messages and algorithm checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// RSA (the size in bits).
    Rsa(usize),
    /// ECDSA on P-256.
    P256,
    /// ECDSA on P-384.
    P384,
    /// Ed25519.
    Ed25519,
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyKind::Rsa(bits) => write!(f, "an RSA {bits}-bit key"),
            KeyKind::P256 => f.write_str("an EC P-256 key"),
            KeyKind::P384 => f.write_str("an EC P-384 key"),
            KeyKind::Ed25519 => f.write_str("an Ed25519 key"),
        }
    }
}

impl SigningKey {
    /// Parses a PEM or JWK private key. The error says what is wrong with
    /// it (never a byte of the key).
    pub fn parse(text: &[u8]) -> Result<SigningKey, String> {
        let trimmed = text.trim_ascii_start();
        let (material, jwk_kid) = if trimmed.starts_with(b"{") {
            jwk::parse_private(trimmed)?
        } else if trimmed.starts_with(b"-----BEGIN") {
            (pem::parse(trimmed)?, None)
        } else {
            return Err("is neither a PEM private key (-----BEGIN …) nor a JWK ({…})".to_owned());
        };
        Ok(SigningKey::new(material, jwk_kid))
    }

    /// A fresh P-256 key (DPoP's default key).
    pub fn generate_p256() -> Result<SigningKey, String> {
        let rng = SystemRandom::new();
        let alg = &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING;
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, &rng)
            .map_err(|_| "cannot generate a P-256 key".to_owned())?;
        let pair = EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &rng)
            .map_err(|e| format!("cannot load the generated key: {e}"))?;
        Ok(SigningKey::new(Material::P256(pair), None))
    }

    fn new(material: Material, jwk_kid: Option<String>) -> SigningKey {
        let material = Arc::new(material);
        let kid = jwk_kid.unwrap_or_else(|| jwk::thumbprint(&material));
        SigningKey { material, kid }
    }

    /// The `kid`: the JWK's own, else the key's RFC 7638 thumbprint.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The key's RFC 7638 thumbprint (base64url SHA-256), whatever its `kid`.
    pub fn thumbprint(&self) -> String {
        jwk::thumbprint(&self.material)
    }

    /// The public key as a JWK (the members its thumbprint covers).
    pub fn public_jwk(&self) -> Map<String, Value> {
        jwk::public(&self.material)
    }

    /// The key's kind.
    pub fn kind(&self) -> KeyKind {
        match &*self.material {
            Material::Rsa(pair) => KeyKind::Rsa(pair.public().modulus_len() * 8),
            Material::P256(_) => KeyKind::P256,
            Material::P384(_) => KeyKind::P384,
            Material::Ed25519(_) => KeyKind::Ed25519,
        }
    }

    /// The algorithm this key signs with unless told otherwise.
    pub fn default_alg(&self) -> SigningAlg {
        match &*self.material {
            Material::Rsa(_) => SigningAlg::Rs256,
            Material::P256(_) => SigningAlg::Es256,
            Material::P384(_) => SigningAlg::Es384,
            Material::Ed25519(_) => SigningAlg::EdDsa,
        }
    }

    /// Whether the key can sign with `alg`.
    pub fn fits(&self, alg: SigningAlg) -> bool {
        matches!(
            (&*self.material, alg),
            (Material::Rsa(_), SigningAlg::Rs256 | SigningAlg::Ps256)
                | (Material::P256(_), SigningAlg::Es256)
                | (Material::P384(_), SigningAlg::Es384)
                | (Material::Ed25519(_), SigningAlg::EdDsa)
        )
    }

    /// Signs `message` with `alg` (which must fit: see [`fits`](Self::fits));
    /// with [`compact_jws`], a JWT of your own.
    pub fn sign(&self, alg: SigningAlg, message: &[u8]) -> Result<Vec<u8>, String> {
        sign::sign(&self.material, alg, message)
    }

    /// The public key's uncompressed point or modulus, to compare keys in tests.
    #[cfg(test)]
    pub(crate) fn public_bytes(&self) -> Vec<u8> {
        use ring::signature::KeyPair as _;
        match &*self.material {
            Material::Rsa(pair) => pair.public().as_ref().to_vec(),
            Material::P256(pair) | Material::P384(pair) => pair.public_key().as_ref().to_vec(),
            Material::Ed25519(pair) => pair.public_key().as_ref().to_vec(),
        }
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({}, kid {:?})", self.kind(), self.kid)
    }
}

#[cfg(test)]
mod tests;
