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

/// `m2mauth revoke TOKEN`: the client credentials variables, and
/// `<P>_REVOCATION_URL` or `<P>_ISSUER` (discovery). The token endpoint is
/// not used, so a revocation URL alone is enough.
pub(crate) fn revoke(options: &Configured) -> Result<(), Failure> {
    let token = crate::verify::token_argument(options)?;
    let prefix = options.env_prefix.as_deref().unwrap_or("M2MAUTH");
    let mut flags = options.flags.clone();
    let lookup = |suffix: &str| {
        let flag = format!("--{}", suffix.to_ascii_lowercase().replace('_', "-"));
        flags
            .iter()
            .find(|(f, _)| *f == flag)
            .map(|(_, v)| v.clone())
            .or_else(|| {
                m2mauth::loader::env_var(&format!("{}_{suffix}", prefix.to_ascii_uppercase()))
            })
            .filter(|v| !v.trim().is_empty())
    };
    if lookup("TOKEN_URL").is_none()
        && lookup("ISSUER").is_none()
        && let Some(revocation_url) = lookup("REVOCATION_URL")
    {
        flags.push(("--token-url", revocation_url));
    }
    let config = ConfigBuilder::from_flags(prefix, m2mauth::loader::env_var, &flags)?.build()?;
    TokenSource::new(config).revoke_blocking(&token)?;
    Ok(())
}
