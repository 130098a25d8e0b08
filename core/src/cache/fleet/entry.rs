//! What the fleet shares in Redis, and how it is hidden there: entries
//! are AES-256-GCM encrypted under a key the fleet's configuration holds
//! (with its key id, so keys rotate), bound to their Redis key name; names
//! are keyed hashes of the cache key, so Redis shows no client id, scope or
//! audience.

use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::{digest, hmac};
use serde_json::{Value, json};
use zeroize::Zeroizing;

use super::CLOCK_SKEW_ALLOWANCE;
use crate::Secret;

/// The format tag of an entry.
const FORMAT: &[u8; 4] = b"m2m1";
const KEY_ID_LEN: usize = 8;
const NONCE_LEN: usize = 12;

/// A token as the fleet shares it.
#[derive(Clone)]
pub struct SharedToken {
    /// The access token.
    pub access_token: Secret,
    /// Its type (`Bearer`, `DPoP`).
    pub token_type: String,
    /// The scopes the IdP granted, when it said.
    pub scopes: Option<Vec<String>>,
    /// Until when it may be used (Unix ms, the fetching process's clock).
    pub use_until_ms: u64,
    /// From when the fleet should refresh it (Unix ms).
    pub refresh_at_ms: u64,
}

impl SharedToken {
    /// How long it may still be used at `wall_ms`, allowing for the
    /// writer's clock being ahead of ours (by up to 5 s, or a tenth of what
    /// remains for short-lived tokens).
    pub fn remaining(&self, wall_ms: u64) -> Duration {
        let raw = Duration::from_millis(self.use_until_ms.saturating_sub(wall_ms));
        raw.saturating_sub(CLOCK_SKEW_ALLOWANCE.min(raw / 10))
    }

    /// Whether the fleet's refresh point has passed at `wall_ms`.
    pub fn due_for_refresh(&self, wall_ms: u64) -> bool {
        wall_ms >= self.refresh_at_ms
    }

    /// Time from `wall_ms` to the refresh point.
    pub fn refresh_in(&self, wall_ms: u64) -> Duration {
        Duration::from_millis(self.refresh_at_ms.saturating_sub(wall_ms))
    }
}

impl PartialEq for SharedToken {
    fn eq(&self, other: &SharedToken) -> bool {
        self.access_token.expose() == other.access_token.expose()
            && self.token_type == other.token_type
            && self.scopes == other.scopes
            && self.use_until_ms == other.use_until_ms
            && self.refresh_at_ms == other.refresh_at_ms
    }
}

impl Eq for SharedToken {}

impl fmt::Debug for SharedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedToken")
            .field("token_type", &self.token_type)
            .field("use_until_ms", &self.use_until_ms)
            .field("refresh_at_ms", &self.refresh_at_ms)
            .finish_non_exhaustive()
    }
}

/// The Redis keys of one cache key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedisNames {
    /// Where the encrypted entry lives.
    pub entry: String,
    /// The lease of whoever is fetching.
    pub lease: String,
}

/// The fleet's encryption keys: the first encrypts, all decrypt.
#[derive(Clone)]
pub struct FleetKeys {
    keys: Vec<([u8; KEY_ID_LEN], LessSafeKey)>,
    names: hmac::Key,
}

impl fmt::Debug for FleetKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FleetKeys({} keys)", self.keys.len())
    }
}

fn key_id(key: &[u8]) -> [u8; KEY_ID_LEN] {
    let mut context = digest::Context::new(&digest::SHA256);
    context.update(b"m2mauth fleet key id\0");
    context.update(key);
    let mut id = [0u8; KEY_ID_LEN];
    id.copy_from_slice(&context.finish().as_ref()[..KEY_ID_LEN]);
    id
}

