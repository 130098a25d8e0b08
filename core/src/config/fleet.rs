//! The fleet cache's options: `cache_url`, `cache_encryption_key(_file)`
//! and `cache_key_prefix`, checked when the configuration is built.

use std::fmt;

use super::settings::Settings;
use crate::cache::fleet::FleetKeys;
use crate::{Error, Secret};

/// Where the fleet shares its tokens, and how they are hidden there.
#[derive(Clone)]
pub struct FleetConfig {
    pub(crate) url: Secret,
    pub(crate) keys: FleetKeys,
    pub(crate) prefix: String,
}

impl FleetConfig {
    /// Reads the fleet options; `None` when `cache_url` is not set.
    pub(crate) fn from_settings(s: &Settings) -> Result<Option<FleetConfig>, Error> {
        let Some(url) = s.secret("cache_url") else {
            return Ok(None);
        };
        if cfg!(not(feature = "redis")) {
            return Err(s.err("cache_url", "needs m2mauth built with its redis feature"));
        }
        let parsed = url::Url::parse(url.expose().trim()).map_err(|_| {
            s.err(
                "cache_url",
                "is not a URL (redis://host:6379/0, rediss:// for TLS)",
            )
        })?;
        if !matches!(parsed.scheme(), "redis" | "rediss") || parsed.host().is_none() {
            return Err(s.err(
                "cache_url",
                "must be redis://host[:port][/db] or rediss:// (TLS)",
            ));
        }
        let (keys, field) = match (
            s.secret("cache_encryption_key"),
            s.file("cache_encryption_key_file"),
        ) {
            (Some(key), _) => (key.expose().to_owned(), "cache_encryption_key"),
            (None, Some(bytes)) => (
                String::from_utf8(bytes.to_vec())
                    .map_err(|_| s.err("cache_encryption_key_file", "is not UTF-8 text"))?,
                "cache_encryption_key_file",
            ),
            (None, None) => {
                return Err(s.err(
                    "cache_encryption_key",
                    "is required with cache_url: the fleet's entries are encrypted (make one with: openssl rand -base64 32)",
                ));
            }
        };
        let keys = zeroize::Zeroizing::new(keys);
        let keys = FleetKeys::parse(&keys).map_err(|problem| s.err(field, problem))?;
        let prefix = s
            .text("cache_key_prefix")
            .unwrap_or("m2mauth")
            .trim()
            .to_owned();
        if prefix.is_empty() || prefix.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(s.err("cache_key_prefix", "must be a word without spaces"));
        }
        Ok(Some(FleetConfig {
            url: Secret::new(url.expose().trim()),
            keys,
            prefix,
        }))
    }

    /// The Redis URL (it may hold a password: never show it).
    pub fn url(&self) -> &Secret {
        &self.url
    }

    /// The encryption keys.
    pub fn keys(&self) -> &FleetKeys {
        &self.keys
    }

    /// The prefix of the Redis keys.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }
}

impl fmt::Debug for FleetConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FleetConfig")
            .field("url", &"[redacted]")
            .field("keys", &self.keys)
            .field("prefix", &self.prefix)
            .finish()
    }
}
