//! Shared set-up for the benchmarks: a warm token source on a local issuer.

use m2mauth::TokenSource;
use m2mauth_testkit::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, TestIssuer};

/// A token source whose cache is warm, and the issuer it came from (keep
/// it alive for as long as the source is used).
///
/// # Panics
/// If the issuer cannot start or the first token cannot be fetched: the
/// benchmark has nothing to measure then.
pub fn warm_source() -> (TestIssuer, TokenSource) {
    let issuer = TestIssuer::start().expect("the test issuer starts");
    let source = TokenSource::builder()
        .token_url(issuer.token_url())
        .client_id(DEFAULT_CLIENT_ID)
        .client_secret(DEFAULT_CLIENT_SECRET)
        .build()
        .expect("a valid configuration");
    source.token_blocking().expect("a first token");
    (issuer, source)
}
