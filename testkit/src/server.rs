//! The HTTP/1.1 server loop (hyper) and the request/response conversions.

use std::convert::Infallible;
use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::answer::{Answer, Reply};
use crate::routes;
use crate::state::{Inner, RecordedRequest};

const MAX_REQUEST_BYTES: usize = 1 << 20;

/// Returned by a service to make hyper drop the connection unanswered.
#[derive(Debug)]
struct HangUp;

impl fmt::Display for HangUp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection closed on purpose")
    }
}

impl std::error::Error for HangUp {}

/// Accepts connections until the task is dropped with its runtime; over
/// TLS when the issuer has it.
pub(crate) async fn serve(listener: TcpListener, inner: Arc<Inner>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            // Out of file descriptors or similar: breathe, then go on.
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            continue;
        };
        let inner = inner.clone();
        tokio::spawn(async move {
            let Some(acceptor) = inner.tls.as_ref().map(|t| t.acceptor.clone()) else {
                connection(stream, inner, None).await;
                return;
            };
            // A failed handshake (a client that does not trust the CA) ends the connection.
            let Ok(tls) = acceptor.accept(stream).await else {
                return;
            };
            let certificate = tls
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|chain| chain.first())
                .map(|der| Arc::new(der.to_vec()));
            connection(tls, inner, certificate).await;
        });
    }
}

/// Serves HTTP/1.1 on one connection.
async fn connection(
    stream: impl tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    inner: Arc<Inner>,
    certificate: Option<Arc<Vec<u8>>>,
) {
    let service = service_fn(move |request| respond(inner.clone(), certificate.clone(), request));
    // A connection that ends badly (a client hanging up mid-request) is not our concern.
    let _ = http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

async fn respond(
    inner: Arc<Inner>,
    certificate: Option<Arc<Vec<u8>>>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, HangUp> {
    let (parts, body) = request.into_parts();
    let body = match Limited::new(body, MAX_REQUEST_BYTES).collect().await {
        Ok(collected) => collected.to_bytes().to_vec(),
        Err(_) => return Ok(build(Reply::text(413, "request too large"))),
    };
    let recorded = RecordedRequest {
        method: parts.method.as_str().to_owned(),
        path: parts
            .uri
            .path_and_query()
            .map_or_else(|| "/".to_owned(), ToString::to_string),
        headers: parts
            .headers
            .iter()
            .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect(),
        body,
        client_certificate: certificate.map(|c| c.as_ref().clone()),
    };
    match routes::route(&inner, recorded).await {
        Answer::Reply(reply) => Ok(build(reply)),
        Answer::Hang => {
            std::future::pending::<Infallible>().await;
            Err(HangUp)
        }
        Answer::Close => Err(HangUp),
    }
}

fn build(reply: Reply) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(reply.body)));
    *response.status_mut() = hyper::StatusCode::from_u16(reply.status)
        .unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in reply.headers {
        if let (Ok(name), Ok(value)) = (
            hyper::header::HeaderName::from_bytes(name.as_bytes()),
            hyper::header::HeaderValue::from_str(&value),
        ) {
            response.headers_mut().append(name, value);
        }
    }
    response
}
