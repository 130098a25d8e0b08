//! What a route answers: a response, or a deliberate hang or hang-up.

use serde_json::Value;

/// A plain HTTP answer.
#[derive(Clone, Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: String,
}

impl Reply {
    pub(crate) fn json(status: u16, value: &Value) -> Reply {
        Reply {
            status,
            headers: vec![
                ("content-type".to_owned(), "application/json".to_owned()),
                ("cache-control".to_owned(), "no-store".to_owned()),
            ],
            body: value.to_string(),
        }
    }

    pub(crate) fn text(status: u16, body: impl Into<String>) -> Reply {
        Reply {
            status,
            headers: vec![(
                "content-type".to_owned(),
                "text/plain; charset=utf-8".to_owned(),
            )],
            body: body.into(),
        }
    }

    /// An RFC 6749 §5.2 error answer.
    pub(crate) fn oauth_error(status: u16, error: &str, description: &str) -> Reply {
        Reply::json(
            status,
            &serde_json::json!({"error": error, "error_description": description}),
        )
    }

    pub(crate) fn with_header(mut self, name: &str, value: impl Into<String>) -> Reply {
        self.headers.push((name.to_owned(), value.into()));
        self
    }
}

/// How the issuer answers one request.
#[derive(Clone, Debug)]
pub(crate) enum Answer {
    Reply(Reply),
    /// Keep the connection open and never answer.
    Hang,
    /// Close the connection without an answer.
    Close,
}
