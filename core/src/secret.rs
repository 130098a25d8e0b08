//! A string that must never be printed: client secrets and access tokens.

use std::fmt;

use zeroize::Zeroizing;

/// A secret string (a client secret, an access token, an `Authorization` value).
///
/// `Debug` prints `Secret(redacted)`, there is no `Display`, and the memory is
/// zeroized when the value is dropped. Read it with [`Secret::expose`], at the
/// one place that has to send it.
///
/// ```
/// use m2mauth::Secret;
/// let secret = Secret::new("hunter2");
/// assert_eq!(format!("{secret:?}"), "Secret(redacted)");
/// assert_eq!(secret.expose(), "hunter2");
/// ```
#[derive(Clone, Default)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wraps a string as a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(Zeroizing::new(value.into()))
    }

    /// The secret's value. Call it only where the value is sent or compared.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(redacted)")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret::new(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = Secret::new("s3cr3t-value");
        assert!(!format!("{s:?}").contains("s3cr3t"));
        assert!(!format!("{s:#?}").contains("s3cr3t"));
    }
}
