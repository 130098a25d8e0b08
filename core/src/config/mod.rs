//! Validated configuration of a token source, from code, JSON or the environment.
//!
//! Every way in ends in [`ConfigBuilder::build`], so the rules and the error
//! messages are the same in every language. Errors name the field the value
//! came from: `client_id`, or `M2MAUTH_CLIENT_ID` when it came from the
//! environment.

mod endpoint;
mod env;
mod json;

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use url::Url;

pub(crate) use endpoint::check_endpoint;

use crate::cache::{CacheKey, Policy};
use crate::{Error, Secret};

/// Default deadline of one token acquisition, retries included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default lifetime assumed when the IdP sends no `expires_in` (and the token
/// is not a JWT carrying `iat` and `exp`).
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(300);
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

/// How the client authenticates at the token endpoint (RFC 6749 §2.3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum AuthMethod {
    /// HTTP Basic with the form-urlencoded id and secret (the default).
    #[default]
    ClientSecretBasic,
    /// `client_id` and `client_secret` in the request body.
    ClientSecretPost,
}

impl AuthMethod {
    /// The registered name: `client_secret_basic` or `client_secret_post`.
    pub const fn as_str(self) -> &'static str {
        match self {
            AuthMethod::ClientSecretBasic => "client_secret_basic",
            AuthMethod::ClientSecretPost => "client_secret_post",
        }
    }

    /// Parses a registered name.
    pub fn from_name(name: &str) -> Option<Self> {
        match name.trim() {
            "client_secret_basic" => Some(AuthMethod::ClientSecretBasic),
            "client_secret_post" => Some(AuthMethod::ClientSecretPost),
            _ => None,
        }
    }
}

/// How the token request body is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum BodyFormat {
    /// `application/x-www-form-urlencoded`, as RFC 6749 says (the default).
    #[default]
    Form,
    /// `application/json`, for IdPs that want it; `scope` is sent as an array.
    Json,
}

impl BodyFormat {
    /// `form` or `json`.
    pub const fn as_str(self) -> &'static str {
        match self {
            BodyFormat::Form => "form",
            BodyFormat::Json => "json",
        }
    }

    /// Parses `form` or `json`.
    pub fn from_name(name: &str) -> Option<Self> {
        match name.trim() {
            "form" => Some(BodyFormat::Form),
            "json" => Some(BodyFormat::Json),
            _ => None,
        }
    }
}

/// Where tokens come from: a token endpoint, or an issuer to discover it from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// The token endpoint itself.
    TokenUrl(Url),
    /// An issuer whose discovery document names the token endpoint; `raw` is
    /// the issuer exactly as configured (compared byte for byte, RFC 8414 §3.3).
    Issuer {
        /// The parsed issuer URL.
        url: Url,
        /// The issuer as configured.
        raw: String,
    },
}

impl Endpoint {
    /// The configured URL as text.
    pub fn as_str(&self) -> &str {
        match self {
            Endpoint::TokenUrl(url) => url.as_str(),
            Endpoint::Issuer { raw, .. } => raw,
        }
    }
}

/// A validated configuration. Build it with [`Config::builder`],
/// [`Config::from_json`] or [`Config::from_env`].
///
/// ```
/// use m2mauth::Config;
/// let config = Config::builder()
///     .token_url("https://auth.example.com/oauth2/token")
///     .client_id("billing-service")
///     .client_secret("s3cret")
///     .scopes(["invoices:read"])
///     .build()?;
/// assert_eq!(config.client_id(), "billing-service");
/// # Ok::<(), m2mauth::Error>(())
/// ```
#[derive(Clone)]
pub struct Config {
    endpoint: Endpoint,
    client_id: String,
    client_secret: Secret,
    auth_method: AuthMethod,
    body_format: BodyFormat,
    scopes: Vec<String>,
    audience: Option<String>,
    resources: Vec<String>,
    extra_params: Vec<(String, String)>,
    timeout: Duration,
    retries: u32,
    default_lifetime: Duration,
    allow_insecure_http: bool,
}

