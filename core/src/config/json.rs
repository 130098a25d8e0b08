//! The JSON form of the configuration, shared by the C ABI, Python and Node.

use std::time::Duration;

use serde_json::{Map, Value};

use super::{AuthMethod, BodyFormat, ConfigBuilder};
use crate::Error;

/// The options the JSON form knows, in the order messages list them.
const KNOWN: [&str; 15] = [
    "token_url",
    "issuer",
    "client_id",
    "client_secret",
    "client_secret_file",
    "scopes",
    "audience",
    "resource",
    "extra_params",
    "auth_method",
    "body_format",
    "timeout",
    "retries",
    "default_lifetime",
    "allow_insecure_http",
];

impl ConfigBuilder {
    /// Reads the JSON form into a builder (unknown options are errors;
    /// `null` means "not set"). See [`Config::from_json`](super::Config::from_json).
    pub fn from_json(text: &str) -> Result<ConfigBuilder, Error> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| Error::config("config", format!("is not valid JSON ({e})")))?;
        let Value::Object(options) = value else {
            return Err(Error::config("config", "must be a JSON object"));
        };
        ConfigBuilder::from_json_object(&options)
    }

    fn from_json_object(options: &Map<String, Value>) -> Result<ConfigBuilder, Error> {
        let mut b = ConfigBuilder::default();
        for (key, value) in options {
            if value.is_null() {
                continue;
            }
            b = match key.as_str() {
                "token_url" => b.token_url(string("token_url", value)?),
                "issuer" => b.issuer(string("issuer", value)?),
                "client_id" => b.client_id(string("client_id", value)?),
                "client_secret" => b.client_secret(string("client_secret", value)?),
                "client_secret_file" => b.client_secret_file(string("client_secret_file", value)?),
                "scopes" => b.scopes(strings("scopes", value)?),
                "audience" => b.audience(string("audience", value)?),
                "resource" => b.resources(strings("resource", value)?),
                "extra_params" => extra_params(b, value)?,
                "auth_method" => {
                    let name = string("auth_method", value)?;
                    b.auth_method(AuthMethod::from_name(&name).ok_or_else(|| {
                        Error::config(
                            "auth_method",
                            format!("must be \"client_secret_basic\" or \"client_secret_post\", not {name:?}"),
                        )
                    })?)
                }
                "body_format" => {
                    let name = string("body_format", value)?;
                    b.body_format(BodyFormat::from_name(&name).ok_or_else(|| {
                        Error::config(
                            "body_format",
                            format!("must be \"form\" or \"json\", not {name:?}"),
                        )
                    })?)
                }
                "timeout" => b.timeout(seconds("timeout", value)?),
                "default_lifetime" => b.default_lifetime(seconds("default_lifetime", value)?),
                "retries" => {
                    let n = value
                        .as_u64()
                        .and_then(|n| u32::try_from(n).ok())
                        .ok_or_else(|| {
                            Error::config("retries", "must be a whole number, 0 or more")
                        })?;
                    b.retries(n)
                }
                "allow_insecure_http" => {
                    let allow = value.as_bool().ok_or_else(|| {
                        Error::config("allow_insecure_http", "must be true or false")
                    })?;
                    b.allow_insecure_http(allow)
                }
                other => {
                    return Err(Error::config(
                        other,
                        format!("is not a known option (known: {})", KNOWN.join(", ")),
                    ));
                }
            };
        }
        Ok(b)
    }
}

fn string(field: &str, value: &Value) -> Result<String, Error> {
    value
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| Error::config(field, "must be a string"))
}

/// A string (split on white space) or an array of strings.
fn strings(field: &str, value: &Value) -> Result<Vec<String>, Error> {
    match value {
        Value::String(s) => Ok(s.split_whitespace().map(str::to_owned).collect()),
        Value::Array(items) => items.iter().map(|item| string(field, item)).collect(),
        _ => Err(Error::config(
            field,
            "must be a string or an array of strings",
        )),
    }
}

fn seconds(field: &str, value: &Value) -> Result<Duration, Error> {
    value
        .as_f64()
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| Error::config(field, "must be a number of seconds, 0 or more"))
}

fn extra_params(mut b: ConfigBuilder, value: &Value) -> Result<ConfigBuilder, Error> {
    let Value::Object(params) = value else {
        return Err(Error::config(
            "extra_params",
            "must be an object of name: value",
        ));
    };
    for (name, value) in params {
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(v) => v.to_string(),
            _ => {
                return Err(Error::config(
                    "extra_params",
                    format!("value of {name:?} must be a string, number or boolean"),
                ));
            }
        };
        b = b.extra_param(name.clone(), text);
    }
    Ok(b)
}

#[cfg(test)]
mod tests {
    use crate::{AuthMethod, BodyFormat, Config, ErrorCode};
    use std::time::Duration;

    #[test]
    fn full_json_form() {
        let c = Config::from_json(
            r#"{"token_url":"https://idp.example.com/t","client_id":"svc","client_secret":"pw",
                "scopes":"read write","audience":"api","resource":["https://a.example/"],
                "extra_params":{"tenant":"t1","n":3},"auth_method":"client_secret_post",
                "body_format":"json","timeout":2.5,"retries":0,"default_lifetime":60,
                "allow_insecure_http":false,"issuer":null}"#,
        )
        .unwrap();
        assert_eq!(c.scopes(), ["read", "write"]);
        assert_eq!(c.auth_method(), AuthMethod::ClientSecretPost);
        assert_eq!(c.body_format(), BodyFormat::Json);
        assert_eq!(c.timeout(), Duration::from_millis(2500));
        assert_eq!(
            c.extra_params(),
            [("n".into(), "3".into()), ("tenant".into(), "t1".into())]
        );
    }

    #[test]
    fn errors_name_the_option_and_never_echo_values() {
        let err = Config::from_json(r#"{"client_sekret":"hunter2"}"#).unwrap_err();
        assert_eq!(err.field(), Some("client_sekret"));
        assert!(!err.to_string().contains("hunter2"));
        let err = Config::from_json(r#"{"client_secret": 12345}"#).unwrap_err();
        assert_eq!(err.field(), Some("client_secret"));
        assert!(!err.to_string().contains("12345"));
        let err = Config::from_json("{not json").unwrap_err();
        assert_eq!(err.code(), ErrorCode::Config);
        assert_eq!(err.field(), Some("config"));
        let err = Config::from_json(r#"{"timeout": -1}"#).unwrap_err();
        assert_eq!(err.field(), Some("timeout"));
    }
}
