//! One token exchange: (discovery once, then) build → send → parse.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use url::Url;

use super::clock;
use super::http::HttpClient;
use crate::cache::MonoTime;
use crate::config::{Config, Endpoint, Insecure, check_endpoint};
use crate::protocol::{
    HttpRequest, HttpResponse, TokenResponse, build_token_request, discovery_request,
    discovery_urls, parse_discovery, parse_token_response,
};
use crate::{Error, ErrorCode};

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
        let response = budget.send(&self.http, &request).await?;
        parse_token_response(&request, &response, config, clock::wall_now())
    }

    async fn token_url(&self, config: &Config, budget: &Budget) -> Result<Url, Error> {
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
        let mut response = budget.send(&self.http, &discovery_request(&oidc)).await?;
        let mut parsed = parse_discovery(&response, issuer, clock::wall_now());
        // An IdP without the OpenID document may still publish RFC 8414's.
        // Worth a try when the first answer was a refusal or not a document;
        // an outage (429, 5xx) is reported as it is, to be retried.
        if let Err(first) = &parsed
            && !first.is_transient()
        {
            let second = budget
                .send(&self.http, &discovery_request(&rfc8414))
                .await?;
            let second_parsed = parse_discovery(&second, issuer, clock::wall_now());
            if second_parsed.is_ok() || second.status != 404 {
                (response, parsed) = (second, second_parsed);
            }
        }
        let metadata = parsed?;
        check_endpoint(
            "token_endpoint",
            &metadata.token_endpoint,
            Insecure::allowed(config.allow_insecure_http()),
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

/// The time one token request may take, shared by its HTTP exchanges.
struct Budget {
    total: Duration,
    deadline: MonoTime,
}

impl Budget {
    fn new(total: Duration) -> Budget {
        Budget {
            total,
            deadline: clock::now() + total,
        }
    }

    /// Sends `request` within what is left of the budget. A timeout names
    /// the whole budget, which is what the user configured.
    async fn send(&self, http: &HttpClient, request: &HttpRequest) -> Result<HttpResponse, Error> {
        let left = self.deadline.saturating_since(clock::now());
        if left.is_zero() {
            return Err(Error::timeout(self.total));
        }
        http.send(request, left).await.map_err(|e| {
            if e.code() == ErrorCode::Timeout {
                Error::timeout(self.total)
            } else {
                e
            }
        })
    }
}
