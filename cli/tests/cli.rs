//! The `m2mauth` command as users run it: a real process, real variables,
//! the test issuer on 127.0.0.1.

// Tests unwrap freely: a panic is a failed test with its reason.
#![allow(clippy::unwrap_used)]
// The fleet tests wait for real processes in real time.
#![allow(clippy::disallowed_methods)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};

use m2mauth_testkit::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, TestIssuer};

fn m2mauth(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_m2mauth"));
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn idp_env(issuer: &TestIssuer) -> Vec<(&'static str, String)> {
    vec![
        ("M2MAUTH_TOKEN_URL", issuer.token_url()),
        ("M2MAUTH_CLIENT_ID", DEFAULT_CLIENT_ID.to_owned()),
        ("M2MAUTH_CLIENT_SECRET", DEFAULT_CLIENT_SECRET.to_owned()),
    ]
}

fn borrowed<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[test]
fn token_prints_only_the_token() {
    let issuer = TestIssuer::start().unwrap();
    let env = idp_env(&issuer);
    let out = m2mauth(&["token"], &borrowed(&env));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().count(), 1);
    assert!(stdout.starts_with("eyJ"), "{stdout}");
    assert_eq!(issuer.requests_served(), 1);
}

#[test]
fn token_json_has_every_field_and_flags_override_the_environment() {
    let issuer = TestIssuer::start().unwrap();
    let mut env = idp_env(&issuer);
    env.push(("M2MAUTH_SCOPE", "from-env".to_owned()));
    let out = m2mauth(
        &["token", "--json", "--scope", "a", "--scope", "b"],
        &borrowed(&env),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["token_type"], "Bearer");
    assert_eq!(json["scope"], "a b");
    let left = json["expires_in"].as_u64().unwrap();
    assert!((3590..=3600).contains(&left), "{left}");
    assert!(json["expires_at"].as_str().unwrap().ends_with('Z'));
    assert!(json["access_token"].as_str().unwrap().starts_with("eyJ"));
}

#[test]
fn a_flag_wins_over_the_alternative_variables_too() {
    let issuer = TestIssuer::start().unwrap();
    let secret_file =
        std::env::temp_dir().join(format!("m2mauth-cli-secret-{}", std::process::id()));
    std::fs::write(&secret_file, format!("{DEFAULT_CLIENT_SECRET}\n")).unwrap();
    let env = [
        ("M2MAUTH_ISSUER", "https://stale.example.com".to_owned()),
        ("M2MAUTH_CLIENT_ID", DEFAULT_CLIENT_ID.to_owned()),
        ("M2MAUTH_CLIENT_SECRET", "an-old-secret".to_owned()),
        ("M2MAUTH_API_AUDIENCE", "https://old.example.com".to_owned()),
    ];
    let out = m2mauth(
        &[
            "token",
            "--token-url",
            &issuer.token_url(),
            "--client-secret-file",
            secret_file.to_str().unwrap(),
            "--audience",
            "https://api.example.com",
        ],
        &borrowed(&env),
    );
    std::fs::remove_file(&secret_file).unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let body = text(&issuer.recorded_requests()[0].body);
    assert!(
        body.contains("audience=https%3A%2F%2Fapi.example.com"),
        "{body}"
    );
}

#[test]
fn another_prefix_reads_other_variables() {
    let issuer = TestIssuer::start().unwrap();
    let env = [
        ("SSOJET_TOKEN_URL", issuer.token_url()),
        ("SSOJET_CLIENT_ID", DEFAULT_CLIENT_ID.to_owned()),
        ("SSOJET_CLIENT_SECRET", DEFAULT_CLIENT_SECRET.to_owned()),
        ("SSOJET_API_AUDIENCE", "https://api.example.com".to_owned()),
    ];
    let out = m2mauth(&["token", "--env-prefix", "SSOJET"], &borrowed(&env));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&issuer.recorded_requests()[0].body)
            .contains("audience=https%3A%2F%2Fapi.example.com")
    );
}

