//! Routing and discovery.

use serde_json::{Value, json};

use crate::answer::{Answer, Reply};
use crate::resource;
use crate::state::{Inner, RecordedRequest};

/// Answers one request.
pub(crate) async fn route(inner: &Inner, request: RecordedRequest) -> Answer {
    let path = request.path.split('?').next().unwrap_or("").to_owned();
    match path.as_str() {
        "/oauth2/token" => crate::token_endpoint::answer(inner, request).await,
        "/oauth2/introspect" => Answer::Reply(resource::introspect(inner, &request)),
        "/oauth2/revoke" => Answer::Reply(resource::revoke(inner, &request)),
        "/.well-known/openid-configuration" | "/.well-known/oauth-authorization-server" => {
            Answer::Reply(Reply::json(200, &discovery(inner)))
        }
        "/.well-known/jwks.json" => resource::jwks(inner).await,
        "/api/whoami" => Answer::Reply(resource::whoami(inner, &request)),
        p if p.starts_with("/_testkit/") => Answer::Reply(crate::admin::handle(inner, &request)),
        _ => Answer::Reply(Reply::text(404, format!("no route for {path}"))),
    }
}

fn discovery(inner: &Inner) -> Value {
    json!({
        "issuer": inner.issuer,
        "token_endpoint": inner.token_url(),
        "jwks_uri": inner.jwks_url(),
        "introspection_endpoint": inner.introspection_url(),
        "revocation_endpoint": inner.revocation_url(),
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": [
            "client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt",
            "tls_client_auth", "self_signed_tls_client_auth"
        ],
        "token_endpoint_auth_signing_alg_values_supported": ["HS256", "RS256", "PS256", "ES256", "ES384", "EdDSA"],
        "dpop_signing_alg_values_supported": ["RS256", "PS256", "ES256", "ES384", "EdDSA"],
        "response_types_supported": ["token"],
        "tls_client_certificate_bound_access_tokens": inner.tls.is_some(),
        "mtls_endpoint_aliases": if inner.tls.is_some() {
            json!({
                "token_endpoint": inner.token_url(),
                "introspection_endpoint": inner.introspection_url(),
                "revocation_endpoint": inner.revocation_url(),
            })
        } else {
            Value::Null
        },
    })
}
