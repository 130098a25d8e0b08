//! The time one operation may take (discovery plus a token request, a JWKS
//! fetch, an introspection), shared by its HTTP exchanges.

use std::time::Duration;

use super::clock;
use super::http::HttpClient;
use crate::cache::MonoTime;
use crate::protocol::{HttpRequest, HttpResponse};
use crate::{Error, ErrorCode};

/// A deadline, and what was configured, to name in a timeout.
pub(crate) struct Budget {
    total: Duration,
    deadline: MonoTime,
}

impl Budget {
    pub(crate) fn new(total: Duration) -> Budget {
        Budget {
            total,
            deadline: clock::now() + total,
        }
    }

    /// What is left of it.
    pub(crate) fn left(&self) -> Duration {
        self.deadline.saturating_since(clock::now())
    }

    /// Sends `request` within what is left of the budget. A timeout names
    /// the whole budget, which is what the user configured; `endpoint` names
    /// what was asked in errors (`token`, `JWKS`, …).
    pub(crate) async fn send(
        &self,
        http: &HttpClient,
        request: &HttpRequest,
        endpoint: &'static str,
    ) -> Result<HttpResponse, Error> {
        let left = self.deadline.saturating_since(clock::now());
        if left.is_zero() {
            return Err(Error::timeout(self.total).at(endpoint));
        }
        http.send(request, left).await.map_err(|e| {
            if e.code() == ErrorCode::Timeout {
                Error::timeout(self.total).at(endpoint)
            } else {
                e.at(endpoint)
            }
        })
    }
}