#[test]
fn configuration_errors_exit_2_and_name_the_variable_or_flag() {
    let out = m2mauth(&["token"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("M2MAUTH_TOKEN_URL is required"),
        "{}",
        text(&out.stderr)
    );
    let out = m2mauth(
        &[
            "token",
            "--token-url",
            "https://idp.example/t",
            "--client-id",
            "a",
            "--timeout",
            "soon",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--timeout"),
        "{}",
        text(&out.stderr)
    );
    let out = m2mauth(&["token", "--client-secret", "hunter2"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!text(&out.stderr).contains("hunter2"));
    let out = m2mauth(&["frobnicate"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr).lines().count(),
        1,
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_refusal_exits_3_without_the_secret() {
    let issuer = TestIssuer::start().unwrap();
    let env = [
        ("M2MAUTH_TOKEN_URL", issuer.token_url()),
        ("M2MAUTH_CLIENT_ID", DEFAULT_CLIENT_ID.to_owned()),
        ("M2MAUTH_CLIENT_SECRET", "wrong-secret-value".to_owned()),
    ];
    let out = m2mauth(&["token"], &borrowed(&env));
    assert_eq!(out.status.code(), Some(3));
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("invalid_client") && stderr.contains("HTTP 401"),
        "{stderr}"
    );
    assert!(!stderr.contains("wrong-secret-value"));
    assert!(out.stdout.is_empty());
}

#[test]
fn an_unreachable_idp_exits_4() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/token");
    let out = m2mauth(
        &["token", "--timeout", "2"],
        &[
            ("M2MAUTH_TOKEN_URL", &url),
            ("M2MAUTH_CLIENT_ID", "a"),
            ("M2MAUTH_CLIENT_SECRET", "b"),
            ("M2MAUTH_RETRIES", "0"),
        ],
    );
    assert_eq!(out.status.code(), Some(4));
    assert!(
        text(&out.stderr).contains(&format!("127.0.0.1:{port}")),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn issuer_prints_its_urls_as_one_json_line_and_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_m2mauth"))
        .args(["issuer", "--json", "--client", "svc:pw", "--lifetime", "60"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let info: serde_json::Value = serde_json::from_str(&line).unwrap();
    let url = info["token_url"].as_str().unwrap().to_owned();
    let out = m2mauth(
        &["token", "--json"],
        &[
            ("M2MAUTH_TOKEN_URL", &url),
            ("M2MAUTH_CLIENT_ID", "svc"),
            ("M2MAUTH_CLIENT_SECRET", "pw"),
        ],
    );
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(json["expires_in"].as_u64().unwrap() <= 60);
    assert_eq!(info["client_id"], "svc");
}

#[test]
fn demo_runs_against_the_embedded_issuer() {
    // Empty variables count as unset, as everywhere else.
    let out = m2mauth(&["demo"], &[("M2MAUTH_TOKEN_URL", "")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("100 threads    on a cold cache made 1 token request"),
        "{stdout}"
    );
    assert!(stdout.contains("no caller waited for the IdP"), "{stdout}");
}

#[test]
fn every_command_has_help_and_help_lists_the_tables_flags() {
    for command in ["token", "issuer", "demo"] {
        let out = m2mauth(&[command, "--help"], &[]);
        assert!(out.status.success(), "{command}: {}", text(&out.stderr));
        assert!(text(&out.stdout).starts_with(&format!("usage: m2mauth {command}")));
    }
    let help = text(&m2mauth(&["token", "--help"], &[]).stdout);
    for flag in [
        "--token-url",
        "--client-secret-file",
        "--auth-method",
        "--private-key-file",
        "--dpop",
    ] {
        assert!(help.contains(flag), "{flag} in\n{help}");
    }
    assert!(
        !help.contains("--client-secret "),
        "secrets are never flags"
    );
}

#[test]
fn a_full_or_closed_stdout_is_an_error_exit_never_a_panic() {
    let issuer = TestIssuer::start().unwrap();
    let env = idp_env(&issuer);
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_m2mauth"))
        .arg("token")
        .env_clear()
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(full)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("cannot write the output") && !stderr.contains("panicked"),
        "{stderr}"
    );
    assert!(!stderr.contains(DEFAULT_CLIENT_SECRET));
    // A reader that is gone before anything is written (`| head` that quit).
    for args in [&["--help"][..], &["token", "--help"][..]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_m2mauth"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = text(&out.stderr);
        assert_ne!(out.status.code(), Some(101), "{args:?} panicked: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[allow(clippy::disallowed_methods)] // tokens are minted around the real clock
fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn verify_prints_the_claims_and_exits_5_for_a_bad_token() {
    use m2mauth_testkit::{Alg, Mint};
    let issuer = TestIssuer::start().unwrap();
    let claims = serde_json::json!({"iss": issuer.issuer_url(), "aud": "api", "sub": "svc",
                                     "exp": unix_now() + 600, "scope": "a b", "stt": 1});
    let token = issuer
        .mint(
            &claims,
            &Mint {
                alg: Some(Alg::Rs256),
                ..Mint::default()
            },
        )
        .unwrap();
    let env = [
        ("M2MAUTH_ISSUER", issuer.issuer_url()),
        ("M2MAUTH_AUDIENCE", "api"),
    ];
    let out = m2mauth(
        &["verify", &token, "--scope", "a", "--claim", "stt=1"],
        &env,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed["sub"], "svc");
    // Expired, wrong audience, missing scope, forged: exit 5, one line, no token.
    let expired = issuer
        .mint(
            &serde_json::json!({"iss": issuer.issuer_url(), "aud": "api", "exp": 1000}),
            &Mint::default(),
        )
        .unwrap();
    let forged = issuer
        .mint(
            &claims,
            &Mint {
                unpublished_key: true,
                ..Mint::default()
            },
        )
        .unwrap();
    for (args, want) in [
        (vec!["verify", expired.as_str()], "expired"),
        (vec!["verify", token.as_str(), "--audience", "other"], "aud"),
        (vec!["verify", token.as_str(), "--scope", "admin"], "scope"),
        (vec!["verify", forged.as_str()], "kid"),
    ] {
        let out = m2mauth(&args, &env);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(5), "{args:?}: {stderr}");
        assert!(
            stderr.contains(want) && stderr.lines().count() == 1,
            "{stderr}"
        );
        assert!(
            !stderr.contains(&token) && !stderr.contains(&forged),
            "{stderr}"
        );
    }
    // No keys to be had: exit 4.
    let out = m2mauth(
        &[
            "verify",
            &token,
            "--jwks-url",
            "http://127.0.0.1:1/jwks",
            "--timeout",
            "1",
        ],
        &[("M2MAUTH_AUDIENCE", "api")],
    );
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
}

#[test]
fn introspect_and_revoke_an_opaque_token() {
    use m2mauth_testkit::TokenFormat;
    let issuer = TestIssuer::start().unwrap();
    issuer.set_token_format(TokenFormat::Opaque);
    let mut env = idp_env(&issuer);
    env.push(("M2MAUTH_ISSUER", issuer.issuer_url().to_owned()));
    env.retain(|(k, _)| *k != "M2MAUTH_TOKEN_URL");
    let token = text(&m2mauth(&["token"], &borrowed(&env)).stdout)
        .trim()
        .to_owned();
    assert!(token.starts_with("opaque-"), "{token}");
    let out = m2mauth(&["introspect", &token], &borrowed(&env));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["active"], true);
    let out = m2mauth(&["revoke", &token], &borrowed(&env));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = m2mauth(&["introspect", &token], &borrowed(&env));
    assert_eq!(out.status.code(), Some(5));
    assert_eq!(text(&out.stdout).trim(), r#"{"active":false}"#);
    // A revocation URL alone is enough to revoke.
    let out = m2mauth(
        &[
            "revoke",
            &token,
            "--revocation-url",
            &issuer.revocation_url(),
        ],
        &[
            ("M2MAUTH_CLIENT_ID", DEFAULT_CLIENT_ID),
            ("M2MAUTH_CLIENT_SECRET", DEFAULT_CLIENT_SECRET),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
}

fn key_file(name: &str) -> String {
    format!(
        "{}/../tests/vectors/keys/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn private_key_jwt_and_dpop_from_the_environment() {
    let issuer = TestIssuer::start().unwrap();
    let jwk: serde_json::Value =
        serde_json::from_slice(&std::fs::read(key_file("ec-p256.jwk.json")).unwrap()).unwrap();
    assert!(issuer.register_client_key(DEFAULT_CLIENT_ID, &jwk));
    issuer.require_dpop_nonce(true);
    let env = [
        ("M2MAUTH_TOKEN_URL", issuer.token_url()),
        ("M2MAUTH_CLIENT_ID", DEFAULT_CLIENT_ID.to_owned()),
        ("M2MAUTH_AUTH_METHOD", "private_key_jwt".to_owned()),
        ("M2MAUTH_PRIVATE_KEY_FILE", key_file("ec-p256.jwk.json")),
        ("M2MAUTH_DPOP", "1".to_owned()),
    ];
    let out = m2mauth(&["token", "--json"], &borrowed(&env));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["token_type"], "DPoP");
    assert_eq!(issuer.requests_served(), 2, "the nonce round trip");
}

#[test]
fn a_bad_key_file_is_a_config_error_naming_the_variable() {
    let issuer = TestIssuer::start().unwrap();
    let env = [
        ("M2MAUTH_TOKEN_URL", issuer.token_url()),
        ("M2MAUTH_CLIENT_ID", DEFAULT_CLIENT_ID.to_owned()),
        ("M2MAUTH_AUTH_METHOD", "private_key_jwt".to_owned()),
        ("M2MAUTH_PRIVATE_KEY_FILE", key_file("rsa-1024.pem")),
    ];
    let out = m2mauth(&["token"], &borrowed(&env));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("M2MAUTH_PRIVATE_KEY_FILE") && stderr.contains("2048"),
        "{stderr}"
    );
    assert_eq!(issuer.requests_served(), 0);
}

#[test]
fn an_https_issuer_writes_its_ca_for_mtls_clients() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_m2mauth"))
        .args(["issuer", "--tls", "--json"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let info: serde_json::Value = serde_json::from_str(&line).unwrap();
    let ca_file = info["ca_file"].as_str().unwrap().to_owned();
    let env = [
        (
            "M2MAUTH_TOKEN_URL",
            info["token_url"].as_str().unwrap().to_owned(),
        ),
        ("M2MAUTH_CLIENT_ID", DEFAULT_CLIENT_ID.to_owned()),
        ("M2MAUTH_CLIENT_SECRET", DEFAULT_CLIENT_SECRET.to_owned()),
        ("M2MAUTH_CA_FILE", ca_file.clone()),
    ];
    let out = m2mauth(&["token"], &borrowed(&env));
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        std::fs::read_to_string(&ca_file)
            .unwrap()
            .contains("BEGIN CERTIFICATE")
    );
}

const FLEET_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

fn fleet_env(
    issuer: &TestIssuer,
    redis: &m2mauth_testkit::redis_server::RedisServer,
) -> Vec<(&'static str, String)> {
    let mut env = idp_env(issuer);
    env.push(("M2MAUTH_CACHE_URL", redis.url()));
    env.push(("M2MAUTH_CACHE_ENCRYPTION_KEY", FLEET_KEY.to_owned()));
    env
}

fn spawn_token(env: &[(&'static str, String)]) -> std::process::Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_m2mauth"));
    command
        .arg("token")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        command.env(k, v);
    }
    command.spawn().unwrap()
}

#[test]
fn eight_processes_share_one_token_request_through_redis() {
    let redis = m2mauth_testkit::redis_server::RedisServer::start().unwrap();
    let issuer = TestIssuer::builder()
        .latency(std::time::Duration::from_millis(300))
        .start()
        .unwrap();
    let env = fleet_env(&issuer, &redis);
    let children: Vec<_> = (0..8).map(|_| spawn_token(&env)).collect();
    let tokens: Vec<String> = children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            assert!(out.status.success(), "{}", text(&out.stderr));
            text(&out.stdout)
        })
        .collect();
    assert_eq!(
        issuer.requests_served(),
        1,
        "one request for eight processes"
    );
    assert!(tokens.iter().all(|t| *t == tokens[0]));
    // A cron job later reuses the fleet's token.
    let later = m2mauth(&["token"], &borrowed(&env));
    assert_eq!(text(&later.stdout), tokens[0]);
    assert_eq!(issuer.requests_served(), 1);
}

#[test]
fn a_killed_lease_holder_is_taken_over_within_the_lease() {
    let redis = m2mauth_testkit::redis_server::RedisServer::start().unwrap();
    let issuer = TestIssuer::builder()
        .latency(std::time::Duration::from_secs(2))
        .start()
        .unwrap();
    let mut env = fleet_env(&issuer, &redis);
    env.push(("M2MAUTH_TIMEOUT", "8".to_owned()));
    let mut holder = spawn_token(&env);
    // Until the holder's request reaches the issuer (it then holds the lease).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while issuer.requests_served() == 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    holder.kill().unwrap(); // SIGKILL: no answer stored, no lease released
    holder.wait().unwrap();
    let started = std::time::Instant::now();
    let out = spawn_token(&env).wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    // The lease lives half the 8 s timeout; then a 2 s request of its own.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(7),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(
        issuer.requests_served(),
        2,
        "the dead holder's request, then the takeover's"
    );
}

#[test]
fn a_fleet_cache_without_a_key_is_a_config_error() {
    let issuer = TestIssuer::start().unwrap();
    let mut env = idp_env(&issuer);
    env.push(("M2MAUTH_CACHE_URL", "redis://127.0.0.1:1/0".to_owned()));
    let out = m2mauth(&["token"], &borrowed(&env));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("M2MAUTH_CACHE_ENCRYPTION_KEY"),
        "{}",
        text(&out.stderr)
    );
}
