//! Token introspection (RFC 7662), sans-IO: the request, reading the
//! answer, and the cache of answers.
//!
//! Answers are cached by the SHA-256 of the token (the token itself is
//! never kept): an active one until `min(exp, 60 s)`, an inactive one for
//! 10 s, so that revocation shows within a minute while a busy API does not
//! ask the IdP for every request. One request per token is in flight.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use serde_json::{Map, Value};
use url::Url;

use crate::cache::{MonoTime, Ticket};
use crate::client::ClientAuth;
use crate::protocol::{HttpRequest, HttpResponse};
use crate::{Error, ErrorCode};

/// The longest an active answer is trusted without asking again.
pub const ACTIVE_TTL: Duration = Duration::from_secs(60);
/// How long an inactive answer is remembered.
pub const INACTIVE_TTL: Duration = Duration::from_secs(10);
/// The most answers remembered at once.
const MAX_ENTRIES: usize = 10_000;

/// An introspection answer (RFC 7662 §2.2).
#[derive(Clone, Debug, PartialEq)]
pub struct Introspected {
    /// Whether the token is active. Only a JSON `true` counts.
    pub active: bool,
    /// Every member of the answer (`scope`, `client_id`, `exp`, `aud`, …).
    pub claims: Map<String, Value>,
}

/// The introspection request for `token`, authenticated as `client` (of
/// `issuer`, for the `aud` of a client assertion) at `attempt`.
pub fn introspection_request(
    (client, issuer): (&ClientAuth, Option<&str>),
    url: &Url,
    token: &str,
    attempt: &crate::protocol::Attempt,
) -> Result<HttpRequest, Error> {
    crate::protocol::post_form(
        url,
        (client, issuer),
        attempt,
        &[("token", token), ("token_type_hint", "access_token")],
        token,
    )
}

/// Reads the introspection endpoint's answer. A refusal or an outage is the
/// error it stands for (named after the introspection endpoint); an answer
/// that is not a JSON object with a boolean `active` is malformed.
pub fn parse_introspection(
    request: &HttpRequest,
    response: &HttpResponse,
    now: SystemTime,
) -> Result<Introspected, Error> {
    let status = response.status;
    if !(200..=299).contains(&status) {
        return Err(
            crate::protocol::error_answer(response, &request.sensitive(), now).at("introspection"),
        );
    }
    let Ok(Value::Object(claims)) = crate::protocol::lenient_json(&response.body) else {
        return Err(
            Error::malformed(status, "the introspection answer is not a JSON object")
                .at("introspection"),
        );
    };
    let active = match claims.get("active") {
        Some(Value::Bool(active)) => *active,
        _ => {
            return Err(
                Error::malformed(status, "the introspection answer has no boolean active")
                    .at("introspection"),
            );
        }
    };
    Ok(Introspected { active, claims })
}

/// The SHA-256 of a token: how the cache names it.
pub(crate) fn token_hash(token: &str) -> [u8; 32] {
    let digest = ring::digest::digest(&ring::digest::SHA256, token.as_bytes());
    let mut hash = [0u8; 32];
    hash.copy_from_slice(digest.as_ref());
    hash
}

/// What a caller must do, as answered by [`IntrospectionCache::poll`].
#[derive(Clone, Debug, PartialEq)]
pub enum IntrospectAction {
    /// The answer is known.
    Use(Introspected),
    /// Ask the IdP with this ticket; others asking about the same token wait.
    Fetch(Ticket),
    /// The IdP is being asked about this token: wait for that answer.
    Wait,
}

#[derive(Clone, Debug)]
enum Entry {
    Known {
        answer: Introspected,
        until: MonoTime,
    },
    Asking(Ticket),
}

/// Remembered answers, by token hash, with one request in flight per token.
#[derive(Clone, Debug, Default)]
pub struct IntrospectionCache {
    entries: HashMap<[u8; 32], Entry>,
    tickets_issued: u64,
}

impl IntrospectionCache {
    /// An empty cache.
    pub fn new() -> IntrospectionCache {
        IntrospectionCache::default()
    }

    /// Answers a caller who introspects the token hashed `hash` at `now`.
    pub fn poll(&mut self, hash: [u8; 32], now: MonoTime) -> IntrospectAction {
        match self.entries.get(&hash) {
            Some(Entry::Known { answer, until }) if now < *until => {
                return IntrospectAction::Use(answer.clone());
            }
            Some(Entry::Asking(_)) => return IntrospectAction::Wait,
            _ => {}
        }
        if self.entries.len() >= MAX_ENTRIES {
            self.evict(now);
        }
        self.tickets_issued += 1;
        let ticket = Ticket::from_number(self.tickets_issued);
        self.entries.insert(hash, Entry::Asking(ticket));
        IntrospectAction::Fetch(ticket)
    }

