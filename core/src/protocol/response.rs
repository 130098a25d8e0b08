//! Parsing the token endpoint's answer (RFC 6749 §5.1 and §5.2): tolerant
//! where IdPs differ, strict where safety needs it.

use std::fmt;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use super::lenient;
use super::message::{HttpRequest, HttpResponse};
use super::retry_after::parse_retry_after;
use super::text::{clean_description, clean_error_code, cut, number};
use crate::config::Config;
use crate::{Error, Secret};

/// Lifetimes beyond this are treated as a broken answer, not as "forever".
const MAX_LIFETIME: Duration = Duration::from_secs(10 * 366 * 86_400);
/// Fields of a success answer that are read into typed fields, not `extra`.
const KNOWN_FIELDS: [&str; 5] = [
    "access_token",
    "token_type",
    "expires_in",
    "scope",
    "refresh_in",
];

/// Where a token's lifetime came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LifetimeSource {
    /// The answer's `expires_in`.
    ExpiresIn,
    /// No `expires_in`; the token is a JWT and its `exp - iat` was used.
    JwtClaims,
    /// Neither; the configured default lifetime was used.
    Default,
}

/// A successful token answer.
#[derive(Clone)]
pub struct TokenResponse {
    /// The access token.
    pub access_token: Secret,
    /// The token type; any spelling of `bearer` (or none) becomes `Bearer`.
    pub token_type: String,
    /// How long the token lives, counted from when the request was sent.
    pub lifetime: Duration,
    /// Where [`lifetime`](Self::lifetime) came from.
    pub lifetime_source: LifetimeSource,
    /// The scopes granted, when the IdP said (RFC 6749 §5.1: absent means as requested).
    pub scopes: Option<Vec<String>>,
    /// An IdP's hint to refresh earlier (Entra's `refresh_in`).
    pub refresh_in: Option<Duration>,
    /// Every other field of the answer, kept as sent.
    pub extra: Map<String, Value>,
}

impl fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let extra: Vec<&String> = self.extra.keys().collect();
        f.debug_struct("TokenResponse")
            .field("access_token", &self.access_token)
            .field("token_type", &self.token_type)
            .field("lifetime", &self.lifetime)
            .field("lifetime_source", &self.lifetime_source)
            .field("scopes", &self.scopes)
            .field("refresh_in", &self.refresh_in)
            .field("extra_fields", &extra)
            .finish()
    }
}

/// Turns the token endpoint's answer into a token or a typed error.
///
/// `request` is the request that was sent: every secret it carried is
/// scrubbed from what the IdP says. `now` is the wall-clock time, for
/// `Retry-After` dates and the age of a JWT without `expires_in`; `config`
/// supplies the default lifetime.
///
/// ```
/// use m2mauth::{Config, ErrorCode, protocol::{HttpResponse, parse_token_response}};
/// use std::time::{Duration, SystemTime};
/// let config = Config::builder().token_url("https://idp/t").client_id("a").client_secret("b").build()?;
/// let ok = HttpResponse::new(200, vec![], br#"{"access_token":"x","expires_in":"3600"}"#.to_vec());
/// let attempt = m2mauth::protocol::Attempt::new(0, [0; 32]);
/// let request = m2mauth::protocol::build_token_request(&config, &url::Url::parse("https://idp/t").unwrap(), &attempt)?;
/// let token = parse_token_response(&request, &ok, &config, SystemTime::UNIX_EPOCH)?;
/// assert_eq!((token.token_type.as_str(), token.lifetime), ("Bearer", Duration::from_secs(3600)));
/// let refused = HttpResponse::new(401, vec![], br#"{"error":"invalid_client"}"#.to_vec());
/// let err = parse_token_response(&request, &refused, &config, SystemTime::UNIX_EPOCH).unwrap_err();
/// assert_eq!(err.code(), ErrorCode::InvalidClient);
/// # Ok::<(), m2mauth::Error>(())
/// ```
pub fn parse_token_response(
    request: &HttpRequest,
    response: &HttpResponse,
    config: &Config,
    now: SystemTime,
) -> Result<TokenResponse, Error> {
    let status = response.status;
    let secrets = request.sensitive();
    if !(200..=299).contains(&status) {
        return Err(error_answer(response, &secrets, now));
    }
    let mut object = json_object(response)?;
    if !object.contains_key("access_token") && object.contains_key("error") {
        // Some IdPs report errors with a 200; believe the body.
        return Err(oauth_error(status, &object, &secrets).unwrap_or_else(|| {
            Error::malformed(
                status,
                "the answer has neither access_token nor a usable error",
            )
        }));
    }
    let access_token = access_token(status, &mut object)?;
    let token_type = token_type(status, &object)?;
    let (lifetime, lifetime_source) = match expires_in(status, object.get("expires_in"))? {
        Some(lifetime) => (lifetime, LifetimeSource::ExpiresIn),
        None => match jwt_lifetime(access_token.expose(), now) {
            Some(Ok(lifetime)) => (lifetime, LifetimeSource::JwtClaims),
            Some(Err(problem)) => return Err(Error::malformed(status, problem)),
            None => (config.default_lifetime(), LifetimeSource::Default),
        },
    };
    let scopes = scopes(object.get("scope"));
    // refresh_in is only a hint: an unusable one is ignored, not fatal.
    let refresh_in = expires_in(status, object.get("refresh_in")).ok().flatten();
    let extra = object
        .into_iter()
        .filter(|(k, _)| !KNOWN_FIELDS.contains(&k.as_str()))
        .collect();
    Ok(TokenResponse {
        access_token,
        token_type,
        lifetime,
        lifetime_source,
        scopes,
        refresh_in,
        extra,
    })
}

