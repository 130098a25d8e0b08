//! The token endpoint: RFC 6749 §4.4 client credentials, checked strictly.

use std::sync::atomic::Ordering;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::answer::{Answer, Reply};
use crate::state::{Fault, Inner, Issued, RecordedRequest, TokenFormat, lock, unix_now};

/// Answers one request to the token endpoint.
pub(crate) async fn answer(inner: &Inner, request: RecordedRequest) -> Answer {
    inner.token_requests.fetch_add(1, Ordering::SeqCst);
    lock(&inner.recorded).push(request.clone());
    if let Some(answer) = crate::admin::armed_vector_answer(inner, &request) {
        return answer;
    }
    let latency = *lock(&inner.latency);
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match inner.next_fault() {
        Some(Fault::Respond {
            status,
            retry_after,
            content_type,
            body,
        }) => {
            let mut reply = Reply {
                status,
                headers: vec![("content-type".to_owned(), content_type)],
                body,
            };
            if let Some(retry_after) = retry_after {
                reply = reply.with_header("retry-after", retry_after);
            }
            Answer::Reply(reply)
        }
        Some(Fault::Hang) => Answer::Hang,
        Some(Fault::Close) => Answer::Close,
        Some(Fault::Redirect(location)) => {
            Answer::Reply(Reply::text(302, "").with_header("location", location))
        }
        Some(Fault::Echo) => {
            let authorization = request.header("authorization").unwrap_or("none");
            let body = String::from_utf8_lossy(&request.body);
            let echoed = format!("bad credentials: Authorization: {authorization} body: {body}");
            Answer::Reply(Reply::oauth_error(401, "invalid_client", &echoed))
        }
        Some(Fault::Delay(delay)) => {
            tokio::time::sleep(delay).await;
            Answer::Reply(issue(inner, &request))
        }
        None => Answer::Reply(issue(inner, &request)),
    }
}

