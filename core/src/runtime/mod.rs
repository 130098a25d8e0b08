//! The runtime: the only IO in m2mauth. reqwest over rustls on a background
//! tokio runtime executes what the sans-IO [`Slot`](crate::cache::Slot) decides.

mod budget;
mod builder;
mod callback;
mod clock;
mod discovery;
mod exchange;
mod executor;
#[cfg(feature = "redis")]
mod fleet;
pub mod fork;
mod hot;
mod http;
mod source;
mod stats;
mod token;
mod verifier;

pub use builder::TokenSourceBuilder;
pub use executor::{background, shutdown};
pub use source::TokenSource;
pub use stats::Stats;
pub use token::AccessToken;
pub use verifier::{ResourceRequest, Verifier, VerifierBuilder};
