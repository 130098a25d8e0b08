//! One token exchange: (discovery once, then) build → send → parse; and the
//! revocation of a token, to the same IdP.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use url::Url;

use super::budget::Budget;
use super::clock;
use super::discovery::{Discovered, discovered_endpoint};
use super::http::HttpClient;
use crate::Error;
use crate::config::{Config, Endpoint};
use crate::dpop::{Nonces, USE_DPOP_NONCE};
use crate::protocol::{
    HttpResponse, TokenResponse, build_token_request, parse_revocation, parse_token_response,
    revocation_request,
};

/// Talks to one IdP for one configuration; remembers what discovery found
/// and the DPoP nonces servers gave.
pub(crate) struct Exchange {
    http: HttpClient,
    discovered: Discovered,
    nonces: Arc<Mutex<Nonces>>,
    /// The fleet cache, when the configuration names one.
    #[cfg(feature = "redis")]
    fleet: Option<super::fleet::Fleet>,
}

impl Exchange {
    /// An exchange for `config` that keeps DPoP nonces in `nonces` (the
    /// source's, which outlive an exchange rebuilt after a fork).
    pub(crate) fn new(
        config: &Config,
        nonces: Arc<Mutex<Nonces>>,
        fleet_counters: Arc<super::stats::FleetCounters>,
    ) -> Result<Exchange, Error> {
        #[cfg(not(feature = "redis"))]
        drop(fleet_counters);
        Ok(Exchange {
            http: HttpClient::new(config.timeout(), config.tls())?,
            discovered: Discovered::default(),
            nonces,
            #[cfg(feature = "redis")]
            fleet: super::fleet::Fleet::new(config, fleet_counters)?,
        })
    }

    /// A token within `timeout`: from the fleet cache when there is one
    /// (and Redis is up), else (or for the fleet) from the IdP.
    pub(crate) async fn fetch(
        &self,
        config: &Config,
        timeout: Duration,
    ) -> Result<TokenResponse, Error> {
        #[cfg(feature = "redis")]
        if let Some(fleet) = self.fleet.as_ref().filter(|f| f.available()) {
            let deadline = clock::now() + timeout;
            return fleet
                .fetch(timeout, || {
                    // What waiting for the fleet left of the deadline (a quarter at least).
                    let left = deadline.saturating_since(clock::now()).max(timeout / 4);
                    self.fetch_from_idp(config, left)
                })
                .await;
        }
        self.fetch_from_idp(config, timeout).await
    }

    /// Requests a token from the IdP within `timeout`, discovery included:
    /// the exchanges of one request share that one deadline.
    async fn fetch_from_idp(
        &self,
        config: &Config,
        timeout: Duration,
    ) -> Result<TokenResponse, Error> {
        let budget = Budget::new(timeout);
        let token_url = self.token_url(config, &budget).await?;
        let mut nonce = self.nonce_for(token_url.as_str());
        let mut retried = false;
        loop {
            let attempt = clock::attempt()?.with_dpop_nonce(nonce.clone());
            let request = build_token_request(config, &token_url, &attempt)?;
            let response = budget.send(&self.http, &request, "token").await?;
            let fresh_nonce = self.remember_nonce(token_url.as_str(), &response);
            match parse_token_response(&request, &response, config, clock::wall_now()) {
                // RFC 9449 §8: the server wants its nonce in the proof; one retry.
                Err(e)
                    if config.dpop().is_some()
                        && !retried
                        && e.oauth_error() == Some(USE_DPOP_NONCE)
                        && fresh_nonce.is_some()
                        && fresh_nonce != nonce =>
                {
                    retried = true;
                    nonce = fresh_nonce;
                }
                outcome => return outcome,
            }
        }
    }

    fn nonce_for(&self, url: &str) -> Option<String> {
        lock_nonces(&self.nonces).for_url(url)
    }

    /// Records the `DPoP-Nonce` of an answer from `url`; returns it.
    fn remember_nonce(&self, url: &str, response: &HttpResponse) -> Option<String> {
        let nonce = response.header("dpop-nonce")?;
        let mut nonces = lock_nonces(&self.nonces);
        nonces.record(url, nonce);
        nonces.for_url(url)
    }

    async fn token_url(&self, config: &Config, budget: &Budget) -> Result<Url, Error> {
        match config.endpoint() {
            Endpoint::TokenUrl(url) => Ok(url.clone()),
            Endpoint::Issuer { url, raw } => {
                let metadata = self
                    .discovered
                    .metadata(&self.http, budget, url, raw)
                    .await?;
                let endpoint = endpoint_or_alias(
                    "token_endpoint",
                    Some(&metadata.token_endpoint),
                    metadata.mtls_endpoint_aliases.token_endpoint.as_ref(),
                    config,
                )?;
                tracing::debug!(token_endpoint = %endpoint, "m2mauth: discovered the token endpoint");
                Ok(endpoint)
            }
        }
    }

    /// Revokes `token` at the revocation endpoint (RFC 7009): the configured
    /// one, or the one the issuer's discovery document names.
    pub(crate) async fn revoke(&self, config: &Config, token: &str) -> Result<(), Error> {
        let budget = Budget::new(config.timeout());
        let url = match (config.revocation_url(), config.endpoint()) {
            (Some(url), _) => url.clone(),
            (None, Endpoint::Issuer { url, raw }) => {
                let metadata = self
                    .discovered
                    .metadata(&self.http, &budget, url, raw)
                    .await?;
                endpoint_or_alias(
                    "revocation_endpoint",
                    metadata.revocation_endpoint.as_ref(),
                    metadata.mtls_endpoint_aliases.revocation_endpoint.as_ref(),
                    config,
                )?
            }
            (None, Endpoint::TokenUrl(_)) => {
                return Err(Error::config(
                    "revocation_url",
                    "is required to revoke (or issuer, to discover the revocation endpoint)",
                ));
            }
        };
        let issuer = config.endpoint().issuer();
        let request = revocation_request(
            (config.client_auth(), issuer),
            &url,
            token,
            &clock::attempt()?,
        )?;
        let response = budget.send(&self.http, &request, "revocation").await?;
        parse_revocation(&request, &response, clock::wall_now())
    }
}

/// The discovered endpoint `name`, or its mTLS alias when the client
/// presents a certificate (RFC 8705 §5).
fn endpoint_or_alias(
    name: &'static str,
    plain: Option<&Url>,
    alias: Option<&Url>,
    config: &Config,
) -> Result<Url, Error> {
    match alias {
        Some(alias) if config.tls().has_client_certificate() => discovered_endpoint(
            &format!("mtls_endpoint_aliases.{name}"),
            Some(alias),
            config.allow_insecure_http(),
        ),
        _ => discovered_endpoint(name, plain, config.allow_insecure_http()),
    }
}

/// The nonce map, whatever a panicking holder left: a map of strings is
/// still usable.
pub(crate) fn lock_nonces(nonces: &Mutex<Nonces>) -> super::fork::Locked<'_, Nonces> {
    super::fork::lock(nonces)
}