impl Config {
    /// Starts a builder.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// Reads the configuration from `<prefix>_*` environment variables (see
    /// DESIGN.md); `prefix` is usually `"M2MAUTH"` or an IdP's (`"SSOJET"`).
    pub fn from_env(prefix: &str) -> Result<Config, Error> {
        ConfigBuilder::from_env(prefix)?.build()
    }

    /// Parses the JSON form shared by every binding:
    /// `{"token_url": "...", "client_id": "...", "client_secret": "...", "scopes": [...]}`.
    pub fn from_json(text: &str) -> Result<Config, Error> {
        ConfigBuilder::from_json(text)?.build()
    }

    /// The token endpoint, or the issuer to discover it from.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The client secret.
    pub fn client_secret(&self) -> &Secret {
        &self.client_secret
    }

    /// The client authentication method.
    pub fn auth_method(&self) -> AuthMethod {
        self.auth_method
    }

    /// The request body format.
    pub fn body_format(&self) -> BodyFormat {
        self.body_format
    }

    /// The requested scopes, in the order given, without duplicates.
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }

    /// The `audience` parameter.
    pub fn audience(&self) -> Option<&str> {
        self.audience.as_deref()
    }

    /// The RFC 8707 `resource` parameters.
    pub fn resources(&self) -> &[String] {
        &self.resources
    }

    /// Extra request parameters, sorted by name.
    pub fn extra_params(&self) -> &[(String, String)] {
        &self.extra_params
    }

    /// The deadline of one token acquisition, retries included.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Retries of transient failures while callers wait.
    pub fn retries(&self) -> u32 {
        self.retries
    }

    /// The lifetime assumed when the IdP sends no `expires_in`.
    pub fn default_lifetime(&self) -> Duration {
        self.default_lifetime
    }

    /// Whether `http://` is allowed to non-loopback hosts.
    pub fn allow_insecure_http(&self) -> bool {
        self.allow_insecure_http
    }

    /// The cache key of the tokens this configuration asks for.
    pub fn cache_key(&self) -> CacheKey {
        CacheKey::new(
            self.endpoint.as_str(),
            self.client_id.as_str(),
            self.scopes.iter().map(String::as_str),
            self.audience.as_deref(),
            self.resources.iter().map(String::as_str),
            self.extra_params
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        )
    }

    /// The state-machine policy: defaults, with this configuration's timeout
    /// as the retry window and its retry count.
    pub fn policy(&self) -> Policy {
        Policy {
            retries: self.retries,
            retry_window: self.timeout,
            ..Policy::default()
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let extra: Vec<&str> = self.extra_params.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("Config")
            .field("endpoint", &self.endpoint.as_str())
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("auth_method", &self.auth_method)
            .field("body_format", &self.body_format)
            .field("scopes", &self.scopes)
            .field("audience", &self.audience)
            .field("resources", &self.resources)
            .field("extra_params", &extra)
            .field("timeout", &self.timeout)
            .field("retries", &self.retries)
            .field("default_lifetime", &self.default_lifetime)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .finish()
    }
}

/// Collects settings; [`build`](ConfigBuilder::build) validates them all at once.
#[derive(Default)]
pub struct ConfigBuilder {
    token_url: Option<String>,
    issuer: Option<String>,
    client_id: Option<String>,
    client_secret: Option<Secret>,
    client_secret_file: Option<PathBuf>,
    scopes: Vec<String>,
    audience: Option<String>,
    resources: Vec<String>,
    extra_params: Vec<(String, String)>,
    auth_method: AuthMethod,
    body_format: BodyFormat,
    timeout: Option<Duration>,
    retries: Option<u32>,
    default_lifetime: Option<Duration>,
    allow_insecure_http: bool,
    /// Where a field's value came from, when not from code (an environment
    /// variable, a flag): errors name that instead of the field.
    origins: Vec<(&'static str, String)>,
}

impl fmt::Debug for ConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Values may be secrets (client_secret, extra parameters): names only.
        f.debug_struct("ConfigBuilder")
            .field("token_url", &self.token_url)
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl ConfigBuilder {
    /// The token endpoint URL.
    #[must_use]
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = Some(url.into());
        self
    }

    /// An issuer URL whose discovery document names the token endpoint
    /// (instead of `token_url`).
    #[must_use]
    pub fn issuer(mut self, url: impl Into<String>) -> Self {
        self.issuer = Some(url.into());
        self
    }

