//! Validated configuration of a token source, from code, JSON, the
//! environment or flags: every way in is declared once, in the option
//! [`table`], and ends in [`ConfigBuilder::build`], so the rules and the
//! error messages are the same in every language. Errors name what the user
//! wrote: `client_id`, `clientId`, `M2MAUTH_CLIENT_ID` or `--client-id`.
//!
//! Sans-IO: nothing here reads the environment or a file. `from_env` and
//! `build` get them through [`crate::loader`]; [`ConfigBuilder::from_lookup`]
//! and [`ConfigBuilder::build_with`] take them as arguments.

mod builder;
mod choices;
mod endpoint;
mod fleet;
pub(crate) mod settings;
pub mod table;
mod tls;

use std::fmt;
use std::time::Duration;

use url::Url;

pub use builder::ConfigBuilder;
pub use choices::{AuthMethod, BodyFormat, SigningAlg};
pub(crate) use endpoint::{Insecure, check_endpoint, parse_endpoint};
pub use fleet::FleetConfig;
pub use settings::{Naming, ReadFile};
pub use tls::Tls;

use crate::Error;
use crate::cache::{CacheKey, Policy};
use crate::client::ClientAuth;
use crate::dpop::DpopKey;

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
    /// The issuer identifier as configured, when the endpoint is discovered from one.
    pub fn issuer(&self) -> Option<&str> {
        match self {
            Endpoint::TokenUrl(_) => None,
            Endpoint::Issuer { raw, .. } => Some(raw),
        }
    }

    /// The configured URL as text.
    pub fn as_str(&self) -> &str {
        match self {
            Endpoint::TokenUrl(url) => url.as_str(),
            Endpoint::Issuer { raw, .. } => raw,
        }
    }
}

/// A validated token source configuration. Build it with
/// [`Config::builder`], [`Config::from_json`] or [`Config::from_env`].
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
    pub(crate) endpoint: Endpoint,
    pub(crate) client: ClientAuth,
    pub(crate) body_format: BodyFormat,
    pub(crate) scopes: Vec<String>,
    pub(crate) audience: Option<String>,
    pub(crate) resources: Vec<String>,
    pub(crate) extra_params: Vec<(String, String)>,
    pub(crate) timeout: Duration,
    pub(crate) retries: u32,
    pub(crate) default_lifetime: Duration,
    pub(crate) allow_insecure_http: bool,
    pub(crate) revocation_url: Option<Url>,
    pub(crate) tls: Tls,
    pub(crate) dpop: Option<DpopKey>,
    pub(crate) fleet: Option<FleetConfig>,
    pub(crate) policy: Policy,
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
        self.client.client_id()
    }

    /// How the client authenticates.
    pub fn auth_method(&self) -> AuthMethod {
        self.client.method()
    }

    /// The client's credentials.
    pub fn client_auth(&self) -> &ClientAuth {
        &self.client
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

    /// The TLS settings: extra trust anchors and the mTLS client certificate.
    pub fn tls(&self) -> &Tls {
        &self.tls
    }

    /// The DPoP key tokens are bound to, when DPoP is on.
    pub fn dpop(&self) -> Option<&DpopKey> {
        self.dpop.as_ref()
    }

    /// The fleet cache (Redis) this source shares tokens through, if any.
    pub fn fleet(&self) -> Option<&FleetConfig> {
        self.fleet.as_ref()
    }

    /// The configured revocation endpoint, if any.
    pub fn revocation_url(&self) -> Option<&Url> {
        self.revocation_url.as_ref()
    }

    /// The cache key of the tokens this configuration asks for.
    pub fn cache_key(&self) -> CacheKey {
        let key = CacheKey::new(
            self.endpoint.as_str(),
            self.client.client_id(),
            self.scopes.iter().map(String::as_str),
            self.audience.as_deref(),
            self.resources.iter().map(String::as_str),
            self.extra_params
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        );
        match &self.dpop {
            Some(dpop) => key.bound_to(dpop.thumbprint()),
            None => key,
        }
    }

    /// The state-machine policy: defaults, with this configuration's timeout
    /// as the retry window and its retry count.
    pub fn policy(&self) -> Policy {
        self.policy.clone()
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let extra: Vec<&str> = self.extra_params.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("Config")
            .field("endpoint", &self.endpoint.as_str())
            .field("client", &self.client)
            .field("body_format", &self.body_format)
            .field("scopes", &self.scopes)
            .field("audience", &self.audience)
            .field("resources", &self.resources)
            .field("extra_params", &extra)
            .field("timeout", &self.timeout)
            .field("retries", &self.retries)
            .field("default_lifetime", &self.default_lifetime)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

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

    struct Files(&'static str);

    impl ReadFile for Files {
        fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
            match path.to_str() {
                Some("/secret") => Ok(self.0.as_bytes().to_vec()),
                _ => Err(std::io::ErrorKind::NotFound.into()),
            }
        }
    }

    #[test]
    fn secret_file_is_read_and_trimmed() {
        let base = || {
            Config::builder()
                .token_url("https://idp.example.com/t")
                .client_id("svc")
        };
        let c = base()
            .client_secret_file("/secret")
            .build_with(&Files("from-file\r\n"))
            .unwrap();
        assert_eq!(c.client_auth().secret().unwrap().expose(), "from-file");
        let err = base()
            .client_secret_file("/missing")
            .build_with(&Files(""))
            .unwrap_err();
        assert_eq!(err.field(), Some("client_secret_file"));
        assert!(err.to_string().contains("/missing"), "{err}");
        let err = base()
            .client_secret_file("/secret")
            .build_with(&Files("\n"))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid configuration: client_secret_file must not be empty"
        );
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
