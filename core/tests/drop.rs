//! A dropped source leaves nothing running behind it: its refresh timer is
//! cancelled, not left asleep until the refresh time. Alone in its test
//! binary, so that the background runtime's task count is this test's.

// Tests unwrap freely: a panic is a failed test with its reason.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use m2mauth::TokenSource;
use m2mauth_testkit::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, TestIssuer};

fn alive_tasks() -> usize {
    m2mauth::runtime::background()
        .unwrap()
        .metrics()
        .num_alive_tasks()
}

/// Waits (a bounded time) for the background runtime to settle at `want` tasks.
fn settles_at(want: usize) -> usize {
    let mut alive = alive_tasks();
    for _ in 0..200 {
        if alive == want {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
        alive = alive_tasks();
    }
    alive
}

#[test]
fn a_dropped_source_cancels_its_refresh_timer() {
    let issuer = TestIssuer::start().unwrap();
    let before = settles_at(alive_tasks());
    for _ in 0..50 {
        let source = TokenSource::builder()
            .token_url(issuer.token_url())
            .client_id(DEFAULT_CLIENT_ID)
            .client_secret(DEFAULT_CLIENT_SECRET)
            .build()
            .unwrap();
        source.token_blocking().unwrap();
        drop(source);
    }
    assert_eq!(
        settles_at(before),
        before,
        "50 fetched-then-dropped sources left timer tasks behind"
    );
}
