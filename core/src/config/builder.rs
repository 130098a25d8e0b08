//! `ConfigBuilder`: collects a token source's options from code, JSON, the
//! environment or flags; [`build`](ConfigBuilder::build) validates them all.
//! Its typed setters are generated from the option table (`table.rs`).

use std::fmt;
use std::time::Duration;

use url::Url;

use super::endpoint::{Insecure, parse_endpoint};
use super::settings::{Naming, Raw, ReadFile, Settings};
use super::table::Component;
use super::{BodyFormat, Config, Endpoint, Tls};
use crate::Error;
use crate::cache::Policy;
use crate::client::ClientAuth;
use crate::dpop::DpopKey;

const MAX_TIMEOUT: Duration = Duration::from_secs(3600);
const MAX_RETRIES: u32 = 10;
const MAX_DEFAULT_LIFETIME: Duration = Duration::from_secs(86_400 * 366);

/// Parameters that the SDK sets itself and that `extra_params` may not override.
const RESERVED_PARAMS: [&str; 8] = [
    "grant_type",
    "client_id",
    "client_secret",
    "scope",
    "audience",
    "resource",
    "client_assertion",
    "client_assertion_type",
];

/// Collects settings; [`build`](ConfigBuilder::build) validates them all at
/// once. Every option of the table has a setter here (see `options.json`).
#[derive(Clone)]
pub struct ConfigBuilder {
    pub(crate) settings: Settings,
}

impl std::default::Default for ConfigBuilder {
    fn default() -> Self {
        ConfigBuilder {
            settings: Settings::new(Component::TokenSource),
        }
    }
}

impl fmt::Debug for ConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Values may be secrets (client_secret, keys, extra parameters).
        f.debug_struct("ConfigBuilder")
            .field("token_url", &self.settings.text("token_url"))
            .field("issuer", &self.settings.text("issuer"))
            .field("client_id", &self.settings.text("client_id"))
            .finish_non_exhaustive()
    }
}

impl ConfigBuilder {
    pub(crate) fn set_raw(mut self, _component: Component, name: &str, value: Raw) -> Self {
        self.settings.set(name, value);
        self
    }

    /// Adds one extra request parameter.
    #[must_use]
    pub fn extra_param(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra_params([(name, value)])
    }

    /// Records that `field`'s value came from `origin` (an environment
    /// variable or a flag), so errors about it name `origin`.
    #[must_use]
    pub fn origin(mut self, field: &str, origin: impl Into<String>) -> Self {
        self.settings.set_origin(field, origin);
        self
    }

    /// Reads the JSON form shared by every binding into a builder: keys in
    /// `snake_case` (or Node's `camelCase`), `null` for "not set"; unknown
    /// options are errors. See [`Config::from_json`].
    pub fn from_json(text: &str) -> Result<ConfigBuilder, Error> {
        ConfigBuilder::from_json_named(text, Naming::Snake)
    }

    /// [`from_json`](Self::from_json), naming options in errors as `naming`
    /// spells them (Node's `clientId` rather than `client_id`).
    pub fn from_json_named(text: &str, naming: Naming) -> Result<ConfigBuilder, Error> {
        Settings::from_json(Component::TokenSource, text, naming)
            .map(|settings| ConfigBuilder { settings })
    }

