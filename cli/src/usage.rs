//! `--help`: the overview, and each command's usage with its flags from the
//! core's option table.

use std::fmt::Write as _;

use m2mauth::config::table::flags_help;

use crate::args::COMMANDS;

const EXIT_STATUS: &str = "exit status: 0 ok, 1 output not written, 2 usage or configuration, \
                           3 the IdP refused, 4 the IdP failed or could not be reached, \
                           5 the token is not valid";

/// The usage text for `command`, or the overview.
pub(crate) fn text(command: Option<&str>) -> String {
    let mut out = String::new();
    let Some(command) = command else {
        out.push_str("usage: m2mauth <command> [options]   (m2mauth <command> --help for its options)\n\ncommands:\n");
        for (name, _, about) in COMMANDS {
            let _ = writeln!(out, "  {name:<11}{about}");
        }
        let _ = write!(out, "\n{EXIT_STATUS}");
        return out;
    };
    let (name, component, about) = COMMANDS
        .iter()
        .find(|(name, _, _)| *name == command)
        .copied()
        .unwrap_or(COMMANDS[0]);
    let _ = writeln!(out, "usage: m2mauth {name} [options]\n\n{about}\n");
    match (name, component) {
        ("issuer", _) => out.push_str(
            "options:\n  --port N               (default: any free port)\n  \
             --client ID:SECRET     register a client (repeatable; default test-client:test-secret)\n  \
             --lifetime SECONDS     token lifetime (default 3600)\n  \
             --latency-ms N         delay before every token answer\n  \
             --tls                  serve HTTPS (mTLS clients too) with a CA written to ca_file\n  \
             --json                 print the URLs as one JSON line\n",
        ),
        ("demo", _) => out.push_str(
            "Uses the IdP named by M2MAUTH_TOKEN_URL (or M2MAUTH_ISSUER), M2MAUTH_CLIENT_ID and\n\
             M2MAUTH_CLIENT_SECRET when they are set, else the built-in test issuer.\n",
        ),
        (_, Some(component)) => {
            out.push_str(
                "Options come from <P>_* environment variables (P is M2MAUTH unless --env-prefix says\n\
                 otherwise); a flag wins over its variable. Secrets are never flags: use their\n\
                 variables or *_FILE options.\n\noptions:\n  --json\n      print the result as one JSON object\n  \
                 --env-prefix P\n      read P_* variables instead of M2MAUTH_*\n",
            );
            out.push_str(&flags_help(component));
        }
        _ => {}
    }
    let _ = write!(out, "\n{EXIT_STATUS}");
    out
}
