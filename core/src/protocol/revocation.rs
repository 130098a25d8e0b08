//! Token revocation (RFC 7009): the request, and reading the answer.

use std::time::SystemTime;

use url::Url;

use super::Attempt;
use super::message::{HttpRequest, HttpResponse};
use super::request::post_form;
use super::response::error_answer;
use crate::Error;
use crate::client::ClientAuth;

/// The revocation request for `token` (an access token), authenticated as
/// `client` (of `issuer`, for the `aud` of a client assertion) at `attempt`.
pub fn revocation_request(
    (client, issuer): (&ClientAuth, Option<&str>),
    url: &Url,
    token: &str,
    attempt: &Attempt,
) -> Result<HttpRequest, Error> {
    post_form(
        url,
        (client, issuer),
        attempt,
        &[("token", token), ("token_type_hint", "access_token")],
        token,
    )
}

/// Reads the revocation endpoint's answer: any 200 means revoked (RFC 7009
/// §2.2: also for a token that was unknown or already revoked); anything
/// else is the error it stands for (`unsupported_token_type`, a 503 with
/// its `Retry-After`, …).
pub fn parse_revocation(
    request: &HttpRequest,
    response: &HttpResponse,
    now: SystemTime,
) -> Result<(), Error> {
    if (200..=299).contains(&response.status) {
        return Ok(());
    }
    Err(error_answer(response, &request.sensitive(), now).at("revocation"))
}
