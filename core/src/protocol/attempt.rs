//! What varies from one attempt of a request to the next: the time, fresh
//! randomness for the `jti` of client assertions and DPoP proofs, and the
//! DPoP nonce the server gave last. The runtime supplies them; the sans-IO
//! builders take them as an argument, so tests choose them.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The time and randomness of one attempt.
///
/// ```
/// use m2mauth::protocol::Attempt;
/// let attempt = Attempt::new(1_700_000_000, [7; 32]).with_dpop_nonce(Some("n-1".into()));
/// assert_eq!(attempt.unix_time(), 1_700_000_000);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    unix_time: u64,
    randomness: [u8; 32],
    dpop_nonce: Option<String>,
}

impl Attempt {
    /// An attempt at `unix_time` (seconds) with 32 fresh random bytes.
    pub fn new(unix_time: u64, randomness: [u8; 32]) -> Attempt {
        Attempt {
            unix_time,
            randomness,
            dpop_nonce: None,
        }
    }

    /// The same attempt carrying the server's last `DPoP-Nonce`.
    #[must_use]
    pub fn with_dpop_nonce(mut self, nonce: Option<String>) -> Attempt {
        self.dpop_nonce = nonce;
        self
    }

    /// The attempt's time, in seconds since the Unix epoch.
    pub fn unix_time(&self) -> u64 {
        self.unix_time
    }

    /// The DPoP nonce to put in the proof, if the server gave one.
    pub fn dpop_nonce(&self) -> Option<&str> {
        self.dpop_nonce.as_deref()
    }

    /// The `jti` of a client assertion: 128 random bits, base64url.
    pub(crate) fn assertion_jti(&self) -> String {
        URL_SAFE_NO_PAD.encode(&self.randomness[..16])
    }

    /// The `jti` of a DPoP proof: the other 128 random bits.
    pub(crate) fn proof_jti(&self) -> String {
        URL_SAFE_NO_PAD.encode(&self.randomness[16..])
    }
}
