//! `VerifierBuilder`: collects a verifier's options; its typed setters are
//! generated from the option table (`config/table.rs`).

use crate::config::settings::{Raw, Settings};
use crate::config::table::Component;

/// Collects a verifier's settings; `build` validates them all at once.
#[derive(Clone)]
pub struct VerifierBuilder {
    pub(crate) settings: Settings,
}

impl std::default::Default for VerifierBuilder {
    fn default() -> Self {
        VerifierBuilder {
            settings: Settings::new(Component::Verifier),
        }
    }
}

impl VerifierBuilder {
    pub(crate) fn set_raw(mut self, _component: Component, name: &str, value: Raw) -> Self {
        self.settings.set(name, value);
        self
    }
}