/// The typed error for a 3xx/4xx/5xx answer (a redirect is never followed).
pub(crate) fn error_answer(response: &HttpResponse, secrets: &[&str], now: SystemTime) -> Error {
    let status = response.status;
    if (300..=399).contains(&status) {
        let location = response
            .header("location")
            .and_then(|l| clean_description(l, secrets))
            .map(|l| cut(&l, 200));
        return Error::redirect(status, location);
    }
    let object = json_object(response).ok();
    let oauth = object
        .as_ref()
        .and_then(|o| oauth_error(status, o, secrets));
    if let Some(outage) = outage_error(response, object.as_ref(), secrets, now) {
        return outage;
    }
    match oauth {
        Some(err) => err,
        None if status == 401 => Error::oauth(
            status,
            "invalid_client".to_owned(),
            Some("HTTP 401 without an OAuth error body".to_owned()),
        ),
        None => Error::http_status(
            status,
            format!(
                "HTTP {status}{}, which is not an OAuth answer",
                reason(status)
            ),
        ),
    }
}

/// The error for an answer that says the IdP is overloaded or down (429,
/// 5xx), with its `Retry-After` and whatever the body says; `None` for any
/// other status. Such failures are transient: worth a retry after a pause.
pub(crate) fn outage_error(
    response: &HttpResponse,
    object: Option<&Map<String, Value>>,
    secrets: &[&str],
    now: SystemTime,
) -> Option<Error> {
    let status = response.status;
    let error = match status {
        429 => Error::rate_limited,
        500..=599 => Error::server_error,
        _ => return None,
    };
    let retry_after = response
        .header("retry-after")
        .and_then(|v| parse_retry_after(v, now));
    let idp_error = object
        .and_then(|o| o.get("error"))
        .and_then(Value::as_str)
        .and_then(|e| clean_error_code(e, secrets));
    let description = object
        .and_then(|o| o.get("error_description"))
        .and_then(Value::as_str)
        .and_then(|d| clean_description(d, secrets));
    Some(error(status, retry_after).with_idp_words(idp_error, description))
}

/// An OAuth error from a JSON body that has a usable `error` string.
fn oauth_error(status: u16, object: &Map<String, Value>, secrets: &[&str]) -> Option<Error> {
    let error = object
        .get("error")?
        .as_str()
        .and_then(|e| clean_error_code(e, secrets))?;
    let description = object
        .get("error_description")
        .and_then(Value::as_str)
        .and_then(|d| clean_description(d, secrets));
    Some(Error::oauth(status, error, description))
}

