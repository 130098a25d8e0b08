//! HTTP requests and responses as plain values.

use std::fmt;

use zeroize::Zeroizing;

use crate::Secret;

/// The HTTP method of a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// `GET` (discovery).
    Get,
    /// `POST` (token requests).
    Post,
}

impl Method {
    /// `"GET"` or `"POST"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// A request to send, exactly as it must go on the wire (apart from the
/// headers an HTTP client adds itself: `Host`, `Content-Length`, `User-Agent`).
///
/// Header values and the body may hold the client secret: they are zeroized
/// on drop and `Debug` shows only header names and the body's length.
#[derive(Clone)]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// The absolute URL.
    pub url: String,
    /// Header names (lower case) and values, in order.
    pub headers: Vec<(&'static str, Secret)>,
    /// The body bytes (empty for `GET`).
    pub body: Zeroizing<Vec<u8>>,
    /// Every form of a secret this request carries (the secret raw,
    /// form-urlencoded and JSON-escaped, the Basic pair, a client
    /// assertion), so that an IdP that echoes them is scrubbed.
    pub sensitive: Vec<Secret>,
}

impl HttpRequest {
    /// A request without a body or secrets.
    pub fn get(url: impl Into<String>, headers: Vec<(&'static str, Secret)>) -> HttpRequest {
        HttpRequest {
            method: Method::Get,
            url: url.into(),
            headers,
            body: Zeroizing::new(Vec::new()),
            sensitive: Vec::new(),
        }
    }

    /// The forms of secrets to scrub from what the server answers.
    pub fn sensitive(&self) -> Vec<&str> {
        self.sensitive.iter().map(Secret::expose).collect()
    }

    /// The value of header `name` (lower case), if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.expose())
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| *n).collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &names)
            .field("body_len", &self.body.len())
            .field("sensitive_forms", &self.sensitive.len())
            .finish()
    }
}

/// An answer received, as a plain value. The body may hold a token: it is
/// zeroized on drop and `Debug` shows only its length.
#[derive(Clone)]
pub struct HttpResponse {
    /// The HTTP status code.
    pub status: u16,
    /// Header names and values (any case), in order.
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Zeroizing<Vec<u8>>,
}

impl HttpResponse {
    /// A response from its parts.
    pub fn new(status: u16, headers: Vec<(String, String)>, body: Vec<u8>) -> Self {
        HttpResponse::from_zeroizing(status, headers, Zeroizing::new(body))
    }

    /// A response whose body is already in a buffer that is wiped on drop.
    pub fn from_zeroizing(
        status: u16,
        headers: Vec<(String, String)>,
        body: Zeroizing<Vec<u8>>,
    ) -> Self {
        HttpResponse {
            status,
            headers,
            body,
        }
    }

    /// The first value of header `name`, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}
