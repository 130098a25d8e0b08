//! Authorization server metadata (RFC 8414) and OpenID discovery.

use url::Url;

use std::time::SystemTime;

use super::lenient;
use super::message::{HttpRequest, HttpResponse};
use super::response::outage_error;
use super::text::{clean_description, cut};
use crate::{Error, Secret};

/// The parts of an authorization server's metadata that m2mauth uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerMetadata {
    /// The issuer, as the document states it.
    pub issuer: String,
    /// The token endpoint.
    pub token_endpoint: Url,
    /// The JWKS endpoint, for checking JWT access tokens.
    pub jwks_uri: Option<Url>,
    /// The introspection endpoint (RFC 7662).
    pub introspection_endpoint: Option<Url>,
    /// The revocation endpoint (RFC 7009).
    pub revocation_endpoint: Option<Url>,
    /// Client authentication methods the token endpoint accepts, if listed.
    pub token_endpoint_auth_methods: Option<Vec<String>>,
    /// Grant types the server supports, if listed.
    pub grant_types: Option<Vec<String>>,
    /// The endpoints to use with a TLS client certificate (RFC 8705 §5).
    pub mtls_endpoint_aliases: MtlsAliases,
}

/// `mtls_endpoint_aliases` (RFC 8705 §5): where clients that present a
/// certificate send their requests instead.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MtlsAliases {
    /// The token endpoint for mTLS.
    pub token_endpoint: Option<Url>,
    /// The revocation endpoint for mTLS.
    pub revocation_endpoint: Option<Url>,
    /// The introspection endpoint for mTLS.
    pub introspection_endpoint: Option<Url>,
}

/// The discovery URLs to try for `issuer`, in order: OpenID Connect's
/// (`{issuer}/.well-known/openid-configuration`), then RFC 8414's
/// (`{origin}/.well-known/oauth-authorization-server{path}`).
///
/// ```
/// use m2mauth::protocol::discovery_urls;
/// let issuer = url::Url::parse("https://idp.example.com/tenant1").unwrap();
/// let [oidc, rfc8414] = discovery_urls(&issuer);
/// assert_eq!(oidc.as_str(), "https://idp.example.com/tenant1/.well-known/openid-configuration");
/// assert_eq!(rfc8414.as_str(), "https://idp.example.com/.well-known/oauth-authorization-server/tenant1");
/// ```
pub fn discovery_urls(issuer: &Url) -> [Url; 2] {
    let path = issuer.path().trim_end_matches('/');
    let mut oidc = issuer.clone();
    oidc.set_path(&format!("{path}/.well-known/openid-configuration"));
    let mut rfc8414 = issuer.clone();
    rfc8414.set_path(&format!("/.well-known/oauth-authorization-server{path}"));
    [oidc, rfc8414]
}

/// A `GET` for a discovery document.
pub fn discovery_request(url: &Url) -> HttpRequest {
    HttpRequest::get(
        url.as_str(),
        vec![("accept", Secret::new("application/json"))],
    )
}