fn json_object(response: &HttpResponse) -> Result<Map<String, Value>, Error> {
    let status = response.status;
    if response.body.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::malformed(status, "the body is empty"));
    }
    match lenient::json(&response.body) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(Error::malformed(
            status,
            "the body is JSON but not an object",
        )),
        Err(_) => {
            let content_type = response
                .header("content-type")
                .map_or("none", |c| c.split(';').next().unwrap_or(c).trim());
            // Legacy IdPs (early Facebook and GitHub style) answer in the
            // request's own encoding despite `Accept: application/json`.
            if content_type.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
                return Ok(lenient::form_object(&response.body));
            }
            let looks_like = if response.body.trim_ascii_start().starts_with(b"<") {
                ", it looks like HTML"
            } else {
                ""
            };
            Err(Error::malformed(
                status,
                format!(
                    "the body is not JSON (Content-Type {}, {} bytes{looks_like})",
                    cut(content_type, 60),
                    response.body.len()
                ),
            ))
        }
    }
}

/// The access token, moved out of the answer (so no copy of it is left
/// behind in the parsed tree); whatever is wrong with it is an error.
fn access_token(status: u16, object: &mut Map<String, Value>) -> Result<Secret, Error> {
    match object.remove("access_token") {
        None | Some(Value::Null) => Err(Error::malformed(status, "access_token is missing")),
        Some(Value::String(s)) => {
            let token = Secret::from(s);
            if token.is_empty() {
                return Err(Error::malformed(status, "access_token is empty"));
            }
            // The token goes into an Authorization header: visible ASCII only
            // (RFC 6750 §2.1), so a hostile answer cannot inject header lines.
            if !token.expose().bytes().all(|b| b.is_ascii_graphic()) {
                return Err(Error::malformed(
                    status,
                    "access_token contains characters that cannot go in an HTTP header",
                ));
            }
            Ok(token)
        }
        Some(_) => Err(Error::malformed(status, "access_token is not a string")),
    }
}

fn token_type(status: u16, object: &Map<String, Value>) -> Result<String, Error> {
    let given = match object.get("token_type") {
        Some(Value::String(t)) => Some(Value::String(t.trim().to_owned())),
        other => other.cloned(),
    };
    match given {
        None | Some(Value::Null) => Ok("Bearer".to_owned()),
        Some(Value::String(t)) if t.is_empty() || t.eq_ignore_ascii_case("bearer") => {
            Ok("Bearer".to_owned())
        }
        Some(Value::String(t)) if t.eq_ignore_ascii_case("dpop") => Ok("DPoP".to_owned()),
        Some(Value::String(t)) if t.bytes().all(|b| b.is_ascii_graphic()) && t.len() <= 64 => Ok(t),
        Some(_) => Err(Error::malformed(
            status,
            "token_type is not a token type name",
        )),
    }
}

/// `expires_in` (or `refresh_in`) as a number or a numeric string; `None` when absent.
fn expires_in(status: u16, value: Option<&Value>) -> Result<Option<Duration>, Error> {
    let seconds = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
        Some(_) => None,
    };
    let Some(seconds) = seconds else {
        return Err(Error::malformed(status, "expires_in is not a number"));
    };
    if seconds < 0.0 {
        return Err(Error::malformed(
            status,
            format!("expires_in is negative ({})", number(seconds)),
        ));
    }
    match Duration::try_from_secs_f64(seconds) {
        Ok(lifetime) if lifetime <= MAX_LIFETIME => Ok(Some(lifetime)),
        _ => Err(Error::malformed(
            status,
            format!("expires_in ({} s) is over ten years", number(seconds)),
        )),
    }
}

/// The lifetime a JWT access token's own claims give it from `now`, read
/// without verification and used only to cache it when the IdP sent no
/// `expires_in`: `exp − now`, and never more than `exp − iat` (an IdP whose
/// clock runs behind ours must not lengthen it). `None` when the token is not
/// a JWT with a numeric `exp`; an error when that `exp` has already passed.
fn jwt_lifetime(token: &str, now: SystemTime) -> Option<Result<Duration, String>> {
    let mut parts = token.split('.');
    let (_, payload, _, None) = (parts.next()?, parts.next()?, parts.next()?, parts.next()) else {
        return None;
    };
    let claims: Map<String, Value> =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    let exp = claims.get("exp")?.as_f64().filter(|e| e.is_finite())?;
    let now = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .ok()?
        .as_secs_f64();
    let mut left = exp - now;
    if left <= 0.0 {
        return Some(Err(format!(
            "the access token (a JWT, without expires_in) expired {} s ago by its exp",
            (-left).ceil().min(1e9)
        )));
    }
    if let Some(issued) = claims.get("iat").and_then(Value::as_f64) {
        let granted = exp - issued;
        if granted > 0.0 {
            left = left.min(granted);
        }
    }
    Duration::try_from_secs_f64(left)
        .ok()
        .filter(|l| !l.is_zero() && *l <= MAX_LIFETIME)
        .map(Ok)
}

