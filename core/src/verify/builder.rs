//! `VerifierConfigBuilder`: collects a verifier's options from code, JSON,
//! the environment or flags; [`build`](VerifierConfigBuilder::build)
//! validates them all. Its typed setters are generated from the option
//! table (`config/table.rs`).

use std::time::Duration;

use url::Url;

use super::config::{Introspection, VerifierConfig};
use super::signature::Algorithm;
use crate::Error;
use crate::client::ClientAuth;
use crate::config::settings::{Naming, Raw, ReadFile, Settings};
use crate::config::table::Component;
use crate::config::{Insecure, parse_endpoint};

const MAX_LEEWAY: Duration = Duration::from_secs(600);
const MAX_TIMEOUT: Duration = Duration::from_secs(3600);

/// Collects a verifier's settings; [`build`](Self::build) validates them.
#[derive(Clone)]
pub struct VerifierConfigBuilder {
    pub(crate) settings: Settings,
}

impl std::default::Default for VerifierConfigBuilder {
    fn default() -> Self {
        VerifierConfigBuilder {
            settings: Settings::new(Component::Verifier),
        }
    }
}

impl std::fmt::Debug for VerifierConfigBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifierConfigBuilder")
            .field("issuer", &self.settings.text("issuer"))
            .field("jwks_url", &self.settings.text("jwks_url"))
            .finish_non_exhaustive()
    }
}

impl VerifierConfigBuilder {
    pub(crate) fn set_raw(mut self, _component: Component, name: &str, value: Raw) -> Self {
        self.settings.set(name, value);
        self
    }

    /// Adds one required claim: the token must carry `name` with exactly this value.
    #[must_use]
    pub fn required_claim(self, name: impl Into<String>, value: serde_json::Value) -> Self {
        self.required_claims([(name, value)])
    }

    /// Reads the JSON form shared by every binding (keys in `snake_case`
    /// or, with [`Naming::Node`], `camelCase`).
    pub fn from_json_named(text: &str, naming: Naming) -> Result<VerifierConfigBuilder, Error> {
        Settings::from_json(Component::Verifier, text, naming)
            .map(|settings| VerifierConfigBuilder { settings })
    }

    /// [`from_json_named`](Self::from_json_named) with `snake_case` names.
    pub fn from_json(text: &str) -> Result<VerifierConfigBuilder, Error> {
        VerifierConfigBuilder::from_json_named(text, Naming::Snake)
    }

    /// Reads `<prefix>_*` variables through `lookup`, then command-line
    /// `flags` (flag, value) that win over them.
    pub fn from_flags(
        prefix: &str,
        lookup: impl Fn(&str) -> Option<String>,
        flags: &[(&str, String)],
    ) -> Result<VerifierConfigBuilder, Error> {
        Settings::from_lookup(Component::Verifier, prefix, &lookup, flags)
            .map(|settings| VerifierConfigBuilder { settings })
    }

    /// Reads `<prefix>_*` environment variables: `<P>_ISSUER`,
    /// `<P>_JWKS_URL`, `<P>_AUDIENCE`, … (see `options.json`).
    pub fn from_env(prefix: &str) -> Result<VerifierConfigBuilder, Error> {
        VerifierConfigBuilder::from_flags(prefix, crate::loader::env_var, &[])
    }

    /// Validates everything and builds the configuration, reading the files
    /// that `*_file` options name from disk.
    pub fn build(self) -> Result<VerifierConfig, Error> {
        self.build_with(&crate::loader::Disk, true)
    }

    /// A configuration for introspecting tokens only: `audience` may be
    /// missing (RFC 7662 answers are reported, not judged), and an
    /// introspection endpoint (or an issuer to discover it from) and client
    /// credentials are required.
    pub fn build_for_introspection(self) -> Result<VerifierConfig, Error> {
        let config = self.build_with(&crate::loader::Disk, false)?;
        if config.introspection.is_none() {
            return Err(Error::config(
                config.name_of_introspection_url.clone(),
                "is required to introspect (or issuer with client_id, to discover it)",
            ));
        }
        Ok(config)
    }

