//! The issuer's signing keys (Ed25519, ES256, RS256), the JWKS that
//! publishes them, and JWTs signed with any of them or with keys it does
//! not publish (for tests of forged tokens).
//!
//! The RSA keys are fixed 2048-bit test keys (ring cannot generate RSA
//! keys); the EC and Ed25519 keys are generated at start.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{
    self, ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair,
};
use serde_json::{Map, Value, json};

/// Test RSA keys (PKCS#8 PEM), in the order rotations use them.
const RSA_KEYS: [&str; 3] = [
    include_str!("../keys/rsa-1.pem"),
    include_str!("../keys/rsa-2.pem"),
    include_str!("../keys/rsa-3.pem"),
];

/// The JWS algorithms the issuer signs with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alg {
    /// Ed25519 (the default).
    EdDsa,
    /// ECDSA P-256 with SHA-256.
    Es256,
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Rs256,
    /// RSASSA-PSS with SHA-256 (with the RSA key).
    Ps256,
}

impl Alg {
    /// The JWS name.
    pub fn as_str(self) -> &'static str {
        match self {
            Alg::EdDsa => "EdDSA",
            Alg::Es256 => "ES256",
            Alg::Rs256 => "RS256",
            Alg::Ps256 => "PS256",
        }
    }

    /// The algorithm named `name`.
    pub fn from_name(name: &str) -> Option<Alg> {
        [Alg::EdDsa, Alg::Es256, Alg::Rs256, Alg::Ps256]
            .into_iter()
            .find(|a| a.as_str() == name)
    }
}

enum Pair {
    Ed(Ed25519KeyPair),
    Ec(EcdsaKeyPair),
    Rsa(RsaKeyPair),
}

/// One signing key and its public JWK.
struct Signer {
    pair: Pair,
    jwk: Map<String, Value>,
    kid: String,
}

impl Signer {
    fn new(pair: Pair) -> Signer {
        // RFC 7638: the required members, in lexicographic order.
        let mut jwk = match &pair {
            Pair::Ed(p) => {
                json!({"crv": "Ed25519", "kty": "OKP", "x": b64(p.public_key().as_ref())})
            }
            Pair::Ec(p) => {
                let point = p.public_key().as_ref();
                let (x, y) = point[1..].split_at(point.len() / 2);
                json!({"crv": "P-256", "kty": "EC", "x": b64(x), "y": b64(y)})
            }
            Pair::Rsa(p) => {
                let public: ring::rsa::PublicKeyComponents<Vec<u8>> = p.public().into();
                json!({"e": b64(&public.e), "kty": "RSA", "n": b64(&public.n)})
            }
        };
        let kid =
            b64(ring::digest::digest(&ring::digest::SHA256, jwk.to_string().as_bytes()).as_ref());
        jwk["kid"] = json!(kid);
        jwk["use"] = json!("sig");
        let Value::Object(jwk) = jwk else {
            unreachable!("a JSON object literal")
        };
        Signer { pair, jwk, kid }
    }

    fn fits(&self, alg: Alg) -> bool {
        matches!(
            (&self.pair, alg),
            (Pair::Ed(_), Alg::EdDsa)
                | (Pair::Ec(_), Alg::Es256)
                | (Pair::Rsa(_), Alg::Rs256 | Alg::Ps256)
        )
    }

    fn sign(&self, alg: Alg, message: &[u8], rng: &SystemRandom) -> Option<Vec<u8>> {
        match (&self.pair, alg) {
            (Pair::Ed(p), Alg::EdDsa) => Some(p.sign(message).as_ref().to_vec()),
            (Pair::Ec(p), Alg::Es256) => p.sign(rng, message).ok().map(|s| s.as_ref().to_vec()),
            (Pair::Rsa(p), Alg::Rs256 | Alg::Ps256) => {
                let padding: &dyn signature::RsaEncoding = if alg == Alg::Rs256 {
                    &signature::RSA_PKCS1_SHA256
                } else {
                    &signature::RSA_PSS_SHA256
                };
                let mut out = vec![0u8; p.public().modulus_len()];
                p.sign(padding, rng, message, &mut out).ok()?;
                Some(out)
            }
            _ => None,
        }
    }
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The DER inside a PEM block.
fn pem_der(pem: &str) -> Option<Vec<u8>> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body).ok()
}