/// The granted scopes. `scope` only informs (the token itself carries what
/// was granted), so a value that is not a string or a list of strings is
/// treated as absent rather than throwing away a good token.
fn scopes(value: Option<&Value>) -> Option<Vec<String>> {
    match value? {
        Value::String(s) => Some(s.split_whitespace().map(str::to_owned).collect()),
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>(),
        _ => None,
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        400 => " Bad Request",
        403 => " Forbidden",
        404 => " Not Found",
        405 => " Method Not Allowed",
        406 => " Not Acceptable",
        408 => " Request Timeout",
        410 => " Gone",
        413 => " Content Too Large",
        415 => " Unsupported Media Type",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    fn config() -> Config {
        Config::builder()
            .token_url("https://idp.example.com/t")
            .client_id("svc")
            .client_secret("sup3rsecret")
            .build()
            .unwrap()
    }

    fn request() -> HttpRequest {
        crate::protocol::build_token_request(
            &config(),
            &url::Url::parse("https://idp.example.com/t").unwrap(),
            &crate::protocol::Attempt::new(0, [0; 32]),
        )
        .unwrap()
    }

    fn parse(status: u16, headers: &[(&str, &str)], body: &str) -> Result<TokenResponse, Error> {
        let headers = headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let response = HttpResponse::new(status, headers, body.as_bytes().to_vec());
        parse_token_response(&request(), &response, &config(), SystemTime::UNIX_EPOCH)
    }

    fn malformed(body: &str) -> String {
        let err = parse(200, &[], body).unwrap_err();
        assert_eq!(err.code(), ErrorCode::MalformedResponse, "{err}");
        err.detail().unwrap().to_owned()
    }

    #[test]
    fn tolerant_where_idps_differ() {
        let t = parse(
            200,
            &[],
            r#"{"access_token":"a","token_type":"bearer","expires_in":"60","scope":"x y","ext":1}"#,
        )
        .unwrap();
        assert_eq!(
            (t.token_type.as_str(), t.lifetime),
            ("Bearer", Duration::from_secs(60))
        );
        assert_eq!(t.scopes, Some(vec!["x".to_owned(), "y".to_owned()]));
        assert_eq!(t.extra.get("ext"), Some(&Value::from(1)));
        let t = parse(200, &[], r#"{"access_token":"a"}"#).unwrap();
        assert_eq!(
            (t.lifetime, t.lifetime_source),
            (Duration::from_secs(300), LifetimeSource::Default)
        );
        let t = parse(
            200,
            &[],
            r#"{"access_token":"a","expires_in":3599.5,"scope":["p","q"]}"#,
        )
        .unwrap();
        assert_eq!(t.lifetime, Duration::from_millis(3_599_500));
        assert_eq!(t.scopes.unwrap().len(), 2);
    }

    #[test]
    fn informational_fields_never_cost_a_good_token() {
        let t = parse(
            200,
            &[],
            r#"{"access_token":"a","token_type":"Bearer ","expires_in":60,"scope":5}"#,
        )
        .unwrap();
        assert_eq!((t.token_type.as_str(), t.scopes), ("Bearer", None));
        let t = parse(200, &[], r#"{"access_token":"a","scope":["x",1]}"#).unwrap();
        assert_eq!(t.scopes, None);
        // DESIGN: a lifetime of zero is not an error; the cache never keeps it.
        let t = parse(200, &[], r#"{"access_token":"a","expires_in":0}"#).unwrap();
        assert_eq!(
            (t.lifetime, t.lifetime_source),
            (Duration::ZERO, LifetimeSource::ExpiresIn)
        );
    }

    #[test]
    fn a_byte_order_mark_or_latin_1_bytes_do_not_hide_the_answer() {
        let t = parse(
            200,
            &[],
            "\u{feff}{\"access_token\":\"a\",\"expires_in\":60}",
        )
        .unwrap();
        assert_eq!(t.access_token.expose(), "a");
        let mut latin1 = br#"{"access_token":"a","expires_in":60,"note":"caf"#.to_vec();
        latin1.extend_from_slice(b"\xe9\"}");
        let response = HttpResponse::new(200, vec![], latin1);
        let t =
            parse_token_response(&request(), &response, &config(), SystemTime::UNIX_EPOCH).unwrap();
        assert_eq!(t.extra.get("note"), Some(&Value::from("caf\u{fffd}")));
        let mut refusal = br#"{"error":"invalid_request","error_description":"d"#.to_vec();
        refusal.extend_from_slice(b"\xe9j\xe0 vu\"}");
        let response = HttpResponse::new(400, vec![], refusal);
        let err = parse_token_response(&request(), &response, &config(), SystemTime::UNIX_EPOCH)
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidRequest);
    }

    #[test]
    fn a_form_encoded_answer_is_read_like_json() {
        let form = [(
            "Content-Type",
            "application/x-www-form-urlencoded; charset=utf-8",
        )];
        let t = parse(
            200,
            &form,
            "access_token=gho_abc%2B1&token_type=bearer&expires_in=600&scope=repo+user",
        )
        .unwrap();
        assert_eq!(t.access_token.expose(), "gho_abc+1");
        assert_eq!(
            (t.token_type.as_str(), t.lifetime),
            ("Bearer", Duration::from_secs(600))
        );
        assert_eq!(t.scopes, Some(vec!["repo".to_owned(), "user".to_owned()]));
        let err = parse(
            400,
            &form,
            "error=invalid_client&error_description=bad+secret",
        )
        .unwrap_err();
        assert_eq!(
            (err.code(), err.description()),
            (ErrorCode::InvalidClient, Some("bad secret"))
        );
        // Only when the IdP says it is a form: other text is still not JSON.
        assert!(malformed("access_token=x").contains("not JSON"));
    }

    #[test]
    fn outage_codes_sent_with_a_400_are_outages() {
        let err = parse(400, &[], r#"{"error":"temporarily_unavailable"}"#).unwrap_err();
        assert_eq!(err.code(), ErrorCode::ServerError);
        assert!(err.is_transient());
        assert_eq!(err.oauth_error(), Some("temporarily_unavailable"));
    }

    #[test]
    fn jwt_without_iat_lives_until_exp_from_now() {
        let payload = URL_SAFE_NO_PAD.encode(r#"{"exp":960,"sub":"svc"}"#);
        let token = format!("eyJhbGciOiJub25lIn0.{payload}.sig");
        let response = HttpResponse::new(
            200,
            vec![],
            format!(r#"{{"access_token":"{token}"}}"#).into_bytes(),
        );
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(900);
        let t = parse_token_response(&request(), &response, &config(), now).unwrap();
        assert_eq!(
            (t.lifetime, t.lifetime_source),
            (Duration::from_secs(60), LifetimeSource::JwtClaims)
        );
    }

    #[test]
    fn jwt_claims_stand_in_for_a_missing_expires_in() {
        let payload = URL_SAFE_NO_PAD.encode(r#"{"iat":1000,"exp":1900,"sub":"svc"}"#);
        let token = format!("eyJhbGciOiJub25lIn0.{payload}.sig");
        let t = parse(200, &[], &format!(r#"{{"access_token":"{token}"}}"#)).unwrap();
        assert_eq!(
            (t.lifetime, t.lifetime_source),
            (Duration::from_secs(900), LifetimeSource::JwtClaims)
        );
    }

    #[test]
    fn an_ageing_jwt_lives_only_until_its_exp() {
        // Issued long ago, 100 s left: cached for 100 s, not for exp - iat.
        let payload = URL_SAFE_NO_PAD.encode(r#"{"iat":1000,"exp":1900}"#);
        let body = format!(r#"{{"access_token":"eyJhbGciOiJub25lIn0.{payload}.sig"}}"#);
        let response = HttpResponse::new(200, vec![], body.into_bytes());
        let at = |secs| SystemTime::UNIX_EPOCH + Duration::from_secs(secs);
        let t = parse_token_response(&request(), &response, &config(), at(1800)).unwrap();
        assert_eq!(t.lifetime, Duration::from_secs(100));
        // A clock behind the IdP's does not lengthen it past exp - iat.
        let t = parse_token_response(&request(), &response, &config(), at(500)).unwrap();
        assert_eq!(t.lifetime, Duration::from_secs(900));
        // Already expired on arrival: an error, never a cache entry.
        let err = parse_token_response(&request(), &response, &config(), at(2000)).unwrap_err();
        assert_eq!(err.code(), ErrorCode::MalformedResponse);
        assert!(err.to_string().contains("expired 100 s ago"), "{err}");
    }

    #[test]
    fn strict_where_safety_needs_it() {
        assert_eq!(
            malformed(r#"{"token_type":"Bearer"}"#),
            "access_token is missing"
        );
        assert_eq!(malformed(r#"{"access_token":""}"#), "access_token is empty");
        assert_eq!(
            malformed(r#"{"access_token":42}"#),
            "access_token is not a string"
        );
        assert!(malformed(r#"{"access_token":"a\r\nX-Evil: 1"}"#).contains("HTTP header"));
        assert_eq!(
            malformed(r#"{"access_token":"a","expires_in":-5}"#),
            "expires_in is negative (-5)"
        );
        assert!(malformed(r#"{"access_token":"a","expires_in":1e12}"#).contains("ten years"));
        assert_eq!(
            malformed(r#"{"access_token":"a","expires_in":1e308}"#),
            "expires_in (1e308 s) is over ten years"
        );
        assert_eq!(
            malformed(r#"{"access_token":"a","expires_in":-1e300}"#),
            "expires_in is negative (-1e300)"
        );
        assert_eq!(
            malformed(r#"{"access_token":"a","expires_in":"soon"}"#),
            "expires_in is not a number"
        );
        assert_eq!(malformed(r"[1,2]"), "the body is JSON but not an object");
        assert_eq!(malformed("  "), "the body is empty");
        let html = parse(
            200,
            &[("Content-Type", "text/html; charset=utf-8")],
            "<html>login</html>",
        )
        .unwrap_err();
        assert_eq!(
            html.detail(),
            Some("the body is not JSON (Content-Type text/html, 18 bytes, it looks like HTML)")
        );
    }

    #[test]
    fn oauth_errors_are_typed_and_cleaned() {
        let err = parse(
            400,
            &[],
            r#"{"error":"invalid_scope","error_description":"bad\nscope for sup3rsecret"}"#,
        )
        .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidScope);
        assert_eq!(err.description(), Some("bad scope for [redacted]"));
        assert_eq!(err.status(), Some(400));
        let err = parse(401, &[("WWW-Authenticate", "Basic")], "").unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidClient);
        let err = parse(200, &[], r#"{"error":"access_denied"}"#).unwrap_err();
        assert_eq!(err.code(), ErrorCode::AccessDenied);
        let err = parse(400, &[], r#"{"error":"slow_down"}"#).unwrap_err();
        assert_eq!(
            (err.code(), err.oauth_error()),
            (ErrorCode::OAuthError, Some("slow_down"))
        );
    }

    #[test]
    fn statuses_map_to_codes() {
        let err = parse(429, &[("Retry-After", "7")], "").unwrap_err();
        assert_eq!(
            (err.code(), err.retry_after()),
            (ErrorCode::RateLimited, Some(Duration::from_secs(7)))
        );
        let err = parse(503, &[], r#"{"error":"temporarily_unavailable"}"#).unwrap_err();
        assert_eq!(
            (err.code(), err.oauth_error()),
            (ErrorCode::ServerError, Some("temporarily_unavailable"))
        );
        let err = parse(502, &[], "<html>Bad gateway</html>").unwrap_err();
        assert_eq!(err.code(), ErrorCode::ServerError);
        let err = parse(404, &[], "<html>nope</html>").unwrap_err();
        assert_eq!(
            (err.code(), err.status()),
            (ErrorCode::HttpStatus, Some(404))
        );
        let err = parse(302, &[("Location", "https://evil.example/\r\nx")], "").unwrap_err();
        assert_eq!(err.code(), ErrorCode::Redirect);
        assert_eq!(err.detail(), Some("https://evil.example/ x"));
    }
}
