//! PEM private keys: PKCS#8, PKCS#1 (RSA) and SEC1 (EC).

use ring::rand::SystemRandom;
use ring::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair,
    RsaKeyPair,
};
use rustls_pki_types::PrivateKeyDer;
use rustls_pki_types::pem::PemObject as _;

use super::{Material, der};

/// What the labels of a PEM text say when it holds no usable private key.
fn label_problem(text: &str) -> Option<&'static str> {
    let labels: Vec<&str> = text
        .split("-----BEGIN ")
        .skip(1)
        .filter_map(|rest| rest.split_once("-----").map(|(label, _)| label))
        .collect();
    let has = |label: &str| labels.contains(&label);
    if has("ENCRYPTED PRIVATE KEY") {
        Some(
            "is an encrypted private key: decrypt it first (openssl pkey -in key.pem -out plain.pem)",
        )
    } else if labels.iter().any(|l| l.ends_with("PRIVATE KEY")) {
        None
    } else if has("CERTIFICATE") {
        Some("is a certificate, not a private key")
    } else if labels.iter().any(|l| l.ends_with("PUBLIC KEY")) {
        Some("is a public key; the private key is needed")
    } else {
        Some("holds no PEM private key")
    }
}

/// Parses the first private key of a PEM text.
pub(super) fn parse(text: &[u8]) -> Result<Material, String> {
    let shown = std::str::from_utf8(text).map_err(|_| "is not PEM text (not UTF-8)".to_owned())?;
    if let Some(problem) = label_problem(shown) {
        return Err(problem.to_owned());
    }
    let key = PrivateKeyDer::from_pem_slice(text)
        .map_err(|_| "holds a PEM private key that cannot be decoded".to_owned())?;
    match &key {
        PrivateKeyDer::Pkcs1(der) => RsaKeyPair::from_der(der.secret_pkcs1_der())
            .map(Material::Rsa)
            .map_err(|e| rsa_problem(&e.to_string())),
        PrivateKeyDer::Pkcs8(der) => from_pkcs8(der.secret_pkcs8_der()),
        PrivateKeyDer::Sec1(der) => from_sec1(der.secret_sec1_der()),
        _ => Err("holds a kind of private key m2mauth does not know".to_owned()),
    }
}

/// The message for an RSA key ring refused.
pub(super) fn rsa_problem(reason: &str) -> String {
    match reason {
        "TooSmall" => "is an RSA key under 2048 bits (RSA keys need 2048 to 4096 bits)".to_owned(),
        "TooLarge" => "is an RSA key over 4096 bits (RSA keys need 2048 to 4096 bits)".to_owned(),
        other => format!("is an RSA key that cannot be used ({other})"),
    }
}

/// A PKCS#8 key of any supported type.
pub(super) fn from_pkcs8(der: &[u8]) -> Result<Material, String> {
    let rng = SystemRandom::new();
    match RsaKeyPair::from_pkcs8(der) {
        Ok(pair) => return Ok(Material::Rsa(pair)),
        Err(e) if matches!(e.to_string().as_str(), "TooSmall" | "TooLarge") => {
            return Err(rsa_problem(&e.to_string()));
        }
        Err(_) => {}
    }
    if let Ok(pair) = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der, &rng) {
        return Ok(Material::P256(pair));
    }
    if let Ok(pair) = EcdsaKeyPair::from_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, der, &rng) {
        return Ok(Material::P384(pair));
    }
    if let Ok(pair) = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der) {
        return Ok(Material::Ed25519(pair));
    }
    Err(
        "is not a supported private key (RSA 2048-4096 bits, EC P-256 or P-384, Ed25519)"
            .to_owned(),
    )
}

/// A SEC1 EC key, wrapped into PKCS#8 for each supported curve in turn.
fn from_sec1(sec1: &[u8]) -> Result<Material, String> {
    let rng = SystemRandom::new();
    let p256 = der::pkcs8_from_sec1(sec1, der::P256);
    if let Ok(pair) = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &p256, &rng) {
        return Ok(Material::P256(pair));
    }
    let p384 = der::pkcs8_from_sec1(sec1, der::P384);
    if let Ok(pair) = EcdsaKeyPair::from_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, &p384, &rng) {
        return Ok(Material::P384(pair));
    }
    Err("is an EC key that is not on P-256 or P-384, or lacks its public key".to_owned())
}
