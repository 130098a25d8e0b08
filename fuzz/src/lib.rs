//! What the fuzz targets share.

use std::path::Path;

/// A disk with no files: a `*_file` option read while fuzzing finds nothing.
pub struct NoFiles;

impl m2mauth::config::ReadFile for NoFiles {
    fn read(&self, _path: &Path) -> std::io::Result<Vec<u8>> {
        Err(std::io::ErrorKind::NotFound.into())
    }
}
