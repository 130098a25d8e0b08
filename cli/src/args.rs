//! Command-line parsing. The configuration flags of `token`, `verify`,
//! `introspect` and `revoke` come from the core's option table, so every
//! option that has a flag there has it here, with the same name everywhere.

use std::ffi::OsString;

use lexopt::{Arg, Parser, ValueExt};
use m2mauth::config::table::{Component, Kind, OptionSpec, options_of};

/// What to do.
pub(crate) enum Command {
    /// Print the usage of this command (`None`: the overview).
    Help(Option<&'static str>),
    Version,
    Token(Configured),
    Verify(Configured),
    Introspect(Configured),
    Revoke(Configured),
    Issuer(IssuerOptions),
    Demo,
}

/// A command configured from `<PREFIX>_*` variables and flags.
#[derive(Default)]
pub(crate) struct Configured {
    pub(crate) json: bool,
    pub(crate) env_prefix: Option<String>,
    /// (flag, value) in the order given; repeatable flags already joined.
    pub(crate) flags: Vec<(&'static str, String)>,
    /// The token argument (`verify`, `introspect`, `revoke`).
    pub(crate) token: Option<String>,
}

/// `m2mauth issuer`.
#[derive(Default)]
pub(crate) struct IssuerOptions {
    pub(crate) port: u16,
    pub(crate) clients: Vec<(String, String)>,
    pub(crate) lifetime_secs: Option<f64>,
    pub(crate) latency_ms: u64,
    pub(crate) json: bool,
    pub(crate) tls: bool,
}

/// The commands, their component (for configured ones) and one line each.
pub(crate) const COMMANDS: [(&str, Option<Component>, &str); 6] = [
    (
        "token",
        Some(Component::TokenSource),
        "print an access token (config from M2MAUTH_* variables; flags override)",
    ),
    (
        "verify",
        Some(Component::Verifier),
        "check an access token (the argument, or - or nothing for stdin) and print its claims",
    ),
    (
        "introspect",
        Some(Component::Verifier),
        "ask the IdP whether a token is active (RFC 7662) and print its answer",
    ),
    (
        "revoke",
        Some(Component::TokenSource),
        "revoke a token at the IdP (RFC 7009)",
    ),
    (
        "issuer",
        None,
        "run the built-in test issuer in the foreground",
    ),
    (
        "demo",
        None,
        "fetch, cache and refresh a token against the test issuer (or your IdP)",
    ),
];

pub(crate) fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command, String> {
    let mut parser = Parser::from_args(args);
    let command = match parser.next().map_err(|e| e.to_string())? {
        None | Some(Arg::Long("help") | Arg::Short('h')) => return Ok(Command::Help(None)),
        Some(Arg::Long("version") | Arg::Short('V')) => return Ok(Command::Version),
        Some(Arg::Value(v)) => v.string().map_err(|e| e.to_string())?,
        Some(other) => return Err(other.unexpected().to_string()),
    };
    let known = COMMANDS.iter().find(|(name, _, _)| *name == command);
    match (command.as_str(), known) {
        ("help", _) => {
            let about = match parser.next().map_err(|e| e.to_string())? {
                Some(Arg::Value(v)) => {
                    let v = v.string().map_err(|e| e.to_string())?;
                    let (name, _, _) = COMMANDS
                        .iter()
                        .find(|(name, _, _)| *name == v)
                        .ok_or_else(|| format!("unknown command {v:?}"))?;
                    Some(*name)
                }
                _ => None,
            };
            Ok(Command::Help(about))
        }
        ("issuer", Some((name, _, _))) => issuer(&mut parser, name),
        ("demo", Some((name, _, _))) => match parser.next().map_err(|e| e.to_string())? {
            None => Ok(Command::Demo),
            Some(Arg::Long("help") | Arg::Short('h')) => Ok(Command::Help(Some(name))),
            Some(other) => Err(other.unexpected().to_string()),
        },
        (_, Some((name, Some(component), _))) => {
            let Some(configured) = configured(&mut parser, *component, name)? else {
                return Ok(Command::Help(Some(name)));
            };
            Ok(match *name {
                "token" => Command::Token(configured),
                "verify" => Command::Verify(configured),
                "introspect" => Command::Introspect(configured),
                _ => Command::Revoke(configured),
            })
        }
        _ => Err(format!("unknown command {command:?}")),
    }
}

/// The options of a configured command; `None` when `--help` was asked.
fn configured(
    parser: &mut Parser,
    component: Component,
    command: &str,
) -> Result<Option<Configured>, String> {
    let takes_token = command != "token";
    let mut options = Configured::default();
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        match arg {
            Arg::Long("help") | Arg::Short('h') => return Ok(None),
            Arg::Long("json") => options.json = true,
            Arg::Long("env-prefix") => options.env_prefix = Some(value(parser)?),
            Arg::Long(flag) => {
                let long = format!("--{flag}");
                let spec = options_of(component)
                    .find(|o| o.flag == Some(long.as_str()))
                    .ok_or_else(|| unknown_flag(component, &long))?;
                let given = match spec.kind {
                    Kind::Flag => String::new(),
                    _ => value(parser)?,
                };
                add_flag(&mut options.flags, spec, given)?;
            }
            Arg::Value(token) if takes_token && options.token.is_none() => {
                options.token = Some(token.string().map_err(|e| e.to_string())?);
            }
            other => return Err(other.unexpected().to_string()),
        }
    }
    Ok(Some(options))
}

/// Why `flag` is refused: secrets never come as flags (`ps` shows them).
fn unknown_flag(component: Component, flag: &str) -> String {
    let option = flag.trim_start_matches("--").replace('-', "_");
    let secret = options_of(component).find(|o| o.name == option && o.kind == Kind::Secret);
    match secret {
        Some(spec) => {
            let file = spec
                .alternatives
                .iter()
                .find_map(|a| options_of(component).find(|o| o.name == *a)?.flag);
            let variable = spec
                .env
                .first()
                .map(|e| format!("M2MAUTH_{e}"))
                .unwrap_or_default();
            match file {
                Some(file) => format!(
                    "{flag} would show the secret to every user of `ps`; use {variable} or {file}"
                ),
                None => {
                    format!("{flag} would show the secret to every user of `ps`; use {variable}")
                }
            }
        }
        None => format!("unknown option {flag}"),
    }
}

/// Records a flag: repeatable ones accumulate, the others take the last value.
fn add_flag(
    flags: &mut Vec<(&'static str, String)>,
    spec: &'static OptionSpec,
    given: String,
) -> Result<(), String> {
    let Some(flag) = spec.flag else {
        return Err(format!("{} has no flag", spec.name));
    };
    let given = if spec.kind == Kind::Claims {
        claim_object(flag, &given)?
    } else {
        given
    };
    match flags.iter_mut().find(|(f, _)| *f == flag) {
        Some((_, old)) if spec.kind == Kind::Claims => {
            // Both are one-member objects: merge by text.
            let merged = format!(
                "{},{}",
                old.trim_end_matches('}'),
                given.trim_start_matches('{')
            );
            *old = merged;
        }
        Some((_, old)) if spec.kind.accumulates() => {
            old.push(' ');
            old.push_str(&given);
        }
        Some((_, old)) => *old = given,
        None => flags.push((flag, given)),
    }
    Ok(())
}

/// `NAME=JSON` as the one-member JSON object `{"NAME": JSON}`; a value that
/// is not JSON is taken as a string (`--claim tenant=acme`).
fn claim_object(flag: &str, given: &str) -> Result<String, String> {
    let (name, value) = given
        .split_once('=')
        .filter(|(name, _)| !name.is_empty())
        .ok_or_else(|| format!("{flag} takes NAME=JSON, such as stt=1"))?;
    let value = serde_json::from_str::<serde_json::Value>(value)
        .unwrap_or_else(|_| serde_json::Value::String(value.to_owned()));
    Ok(serde_json::json!({ name: value }).to_string())
}

fn issuer(parser: &mut Parser, name: &'static str) -> Result<Command, String> {
    let mut options = IssuerOptions::default();
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        match arg {
            Arg::Long("help") | Arg::Short('h') => return Ok(Command::Help(Some(name))),
            Arg::Long("port") => options.port = number(parser, "--port")?,
            Arg::Long("latency-ms") => options.latency_ms = number(parser, "--latency-ms")?,
            Arg::Long("lifetime") => options.lifetime_secs = Some(number(parser, "--lifetime")?),
            Arg::Long("json") => options.json = true,
            Arg::Long("tls") => options.tls = true,
            Arg::Long("client") => {
                let pair = value(parser)?;
                let (id, secret) = pair.split_once(':').ok_or("--client takes ID:SECRET")?;
                options.clients.push((id.to_owned(), secret.to_owned()));
            }
            other => return Err(other.unexpected().to_string()),
        }
    }
    Ok(Command::Issuer(options))
}

fn value(parser: &mut Parser) -> Result<String, String> {
    parser
        .value()
        .map_err(|e| e.to_string())?
        .string()
        .map_err(|e| e.to_string())
}

fn number<T: std::str::FromStr>(parser: &mut Parser, flag: &str) -> Result<T, String> {
    value(parser)?
        .parse()
        .map_err(|_| format!("{flag} takes a number"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<OsString> {
        line.split_whitespace().map(OsString::from).collect()
    }

    #[test]
    fn every_command_has_help() {
        for (name, _, _) in COMMANDS {
            for form in [
                format!("{name} --help"),
                format!("{name} -h"),
                format!("help {name}"),
            ] {
                assert!(
                    matches!(parse(args(&form)), Ok(Command::Help(Some(n))) if n == name),
                    "{form}"
                );
            }
        }
    }

    #[test]
    fn repeatable_flags_accumulate_and_claims_merge() {
        let Ok(Command::Verify(v)) = parse(args(
            "verify tok --scope a --scope b --claim stt=1 --claim tenant=acme --leeway 5 --leeway 6",
        )) else {
            panic!()
        };
        assert_eq!(v.token.as_deref(), Some("tok"));
        assert!(v.flags.contains(&("--scope", "a b".to_owned())));
        assert!(v.flags.contains(&("--leeway", "6".to_owned())));
        let claims = &v.flags.iter().find(|(f, _)| *f == "--claim").unwrap().1;
        let parsed: serde_json::Value = serde_json::from_str(claims).unwrap();
        assert_eq!(parsed, serde_json::json!({"stt": 1, "tenant": "acme"}));
    }

    #[test]
    fn repeatable_flags_accumulate() {
        let Ok(Command::Token(t)) =
            parse(args("token --scope a --scope b --timeout 5 --timeout 6"))
        else {
            panic!()
        };
        assert!(t.flags.contains(&("--scope", "a b".to_owned())));
        assert!(t.flags.contains(&("--timeout", "6".to_owned())));
    }

    #[test]
    fn secrets_are_never_flags() {
        let Err(problem) = parse(args("token --client-secret hunter2")) else {
            panic!()
        };
        assert!(problem.contains("M2MAUTH_CLIENT_SECRET"), "{problem}");
        assert!(!problem.contains("hunter2"));
    }
}
