//! `m2mauth token`: one token on stdout, for scripts.

use std::collections::HashMap;

use m2mauth::{ConfigBuilder, Error, TokenSource};
use serde_json::json;

use crate::args::TokenOptions;
use crate::rfc3339;

/// The configuration: `<PREFIX>_*` variables, each overridden by its flag.
pub(crate) fn config(options: &TokenOptions) -> Result<m2mauth::Config, Error> {
    let prefix = options
        .env_prefix
        .as_deref()
        .unwrap_or("M2MAUTH")
        .trim_end_matches('_')
        .to_ascii_uppercase();
    let flags: HashMap<String, &str> = options
        .overrides
        .iter()
        .map(|(suffix, value, _)| (format!("{prefix}_{suffix}"), value.as_str()))
        .collect();
    // A flag replaces its variable and the variables that are alternatives
    // to it: `--issuer` wins over a `<P>_TOKEN_URL` in the environment.
    let shadowed: Vec<String> = options
        .overrides
        .iter()
        .flat_map(|(suffix, _, _)| alternatives_to(suffix))
        .map(|other| format!("{prefix}_{other}"))
        .collect();
    let mut builder = ConfigBuilder::from_lookup(&prefix, |name| match flags.get(name) {
        Some(value) => Some((*value).to_owned()),
        None if shadowed.iter().any(|s| s == name) => None,
        None => std::env::var(name).ok(),
    })
    .map_err(|e| name_the_flag(e, &prefix, options))?;
    for (suffix, _, flag) in &options.overrides {
        if let Some(field) = field_of(suffix) {
            builder = builder.origin(field, *flag);
        }
    }
    builder.build()
}

/// A value read from a flag is blamed on the flag, not on its variable.
fn name_the_flag(error: Error, prefix: &str, options: &TokenOptions) -> Error {
    let flag = options
        .overrides
        .iter()
        .find(|(suffix, _, _)| error.field() == Some(format!("{prefix}_{suffix}").as_str()));
    match (flag, error.detail()) {
        (Some((_, _, flag)), Some(problem)) => Error::config(*flag, problem),
        _ => error,
    }
}

/// Variables that set the same thing as the variable `suffix` another way.
fn alternatives_to(suffix: &str) -> &'static [&'static str] {
    match suffix {
        "TOKEN_URL" => &["ISSUER"],
        "ISSUER" => &["TOKEN_URL"],
        "CLIENT_SECRET_FILE" => &["CLIENT_SECRET"],
        "AUDIENCE" => &["API_AUDIENCE"],
        _ => &[],
    }
}

fn field_of(suffix: &str) -> Option<&'static str> {
    Some(match suffix {
        "TOKEN_URL" => "token_url",
        "ISSUER" => "issuer",
        "CLIENT_ID" => "client_id",
        "CLIENT_SECRET_FILE" => "client_secret_file",
        "SCOPE" => "scopes",
        "AUDIENCE" => "audience",
        "RESOURCE" => "resource",
        "TIMEOUT" => "timeout",
        _ => return None,
    })
}

pub(crate) fn run(options: &TokenOptions) -> Result<(), Error> {
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
        println!("{object}");
    } else {
        println!("{}", token.secret());
    }
    Ok(())
}
