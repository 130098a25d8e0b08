//! Discovery (OpenID Connect, then RFC 8414), once per issuer: the runtime
//! side of [`protocol::Discovery`](crate::protocol::Discovery).

use std::sync::{Arc, Mutex};

use url::Url;

use super::budget::Budget;
use super::clock;
use super::http::HttpClient;
use crate::Error;
use crate::config::{Insecure, check_endpoint};
use crate::protocol::{Discovery, DiscoveryStep, ServerMetadata};

/// An issuer's metadata, fetched on first use and remembered.
#[derive(Default)]
pub(crate) struct Discovered {
    metadata: Mutex<Option<Arc<ServerMetadata>>>,
}

impl Discovered {
    /// The metadata of `issuer` (`raw`: as configured), within `budget`.
    pub(crate) async fn metadata(
        &self,
        http: &HttpClient,
        budget: &Budget,
        issuer: &Url,
        raw: &str,
    ) -> Result<Arc<ServerMetadata>, Error> {
        if let Some(known) = self.lock().clone() {
            return Ok(known);
        }
        let mut discovery = Discovery::new(issuer, raw);
        let metadata = loop {
            let response = budget.send(http, &discovery.request(), "discovery").await?;
            match discovery.on_response(&response, clock::wall_now()) {
                DiscoveryStep::Done(metadata) => break Arc::new(*metadata),
                DiscoveryStep::Next => {}
                DiscoveryStep::Failed(error) => return Err(error.at("discovery")),
            }
        };
        *self.lock() = Some(metadata.clone());
        Ok(metadata)
    }

    fn lock(&self) -> super::fork::Locked<'_, Option<Arc<ServerMetadata>>> {
        super::fork::lock(&self.metadata)
    }
}

/// An endpoint the discovery document names, held to the transport rules
/// (https, or loopback): a document may not send credentials elsewhere.
pub(crate) fn discovered_endpoint(
    name: &str,
    url: Option<&Url>,
    allow_insecure_http: bool,
) -> Result<Url, Error> {
    let url = url.ok_or_else(|| {
        Error::malformed(200, format!("the discovery document has no {name}")).at("discovery")
    })?;
    check_endpoint(name, url, Insecure::allowed(allow_insecure_http)).map_err(|e| {
        let problem = e.detail().unwrap_or("is not allowed");
        Error::malformed(200, format!("the discovery document's {name} {problem}")).at("discovery")
    })?;
    Ok(url.clone())
}