/// How a minted token is made: which key and algorithm, which header.
#[derive(Clone, Debug, Default)]
pub struct Mint {
    /// The algorithm (default: the issuer's token algorithm).
    pub alg: Option<Alg>,
    /// Sign with a key the JWKS does not publish (a forgery).
    pub unpublished_key: bool,
    /// The `kid` header (default: the signing key's), or `Some(None)` for none.
    pub kid: Option<Option<String>>,
    /// The `typ` header (default `at+jwt`), or `Some(None)` for none.
    pub typ: Option<Option<String>>,
    /// The `alg` header written, whatever key signs (for `none` and confusion tests).
    pub alg_header: Option<String>,
    /// Leave the signature off (`header.claims.`), as an `alg: none` token is.
    pub unsigned: bool,
}

/// The issuer's keys: those the JWKS publishes, and spares for forgeries
/// and rotations.
pub(crate) struct KeyRing {
    rng: SystemRandom,
    published: Vec<Signer>,
    unpublished: Vec<Signer>,
    /// The next RSA test key a rotation uses.
    next_rsa: usize,
    /// The algorithm issued tokens are signed with.
    pub(crate) token_alg: Alg,
}

impl KeyRing {
    pub(crate) fn generate() -> Result<KeyRing, String> {
        let rng = SystemRandom::new();
        let published = vec![ed25519(&rng)?, es256(&rng)?, rsa(0)?];
        let unpublished = vec![ed25519(&rng)?, es256(&rng)?, rsa(2)?];
        Ok(KeyRing {
            rng,
            published,
            unpublished,
            next_rsa: 1,
            token_alg: Alg::EdDsa,
        })
    }

    /// The JWKS document.
    pub(crate) fn jwks(&self) -> Value {
        let keys: Vec<Value> = self
            .published
            .iter()
            .map(|s| {
                let mut jwk = s.jwk.clone();
                let alg = match s.pair {
                    Pair::Ed(_) => "EdDSA",
                    Pair::Ec(_) => "ES256",
                    Pair::Rsa(_) => "RS256",
                };
                // The RSA key signs PS256 too, so it names no alg of its own.
                if !matches!(s.pair, Pair::Rsa(_)) {
                    jwk.insert("alg".to_owned(), json!(alg));
                }
                Value::Object(jwk)
            })
            .collect();
        json!({ "keys": keys })
    }

    /// Replaces the published keys with new ones (the old ones vanish from
    /// the JWKS, as after an IdP's key rollover); tokens are signed with the
    /// new ones from now on.
    pub(crate) fn rotate(&mut self) -> Result<(), String> {
        let rsa_index = self.next_rsa % 2;
        self.next_rsa += 1;
        self.published = vec![ed25519(&self.rng)?, es256(&self.rng)?, rsa(rsa_index)?];
        Ok(())
    }

    /// A random identifier (for `jti` and opaque tokens).
    pub(crate) fn random_id(&self) -> String {
        let mut bytes = [0u8; 16];
        // SystemRandom only fails if the OS has no randomness at all.
        if self.rng.fill(&mut bytes).is_err() {
            return "no-randomness".to_owned();
        }
        b64(&bytes)
    }

    /// Signs `claims` as a JWT the issuer's way (`typ: at+jwt`).
    pub(crate) fn sign(&self, claims: &Value) -> String {
        self.mint(claims, &Mint::default())
            .unwrap_or_else(|| "signing-failed".to_owned())
    }

