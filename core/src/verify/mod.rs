//! The resource side (sans-IO): checking the tokens a service receives.

mod builder;

pub use builder::VerifierBuilder;
