//! Client authentication (sans-IO): how a client proves who it is to the
//! token, introspection and revocation endpoints.
//!
//! [`ClientAuth`] is built once from the configuration, keys parsed and
//! checked, and then turns into the headers and body parameters of each
//! request ([`Credentials`]), together with every form of the credentials
//! that the request carries, so that an IdP echoing them back can be scrubbed.

mod assertion;
mod secret_forms;

use std::fmt;

use ring::hmac;

use crate::config::settings::Settings;
use crate::config::{AuthMethod, SigningAlg};
use crate::keys::SigningKey;
use crate::protocol::Attempt;
use crate::{Error, Secret};

pub(crate) use assertion::Audience;
use assertion::{JWT_BEARER, Signer};
use secret_forms::{basic_authorization, secret_forms};

/// A client's identity and credentials, checked at build time.
#[derive(Clone)]
pub struct ClientAuth {
    client_id: String,
    method: AuthMethod,
    secret: Option<Secret>,
    signer: Option<Signer>,
    audience: Audience,
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

/// Where a request goes, for the `aud` of a client assertion.
pub(crate) struct Destination<'a> {
    /// The URL the request is sent to.
    pub(crate) endpoint: &'a str,
    /// The issuer identifier, when the configuration names one.
    pub(crate) issuer: Option<&'a str>,
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
        let key = private_key(s)?;
        if key.is_some() && method != AuthMethod::PrivateKeyJwt {
            let field = key_field(s);
            return Err(s.err(
                field,
                format!("is set, but auth_method is {method}: set auth_method to private_key_jwt to sign with it"),
            ));
        }
        let signer = match method {
            AuthMethod::PrivateKeyJwt => Some(key_signer(s, key)?),
            AuthMethod::ClientSecretJwt => Some(hmac_signer(s, secret.as_ref())?),
            _ => None,
        };
        let audience = if s.knows("assertion_audience") {
            s.text("assertion_audience")
                .map(Audience::parse)
                .transpose()
                .map_err(|problem| s.err("assertion_audience", problem))?
                .unwrap_or(Audience::Endpoint)
        } else {
            Audience::Endpoint
        };
        if audience == Audience::Issuer && s.text("issuer").is_none() {
            return Err(s.err(
                "assertion_audience",
                "is issuer, but no issuer is configured (give the issuer's URL instead)",
            ));
        }
        Ok(ClientAuth {
            client_id,
            method,
            secret,
            signer,
            audience,
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

    /// The credentials for one request to `to`, at `attempt` (whose time
    /// and randomness a client assertion uses).
    pub(crate) fn credentials(
        &self,
        to: &Destination<'_>,
        attempt: &Attempt,
    ) -> Result<Credentials, Error> {
        let mut credentials = Credentials {
            headers: Vec::new(),
            params: Vec::new(),
            sensitive: Vec::new(),
        };
        if let Some(secret) = &self.secret {
            credentials.sensitive.extend(secret_forms(secret.expose()));
        }
        let id = || Secret::new(self.client_id.as_str());
        match (self.method, &self.secret, &self.signer) {
            (AuthMethod::ClientSecretBasic, Some(secret), _) => {
                let header = basic_authorization(&self.client_id, secret);
                if let Some(encoded) = header.expose().strip_prefix("Basic ") {
                    credentials.sensitive.push(Secret::new(encoded));
                }
                credentials.headers.push(("authorization", header));
            }
            (AuthMethod::ClientSecretPost, Some(secret), _) => {
                credentials.params.push(("client_id", id()));
                credentials.params.push(("client_secret", secret.clone()));
            }
            (AuthMethod::ClientSecretJwt | AuthMethod::PrivateKeyJwt, _, Some(signer)) => {
                let aud = match (&self.audience, to.issuer) {
                    (Audience::Issuer, Some(issuer)) => issuer,
                    (Audience::Url(url), _) => url.as_str(),
                    _ => to.endpoint,
                };
                let assertion = signer.assertion(&self.client_id, aud, attempt)?;
                credentials.sensitive.push(assertion.clone());
                credentials.params.push(("client_id", id()));
                credentials
                    .params
                    .push(("client_assertion_type", Secret::new(JWT_BEARER)));
                credentials.params.push(("client_assertion", assertion));
            }
            _ => credentials.params.push(("client_id", id())),
        }
        Ok(credentials)
    }
}

impl fmt::Debug for ClientAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientAuth")
            .field("client_id", &self.client_id)
            .field("method", &self.method)
            .field("secret", &self.secret)
            .field("signer", &self.signer)
            .finish_non_exhaustive()
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

/// The option that gave the private key.
fn key_field(s: &Settings) -> &'static str {
    if s.secret("private_key").is_some() {
        "private_key"
    } else {
        "private_key_file"
    }
}

/// The private key from `private_key` or the file `private_key_file` names.
fn private_key(s: &Settings) -> Result<Option<SigningKey>, Error> {
    let bytes = match (s.secret("private_key"), s.file("private_key_file")) {
        (Some(key), _) => key.expose().as_bytes(),
        (None, Some(bytes)) => bytes,
        (None, None) => return Ok(None),
    };
    SigningKey::parse(bytes)
        .map(Some)
        .map_err(|problem| s.err(key_field(s), problem))
}

fn key_signer(s: &Settings, key: Option<SigningKey>) -> Result<Signer, Error> {
    let key = key.ok_or_else(|| {
        s.err(
            "private_key",
            "is required for private_key_jwt (or private_key_file)",
        )
    })?;
    let alg = s
        .choice("signing_alg")
        .and_then(SigningAlg::from_name)
        .unwrap_or_else(|| key.default_alg());
    if alg == SigningAlg::Hs256 {
        return Err(s.err(
            "signing_alg",
            "HS256 is for client_secret_jwt; private_key_jwt signs with the key",
        ));
    }
    if !key.fits(alg) {
        return Err(s.err(
            "signing_alg",
            format!(
                "{alg} does not fit the private key ({}; it signs with {})",
                key.kind(),
                key.default_alg()
            ),
        ));
    }
    let kid = s
        .text("key_id")
        .map_or_else(|| key.kid().to_owned(), str::to_owned);
    Ok(Signer::Key { key, alg, kid })
}

fn hmac_signer(s: &Settings, secret: Option<&Secret>) -> Result<Signer, Error> {
    let secret = secret.ok_or_else(|| s.err("client_secret", "is required"))?;
    match s.choice("signing_alg").and_then(SigningAlg::from_name) {
        None | Some(SigningAlg::Hs256) => {}
        Some(other) => {
            return Err(s.err(
                "signing_alg",
                format!("{other} needs a private key; client_secret_jwt signs with HS256"),
            ));
        }
    }
    Ok(Signer::Hmac(hmac::Key::new(
        hmac::HMAC_SHA256,
        secret.expose().as_bytes(),
    )))
}

#[cfg(test)]
mod tests;
