//! An introspection endpoint's answer (RFC 7662): never a panic, never the
//! client secret or the token in an error's text, and only a JSON `true`
//! makes a token active.
#![no_main]

use std::sync::LazyLock;
use std::time::SystemTime;

use libfuzzer_sys::fuzz_target;
use m2mauth::protocol::{Attempt, HttpRequest, HttpResponse};
use m2mauth::verify::{introspection_request, parse_introspection};

const SECRET: &str = "fuzz-canary-s3cret";
const TOKEN: &str = "fuzz-canary-t0ken";

/// The request the answers reply to, built once.
static SENT: LazyLock<HttpRequest> = LazyLock::new(|| {
    let config = m2mauth::Config::builder()
        .token_url("https://idp.example.com/token")
        .client_id("fuzz-client")
        .client_secret(SECRET)
        .build()
        .expect("the fixture's configuration");
    let url = url::Url::parse("https://idp.example.com/introspect").expect("a URL");
    let attempt = Attempt::new(1_700_000_000, [7; 32]);
    introspection_request((config.client_auth(), None), &url, TOKEN, &attempt).expect("the request")
});

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let status = [200, 200, 400, 401, 429, 503][usize::from(selector % 6)];
    let request = &*SENT;
    let response = HttpResponse::new(status, vec![], body.to_vec());
    match parse_introspection(request, &response, SystemTime::UNIX_EPOCH) {
        Ok(answer) => {
            let active = serde_json::from_slice::<serde_json::Value>(body)
                .map(|v| v["active"] == serde_json::Value::Bool(true))
                .unwrap_or(answer.active);
            assert_eq!(answer.active, active, "active must be exactly JSON true");
        }
        Err(error) => {
            let text = format!("{error} {error:?}");
            assert!(
                !text.contains(SECRET) && !text.contains(TOKEN),
                "leaked: {text}"
            );
        }
    }
});
