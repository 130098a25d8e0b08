//! `m2mauth verify` and `m2mauth introspect`: check the tokens a service
//! receives, from the shell.

use std::io::Read as _;

use m2mauth::verify::VerifierConfigBuilder;
use m2mauth::{Error, ErrorCode, Verifier};
use serde_json::Value;

use crate::args::Configured;
use crate::output::{self, Failure};

/// The token to check: the argument, or stdin when it is `-` or missing;
/// a leading `Bearer ` (a copied header) is dropped.
pub(crate) fn token_argument(options: &Configured) -> Result<String, Error> {
    let text = match options.token.as_deref() {
        Some(token) if token != "-" => token.to_owned(),
        _ => {
            let mut text = String::new();
            std::io::stdin()
                .take(64 * 1024)
                .read_to_string(&mut text)
                .map_err(|e| Error::config("TOKEN", format!("cannot be read from stdin ({e})")))?;
            text
        }
    };
    let token = text.trim();
    let token = token
        .split_once(' ')
        .filter(|(scheme, _)| {
            scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("dpop")
        })
        .map_or(token, |(_, rest)| rest.trim());
    if token.is_empty() {
        return Err(Error::config(
            "TOKEN",
            "is required: the token to check, or - to read it from stdin",
        ));
    }
    Ok(token.to_owned())
}

fn builder(options: &Configured) -> Result<VerifierConfigBuilder, Error> {
    let prefix = options.env_prefix.as_deref().unwrap_or("M2MAUTH");
    VerifierConfigBuilder::from_flags(prefix, m2mauth::loader::env_var, &options.flags)
}

/// Checks the token; prints its claims as one JSON object.
pub(crate) fn verify(options: &Configured) -> Result<(), Failure> {
    let token = token_argument(options)?;
    let verifier = Verifier::new(builder(options)?.build()?);
    let claims = verifier.verify_blocking(&token)?;
    output::line(&claims.to_json())?;
    Ok(())
}

/// Prints the IdP's RFC 7662 answer; an inactive token exits 5.
pub(crate) fn introspect(options: &Configured) -> Result<(), Failure> {
    let token = token_argument(options)?;
    let verifier = Verifier::new(builder(options)?.build_for_introspection()?);
    let answer = verifier.introspect_blocking(&token)?;
    output::line(&Value::Object(answer.claims).to_string())?;
    if answer.active {
        Ok(())
    } else {
        Err(Error::invalid_token(
            ErrorCode::TokenInactive,
            "the IdP says it is not active (revoked, expired or unknown)",
        )
        .into())
    }
}
