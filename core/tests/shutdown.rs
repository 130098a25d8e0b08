//! `shutdown()` while requests are pending. In a test binary of its own:
//! shutting the global runtime down would disturb other tests' fetches.

// Tests unwrap freely: a panic is a failed test with its reason.
#![allow(clippy::unwrap_used)]

use std::sync::mpsc;
use std::time::Duration;

use m2mauth::{ErrorCode, TokenSource};
use m2mauth_testkit::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Fault, TestIssuer};

#[test]
fn a_pending_callback_is_answered_when_the_runtime_shuts_down() {
    let issuer = TestIssuer::start().unwrap();
    issuer.set_sticky_fault(Some(Fault::Hang));
    let source = TokenSource::builder()
        .token_url(issuer.token_url())
        .client_id(DEFAULT_CLIENT_ID)
        .client_secret(DEFAULT_CLIENT_SECRET)
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    source.request_token(move |outcome| tx.send(outcome.map(|_| ())).unwrap());
    // Wait until the request is at the issuer, hanging there.
    for _ in 0..200 {
        if issuer.requests_served() > 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    assert_eq!(issuer.requests_served(), 1);
    m2mauth::runtime::shutdown();
    let outcome = rx.recv_timeout(Duration::from_secs(20)).unwrap();
    assert_eq!(outcome.unwrap_err().code(), ErrorCode::Internal);

    // The source works again afterwards, on a new runtime.
    issuer.set_sticky_fault(None);
    let (tx, rx) = mpsc::channel();
    source.request_token(move |outcome| tx.send(outcome.map(|t| t.secret().len())).unwrap());
    let outcome = rx.recv_timeout(Duration::from_secs(20)).unwrap();
    assert!(outcome.unwrap() > 0);
}
