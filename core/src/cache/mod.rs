//! Sans-IO token cache: the per-key [`Slot`] state machine and its [`Policy`].
//!
//! Nothing here reads a clock, sleeps, spawns or draws randomness. Time is
//! the `now` argument ([`MonoTime`]) and jitter comes from a caller's seed.
//! The runtime (`crate::runtime`) is a thin loop executing the [`Action`]s.

pub mod fleet;
mod key;
mod policy;
mod rng;
mod slot;
mod time;

pub use key::CacheKey;
pub use policy::{Deadlines, Policy};
pub use slot::{Action, Completion, Fresh, Slot, Ticket};
pub use time::MonoTime;
