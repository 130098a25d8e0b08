//! The runtime against endpoints that misbehave the way production IdPs
//! and the proxies in front of them do: outages during discovery, huge
//! error pages, garbled answers, tokens that live for zero seconds.
//! Outcomes and requests are counted; no duration is asserted.

// Tests unwrap freely: a panic is a failed test with its reason.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use m2mauth::{AuthMethod, BodyFormat, ErrorCode, TokenSource};
use m2mauth_testkit::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Fault, TestIssuer};

const BOUND: Duration = Duration::from_secs(30);

async fn bounded<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(BOUND, f)
        .await
        .expect("did not finish within the bound")
}

/// One scripted answer of the discovery server: these bytes, after this
/// pause, then the connection closes.
#[derive(Clone)]
struct Answer(Duration, String);

/// A discovery endpoint on 127.0.0.1 that answers with a script, one
/// answer per connection (the last one repeats), and records the paths.
struct DiscoveryServer {
    url: String,
    paths: Arc<Mutex<Vec<String>>>,
}

impl DiscoveryServer {
    /// Starts the server; `script` gets its URL, so that a document can name
    /// the server itself as its issuer.
    fn start(script: impl FnOnce(&str) -> Vec<Answer>) -> DiscoveryServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let script = script(&url);
        let paths = Arc::new(Mutex::new(Vec::new()));
        let seen = paths.clone();
        std::thread::spawn(move || {
            for (n, stream) in listener.incoming().enumerate() {
                let Ok(stream) = stream else { return };
                let answer = script[n.min(script.len() - 1)].clone();
                let seen = seen.clone();
                std::thread::spawn(move || serve(stream, &answer, &seen));
            }
        });
        DiscoveryServer { url, paths }
    }

    fn paths(&self) -> Vec<String> {
        self.paths.lock().unwrap().clone()
    }
}

fn serve(stream: TcpStream, answer: &Answer, seen: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    loop {
        let mut header = String::new();
        match reader.read_line(&mut header) {
            Ok(0) | Err(_) => return,
            Ok(_) if header == "\r\n" => break,
            Ok(_) => {}
        }
    }
    let path = request_line.split(' ').nth(1).unwrap_or("").to_owned();
    seen.lock().unwrap().push(path);
    let Answer(pause, bytes) = answer;
    std::thread::sleep(*pause);
    let _ = reader.get_mut().write_all(bytes.as_bytes());
}

fn http(status: &str, extra_headers: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n{extra_headers}\r\n{body}",
        body.len()
    )
}

