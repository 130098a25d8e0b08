//! Sans-IO OAuth 2.0: build token and discovery requests, parse the answers.
//!
//! Nothing here opens a socket or reads a clock: requests are values
//! ([`HttpRequest`]), answers are values ([`HttpResponse`]), and the current
//! wall-clock time is an argument where one is needed (`Retry-After` dates).

mod attempt;
mod discovery;
mod lenient;
mod message;
mod request;
mod response;
mod retry_after;
mod revocation;
pub(crate) mod text;

pub(crate) use lenient::json as lenient_json;
pub(crate) use request::post_form;
pub(crate) use response::error_answer;

pub use attempt::Attempt;
pub use discovery::{
    Discovery, DiscoveryStep, MtlsAliases, ServerMetadata, discovery_request, discovery_urls,
    parse_discovery,
};
pub use message::{HttpRequest, HttpResponse, Method};
pub use request::build_token_request;
pub use response::{LifetimeSource, TokenResponse, parse_token_response};
pub use retry_after::parse_retry_after;
pub use revocation::{parse_revocation, revocation_request};
