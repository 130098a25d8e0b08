//! `m2mauth token`: one token on stdout, for scripts.

use m2mauth::{ConfigBuilder, Error, TokenSource};
use serde_json::json;

use crate::args::Configured;
use crate::output::{self, Failure};
use m2mauth::rfc3339;

/// The `<PREFIX>_*` variables, each overridden by its flag.
pub(crate) fn config(options: &Configured) -> Result<m2mauth::Config, Error> {
    let prefix = options.env_prefix.as_deref().unwrap_or("M2MAUTH");
    ConfigBuilder::from_flags(prefix, m2mauth::loader::env_var, &options.flags)?.build()
}

pub(crate) fn run(options: &Configured) -> Result<(), Failure> {
    let source = TokenSource::new(config(options)?);
    let token = source.token_blocking()?;
    if options.json {
        #[allow(clippy::disallowed_methods)] // seconds left, as the user's clock sees them
        let left = token
            .expires_at()
            .duration_since(std::time::SystemTime::now())
            .map_or(0, |d| d.as_secs());
        let scope = (!token.scopes().is_empty()).then(|| token.scopes().join(" "));
        let object = json!({
            "access_token": token.secret(),
            "token_type": token.token_type(),
            "expires_in": left,
            "expires_at": rfc3339::format(token.expires_at()),
            "scope": scope,
        });
        output::line(&object.to_string())?;
    } else {
        output::line(token.secret())?;
    }
    Ok(())
}
