//! `TokenSource::builder()`: the configuration builder, ending in a source.

use std::path::PathBuf;
use std::time::Duration;

use super::TokenSource;
use crate::{AuthMethod, BodyFormat, ConfigBuilder, Error, Secret};

/// Builds a [`TokenSource`]; the options are those of [`ConfigBuilder`], and
/// [`build`](Self::build) validates them all.
#[derive(Debug, Default)]
pub struct TokenSourceBuilder(ConfigBuilder);

macro_rules! forward {
    ($( $(#[$doc:meta])* $name:ident($arg:ident: $ty:ty) ),* $(,)?) => {$(
        $(#[$doc])*
        #[must_use]
        pub fn $name(self, $arg: $ty) -> Self {
            TokenSourceBuilder(self.0.$name($arg))
        }
    )*};
}

impl TokenSourceBuilder {
    forward! {
        /// The token endpoint URL.
        token_url(url: impl Into<String>),
        /// An issuer to discover the token endpoint from.
        issuer(url: impl Into<String>),
        /// The client id.
        client_id(id: impl Into<String>),
        /// The client secret.
        client_secret(secret: impl Into<Secret>),
        /// A file holding the client secret.
        client_secret_file(path: impl Into<PathBuf>),
        /// The `audience` parameter.
        audience(audience: impl Into<String>),
        /// The client authentication method.
        auth_method(method: AuthMethod),
        /// The body format.
        body_format(format: BodyFormat),
        /// The deadline of one token acquisition, retries included.
        timeout(timeout: Duration),
        /// Retries of transient failures while callers wait.
        retries(retries: u32),
        /// The lifetime assumed when the IdP sends no `expires_in`.
        default_lifetime(lifetime: Duration),
        /// Allows `http://` to hosts other than loopback.
        allow_insecure_http(allow: bool),
    }

    /// Adds scopes (each item may hold several, separated by spaces).
    #[must_use]
    pub fn scopes<S: AsRef<str>>(self, scopes: impl IntoIterator<Item = S>) -> Self {
        TokenSourceBuilder(self.0.scopes(scopes))
    }

    /// Adds RFC 8707 `resource` parameters.
    #[must_use]
    pub fn resources<S: Into<String>>(self, resources: impl IntoIterator<Item = S>) -> Self {
        TokenSourceBuilder(self.0.resources(resources))
    }

    /// Adds an extra request parameter.
    #[must_use]
    pub fn extra_param(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        TokenSourceBuilder(self.0.extra_param(name, value))
    }

    /// Validates the options and creates the source.
    pub fn build(self) -> Result<TokenSource, Error> {
        self.0.build().map(TokenSource::new)
    }
}
