//! `m2mauth demo`: the main job, shown step by step.

use std::time::{Duration, Instant};

use m2mauth::{AccessToken, Error, TokenSource};
use m2mauth_testkit::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, TestIssuer};

use crate::output::{Failure, say};
use m2mauth::rfc3339;

/// Lifetime of the demo issuer's tokens: short enough to show a refresh.
const DEMO_LIFETIME: Duration = Duration::from_secs(5);

#[allow(clippy::disallowed_methods)] // the demo shows how long things take
pub(crate) fn run() -> Result<(), Failure> {
    let configured = ["M2MAUTH_TOKEN_URL", "M2MAUTH_ISSUER"]
        .iter()
        .any(|v| std::env::var(v).is_ok_and(|value| !value.trim().is_empty()));
    if configured {
        return against_configured_idp();
    }
    let issuer = TestIssuer::builder()
        .token_lifetime(DEMO_LIFETIME)
        .latency(Duration::from_millis(50))
        .start()
        .map_err(|e| Error::internal(format!("cannot start the test issuer: {e}")))?;
    say!("m2mauth demo: OAuth 2.0 client credentials against the built-in test issuer");
    say!("  (set M2MAUTH_TOKEN_URL, M2MAUTH_CLIENT_ID and M2MAUTH_CLIENT_SECRET to use your IdP)");
    say!(
        "  issuer {}  token lifetime {} s, 50 ms latency",
        issuer.issuer_url(),
        DEMO_LIFETIME.as_secs()
    );
    let source = TokenSource::builder()
        .token_url(issuer.token_url())
        .client_id(DEFAULT_CLIENT_ID)
        .client_secret(DEFAULT_CLIENT_SECRET)
        .scopes(["demo:read"])
        .build()?;

    let (first, took) = timed(|| source.token_blocking())?;
    say!(
        "1. first call     fetched a token in {}   (token requests: {})",
        human(took),
        issuer.requests_served()
    );
    say!("                  {}", describe(&first));
    let (second, took) = timed(|| source.token_blocking())?;
    say!(
        "2. second call    served from the cache in {}   (token requests: {}, same token: {})",
        human(took),
        issuer.requests_served(),
        second.same_as(&first)
    );

    let cold = TokenSource::new(source.config().clone());
    let before = issuer.requests_served();
    let threads: Vec<_> = (0..100)
        .map(|_| {
            let cold = cold.clone();
            std::thread::spawn(move || cold.token_blocking())
        })
        .collect();
    for thread in threads {
        thread
            .join()
            .map_err(|_| Error::internal("a demo thread panicked"))??;
    }
    say!(
        "3. 100 threads    on a cold cache made {} token request",
        issuer.requests_served() - before
    );

    say!("4. refresh-ahead  calling every 50 ms until the token is replaced …");
    let waits_before = source.stats().waits;
    let mut slowest = Duration::ZERO;
    let started = Instant::now();
    let renewed = loop {
        let (token, took) = timed(|| source.token_blocking())?;
        slowest = slowest.max(took);
        if !token.same_as(&first) {
            break token;
        }
        if started.elapsed() > DEMO_LIFETIME * 2 {
            return Err(Error::internal("the token was not refreshed in time").into());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let waited = source.stats().waits - waits_before;
    say!(
        "                  replaced after {:.1} s in the background; {}; the slowest call took {}",
        started.elapsed().as_secs_f64(),
        if waited == 0 {
            "no caller waited for the IdP".to_owned()
        } else {
            format!("{waited} callers waited")
        },
        human(slowest)
    );
    say!("                  {}", describe(&renewed));
    let stats = source.stats();
    say!(
        "stats: {} cache hits, {} fetches ({} refreshes ahead of expiry), {} waits, {} failures",
        stats.cache_hits,
        stats.fetches,
        stats.refreshes,
        stats.waits,
        stats.failures
    );
    Ok(())
}

fn against_configured_idp() -> Result<(), Failure> {
    let source = TokenSource::from_env("M2MAUTH")?;
    say!("m2mauth demo against {}", source.cache_key());
    let (first, took) = timed(|| source.token_blocking())?;
    say!("1. first call     fetched a token in {}", human(took));
    say!("                  {}", describe(&first));
    let (second, took) = timed(|| source.token_blocking())?;
    say!(
        "2. second call    served from the cache in {} (same token: {})",
        human(took),
        second.same_as(&first)
    );
    let stats = source.stats();
    say!(
        "stats: {} cache hits, {} fetches, {} failures",
        stats.cache_hits,
        stats.fetches,
        stats.failures
    );
    Ok(())
}

fn describe(token: &AccessToken) -> String {
    let secret = token.secret();
    let shown: String = secret.chars().take(12).collect();
    format!(
        "{} {shown}… ({} chars), expires {}, scopes [{}]",
        token.token_type(),
        secret.len(),
        rfc3339::format(token.expires_at()),
        token.scopes().join(" ")
    )
}

/// `62.2 ms`, `4.2 µs`.
fn human(d: Duration) -> String {
    let nanos = d.as_nanos() as f64;
    match nanos {
        n if n >= 1e9 => format!("{:.1} s", n / 1e9),
        n if n >= 1e6 => format!("{:.1} ms", n / 1e6),
        n => format!("{:.1} µs", n / 1e3),
    }
}

#[allow(clippy::disallowed_methods)] // the demo shows how long calls take
fn timed<T>(f: impl FnOnce() -> Result<T, Error>) -> Result<(T, Duration), Error> {
    let started = Instant::now();
    let value = f()?;
    Ok((value, started.elapsed()))
}
