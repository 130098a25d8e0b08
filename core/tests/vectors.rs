//! Replays the shared conformance vectors (`tests/vectors/`): the exchange
//! vectors sans-IO and end to end through `TokenSource`, the cache vectors
//! against the slot state machine.

// Tests unwrap freely: a panic is a failed test with its reason.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use m2mauth::cache::{Action, Completion, Fresh, MonoTime, Policy, Slot, Ticket};
use m2mauth::protocol::{HttpResponse, build_token_request, parse_token_response};
use m2mauth::{AccessToken, Config, Error, TokenSource};
use m2mauth_testkit::vector::{Expected, ScriptedAnswer};
use m2mauth_testkit::{RecordedRequest, TestIssuer, Vector};
use serde_json::Value;

fn vectors_dir(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/vectors")
        .join(kind)
}

fn files(kind: &str) -> Vec<(String, String)> {
    let mut files: Vec<_> = std::fs::read_dir(vectors_dir(kind))
        .expect("tests/vectors is readable")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            (
                p.file_stem().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

fn exchange_vectors() -> Vec<Vector> {
    let vectors: Vec<Vector> = files("exchange")
        .iter()
        .map(|(n, t)| Vector::from_json(n, t).unwrap())
        .collect();
    assert!(
        vectors.len() >= 40,
        "only {} exchange vectors",
        vectors.len()
    );
    vectors
}

/// The outcome line of the vector format for an error.
fn error_line(error: &Error) -> String {
    let mut fields = vec![format!("error code={}", error.code())];
    fields.extend(error.status().map(|s| format!("status={s}")));
    fields.extend(error.oauth_error().map(|o| format!("oauth_error={o}")));
    fields.extend(
        error
            .retry_after()
            .map(|r| format!("retry_after={}", r.as_secs())),
    );
    fields.extend(error.field().map(|f| format!("field={f}")));
    fields.extend(error.description().map(|d| format!("description={d}")));
    fields.join(" ")
}

fn token_line(
    token_type: &str,
    expires_in: Duration,
    scopes: &[String],
    access_token: &str,
) -> String {
    format!(
        "token token_type={token_type} expires_in={} scopes={} access_token={access_token}",
        expires_in.as_secs_f64().round(),
        scopes.join(",")
    )
}

fn access_token_line(token: &AccessToken) -> String {
    #[allow(clippy::disallowed_methods)] // the test observes the wall clock, as a user would
    let left = token
        .expires_at()
        .duration_since(SystemTime::now())
        .unwrap_or_default();
    token_line(token.token_type(), left, token.scopes(), token.secret())
}

/// Sans-IO: the request bytes `build_token_request` produces and the outcome
/// `parse_token_response` gives for the scripted answer.
#[test]
fn exchange_vectors_sans_io() {
    let mut failures = Vec::new();
    for vector in exchange_vectors() {
        let config = Config::from_json(&vector.config_for("http://127.0.0.1:9").to_string());
        let result = match (config, &vector.expect) {
            (Err(e), _) => vector.check_outcome(&error_line(&e)),
            (Ok(_), Expected::Error { code, .. }) if code == "config" => {
                Err("the configuration was accepted".into())
            }
            (Ok(config), _) => check_sans_io(&vector, &config),
        };
        if let Err(problem) = result {
            failures.push(format!("{}: {problem}", vector.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} vectors failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn check_sans_io(vector: &Vector, config: &Config) -> Result<(), String> {
    let url = url::Url::parse("http://127.0.0.1:9/oauth2/token").unwrap();
    let attempt = m2mauth::protocol::Attempt::new(0, [0; 32]);
    let request = build_token_request(config, &url, &attempt).map_err(|e| e.to_string())?;
    let recorded = RecordedRequest {
        method: request.method.as_str().to_owned(),
        path: url.path().to_owned(),
        headers: request
            .headers
            .iter()
            .map(|(n, v)| ((*n).to_owned(), v.expose().to_owned()))
            .collect(),
        body: request.body.to_vec(),
        client_certificate: None,
    };
    vector
        .for_issuer("http://127.0.0.1:9")
        .check_request(&recorded)?;
    let Some(ScriptedAnswer::Respond {
        status,
        headers,
        body,
    }) = &vector.answer
    else {
        return Ok(()); // hangs and hang-ups are only meaningful end to end
    };
    let response = HttpResponse::new(*status, headers.clone(), body.as_bytes().to_vec());
    // The vectors' JWTs are dated against the real clock (2023, 2100).
    #[allow(clippy::disallowed_methods)]
    let now = SystemTime::now();
    let line = match parse_token_response(&request, &response, config, now) {
        Ok(t) => token_line(
            &t.token_type,
            t.lifetime,
            t.scopes.as_deref().unwrap_or(config.scopes()),
            t.access_token.expose(),
        ),
        Err(e) => error_line(&e),
    };
    vector.check_outcome(&line)
}

/// End to end: `TokenSource` against the testkit issuer armed with each vector.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exchange_vectors_end_to_end() {
    let issuer = TestIssuer::start().unwrap();
    let mut failures = Vec::new();
    for vector in exchange_vectors() {
        let config = issuer.arm_vector(&vector);
        let line = match TokenSource::from_json(&config.to_string()) {
            Err(e) => error_line(&e),
            Ok(source) => match tokio::time::timeout(Duration::from_secs(20), source.token()).await
            {
                Ok(Ok(token)) => access_token_line(&token),
                Ok(Err(e)) => error_line(&e),
                Err(_) => "no outcome within 20 s".to_owned(),
            },
        };
        if let Err(problem) = issuer.judge_outcome(&line) {
            failures.push(problem);
        }
    }
    assert!(
        failures.is_empty(),
        "{} vectors failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// --- cache vectors -----------------------------------------------------------

fn secs(value: &Value) -> Duration {
    Duration::from_secs_f64(value.as_f64().expect("a number of seconds"))
}

fn at(step: &Value) -> MonoTime {
    MonoTime::ZERO + secs(&step["at"])
}

fn policy(overrides: Option<&Value>) -> Policy {
    let mut p = Policy::default();
    for (key, value) in overrides.and_then(Value::as_object).into_iter().flatten() {
        match key.as_str() {
            "refresh_fraction" => p.refresh_fraction = value.as_f64().unwrap(),
            "refresh_jitter" => p.refresh_jitter = value.as_f64().unwrap(),
            "refresh_margin" => p.refresh_margin = secs(value),
            "expiry_skew" => p.expiry_skew = secs(value),
            "backoff_base" => p.backoff_base = secs(value),
            "backoff_max" => p.backoff_max = secs(value),
            "retries" => p.retries = u32::try_from(value.as_u64().unwrap()).unwrap(),
            "retry_window" => p.retry_window = secs(value),
            other => panic!("unknown policy field {other}"),
        }
    }
    p
}

/// A real error of the given code, made the way production makes it.
fn error_of(code: &str, retry_after: Option<u64>) -> Error {
    let config = Config::from_json(
        r#"{"token_url":"https://idp.example/t","client_id":"a","client_secret":"b"}"#,
    )
    .unwrap();
    let (status, headers, body) = match code {
        "server_error" => (503, vec![], "{}".to_owned()),
        "malformed_response" => (200, vec![], "<html>a proxy's page</html>".to_owned()),
        "rate_limited" => (
            429,
            retry_after
                .map(|s| vec![("retry-after".to_owned(), s.to_string())])
                .unwrap_or_default(),
            "{}".to_owned(),
        ),
        "timeout" => return Error::timeout(Duration::from_secs(10)),
        "transport" => return Error::transport("connection refused"),
        oauth => (400, vec![], format!(r#"{{"error":"{oauth}"}}"#)),
    };
    let url = url::Url::parse("https://idp.example/t").unwrap();
    parse_token_response(
        &build_token_request(&config, &url, &m2mauth::protocol::Attempt::new(0, [0; 32])).unwrap(),
        &HttpResponse::new(status, headers, body.into_bytes()),
        &config,
        UNIX_EPOCH,
    )
    .unwrap_err()
}

fn run_cache_vector(name: &str, vector: &Value) -> Result<(), String> {
    let seed = vector["seed"].as_u64().unwrap_or(1);
    let mut slot: Slot<String> = Slot::new(policy(vector.get("policy")), seed);
    let mut tickets: Vec<Ticket> = Vec::new();
    for (i, step) in vector["steps"].as_array().unwrap().iter().enumerate() {
        let now = at(step);
        let here = |problem: String| format!("{name} step {i}: {problem}");
        if let Some(want) = step.get("poll") {
            let action = slot.poll(now);
            if let Action::Fetch(t) | Action::UseAndRefresh(_, t) | Action::FetchAt(t, _) = &action
            {
                tickets.push(*t);
            }
            let got = match &action {
                Action::Fetch(_) => Value::from("fetch"),
                Action::FetchAt(_, send_at) => {
                    let secs = send_at.saturating_since(MonoTime::ZERO).as_secs_f64();
                    serde_json::json!({"fetch_at": secs})
                }
                Action::Wait => Value::from("wait"),
                Action::Use(t) => serde_json::json!({"use": t}),
                Action::UseAndRefresh(t, _) => serde_json::json!({"use_and_refresh": t}),
                Action::Fail(e) => serde_json::json!({"fail": e.code().as_str()}),
            };
            if &got != want {
                return Err(here(format!("poll: want {want}, got {got}")));
            }
        } else if let Some(complete) = step.get("complete") {
            let ticket = match complete.get("ticket").and_then(Value::as_u64) {
                Some(n) => tickets[usize::try_from(n).unwrap() - 1],
                None => *tickets
                    .last()
                    .ok_or_else(|| here("no fetch to complete".into()))?,
            };
            let outcome = match complete.get("token").and_then(Value::as_str) {
                Some(token) => Ok(Fresh {
                    value: token.to_owned(),
                    lifetime: secs(&complete["lifetime"]),
                    refresh_in: complete.get("refresh_in").map(secs),
                }),
                None => Err(error_of(
                    complete["error"].as_str().unwrap(),
                    complete.get("retry_after").and_then(Value::as_u64),
                )),
            };
            check_completion(
                &slot.complete(ticket, now, outcome),
                &step["expect"],
                &slot,
                now,
            )
            .map_err(here)?;
        } else if let Some(token) = step.get("invalidate").and_then(Value::as_str) {
            let dropped = slot.invalidate(|t| t == token);
            if step["expect"] != dropped {
                return Err(here(format!(
                    "invalidate: want {}, got {dropped}",
                    step["expect"]
                )));
            }
        } else {
            return Err(here("unknown step".into()));
        }
    }
    Ok(())
}

fn check_completion(
    got: &Completion<String>,
    want: &Value,
    slot: &Slot<String>,
    now: MonoTime,
) -> Result<(), String> {
    let within = |range: &Value, t: MonoTime| {
        let (lo, hi) = (secs(&range[0]), secs(&range[1]));
        let d = t.saturating_since(now);
        (lo <= d && d <= hi)
            .then_some(())
            .ok_or(format!("{d:?} is not within {lo:?}..={hi:?}"))
    };
    match (got, want) {
        (Completion::Delivered(_), w) if w == "delivered" => Ok(()),
        (Completion::Stale, w) if w == "stale" => Ok(()),
        (Completion::Failed(e), w) if w.get("failed").is_some() => {
            let failed = &w["failed"];
            if let Some(code) = failed.get("code").and_then(Value::as_str)
                && e.code().as_str() != code
            {
                return Err(format!("failed with {}, want {code}", e.code()));
            }
            match failed.get("backoff_between") {
                Some(range) => within(range, slot.backoff().ok_or("no back-off recorded")?.1),
                None => Ok(()),
            }
        }
        (Completion::RetryAt(t), w) if w.get("retry_between").is_some() => {
            within(&w["retry_between"], *t)
        }
        _ => Err(format!("complete: want {want}, got {got:?}")),
    }
}

#[test]
fn cache_vectors() {
    let files = files("cache");
    assert!(files.len() >= 10, "only {} cache vectors", files.len());
    let failures: Vec<String> = files
        .iter()
        .filter_map(|(name, text)| {
            run_cache_vector(name, &serde_json::from_str(text).unwrap()).err()
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
