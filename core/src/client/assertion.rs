//! Client assertions (RFC 7523 §2.2, OIDC Core §9): a JWT the client signs
//! for each attempt, with its key (`private_key_jwt`) or its secret
//! (`client_secret_jwt`, HS256).

use std::fmt;

use ring::hmac;
use serde_json::{Map, Value, json};

use crate::config::SigningAlg;
use crate::keys::{SigningKey, compact_jws};
use crate::protocol::Attempt;
use crate::{Error, Secret};

/// `client_assertion_type` for a JWT (RFC 7523 §2.2).
pub(crate) const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How long an assertion is valid: long enough for a slow network, short
/// enough that a captured one is of little use.
const LIFETIME_SECS: u64 = 60;

/// Signs client assertions.
#[derive(Clone)]
pub(crate) enum Signer {
    /// `private_key_jwt`.
    Key {
        key: SigningKey,
        alg: SigningAlg,
        kid: String,
    },
    /// `client_secret_jwt`: HMAC-SHA256 with the client secret.
    Hmac(hmac::Key),
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Signer::Key { key, alg, .. } => write!(f, "{key:?} signing {alg}"),
            Signer::Hmac(_) => f.write_str("HS256 with the client secret"),
        }
    }
}

/// The `aud` of client assertions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Audience {
    /// The URL of the endpoint the assertion is sent to (the default).
    Endpoint,
    /// The issuer identifier.
    Issuer,
    /// This URL.
    Url(String),
}

impl Audience {
    pub(crate) fn parse(text: &str) -> Result<Audience, String> {
        match text.trim() {
            "token_endpoint" => Ok(Audience::Endpoint),
            "issuer" => Ok(Audience::Issuer),
            other if url::Url::parse(other).is_ok() => Ok(Audience::Url(other.to_owned())),
            _ => Err("must be token_endpoint, issuer, or an absolute URL".to_owned()),
        }
    }
}

impl Signer {
    /// A signed assertion for `client_id`, addressed to `aud`, at `attempt`.
    pub(crate) fn assertion(
        &self,
        client_id: &str,
        aud: &str,
        attempt: &Attempt,
    ) -> Result<Secret, Error> {
        let now = attempt.unix_time();
        let claims = json!({
            "iss": client_id,
            "sub": client_id,
            "aud": aud,
            "jti": attempt.assertion_jti(),
            "iat": now,
            "exp": now + LIFETIME_SECS,
        });
        let Value::Object(claims) = claims else {
            unreachable!("json! of an object literal is an object")
        };
        let mut header = Map::new();
        header.insert("typ".into(), "JWT".into());
        let signed = match self {
            Signer::Key { key, alg, kid } => {
                header.insert("alg".into(), alg.as_str().into());
                header.insert("kid".into(), kid.as_str().into());
                compact_jws(&header, &claims, |input| key.sign(*alg, input))
            }
            Signer::Hmac(key) => {
                header.insert("alg".into(), "HS256".into());
                compact_jws(&header, &claims, |input| {
                    Ok(hmac::sign(key, input).as_ref().to_vec())
                })
            }
        };
        signed.map_err(|problem| {
            Error::internal(format!("cannot sign the client assertion: {problem}"))
        })
    }
}