impl FleetKeys {
    /// Parses keys separated by spaces, each 32 bytes in base64 (standard
    /// or URL-safe). The error never shows a key.
    pub fn parse(text: &str) -> Result<FleetKeys, String> {
        let mut keys = Vec::new();
        let mut raw_keys: Vec<Zeroizing<Vec<u8>>> = Vec::new();
        for (i, word) in text.split_whitespace().enumerate() {
            let decoded = STANDARD
                .decode(word)
                .or_else(|_| URL_SAFE_NO_PAD.decode(word.trim_end_matches('=')))
                .map(Zeroizing::new)
                .map_err(|_| {
                    format!(
                        "key {} is not base64 (make one with: openssl rand -base64 32)",
                        i + 1
                    )
                })?;
            if decoded.len() != 32 {
                return Err(format!(
                    "key {} is {} bytes; each key must be 32 bytes (openssl rand -base64 32)",
                    i + 1,
                    decoded.len()
                ));
            }
            let unbound = UnboundKey::new(&AES_256_GCM, &decoded)
                .map_err(|_| "cannot use the key".to_owned())?;
            keys.push((key_id(&decoded), LessSafeKey::new(unbound)));
            raw_keys.push(decoded);
        }
        // Names come from the oldest key listed, so that adding a new key
        // in front ("NEW OLD") keeps the fleet on the same Redis keys.
        let Some(oldest) = raw_keys.last() else {
            return Err("holds no key (make one with: openssl rand -base64 32)".to_owned());
        };
        let mut context = digest::Context::new(&digest::SHA256);
        context.update(b"m2mauth fleet names\0");
        context.update(oldest);
        let names = hmac::Key::new(hmac::HMAC_SHA256, context.finish().as_ref());
        Ok(FleetKeys { keys, names })
    }

    /// The Redis keys for `cache_key` (the cache key's text) under `prefix`.
    pub fn names(&self, prefix: &str, cache_key: &str) -> RedisNames {
        let hash = URL_SAFE_NO_PAD.encode(hmac::sign(&self.names, cache_key.as_bytes()));
        RedisNames {
            entry: format!("{prefix}:token:{hash}"),
            lease: format!("{prefix}:lease:{hash}"),
        }
    }

    /// Encrypts `token` for the Redis key `name`, with a fresh random `nonce`.
    pub fn seal(
        &self,
        name: &str,
        token: &SharedToken,
        nonce: [u8; NONCE_LEN],
    ) -> Result<Vec<u8>, String> {
        let (id, key) = self.keys.first().ok_or("no key")?;
        let plain = json!({
            "access_token": token.access_token.expose(),
            "token_type": token.token_type,
            "scopes": token.scopes,
            "use_until_ms": token.use_until_ms,
            "refresh_at_ms": token.refresh_at_ms,
        });
        let mut buffer = Zeroizing::new(serde_json::to_vec(&plain).map_err(|e| e.to_string())?);
        drop(plain);
        key.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(name.as_bytes()),
            &mut *buffer,
        )
        .map_err(|_| "cannot encrypt the entry".to_owned())?;
        let mut entry = Vec::with_capacity(FORMAT.len() + KEY_ID_LEN + NONCE_LEN + buffer.len());
        entry.extend_from_slice(FORMAT);
        entry.extend_from_slice(id);
        entry.extend_from_slice(&nonce);
        entry.extend_from_slice(&buffer);
        Ok(entry)
    }

    /// Decrypts the entry stored at `name`. An entry of another key, a
    /// corrupted one, or one moved to another name, is an error (to count
    /// and ignore, never to serve).
    pub fn open(&self, name: &str, entry: &[u8]) -> Result<SharedToken, String> {
        let header = FORMAT.len() + KEY_ID_LEN + NONCE_LEN;
        if entry.len() < header || !entry.starts_with(FORMAT) {
            return Err("not an m2mauth entry".to_owned());
        }
        let id = &entry[FORMAT.len()..FORMAT.len() + KEY_ID_LEN];
        let (_, key) = self
            .keys
            .iter()
            .find(|(k, _)| k.as_slice() == id)
            .ok_or("encrypted with a key this process does not have")?;
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&entry[FORMAT.len() + KEY_ID_LEN..header]);
        let mut buffer = Zeroizing::new(entry[header..].to_vec());
        let plain = key
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(name.as_bytes()),
                &mut buffer,
            )
            .map_err(|_| "does not decrypt (corrupted, or another fleet's)".to_owned())?;
        let Ok(Value::Object(mut fields)) = serde_json::from_slice::<Value>(plain) else {
            return Err("decrypts to something that is not an entry".to_owned());
        };
        let number = |v: Option<&Value>| v.and_then(Value::as_u64);
        let token = match fields.remove("access_token") {
            Some(Value::String(token)) => Secret::new(token),
            _ => return Err("has no access token".to_owned()),
        };
        Ok(SharedToken {
            access_token: token,
            token_type: fields
                .get("token_type")
                .and_then(Value::as_str)
                .unwrap_or("Bearer")
                .to_owned(),
            scopes: fields.get("scopes").and_then(Value::as_array).map(|s| {
                s.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            }),
            use_until_ms: number(fields.get("use_until_ms")).ok_or("has no use_until_ms")?,
            refresh_at_ms: number(fields.get("refresh_at_ms")).ok_or("has no refresh_at_ms")?,
        })
    }
}