/// Parses a discovery document and checks that it belongs to `expected_issuer`
/// (RFC 8414 §3.3; a difference of one trailing slash is tolerated, as IdPs
/// such as Auth0 publish their issuer with one).
///
/// `now` (wall-clock time) reads a `Retry-After` date: an overloaded or
/// failing server (429, 5xx) gives the same transient errors as the token
/// endpoint would, to be retried after its pause.
pub fn parse_discovery(
    response: &HttpResponse,
    expected_issuer: &str,
    now: SystemTime,
) -> Result<ServerMetadata, Error> {
    let status = response.status;
    if let Some(outage) = outage_error(response, None, &[], now) {
        return Err(outage);
    }
    if !(200..=299).contains(&status) {
        return Err(Error::http_status(
            status,
            format!("HTTP {status} for the discovery document, which should be 200"),
        ));
    }
    let Ok(serde_json::Value::Object(doc)) = lenient::json(&response.body) else {
        return Err(Error::malformed(
            status,
            "the discovery document is not a JSON object",
        ));
    };
    let text = |name: &str| doc.get(name).and_then(serde_json::Value::as_str);
    let issuer = text("issuer")
        .ok_or_else(|| Error::malformed(status, "the discovery document has no issuer"))?;
    if issuer.trim_end_matches('/') != expected_issuer.trim_end_matches('/') {
        let shown = clean_description(issuer, &[])
            .map(|i| cut(&i, 200))
            .unwrap_or_default();
        return Err(Error::malformed(
            status,
            format!(
                "the discovery document is for issuer {shown:?}, not the configured {expected_issuer:?}"
            ),
        ));
    }
    let url = |name: &str| -> Result<Option<Url>, Error> {
        text(name)
            .map(|u| {
                Url::parse(u).map_err(|_| {
                    Error::malformed(
                        status,
                        format!("the discovery document's {name} is not a URL"),
                    )
                })
            })
            .transpose()
    };
    let list = |name: &str| -> Option<Vec<String>> {
        doc.get(name)?.as_array().map(|items| {
            items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_owned))
                .collect()
        })
    };
    let aliases = doc.get("mtls_endpoint_aliases").and_then(|a| a.as_object());
    let alias = |name: &str| -> Result<Option<Url>, Error> {
        let Some(text) = aliases.and_then(|a| a.get(name)).and_then(|v| v.as_str()) else {
            return Ok(None);
        };
        Url::parse(text).map(Some).map_err(|_| {
            Error::malformed(
                status,
                format!("the discovery document's mtls_endpoint_aliases.{name} is not a URL"),
            )
        })
    };
    let mtls_endpoint_aliases = MtlsAliases {
        token_endpoint: alias("token_endpoint")?,
        revocation_endpoint: alias("revocation_endpoint")?,
        introspection_endpoint: alias("introspection_endpoint")?,
    };
    let token_endpoint = url("token_endpoint")?
        .ok_or_else(|| Error::malformed(status, "the discovery document has no token_endpoint"))?;
    Ok(ServerMetadata {
        issuer: issuer.to_owned(),
        token_endpoint,
        jwks_uri: url("jwks_uri")?,
        introspection_endpoint: url("introspection_endpoint")?,
        revocation_endpoint: url("revocation_endpoint")?,
        token_endpoint_auth_methods: list("token_endpoint_auth_methods_supported"),
        grant_types: list("grant_types_supported"),
        mtls_endpoint_aliases,
    })
}

/// The steps of discovering an issuer's metadata, sans-IO: OpenID
/// Connect's document first, then RFC 8414's when the first is missing or
/// not a document (an outage, a 429 or 5xx, is reported as it is, to be
/// retried, rather than hidden by the fallback).
///
/// ```
/// use m2mauth::protocol::{Discovery, DiscoveryStep, HttpResponse};
/// let issuer = url::Url::parse("https://idp.example.com").unwrap();
/// let mut discovery = Discovery::new(&issuer, "https://idp.example.com");
/// assert!(discovery.request().url.ends_with("/.well-known/openid-configuration"));
/// let missing = HttpResponse::new(404, vec![], vec![]);
/// assert!(matches!(discovery.on_response(&missing, std::time::SystemTime::UNIX_EPOCH), DiscoveryStep::Next));
/// assert!(discovery.request().url.ends_with("/.well-known/oauth-authorization-server"));
/// ```
#[derive(Clone, Debug)]
pub struct Discovery {
    expected_issuer: String,
    urls: [Url; 2],
    step: usize,
    first_failure: Option<Error>,
}

/// What to do after a discovery answer.
#[derive(Clone, Debug)]
pub enum DiscoveryStep {
    /// The metadata.
    Done(Box<ServerMetadata>),
    /// Send [`Discovery::request`] (the next document's).
    Next,
    /// Discovery failed with this error.
    Failed(Error),
}

impl Discovery {
    /// Discovery of `issuer` (`raw`: as configured, compared with the
    /// document's `issuer`).
    pub fn new(issuer: &Url, raw: &str) -> Discovery {
        Discovery {
            expected_issuer: raw.to_owned(),
            urls: discovery_urls(issuer),
            step: 0,
            first_failure: None,
        }
    }

    /// The request to send now.
    pub fn request(&self) -> HttpRequest {
        discovery_request(&self.urls[self.step.min(1)])
    }

