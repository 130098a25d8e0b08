//! Routing, discovery, JWKS and the protected API.

use std::sync::atomic::Ordering;

use serde_json::{Value, json};

use crate::answer::{Answer, Reply};
use crate::state::{Inner, RecordedRequest, unix_now};

/// Answers one request.
pub(crate) async fn route(inner: &Inner, request: RecordedRequest) -> Answer {
    let path = request.path.split('?').next().unwrap_or("").to_owned();
    match path.as_str() {
        "/oauth2/token" => crate::token_endpoint::answer(inner, request).await,
        "/.well-known/openid-configuration" | "/.well-known/oauth-authorization-server" => {
            Answer::Reply(Reply::json(200, &discovery(inner)))
        }
        "/.well-known/jwks.json" => Answer::Reply(Reply::json(200, &inner.key.jwks())),
        "/api/whoami" => Answer::Reply(whoami(inner, &request)),
        p if p.starts_with("/_testkit/") => Answer::Reply(crate::admin::handle(inner, &request)),
        _ => Answer::Reply(Reply::text(404, format!("no route for {path}"))),
    }
}

fn discovery(inner: &Inner) -> Value {
    json!({
        "issuer": inner.issuer,
        "token_endpoint": inner.token_url(),
        "jwks_uri": inner.jwks_url(),
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "response_types_supported": ["token"],
    })
}

/// A resource server: 200 for a valid, unexpired, unrevoked token of this
/// issuer; 401 with `WWW-Authenticate: Bearer …` otherwise (RFC 6750 §3).
fn whoami(inner: &Inner, request: &RecordedRequest) -> Reply {
    inner.api_requests.fetch_add(1, Ordering::SeqCst);
    let token = request
        .header("authorization")
        .and_then(|h| h.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    let Some(token) = token else {
        return Reply::text(401, "bearer token required")
            .with_header("www-authenticate", "Bearer realm=\"m2mauth-testkit\"");
    };
    let rejected = |why: &str| {
        Reply::json(401, &json!({"error": "invalid_token", "error_description": why})).with_header(
            "www-authenticate",
            format!("Bearer realm=\"m2mauth-testkit\", error=\"invalid_token\", error_description=\"{why}\""),
        )
    };
    let Some(claims) = inner.key.verify(token) else {
        return rejected("bad signature");
    };
    if claims
        .get("exp")
        .and_then(Value::as_f64)
        .is_none_or(|exp| exp <= unix_now())
    {
        return rejected("token expired");
    }
    let seq = claims.get("seq").and_then(Value::as_u64).unwrap_or(0);
    if seq <= inner.revoked_through.load(Ordering::SeqCst) {
        return rejected("token revoked");
    }
    Reply::json(
        200,
        &json!({"sub": claims["sub"], "scope": claims.get("scope"), "aud": claims.get("aud")}),
    )
}
