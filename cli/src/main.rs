//! `m2mauth`: fetch a client credentials token for scripts
//! (`curl -H "Authorization: Bearer $(m2mauth token)"`), check the tokens a
//! service receives (`verify`, `introspect`), revoke one, run the test
//! issuer, or watch the SDK work (`m2mauth demo`).
//!
//! Exit status: 0 ok, 1 the output could not be written, 2 usage or
//! configuration error, 3 the IdP refused (an OAuth error such as
//! `invalid_client`), 4 the IdP could not be reached or answered badly,
//! 5 the token checked is not valid.

// Printing is this program's job.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod args;
mod demo;
mod issuer;
mod output;
mod token;
mod usage;
mod verify;

use std::process::ExitCode;

use m2mauth::{Error, Family};

use output::Failure;

fn main() -> ExitCode {
    let command = match args::parse(std::env::args_os().skip(1)) {
        Ok(command) => command,
        Err(problem) => {
            eprintln!("m2mauth: {problem} (see m2mauth --help)");
            return ExitCode::from(2);
        }
    };
    let outcome = match command {
        args::Command::Help(about) => output::line(&usage::text(about)).map_err(Failure::from),
        args::Command::Version => {
            output::line(&format!("m2mauth {}", env!("CARGO_PKG_VERSION"))).map_err(Failure::from)
        }
        args::Command::Token(options) => token::run(&options),
        args::Command::Verify(options) => verify::verify(&options),
        args::Command::Introspect(options) => verify::introspect(&options),
        args::Command::Revoke(options) => token::revoke(&options),
        args::Command::Issuer(options) => issuer::run(&options),
        args::Command::Demo => demo::run(),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Output(problem)) => {
            eprintln!("m2mauth: cannot write the output: {problem}");
            ExitCode::from(1)
        }
        Err(Failure::M2m(error)) => {
            eprintln!("m2mauth: {error}");
            ExitCode::from(exit_status(&error))
        }
    }
}

/// The documented exit status for an error.
fn exit_status(error: &Error) -> u8 {
    match error.code().family() {
        Family::Config => 2,
        Family::Refused => 3,
        Family::Transient | Family::Malformed | Family::Internal => 4,
        Family::InvalidToken => 5,
    }
}
