//! One token exchange: (discovery once, then) build → send → parse; and the
//! revocation of a token, to the same IdP.

use std::time::Duration;

use url::Url;

use super::budget::Budget;
use super::clock;
use super::discovery::{Discovered, discovered_endpoint};
use super::http::HttpClient;
use crate::Error;
use crate::config::{Config, Endpoint};
use crate::protocol::{
    TokenResponse, build_token_request, parse_revocation, parse_token_response, revocation_request,
};

/// Talks to one IdP for one configuration; remembers what discovery found.
pub(crate) struct Exchange {
    http: HttpClient,
    discovered: Discovered,
}

impl Exchange {
    pub(crate) fn new(config: &Config) -> Result<Exchange, Error> {
        Ok(Exchange {
            http: HttpClient::new(config.timeout())?,
            discovered: Discovered::default(),
        })
    }

    /// Requests a token within `timeout`, discovery included: the exchanges
    /// of one request share that one deadline.
    pub(crate) async fn fetch(
        &self,
        config: &Config,
        timeout: Duration,
    ) -> Result<TokenResponse, Error> {
        let budget = Budget::new(timeout);
        let token_url = self.token_url(config, &budget).await?;
        let request = build_token_request(config, &token_url);
        let response = budget.send(&self.http, &request, "token").await?;
        parse_token_response(&request, &response, config, clock::wall_now())
    }

    async fn token_url(&self, config: &Config, budget: &Budget) -> Result<Url, Error> {
        match config.endpoint() {
            Endpoint::TokenUrl(url) => Ok(url.clone()),
            Endpoint::Issuer { url, raw } => {
                let metadata = self
                    .discovered
                    .metadata(&self.http, budget, url, raw)
                    .await?;
                let endpoint = discovered_endpoint(
                    "token_endpoint",
                    Some(&metadata.token_endpoint),
                    config.allow_insecure_http(),
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
                discovered_endpoint(
                    "revocation_endpoint",
                    metadata.revocation_endpoint.as_ref(),
                    config.allow_insecure_http(),
                )?
            }
            (None, Endpoint::TokenUrl(_)) => {
                return Err(Error::config(
                    "revocation_url",
                    "is required to revoke (or issuer, to discover the revocation endpoint)",
                ));
            }
        };
        let request = revocation_request(config.client_auth(), &url, token);
        let response = budget.send(&self.http, &request, "revocation").await?;
        parse_revocation(&request, &response, clock::wall_now())
    }
}
