//! The issuer's signing key: Ed25519 JWT access tokens (RFC 9068) and a JWKS.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use serde_json::{Value, json};

/// A freshly generated Ed25519 key with its RFC 7638 thumbprint as `kid`.
pub(crate) struct SigningKey {
    pair: Ed25519KeyPair,
    kid: String,
    rng: SystemRandom,
}

impl SigningKey {
    pub(crate) fn generate() -> Result<SigningKey, String> {
        let rng = SystemRandom::new();
        let pkcs8 =
            Ed25519KeyPair::generate_pkcs8(&rng).map_err(|_| "cannot generate an Ed25519 key")?;
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref())
            .map_err(|_| "cannot load the Ed25519 key")?;
        let x = URL_SAFE_NO_PAD.encode(pair.public_key().as_ref());
        // RFC 7638: the members in lexicographic order, no white space.
        let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
        let kid = URL_SAFE_NO_PAD.encode(ring::digest::digest(
            &ring::digest::SHA256,
            canonical.as_bytes(),
        ));
        Ok(SigningKey { pair, kid, rng })
    }

    /// The JWKS document.
    pub(crate) fn jwks(&self) -> Value {
        json!({"keys": [{
            "kty": "OKP",
            "crv": "Ed25519",
            "x": URL_SAFE_NO_PAD.encode(self.pair.public_key().as_ref()),
            "kid": self.kid,
            "alg": "EdDSA",
            "use": "sig",
        }]})
    }

    /// A random identifier (for `jti`).
    pub(crate) fn random_id(&self) -> String {
        let mut bytes = [0u8; 12];
        // SystemRandom only fails if the OS has no randomness at all.
        if self.rng.fill(&mut bytes).is_err() {
            return "no-randomness".to_owned();
        }
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// Signs `claims` as a JWT with `typ: at+jwt`.
    pub(crate) fn sign(&self, claims: &Value) -> String {
        let header = json!({"alg": "EdDSA", "typ": "at+jwt", "kid": self.kid});
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = self.pair.sign(signing_input.as_bytes());
        format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature.as_ref())
        )
    }

    /// The claims of `token` if this key signed it; `None` otherwise.
    pub(crate) fn verify(&self, token: &str) -> Option<Value> {
        let (signing_input, signature) = token.rsplit_once('.')?;
        let (_, payload) = signing_input.split_once('.')?;
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        UnparsedPublicKey::new(&ED25519, self.pair.public_key().as_ref())
            .verify(signing_input.as_bytes(), &signature)
            .ok()?;
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_verifies_and_rejects_tampering() {
        let key = SigningKey::generate().unwrap();
        let token = key.sign(&json!({"sub": "svc", "exp": 1}));
        assert_eq!(key.verify(&token).unwrap()["sub"], "svc");
        let other = SigningKey::generate().unwrap();
        assert!(other.verify(&token).is_none());
        let mut forged = token.clone();
        forged.replace_range(token.len() - 3.., "AAA");
        assert!(key.verify(&forged).is_none());
        assert_eq!(key.jwks()["keys"][0]["kid"].as_str().unwrap().len(), 43);
    }
}
