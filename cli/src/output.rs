//! Writing to stdout without ever panicking: a closed pipe (`| head`) or a
//! full disk (`> /dev/full`) is an error exit with one line on stderr.

use std::io::{self, Write as _};

use m2mauth::Error;

/// Why a command failed: an m2mauth error, or its output could not be written.
pub(crate) enum Failure {
    M2m(Error),
    Output(io::Error),
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure::M2m(error)
    }
}

impl From<io::Error> for Failure {
    fn from(error: io::Error) -> Self {
        Failure::Output(error)
    }
}

/// Writes `text` and a newline to stdout, and flushes it.
pub(crate) fn line(text: &str) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.write_all(b"\n")?;
    stdout.flush()
}

/// `println!` that reports a closed or full stdout instead of panicking:
/// the enclosing function returns `Err(Failure::Output(..))`.
macro_rules! say {
    () => {
        $crate::output::line("")?
    };
    ($($arg:tt)*) => {
        $crate::output::line(&format!($($arg)*))?
    };
}

pub(crate) use say;
