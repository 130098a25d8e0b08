//! What the issuer offers resource servers: the JWKS (with scriptable
//! outages, slowness and `Cache-Control`), introspection (RFC 7662) and
//! revocation (RFC 7009) of the tokens it issued, and a protected API.

use std::sync::atomic::Ordering;

use serde_json::{Value, json};

use crate::answer::{Answer, Reply};
use crate::state::{Inner, RecordedRequest, lock, unix_now};
use crate::token_endpoint::{authenticate, parse_params, single};

/// `GET /.well-known/jwks.json`, as the JWKS behaviour says.
pub(crate) async fn jwks(inner: &Inner) -> Answer {
    inner.jwks_requests.fetch_add(1, Ordering::SeqCst);
    let behaviour = lock(&inner.jwks).clone();
    if !behaviour.delay.is_zero() {
        tokio::time::sleep(behaviour.delay).await;
    }
    if let Some(status) = behaviour.status {
        return Answer::Reply(Reply::text(status, "the JWKS is unavailable"));
    }
    let document = lock(&inner.keys).jwks();
    let mut reply = Reply::json(200, &document);
    reply.headers.retain(|(name, _)| name != "cache-control");
    if let Some(max_age) = behaviour.max_age {
        reply = reply.with_header("cache-control", format!("public, max-age={max_age}"));
    }
    Answer::Reply(reply)
}

/// Whether `token` (a JWT of this issuer, or an opaque token it issued) is
/// active, and its claims.
fn lookup(inner: &Inner, token: &str) -> Option<Value> {
    let name = inner.token_name(token);
    if lock(&inner.revoked).contains(&name) {
        return None;
    }
    let claims = match lock(&inner.keys).verify(token) {
        Some(claims) => claims,
        None => lock(&inner.issued).get(&name)?.claims.clone(),
    };
    let exp = claims.get("exp").and_then(Value::as_f64)?;
    let seq = claims
        .get("seq")
        .and_then(Value::as_u64)
        .unwrap_or(u64::MAX);
    (exp > unix_now() && seq > inner.revoked_through.load(Ordering::SeqCst)).then_some(claims)
}

/// `POST /oauth2/introspect`: a registered client asks about a token.
pub(crate) fn introspect(inner: &Inner, request: &RecordedRequest) -> Reply {
    inner.introspection_requests.fetch_add(1, Ordering::SeqCst);
    let params = match parse_params(request) {
        Ok(params) => params,
        Err(reply) => return reply,
    };
    if let Err(reply) = authenticate(inner, request, &params) {
        return reply;
    }
    let token = match single(&params, "token") {
        Ok(Some(token)) => token.to_owned(),
        Ok(None) => return Reply::oauth_error(400, "invalid_request", "token is missing"),
        Err(reply) => return reply,
    };
    match lookup(inner, &token) {
        Some(claims) => {
            let mut answer = json!({"active": true, "token_type": "Bearer"});
            for (name, value) in claims.as_object().into_iter().flatten() {
                if name != "seq" {
                    answer[name] = value.clone();
                }
            }
            Reply::json(200, &answer)
        }
        None => Reply::json(200, &json!({"active": false})),
    }
}

/// `POST /oauth2/revoke`: a registered client revokes a token (200 also
/// for tokens that were unknown or revoked already, RFC 7009 §2.2).
pub(crate) fn revoke(inner: &Inner, request: &RecordedRequest) -> Reply {
    inner.revocation_requests.fetch_add(1, Ordering::SeqCst);
    let params = match parse_params(request) {
        Ok(params) => params,
        Err(reply) => return reply,
    };
    if let Err(reply) = authenticate(inner, request, &params) {
        return reply;
    }
    match single(&params, "token") {
        Ok(Some(token)) => {
            let name = inner.token_name(token);
            lock(&inner.revoked).insert(name);
            Reply::text(200, "")
        }
        Ok(None) => Reply::oauth_error(400, "invalid_request", "token is missing"),
        Err(reply) => reply,
    }
}

/// A resource server: 200 for an active token of this issuer; 401 with
/// `WWW-Authenticate: Bearer …` otherwise (RFC 6750 §3). A DPoP-bound token
/// (`cnf.jkt`) needs `Authorization: DPoP …` and a proof by its key, with the
/// nonce when nonces are required (RFC 9449 §7, §9).
pub(crate) fn whoami(inner: &Inner, request: &RecordedRequest) -> Reply {
    inner.api_requests.fetch_add(1, Ordering::SeqCst);
    let credentials = request
        .header("authorization")
        .and_then(|h| h.split_once(' '))
        .map(|(scheme, token)| (scheme.to_ascii_lowercase(), token.trim()));
    let Some((scheme, token)) = credentials.filter(|(s, _)| s == "bearer" || s == "dpop") else {
        return Reply::text(401, "bearer token required")
            .with_header("www-authenticate", "Bearer realm=\"m2mauth-testkit\"");
    };
    let bound =
        lookup(inner, token).and_then(|c| c.get("cnf")?.get("jkt")?.as_str().map(str::to_owned));
    if scheme == "dpop" || bound.is_some() {
        let jkt = match crate::dpop::check(inner, request, crate::dpop::At::Resource, Some(token)) {
            Ok(jkt) => jkt,
            Err(reply) => return reply,
        };
        if scheme != "dpop" || jkt.is_none() || jkt != bound {
            let why = "a DPoP-bound token needs the DPoP scheme and a proof by its key";
            return Reply::json(
                401,
                &json!({"error": "invalid_token", "error_description": why}),
            )
            .with_header(
                "www-authenticate",
                format!("DPoP error=\"invalid_token\", error_description=\"{why}\""),
            );
        }
    }
    let Some(claims) = lookup(inner, token) else {
        let why = "the token is not active";
        return Reply::json(401, &json!({"error": "invalid_token", "error_description": why})).with_header(
            "www-authenticate",
            format!("Bearer realm=\"m2mauth-testkit\", error=\"invalid_token\", error_description=\"{why}\""),
        );
    };
    Reply::json(
        200,
        &json!({"sub": claims["sub"], "scope": claims.get("scope"), "aud": claims.get("aud")}),
    )
}
