//! Building the token request (RFC 6749 §4.4.2), byte for byte.

use std::fmt::Write as _;

use url::Url;
use zeroize::Zeroizing;

use super::Attempt;
use super::message::{HttpRequest, Method};
use crate::client::{ClientAuth, Destination};
use crate::config::{BodyFormat, Config};
use crate::{Error, Secret};

/// Builds the client credentials token request for `config`, sent to
/// `token_url` (the configured one, or the one discovery found).
///
/// - `client_secret_basic`: `Authorization: Basic base64(urlenc(id) ":" urlenc(secret))`,
///   the id and secret form-urlencoded first (RFC 6749 §2.3.1).
/// - `client_secret_post`: `client_id` and `client_secret` in the body.
/// - Body: `grant_type`, client credentials (post), `scope` (space-joined),
///   `audience`, each `resource`, then extra parameters sorted by name; as a
///   form, or as a JSON object (with `scope` as an array) for `body_format = json`.
///
/// ```
/// use m2mauth::{Config, protocol::{Attempt, build_token_request}};
/// let config = Config::builder()
///     .token_url("https://idp.example.com/token")
///     .client_id("svc")
///     .client_secret("pw")
///     .scopes(["read", "write"])
///     .build()?;
/// let url = url::Url::parse("https://idp.example.com/token").unwrap();
/// let attempt = Attempt::new(1_700_000_000, [0; 32]);
/// let request = build_token_request(&config, &url, &attempt)?;
/// assert_eq!(&request.body[..], b"grant_type=client_credentials&scope=read+write");
/// assert_eq!(request.header("authorization"), Some("Basic c3ZjOnB3"));
/// # Ok::<(), m2mauth::Error>(())
/// ```
pub fn build_token_request(
    config: &Config,
    token_url: &Url,
    attempt: &Attempt,
) -> Result<HttpRequest, Error> {
    let to = Destination {
        endpoint: token_url.as_str(),
        issuer: config.endpoint().issuer(),
    };
    let credentials = config.client_auth().credentials(&to, attempt)?;
    let mut params: Vec<(&str, Param<'_>)> = vec![("grant_type", Param::One("client_credentials"))];
    for (name, value) in &credentials.params {
        params.push((name, Param::One(value.expose())));
    }
    if !config.scopes().is_empty() {
        params.push(("scope", Param::Scopes(config.scopes())));
    }
    if let Some(audience) = config.audience() {
        params.push(("audience", Param::One(audience)));
    }
    if !config.resources().is_empty() {
        params.push(("resource", Param::Many(config.resources())));
    }
    for (name, value) in config.extra_params() {
        params.push((name, Param::One(value)));
    }

    let (content_type, body) = match config.body_format() {
        BodyFormat::Form => ("application/x-www-form-urlencoded", form_body(&params)),
        BodyFormat::Json => ("application/json", json_body(&params)),
    };
    let mut headers = vec![
        ("accept", Secret::new("application/json")),
        ("content-type", Secret::new(content_type)),
    ];
    headers.extend(credentials.headers);
    if let Some(dpop) = config.dpop() {
        headers.push((
            "dpop",
            dpop.proof("POST", token_url.as_str(), attempt, None)?,
        ));
    }
    Ok(HttpRequest {
        method: Method::Post,
        url: token_url.as_str().to_owned(),
        headers,
        body,
        sensitive: credentials.sensitive,
    })
}

/// A form-encoded `POST` to `url` with `params` after the client's
/// credentials (introspection, revocation). The request carries `secret`
/// (the token being introspected or revoked), listed with the credentials
/// as sensitive.
pub(crate) fn post_form(
    url: &Url,
    (client, issuer): (&ClientAuth, Option<&str>),
    attempt: &Attempt,
    params: &[(&str, &str)],
    secret: &str,
) -> Result<HttpRequest, Error> {
    let to = Destination {
        endpoint: url.as_str(),
        issuer,
    };
    let credentials = client.credentials(&to, attempt)?;
    let mut all: Vec<(&str, Param<'_>)> = params.iter().map(|(n, v)| (*n, Param::One(v))).collect();
    for (name, value) in &credentials.params {
        all.push((name, Param::One(value.expose())));
    }
    let body = form_body(&all);
    let mut headers = vec![
        ("accept", Secret::new("application/json")),
        (
            "content-type",
            Secret::new("application/x-www-form-urlencoded"),
        ),
    ];
    headers.extend(credentials.headers);
    let mut sensitive = credentials.sensitive;
    sensitive.push(Secret::new(secret));
    Ok(HttpRequest {
        method: Method::Post,
        url: url.as_str().to_owned(),
        headers,
        body,
        sensitive,
    })
}

/// One request parameter's value.
enum Param<'a> {
    One(&'a str),
    /// Scopes: one space-joined form value, or a JSON array.
    Scopes(&'a [String]),
    /// A repeated parameter (`resource`): repeated in a form; a JSON string
    /// when there is one, an array when there are several.
    Many(&'a [String]),
}

/// An upper bound of the encoded body's length with each value's bytes
/// taking up to `per_byte` bytes once encoded, so that the buffer holding
/// secrets is allocated once and never leaves a copy behind when it grows.
fn capacity(params: &[(&str, Param<'_>)], per_byte: usize) -> usize {
    params
        .iter()
        .map(|(name, value)| {
            let values: usize = match value {
                Param::One(v) => v.len() + 2,
                Param::Scopes(items) | Param::Many(items) => {
                    items.iter().map(|i| i.len() + 3).sum::<usize>() + 2
                }
            };
            let repeats = match value {
                Param::Many(items) => items.len().max(1),
                _ => 1,
            };
            (name.len() + 4) * repeats + values * per_byte
        })
        .sum::<usize>()
        + 2
}

fn form_body(params: &[(&str, Param<'_>)]) -> Zeroizing<Vec<u8>> {
    // Percent-encoding takes at most 3 bytes per byte.
    let mut form = form_urlencoded::Serializer::new(String::with_capacity(capacity(params, 3)));
    for (name, value) in params {
        match value {
            Param::One(v) => {
                form.append_pair(name, v);
            }
            Param::Scopes(scopes) => {
                form.append_pair(name, &scopes.join(" "));
            }
            Param::Many(values) => {
                for v in *values {
                    form.append_pair(name, v);
                }
            }
        }
    }
    Zeroizing::new(form.finish().into_bytes())
}

fn json_body(params: &[(&str, Param<'_>)]) -> Zeroizing<Vec<u8>> {
    // JSON escaping takes at most 6 bytes per byte (`\u001f`).
    let mut out = Zeroizing::new(String::with_capacity(capacity(params, 6)));
    out.push('{');
    for (i, (name, value)) in params.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_json_string(&mut out, name);
        out.push(':');
        match value {
            Param::One(v) => push_json_string(&mut out, v),
            Param::Many([single]) => push_json_string(&mut out, single),
            Param::Scopes(values) | Param::Many(values) => {
                out.push('[');
                for (j, v) in values.iter().enumerate() {
                    if j > 0 {
                        out.push(',');
                    }
                    push_json_string(&mut out, v);
                }
                out.push(']');
            }
        }
    }
    out.push('}');
    Zeroizing::new(out.as_bytes().to_vec())
}

/// Appends `text` as a JSON string literal (RFC 8259 escaping).
fn push_json_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                // Writing to a String cannot fail.
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AuthMethod;
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;

    fn config(f: impl FnOnce(crate::ConfigBuilder) -> crate::ConfigBuilder) -> Config {
        f(Config::builder()
            .token_url("https://idp.example.com/t")
            .client_id("svc")
            .client_secret("pw"))
        .build()
        .unwrap()
    }

    fn url() -> Url {
        Url::parse("https://idp.example.com/t").unwrap()
    }

    #[test]
    fn basic_auth_form_encodes_before_base64() {
        let c = Config::builder()
            .token_url("https://idp.example.com/t")
            .client_id("my:client id")
            .client_secret("p%ss+wörd/=")
            .build()
            .unwrap();
        let r = build_token_request(&c, &url(), &Attempt::new(0, [0; 32])).unwrap();
        // "my%3Aclient+id:p%25ss%2Bw%C3%B6rd%2F%3D"
        let expected = format!(
            "Basic {}",
            STANDARD.encode("my%3Aclient+id:p%25ss%2Bw%C3%B6rd%2F%3D")
        );
        assert_eq!(r.header("authorization"), Some(expected.as_str()));
        assert_eq!(&r.body[..], b"grant_type=client_credentials");
    }

    #[test]
    fn post_puts_credentials_in_the_body_and_no_authorization_header() {
        let c = config(|b| {
            b.auth_method(AuthMethod::ClientSecretPost)
                .client_secret("a&b=c")
        });
        let r = build_token_request(&c, &url(), &Attempt::new(0, [0; 32])).unwrap();
        assert_eq!(r.header("authorization"), None);
        assert_eq!(
            &r.body[..],
            b"grant_type=client_credentials&client_id=svc&client_secret=a%26b%3Dc"
        );
    }

    #[test]
    fn every_parameter_in_order() {
        let c = config(|b| {
            b.scopes(["read", "write"])
                .audience("https://api.example.com")
                .resources(["https://r1.example/", "https://r2.example/"])
                .extra_param("tenant", "t 1")
        });
        let r = build_token_request(&c, &url(), &Attempt::new(0, [0; 32])).unwrap();
        assert_eq!(
            std::str::from_utf8(&r.body).unwrap(),
            "grant_type=client_credentials&scope=read+write&audience=https%3A%2F%2Fapi.example.com\
             &resource=https%3A%2F%2Fr1.example%2F&resource=https%3A%2F%2Fr2.example%2F&tenant=t+1"
        );
        assert_eq!(r.header("accept"), Some("application/json"));
        assert_eq!(
            r.header("content-type"),
            Some("application/x-www-form-urlencoded")
        );
    }

    #[test]
    fn json_body_sends_scope_as_an_array() {
        let c = config(|b| {
            b.body_format(BodyFormat::Json)
                .auth_method(AuthMethod::ClientSecretPost)
                .client_secret("p\"w\\")
                .scopes(["a", "b"])
                .resources(["https://r.example/"])
        });
        let r = build_token_request(&c, &url(), &Attempt::new(0, [0; 32])).unwrap();
        assert_eq!(
            std::str::from_utf8(&r.body).unwrap(),
            r#"{"grant_type":"client_credentials","client_id":"svc","client_secret":"p\"w\\","scope":["a","b"],"resource":"https://r.example/"}"#
        );
        assert_eq!(r.header("content-type"), Some("application/json"));
        let parsed: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(parsed["client_secret"], "p\"w\\");
    }

    #[test]
    fn bodies_are_allocated_once() {
        // The worst case of each encoding fits the first allocation.
        let nasty: String = "\u{1}\u{1f}\"\\é".repeat(50);
        for format in [BodyFormat::Form, BodyFormat::Json] {
            let c = config(|b| {
                b.body_format(format)
                    .auth_method(AuthMethod::ClientSecretPost)
                    .client_secret(nasty.as_str())
                    .scopes(["a", "b"])
                    .resources(["https://r.example/"; 3])
            });
            let params = [
                (
                    "client_secret",
                    Param::One(c.client_auth().secret().unwrap().expose()),
                ),
                ("scope", Param::Scopes(c.scopes())),
                ("resource", Param::Many(c.resources())),
            ];
            let encoded = match format {
                BodyFormat::Form => form_body(&params).len(),
                BodyFormat::Json => json_body(&params).len(),
            };
            let per_byte = if format == BodyFormat::Form { 3 } else { 6 };
            assert!(encoded <= capacity(&params, per_byte), "{format:?}");
        }
    }

    #[test]
    fn debug_hides_the_secret() {
        let c = config(|b| b.auth_method(AuthMethod::ClientSecretPost));
        let text = format!(
            "{:?}",
            build_token_request(&c, &url(), &Attempt::new(0, [0; 32])).unwrap()
        );
        assert!(!text.contains("pw"), "{text}");
    }
}
