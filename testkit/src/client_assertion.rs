//! `client_secret_jwt` and `private_key_jwt` (RFC 7523 §2.2, §3): the
//! assertion's signature against the client's secret or registered keys,
//! its claims, and `jti` replay.

use serde_json::Value;

use crate::answer::Reply;
use crate::jose;
use crate::state::{Client, Inner, RecordedRequest, lock, unix_now};
use crate::token_endpoint::single;

/// `client_assertion_type` for a JWT.
pub(crate) const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// The longest an assertion may be valid for.
const MAX_LIFETIME_SECS: f64 = 600.0;
/// Clock tolerance.
const LEEWAY_SECS: f64 = 5.0;

fn refused(description: &str) -> Reply {
    Reply::oauth_error(401, "invalid_client", description)
}

/// Authenticates a client by its `client_assertion`.
pub(crate) fn authenticate(
    inner: &Inner,
    request: &RecordedRequest,
    params: &[(String, String)],
    assertion_type: &str,
) -> Result<Client, Reply> {
    if assertion_type != JWT_BEARER {
        return Err(refused(
            "client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        ));
    }
    if request.header("authorization").is_some() || single(params, "client_secret")?.is_some() {
        return Err(Reply::oauth_error(
            400,
            "invalid_request",
            "more than one client authentication method",
        ));
    }
    let Some(assertion) = single(params, "client_assertion")? else {
        return Err(refused("client_assertion is missing"));
    };
    let jws = jose::parse(assertion).ok_or_else(|| refused("client_assertion is not a JWT"))?;
    let text = |name: &str| jws.claims.get(name).and_then(Value::as_str);
    let (Some(iss), Some(sub)) = (text("iss"), text("sub")) else {
        return Err(refused("the assertion needs iss and sub"));
    };
    if iss != sub {
        return Err(refused(
            "the assertion's iss and sub must both be the client id",
        ));
    }
    if single(params, "client_id")?.is_some_and(|id| id != sub) {
        return Err(refused("client_id is not the assertion's sub"));
    }
    let client = lock(&inner.clients)
        .iter()
        .find(|c| c.id == sub)
        .cloned()
        .ok_or_else(|| refused("client authentication failed"))?;
    let signed = match jws.alg() {
        "HS256" => jws.verifies_with_secret(client.secret.as_bytes()),
        "none" | "" => return Err(refused("the assertion is not signed")),
        _ => client.keys.iter().any(|key| {
            let kid_fits = match (jws.header.get("kid"), key.get("kid")) {
                (Some(wanted), Some(have)) => wanted == have,
                _ => true,
            };
            kid_fits && jws.verifies_with(key)
        }),
    };
    if !signed {
        return Err(refused(
            "the assertion's signature does not verify with the client's credentials",
        ));
    }
    check_audience(inner, request, &jws.claims)?;
    check_times(&jws.claims)?;
    let Some(jti) = text("jti") else {
        return Err(refused("the assertion needs a jti"));
    };
    if !remember(&inner.assertion_jtis, jti) {
        return Err(refused("the assertion's jti was used before (a replay)"));
    }
    Ok(client)
}

/// `aud` must name this issuer or the endpoint the assertion was sent to.
fn check_audience(
    inner: &Inner,
    request: &RecordedRequest,
    claims: &serde_json::Map<String, Value>,
) -> Result<(), Reply> {
    let endpoint = format!(
        "{}{}",
        inner.issuer,
        request.path.split('?').next().unwrap_or("")
    );
    let accepted = |aud: &str| aud == endpoint || aud.trim_end_matches('/') == inner.issuer;
    let fits = match claims.get("aud") {
        Some(Value::String(aud)) => accepted(aud),
        Some(Value::Array(auds)) => auds.iter().filter_map(Value::as_str).any(accepted),
        _ => false,
    };
    if fits {
        Ok(())
    } else {
        Err(refused(&format!(
            "the assertion's aud must be {endpoint} or {}",
            inner.issuer
        )))
    }
}

fn check_times(claims: &serde_json::Map<String, Value>) -> Result<(), Reply> {
    let now = unix_now();
    let Some(exp) = claims.get("exp").and_then(Value::as_f64) else {
        return Err(refused("the assertion needs exp"));
    };
    if exp + LEEWAY_SECS < now {
        return Err(refused("the assertion has expired"));
    }
    if exp > now + MAX_LIFETIME_SECS {
        return Err(refused("the assertion's exp is too far ahead"));
    }
    if claims
        .get("iat")
        .and_then(Value::as_f64)
        .is_some_and(|iat| iat > now + LEEWAY_SECS)
    {
        return Err(refused("the assertion's iat is in the future"));
    }
    Ok(())
}

/// Records `jti`; false when it was seen before. The set is bounded: a
/// long-running issuer forgets the oldest by starting over.
pub(crate) fn remember(
    seen: &std::sync::Mutex<std::collections::HashSet<String>>,
    jti: &str,
) -> bool {
    let mut seen = lock(seen);
    if seen.len() >= 100_000 {
        seen.clear();
    }
    seen.insert(jti.to_owned())
}