    /// A JWT of `claims` made as `how` says; `None` if no key fits.
    pub(crate) fn mint(&self, claims: &Value, how: &Mint) -> Option<String> {
        let alg = how.alg.unwrap_or(self.token_alg);
        let keys = if how.unpublished_key {
            &self.unpublished
        } else {
            &self.published
        };
        let signer = keys.iter().find(|s| s.fits(alg))?;
        let mut header = Map::new();
        header.insert(
            "alg".to_owned(),
            json!(
                how.alg_header
                    .clone()
                    .unwrap_or_else(|| alg.as_str().to_owned())
            ),
        );
        if let Some(typ) = how.typ.clone().unwrap_or_else(|| Some("at+jwt".to_owned())) {
            header.insert("typ".to_owned(), json!(typ));
        }
        if let Some(kid) = how.kid.clone().unwrap_or_else(|| Some(signer.kid.clone())) {
            header.insert("kid".to_owned(), json!(kid));
        }
        let signing_input = format!(
            "{}.{}",
            b64(Value::Object(header).to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        if how.unsigned {
            return Some(format!("{signing_input}."));
        }
        let signature = signer.sign(alg, signing_input.as_bytes(), &self.rng)?;
        Some(format!("{signing_input}.{}", b64(&signature)))
    }

    /// The claims of `token` if one of the published keys signed it.
    pub(crate) fn verify(&self, token: &str) -> Option<Value> {
        let (signing_input, signature) = token.rsplit_once('.')?;
        let (header, payload) = signing_input.split_once('.')?;
        let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).ok()?).ok()?;
        let alg = Alg::from_name(header.get("alg")?.as_str()?)?;
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        let verified = self.published.iter().filter(|s| s.fits(alg)).any(|s| {
            let public = s.pair_public();
            let algorithm: &dyn signature::VerificationAlgorithm = match alg {
                Alg::EdDsa => &signature::ED25519,
                Alg::Es256 => &signature::ECDSA_P256_SHA256_FIXED,
                Alg::Rs256 => &signature::RSA_PKCS1_2048_8192_SHA256,
                Alg::Ps256 => &signature::RSA_PSS_2048_8192_SHA256,
            };
            signature::UnparsedPublicKey::new(algorithm, public)
                .verify(signing_input.as_bytes(), &signature)
                .is_ok()
        });
        if !verified {
            return None;
        }
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
    }
}

impl Signer {
    /// The public key in the form ring's verifiers take.
    fn pair_public(&self) -> &[u8] {
        match &self.pair {
            Pair::Ed(p) => p.public_key().as_ref(),
            Pair::Ec(p) => p.public_key().as_ref(),
            Pair::Rsa(p) => p.public().as_ref(),
        }
    }
}

fn ed25519(rng: &SystemRandom) -> Result<Signer, String> {
    let pkcs8 =
        Ed25519KeyPair::generate_pkcs8(rng).map_err(|_| "cannot generate an Ed25519 key")?;
    let pair =
        Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).map_err(|_| "cannot load the Ed25519 key")?;
    Ok(Signer::new(Pair::Ed(pair)))
}

fn es256(rng: &SystemRandom) -> Result<Signer, String> {
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, rng)
        .map_err(|_| "cannot generate a P-256 key")?;
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), rng)
        .map_err(|_| "cannot load the P-256 key")?;
    Ok(Signer::new(Pair::Ec(pair)))
}

fn rsa(index: usize) -> Result<Signer, String> {
    let der = pem_der(RSA_KEYS[index]).ok_or("a test RSA key is not PEM")?;
    let pair = RsaKeyPair::from_pkcs8(&der).map_err(|e| format!("a test RSA key: {e}"))?;
    Ok(Signer::new(Pair::Rsa(pair)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_with_every_algorithm_and_verifies_only_published_keys() {
        let ring = KeyRing::generate().unwrap();
        for alg in [Alg::EdDsa, Alg::Es256, Alg::Rs256, Alg::Ps256] {
            let how = Mint {
                alg: Some(alg),
                ..Mint::default()
            };
            let token = ring.mint(&json!({"sub": "svc"}), &how).unwrap();
            assert_eq!(ring.verify(&token).unwrap()["sub"], "svc", "{alg:?}");
            let forged = Mint {
                unpublished_key: true,
                ..how
            };
            assert!(
                ring.verify(&ring.mint(&json!({}), &forged).unwrap())
                    .is_none()
            );
        }
        assert_eq!(ring.jwks()["keys"].as_array().unwrap().len(), 3);
        assert_eq!(ring.jwks()["keys"][0]["kid"].as_str().unwrap().len(), 43);
    }

    #[test]
    fn rotation_replaces_the_published_keys() {
        let mut ring = KeyRing::generate().unwrap();
        let before = ring.sign(&json!({"n": 1}));
        ring.rotate().unwrap();
        assert!(ring.verify(&before).is_none());
        assert!(ring.verify(&ring.sign(&json!({"n": 2}))).is_some());
    }
}
