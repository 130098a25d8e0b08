//! `/_testkit/*`: scripting the issuer over HTTP, for test suites in any
//! language (C, C#, Go …) that run it as a separate process.
//!
//! | request | effect |
//! |---|---|
//! | `GET /_testkit/stats` | `{"token_requests": n, "api_requests": n, "tokens_issued": n, "jwks_requests": n, "introspection_requests": n, "revocation_requests": n}` |
//! | `GET /_testkit/requests` | the token requests received, as JSON |
//! | `POST /_testkit/fault` | queue a fault: `{"status": 503, "retry_after": "1", "body": "…", "content_type": "…"}`, `{"hang": true}`, `{"close": true}`, `{"echo": true}` (an `invalid_client` whose description echoes the request), `{"delay_ms": 500}` or `{"redirect": "https://…"}`; add `"sticky": true` to apply it to every request until cleared |
//! | `POST /_testkit/clear` | drop queued and sticky faults |
//! | `POST /_testkit/lifetime` | `{"seconds": n}`: lifetime of new tokens |
//! | `POST /_testkit/latency` | `{"ms": n}`: delay before every token answer |
//! | `POST /_testkit/revoke` | every token issued so far now gets 401 at the API |
//! | `POST /_testkit/mint` | a JWT: `{"claims": {…}, "alg": "RS256", "forged": true, "kid": "x" or null, "typ": "JWT" or null, "alg_header": "none", "unsigned": true}` (all but `claims` optional) |
//! | `POST /_testkit/rotate` | new published keys (a rollover) |
//! | `POST /_testkit/client_key` | `{"jwk": {…}, "client_id": "test-client"}`: trust this key (its public part) for the client's `private_key_jwt` assertions |
//! | `POST /_testkit/client_certificate` | `{"client_id": "test-client", "self_signed": false}`: a client certificate for mTLS (issued by the HTTPS issuer's CA, or self-signed), trusted for the client; answers `{"cert": PEM, "key": PEM}` |
//! | `POST /_testkit/dpop` | `{"require_nonce": true}`: DPoP proofs must carry the issuer's nonce (`use_dpop_nonce` otherwise); `{"rotate_nonce": true}`: a new nonce |
//! | `POST /_testkit/jwks` | `{"status": 503, "delay_ms": 500, "max_age": 60}`: how the JWKS endpoint answers (`{}` restores it) |
//! | `POST /_testkit/tokens` | `{"format": "opaque" or "jwt", "alg": "RS256"}`: how tokens are issued |
//! | `POST /_testkit/reset` | counters, recordings, faults, revocations and vector cleared |
//! | `POST /_testkit/vector` | arm a conformance vector (the body is the vector file); answers two lines: the configuration JSON for this issuer, and the expected outcome line |
//! | `POST /_testkit/outcome` | the outcome line a binding observed; answers `ok` or what differs, request included |

use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::{Value, json};

use crate::answer::{Answer, Reply};
use crate::jwt::{Alg, Mint};
use crate::state::{Armed, Fault, Inner, RecordedRequest, TokenFormat, lock};
use crate::vector::{ScriptedAnswer, Vector};

pub(crate) fn handle(inner: &Inner, request: &RecordedRequest) -> Reply {
    let path = request.path.trim_start_matches("/_testkit/");
    let body = || serde_json::from_slice::<Value>(&request.body).unwrap_or(Value::Null);
    match (request.method.as_str(), path) {
        ("GET", "stats") => Reply::json(
            200,
            &json!({
                "token_requests": inner.token_requests.load(Ordering::SeqCst),
                "api_requests": inner.api_requests.load(Ordering::SeqCst),
                "tokens_issued": inner.issued_count.load(Ordering::SeqCst),
                "jwks_requests": inner.jwks_requests.load(Ordering::SeqCst),
                "introspection_requests": inner.introspection_requests.load(Ordering::SeqCst),
                "revocation_requests": inner.revocation_requests.load(Ordering::SeqCst),
            }),
        ),
        ("GET", "requests") => {
            let recorded: Vec<Value> = lock(&inner.recorded)
                .iter()
                .map(|r| {
                    json!({
                        "method": r.method,
                        "path": r.path,
                        "headers": r.headers.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
                        "body": String::from_utf8_lossy(&r.body),
                    })
                })
                .collect();
            Reply::json(200, &Value::Array(recorded))
        }
        ("POST", "fault") => match fault_from_json(&body()) {
            Ok((fault, sticky)) => {
                let mut faults = lock(&inner.faults);
                if sticky {
                    faults.sticky = Some(fault);
                } else {
                    faults.queue.push_back(fault);
                }
                Reply::text(200, "ok")
            }
            Err(problem) => Reply::text(400, problem),
        },
        ("POST", "clear") => {
            *lock(&inner.faults) = crate::state::Faults::default();
            Reply::text(200, "ok")
        }
        ("POST", "lifetime") => match body().get("seconds").and_then(Value::as_f64) {
            Some(s) if s > 0.0 => {
                *lock(&inner.lifetime) = Duration::from_secs_f64(s);
                Reply::text(200, "ok")
            }
            _ => Reply::text(400, "want {\"seconds\": n}"),
        },
        ("POST", "latency") => match body().get("ms").and_then(Value::as_u64) {
            Some(ms) => {
                *lock(&inner.latency) = Duration::from_millis(ms);
                Reply::text(200, "ok")
            }
            None => Reply::text(400, "want {\"ms\": n}"),
        },
        ("POST", "revoke") => {
            inner
                .revoked_through
                .store(inner.issued_count.load(Ordering::SeqCst), Ordering::SeqCst);
            Reply::text(200, "ok")
        }
        ("POST", "reset") => {
            inner.reset();
            Reply::text(200, "ok")
        }
        ("POST", "vector") => {
            let text = String::from_utf8_lossy(&request.body);
            match Vector::from_json("posted", &text) {
                Ok(vector) => {
                    let answer = format!(
                        "{}\n{}\n",
                        vector.config_for(&inner.issuer),
                        vector.expected_line()
                    );
                    *lock(&inner.armed) = Some(Armed {
                        vector: vector.for_issuer(&inner.issuer),
                        verdict: None,
                    });
                    Reply::text(200, answer)
                }
                Err(problem) => Reply::text(400, problem),
            }
        }
        ("POST", "outcome") => {
            let line = String::from_utf8_lossy(&request.body).trim().to_owned();
            Reply::text(200, judge(inner, &line))
        }
        (method, path) => keys_and_tokens(inner, method, path, &body()).unwrap_or_else(|| {
            Reply::text(404, format!("no admin route {method} /_testkit/{path}"))
        }),
    }
}

