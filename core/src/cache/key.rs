//! What makes two token requests interchangeable.

use std::fmt;

/// The identity of a cached token: endpoint, client, and what was asked for.
///
/// Scopes are sorted and de-duplicated, so `["b", "a"]` and `["a", "b", "a"]`
/// share a token. The secret is not part of the key's text; it never is.
///
/// ```
/// use m2mauth::cache::CacheKey;
/// let a = CacheKey::new("https://idp/token", "svc", ["write", "read"], None, [], []);
/// let b = CacheKey::new("https://idp/token", "svc", ["read", "write", "read"], None, [], []);
/// assert_eq!(a, b);
/// assert_eq!(a.to_string(), "svc@https://idp/token scope=\"read write\"");
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CacheKey {
    endpoint: String,
    client_id: String,
    scopes: Vec<String>,
    audience: Option<String>,
    resources: Vec<String>,
    extra_params: Vec<(String, String)>,
    /// The thumbprint of the DPoP key the tokens are bound to.
    dpop_jkt: Option<String>,
}

impl CacheKey {
    /// Builds a key; scopes and resources are sorted and de-duplicated,
    /// extra parameters sorted by name.
    pub fn new<S: Into<String>>(
        endpoint: impl Into<String>,
        client_id: impl Into<String>,
        scopes: impl IntoIterator<Item = S>,
        audience: Option<&str>,
        resources: impl IntoIterator<Item = S>,
        extra_params: impl IntoIterator<Item = (S, S)>,
    ) -> Self {
        let mut scopes: Vec<String> = scopes.into_iter().map(Into::into).collect();
        scopes.sort();
        scopes.dedup();
        let mut resources: Vec<String> = resources.into_iter().map(Into::into).collect();
        resources.sort();
        resources.dedup();
        let mut extra_params: Vec<(String, String)> = extra_params
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        extra_params.sort();
        CacheKey {
            endpoint: endpoint.into(),
            client_id: client_id.into(),
            scopes,
            audience: audience.map(str::to_owned),
            resources,
            extra_params,
            dpop_jkt: None,
        }
    }

    /// The same key for tokens bound to the DPoP key with thumbprint `jkt`:
    /// a token bound to one key is useless with another.
    #[must_use]
    pub fn bound_to(mut self, jkt: impl Into<String>) -> Self {
        self.dpop_jkt = Some(jkt.into());
        self
    }

    /// The scopes, sorted and de-duplicated.
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }

    /// Every part of the key, extra parameter values included, as one
    /// unambiguous text: what the fleet cache hashes into a Redis key name.
    /// It may hold secrets (an API key in an extra parameter): hash it,
    /// never show it.
    pub fn canonical(&self) -> String {
        serde_json::json!([
            self.endpoint,
            self.client_id,
            self.scopes,
            self.audience,
            self.resources,
            self.extra_params,
            self.dpop_jkt,
        ])
        .to_string()
    }
}

impl fmt::Debug for CacheKey {
    /// The `Display` form: extra parameters by name only (their values may
    /// be secrets, such as an API key).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CacheKey({self})")
    }
}

impl fmt::Display for CacheKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.client_id, self.endpoint)?;
        if !self.scopes.is_empty() {
            write!(f, " scope=\"{}\"", self.scopes.join(" "))?;
        }
        if let Some(jkt) = &self.dpop_jkt {
            write!(f, " dpop={jkt}")?;
        }
        if let Some(audience) = &self.audience {
            write!(f, " audience={audience}")?;
        }
        for resource in &self.resources {
            write!(f, " resource={resource}")?;
        }
        for (name, _) in &self.extra_params {
            write!(f, " {name}=…")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_extra_values() {
        let key = CacheKey::new(
            "https://idp/t",
            "svc",
            ["a"],
            None,
            [],
            [("api_key", "hidden")],
        );
        assert_eq!(
            format!("{key:?}"),
            "CacheKey(svc@https://idp/t scope=\"a\" api_key=…)"
        );
        assert!(!format!("{key:#?} {key}").contains("hidden"));
    }
}