    /// Reads `<prefix>_*` variables through `lookup` (for tests, and for
    /// hosts that keep settings elsewhere). The prefix is upper-cased; empty
    /// variables count as unset; errors name the variable.
    pub fn from_lookup(
        prefix: &str,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<ConfigBuilder, Error> {
        ConfigBuilder::from_flags(prefix, lookup, &[])
    }

    /// Like [`from_lookup`](Self::from_lookup), then command-line `flags`
    /// (flag, value; `""` for a switch) that win over the variables; errors
    /// about a flag's value name the flag.
    pub fn from_flags(
        prefix: &str,
        lookup: impl Fn(&str) -> Option<String>,
        flags: &[(&str, String)],
    ) -> Result<ConfigBuilder, Error> {
        Settings::from_lookup(Component::TokenSource, prefix, &lookup, flags)
            .map(|settings| ConfigBuilder { settings })
    }

    /// Reads `<prefix>_*` environment variables (see the table in DESIGN.md).
    pub fn from_env(prefix: &str) -> Result<ConfigBuilder, Error> {
        ConfigBuilder::from_lookup(prefix, crate::loader::env_var)
    }

    /// Validates everything and builds the configuration, reading the files
    /// that `*_file` options name from disk.
    pub fn build(self) -> Result<Config, Error> {
        self.build_with(&crate::loader::Disk)
    }

    /// [`build`](Self::build), reading files through `files`.
    pub fn build_with(mut self, files: &dyn ReadFile) -> Result<Config, Error> {
        let s = &mut self.settings;
        s.check_alternatives()?;
        s.read_files(files)?;
        let s = &self.settings;
        let allow_insecure_http = s.flag("allow_insecure_http");
        let insecure_name = s.name("allow_insecure_http");
        let insecure = Insecure {
            allowed: allow_insecure_http,
            option: &insecure_name,
        };
        let endpoint = endpoint(s, insecure)?;
        let client = ClientAuth::from_settings(s)?;
        let tls = Tls::from_settings(s)?;
        if client.method().uses_certificate() && !tls.has_client_certificate() {
            return Err(s.err(
                "client_cert_file",
                format!("is required for {} (with client_key_file)", client.method()),
            ));
        }
        let scopes = scopes(s)?;
        let audience = s.text("audience").map(str::to_owned);
        if audience.as_deref().is_some_and(|a| a.trim().is_empty()) {
            return Err(s.err("audience", "must not be empty when set"));
        }
        let resources = resources(s)?;
        let extra_params = extra_params(s)?;
        let timeout = s.seconds("timeout").unwrap_or(MAX_TIMEOUT);
        if timeout.is_zero() || timeout > MAX_TIMEOUT {
            return Err(s.err("timeout", "must be more than 0 and at most 3600 seconds"));
        }
        let retries = s.count("retries");
        if retries > MAX_RETRIES {
            return Err(s.err("retries", format!("must be at most {MAX_RETRIES}")));
        }
        let default_lifetime = s
            .seconds("default_lifetime")
            .unwrap_or(MAX_DEFAULT_LIFETIME);
        if default_lifetime < Duration::from_secs(1) || default_lifetime > MAX_DEFAULT_LIFETIME {
            return Err(s.err("default_lifetime", "must be between 1 second and 366 days"));
        }
        let body_format = s
            .choice("body_format")
            .and_then(BodyFormat::from_name)
            .unwrap_or_default();
        let revocation_url = s
            .text("revocation_url")
            .map(|raw| parse_endpoint(&s.name("revocation_url"), raw, insecure))
            .transpose()?;
        Ok(Config {
            endpoint,
            client,
            body_format,
            scopes,
            audience,
            resources,
            extra_params,
            timeout,
            retries,
            default_lifetime,
            allow_insecure_http,
            revocation_url,
            tls,
            dpop: dpop_key(s)?,
            fleet: super::FleetConfig::from_settings(s)?,
            policy: Policy {
                retries,
                retry_window: timeout,
                ..Policy::default()
            },
        })
    }
}

fn endpoint(s: &Settings, insecure: Insecure<'_>) -> Result<Endpoint, Error> {
    match (s.text("token_url"), s.text("issuer")) {
        (None, None) => Err(s.err(
            "token_url",
            "is required (or issuer, to discover the token endpoint)",
        )),
        (Some(url), _) => {
            parse_endpoint(&s.name("token_url"), url, insecure).map(Endpoint::TokenUrl)
        }
        (None, Some(raw)) => {
            let url = parse_endpoint(&s.name("issuer"), raw, insecure)?;
            if url.query().is_some() {
                return Err(s.err("issuer", "must not have a query string (RFC 8414 §2)"));
            }
            Ok(Endpoint::Issuer {
                url,
                raw: raw.trim().to_owned(),
            })
        }
    }
}

/// The DPoP key: from `dpop_key_file`, or generated when `dpop` is on.
fn dpop_key(s: &Settings) -> Result<Option<DpopKey>, Error> {
    match s.file("dpop_key_file") {
        Some(text) => DpopKey::parse(text)
            .map(Some)
            .map_err(|problem| s.err("dpop_key_file", problem)),
        None if s.flag("dpop") => DpopKey::generate().map(Some),
        None => Ok(None),
    }
}

fn scopes(s: &Settings) -> Result<Vec<String>, Error> {
    let mut scopes: Vec<String> = Vec::new();
    for scope in s.list("scopes") {
        // RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
        if let Some(bad) = scope
            .chars()
            .find(|c| !matches!(*c, '\x21' | '\x23'..='\x5B' | '\x5D'..='\x7E'))
        {
            return Err(s.err(
                "scopes",
                format!("contains {scope:?}, whose character {bad:?} is not allowed in a scope (RFC 6749 §3.3)"),
            ));
        }
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    Ok(scopes)
}

fn resources(s: &Settings) -> Result<Vec<String>, Error> {
    let resources = s.list("resource");
    for resource in &resources {
        match Url::parse(resource) {
            Ok(url) if url.fragment().is_none() => {}
            Ok(_) => {
                return Err(s.err(
                    "resource",
                    format!("{resource:?} must not have a #fragment (RFC 8707 §2)"),
                ));
            }
            Err(_) => {
                return Err(s.err(
                    "resource",
                    format!("{resource:?} is not an absolute URI (RFC 8707 §2)"),
                ));
            }
        }
    }
    Ok(resources)
}

fn extra_params(s: &Settings) -> Result<Vec<(String, String)>, Error> {
    let mut params = s.params("extra_params").to_vec();
    for (name, _) in &params {
        if name.is_empty() {
            return Err(s.err("extra_params", "has a parameter with an empty name"));
        }
        if RESERVED_PARAMS.contains(&name.as_str()) {
            return Err(s.err(
                "extra_params",
                format!("cannot set {name:?}: m2mauth sets it from its own option"),
            ));
        }
    }
    params.sort_by(|a, b| a.0.cmp(&b.0));
    if let Some(pair) = params.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(s.err("extra_params", format!("sets {:?} twice", pair[0].0)));
    }
    Ok(params)
}

#[cfg(test)]
mod tests {
    use crate::{AuthMethod, ConfigBuilder, ErrorCode};
    use std::collections::HashMap;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn ssojet_variables_work_unchanged() {
        // The prefix is matched in upper case, however it is written.
        let c = ConfigBuilder::from_lookup(
            "ssojet",
            lookup(&[
                ("SSOJET_TOKEN_URL", "https://auth.ssojet.com/oauth2/token"),
                ("SSOJET_CLIENT_ID", "cid"),
                ("SSOJET_CLIENT_SECRET", "csecret"),
                ("SSOJET_API_AUDIENCE", "https://api.example.com"),
                ("SSOJET_SCOPE", "read,write admin"),
                ("SSOJET_AUTH_METHOD", "client_secret_post"),
            ]),
        )
        .unwrap()
        .build()
        .unwrap();
        assert_eq!(c.audience(), Some("https://api.example.com"));
        assert_eq!(c.scopes(), ["read", "write", "admin"]);
        assert_eq!(c.auth_method(), AuthMethod::ClientSecretPost);
    }