/// The routes that script the keys, the JWKS endpoint and issued tokens.
fn keys_and_tokens(inner: &Inner, method: &str, path: &str, body: &Value) -> Option<Reply> {
    Some(match (method, path) {
        ("POST", "mint") => match mint(inner, body) {
            Ok(token) => Reply::text(200, token),
            Err(problem) => Reply::text(400, problem),
        },
        ("POST", "rotate") => match lock(&inner.keys).rotate() {
            Ok(()) => Reply::text(200, "ok"),
            Err(problem) => Reply::text(500, problem),
        },
        ("POST", "jwks") => {
            let spec = body;
            let mut jwks = lock(&inner.jwks);
            jwks.status = spec
                .get("status")
                .and_then(Value::as_u64)
                .and_then(|s| u16::try_from(s).ok());
            jwks.delay =
                Duration::from_millis(spec.get("delay_ms").and_then(Value::as_u64).unwrap_or(0));
            jwks.max_age = spec.get("max_age").and_then(Value::as_u64);
            Reply::text(200, "ok")
        }
        ("POST", "tokens") => {
            let spec = body;
            if let Some(format) = spec.get("format").and_then(Value::as_str) {
                *lock(&inner.format) = match format {
                    "opaque" => TokenFormat::Opaque,
                    _ => TokenFormat::Jwt,
                };
            }
            if let Some(alg) = spec
                .get("alg")
                .and_then(Value::as_str)
                .and_then(Alg::from_name)
            {
                lock(&inner.keys).token_alg = alg;
            }
            Reply::text(200, "ok")
        }
        ("POST", "client_key") => {
            let client_id = body
                .get("client_id")
                .and_then(Value::as_str)
                .unwrap_or(crate::DEFAULT_CLIENT_ID);
            let Some(public) = body.get("jwk").and_then(crate::jose::public_part) else {
                return Some(Reply::text(400, "jwk must be an RSA, EC or OKP JWK"));
            };
            let mut clients = lock(&inner.clients);
            match clients.iter_mut().find(|c| c.id == client_id) {
                Some(client) => {
                    client.keys.push(public);
                    Reply::text(200, "ok")
                }
                None => Reply::text(404, format!("no client {client_id}")),
            }
        }
        ("POST", "client_certificate") => {
            let client_id = body
                .get("client_id")
                .and_then(Value::as_str)
                .unwrap_or(crate::DEFAULT_CLIENT_ID);
            let self_signed = body
                .get("self_signed")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let issued = match (&inner.tls, self_signed) {
                (_, true) => crate::tls::self_signed(client_id),
                (Some(tls), false) => tls.client_certificate(client_id),
                (None, false) => Err("the issuer does not serve TLS".to_owned()),
            };
            match issued {
                Ok(issued) if trust_certificate(inner, client_id, &issued.der) => Reply::json(
                    200,
                    &serde_json::json!({"cert": issued.cert_pem, "key": issued.key_pem}),
                ),
                Ok(_) => Reply::text(404, format!("no client {client_id}")),
                Err(problem) => Reply::text(400, problem),
            }
        }
        ("POST", "dpop") => {
            if let Some(required) = body.get("require_nonce").and_then(Value::as_bool) {
                lock(&inner.dpop).require_nonce = required;
            }
            if body.get("rotate_nonce").and_then(Value::as_bool) == Some(true) {
                let fresh = lock(&inner.keys).random_id();
                lock(&inner.dpop).nonce = format!("nonce-{fresh}");
            }
            Reply::text(200, "ok")
        }
        _ => return None,
    })
}

