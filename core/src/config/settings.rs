//! The values of one component's options as given, before validation, and
//! the three ways in that the table drives: JSON, environment, flags.
//!
//! Every value remembers where it came from (`timeout`, `timeoutMs`,
//! `M2MAUTH_TIMEOUT`, `--timeout`), so that the validation's messages name
//! what the user actually wrote.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Map, Value};
use zeroize::Zeroizing;

use super::table::{Component, Default, Kind, OptionSpec, option, option_for_key, options_of};
use crate::{Error, Secret};

/// How errors name the options of the JSON form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Naming {
    /// `client_id`, `timeout`: Python, C, .NET, Go.
    #[default]
    Snake,
    /// `clientId`, `timeoutMs`: Node.
    Node,
}

/// A value as given, typed by its option's [`Kind`].
#[derive(Clone)]
pub(crate) enum Raw {
    Text(String),
    Secret(Secret),
    Path(PathBuf),
    List(Vec<String>),
    Seconds(Duration),
    Count(u32),
    Flag(bool),
    Choice(&'static str),
    Params(Vec<(String, String)>),
    Claims(Vec<(String, Value)>),
}

/// Reads the files that `*_file` options name. The runtime's loader reads
/// the disk; tests may hand in contents.
pub trait ReadFile {
    /// The bytes of the file at `path`.
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>>;
}

/// The settings of one component.
#[derive(Clone)]
pub(crate) struct Settings {
    component: Component,
    values: Vec<(&'static OptionSpec, Raw)>,
    /// Where an option's value came from, when not from its own name.
    origins: Vec<(&'static str, String)>,
    /// The contents of the files named by `Path` options, once read.
    files: Vec<(&'static str, Zeroizing<Vec<u8>>)>,
}

impl Settings {
    pub(crate) fn new(component: Component) -> Settings {
        Settings {
            component,
            values: Vec::new(),
            origins: Vec::new(),
            files: Vec::new(),
        }
    }

    /// Sets (or, for lists and maps, adds to) the option `name`.
    ///
    /// # Panics
    /// If `name` is not an option of this component: a bug in the caller.
    pub(crate) fn set(&mut self, name: &str, value: Raw) {
        let spec = self.spec(name);
        match (self.values.iter_mut().find(|(s, _)| s.name == name), value) {
            (Some((_, Raw::List(old))), Raw::List(new)) => old.extend(new),
            (Some((_, Raw::Params(old))), Raw::Params(new)) => old.extend(new),
            (Some((_, Raw::Claims(old))), Raw::Claims(new)) => {
                for (claim, value) in new {
                    old.retain(|(c, _)| *c != claim);
                    old.push((claim, value));
                }
            }
            (Some((_, old)), new) => *old = new,
            (None, new) => self.values.push((spec, new)),
        }
    }

    /// Records that `name`'s value came from `origin` (a variable, a flag, a key).
    pub(crate) fn set_origin(&mut self, name: &str, origin: impl Into<String>) {
        let spec = self.spec(name);
        self.origins.retain(|(n, _)| *n != spec.name);
        self.origins.push((spec.name, origin.into()));
    }

    fn spec(&self, name: &str) -> &'static OptionSpec {
        match option(self.component, name) {
            Some(spec) => spec,
            None => panic!("{name} is not a {} option", self.component.as_str()),
        }
    }

    /// How errors name the option: where its value came from, or its name.
    pub(crate) fn name(&self, name: &str) -> String {
        self.origins
            .iter()
            .find(|(n, _)| *n == name)
            .map_or_else(|| name.to_owned(), |(_, origin)| origin.clone())
    }

    /// A configuration error about option `name`.
    pub(crate) fn err(&self, name: &str, problem: impl Into<String>) -> Error {
        Error::config(self.name(name), problem)
    }

    fn raw(&self, name: &str) -> Option<&Raw> {
        debug_assert!(option(self.component, name).is_some(), "{name}");
        self.values
            .iter()
            .find(|(s, _)| s.name == name)
            .map(|(_, v)| v)
    }

    /// Whether this component has an option called `name`.
    pub(crate) fn knows(&self, name: &str) -> bool {
        option(self.component, name).is_some()
    }

    /// Whether the option was given.
    pub(crate) fn is_set(&self, name: &str) -> bool {
        self.raw(name).is_some()
    }

    pub(crate) fn text(&self, name: &str) -> Option<&str> {
        match self.raw(name) {
            Some(Raw::Text(t)) => Some(t),
            _ => match self.spec(name).default {
                Default::Text(t) => Some(t),
                _ => None,
            },
        }
    }

    pub(crate) fn secret(&self, name: &str) -> Option<&Secret> {
        match self.raw(name) {
            Some(Raw::Secret(s)) => Some(s),
            _ => None,
        }
    }

    /// The contents of the file that option `name` names (read by [`Settings::read_files`]).
    pub(crate) fn file(&self, name: &str) -> Option<&[u8]> {
        self.files
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, bytes)| bytes.as_slice())
    }

