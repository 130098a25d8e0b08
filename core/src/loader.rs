//! The one module outside the runtime that reads the process's environment
//! and the disk: `from_env` and the `*_file` options come through here, so
//! that `config/`, `protocol/`, `cache/` and `verify/` stay sans-IO (the
//! compiler enforces it: see `clippy.toml`).

#![allow(clippy::disallowed_methods)]

use std::path::Path;

use crate::config::ReadFile;

/// The value of the environment variable `name`, if it is set and valid UTF-8.
pub fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Reads files from the file system.
#[derive(Clone, Copy, Debug, Default)]
pub struct Disk;

impl ReadFile for Disk {
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        std::fs::read(path)
    }
}
