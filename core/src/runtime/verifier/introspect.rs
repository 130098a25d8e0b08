//! The verifier's introspection: the
//! [`IntrospectionCache`](crate::verify::IntrospectionCache) decisions
//! carried out, one request per token in flight.

use std::sync::Arc;

use tokio::sync::watch;

use super::{Answer, IntrospectState, Shared};
use crate::cache::Ticket;
use crate::runtime::budget::Budget;
use crate::runtime::clock;
use crate::runtime::discovery::discovered_endpoint;
use crate::runtime::executor;
use crate::verify::{
    Claims, IntrospectAction, Introspected, inactive, introspection_request, parse_introspection,
    token_hash,
};
use crate::{Error, Secret};

/// The claims of an opaque token the IdP says is active, judged by the
/// verifier's rules (those the answer gives the means to check).
pub(super) async fn claims(shared: &Arc<Shared>, token: &str) -> Result<Claims, Error> {
    let answer = answer(shared, token).await?;
    if !answer.active {
        return Err(inactive());
    }
    crate::verify::check_introspected(&shared.config, &answer.claims, clock::wall_now())?;
    Ok(Claims::new(answer.claims))
}

/// The IdP's answer about `token`: cached, or asked (once for every caller).
pub(super) async fn answer(shared: &Arc<Shared>, token: &str) -> Result<Introspected, Error> {
    if shared.config.introspection.is_none() {
        return Err(Error::config(
            shared.config.name_of_introspection_url.clone(),
            "is required to introspect (or issuer with client_id, to discover it)",
        ));
    }
    let hash = token_hash(token);
    let mut waiting = {
        let mut st = shared.lock_introspection();
        let generation = renew(&mut st)?;
        match st.cache.poll(hash, clock::now()) {
            IntrospectAction::Use(answer) => return Ok(answer),
            IntrospectAction::Fetch(ticket) => {
                start(shared, &mut st, hash, ticket, token, generation)?
            }
            IntrospectAction::Wait => match st.inflight.iter().find(|(h, _, _)| *h == hash) {
                Some((_, _, answer)) => answer.clone(),
                None => {
                    return Err(Error::internal(
                        "an introspection is in flight but nobody runs it",
                    ));
                }
            },
        }
    };
    match waiting.wait_for(Option::is_some).await {
        Ok(answer) => answer.clone().unwrap_or_else(|| Err(abandoned())),
        Err(_) => Err(abandoned()),
    }
}

fn abandoned() -> Error {
    Error::internal("the introspection stopped without an answer (is the runtime shutting down?)")
}

fn renew(st: &mut IntrospectState) -> Result<u64, Error> {
    let (_, generation) = executor::handle()?;
    if st.generation != generation {
        for (hash, ticket, _) in st.inflight.drain(..) {
            st.cache.abandon(hash, ticket);
        }
        st.generation = generation;
    }
    Ok(generation)
}

fn start(
    shared: &Arc<Shared>,
    st: &mut IntrospectState,
    hash: [u8; 32],
    ticket: Ticket,
    token: &str,
    generation: u64,
) -> Result<watch::Receiver<Answer>, Error> {
    let (handle, _) = executor::handle()?;
    let http = shared.http(generation)?;
    let (sender, waiting) = watch::channel(None);
    st.inflight.push((hash, ticket, waiting.clone()));
    let guard = Settle {
        shared: shared.clone(),
        hash,
        ticket,
        sender: Some(sender),
    };
    let token = Secret::new(token);
    handle.spawn(async move {
        let outcome = ask(&guard.shared, &http, token.expose()).await;
        guard.settle(Some(outcome));
    });
    Ok(waiting)
}

/// Settles its introspection exactly once (as abandoned if the task is
/// dropped first), so that no caller waits forever.
struct Settle {
    shared: Arc<Shared>,
    hash: [u8; 32],
    ticket: Ticket,
    sender: Option<watch::Sender<Answer>>,
}

impl Settle {
    fn settle(mut self, outcome: Option<Result<Introspected, Error>>) {
        self.finish(outcome);
    }

    fn finish(&mut self, outcome: Option<Result<Introspected, Error>>) {
        let Some(sender) = self.sender.take() else {
            return;
        };
        {
            let mut st = self.shared.lock_introspection();
            match &outcome {
                Some(answer) => {
                    st.cache.complete(
                        self.hash,
                        self.ticket,
                        (clock::now(), clock::wall_now()),
                        answer,
                    );
                }
                None => st.cache.abandon(self.hash, self.ticket),
            }
            st.inflight.retain(|(_, t, _)| *t != self.ticket);
        }
        sender.send_replace(Some(outcome.unwrap_or_else(|| Err(abandoned()))));
    }
}

impl Drop for Settle {
    fn drop(&mut self) {
        self.finish(None);
    }
}

async fn ask(
    shared: &Shared,
    http: &crate::runtime::http::HttpClient,
    token: &str,
) -> Result<Introspected, Error> {
    let config = &shared.config;
    let Some(introspection) = &config.introspection else {
        return Err(Error::internal("introspection is not configured"));
    };
    let budget = Budget::new(config.timeout());
    let url = match (&introspection.url, &config.issuer_url, &config.issuer) {
        (Some(url), _, _) => url.clone(),
        (None, Some(issuer), Some(raw)) => {
            let metadata = shared
                .discovered
                .metadata(http, &budget, issuer, raw)
                .await?;
            discovered_endpoint(
                "introspection_endpoint",
                metadata.introspection_endpoint.as_ref(),
                config.allow_insecure_http,
            )?
        }
        _ => return Err(Error::internal("no introspection endpoint to ask")),
    };
    let request = introspection_request(
        (&introspection.client, config.issuer.as_deref()),
        &url,
        token,
        &clock::attempt()?,
    )?;
    let response = budget.send(http, &request, "introspection").await?;
    parse_introspection(&request, &response, clock::wall_now())
}
