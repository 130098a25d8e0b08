//! Client authentication (sans-IO): how a client proves who it is to the
//! token, introspection and revocation endpoints.
//!
//! [`ClientAuth`] is built once from the configuration and then turns into
//! the headers and body parameters of each request ([`Credentials`]),
//! together with every form of the credentials that the request carries, so
//! that an IdP echoing them back can be scrubbed.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use zeroize::Zeroizing;

use crate::config::AuthMethod;
use crate::config::settings::Settings;
use crate::{Error, Secret};

/// A client's identity and credentials, checked at build time.
#[derive(Clone)]
pub struct ClientAuth {
    client_id: String,
    method: AuthMethod,
    secret: Option<Secret>,
}

/// What a request carries to authenticate the client.
pub(crate) struct Credentials {
    /// Headers to add (`authorization`).
    pub(crate) headers: Vec<(&'static str, Secret)>,
    /// Body parameters to add, in order.
    pub(crate) params: Vec<(&'static str, Secret)>,
    /// Every form of a secret the request carries (raw, form-urlencoded,
    /// base64, JSON-escaped, assertions), to scrub from what the IdP says.
    pub(crate) sensitive: Vec<Secret>,
}

impl ClientAuth {
    /// Reads and checks the client options of `settings`.
    pub(crate) fn from_settings(s: &Settings) -> Result<ClientAuth, Error> {
        let client_id = client_id(s)?;
        let method = s
            .choice("auth_method")
            .and_then(AuthMethod::from_name)
            .unwrap_or_default();
        let secret = client_secret(s)?;
        if method.uses_secret() && secret.is_none() {
            return Err(s.err("client_secret", "is required"));
        }
        if !matches!(
            method,
            AuthMethod::ClientSecretBasic | AuthMethod::ClientSecretPost
        ) {
            return Err(s.err("auth_method", format!("{method} is not supported yet")));
        }
        Ok(ClientAuth {
            client_id,
            method,
            secret,
        })
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The authentication method.
    pub fn method(&self) -> AuthMethod {
        self.method
    }

    /// The client secret, when the method uses one.
    pub fn secret(&self) -> Option<&Secret> {
        self.secret.as_ref()
    }

    /// The credentials for one request.
    pub(crate) fn credentials(&self) -> Credentials {
        let mut credentials = Credentials {
            headers: Vec::new(),
            params: Vec::new(),
            sensitive: Vec::new(),
        };
        if let Some(secret) = &self.secret {
            credentials.sensitive.extend(secret_forms(secret.expose()));
        }
        match (self.method, &self.secret) {
            (AuthMethod::ClientSecretBasic, Some(secret)) => {
                let header = basic_authorization(&self.client_id, secret);
                if let Some(encoded) = header.expose().strip_prefix("Basic ") {
                    credentials.sensitive.push(Secret::new(encoded));
                }
                credentials.headers.push(("authorization", header));
            }
            (AuthMethod::ClientSecretPost, Some(secret)) => {
                credentials
                    .params
                    .push(("client_id", Secret::new(self.client_id.as_str())));
                credentials.params.push(("client_secret", secret.clone()));
            }
            _ => {
                credentials
                    .params
                    .push(("client_id", Secret::new(self.client_id.as_str())));
            }
        }
        credentials
    }
}

impl fmt::Debug for ClientAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientAuth")
            .field("client_id", &self.client_id)
            .field("method", &self.method)
            .field("secret", &self.secret)
            .finish()
    }
}

/// The client id: required, not empty, no control characters.
fn client_id(s: &Settings) -> Result<String, Error> {
    let id = s
        .text("client_id")
        .ok_or_else(|| s.err("client_id", "is required"))?;
    if id.is_empty() {
        return Err(s.err("client_id", "must not be empty"));
    }
    if id.chars().any(char::is_control) {
        return Err(s.err("client_id", "must not contain control characters"));
    }
    Ok(id.to_owned())
}

/// The client secret from `client_secret` or the file `client_secret_file`
/// names (one trailing newline trimmed); `None` when neither is set.
fn client_secret(s: &Settings) -> Result<Option<Secret>, Error> {
    let (secret, field) = if let Some(secret) = s.secret("client_secret") {
        (secret.clone(), "client_secret")
    } else if let Some(bytes) = s.file("client_secret_file") {
        let text = std::str::from_utf8(bytes)
            .map_err(|_| s.err("client_secret_file", "is not UTF-8 text"))?;
        let trimmed = text
            .strip_suffix('\n')
            .map_or(text, |t| t.strip_suffix('\r').unwrap_or(t));
        (Secret::new(trimmed), "client_secret_file")
    } else {
        return Ok(None);
    };
    if secret.is_empty() {
        return Err(s.err(field, "must not be empty"));
    }
    Ok(Some(secret))
}

/// The forms in which a secret may travel and come back: as is,
/// form-urlencoded, and JSON-escaped.
fn secret_forms(secret: &str) -> Vec<Secret> {
    let mut forms = vec![Secret::new(secret)];
    let encoded: Zeroizing<String> =
        Zeroizing::new(form_urlencoded::byte_serialize(secret.as_bytes()).collect());
    let escaped = Zeroizing::new(serde_json::Value::from(secret).to_string());
    let escaped = escaped
        .strip_prefix('"')
        .and_then(|e| e.strip_suffix('"'))
        .unwrap_or(&escaped);
    for form in [encoded.as_str(), escaped] {
        if form != secret {
            forms.push(Secret::new(form));
        }
    }
    forms
}

/// `Basic base64(urlenc(id) ":" urlenc(secret))` (RFC 6749 §2.3.1, Appendix B).
fn basic_authorization(client_id: &str, secret: &Secret) -> Secret {
    let mut pair = Zeroizing::new(String::new());
    pair.extend(form_urlencoded::byte_serialize(client_id.as_bytes()));
    pair.push(':');
    pair.extend(form_urlencoded::byte_serialize(secret.expose().as_bytes()));
    let encoded = Zeroizing::new(STANDARD.encode(pair.as_bytes()));
    let mut header = Zeroizing::new(String::with_capacity(6 + encoded.len()));
    header.push_str("Basic ");
    header.push_str(&encoded);
    Secret::new(header.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_of_the_secret_is_listed() {
        let forms: Vec<String> = secret_forms("p&ss \"w\"/ö")
            .iter()
            .map(|s| s.expose().to_owned())
            .collect();
        assert!(forms.contains(&"p&ss \"w\"/ö".to_owned()));
        assert!(forms.contains(&"p%26ss+%22w%22%2F%C3%B6".to_owned()));
        assert!(forms.contains(&"p&ss \\\"w\\\"/ö".to_owned()));
    }
}