    pub(crate) fn list(&self, name: &str) -> Vec<String> {
        match (self.raw(name), self.spec(name).default) {
            (Some(Raw::List(items)), _) => items.clone(),
            (_, Default::Words(words)) => words.iter().map(|w| (*w).to_owned()).collect(),
            _ => Vec::new(),
        }
    }

    pub(crate) fn seconds(&self, name: &str) -> Option<Duration> {
        match (self.raw(name), self.spec(name).default) {
            (Some(Raw::Seconds(d)), _) => Some(*d),
            (_, Default::Seconds(s)) => Some(Duration::from_secs_f64(s)),
            _ => None,
        }
    }

    pub(crate) fn count(&self, name: &str) -> u32 {
        match (self.raw(name), self.spec(name).default) {
            (Some(Raw::Count(n)), _) => *n,
            (_, Default::Count(n)) => n,
            _ => 0,
        }
    }

    pub(crate) fn flag(&self, name: &str) -> bool {
        match (self.raw(name), self.spec(name).default) {
            (Some(Raw::Flag(b)), _) => *b,
            (_, Default::Flag(b)) => b,
            _ => false,
        }
    }

    /// The chosen name, or the default.
    pub(crate) fn choice(&self, name: &str) -> Option<&'static str> {
        match (self.raw(name), self.spec(name).default) {
            (Some(Raw::Choice(c)), _) => Some(c),
            (_, Default::Text(t)) => Some(t),
            _ => None,
        }
    }

    pub(crate) fn claims(&self, name: &str) -> &[(String, Value)] {
        match self.raw(name) {
            Some(Raw::Claims(c)) => c,
            _ => &[],
        }
    }

    pub(crate) fn params(&self, name: &str) -> &[(String, String)] {
        match self.raw(name) {
            Some(Raw::Params(p)) => p,
            _ => &[],
        }
    }

