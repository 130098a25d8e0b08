//! `<PREFIX>_*` environment variables, read the same way by every binding and the CLI.

use std::time::Duration;

use super::{AuthMethod, BodyFormat, ConfigBuilder};
use crate::Error;

/// Each field read from the environment, and the variable suffix it comes from.
const ORIGINS: [(&str, &str); 10] = [
    ("token_url", "TOKEN_URL"),
    ("issuer", "ISSUER"),
    ("client_id", "CLIENT_ID"),
    ("client_secret", "CLIENT_SECRET"),
    ("client_secret_file", "CLIENT_SECRET_FILE"),
    ("scopes", "SCOPE"),
    ("audience", "AUDIENCE"),
    ("resource", "RESOURCE"),
    ("timeout", "TIMEOUT"),
    ("retries", "RETRIES"),
];

impl ConfigBuilder {
    /// Reads `<prefix>_TOKEN_URL`, `_ISSUER`, `_CLIENT_ID`, `_CLIENT_SECRET`,
    /// `_CLIENT_SECRET_FILE`, `_SCOPE`, `_AUDIENCE` (or `_API_AUDIENCE`),
    /// `_RESOURCE`, `_AUTH_METHOD`, `_BODY_FORMAT`, `_TIMEOUT`, `_RETRIES` and
    /// `_ALLOW_INSECURE_HTTP` into a builder. The prefix is upper-cased;
    /// empty variables count as unset.
    /// Errors name the variable.
    pub fn from_env(prefix: &str) -> Result<ConfigBuilder, Error> {
        ConfigBuilder::from_lookup(prefix, |name| std::env::var(name).ok())
    }

    /// Like [`from_env`](Self::from_env), reading variables through `lookup`
    /// (for tests and for hosts that keep settings elsewhere).
    pub fn from_lookup(
        prefix: &str,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<ConfigBuilder, Error> {
        // Variables are upper case by convention: `ssojet` reads `SSOJET_*`.
        let prefix = prefix.trim_end_matches('_').to_ascii_uppercase();
        if prefix.is_empty()
            || !prefix
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(Error::config(
                "prefix",
                "must be letters, digits and underscores, such as M2MAUTH or SSOJET",
            ));
        }
        let var = |suffix: &str| format!("{prefix}_{suffix}");
        let get = |suffix: &str| lookup(&var(suffix)).filter(|v| !v.trim().is_empty());
        // Errors about a setting, even a missing one, name its variable.
        let mut b = ConfigBuilder::default();
        for (field, suffix) in ORIGINS {
            b = b.origin(field, var(suffix));
        }
        if let Some(v) = get("TOKEN_URL") {
            b = b.token_url(v);
        }
        if let Some(v) = get("ISSUER") {
            b = b.issuer(v);
        }
        if let Some(v) = get("CLIENT_ID") {
            b = b.client_id(v);
        }
        if let Some(v) = get("CLIENT_SECRET") {
            b = b.client_secret(v);
        }
        if let Some(v) = get("CLIENT_SECRET_FILE") {
            b = b.client_secret_file(v);
        }
        if let Some(v) = get("SCOPE") {
            b = b.scopes(v.split(','));
        }
        match (get("AUDIENCE"), get("API_AUDIENCE")) {
            (Some(a), Some(b2)) if a != b2 => {
                return Err(Error::config(
                    var("API_AUDIENCE"),
                    format!("disagrees with {}: set one of them", var("AUDIENCE")),
                ));
            }
            (Some(a), _) => b = b.audience(a),
            (None, Some(a)) => b = b.audience(a).origin("audience", var("API_AUDIENCE")),
            (None, None) => {}
        }
        if let Some(v) = get("RESOURCE") {
            b = b.resources(v.split_whitespace().map(str::to_owned));
        }
        if let Some(v) = get("AUTH_METHOD") {
            b = b.auth_method(auth_method(&var("AUTH_METHOD"), &v)?);
        }
        if let Some(v) = get("BODY_FORMAT") {
            b = b.body_format(body_format(&var("BODY_FORMAT"), &v)?);
        }
        if let Some(v) = get("TIMEOUT") {
            b = b.timeout(seconds(&var("TIMEOUT"), &v)?);
        }
        if let Some(v) = get("RETRIES") {
            b = b.retries(whole_number(&var("RETRIES"), &v)?);
        }
        if let Some(v) = get("ALLOW_INSECURE_HTTP") {
            b = b.allow_insecure_http(flag(&var("ALLOW_INSECURE_HTTP"), &v)?);
        }
        Ok(b)
    }
}

fn auth_method(var: &str, value: &str) -> Result<AuthMethod, Error> {
    AuthMethod::from_name(value).ok_or_else(|| {
        Error::config(
            var,
            format!(
                "must be client_secret_basic or client_secret_post, not {:?}",
                value.trim()
            ),
        )
    })
}

fn body_format(var: &str, value: &str) -> Result<BodyFormat, Error> {
    BodyFormat::from_name(value)
        .ok_or_else(|| Error::config(var, format!("must be form or json, not {:?}", value.trim())))
}

fn seconds(var: &str, value: &str) -> Result<Duration, Error> {
    value
        .trim()
        .parse::<f64>()
        .ok()
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| {
            Error::config(
                var,
                format!("must be a number of seconds, not {:?}", value.trim()),
            )
        })
}

fn whole_number(var: &str, value: &str) -> Result<u32, Error> {
    value.trim().parse::<u32>().map_err(|_| {
        Error::config(
            var,
            format!("must be a whole number, not {:?}", value.trim()),
        )
    })
}

fn flag(var: &str, value: &str) -> Result<bool, Error> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" => Ok(true),
        "0" | "false" | "no" => Ok(false),
        other => Err(Error::config(
            var,
            format!("must be 1 or 0 (true or false), not {other:?}"),
        )),
    }
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
}
