//! Proxies: loopback and plain-http token requests never go to a proxy
//! (which would see the client's credentials in clear); https ones go
//! through HTTPS_PROXY with CONNECT, so the proxy sees only the host; and
//! NO_PROXY is honoured. The variables are process-wide, so this is one
//! test alone in its binary, its cases in order.

// Tests unwrap freely: a panic is a failed test with its reason.
#![allow(clippy::unwrap_used)]
// Setting the proxy variables (set_var is unsafe since edition 2024).
#![allow(unsafe_code)]

use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use m2mauth::{ErrorCode, TokenSource};
use m2mauth_testkit::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, TestIssuer};

/// A "proxy" that records what each connection sends first and refuses it.
fn recording_proxy() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 4096];
            stream
                .set_read_timeout(Some(Duration::from_secs(2)))
                .unwrap();
            let n = stream.read(&mut buf).unwrap_or(0);
            log.lock()
                .unwrap()
                .push(String::from_utf8_lossy(&buf[..n]).into_owned());
            let _ = stream.write_all(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n");
        }
    });
    (url, seen)
}

fn source(token_url: &str) -> TokenSource {
    TokenSource::builder()
        .token_url(token_url)
        .client_id(DEFAULT_CLIENT_ID)
        .client_secret(DEFAULT_CLIENT_SECRET)
        .timeout(Duration::from_secs(3))
        .retries(0)
        .build()
        .unwrap()
}

#[test]
fn proxies_see_no_loopback_or_plain_http_request_and_only_connect_for_https() {
    let issuer = TestIssuer::start().unwrap();
    let (proxy, seen) = recording_proxy();
    for name in [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
    ] {
        set(name, &proxy);
    }

    // Loopback, by address and by name: straight to the issuer.
    source(&issuer.token_url()).token_blocking().unwrap();
    let by_name = issuer.token_url().replace("127.0.0.1", "localhost");
    source(&by_name).token_blocking().unwrap();
    assert!(
        seen.lock().unwrap().is_empty(),
        "{:?}",
        seen.lock().unwrap()
    );

    // https to a remote host: a CONNECT, never the request itself.
    let err = source("https://idp.example.test/oauth2/token")
        .token_blocking()
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Transport, "{err}");
    let first = seen.lock().unwrap().clone();
    assert_eq!(first.len(), 1, "{first:?}");
    assert!(
        first[0].starts_with("CONNECT idp.example.test:443 "),
        "{first:?}"
    );
    assert!(!first[0].contains("Authorization") && !first[0].contains("POST"));

    // NO_PROXY names it: not through the proxy (and so no answer at all).
    set("NO_PROXY", "example.test");
    let _ = source("https://idp.example.test/oauth2/token").token_blocking();
    assert_eq!(seen.lock().unwrap().len(), 1, "NO_PROXY is honoured");
}

/// Sets an environment variable for the sources created after it.
fn set(name: &str, value: &str) {
    // SAFETY: this binary's only test sets variables between its steps, when
    // no other thread reads the environment (m2mauth reads the proxy
    // variables when a source first connects, on the caller's thread).
    unsafe { std::env::set_var(name, value) };
}
