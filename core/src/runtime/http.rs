//! Sending an [`HttpRequest`] with reqwest over rustls: timeouts, no
//! redirects, a size cap, and errors that say what failed without secrets.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue};
use rustls_platform_verifier::BuilderVerifierExt;
use zeroize::Zeroizing;

use crate::Error;
use crate::config::Tls;
use crate::protocol::{HttpRequest, HttpResponse, Method};

/// The largest answer read from an IdP. Token answers are a few KiB.
pub(crate) const MAX_RESPONSE_BYTES: usize = 64 * 1024;
const CONNECT_TIMEOUT_CAP: Duration = Duration::from_secs(10);

/// rustls with the platform's trust anchors (plus `ca_file`'s) and, for
/// mTLS, the client certificate.
fn tls_config(settings: &Tls) -> Result<rustls::ClientConfig, Error> {
    let failed = |e: rustls::Error| Error::internal(format!("cannot set up TLS: {e}"));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(failed)?;
    let builder = if settings.extra_roots.is_empty() {
        builder.with_platform_verifier().map_err(failed)?
    } else {
        let verifier = rustls_platform_verifier::Verifier::new_with_extra_roots(
            settings.extra_roots.iter().cloned(),
            provider,
        )
        .map_err(|e| Error::config("ca_file", format!("cannot be used as trust anchors: {e}")))?;
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
    };
    match &settings.identity {
        None => Ok(builder.with_no_client_auth()),
        Some(identity) => builder
            .with_client_auth_cert(identity.chain.clone(), identity.key.clone_key())
            .map_err(|e| {
                Error::config(
                    "client_key_file",
                    format!("does not go with client_cert_file: {e}"),
                )
            }),
    }
}

/// A pooled HTTP client (HTTP/2 when the server offers it).
pub(crate) struct HttpClient {
    client: reqwest::Client,
}

impl HttpClient {
    pub(crate) fn new(timeout: Duration, settings: &Tls) -> Result<HttpClient, Error> {
        let mut tls = tls_config(settings)?;
        tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let mut builder = reqwest::Client::builder()
            // Not reqwest's system proxy (it would send loopback and plain
            // http requests, credentials included, to HTTP_PROXY): see proxy().
            .no_proxy();
        if let Some(proxy) = proxy()? {
            builder = builder.proxy(proxy);
        }
        let client = builder
            .tls_backend_preconfigured(tls)
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(timeout.min(CONNECT_TIMEOUT_CAP))
            .pool_idle_timeout(Duration::from_secs(60))
            .user_agent(concat!("m2mauth/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                Error::internal(format!("cannot build the HTTP client: {}", root_cause(&e)))
            })?;
        Ok(HttpClient { client })
    }

    /// Sends `request` and reads the answer within `timeout`.
    pub(crate) async fn send(
        &self,
        request: &HttpRequest,
        timeout: Duration,
    ) -> Result<HttpResponse, Error> {
        let method = match request.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
        };
        let mut builder = self.client.request(method, &request.url).timeout(timeout);
        for (name, value) in &request.headers {
            let mut value = HeaderValue::from_str(value.expose()).map_err(|_| {
                Error::internal(format!("header {name} has a value HTTP cannot carry"))
            })?;
            value.set_sensitive(*name == "authorization");
            builder = builder.header(HeaderName::from_static(name), value);
        }
        if request.method == Method::Post {
            // The body may hold the secret: reqwest gets a copy that is
            // wiped when it is done with it (hyper may still copy a small
            // body into its own write buffer, which no one can wipe).
            let body = Zeroizing::new(request.body.to_vec());
            builder = builder.body(bytes::Bytes::from_owner(WipedOnDrop(body)));
        }
        let host = host_of(&request.url);
        let mut response = builder
            .send()
            .await
            .map_err(|e| transport_error(&e, &host, timeout))?;
        let status = response.status().as_u16();
        // An error answer is judged by its status and headers (a 503 with a
        // large maintenance page is still a 503 with its Retry-After), so
        // only its first bytes are kept; a success answer must fit whole.
        let success = response.status().is_success();
        let oversized = response
            .content_length()
            .is_some_and(|len| len > MAX_RESPONSE_BYTES as u64);
        if success && oversized {
            return Err(too_large(status));
        }
        let headers = response
            .headers()
            .iter()
            .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect();
        // Allocated once at its largest, so that growing it leaves no copy
        // of a token behind; wiped when dropped.
        let mut body = Zeroizing::new(Vec::with_capacity(MAX_RESPONSE_BYTES));
        while !oversized
            && let Some(chunk) = response
                .chunk()
                .await
                .map_err(|e| transport_error(&e, &host, timeout))?
        {
            let room = MAX_RESPONSE_BYTES - body.len();
            if chunk.len() > room {
                if success {
                    return Err(too_large(status));
                }
                body.extend_from_slice(&chunk[..room]);
                break;
            }
            body.extend_from_slice(&chunk);
        }
        Ok(HttpResponse::from_zeroizing(status, headers, body))
    }
}