/// The well-behaved answer: a token, or the error RFC 6749 calls for.
fn issue(inner: &Inner, request: &RecordedRequest) -> Reply {
    if request.method != "POST" {
        return Reply::oauth_error(405, "invalid_request", "the token endpoint takes POST")
            .with_header("allow", "POST");
    }
    let params = match parse_params(request) {
        Ok(params) => params,
        Err(reply) => return reply,
    };
    let client = match authenticate(inner, request, &params) {
        Ok(client) => client,
        Err(reply) => return reply,
    };
    let jkt = match crate::dpop::check(inner, request, crate::dpop::At::TokenEndpoint, None) {
        Ok(jkt) => jkt,
        Err(reply) => return reply,
    };
    match single(&params, "grant_type") {
        Ok(Some("client_credentials")) => {}
        Ok(Some(other)) => {
            return Reply::oauth_error(
                400,
                "unsupported_grant_type",
                &format!("grant_type {other} is not supported"),
            );
        }
        Ok(None) => return Reply::oauth_error(400, "invalid_request", "grant_type is missing"),
        Err(reply) => return reply,
    }
    let scopes: Vec<String> = match single(&params, "scope") {
        Ok(scope) => scope
            .map(|s| {
                s.split(' ')
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        Err(reply) => return reply,
    };
    if let Some(allowed) = &client.scopes
        && let Some(bad) = scopes.iter().find(|s| !allowed.contains(s))
    {
        return Reply::oauth_error(
            400,
            "invalid_scope",
            &format!("scope {bad} is not allowed for this client"),
        );
    }
    let mut audiences: Vec<String> = params
        .iter()
        .filter(|(k, _)| k == "resource")
        .map(|(_, v)| v.clone())
        .collect();
    match single(&params, "audience") {
        Ok(Some(audience)) => audiences.push(audience.to_owned()),
        Ok(None) => {}
        Err(reply) => return reply,
    }
    let lifetime = *lock(&inner.lifetime);
    let certificate = request
        .client_certificate
        .as_deref()
        .map(crate::jose::sha256_b64);
    let issued = Issue {
        client_id: &client.id,
        scopes: &scopes,
        audiences: &audiences,
        lifetime,
        jkt: jkt.as_deref(),
        certificate: certificate.as_deref(),
    };
    let reply = Reply::json(200, &token_answer(inner, &issued));
    let dpop = lock(&inner.dpop);
    if jkt.is_some() && dpop.require_nonce {
        reply.with_header("dpop-nonce", dpop.nonce.clone())
    } else {
        reply
    }
}

/// What a token is issued for.
struct Issue<'a> {
    client_id: &'a str,
    scopes: &'a [String],
    audiences: &'a [String],
    lifetime: Duration,
    /// The DPoP key's thumbprint, for a bound token.
    jkt: Option<&'a str>,
    /// The `x5t#S256` of the client's TLS certificate, for a bound token.
    certificate: Option<&'a str>,
}

fn token_answer(inner: &Inner, issue: &Issue<'_>) -> Value {
    let Issue {
        client_id,
        scopes,
        audiences,
        lifetime,
        jkt,
        certificate: _,
    } = *issue;
    let seq = inner.issued_count.fetch_add(1, Ordering::SeqCst) + 1;
    let expires_in = lifetime.as_secs().max(1);
    let now = unix_now().floor();
    let exp = now + lifetime.as_secs_f64().max(1.0);
    let keys = lock(&inner.keys);
    let jti = keys.random_id();
    let mut claims = json!({
        "iss": inner.issuer,
        "sub": client_id,
        "client_id": client_id,
        "iat": now,
        "exp": exp,
        "jti": jti,
        "seq": seq,
    });
    match audiences {
        [] => {}
        [one] => claims["aud"] = json!(one),
        many => claims["aud"] = json!(many),
    }
    if !scopes.is_empty() {
        claims["scope"] = json!(scopes.join(" "));
    }
    if let Some(jkt) = jkt {
        claims["cnf"] = json!({"jkt": jkt});
    }
    if let Some(x5t) = issue.certificate {
        claims["cnf"]["x5t#S256"] = json!(x5t);
    }
    let (token, name) = match *lock(&inner.format) {
        TokenFormat::Jwt => (keys.sign(&claims), jti),
        TokenFormat::Opaque => {
            let opaque = format!("opaque-{}", keys.random_id());
            (opaque.clone(), opaque)
        }
    };
    drop(keys);
    lock(&inner.issued).insert(name, Issued { claims });
    let mut answer = json!({
        "access_token": token,
        "token_type": if jkt.is_some() { "DPoP" } else { "Bearer" },
        "expires_in": expires_in,
    });
    if !scopes.is_empty() {
        answer["scope"] = json!(scopes.join(" "));
    }
    answer
}

/// The request parameters, from a form or a JSON body. JSON arrays (a
/// `scope` array, several `resource`s) are accepted as IdPs that take JSON do.
pub(crate) fn parse_params(request: &RecordedRequest) -> Result<Vec<(String, String)>, Reply> {
    let content_type = request.header("content-type").unwrap_or("");
    let media_type = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match media_type.as_str() {
        "application/x-www-form-urlencoded" => {
            Ok(form_urlencoded::parse(&request.body).into_owned().collect())
        }
        "application/json" => {
            let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(&request.body) else {
                return Err(Reply::oauth_error(
                    400,
                    "invalid_request",
                    "the body is not a JSON object",
                ));
            };
            let mut params = Vec::new();
            for (key, value) in object {
                match value {
                    Value::String(s) => params.push((key, s)),
                    Value::Array(items) if key == "scope" => {
                        let scopes: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
                        params.push((key, scopes.join(" ")));
                    }
                    Value::Array(items) => {
                        params.extend(
                            items
                                .iter()
                                .filter_map(Value::as_str)
                                .map(|v| (key.clone(), v.to_owned())),
                        );
                    }
                    _ => {
                        return Err(Reply::oauth_error(
                            400,
                            "invalid_request",
                            &format!("{key} must be a string"),
                        ));
                    }
                }
            }
            Ok(params)
        }
        other => Err(Reply::oauth_error(
            400,
            "invalid_request",
            &format!("unsupported content type {other:?}: use application/x-www-form-urlencoded"),
        )),
    }
}

/// The one value of a parameter that may appear at most once (RFC 6749 §3.2).
pub(crate) fn single<'a>(
    params: &'a [(String, String)],
    name: &str,
) -> Result<Option<&'a str>, Reply> {
    let mut values = params
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str());
    let first = values.next();
    if values.next().is_some() {
        return Err(Reply::oauth_error(
            400,
            "invalid_request",
            &format!("{name} is repeated"),
        ));
    }
    Ok(first)
}

