//! Command-line parsing.

use std::ffi::OsString;

use lexopt::{Arg, Parser, ValueExt};

/// What to do.
pub(crate) enum Command {
    Help,
    Version,
    Token(TokenOptions),
    Issuer(IssuerOptions),
    Demo,
}

/// `m2mauth token`: each flag overrides one `<PREFIX>_*` variable.
#[derive(Default)]
pub(crate) struct TokenOptions {
    pub(crate) json: bool,
    pub(crate) env_prefix: Option<String>,
    /// (variable suffix, value, flag name) in the order given.
    pub(crate) overrides: Vec<(&'static str, String, &'static str)>,
}

/// `m2mauth issuer`.
#[derive(Default)]
pub(crate) struct IssuerOptions {
    pub(crate) port: u16,
    pub(crate) clients: Vec<(String, String)>,
    pub(crate) lifetime_secs: Option<f64>,
    pub(crate) latency_ms: u64,
    pub(crate) json: bool,
}

/// Flags of `m2mauth token` and the variable each stands for.
const TOKEN_FLAGS: [(&str, &str); 10] = [
    ("--token-url", "TOKEN_URL"),
    ("--issuer", "ISSUER"),
    ("--client-id", "CLIENT_ID"),
    ("--client-secret-file", "CLIENT_SECRET_FILE"),
    ("--scope", "SCOPE"),
    ("--audience", "AUDIENCE"),
    ("--resource", "RESOURCE"),
    ("--auth-method", "AUTH_METHOD"),
    ("--body-format", "BODY_FORMAT"),
    ("--timeout", "TIMEOUT"),
];

pub(crate) fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command, String> {
    let mut parser = Parser::from_args(args);
    let command = match parser.next().map_err(|e| e.to_string())? {
        None | Some(Arg::Long("help") | Arg::Short('h')) => return Ok(Command::Help),
        Some(Arg::Long("version") | Arg::Short('V')) => return Ok(Command::Version),
        Some(Arg::Value(v)) => v.string().map_err(|e| e.to_string())?,
        Some(other) => return Err(other.unexpected().to_string()),
    };
    match command.as_str() {
        "token" => token(&mut parser).map(Command::Token),
        "issuer" => issuer(&mut parser).map(Command::Issuer),
        "demo" => match parser.next().map_err(|e| e.to_string())? {
            None => Ok(Command::Demo),
            Some(other) => Err(other.unexpected().to_string()),
        },
        "help" => Ok(Command::Help),
        other => Err(format!("unknown command {other:?}")),
    }
}

fn token(parser: &mut Parser) -> Result<TokenOptions, String> {
    let mut options = TokenOptions::default();
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        match arg {
            Arg::Long("json") => options.json = true,
            Arg::Long("allow-insecure-http") => {
                options.overrides.push((
                    "ALLOW_INSECURE_HTTP",
                    "1".to_owned(),
                    "--allow-insecure-http",
                ));
            }
            Arg::Long("env-prefix") => options.env_prefix = Some(value(parser)?),
            Arg::Long("client-secret") => {
                return Err(
                    "--client-secret would show the secret to every user of `ps`; use \
                            M2MAUTH_CLIENT_SECRET or --client-secret-file"
                        .to_owned(),
                );
            }
            Arg::Long(flag) => {
                let Some(&(flag_name, var)) = TOKEN_FLAGS
                    .iter()
                    .find(|(f, _)| f.strip_prefix("--") == Some(flag))
                else {
                    return Err(format!("unknown option --{flag}"));
                };
                let new = value(parser)?;
                // Repeatable flags accumulate; the others take the last value.
                match options.overrides.iter_mut().find(|(v, _, _)| *v == var) {
                    Some((_, old, _)) if matches!(var, "SCOPE" | "RESOURCE") => {
                        old.push(' ');
                        old.push_str(&new);
                    }
                    Some((_, old, _)) => *old = new,
                    None => options.overrides.push((var, new, flag_name)),
                }
            }
            other => return Err(other.unexpected().to_string()),
        }
    }
    Ok(options)
}

fn issuer(parser: &mut Parser) -> Result<IssuerOptions, String> {
    let mut options = IssuerOptions::default();
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        match arg {
            Arg::Long("port") => options.port = number(parser, "--port")?,
            Arg::Long("latency-ms") => options.latency_ms = number(parser, "--latency-ms")?,
            Arg::Long("lifetime") => options.lifetime_secs = Some(number(parser, "--lifetime")?),
            Arg::Long("json") => options.json = true,
            Arg::Long("client") => {
                let pair = value(parser)?;
                let (id, secret) = pair.split_once(':').ok_or("--client takes ID:SECRET")?;
                options.clients.push((id.to_owned(), secret.to_owned()));
            }
            other => return Err(other.unexpected().to_string()),
        }
    }
    Ok(options)
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