/// `ok`, or what the armed vector's request or outcome got wrong.
pub(crate) fn judge(inner: &Inner, outcome: &str) -> String {
    let armed = lock(&inner.armed);
    let Some(armed) = armed.as_ref() else {
        return "no vector is armed".to_owned();
    };
    let request = match (&armed.vector.request, &armed.verdict) {
        (None, None) => Ok(()),
        (Some(_), None) => Err("the token endpoint received no request".to_owned()),
        (_, Some(verdict)) => verdict.clone(),
    };
    match request.and_then(|()| armed.vector.check_outcome(outcome)) {
        Ok(()) => "ok".to_owned(),
        Err(problem) => format!("{}: {problem}", armed.vector.name),
    }
}

/// The armed vector's answer to a token request, recording its verdict.
pub(crate) fn armed_vector_answer(inner: &Inner, request: &RecordedRequest) -> Option<Answer> {
    let mut armed = lock(&inner.armed);
    let armed = armed.as_mut()?;
    let verdict = armed.vector.check_request(request);
    // Keep the first failure: later requests (retries) must not hide it.
    if !matches!(armed.verdict, Some(Err(_))) {
        armed.verdict = Some(verdict);
    }
    Some(match armed.vector.answer.clone()? {
        ScriptedAnswer::Respond {
            status,
            headers,
            body,
        } => Answer::Reply(Reply {
            status,
            headers,
            body,
        }),
        ScriptedAnswer::Hang => Answer::Hang,
        ScriptedAnswer::Close => Answer::Close,
    })
}

/// `POST /_testkit/mint`: `{"claims": {…}, "alg": "RS256", "forged": true,
/// "kid": "x" | null, "typ": "JWT" | null, "alg_header": "none", "unsigned": true}`.
fn mint(inner: &Inner, spec: &Value) -> Result<String, String> {
    let claims = spec.get("claims").cloned().unwrap_or_else(|| json!({}));
    let optional_text = |name: &str| spec.get(name).map(|v| v.as_str().map(str::to_owned));
    let how = Mint {
        alg: match spec.get("alg").and_then(Value::as_str) {
            Some(name) => {
                Some(Alg::from_name(name).ok_or("alg must be EdDSA, ES256, RS256 or PS256")?)
            }
            None => None,
        },
        unpublished_key: spec.get("forged").and_then(Value::as_bool).unwrap_or(false),
        kid: optional_text("kid"),
        typ: optional_text("typ"),
        alg_header: spec
            .get("alg_header")
            .and_then(Value::as_str)
            .map(str::to_owned),
        unsigned: spec
            .get("unsigned")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    };
    lock(&inner.keys)
        .mint(&claims, &how)
        .ok_or_else(|| "no key fits that algorithm".to_owned())
}

fn fault_from_json(spec: &Value) -> Result<(Fault, bool), String> {
    let sticky = spec.get("sticky").and_then(Value::as_bool).unwrap_or(false);
    let text = |k: &str| spec.get(k).and_then(Value::as_str).map(str::to_owned);
    let fault = if spec.get("hang").and_then(Value::as_bool) == Some(true) {
        Fault::Hang
    } else if spec.get("close").and_then(Value::as_bool) == Some(true) {
        Fault::Close
    } else if spec.get("echo").and_then(Value::as_bool) == Some(true) {
        Fault::Echo
    } else if let Some(ms) = spec.get("delay_ms").and_then(Value::as_u64) {
        Fault::Delay(Duration::from_millis(ms))
    } else if let Some(location) = text("redirect") {
        Fault::Redirect(location)
    } else if let Some(status) = spec
        .get("status")
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
    {
        Fault::Respond {
            status,
            retry_after: text("retry_after").or_else(|| {
                spec.get("retry_after")
                    .and_then(Value::as_u64)
                    .map(|n| n.to_string())
            }),
            content_type: text("content_type").unwrap_or_else(|| "application/json".to_owned()),
            body: text("body").unwrap_or_else(|| "{}".to_owned()),
        }
    } else {
        return Err("want one of status, hang, close, echo, delay_ms or redirect".to_owned());
    };
    Ok((fault, sticky))
}

/// Lets `client_id` authenticate with the certificate `der` (mTLS).
pub(crate) fn trust_certificate(inner: &Inner, client_id: &str, der: &[u8]) -> bool {
    let mut clients = lock(&inner.clients);
    clients
        .iter_mut()
        .find(|c| c.id == client_id)
        .map(|client| client.certificates.push(crate::jose::sha256_b64(der)))
        .is_some()
}
