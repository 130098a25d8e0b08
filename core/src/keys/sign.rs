//! Signing: the primitive per algorithm, and compact JWS serialization.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RSA_PSS_SHA256};
use serde_json::{Map, Value};

use super::Material;
use crate::Secret;
use crate::config::SigningAlg;

/// Signs `message` with `alg`. ECDSA and PSS draw their per-signature
/// randomness from the operating system, as ring requires.
pub(super) fn sign(
    material: &Material,
    alg: SigningAlg,
    message: &[u8],
) -> Result<Vec<u8>, String> {
    let rng = SystemRandom::new();
    let failed = |_| format!("signing with {alg} failed");
    match (material, alg) {
        (Material::Rsa(pair), SigningAlg::Rs256 | SigningAlg::Ps256) => {
            let padding: &'static dyn ring::signature::RsaEncoding = if alg == SigningAlg::Rs256 {
                &RSA_PKCS1_SHA256
            } else {
                &RSA_PSS_SHA256
            };
            let mut signature = vec![0; pair.public().modulus_len()];
            pair.sign(padding, &rng, message, &mut signature)
                .map_err(failed)?;
            Ok(signature)
        }
        (Material::P256(pair), SigningAlg::Es256) | (Material::P384(pair), SigningAlg::Es384) => {
            Ok(pair.sign(&rng, message).map_err(failed)?.as_ref().to_vec())
        }
        (Material::Ed25519(pair), SigningAlg::EdDsa) => Ok(pair.sign(message).as_ref().to_vec()),
        _ => Err(format!("this key cannot sign with {alg}")),
    }
}

/// `base64url(header).base64url(claims).base64url(signature)`, where
/// `signer` signs the first two parts.
pub fn compact_jws(
    header: &Map<String, Value>,
    claims: &Map<String, Value>,
    signer: impl FnOnce(&[u8]) -> Result<Vec<u8>, String>,
) -> Result<Secret, String> {
    let header = serde_json::to_vec(header).map_err(|e| e.to_string())?;
    let claims = serde_json::to_vec(claims).map_err(|e| e.to_string())?;
    let mut jws = String::with_capacity((header.len() + claims.len()) * 4 / 3 + 700);
    URL_SAFE_NO_PAD.encode_string(&header, &mut jws);
    jws.push('.');
    URL_SAFE_NO_PAD.encode_string(&claims, &mut jws);
    let signature = signer(jws.as_bytes())?;
    jws.push('.');
    URL_SAFE_NO_PAD.encode_string(&signature, &mut jws);
    Ok(Secret::new(jws))
}