fn document(issuer_url: &str, token_url: &str) -> String {
    http(
        "200 OK",
        "",
        &format!(r#"{{"issuer":"{issuer_url}","token_endpoint":"{token_url}"}}"#),
    )
}

fn direct_source(idp: &TestIssuer) -> TokenSource {
    TokenSource::builder()
        .token_url(idp.token_url())
        .client_id(DEFAULT_CLIENT_ID)
        .client_secret(DEFAULT_CLIENT_SECRET)
        .build()
        .unwrap()
}

fn discovering_source(server: &DiscoveryServer) -> m2mauth::TokenSourceBuilder {
    TokenSource::builder()
        .issuer(&server.url)
        .client_id(DEFAULT_CLIENT_ID)
        .client_secret(DEFAULT_CLIENT_SECRET)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_discovery_outage_is_retried_after_its_retry_after() {
    let idp = TestIssuer::start().unwrap();
    let discovery = DiscoveryServer::start(|url| {
        vec![
            Answer(
                Duration::ZERO,
                http("503 Service Unavailable", "Retry-After: 1\r\n", "{}"),
            ),
            Answer(Duration::ZERO, document(url, &idp.token_url())),
        ]
    });
    let source = discovering_source(&discovery).build().unwrap();
    let token = bounded(source.token()).await.unwrap();
    assert!(!token.secret().is_empty());
    assert_eq!(
        discovery.paths(),
        [
            "/.well-known/openid-configuration",
            "/.well-known/openid-configuration"
        ],
        "the outage was retried on the same document, not taken for a missing one"
    );
    assert_eq!(idp.requests_served(), 1);
    assert_eq!(source.stats().failures, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_openid_document_the_rfc_8414_one_is_used() {
    let idp = TestIssuer::start().unwrap();
    let discovery = DiscoveryServer::start(|url| {
        vec![
            // A catch-all web app: 200, but HTML, for the OpenID path.
            Answer(
                Duration::ZERO,
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 13\r\nConnection: close\r\n\r\n<html></html>"
                    .to_owned(),
            ),
            Answer(Duration::ZERO, document(url, &idp.token_url())),
        ]
    });
    let source = discovering_source(&discovery).build().unwrap();
    bounded(source.token()).await.unwrap();
    assert_eq!(
        discovery.paths(),
        [
            "/.well-known/openid-configuration",
            "/.well-known/oauth-authorization-server"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_deadline_covers_discovery_and_the_token_request() {
    // Discovery takes 1.5 s and the token endpoint 0.8 s: each fits in the
    // 2 s timeout alone, together they do not. The outcome, not a stopwatch,
    // shows that both share one deadline.
    let idp = TestIssuer::builder()
        .latency(Duration::from_millis(800))
        .start()
        .unwrap();
    let discovery = DiscoveryServer::start(|url| {
        vec![Answer(
            Duration::from_millis(1500),
            document(url, &idp.token_url()),
        )]
    });
    let source = discovering_source(&discovery)
        .timeout(Duration::from_secs(2))
        .retries(0)
        .build()
        .unwrap();
    let err = bounded(source.token()).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Timeout);
    assert_eq!(err.to_string(), "the token request timed out after 2 s");
    assert_eq!(idp.requests_served(), 1, "the token request was sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_error_page_keeps_its_status_and_retry_after() {
    let idp = TestIssuer::start().unwrap();
    idp.push_fault(Fault::Respond {
        status: 503,
        retry_after: Some("120".to_owned()),
        content_type: "text/html".to_owned(),
        body: format!("<html>{}</html>", "maintenance ".repeat(10_000)),
    });
    let source = direct_source(&idp);
    let err = bounded(source.token()).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::ServerError, "{err}");
    assert_eq!(err.status(), Some(503));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_garbled_answer_pauses_fetches_briefly_not_for_a_minute() {
    let idp = TestIssuer::start().unwrap();
    idp.push_fault(Fault::malformed("<html>proxy error</html>"));
    let source = direct_source(&idp);
    let err = bounded(source.token()).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::MalformedResponse);
    // The first pause is the base back-off (at most 1 s), not the minute
    // a refusal such as invalid_client waits.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    bounded(source.token()).await.unwrap();
    assert_eq!(idp.requests_served(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_zero_lifetime_token_is_handed_out_but_never_cached() {
    let idp = TestIssuer::start().unwrap();
    for _ in 0..2 {
        idp.push_fault(Fault::Respond {
            status: 200,
            retry_after: None,
            content_type: "application/json".to_owned(),
            body: r#"{"access_token":"short-lived","token_type":"Bearer","expires_in":0}"#
                .to_owned(),
        });
    }
    let source = direct_source(&idp);
    for _ in 0..2 {
        let token = bounded(source.token()).await.unwrap();
        assert_eq!(token.secret(), "short-lived");
    }
    assert_eq!(idp.requests_served(), 2, "each caller asked again");
    assert!(source.cached_token().is_none());
    let third = bounded(source.token()).await.unwrap();
    assert_ne!(third.secret(), "short-lived", "the issuer's own token");
    assert!(source.cached_token().is_some());
}

/// An IdP that echoes the request in its error description: the error
/// shows none of the forms in which the secret travelled (raw,
/// form-urlencoded, JSON-escaped, or inside the base64 Basic pair).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idp_echoing_the_request_never_puts_the_secret_in_the_error() {
    use base64::Engine as _;
    let secret = "s3cr&t +/=\"value\"";
    let idp = TestIssuer::builder().client("svc", secret).start().unwrap();
    let forms = [
        secret.to_owned(),
        form_urlencoded::byte_serialize(secret.as_bytes()).collect::<String>(),
        base64::engine::general_purpose::STANDARD.encode(format!(
            "svc:{}",
            form_urlencoded::byte_serialize(secret.as_bytes()).collect::<String>()
        )),
        "s3cr&t +/=\\\"value\\\"".to_owned(),
    ];
    for (method, format) in [
        (AuthMethod::ClientSecretBasic, BodyFormat::Form),
        (AuthMethod::ClientSecretPost, BodyFormat::Form),
        (AuthMethod::ClientSecretPost, BodyFormat::Json),
    ] {
        idp.push_fault(Fault::Echo);
        let source = TokenSource::builder()
            .token_url(idp.token_url())
            .client_id("svc")
            .client_secret(secret)
            .auth_method(method)
            .body_format(format)
            .build()
            .unwrap();
        let err = bounded(source.token()).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidClient);
        let shown = format!("{err} {err:?} {:?}", err.description());
        assert!(
            shown.contains("[redacted]"),
            "the echo was scrubbed, not dropped: {shown}"
        );
        for form in &forms {
            assert!(
                !shown.contains(form.as_str()),
                "{method:?}/{format:?} shows {form:?}: {shown}"
            );
        }
    }
}
