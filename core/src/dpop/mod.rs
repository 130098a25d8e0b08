//! DPoP (RFC 9449), sans-IO: the client's proof-of-possession key, a proof
//! for each request, and the nonces servers hand out.
//!
//! ```
//! use m2mauth::dpop::DpopKey;
//! use m2mauth::protocol::Attempt;
//! let key = DpopKey::generate()?;
//! let attempt = Attempt::new(1_700_000_000, [9; 32]);
//! let proof = key.proof("GET", "https://api.example.com/orders?page=2", &attempt, Some("token"))?;
//! assert_eq!(proof.expose().split('.').count(), 3);
//! # Ok::<(), m2mauth::Error>(())
//! ```

mod nonces;

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use crate::config::SigningAlg;
use crate::keys::{SigningKey, compact_jws};
use crate::protocol::Attempt;
use crate::{Error, Secret};

pub use nonces::Nonces;

/// The error code a server answers when it wants a (new) nonce in the proof.
pub const USE_DPOP_NONCE: &str = "use_dpop_nonce";

/// A DPoP key: signs proofs, and its thumbprint is what tokens are bound
/// to (`cnf.jkt`). Cloning shares it.
#[derive(Clone)]
pub struct DpopKey {
    key: SigningKey,
    alg: SigningAlg,
    jwk: Map<String, Value>,
    thumbprint: String,
}

impl DpopKey {
    /// A fresh P-256 key (ES256).
    pub fn generate() -> Result<DpopKey, Error> {
        let key = SigningKey::generate_p256().map_err(Error::internal)?;
        Ok(DpopKey::from_key(key))
    }

    /// A key from PEM or JWK text; the error says what is wrong with it.
    pub fn parse(text: &[u8]) -> Result<DpopKey, String> {
        SigningKey::parse(text).map(DpopKey::from_key)
    }

    fn from_key(key: SigningKey) -> DpopKey {
        DpopKey {
            alg: key.default_alg(),
            jwk: key.public_jwk(),
            thumbprint: key.thumbprint(),
            key,
        }
    }

    /// The key's RFC 7638 thumbprint: a bound token's `cnf.jkt`.
    pub fn thumbprint(&self) -> &str {
        &self.thumbprint
    }

    /// The proof for a `method` request to `url` (its query and fragment
    /// are left out of `htu`, RFC 9449 §4.2), at `attempt` (time, `jti`
    /// and nonce), for `access_token` when one is sent (`ath`).
    pub fn proof(
        &self,
        method: &str,
        url: &str,
        attempt: &Attempt,
        access_token: Option<&str>,
    ) -> Result<Secret, Error> {
        let htu = target_uri(url)?;
        let mut header = Map::new();
        header.insert("typ".into(), "dpop+jwt".into());
        header.insert("alg".into(), self.alg.as_str().into());
        header.insert("jwk".into(), Value::Object(self.jwk.clone()));
        let mut claims = Map::new();
        claims.insert("jti".into(), attempt.proof_jti().into());
        claims.insert("htm".into(), method.to_ascii_uppercase().into());
        claims.insert("htu".into(), htu.into());
        claims.insert("iat".into(), attempt.unix_time().into());
        if let Some(nonce) = attempt.dpop_nonce() {
            claims.insert("nonce".into(), nonce.into());
        }
        if let Some(token) = access_token {
            let hash = ring::digest::digest(&ring::digest::SHA256, token.as_bytes());
            claims.insert("ath".into(), URL_SAFE_NO_PAD.encode(hash).into());
        }
        compact_jws(&header, &claims, |input| self.key.sign(self.alg, input))
            .map_err(|problem| Error::internal(format!("cannot sign the DPoP proof: {problem}")))
    }
}

/// The nonce a resource server's `401` asks for (RFC 9449 §9): its
/// `WWW-Authenticate` is a `DPoP` challenge with `error="use_dpop_nonce"`
/// and the answer carries a `DPoP-Nonce` header.
///
/// ```
/// use m2mauth::dpop::challenged_nonce;
/// let challenge = r#"DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof""#;
/// assert_eq!(challenged_nonce(Some(challenge), Some("eyJ7S_zG")), Some("eyJ7S_zG"));
/// assert_eq!(challenged_nonce(Some(r#"Bearer error="invalid_token""#), Some("n")), None);
/// ```
pub fn challenged_nonce<'a>(
    www_authenticate: Option<&str>,
    dpop_nonce: Option<&'a str>,
) -> Option<&'a str> {
    let challenge = www_authenticate?.trim_start();
    let (scheme, params) = challenge.split_once(' ').unwrap_or((challenge, ""));
    let asks = scheme.eq_ignore_ascii_case("dpop")
        && params.split(',').any(|p| {
            let (name, value) = p.split_once('=').unwrap_or((p, ""));
            name.trim().eq_ignore_ascii_case("error")
                && value.trim().trim_matches('"') == USE_DPOP_NONCE
        });
    dpop_nonce.map(str::trim).filter(|n| asks && !n.is_empty())
}

/// `htu`: the URL without query and fragment.
fn target_uri(url: &str) -> Result<String, Error> {
    let mut parsed = url::Url::parse(url)
        .map_err(|e| Error::config("url", format!("is not a valid URL for a DPoP proof ({e})")))?;
    parsed.set_query(None);
    parsed.set_fragment(None);
    Ok(parsed.into())
}

impl fmt::Debug for DpopKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "DpopKey({} {}, jkt {})",
            self.key.kind(),
            self.alg,
            self.thumbprint
        )
    }
}

#[cfg(test)]
mod tests;