    /// The client id.
    #[must_use]
    pub fn client_id(mut self, id: impl Into<String>) -> Self {
        self.client_id = Some(id.into());
        self
    }

    /// The client secret.
    #[must_use]
    pub fn client_secret(mut self, secret: impl Into<Secret>) -> Self {
        self.client_secret = Some(secret.into());
        self
    }

    /// A file holding the client secret (read at `build`, one trailing newline trimmed).
    #[must_use]
    pub fn client_secret_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.client_secret_file = Some(path.into());
        self
    }

    /// Adds scopes. Each item may hold several scopes separated by spaces.
    #[must_use]
    pub fn scopes<S: AsRef<str>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        for item in scopes {
            self.scopes
                .extend(item.as_ref().split_whitespace().map(str::to_owned));
        }
        self
    }

    /// The `audience` parameter (Auth0, SSOJet and others).
    #[must_use]
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// Adds RFC 8707 `resource` parameters (absolute URIs).
    #[must_use]
    pub fn resources<S: Into<String>>(mut self, resources: impl IntoIterator<Item = S>) -> Self {
        self.resources.extend(resources.into_iter().map(Into::into));
        self
    }

    /// Adds an extra request parameter.
    #[must_use]
    pub fn extra_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra_params.push((name.into(), value.into()));
        self
    }

    /// The client authentication method (default `client_secret_basic`).
    #[must_use]
    pub fn auth_method(mut self, method: AuthMethod) -> Self {
        self.auth_method = method;
        self
    }

    /// The body format (default `form`).
    #[must_use]
    pub fn body_format(mut self, format: BodyFormat) -> Self {
        self.body_format = format;
        self
    }

    /// The deadline of one token acquisition, retries included (default 10 s).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Retries of transient failures while callers wait (default 2).
    #[must_use]
    pub fn retries(mut self, retries: u32) -> Self {
        self.retries = Some(retries);
        self
    }

    /// The lifetime assumed when the IdP sends no `expires_in` (default 5 min).
    #[must_use]
    pub fn default_lifetime(mut self, lifetime: Duration) -> Self {
        self.default_lifetime = Some(lifetime);
        self
    }

    /// Allows `http://` to hosts other than loopback. Only for closed test networks.
    #[must_use]
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Records that `field`'s value came from `origin` (an environment
    /// variable or a flag), so errors about it name `origin`.
    #[must_use]
    pub fn origin(mut self, field: &'static str, origin: impl Into<String>) -> Self {
        self.origins.retain(|(f, _)| *f != field);
        self.origins.push((field, origin.into()));
        self
    }

    fn name(&self, field: &'static str) -> String {
        self.origins
            .iter()
            .find(|(f, _)| *f == field)
            .map_or_else(|| field.to_owned(), |(_, origin)| origin.clone())
    }

    fn err(&self, field: &'static str, problem: impl Into<String>) -> Error {
        Error::config(self.name(field), problem)
    }

    /// Validates everything and builds the configuration.
    pub fn build(self) -> Result<Config, Error> {
        let endpoint = self.valid_endpoint()?;
        let client_id = self.valid_client_id()?;
        let client_secret = self.valid_client_secret()?;
        let scopes = self.valid_scopes()?;
        if self
            .audience
            .as_deref()
            .is_some_and(|a| a.trim().is_empty())
        {
            return Err(self.err("audience", "must not be empty when set"));
        }
        self.check_resources()?;
        let extra_params = self.valid_extra_params()?;
        let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        if timeout.is_zero() || timeout > MAX_TIMEOUT {
            return Err(self.err("timeout", "must be more than 0 and at most 3600 seconds"));
        }
        let retries = self.retries.unwrap_or(Policy::default().retries);
        if retries > MAX_RETRIES {
            return Err(self.err("retries", format!("must be at most {MAX_RETRIES}")));
        }
        let default_lifetime = self.default_lifetime.unwrap_or(DEFAULT_LIFETIME);
        if default_lifetime < Duration::from_secs(1) || default_lifetime > MAX_DEFAULT_LIFETIME {
            return Err(self.err("default_lifetime", "must be between 1 second and 366 days"));
        }
        Ok(Config {
            endpoint,
            client_id,
            client_secret,
            auth_method: self.auth_method,
            body_format: self.body_format,
            scopes,
            audience: self.audience,
            resources: self.resources,
            extra_params,
            timeout,
            retries,
            default_lifetime,
            allow_insecure_http: self.allow_insecure_http,
        })
    }

    fn valid_endpoint(&self) -> Result<Endpoint, Error> {
        let insecure = self.allow_insecure_http;
        match (&self.token_url, &self.issuer) {
            (Some(_), Some(_)) => Err(self.err(
                "issuer",
                "cannot be set together with token_url: set one of them",
            )),
            (None, None) => Err(self.err(
                "token_url",
                "is required (or issuer, to discover the token endpoint)",
            )),
            (Some(url), None) => endpoint::parse_endpoint(&self.name("token_url"), url, insecure)
                .map(Endpoint::TokenUrl),
            (None, Some(raw)) => {
                let url = endpoint::parse_endpoint(&self.name("issuer"), raw, insecure)?;
                if url.query().is_some() {
                    return Err(self.err("issuer", "must not have a query string (RFC 8414 §2)"));
                }
                Ok(Endpoint::Issuer {
                    url,
                    raw: raw.trim().to_owned(),
                })
            }
        }
    }

    fn valid_client_id(&self) -> Result<String, Error> {
        let id = self
            .client_id
            .as_deref()
            .ok_or_else(|| self.err("client_id", "is required"))?;
        if id.is_empty() {
            return Err(self.err("client_id", "must not be empty"));
        }
        if id.chars().any(char::is_control) {
            return Err(self.err("client_id", "must not contain control characters"));
        }
        Ok(id.to_owned())
    }

    fn valid_client_secret(&self) -> Result<Secret, Error> {
        let secret = match (&self.client_secret, &self.client_secret_file) {
            (Some(_), Some(_)) => {
                return Err(self.err(
                    "client_secret_file",
                    "cannot be set together with client_secret: set one of them",
                ));
            }
            (Some(secret), None) => secret.clone(),
            (None, Some(path)) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    self.err(
                        "client_secret_file",
                        format!("cannot be read ({}: {})", path.display(), e.kind()),
                    )
                })?;
                let trimmed = text
                    .strip_suffix('\n')
                    .map_or(text.as_str(), |t| t.strip_suffix('\r').unwrap_or(t));
                Secret::new(trimmed)
            }
            (None, None) => return Err(self.err("client_secret", "is required")),
        };
        if secret.is_empty() {
            let field = if self.client_secret.is_some() {
                "client_secret"
            } else {
                "client_secret_file"
            };
            return Err(self.err(field, "must not be empty"));
        }
        Ok(secret)
    }

    fn valid_scopes(&self) -> Result<Vec<String>, Error> {
        let mut scopes: Vec<String> = Vec::with_capacity(self.scopes.len());
        for scope in &self.scopes {
            // RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
            if let Some(bad) = scope
                .chars()
                .find(|c| !matches!(*c, '\x21' | '\x23'..='\x5B' | '\x5D'..='\x7E'))
            {
                return Err(self.err(
                    "scopes",
                    format!("contains {scope:?}, whose character {bad:?} is not allowed in a scope (RFC 6749 §3.3)"),
                ));
            }
            if !scopes.contains(scope) {
                scopes.push(scope.clone());
            }
        }
        Ok(scopes)
    }

    fn check_resources(&self) -> Result<(), Error> {
        for resource in &self.resources {
            match Url::parse(resource) {
                Ok(url) if url.fragment().is_none() => {}
                Ok(_) => {
                    return Err(self.err(
                        "resource",
                        format!("{resource:?} must not have a #fragment (RFC 8707 §2)"),
                    ));
                }
                Err(_) => {
                    return Err(self.err(
                        "resource",
                        format!("{resource:?} is not an absolute URI (RFC 8707 §2)"),
                    ));
                }
            }
        }
        Ok(())
    }

    fn valid_extra_params(&self) -> Result<Vec<(String, String)>, Error> {
        let mut params = self.extra_params.clone();
        for (name, _) in &params {
            if name.is_empty() {
                return Err(self.err("extra_params", "has a parameter with an empty name"));
            }
            if RESERVED_PARAMS.contains(&name.as_str()) {
                return Err(self.err(
                    "extra_params",
                    format!("cannot set {name:?}: m2mauth sets it from its own option"),
                ));
            }
        }
        params.sort_by(|a, b| a.0.cmp(&b.0));
        if let Some(pair) = params.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(self.err("extra_params", format!("sets {:?} twice", pair[0].0)));
        }
        Ok(params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minimal() -> ConfigBuilder {
        Config::builder()
            .token_url("https://idp.example.com/oauth2/token")
            .client_id("svc")
            .client_secret("pw")
    }

    #[test]
    fn defaults() {
        let c = minimal().build().unwrap();
        assert_eq!(c.auth_method(), AuthMethod::ClientSecretBasic);
        assert_eq!(c.body_format(), BodyFormat::Form);
        assert_eq!(c.timeout(), Duration::from_secs(10));
        assert_eq!(c.retries(), 2);
        assert_eq!(c.default_lifetime(), Duration::from_secs(300));
    }

    #[test]
    fn scopes_are_split_deduplicated_and_checked() {
        let c = minimal().scopes(["b a", "a", "c"]).build().unwrap();
        assert_eq!(c.scopes(), ["b", "a", "c"]);
        assert_eq!(c.cache_key().scopes(), ["a", "b", "c"]);
        let err = minimal().scopes(["bad\"quote"]).build().unwrap_err();
        assert_eq!(err.field(), Some("scopes"));
    }

    #[test]
    fn errors_name_the_field_or_its_origin() {
        let err = Config::builder()
            .client_id("x")
            .client_secret("y")
            .build()
            .unwrap_err();
        assert_eq!(err.field(), Some("token_url"));
        let err = minimal()
            .timeout(Duration::ZERO)
            .origin("timeout", "M2MAUTH_TIMEOUT")
            .build()
            .unwrap_err();
        assert_eq!(err.field(), Some("M2MAUTH_TIMEOUT"));
        assert!(
            err.to_string()
                .starts_with("invalid configuration: M2MAUTH_TIMEOUT must be"),
            "{err}"
        );
        let err = minimal()
            .issuer("https://idp.example.com")
            .build()
            .unwrap_err();
        assert_eq!(err.field(), Some("issuer"));
    }

    #[test]
    fn extra_params_cannot_override_the_protocol() {
        let err = minimal()
            .extra_param("grant_type", "password")
            .build()
            .unwrap_err();
        assert_eq!(err.field(), Some("extra_params"));
        let c = minimal()
            .extra_param("z", "1")
            .extra_param("a", "2")
            .build()
            .unwrap();
        assert_eq!(c.extra_params()[0].0, "a");
    }

    #[test]
    fn resources_must_be_absolute_uris() {
        assert!(
            minimal()
                .resources(["https://api.example.com/"])
                .build()
                .is_ok()
        );
        assert_eq!(
            minimal().resources(["api"]).build().unwrap_err().field(),
            Some("resource")
        );
    }

    #[test]
    fn secret_file_is_read_and_trimmed() {
        let path = std::env::temp_dir().join(format!("m2mauth-secret-{}", std::process::id()));
        std::fs::write(&path, "from-file\n").unwrap();
        let c = Config::builder()
            .token_url("https://idp.example.com/t")
            .client_id("svc")
            .client_secret_file(&path)
            .build()
            .unwrap();
        assert_eq!(c.client_secret().expose(), "from-file");
        std::fs::remove_file(&path).unwrap();
        let err = Config::builder()
            .token_url("https://idp.example.com/t")
            .client_id("svc")
            .client_secret_file(&path)
            .build()
            .unwrap_err();
        assert_eq!(err.field(), Some("client_secret_file"));
    }

    #[test]
    fn debug_redacts_secret_and_extra_values() {
        let c = minimal()
            .extra_param("api_key", "hidden-value")
            .build()
            .unwrap();
        let text = format!("{c:?}");
        assert!(
            !text.contains("pw\"") && !text.contains("hidden-value"),
            "{text}"
        );
    }
}