    /// Fails when two options that set the same thing were both given; the
    /// later one in the table is named.
    pub(crate) fn check_alternatives(&self) -> Result<(), Error> {
        for spec in options_of(self.component) {
            for alternative in spec.alternatives {
                let earlier = options_of(self.component).position(|o| o.name == *alternative)
                    < options_of(self.component).position(|o| o.name == spec.name);
                if earlier && self.is_set(spec.name) && self.is_set(alternative) {
                    return Err(self.err(
                        spec.name,
                        format!(
                            "cannot be set together with {}: set one of them",
                            self.name(alternative)
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Reads every file a `Path` option names, through `files`.
    pub(crate) fn read_files(&mut self, files: &dyn ReadFile) -> Result<(), Error> {
        let paths: Vec<(&'static str, PathBuf)> = self
            .values
            .iter()
            .filter_map(|(spec, raw)| match raw {
                Raw::Path(path) => Some((spec.name, path.clone())),
                _ => None,
            })
            .collect();
        for (name, path) in paths {
            let bytes = files.read(&path).map_err(|e| {
                self.err(
                    name,
                    format!("cannot be read ({}: {})", path.display(), e.kind()),
                )
            })?;
            self.files.retain(|(n, _)| *n != name);
            self.files.push((name, Zeroizing::new(bytes)));
        }
        Ok(())
    }

    /// Reads the JSON form shared by every binding: keys in `snake_case`, or
    /// Node's `camelCase` (durations as `…Ms`, in milliseconds); `null`
    /// means "not set"; unknown keys are errors. Errors name options as
    /// `naming` spells them (a key that was given, as it was given).
    pub(crate) fn from_json(
        component: Component,
        text: &str,
        naming: Naming,
    ) -> Result<Settings, Error> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| Error::config("config", format!("is not valid JSON ({e})")))?;
        let Value::Object(object) = value else {
            return Err(Error::config("config", "must be a JSON object"));
        };
        Settings::from_json_object(component, object, naming)
    }

    /// [`from_json`](Self::from_json) for a parsed object, which is
    /// consumed: secrets are moved out of it, not copied.
    pub(crate) fn from_json_object(
        component: Component,
        object: Map<String, Value>,
        naming: Naming,
    ) -> Result<Settings, Error> {
        let mut settings = Settings::new(component);
        if naming == Naming::Node {
            for spec in options_of(component) {
                settings.set_origin(spec.name, spec.node_name());
            }
        }
        for (key, value) in object {
            let Some((spec, millis)) = option_for_key(component, &key) else {
                let known: Vec<String> = options_of(component)
                    .map(|o| match naming {
                        Naming::Snake => o.name.to_owned(),
                        Naming::Node => o.node_name(),
                    })
                    .collect();
                return Err(Error::config(
                    key.as_str(),
                    format!("is not a known option (known: {})", known.join(", ")),
                ));
            };
            let raw = match value {
                Value::Null => continue,
                Value::String(secret) if spec.kind == Kind::Secret => {
                    Raw::Secret(Secret::from(secret))
                }
                other => json_value(spec, &key, &other, millis)?,
            };
            settings.set(spec.name, raw);
            settings.set_origin(spec.name, key.as_str());
        }
        Ok(settings)
    }

    /// Reads `<prefix>_*` variables through `lookup`, then `flags` (a flag
    /// and its value, `""` for a switch), which win over the variables of
    /// their option and of its alternatives. Empty variables count as unset.
    /// Errors name the variable or the flag.
    pub(crate) fn from_lookup(
        component: Component,
        prefix: &str,
        lookup: &dyn Fn(&str) -> Option<String>,
        flags: &[(&str, String)],
    ) -> Result<Settings, Error> {
        let prefix = env_prefix(prefix)?;
        let var = |suffix: &str| format!("{prefix}_{suffix}");
        let mut settings = Settings::new(component);
        let mut by_flag: Vec<(&'static OptionSpec, &str, &str)> = Vec::new();
        for (flag, value) in flags {
            let spec = options_of(component)
                .find(|o| o.flag == Some(*flag))
                .ok_or_else(|| Error::config(*flag, "is not an option of this command"))?;
            by_flag.push((spec, flag, value));
        }
        let flagged = |name: &str| by_flag.iter().any(|(s, _, _)| s.name == name);
        for spec in options_of(component) {
            // Errors about a setting, even a missing one, name its variable.
            if let Some(canonical) = spec.env.first() {
                settings.set_origin(spec.name, var(canonical));
            }
            let hidden = flagged(spec.name) || spec.alternatives.iter().any(|a| flagged(a));
            if hidden {
                continue;
            }
            let mut found: Option<(String, String)> = None;
            for suffix in spec.env {
                let name = var(suffix);
                let Some(value) = lookup(&name).filter(|v| !v.trim().is_empty()) else {
                    continue;
                };
                match &found {
                    Some((first, seen)) if *seen != value => {
                        return Err(Error::config(
                            name,
                            format!("disagrees with {first}: set one of them"),
                        ));
                    }
                    Some(_) => {}
                    None => found = Some((name, value)),
                }
            }
            if let Some((name, value)) = found {
                let raw = text_value(spec, &value).map_err(|p| Error::config(name.as_str(), p))?;
                settings.set(spec.name, raw);
                settings.set_origin(spec.name, name);
            }
        }
        for (spec, flag, value) in by_flag {
            let raw = if spec.kind == Kind::Flag && value.is_empty() {
                Raw::Flag(true)
            } else {
                text_value(spec, value).map_err(|p| Error::config(flag, p))?
            };
            settings.set(spec.name, raw);
            settings.set_origin(spec.name, flag);
        }
        Ok(settings)
    }
}

/// `M2MAUTH`, `SSOJET`: upper-cased, without a trailing `_`.
fn env_prefix(prefix: &str) -> Result<String, Error> {
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
    Ok(prefix)
}

/// `"a", "b" or "c"` (quoted for JSON) or `a, b or c`.
fn one_of(choices: &[&str], quoted: bool) -> String {
    let shown: Vec<String> = choices
        .iter()
        .map(|c| {
            if quoted {
                format!("{c:?}")
            } else {
                (*c).to_owned()
            }
        })
        .collect();
    match shown.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// A JSON value for `spec`, given under `key` (in milliseconds if `millis`).
fn json_value(spec: &OptionSpec, key: &str, value: &Value, millis: bool) -> Result<Raw, Error> {
    let fail = |problem: &str| Error::config(key, problem);
    let string = || value.as_str().ok_or_else(|| fail("must be a string"));
    let strings = |value: &Value| -> Result<Vec<String>, Error> {
        match value {
            Value::String(s) => Ok(s.split_whitespace().map(str::to_owned).collect()),
            Value::Array(items) => items
                .iter()
                .map(|i| {
                    i.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| fail("must be a string or an array of strings"))
                })
                .collect(),
            _ => Err(fail("must be a string or an array of strings")),
        }
    };
    Ok(match spec.kind {
        Kind::Text => Raw::Text(string()?.to_owned()),
        Kind::Secret => Raw::Secret(Secret::new(string()?)),
        Kind::Path => Raw::Path(PathBuf::from(string()?)),
        Kind::Words | Kind::Uris => Raw::List(strings(value)?),
        Kind::Seconds => {
            let unit = if millis { 1000.0 } else { 1.0 };
            let problem = if millis {
                "must be a number of milliseconds, 0 or more"
            } else {
                "must be a number of seconds, 0 or more"
            };
            Raw::Seconds(
                value
                    .as_f64()
                    .and_then(|n| Duration::try_from_secs_f64(n / unit).ok())
                    .ok_or_else(|| fail(problem))?,
            )
        }
        Kind::Count => Raw::Count(
            value
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| fail("must be a whole number, 0 or more"))?,
        ),
        Kind::Flag => Raw::Flag(
            value
                .as_bool()
                .ok_or_else(|| fail("must be true or false"))?,
        ),
        Kind::Choice(choices) => {
            let name = string()?;
            let chosen = choices.iter().find(|c| **c == name.trim()).ok_or_else(|| {
                fail(&format!(
                    "must be {}, not {:?}",
                    one_of(choices, true),
                    crate::protocol::text::cut(name, 60)
                ))
            })?;
            Raw::Choice(chosen)
        }
        Kind::Params => {
            let Value::Object(params) = value else {
                return Err(fail("must be an object of name: value"));
            };
            let mut pairs = Vec::with_capacity(params.len());
            for (name, value) in params {
                let text = match value {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    _ => {
                        return Err(fail(&format!(
                            "value of {name:?} must be a string, number or boolean"
                        )));
                    }
                };
                pairs.push((name.clone(), text));
            }
            Raw::Params(pairs)
        }
        Kind::Claims => {
            let Value::Object(claims) = value else {
                return Err(fail("must be an object of claim names to values"));
            };
            Raw::Claims(claims.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        }
    })
}

/// A variable's or flag's text for `spec`, or what is wrong with it.
fn text_value(spec: &OptionSpec, value: &str) -> Result<Raw, String> {
    let shown = || format!("{:?}", crate::protocol::text::cut(value.trim(), 60));
    Ok(match spec.kind {
        Kind::Text => Raw::Text(value.to_owned()),
        Kind::Secret => Raw::Secret(Secret::new(value)),
        Kind::Path => Raw::Path(PathBuf::from(value)),
        Kind::Words => Raw::List(
            value
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|w| !w.is_empty())
                .map(str::to_owned)
                .collect(),
        ),
        Kind::Uris => Raw::List(value.split_whitespace().map(str::to_owned).collect()),
        Kind::Seconds => Raw::Seconds(
            value
                .trim()
                .parse::<f64>()
                .ok()
                .and_then(|s| Duration::try_from_secs_f64(s).ok())
                .ok_or_else(|| format!("must be a number of seconds, not {}", shown()))?,
        ),
        Kind::Count => Raw::Count(
            value
                .trim()
                .parse::<u32>()
                .map_err(|_| format!("must be a whole number, not {}", shown()))?,
        ),
        Kind::Flag => Raw::Flag(match value.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" => true,
            "0" | "false" | "no" => false,
            _ => return Err(format!("must be 1 or 0 (true or false), not {}", shown())),
        }),
        Kind::Choice(choices) => Raw::Choice(
            choices
                .iter()
                .find(|c| **c == value.trim())
                .ok_or_else(|| format!("must be {}, not {}", one_of(choices, false), shown()))?,
        ),
        Kind::Params => {
            return Err("cannot be set from the environment".to_owned());
        }
        Kind::Claims => match serde_json::from_str::<Value>(value) {
            Ok(Value::Object(claims)) => Raw::Claims(claims.into_iter().collect()),
            _ => {
                return Err(
                    "must be a JSON object of claim names to values, such as {\"stt\":1}"
                        .to_owned(),
                );
            }
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn json_keys_in_either_case_and_milliseconds() {
        let s = Settings::from_json(
            Component::TokenSource,
            r#"{"tokenUrl":"https://x/t","timeoutMs":2500,"allow_insecure_http":true}"#,
            Naming::Snake,
        )
        .unwrap();
        assert_eq!(s.text("token_url"), Some("https://x/t"));
        assert_eq!(s.seconds("timeout"), Some(Duration::from_millis(2500)));
        assert!(s.flag("allow_insecure_http"));
        assert_eq!(s.name("token_url"), "tokenUrl");
        let err = Settings::from_json(
            Component::TokenSource,
            r#"{"timeoutMs":"x"}"#,
            Naming::Snake,
        )
        .err()
        .unwrap();
        assert_eq!(err.field(), Some("timeoutMs"));
        assert!(err.to_string().contains("milliseconds"), "{err}");
    }

    #[test]
    fn node_naming_names_missing_options_in_camel_case() {
        let s = Settings::from_json(Component::TokenSource, "{}", Naming::Node).unwrap();
        assert_eq!(s.name("allow_insecure_http"), "allowInsecureHttp");
        let err = Settings::from_json(
            Component::TokenSource,
            r#"{"clientSekret":1}"#,
            Naming::Node,
        )
        .err()
        .unwrap();
        assert!(
            err.to_string()
                .contains("known: tokenUrl, issuer, clientId"),
            "{err}"
        );
    }

    #[test]
    fn choices_list_what_is_allowed() {
        let err = Settings::from_json(
            Component::TokenSource,
            r#"{"body_format":"xml"}"#,
            Naming::Snake,
        )
        .err()
        .unwrap();
        assert_eq!(
            err.to_string(),
            r#"invalid configuration: body_format must be "form" or "json", not "xml""#
        );
        let err = Settings::from_lookup(
            Component::TokenSource,
            "M2MAUTH",
            &lookup(&[("M2MAUTH_BODY_FORMAT", "xml")]),
            &[],
        )
        .err()
        .unwrap();
        assert_eq!(
            err.to_string(),
            r#"invalid configuration: M2MAUTH_BODY_FORMAT must be form or json, not "xml""#
        );
    }

    #[test]
    fn flags_win_over_variables_and_their_alternatives() {
        let vars = lookup(&[
            ("P_TOKEN_URL", "https://env/t"),
            ("P_SCOPE", "a,b"),
            ("P_TIMEOUT", "5"),
        ]);
        let s = Settings::from_lookup(
            Component::TokenSource,
            "p",
            &vars,
            &[
                ("--issuer", "https://flag".to_owned()),
                ("--allow-insecure-http", String::new()),
            ],
        )
        .unwrap();
        assert!(
            !s.is_set("token_url"),
            "the flag hides its alternative's variable"
        );
        assert_eq!(s.text("issuer"), Some("https://flag"));
        assert_eq!(s.list("scopes"), ["a", "b"]);
        assert!(s.flag("allow_insecure_http"));
        assert_eq!(s.name("timeout"), "P_TIMEOUT");
        assert_eq!(s.name("issuer"), "--issuer");
        let err = Settings::from_lookup(
            Component::TokenSource,
            "p",
            &vars,
            &[("--timeout", "soon".to_owned())],
        )
        .err()
        .unwrap();
        assert_eq!(err.field(), Some("--timeout"));
    }

    #[test]
    fn aliases_must_agree() {
        let err = Settings::from_lookup(
            Component::TokenSource,
            "P",
            &lookup(&[("P_AUDIENCE", "a"), ("P_API_AUDIENCE", "b")]),
            &[],
        )
        .err()
        .unwrap();
        assert_eq!(err.field(), Some("P_API_AUDIENCE"));
        let s = Settings::from_lookup(
            Component::TokenSource,
            "P",
            &lookup(&[("P_API_AUDIENCE", "b")]),
            &[],
        )
        .unwrap();
        assert_eq!(
            (s.text("audience"), s.name("audience").as_str()),
            (Some("b"), "P_API_AUDIENCE")
        );
    }

    #[test]
    fn alternatives_given_together_are_refused() {
        let s = Settings::from_json(
            Component::TokenSource,
            r#"{"client_secret":"a","client_secret_file":"/x"}"#,
            Naming::Snake,
        )
        .unwrap();
        let err = s.check_alternatives().unwrap_err();
        assert_eq!(err.field(), Some("client_secret_file"));
    }
}
