//! The rules a JWT access token must pass (RFC 7519, RFC 9068, RFC 8725),
//! in order: the algorithm is allowed, a key of the JWKS fits it, the
//! signature verifies, and only then the claims are read: `typ`, `iss`,
//! `aud`, `exp`, `nbf`, `iat` (type-strict: a date is a JSON number), the
//! required scopes and claims. Every refusal is an [`Error`] with a code of
//! the `invalid_token` family that says which rule failed; none shows the
//! token, and what a claim says is cut and cleaned before it is shown.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

use super::claims::Claims;
use super::config::VerifierConfig;
use super::jwks::KeySet;
use super::jws::{self, Jws};
use super::signature::{Algorithm, verifies};
use crate::protocol::text::{clean_description, cut};
use crate::{Error, ErrorCode};

fn refuse(code: ErrorCode, problem: impl Into<String>) -> Error {
    Error::invalid_token(code, problem)
}

/// Untrusted text (a claim's value) as it may appear in a message.
fn shown(value: &Value) -> String {
    let text = match value {
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    };
    clean_description(&cut(&text, 80), &[]).unwrap_or_default()
}

/// A parsed token whose algorithm is allowed: the first step, before any key
/// is needed (so a forged `alg` costs no JWKS work).
pub(crate) struct Candidate<'a> {
    jws: Jws<'a>,
    alg: Algorithm,
}

impl Candidate<'_> {
    /// The `kid` the token names, if any.
    pub(crate) fn kid(&self) -> Option<&str> {
        self.jws.kid.as_deref()
    }
}

/// Parses `token` and checks its `alg` against the allowed ones.
pub(crate) fn candidate<'a>(
    config: &VerifierConfig,
    token: &'a str,
) -> Result<Candidate<'a>, Error> {
    let jws = jws::parse(token)?;
    let name = jws.alg.as_str();
    let Some(alg) = Algorithm::from_name(name) else {
        let why = if name.eq_ignore_ascii_case("none") {
            "alg none: an unsigned token is never accepted".to_owned()
        } else if name.to_ascii_uppercase().starts_with("HS") {
            format!(
                "{} is an HMAC, never accepted with keys from a JWKS",
                shown(&Value::from(name))
            )
        } else {
            format!(
                "alg {} is not a JWS signature algorithm this verifier knows",
                shown(&Value::from(name))
            )
        };
        return Err(refuse(ErrorCode::TokenAlgorithm, why));
    };
    if !config.algorithms.contains(&alg) {
        let allowed: Vec<&str> = config.algorithms.iter().map(|a| a.as_str()).collect();
        return Err(refuse(
            ErrorCode::TokenAlgorithm,
            format!(
                "signed with {}, which is not allowed (allowed: {})",
                alg.as_str(),
                allowed.join(", ")
            ),
        ));
    }
    Ok(Candidate { jws, alg })
}

/// Whether the token's key is missing from `keys` (so a refetch of the JWKS
/// might find it), as opposed to present but unfit.
pub(crate) fn key_missing(candidate: &Candidate<'_>, keys: &KeySet) -> bool {
    !keys
        .candidates(candidate.kid())
        .any(|k| k.fits(candidate.alg))
        && candidate.kid().is_none_or(|kid| !keys.has_kid(kid))
}

/// Checks the signature with `keys`, then every claim rule at `now`.
pub(crate) fn verify(
    config: &VerifierConfig,
    candidate: Candidate<'_>,
    keys: &KeySet,
    now: SystemTime,
) -> Result<Claims, Error> {
    let Candidate { jws, alg } = candidate;
    let kid = jws.kid.as_deref();
    let mut fitting = keys.candidates(kid).filter(|k| k.fits(alg)).peekable();
    if fitting.peek().is_none() {
        return Err(match kid {
            Some(kid) if keys.has_kid(kid) => {
                let key = keys.candidates(Some(kid)).next().map_or("?", |k| k.kty());
                refuse(
                    ErrorCode::TokenAlgorithm,
                    format!(
                        "the key {} is an {key} key for another algorithm; the token says {}",
                        shown(&Value::from(kid)),
                        alg.as_str()
                    ),
                )
            }
            Some(kid) => refuse(
                ErrorCode::TokenUnknownKey,
                format!(
                    "kid {} is not in the issuer's JWKS",
                    shown(&Value::from(kid))
                ),
            ),
            None => refuse(
                ErrorCode::TokenUnknownKey,
                format!(
                    "the token has no kid and no key of the JWKS fits {}",
                    alg.as_str()
                ),
            ),
        });
    }
    let message = jws.signing_input.as_bytes();
    if !fitting.any(|key| verifies(alg, key, message, &jws.signature)) {
        return Err(refuse(
            ErrorCode::TokenSignature,
            "the signature does not verify",
        ));
    }
    check_type(config, jws.typ.as_deref())?;
    check_claims(config, &jws.claims, now, Strictness::Jwt)?;
    Ok(Claims::new(jws.claims))
}