/// Client authentication: exactly one of HTTP Basic or body credentials.
pub(crate) fn authenticate(
    inner: &Inner,
    request: &RecordedRequest,
    params: &[(String, String)],
) -> Result<crate::state::Client, Reply> {
    if let Some(kind) = single(params, "client_assertion_type")? {
        return crate::client_assertion::authenticate(inner, request, params, kind);
    }
    let basic = request.header("authorization").map(decode_basic);
    let post_id = single(params, "client_id")?;
    let post_secret = single(params, "client_secret")?;
    let (id, secret, used_basic) = match (basic, post_id, post_secret) {
        (Some(_), _, Some(_)) => {
            return Err(Reply::oauth_error(
                400,
                "invalid_request",
                "more than one client authentication method",
            ));
        }
        (Some(Some((id, secret))), _, None) => (id, secret, true),
        (Some(None), _, _) => {
            return Err(invalid_client(
                "the Authorization header is not valid Basic credentials",
                true,
            ));
        }
        (None, Some(id), Some(secret)) => (id.to_owned(), secret.to_owned(), false),
        (None, Some(id), None) if request.client_certificate.is_some() => {
            return certificate_client(inner, request, id);
        }
        (None, _, _) => return Err(invalid_client("no client authentication", false)),
    };
    let clients = lock(&inner.clients);
    match clients.iter().find(|c| c.id == id) {
        Some(client) if same_secret(client.secret.as_bytes(), secret.as_bytes()) => {
            Ok(client.clone())
        }
        _ => Err(invalid_client("client authentication failed", used_basic)),
    }
}

/// mTLS client authentication (RFC 8705 §2): the certificate presented must
/// be one registered for (or issued by this issuer to) the client.
fn certificate_client(
    inner: &Inner,
    request: &RecordedRequest,
    id: &str,
) -> Result<crate::state::Client, Reply> {
    let der = request.client_certificate.as_deref().unwrap_or_default();
    let thumbprint = crate::jose::sha256_b64(der);
    lock(&inner.clients)
        .iter()
        .find(|c| c.id == id && c.certificates.contains(&thumbprint))
        .cloned()
        .ok_or_else(|| invalid_client("the client certificate is not one of this client's", false))
}

fn invalid_client(description: &str, basic: bool) -> Reply {
    let reply = Reply::oauth_error(401, "invalid_client", description);
    if basic {
        reply.with_header("www-authenticate", "Basic realm=\"m2mauth-testkit\"")
    } else {
        reply
    }
}

/// `Basic base64(urlenc(id) ":" urlenc(secret))` → (id, secret).
fn decode_basic(header: &str) -> Option<(String, String)> {
    let (scheme, credentials) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(credentials.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((form_decode(id), form_decode(secret)))
}

fn form_decode(part: &str) -> String {
    form_urlencoded::parse(format!("v={part}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// Comparison whose time does not depend on where the inputs differ, as a
/// real IdP's would.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_form_decoded() {
        let header = format!("Basic {}", STANDARD.encode("my%3Aid+x:p%25w%2B"));
        assert_eq!(
            decode_basic(&header),
            Some(("my:id x".to_owned(), "p%w+".to_owned()))
        );
        assert_eq!(decode_basic("Bearer abc"), None);
    }
}
