//! DPoP proofs (RFC 9449 §4.3) at the token endpoint and the API: checked
//! strictly, with server nonces when asked for (`POST /_testkit/dpop`).

use serde_json::Value;

use crate::answer::Reply;
use crate::jose;
use crate::state::{Inner, RecordedRequest, lock, unix_now};

/// How far `iat` may be from now.
const IAT_WINDOW_SECS: f64 = 60.0;

/// Where a proof is checked, which decides how a refusal is answered.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum At {
    /// The token endpoint: 400 `invalid_dpop_proof` / `use_dpop_nonce`.
    TokenEndpoint,
    /// A resource: 401 with `WWW-Authenticate: DPoP …`.
    Resource,
}

/// The DPoP settings of the issuer.
#[derive(Clone, Debug, Default)]
pub(crate) struct DpopSettings {
    /// Whether proofs must carry the current nonce.
    pub(crate) require_nonce: bool,
    /// The current nonce.
    pub(crate) nonce: String,
}

fn refuse(at: At, error: &str, description: &str, nonce: Option<&str>) -> Reply {
    let mut reply = match at {
        At::TokenEndpoint => Reply::oauth_error(400, error, description),
        At::Resource => Reply::json(
            401,
            &serde_json::json!({"error": error, "error_description": description}),
        )
        .with_header(
            "www-authenticate",
            format!("DPoP error=\"{error}\", error_description=\"{description}\""),
        ),
    };
    if let Some(nonce) = nonce {
        reply = reply.with_header("dpop-nonce", nonce);
    }
    reply
}

/// Checks the request's `DPoP` proof for `method` and this URL (and, at a
/// resource, for `access_token`). `Ok(None)`: no proof was sent;
/// `Ok(Some(jkt))`: a valid proof by the key with that thumbprint.
pub(crate) fn check(
    inner: &Inner,
    request: &RecordedRequest,
    at: At,
    access_token: Option<&str>,
) -> Result<Option<String>, Reply> {
    let proofs: Vec<&str> = request
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("dpop"))
        .map(|(_, v)| v.as_str())
        .collect();
    let proof = match proofs.as_slice() {
        [] => return Ok(None),
        [one] => *one,
        _ => {
            return Err(refuse(
                at,
                "invalid_dpop_proof",
                "more than one DPoP header",
                None,
            ));
        }
    };
    let invalid = |why: &str| refuse(at, "invalid_dpop_proof", why, None);
    let jws = jose::parse(proof).ok_or_else(|| invalid("the DPoP proof is not a JWT"))?;
    if jws.header.get("typ").and_then(Value::as_str) != Some("dpop+jwt") {
        return Err(invalid("the DPoP proof's typ must be dpop+jwt"));
    }
    let jwk = jws
        .header
        .get("jwk")
        .ok_or_else(|| invalid("the DPoP proof has no jwk"))?;
    if jwk.get("d").is_some() {
        return Err(invalid("the DPoP proof's jwk holds a private key"));
    }
    if jws.alg().starts_with("HS") || !jws.verifies_with(jwk) {
        return Err(invalid(
            "the DPoP proof's signature does not verify with its jwk",
        ));
    }
    let text = |name: &str| jws.claims.get(name).and_then(Value::as_str);
    if text("htm") != Some(request.method.as_str()) {
        return Err(invalid("the DPoP proof's htm is not the request's method"));
    }
    let url = format!(
        "{}{}",
        inner.issuer,
        request.path.split('?').next().unwrap_or("")
    );
    if text("htu") != Some(url.as_str()) {
        return Err(invalid(&format!("the DPoP proof's htu must be {url}")));
    }
    let now = unix_now();
    match jws.claims.get("iat").and_then(Value::as_f64) {
        Some(iat) if (iat - now).abs() <= IAT_WINDOW_SECS => {}
        _ => return Err(invalid("the DPoP proof's iat is missing or not recent")),
    }
    if let Some(token) = access_token
        && text("ath") != Some(jose::sha256_b64(token.as_bytes()).as_str())
    {
        return Err(invalid(
            "the DPoP proof's ath is not the hash of the access token",
        ));
    }
    let settings = lock(&inner.dpop).clone();
    if settings.require_nonce && text("nonce") != Some(settings.nonce.as_str()) {
        return Err(refuse(
            at,
            "use_dpop_nonce",
            "a DPoP nonce is required",
            Some(&settings.nonce),
        ));
    }
    let jti = text("jti").ok_or_else(|| invalid("the DPoP proof needs a jti"))?;
    if !crate::client_assertion::remember(&inner.proof_jtis, jti) {
        return Err(invalid("the DPoP proof's jti was used before (a replay)"));
    }
    jose::thumbprint(jwk)
        .map(Some)
        .ok_or_else(|| invalid("the DPoP proof's jwk is not a public key"))
}
