//! The verifier's JWKS: the [`JwksCache`](crate::verify::JwksCache)
//! decisions carried out: fetches on the background runtime, callers
//! waiting for the one in flight.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use super::{KeysState, Shared};
use crate::cache::Ticket;
use crate::protocol::HttpRequest;
use crate::runtime::budget::Budget;
use crate::runtime::clock;
use crate::runtime::discovery::discovered_endpoint;
use crate::runtime::executor;
use crate::verify::{
    Candidate, FreshKeys, JwksAction, KeySet, key_missing, max_age, parse_jwks_response,
};
use crate::{Error, Secret};

/// How many times one verification may go round waiting for fetches (a
/// fetch abandoned by a runtime that shut down, then another) before giving up.
const MAX_ROUNDS: usize = 4;
/// Attempts of one JWKS fetch on transient failures, within its budget.
const ATTEMPTS: u32 = 3;

/// The keys to check `candidate` with: the cached ones, or after the one
/// shared fetch (cold start, or an unknown `kid` outside the cooldown).
pub(super) async fn keys_for(
    shared: &Arc<Shared>,
    candidate: &Candidate<'_>,
) -> Result<Arc<KeySet>, Error> {
    for _ in 0..MAX_ROUNDS {
        let (action, wait) = {
            let mut st = shared.lock_keys();
            let generation = renew(&mut st)?;
            let now = clock::now();
            let action = match st.cache.keys() {
                Some(keys) if key_missing(candidate, keys) => st
                    .cache
                    .poll_unknown_kid(now, candidate.kid().unwrap_or("(none)")),
                _ => st.cache.poll(now),
            };
            let wait = match &action {
                JwksAction::Fetch(ticket) | JwksAction::UseAndRefresh(_, ticket) => {
                    Some(start(shared, &mut st, *ticket, generation)?)
                }
                JwksAction::Wait => st.inflight.as_ref().map(|(_, done)| done.clone()),
                JwksAction::Use(_) | JwksAction::Fail(_) => None,
            };
            (action, wait)
        };
        match action {
            JwksAction::Use(keys) | JwksAction::UseAndRefresh(keys, _) => return Ok(keys),
            JwksAction::Fail(error) => return Err(error),
            JwksAction::Fetch(_) | JwksAction::Wait => {
                let Some(mut done) = wait else {
                    return Err(Error::internal(
                        "a JWKS fetch is in flight but nobody runs it",
                    ));
                };
                // Ends when the fetch is done, or its task is gone.
                let _ = done.wait_for(|finished| *finished).await;
            }
        }
    }
    Err(Error::jwks_unavailable(
        "the JWKS fetches kept being abandoned (is the runtime shutting down?)",
    ))
}

/// Drops what belonged to a background runtime that is gone (a fork, a
/// shutdown); returns the current runtime's generation.
fn renew(st: &mut KeysState) -> Result<u64, Error> {
    let (_, generation) = executor::handle()?;
    if st.generation != generation {
        if let Some((ticket, _)) = st.inflight.take() {
            st.cache.abandon(ticket);
        }
        st.generation = generation;
    }
    Ok(generation)
}

/// Registers the fetch `ticket` and runs it on the background runtime.
fn start(
    shared: &Arc<Shared>,
    st: &mut KeysState,
    ticket: Ticket,
    generation: u64,
) -> Result<watch::Receiver<bool>, Error> {
    let (handle, _) = executor::handle()?;
    let http = shared.http(generation)?;
    // Only a cold fetch, that callers wait for with no keys at all, retries
    // transient failures: a refresh or an unknown kid's refetch never
    // multiplies requests to a failing IdP.
    let attempts = if st.cache.keys().is_none() {
        ATTEMPTS
    } else {
        1
    };
    let (done, waiting) = watch::channel(false);
    st.inflight = Some((ticket, waiting.clone()));
    let guard = Settle {
        shared: shared.clone(),
        ticket,
        done: Some(done),
    };
    handle.spawn(async move {
        let outcome = download(&guard.shared, &http, attempts).await;
        guard.settle(Some(outcome));
    });
    Ok(waiting)
}

/// Settles its fetch exactly once: with the outcome, or (if the task is
/// dropped first) as abandoned, so that no caller waits forever.
struct Settle {
    shared: Arc<Shared>,
    ticket: Ticket,
    done: Option<watch::Sender<bool>>,
}

impl Settle {
    fn settle(mut self, outcome: Option<Result<FreshKeys, Error>>) {
        self.finish(outcome);
    }

    fn finish(&mut self, outcome: Option<Result<FreshKeys, Error>>) {
        let Some(done) = self.done.take() else {
            return;
        };
        {
            let mut st = self.shared.lock_keys();
            match outcome {
                Some(outcome) => {
                    if let Err(error) = &outcome {
                        tracing::warn!(code = %error.code(), "m2mauth: JWKS fetch failed: {error}");
                    }
                    st.cache.complete(self.ticket, clock::now(), outcome);
                }
                None => {
                    st.cache.abandon(self.ticket);
                }
            }
            if st.inflight.as_ref().is_some_and(|(t, _)| *t == self.ticket) {
                st.inflight = None;
            }
        }
        done.send_replace(true);
    }
}

impl Drop for Settle {
    fn drop(&mut self) {
        self.finish(None);
    }
}

/// Fetches and reads the JWKS (discovering its URL first if need be), in
/// up to `attempts` attempts on transient failures, within the timeout.
async fn download(
    shared: &Shared,
    http: &crate::runtime::http::HttpClient,
    attempts: u32,
) -> Result<FreshKeys, Error> {
    let config = &shared.config;
    let budget = Budget::new(config.timeout());
    let url = match (&config.jwks_url, &config.issuer_url, &config.issuer) {
        (Some(url), _, _) => url.clone(),
        (None, Some(issuer), Some(raw)) => {
            let metadata = shared
                .discovered
                .metadata(http, &budget, issuer, raw)
                .await?;
            discovered_endpoint(
                "jwks_uri",
                metadata.jwks_uri.as_ref(),
                config.allow_insecure_http,
            )?
        }
        _ => {
            return Err(Error::jwks_unavailable(
                "neither jwks_url nor issuer is configured",
            ));
        }
    };
    let request = HttpRequest::get(
        url.as_str(),
        vec![("accept", Secret::new("application/json"))],
    );
    let mut attempt = 1;
    loop {
        let outcome = budget
            .send(http, &request, "JWKS")
            .await
            .and_then(|response| {
                let keys = parse_jwks_response(&response)?;
                Ok(FreshKeys {
                    keys,
                    max_age: max_age(&response),
                })
            });
        let pause = Duration::from_millis(250 * u64::from(attempt));
        match outcome {
            // Another try only if it has time to finish: otherwise the
            // failure says more than a timeout would.
            Err(error)
                if error.is_transient() && attempt < attempts && budget.left() > pause * 3 =>
            {
                tokio::time::sleep(pause).await;
                attempt += 1;
            }
            other => {
                if other.is_ok() {
                    tracing::debug!(jwks = %url, "m2mauth: fetched the JWKS");
                }
                return other;
            }
        }
    }
}