/// A request body handed to reqwest, wiped when reqwest drops it.
struct WipedOnDrop(Zeroizing<Vec<u8>>);

impl AsRef<[u8]> for WipedOnDrop {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// Loopback destinations are never proxied, whatever `NO_PROXY` says.
const NEVER_PROXIED: &str = "localhost,127.0.0.0/8,::1";

/// The proxy for `https` requests: `HTTPS_PROXY` (or `ALL_PROXY`), in either
/// case, except for loopback hosts and those `NO_PROXY` lists. It tunnels
/// with `CONNECT`, so TLS stays end to end and the proxy sees only the
/// host name. Plain `http` requests (loopback, or with `allow_insecure_http`)
/// never go through a proxy, which would see their credentials in clear.
fn proxy() -> Result<Option<reqwest::Proxy>, Error> {
    let variable = ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]
        .into_iter()
        .find_map(|name| {
            crate::loader::env_var(name)
                .filter(|v| !v.trim().is_empty())
                .map(|v| (name, v))
        });
    let Some((name, url)) = variable else {
        return Ok(None);
    };
    let proxy = reqwest::Proxy::https(url.trim()).map_err(|_| {
        Error::config(
            name,
            "is not a proxy URL (such as http://proxy.example:3128)",
        )
    })?;
    let no_proxy = ["NO_PROXY", "no_proxy"]
        .into_iter()
        .find_map(crate::loader::env_var)
        .map_or_else(
            || NEVER_PROXIED.to_owned(),
            |listed| format!("{NEVER_PROXIED},{listed}"),
        );
    Ok(Some(
        proxy.no_proxy(reqwest::NoProxy::from_string(&no_proxy)),
    ))
}

fn too_large(status: u16) -> Error {
    Error::malformed(
        status,
        format!(
            "the answer is larger than {} KiB",
            MAX_RESPONSE_BYTES / 1024
        ),
    )
}

fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| Some(format!("{}:{}", u.host_str()?, u.port_or_known_default()?)))
        .unwrap_or_else(|| "the IdP".to_owned())
}

fn transport_error(error: &reqwest::Error, host: &str, timeout: Duration) -> Error {
    if error.is_timeout() {
        return Error::timeout(timeout);
    }
    let cause = root_cause(error);
    if error.is_connect() {
        Error::transport(format!("cannot connect to {host}: {cause}"))
    } else {
        Error::transport(format!("exchange with {host} failed: {cause}"))
    }
}

/// The innermost error's message (reqwest's own messages are generic; the
/// cause says "connection refused", "invalid peer certificate", …). Error
/// sources never contain request bodies or headers.
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut current = error;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_named_without_paths() {
        assert_eq!(
            host_of("https://idp.example.com/oauth/token?x=1"),
            "idp.example.com:443"
        );
        assert_eq!(host_of("http://127.0.0.1:8080/t"), "127.0.0.1:8080");
    }
}
