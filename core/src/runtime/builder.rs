//! `TokenSource::builder()`: the configuration builder, ending in a source.

use super::TokenSource;
use crate::config::settings::Raw;
use crate::config::table::Component;
use crate::{ConfigBuilder, Error};

/// Builds a [`TokenSource`]. It has a setter for every option of the table
/// (the same as [`ConfigBuilder`]'s), and [`build`](Self::build) validates
/// them all.
#[derive(Debug, Default)]
pub struct TokenSourceBuilder(ConfigBuilder);

impl TokenSourceBuilder {
    pub(crate) fn set_raw(self, component: Component, name: &str, value: Raw) -> Self {
        TokenSourceBuilder(self.0.set_raw(component, name, value))
    }

    /// Adds one extra request parameter.
    #[must_use]
    pub fn extra_param(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        TokenSourceBuilder(self.0.extra_param(name, value))
    }

    /// Validates the options and creates the source.
    pub fn build(self) -> Result<TokenSource, Error> {
        self.0.build().map(TokenSource::new)
    }
}