    /// Records the answer to the request `ticket` about `hash`, at `now`
    /// (and `wall`, the wall-clock time, to read the answer's `exp`). A
    /// failure is not remembered (the next caller asks again).
    pub fn complete(
        &mut self,
        hash: [u8; 32],
        ticket: Ticket,
        (now, wall): (MonoTime, SystemTime),
        answer: &Result<Introspected, Error>,
    ) {
        if !matches!(self.entries.get(&hash), Some(Entry::Asking(t)) if *t == ticket) {
            return;
        }
        match answer {
            Ok(answer) => {
                let ttl = if answer.active {
                    let left = answer.claims.get("exp").and_then(Value::as_f64).map(|exp| {
                        let wall_s = wall
                            .duration_since(std::time::UNIX_EPOCH)
                            .map_or(0.0, |d| d.as_secs_f64());
                        Duration::try_from_secs_f64((exp - wall_s).max(0.0)).unwrap_or_default()
                    });
                    left.map_or(ACTIVE_TTL, |l| l.min(ACTIVE_TTL))
                } else {
                    INACTIVE_TTL
                };
                self.entries.insert(
                    hash,
                    Entry::Known {
                        answer: answer.clone(),
                        until: now + ttl,
                    },
                );
            }
            Err(_) => {
                self.entries.remove(&hash);
            }
        }
    }

    /// Forgets the request `ticket` about `hash` without an answer (its
    /// runtime stopped): the next caller asks again.
    pub fn abandon(&mut self, hash: [u8; 32], ticket: Ticket) {
        if matches!(self.entries.get(&hash), Some(Entry::Asking(t)) if *t == ticket) {
            self.entries.remove(&hash);
        }
    }

    /// Drops expired answers; if still full, the ones that expire first.
    fn evict(&mut self, now: MonoTime) {
        self.entries
            .retain(|_, e| !matches!(e, Entry::Known { until, .. } if *until <= now));
        if self.entries.len() >= MAX_ENTRIES {
            let mut known: Vec<([u8; 32], MonoTime)> = self
                .entries
                .iter()
                .filter_map(|(h, e)| match e {
                    Entry::Known { until, .. } => Some((*h, *until)),
                    Entry::Asking(_) => None,
                })
                .collect();
            known.sort_by_key(|(_, until)| *until);
            for (hash, _) in known.into_iter().take(MAX_ENTRIES / 10) {
                self.entries.remove(&hash);
            }
        }
    }
}

/// An inactive answer as the error a verifier reports.
pub(crate) fn inactive() -> Error {
    Error::invalid_token(
        ErrorCode::TokenInactive,
        "the IdP says it is not active (revoked, expired or unknown)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(json: &str) -> Introspected {
        let Ok(Value::Object(claims)) = serde_json::from_str(json) else {
            panic!()
        };
        Introspected {
            active: claims["active"] == true,
            claims,
        }
    }

    #[test]
    fn one_request_per_token_and_answers_are_remembered_briefly() {
        let mut cache = IntrospectionCache::new();
        let (a, b) = (token_hash("a"), token_hash("b"));
        let t0 = MonoTime::ZERO;
        let wall = std::time::UNIX_EPOCH + Duration::from_secs(1000);
        let IntrospectAction::Fetch(ta) = cache.poll(a, t0) else {
            panic!()
        };
        assert_eq!(cache.poll(a, t0), IntrospectAction::Wait);
        assert!(
            matches!(cache.poll(b, t0), IntrospectAction::Fetch(_)),
            "another token asks"
        );
        let active = answer(r#"{"active":true,"exp":1030}"#);
        cache.complete(a, ta, (t0, wall), &Ok(active.clone()));
        assert_eq!(
            cache.poll(a, t0 + Duration::from_secs(29)),
            IntrospectAction::Use(active)
        );
        assert!(
            matches!(
                cache.poll(a, t0 + Duration::from_secs(30)),
                IntrospectAction::Fetch(_)
            ),
            "never past exp"
        );
    }

    #[test]
    fn failures_are_not_remembered_and_the_token_is_not_kept() {
        let mut cache = IntrospectionCache::new();
        let h = token_hash("secret-token");
        let IntrospectAction::Fetch(t) = cache.poll(h, MonoTime::ZERO) else {
            panic!()
        };
        cache.complete(
            h,
            t,
            (MonoTime::ZERO, std::time::UNIX_EPOCH),
            &Err(inactive()),
        );
        assert!(matches!(
            cache.poll(h, MonoTime::ZERO),
            IntrospectAction::Fetch(_)
        ));
        assert!(!format!("{cache:?}").contains("secret-token"));
    }

    #[test]
    fn only_a_boolean_true_is_active() {
        let request = HttpRequest::get("https://idp/i", vec![]);
        let parse = |body: &str| {
            parse_introspection(
                &request,
                &HttpResponse::new(200, vec![], body.as_bytes().to_vec()),
                std::time::UNIX_EPOCH,
            )
        };
        assert!(parse(r#"{"active":true}"#).unwrap().active);
        assert!(!parse(r#"{"active":false}"#).unwrap().active);
        assert_eq!(
            parse(r#"{"active":"true"}"#).unwrap_err().code(),
            ErrorCode::MalformedResponse
        );
        let err = parse_introspection(
            &request,
            &HttpResponse::new(401, vec![], br#"{"error":"invalid_client"}"#.to_vec()),
            std::time::UNIX_EPOCH,
        )
        .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidClient);
        assert!(err.to_string().contains("introspection endpoint"), "{err}");
    }
}