/// `typ` (RFC 9068 §4): `at+jwt` (also as `application/at+jwt`), or, unless
/// `strict_typ`, `JWT` or none. Anything else (an ID token's, a logout
/// token's) is another kind of token.
fn check_type(config: &VerifierConfig, typ: Option<&str>) -> Result<(), Error> {
    let normal = typ.map(|t| {
        let t = t.to_ascii_lowercase();
        t.strip_prefix("application/")
            .map(str::to_owned)
            .unwrap_or(t)
    });
    match normal.as_deref() {
        Some("at+jwt") => Ok(()),
        None | Some("jwt") if !config.strict_typ => Ok(()),
        _ => Err(refuse(
            ErrorCode::TokenType,
            match typ {
                Some(t) => format!(
                    "typ {} is not an access token's (at+jwt{})",
                    shown(&Value::from(t)),
                    if config.strict_typ {
                        ", required"
                    } else {
                        " or JWT"
                    }
                ),
                None => "the token has no typ; at+jwt is required".to_owned(),
            },
        )),
    }
}

/// A NumericDate claim (RFC 7519 §2): a JSON number, never a string.
fn date(claims: &Map<String, Value>, name: &str) -> Result<Option<f64>, Error> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::Number(n)) => n
            .as_f64()
            .filter(|f| f.is_finite())
            .map(Some)
            .ok_or_else(|| {
                refuse(
                    ErrorCode::TokenClaim,
                    format!("{name} is not a usable number"),
                )
            }),
        Some(other) => Err(refuse(
            ErrorCode::TokenClaim,
            format!(
                "{name} must be a NumericDate (a JSON number), not {}",
                shown(other)
            ),
        )),
    }
}

fn rfc3339(seconds: f64) -> String {
    let at = Duration::try_from_secs_f64(seconds.max(0.0))
        .ok()
        .and_then(|d| UNIX_EPOCH.checked_add(d));
    at.map_or_else(
        || crate::protocol::text::number(seconds),
        crate::rfc3339::format,
    )
}

/// Checks an introspection answer the IdP says is active, by the rules
/// its members give the means to check: `exp`, `iss` and `aud` when it
/// has them (the IdP vouches for the token), scopes and required claims.
pub(crate) fn check_introspected(
    config: &VerifierConfig,
    claims: &Map<String, Value>,
    now: SystemTime,
) -> Result<(), Error> {
    check_claims(config, claims, now, Strictness::Introspected)
}

/// Whether a claim the rules need may be missing.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Strictness {
    /// A JWT: `exp`, `iss` (when an issuer is configured) and `aud` are required.
    Jwt,
    /// An introspection answer: they are checked when present.
    Introspected,
}

/// The claim rules, at `now`.
fn check_claims(
    config: &VerifierConfig,
    claims: &Map<String, Value>,
    now: SystemTime,
    strictness: Strictness,
) -> Result<(), Error> {
    let jwt = strictness == Strictness::Jwt;
    let now_s = now
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    let leeway = config.leeway.as_secs_f64();
    let leeway_text = crate::error::format_duration(config.leeway);
    // exp: required of a JWT, and not passed (beyond the leeway).
    match date(claims, "exp")? {
        None if jwt => {
            return Err(refuse(
                ErrorCode::TokenClaim,
                "the token has no exp: access tokens must expire",
            ));
        }
        Some(exp) if now_s > exp + leeway => {
            return Err(refuse(
                ErrorCode::TokenExpired,
                format!("it expired at {} (leeway {leeway_text})", rfc3339(exp)),
            ));
        }
        _ => {}
    }
    if let Some(nbf) = date(claims, "nbf")?
        && now_s + leeway < nbf
    {
        return Err(refuse(
            ErrorCode::TokenNotYetValid,
            format!(
                "it is not valid before {} (nbf, leeway {leeway_text})",
                rfc3339(nbf)
            ),
        ));
    }
    if let Some(iat) = date(claims, "iat")?
        && now_s + leeway < iat
    {
        return Err(refuse(
            ErrorCode::TokenNotYetValid,
            format!(
                "it was issued in the future, at {} (iat, leeway {leeway_text})",
                rfc3339(iat)
            ),
        ));
    }
    if jwt || claims.contains_key("iss") {
        check_issuer(config, claims.get("iss"))?;
    }
    if jwt || claims.contains_key("aud") {
        check_audience(config, claims.get("aud"))?;
    }
    for name in ["sub", "client_id", "jti"] {
        if let Some(value) = claims.get(name)
            && !value.is_string()
        {
            return Err(refuse(
                ErrorCode::TokenClaim,
                format!("{name} must be a string, not {}", shown(value)),
            ));
        }
    }
    check_scopes(config, claims)?;
    for (name, want) in &config.required_claims {
        match claims.get(name) {
            Some(got) if same_json(got, want) => {}
            Some(got) => {
                return Err(refuse(
                    ErrorCode::TokenClaim,
                    format!("{name} must be {}, not {}", shown(want), shown(got)),
                ));
            }
            None => {
                return Err(refuse(
                    ErrorCode::TokenClaim,
                    format!("the token has no {name} (it must be {})", shown(want)),
                ));
            }
        }
    }
    Ok(())
}

