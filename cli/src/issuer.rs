//! `m2mauth issuer`: the test issuer in the foreground, for test suites in
//! any language and for trying m2mauth without an IdP.

use std::time::Duration;

use m2mauth::Error;
use m2mauth_testkit::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, TestIssuer};
use serde_json::json;

use crate::args::IssuerOptions;
use crate::output::{Failure, say};

pub(crate) fn run(options: &IssuerOptions) -> Result<(), Failure> {
    let mut builder = TestIssuer::builder()
        .port(options.port)
        .latency(Duration::from_millis(options.latency_ms));
    if let Some(secs) = options.lifetime_secs {
        let lifetime = Duration::try_from_secs_f64(secs)
            .ok()
            .filter(|l| !l.is_zero())
            .ok_or_else(|| Error::config("--lifetime", "must be a positive number of seconds"))?;
        builder = builder.token_lifetime(lifetime);
    }
    for (id, secret) in &options.clients {
        builder = builder.client(id, secret);
    }
    if options.tls {
        builder = builder.tls();
    }
    let issuer = builder.start().map_err(|e| {
        Error::config(
            "--port",
            format!("cannot listen on 127.0.0.1:{}: {e}", options.port),
        )
    })?;
    let ca_file = issuer.ca_pem().map(write_ca).transpose()?;
    let (client_id, client_secret) = options
        .clients
        .first()
        .map_or((DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET), |(i, s)| {
            (i.as_str(), s.as_str())
        });
    if options.json {
        // One line for test harnesses to read.
        say!(
            "{}",
            json!({
                "issuer": issuer.issuer_url(),
                "token_url": issuer.token_url(),
                "jwks_url": issuer.jwks_url(),
                "api_url": issuer.api_url(),
                "client_id": client_id,
                "client_secret": client_secret,
                "ca_file": ca_file.as_ref().map(|p| p.display().to_string()),
                "pid": std::process::id(),
            })
        );
    } else {
        say!(
            "m2mauth test issuer on {} (stop with Ctrl-C)",
            issuer.issuer_url()
        );
        say!("  token endpoint  {}", issuer.token_url());
        say!(
            "  discovery       {}/.well-known/openid-configuration",
            issuer.issuer_url()
        );
        say!("  JWKS            {}", issuer.jwks_url());
        say!("  protected API   {}", issuer.api_url());
        say!("  client          {client_id} / {client_secret}");
        if let Some(ca_file) = &ca_file {
            say!("  CA certificate  {}", ca_file.display());
        }
        say!(
            "  admin           {}/_testkit/ (stats, fault, lifetime, revoke, reset, vector)",
            issuer.issuer_url()
        );
        say!();
        say!(
            "  try: M2MAUTH_TOKEN_URL={} M2MAUTH_CLIENT_ID={client_id} \\",
            issuer.token_url()
        );
        say!("       M2MAUTH_CLIENT_SECRET={client_secret} m2mauth token --json");
    }
    // Serve until the process is stopped (SIGINT, SIGTERM).
    loop {
        std::thread::park();
    }
}

/// Writes the HTTPS issuer's CA certificate where clients can read it
/// (`ca_file`): a file of this process in the temporary directory.
fn write_ca(pem: &str) -> Result<std::path::PathBuf, Failure> {
    let path = std::env::temp_dir().join(format!("m2mauth-issuer-{}-ca.pem", std::process::id()));
    std::fs::write(&path, pem).map_err(|e| {
        Error::config(
            "--tls",
            format!("cannot write the CA certificate to {}: {e}", path.display()),
        )
    })?;
    Ok(path)
}
