//! # m2mauth
//!
//! OAuth 2.0 client credentials (RFC 6749 §4.4) for services, daemons, CLIs
//! and cron jobs: fetch a token, cache it, refresh it before it expires,
//! share one request among all concurrent callers, and hand back
//! `Bearer <token>`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), m2mauth::Error> {
//! let source = m2mauth::TokenSource::builder()
//!     .token_url("https://auth.example.com/oauth2/token")
//!     .client_id("billing-service")
//!     .client_secret(std::env::var("CLIENT_SECRET").unwrap_or_default())
//!     .scopes(["invoices:read"])
//!     .build()?;
//! let header = source.authorization_header().await?; // "Bearer eyJ…"
//! # Ok(()) }
//! ```
//!
//! ## Layout and invariants
//! - [`protocol`], [`cache`] and [`config`] are **sans-IO**: they never open
//!   a socket, read a clock, sleep, spawn or draw randomness. Time and jitter
//!   seeds are arguments; `clippy.toml` forbids `Instant::now` and
//!   `SystemTime::now` everywhere but the runtime's clock module.
//! - `runtime` (feature `runtime`, on by default) is the only IO: reqwest
//!   over rustls, on a tokio runtime of its own, executing what a
//!   [`cache::Slot`] decides.
//! - Secrets and tokens never appear in `Debug`, logs or errors, and are
//!   zeroized on drop ([`Secret`]).
//! - Parsing never panics on input; every failure is an [`Error`] with a
//!   stable [`ErrorCode`].
#![forbid(unsafe_code)]
#![deny(missing_docs)]
// Without the runtime, the helpers only the runtime calls (endpoint checks of
// discovered URLs, introspection caching, TLS material) are unused: the
// sans-IO core is built and linted that way too (`make lint`).
#![cfg_attr(not(feature = "runtime"), allow(dead_code, unused_imports))]

pub mod cache;
pub mod client;
pub mod config;
pub mod dpop;
mod error;
pub mod keys;
pub mod loader;
pub mod protocol;
pub mod rfc3339;
#[cfg(feature = "runtime")]
pub mod runtime;
mod secret;
pub mod verify;

pub use config::{AuthMethod, BodyFormat, Config, ConfigBuilder, Endpoint, SigningAlg};
pub use error::{Error, ErrorCode, Family, error_codes_json};
#[cfg(feature = "runtime")]
pub use runtime::{AccessToken, Stats, TokenSource, TokenSourceBuilder, Verifier, VerifierBuilder};
pub use secret::Secret;
