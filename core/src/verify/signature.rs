//! JWS signature algorithms (RFC 7518) for verification, through ring.
//! Only asymmetric ones: a verifier that trusts a JWKS never accepts an
//! HMAC (`HS*`), whose "key" would be a public key anyone has, nor `none`.

use ring::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};

use super::jwks::{KeyMaterial, PublicKey};

/// An asymmetric JWS algorithm this verifier can check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Rs256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    Rs384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    Rs512,
    /// RSASSA-PSS with SHA-256.
    Ps256,
    /// RSASSA-PSS with SHA-384.
    Ps384,
    /// RSASSA-PSS with SHA-512.
    Ps512,
    /// ECDSA P-256 with SHA-256.
    Es256,
    /// ECDSA P-384 with SHA-384.
    Es384,
    /// Ed25519.
    EdDsa,
}

impl Algorithm {
    /// Every algorithm, in the order of their names.
    pub const ALL: [Algorithm; 9] = [
        Algorithm::Rs256,
        Algorithm::Rs384,
        Algorithm::Rs512,
        Algorithm::Ps256,
        Algorithm::Ps384,
        Algorithm::Ps512,
        Algorithm::Es256,
        Algorithm::Es384,
        Algorithm::EdDsa,
    ];

    /// The JWS name: `RS256`, `EdDSA`, …
    pub const fn as_str(self) -> &'static str {
        match self {
            Algorithm::Rs256 => "RS256",
            Algorithm::Rs384 => "RS384",
            Algorithm::Rs512 => "RS512",
            Algorithm::Ps256 => "PS256",
            Algorithm::Ps384 => "PS384",
            Algorithm::Ps512 => "PS512",
            Algorithm::Es256 => "ES256",
            Algorithm::Es384 => "ES384",
            Algorithm::EdDsa => "EdDSA",
        }
    }

    /// The algorithm named `name` (exactly: JWS names are case-sensitive).
    pub fn from_name(name: &str) -> Option<Algorithm> {
        Algorithm::ALL.into_iter().find(|a| a.as_str() == name)
    }

    /// Whether it is an RSA algorithm.
    pub(crate) const fn is_rsa(self) -> bool {
        matches!(
            self,
            Algorithm::Rs256
                | Algorithm::Rs384
                | Algorithm::Rs512
                | Algorithm::Ps256
                | Algorithm::Ps384
                | Algorithm::Ps512
        )
    }

    fn rsa_params(self) -> Option<&'static signature::RsaParameters> {
        Some(match self {
            Algorithm::Rs256 => &signature::RSA_PKCS1_2048_8192_SHA256,
            Algorithm::Rs384 => &signature::RSA_PKCS1_2048_8192_SHA384,
            Algorithm::Rs512 => &signature::RSA_PKCS1_2048_8192_SHA512,
            Algorithm::Ps256 => &signature::RSA_PSS_2048_8192_SHA256,
            Algorithm::Ps384 => &signature::RSA_PSS_2048_8192_SHA384,
            Algorithm::Ps512 => &signature::RSA_PSS_2048_8192_SHA512,
            _ => return None,
        })
    }
}

/// Whether `signature` over `message` verifies with `key` under `alg`
/// (the caller has checked that the key fits the algorithm).
pub(crate) fn verifies(alg: Algorithm, key: &PublicKey, message: &[u8], signature: &[u8]) -> bool {
    match (&key.material, alg.rsa_params()) {
        (KeyMaterial::Rsa { n, e }, Some(params)) => RsaPublicKeyComponents { n, e }
            .verify(params, message, signature)
            .is_ok(),
        (KeyMaterial::Ec { point, .. }, None) => {
            let algorithm: &dyn signature::VerificationAlgorithm = match alg {
                Algorithm::Es256 => &signature::ECDSA_P256_SHA256_FIXED,
                Algorithm::Es384 => &signature::ECDSA_P384_SHA384_FIXED,
                _ => return false,
            };
            UnparsedPublicKey::new(algorithm, point)
                .verify(message, signature)
                .is_ok()
        }
        (KeyMaterial::Ed25519(x), None) if alg == Algorithm::EdDsa => {
            UnparsedPublicKey::new(&signature::ED25519, x)
                .verify(message, signature)
                .is_ok()
        }
        _ => false,
    }
}
