//! The token endpoint's answer, success or error, in any form an IdP (or a
//! proxy in front of it) might send: never a panic, and never the client
//! secret (nor eight characters of it in a row) in an error's text.
#![no_main]

use std::sync::LazyLock;
use std::time::SystemTime;

use libfuzzer_sys::fuzz_target;
use m2mauth::Config;
use m2mauth::protocol::{
    Attempt, HttpRequest, HttpResponse, build_token_request, parse_token_response,
};

const SECRET: &str = "fuzz-canary-s3cret/+=";

/// The configuration and the request the answers reply to, built once.
static SENT: LazyLock<(Config, HttpRequest)> = LazyLock::new(|| {
    let config = Config::builder()
        .token_url("https://idp.example.com/oauth2/token")
        .client_id("fuzz-client")
        .client_secret(SECRET)
        .build()
        .expect("the fixture's configuration");
    let url = url::Url::parse("https://idp.example.com/oauth2/token").expect("a URL");
    let attempt = Attempt::new(1_700_000_000, [7; 32]);
    let request = build_token_request(&config, &url, &attempt).expect("the fixture's request");
    (config, request)
});

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let status = [200, 200, 400, 401, 403, 429, 500, 503][usize::from(selector & 7)];
    let mut headers = vec![("content-type".to_owned(), "application/json".to_owned())];
    if selector & 8 != 0 {
        headers.push(("retry-after".to_owned(), "120".to_owned()));
    }
    let (config, request) = &*SENT;
    let response = HttpResponse::new(status, headers, body.to_vec());
    if let Err(error) = parse_token_response(request, &response, config, SystemTime::UNIX_EPOCH) {
        // No run of eight characters of the secret, the shortest the SDK redacts.
        let text = format!("{error} {error:?}");
        let chars: Vec<char> = SECRET.chars().collect();
        for window in chars.windows(8) {
            let piece: String = window.iter().collect();
            assert!(
                !text.contains(&piece),
                "the secret leaked ({piece}): {text}"
            );
        }
    }
});