    /// [`build`](Self::build), reading files through `files`;
    /// `judging` requires the rules that judge a token (an audience).
    pub fn build_with(
        mut self,
        files: &dyn ReadFile,
        judging: bool,
    ) -> Result<VerifierConfig, Error> {
        self.settings.check_alternatives()?;
        self.settings.read_files(files)?;
        let s = &self.settings;
        let insecure_name = s.name("allow_insecure_http");
        let insecure = Insecure {
            allowed: s.flag("allow_insecure_http"),
            option: &insecure_name,
        };
        let url = |name: &str| -> Result<Option<Url>, Error> {
            s.text(name)
                .map(|raw| parse_endpoint(&s.name(name), raw, insecure))
                .transpose()
        };
        let issuer_url = url("issuer")?;
        let issuer = s.text("issuer").map(|i| i.trim().to_owned());
        let jwks_url = url("jwks_url")?;
        let pinned_keys = s
            .text("jwks")
            .map(|document| {
                super::jwks::parse_jwks(document.as_bytes())
                    .map(std::sync::Arc::new)
                    .map_err(|why| s.err("jwks", format!("is not a usable JWKS: {why}")))
            })
            .transpose()?;
        let introspection_url = url("introspection_url")?;
        let audiences = s.list("audience");
        if judging && audiences.is_empty() {
            return Err(s.err(
                "audience",
                "is required: the audiences this service accepts (a token's aud must name one)",
            ));
        }
        if audiences.iter().any(|a| a.trim().is_empty()) {
            return Err(s.err("audience", "must not contain an empty audience"));
        }
        let algorithms = algorithms(s)?;
        let leeway = s.seconds("leeway").unwrap_or_default();
        if leeway > MAX_LEEWAY {
            return Err(s.err("leeway", "must be at most 600 seconds"));
        }
        let timeout = s.seconds("timeout").unwrap_or(MAX_TIMEOUT);
        if timeout.is_zero() || timeout > MAX_TIMEOUT {
            return Err(s.err("timeout", "must be more than 0 and at most 3600 seconds"));
        }
        let introspection = match (&introspection_url, s.is_set("client_id")) {
            (Some(_), false) => {
                return Err(s.err("client_id", "is required to introspect tokens"));
            }
            (url, true) if url.is_some() || issuer_url.is_some() => Some(Introspection {
                url: url.clone(),
                client: ClientAuth::from_settings(s)?,
            }),
            _ => None,
        };
        let no_keys = issuer_url.is_none() && jwks_url.is_none() && pinned_keys.is_none();
        if judging && no_keys && introspection.is_none() {
            return Err(s.err(
                "issuer",
                "is required (or jwks_url, jwks or introspection_url): where the keys come from",
            ));
        }
        Ok(VerifierConfig {
            issuer,
            issuer_url,
            jwks_url,
            pinned_keys,
            audiences,
            algorithms,
            leeway,
            required_scopes: s.list("required_scopes"),
            required_claims: s.claims("required_claims").to_vec(),
            strict_typ: s.flag("strict_typ"),
            introspection,
            timeout,
            allow_insecure_http: insecure.allowed,
            tls: crate::config::Tls::from_settings(s)?,
            name_of_introspection_url: s.name("introspection_url"),
        })
    }
}

/// The accepted algorithms: known asymmetric JWS names only.
fn algorithms(s: &Settings) -> Result<Vec<Algorithm>, Error> {
    let mut accepted = Vec::new();
    for name in s.list("algorithms") {
        let Some(alg) = Algorithm::from_name(&name) else {
            let why = if name.eq_ignore_ascii_case("none") {
                "an unsigned token is never accepted".to_owned()
            } else if name.to_ascii_uppercase().starts_with("HS") {
                "HMAC is never accepted with keys from a JWKS (anyone has the public key)"
                    .to_owned()
            } else {
                format!(
                    "must be among {}",
                    Algorithm::ALL.map(Algorithm::as_str).join(", ")
                )
            };
            return Err(s.err("algorithms", format!("cannot include {name:?}: {why}")));
        };
        if !accepted.contains(&alg) {
            accepted.push(alg);
        }
    }
    if accepted.is_empty() {
        return Err(s.err("algorithms", "must name at least one algorithm"));
    }
    Ok(accepted)
}
