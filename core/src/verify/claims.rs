//! `Claims`: what a verified token says, as typed standard claims and the
//! raw JSON of all of them.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

/// The claims of a token that passed every check: typed accessors for the
/// standard ones and [`get`](Self::get)/[`raw`](Self::raw) for the rest.
///
/// ```
/// # fn show(claims: &m2mauth::verify::Claims) {
/// println!("{:?} may {:?}", claims.client_id(), claims.scopes());
/// if claims.get("stt") == Some(&serde_json::json!(1)) { /* SuperTokens M2M */ }
/// # }
/// ```
#[derive(Clone, PartialEq)]
pub struct Claims {
    raw: Map<String, Value>,
}

impl Claims {
    pub(crate) fn new(raw: Map<String, Value>) -> Claims {
        Claims { raw }
    }

    /// Every claim, as sent.
    pub fn raw(&self) -> &Map<String, Value> {
        &self.raw
    }

    /// The claim `name`, as sent.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.raw.get(name)
    }

    fn text(&self, name: &str) -> Option<&str> {
        self.raw.get(name).and_then(Value::as_str)
    }

    /// `sub`: the subject (for M2M tokens, usually the client).
    pub fn subject(&self) -> Option<&str> {
        self.text("sub")
    }

    /// The client the token was issued to: `client_id` (RFC 9068), or
    /// `azp` (OpenID Connect, Auth0).
    pub fn client_id(&self) -> Option<&str> {
        self.text("client_id").or_else(|| self.text("azp"))
    }

    /// `iss`: who issued the token.
    pub fn issuer(&self) -> Option<&str> {
        self.text("iss")
    }

    /// `aud`: the audiences, from a string or a list.
    pub fn audience(&self) -> Vec<&str> {
        strings(self.raw.get("aud"))
    }

    /// `exp`, by the wall clock.
    pub fn expires_at(&self) -> Option<SystemTime> {
        numeric_date(self.raw.get("exp"))
    }

    /// `iat`, by the wall clock.
    pub fn issued_at(&self) -> Option<SystemTime> {
        numeric_date(self.raw.get("iat"))
    }

    /// `jti`: the token's identifier.
    pub fn token_id(&self) -> Option<&str> {
        self.text("jti")
    }

    /// The scopes granted: `scope` (space-separated, RFC 9068) or `scp` (a
    /// string or a list, as Entra and Okta send it).
    pub fn scopes(&self) -> Vec<&str> {
        match self.raw.get("scope").or_else(|| self.raw.get("scp")) {
            Some(Value::String(s)) => s.split_whitespace().collect(),
            other => strings(other),
        }
    }

    /// Whether every scope of `required` was granted.
    pub fn has_scopes<S: AsRef<str>>(&self, required: &[S]) -> bool {
        let granted = self.scopes();
        required.iter().all(|r| granted.contains(&r.as_ref()))
    }

    /// The DPoP key thumbprint the token is bound to (`cnf.jkt`, RFC 9449).
    pub fn dpop_thumbprint(&self) -> Option<&str> {
        self.raw.get("cnf")?.get("jkt")?.as_str()
    }

    /// The claims as a JSON object text.
    pub fn to_json(&self) -> String {
        Value::Object(self.raw.clone()).to_string()
    }
}

impl fmt::Debug for Claims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Claims are not secrets (the token's signature is what matters), but
        // keep Debug short: the standard ones.
        f.debug_struct("Claims")
            .field("iss", &self.issuer())
            .field("sub", &self.subject())
            .field("aud", &self.audience())
            .field("scopes", &self.scopes())
            .finish_non_exhaustive()
    }
}

fn strings(value: Option<&Value>) -> Vec<&str> {
    match value {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn numeric_date(value: Option<&Value>) -> Option<SystemTime> {
    let seconds = value?.as_f64().filter(|s| s.is_finite() && *s >= 0.0)?;
    UNIX_EPOCH.checked_add(Duration::try_from_secs_f64(seconds).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(json: &str) -> Claims {
        let Ok(Value::Object(raw)) = serde_json::from_str(json) else {
            panic!()
        };
        Claims::new(raw)
    }

    #[test]
    fn standard_claims_are_typed() {
        let c = claims(
            r#"{"sub":"svc","azp":"cli","aud":["a","b"],"scp":["read","write"],"exp":10,"cnf":{"jkt":"t"}}"#,
        );
        assert_eq!((c.subject(), c.client_id()), (Some("svc"), Some("cli")));
        assert_eq!(c.audience(), ["a", "b"]);
        assert_eq!(c.scopes(), ["read", "write"]);
        assert!(c.has_scopes(&["write"]) && !c.has_scopes(&["admin"]));
        assert_eq!(c.expires_at(), Some(UNIX_EPOCH + Duration::from_secs(10)));
        assert_eq!(c.dpop_thumbprint(), Some("t"));
        let c = claims(r#"{"scope":"a b","aud":"x","client_id":"c","azp":"z"}"#);
        assert_eq!(
            (c.scopes(), c.audience(), c.client_id()),
            (vec!["a", "b"], vec!["x"], Some("c"))
        );
    }
}