    /// Reads the answer to [`request`](Self::request) at `now`.
    pub fn on_response(&mut self, response: &HttpResponse, now: SystemTime) -> DiscoveryStep {
        match (
            parse_discovery(response, &self.expected_issuer, now),
            self.step,
        ) {
            (Ok(metadata), _) => DiscoveryStep::Done(Box::new(metadata)),
            (Err(error), 0) if !error.is_transient() => {
                self.first_failure = Some(error);
                self.step = 1;
                DiscoveryStep::Next
            }
            // The RFC 8414 document is missing too: the OpenID one's failure says more.
            (Err(error), _) if response.status == 404 => {
                DiscoveryStep::Failed(self.first_failure.take().unwrap_or(error))
            }
            (Err(error), _) => DiscoveryStep::Failed(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    fn doc(body: &str) -> HttpResponse {
        HttpResponse::new(200, vec![], body.as_bytes().to_vec())
    }

    #[test]
    fn reads_the_endpoints_and_checks_the_issuer() {
        let meta = parse_discovery(
            &doc(r#"{"issuer":"https://idp.example.com/","token_endpoint":"https://idp.example.com/oauth/token",
                    "jwks_uri":"https://idp.example.com/jwks","grant_types_supported":["client_credentials"]}"#),
            "https://idp.example.com",
            SystemTime::UNIX_EPOCH,
        )
        .unwrap();
        assert_eq!(
            meta.token_endpoint.as_str(),
            "https://idp.example.com/oauth/token"
        );
        assert_eq!(
            meta.grant_types,
            Some(vec!["client_credentials".to_owned()])
        );
        let err = parse_discovery(
            &doc(r#"{"issuer":"https://evil.example.com","token_endpoint":"https://evil.example.com/t"}"#),
            "https://idp.example.com",
            SystemTime::UNIX_EPOCH,
        )
        .unwrap_err();
        assert_eq!(err.code(), ErrorCode::MalformedResponse);
        assert!(err.to_string().contains("evil.example.com"));
        let err = parse_discovery(
            &doc(r#"{"issuer":"https://idp.example.com"}"#),
            "https://idp.example.com",
            SystemTime::UNIX_EPOCH,
        )
        .unwrap_err();
        assert!(err.to_string().contains("no token_endpoint"));
    }

    #[test]
    fn an_overloaded_or_failing_server_is_a_transient_error_with_its_pause() {
        let busy = HttpResponse::new(
            503,
            vec![("retry-after".to_owned(), "7".to_owned())],
            b"<html>maintenance</html>".to_vec(),
        );
        let err =
            parse_discovery(&busy, "https://idp.example.com", SystemTime::UNIX_EPOCH).unwrap_err();
        assert_eq!(err.code(), ErrorCode::ServerError);
        assert_eq!(err.retry_after(), Some(std::time::Duration::from_secs(7)));
        let limited = HttpResponse::new(429, vec![], Vec::new());
        let err = parse_discovery(&limited, "https://idp.example.com", SystemTime::UNIX_EPOCH)
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::RateLimited);
        let missing = HttpResponse::new(404, vec![], Vec::new());
        let err = parse_discovery(&missing, "https://idp.example.com", SystemTime::UNIX_EPOCH)
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::HttpStatus);
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        let body = "\u{feff}{\"issuer\":\"https://idp.example.com\",\"token_endpoint\":\"https://idp.example.com/t\"}";
        let meta = parse_discovery(
            &doc(body),
            "https://idp.example.com",
            SystemTime::UNIX_EPOCH,
        )
        .unwrap();
        assert_eq!(meta.token_endpoint.as_str(), "https://idp.example.com/t");
    }

    #[test]
    fn discovery_falls_back_to_rfc_8414_but_not_on_an_outage() {
        let issuer = Url::parse("https://idp.example.com").unwrap();
        let now = SystemTime::UNIX_EPOCH;
        let mut d = Discovery::new(&issuer, "https://idp.example.com");
        let busy = HttpResponse::new(503, vec![], Vec::new());
        assert!(
            matches!(d.on_response(&busy, now), DiscoveryStep::Failed(e) if e.code() == ErrorCode::ServerError)
        );
        let mut d = Discovery::new(&issuer, "https://idp.example.com");
        let html = HttpResponse::new(200, vec![], b"<html>".to_vec());
        assert!(matches!(d.on_response(&html, now), DiscoveryStep::Next));
        let missing = HttpResponse::new(404, vec![], Vec::new());
        let DiscoveryStep::Failed(e) = d.on_response(&missing, now) else {
            panic!()
        };
        assert_eq!(
            e.code(),
            ErrorCode::MalformedResponse,
            "the first failure is the one reported"
        );
        let mut d = Discovery::new(&issuer, "https://idp.example.com");
        d.on_response(&missing, now);
        let doc =
            r#"{"issuer":"https://idp.example.com","token_endpoint":"https://idp.example.com/t"}"#;
        let ok = HttpResponse::new(200, vec![], doc.as_bytes().to_vec());
        assert!(matches!(d.on_response(&ok, now), DiscoveryStep::Done(_)));
    }

    #[test]
    fn root_issuer_urls() {
        let issuer = Url::parse("https://idp.example.com").unwrap();
        let [oidc, rfc] = discovery_urls(&issuer);
        assert_eq!(
            oidc.as_str(),
            "https://idp.example.com/.well-known/openid-configuration"
        );
        assert_eq!(
            rfc.as_str(),
            "https://idp.example.com/.well-known/oauth-authorization-server"
        );
    }
}
