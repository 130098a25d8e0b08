//! `m2mauth`: fetch a client credentials token for scripts
//! (`curl -H "Authorization: Bearer $(m2mauth token)"`), run the test issuer,
//! or watch the SDK work (`m2mauth demo`).
//!
//! Exit status: 0 ok, 2 usage or configuration error, 3 the IdP refused
//! (an OAuth error such as `invalid_client`), 4 the IdP could not be
//! reached or answered badly.

// Printing is this program's job.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod args;
mod demo;
mod issuer;
mod rfc3339;
mod token;

use std::process::ExitCode;

use m2mauth::{Error, ErrorCode};

const USAGE: &str = "\
usage: m2mauth <command> [options]

commands:
  token    print an access token (config from M2MAUTH_* variables; flags override)
  issuer   run the built-in test issuer in the foreground
  demo     fetch, cache and refresh a token against the test issuer
           (or the IdP configured by M2MAUTH_* variables)

m2mauth token options:
  --json                     print all fields as one JSON object
  --env-prefix P             read P_* variables instead of M2MAUTH_*
  --token-url URL | --issuer URL
  --client-id ID             --client-secret-file FILE (secrets never as flags)
  --scope S (repeatable)     --audience A     --resource URI (repeatable)
  --auth-method client_secret_basic|client_secret_post
  --body-format form|json    --timeout SECONDS    --allow-insecure-http

m2mauth issuer options:
  --port N (default: any free port)   --client ID:SECRET (repeatable)
  --lifetime SECONDS (default 3600)   --latency-ms N   --json

exit status: 0 ok, 2 usage or configuration, 3 the IdP refused, 4 the IdP failed";

fn main() -> ExitCode {
    let command = match args::parse(std::env::args_os().skip(1)) {
        Ok(command) => command,
        Err(problem) => {
            eprintln!("m2mauth: {problem} (see m2mauth --help)");
            return ExitCode::from(2);
        }
    };
    let outcome = match command {
        args::Command::Help => {
            println!("{USAGE}");
            Ok(())
        }
        args::Command::Version => {
            println!("m2mauth {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        args::Command::Token(options) => token::run(&options),
        args::Command::Issuer(options) => issuer::run(&options),
        args::Command::Demo => demo::run(),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("m2mauth: {error}");
            ExitCode::from(exit_status(&error))
        }
    }
}

/// The documented exit status for an error.
fn exit_status(error: &Error) -> u8 {
    match error.code() {
        ErrorCode::Config => 2,
        code if code.is_refusal() => 3,
        _ => 4,
    }
}
