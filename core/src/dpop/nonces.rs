//! The `DPoP-Nonce` each server gave last, by origin (RFC 9449 §8, §9).

use std::collections::HashMap;

/// The most nonces remembered; an attacker-chosen stream of origins cannot
/// grow the map beyond it.
const MAX_ORIGINS: usize = 256;

/// The latest nonce per origin (`https://host:port`).
#[derive(Debug, Default)]
pub struct Nonces {
    pub(super) by_origin: HashMap<String, String>,
}

/// The origin of `url` (scheme, host, port), or `None` for a URL without one.
fn origin(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    match parsed.origin() {
        url::Origin::Tuple(..) => Some(parsed.origin().ascii_serialization()),
        url::Origin::Opaque(_) => None,
    }
}

impl Nonces {
    /// The nonce to put in a proof for `url`, if its server gave one.
    pub fn for_url(&self, url: &str) -> Option<String> {
        self.by_origin.get(&origin(url)?).cloned()
    }

    /// Remembers the `DPoP-Nonce` header of an answer from `url`. A nonce
    /// is printable ASCII without spaces (RFC 9449 §8.1); anything else is
    /// ignored.
    pub fn record(&mut self, url: &str, nonce: &str) {
        let Some(origin) = origin(url) else { return };
        if nonce.is_empty()
            || nonce.len() > 1024
            || !nonce.bytes().all(|b| (0x21..=0x7e).contains(&b))
        {
            return;
        }
        if self.by_origin.len() >= MAX_ORIGINS && !self.by_origin.contains_key(&origin) {
            self.by_origin.clear();
        }
        self.by_origin.insert(origin, nonce.to_owned());
    }
}
