//! One token exchange: (discovery once, then) build → send → parse.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use url::Url;

use super::clock;
use super::http::HttpClient;
use crate::Error;
use crate::config::{Config, Endpoint, check_endpoint};
use crate::protocol::{
    TokenResponse, build_token_request, discovery_request, discovery_urls, parse_discovery,
    parse_token_response,
};

/// Talks to one IdP for one configuration; remembers the discovered endpoint.
pub(crate) struct Exchange {
    http: HttpClient,
    discovered: Mutex<Option<Url>>,
}

impl Exchange {
    pub(crate) fn new(config: &Config) -> Result<Exchange, Error> {
        Ok(Exchange {
            http: HttpClient::new(config.timeout())?,
            discovered: Mutex::new(None),
        })
    }

    /// Requests a token, within `timeout` for each HTTP exchange.
    pub(crate) async fn fetch(
        &self,
        config: &Config,
        timeout: Duration,
    ) -> Result<TokenResponse, Error> {
        let token_url = self.token_url(config, timeout).await?;
        let request = build_token_request(config, &token_url);
        let response = self.http.send(&request, timeout).await?;
        parse_token_response(&response, config, clock::wall_now())
    }

    async fn token_url(&self, config: &Config, timeout: Duration) -> Result<Url, Error> {
        let (issuer_url, issuer) = match config.endpoint() {
            Endpoint::TokenUrl(url) => return Ok(url.clone()),
            Endpoint::Issuer { url, raw } => (url, raw),
        };
        if let Some(url) = self
            .discovered
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
        {
            return Ok(url);
        }
        let [oidc, rfc8414] = discovery_urls(issuer_url);
        let mut response = self.http.send(&discovery_request(&oidc), timeout).await?;
        if response.status == 404 {
            response = self
                .http
                .send(&discovery_request(&rfc8414), timeout)
                .await?;
        }
        let metadata = parse_discovery(&response, issuer)?;
        check_endpoint(
            "token_endpoint",
            &metadata.token_endpoint,
            config.allow_insecure_http(),
        )
        .map_err(|e| {
            let problem = e.detail().unwrap_or("is not allowed");
            Error::malformed(
                response.status,
                format!("the discovery document's token_endpoint {problem}"),
            )
        })?;
        tracing::debug!(token_endpoint = %metadata.token_endpoint, "m2mauth: discovered the token endpoint");
        *self
            .discovered
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(metadata.token_endpoint.clone());
        Ok(metadata.token_endpoint)
    }
}