    #[test]
    fn bad_values_name_the_variable() {
        let err = ConfigBuilder::from_lookup("M2MAUTH", lookup(&[("M2MAUTH_TIMEOUT", "soon")]))
            .unwrap_err();
        assert_eq!(err.field(), Some("M2MAUTH_TIMEOUT"));
        let err =
            ConfigBuilder::from_lookup("M2MAUTH", lookup(&[("M2MAUTH_AUTH_METHOD", "magic")]))
                .unwrap_err();
        assert_eq!(err.field(), Some("M2MAUTH_AUTH_METHOD"));
        let err = ConfigBuilder::from_lookup(
            "M2MAUTH",
            lookup(&[
                ("M2MAUTH_TOKEN_URL", "http://idp.example.com/t"),
                ("M2MAUTH_CLIENT_ID", "a"),
                ("M2MAUTH_CLIENT_SECRET", "b"),
            ]),
        )
        .unwrap()
        .build()
        .unwrap_err();
        assert_eq!(err.field(), Some("M2MAUTH_TOKEN_URL"));
        let err =
            ConfigBuilder::from_lookup("M2MAUTH", lookup(&[("M2MAUTH_TOKEN_URL", "https://x/t")]))
                .unwrap()
                .build()
                .unwrap_err();
        assert_eq!(
            (err.code(), err.field()),
            (ErrorCode::Config, Some("M2MAUTH_CLIENT_ID"))
        );
    }

    #[test]
    fn empty_variables_are_unset() {
        let b = ConfigBuilder::from_lookup(
            "M2MAUTH",
            lookup(&[
                ("M2MAUTH_TOKEN_URL", "https://x/t"),
                ("M2MAUTH_CLIENT_ID", "a"),
                ("M2MAUTH_CLIENT_SECRET", "b"),
                ("M2MAUTH_AUDIENCE", ""),
            ]),
        )
        .unwrap();
        assert_eq!(b.build().unwrap().audience(), None);
    }

    #[test]
    fn json_form_and_its_errors() {
        let c = ConfigBuilder::from_json(
            r#"{"token_url":"https://idp.example.com/t","client_id":"svc","client_secret":"pw",
                "scopes":"read write","audience":"api","resource":["https://a.example/"],
                "extra_params":{"tenant":"t1","n":3},"auth_method":"client_secret_post",
                "body_format":"json","timeout":2.5,"retries":0,"default_lifetime":60,
                "allow_insecure_http":false,"issuer":null}"#,
        )
        .unwrap()
        .build()
        .unwrap();
        assert_eq!(c.scopes(), ["read", "write"]);
        assert_eq!(c.timeout(), std::time::Duration::from_millis(2500));
        assert_eq!(
            c.extra_params(),
            [("n".into(), "3".into()), ("tenant".into(), "t1".into())]
        );
        let err = ConfigBuilder::from_json(r#"{"client_sekret":"hunter2"}"#).unwrap_err();
        assert_eq!(err.field(), Some("client_sekret"));
        assert!(!err.to_string().contains("hunter2"));
        let err = ConfigBuilder::from_json(r#"{"client_secret": 12345}"#).unwrap_err();
        assert_eq!(err.field(), Some("client_secret"));
        assert!(!err.to_string().contains("12345"));
        let err = ConfigBuilder::from_json("{not json").unwrap_err();
        assert_eq!(
            (err.code(), err.field()),
            (ErrorCode::Config, Some("config"))
        );
        let err = ConfigBuilder::from_json(r#"{"timeout": -1}"#).unwrap_err();
        assert_eq!(err.field(), Some("timeout"));
    }
}