/// JSON equality, with numbers compared by value (`1` is `1.0`).
fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64() && x.as_f64().is_some(),
        _ => a == b,
    }
}

fn check_issuer(config: &VerifierConfig, iss: Option<&Value>) -> Result<(), Error> {
    let Some(expected) = config.issuer.as_deref() else {
        return Ok(());
    };
    match iss {
        // One trailing slash is tolerated, as in discovery (Auth0 publishes one).
        Some(Value::String(got)) if got.trim_end_matches('/') == expected.trim_end_matches('/') => {
            Ok(())
        }
        Some(got) => Err(refuse(
            ErrorCode::TokenIssuer,
            format!("iss {} is not the expected issuer {expected:?}", shown(got)),
        )),
        None => Err(refuse(ErrorCode::TokenIssuer, "the token has no iss")),
    }
}

fn check_audience(config: &VerifierConfig, aud: Option<&Value>) -> Result<(), Error> {
    let accepted = |a: &Value| {
        a.as_str()
            .is_some_and(|a| config.audiences.iter().any(|c| c == a))
    };
    let ok = match aud {
        Some(Value::String(_)) => aud.is_some_and(accepted),
        Some(Value::Array(items)) => {
            if !items.iter().all(Value::is_string) {
                return Err(refuse(
                    ErrorCode::TokenAudience,
                    "aud must be a string or a list of strings",
                ));
            }
            items.iter().any(accepted)
        }
        Some(other) => {
            return Err(refuse(
                ErrorCode::TokenAudience,
                format!(
                    "aud must be a string or a list of strings, not {}",
                    shown(other)
                ),
            ));
        }
        None if config.audiences.is_empty() => true,
        None => return Err(refuse(ErrorCode::TokenAudience, "the token has no aud")),
    };
    if ok || config.audiences.is_empty() {
        Ok(())
    } else {
        Err(refuse(
            ErrorCode::TokenAudience,
            format!(
                "aud {} names none of the accepted audiences ({})",
                aud.map(shown).unwrap_or_default(),
                config.audiences.join(", ")
            ),
        ))
    }
}

/// The granted scopes, type-strict: `scope` a string (RFC 9068), `scp` a
/// string or a list of strings.
fn granted_scopes(claims: &Map<String, Value>) -> Result<Vec<&str>, Error> {
    let mut granted = Vec::new();
    for name in ["scope", "scp"] {
        match claims.get(name) {
            None => {}
            Some(Value::String(s)) => granted.extend(s.split_whitespace()),
            Some(Value::Array(items)) if name == "scp" && items.iter().all(Value::is_string) => {
                granted.extend(items.iter().filter_map(Value::as_str));
            }
            Some(other) => {
                return Err(refuse(
                    ErrorCode::TokenClaim,
                    format!(
                        "{name} must be a string{}, not {}",
                        if name == "scp" {
                            " or a list of strings"
                        } else {
                            ""
                        },
                        shown(other)
                    ),
                ));
            }
        }
    }
    Ok(granted)
}

fn check_scopes(config: &VerifierConfig, claims: &Map<String, Value>) -> Result<(), Error> {
    let granted = granted_scopes(claims)?;
    let missing: Vec<&str> = config
        .required_scopes
        .iter()
        .map(String::as_str)
        .filter(|s| !granted.contains(s))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(refuse(ErrorCode::InsufficientScope, missing.join(" ")))
}
