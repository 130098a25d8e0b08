//! A JWT in JWS compact serialization (RFC 7515 §7.1), taken apart without
//! trusting any of it: sizes are bounded, every part must be canonical
//! base64url, the header and the claims must be JSON objects.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use crate::{Error, ErrorCode};

/// The longest token accepted: access tokens are a few KiB.
pub(crate) const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// Header parameters this verifier understands, for `crit` (RFC 7515
/// §4.1.11: a token that makes any other one critical is refused).
const UNDERSTOOD: [&str; 4] = ["alg", "kid", "typ", "cty"];

/// The parts of a JWS, decoded but not verified.
pub(crate) struct Jws<'a> {
    /// `base64url(header) "." base64url(payload)`: what the signature covers.
    pub(crate) signing_input: &'a str,
    pub(crate) signature: Vec<u8>,
    /// The `alg` header.
    pub(crate) alg: String,
    /// The `kid` header, when there is one.
    pub(crate) kid: Option<String>,
    /// The `typ` header, when there is one.
    pub(crate) typ: Option<String>,
    /// The `jwk` header (a DPoP proof's key), when it is an object.
    pub(crate) header_jwk: Option<Map<String, Value>>,
    /// The claims, not yet checked.
    pub(crate) claims: Map<String, Value>,
}

fn malformed(problem: impl Into<String>) -> Error {
    Error::invalid_token(ErrorCode::TokenMalformed, problem)
}

/// Whether `token` has the shape of a JWS (three base64url parts whose first
/// decodes to a JSON object), so that it is checked as a JWT rather than
/// introspected as an opaque token.
pub(crate) fn looks_like_jwt(token: &str) -> bool {
    let mut parts = token.split('.');
    let header = parts.next().unwrap_or_default();
    parts.count() == 2 && decode_object(header).is_some()
}

fn decode(part: &str) -> Option<Vec<u8>> {
    // The standard engine refuses padding and non-canonical trailing bits:
    // every token has exactly one encoding, so a tampered one cannot pass
    // as the original.
    URL_SAFE_NO_PAD.decode(part).ok()
}

fn decode_object(part: &str) -> Option<Map<String, Value>> {
    match serde_json::from_slice(&decode(part)?) {
        Ok(Value::Object(object)) => Some(object),
        _ => None,
    }
}

/// Takes `token` apart. Errors are `TOKEN_MALFORMED` (or `TOKEN_TYPE` for a
/// `typ` that is not a JWT's); nothing about the token is trusted yet.
pub(crate) fn parse(token: &str) -> Result<Jws<'_>, Error> {
    let token = token.trim();
    if token.is_empty() {
        return Err(malformed("the token is empty"));
    }
    if token.len() > MAX_TOKEN_BYTES {
        return Err(malformed(format!(
            "the token is longer than {} KiB",
            MAX_TOKEN_BYTES / 1024
        )));
    }
    let parts: Vec<&str> = token.split('.').collect();
    let [header, payload, signature] = parts[..] else {
        return Err(malformed(match parts.len() {
            5 => "an encrypted token (JWE) cannot be verified here".to_owned(),
            1 => "not a JWT (no '.' separated parts)".to_owned(),
            n => format!("a JWT has 3 parts separated by '.', not {n}"),
        }));
    };
    let header = decode_object(header)
        .ok_or_else(|| malformed("the JWT header is not base64url-encoded JSON"))?;
    let claims = decode_object(payload)
        .ok_or_else(|| malformed("the JWT claims are not a base64url-encoded JSON object"))?;
    let signature = decode(signature).ok_or_else(|| malformed("the signature is not base64url"))?;
    let text = |name: &str| -> Result<Option<String>, Error> {
        match header.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(malformed(format!("the header's {name} is not a string"))),
        }
    };
    let alg = text("alg")?.ok_or_else(|| malformed("the header has no alg"))?;
    if let Some(crit) = header.get("crit") {
        let Value::Array(names) = crit else {
            return Err(malformed("the header's crit is not a list"));
        };
        if let Some(unknown) = names
            .iter()
            .find(|n| !n.as_str().is_some_and(|n| UNDERSTOOD.contains(&n)))
        {
            return Err(malformed(format!(
                "the header makes {} critical, which this verifier does not understand",
                crate::protocol::text::cut(&unknown.to_string(), 40)
            )));
        }
    }
    let Some((signing_input, _)) = token.rsplit_once('.') else {
        return Err(malformed("a JWT has 3 parts"));
    };
    Ok(Jws {
        signing_input,
        signature,
        alg,
        kid: text("kid")?,
        typ: text("typ")?,
        header_jwk: header.get("jwk").and_then(Value::as_object).cloned(),
        claims,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(text: &str) -> String {
        URL_SAFE_NO_PAD.encode(text)
    }

    fn token(header: &str, claims: &str) -> String {
        format!("{}.{}.{}", b64(header), b64(claims), b64("sig"))
    }

    fn code(token: &str) -> ErrorCode {
        match parse(token) {
            Ok(_) => panic!("{token} parsed"),
            Err(e) => e.code(),
        }
    }

    #[test]
    fn a_well_formed_jws_is_taken_apart() {
        let t = token(
            r#"{"alg":"RS256","kid":"k1","typ":"at+jwt"}"#,
            r#"{"sub":"svc"}"#,
        );
        let jws = parse(&t).unwrap();
        assert_eq!(
            (jws.alg.as_str(), jws.kid.as_deref()),
            ("RS256", Some("k1"))
        );
        assert_eq!(jws.claims["sub"], "svc");
        assert_eq!(jws.signature, b"sig");
        assert!(t.starts_with(jws.signing_input));
        assert!(looks_like_jwt(&t));
        assert!(!looks_like_jwt("opaque-token-value"));
    }

    #[test]
    fn anything_else_is_malformed() {
        for bad in [
            String::new(),
            "abc".to_owned(),
            "a.b".to_owned(),
            "a.b.c.d.e".to_owned(),
            token("not json", "{}"),
            token(r#"{"alg":"RS256"}"#, "[1]"),
            token(r#"{"kid":"k"}"#, "{}"),
            token(r#"{"alg":5}"#, "{}"),
            token(r#"{"alg":"RS256","crit":["exp"]}"#, "{}"),
            format!(
                "{}.{}.{}=",
                b64(r#"{"alg":"RS256"}"#),
                b64("{}"),
                b64("sig")
            ),
            format!("{}.{}.s+g", b64(r#"{"alg":"RS256"}"#), b64("{}")),
            "x".repeat(MAX_TOKEN_BYTES + 1),
        ] {
            assert_eq!(code(&bad), ErrorCode::TokenMalformed, "{bad:.80}");
        }
    }
}
