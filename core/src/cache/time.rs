//! Monotonic time as a plain value, so that the state machine never reads a clock.

use std::ops::{Add, Sub};
use std::time::Duration;

/// A point on a monotonic clock, in nanoseconds from an origin the caller picks.
///
/// The runtime maps its clock onto this type; tests simply count from zero,
/// so a token's whole life can be crossed in microseconds of real time.
///
/// ```
/// use m2mauth::cache::MonoTime;
/// use std::time::Duration;
/// let t = MonoTime::ZERO + Duration::from_secs(5);
/// assert_eq!(t.saturating_since(MonoTime::ZERO), Duration::from_secs(5));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct MonoTime(u64);

impl MonoTime {
    /// The origin.
    pub const ZERO: MonoTime = MonoTime(0);
    /// The far future: later than any real deadline.
    pub const NEVER: MonoTime = MonoTime(u64::MAX);

    /// A time `nanos` nanoseconds after the origin.
    pub const fn from_nanos(nanos: u64) -> Self {
        MonoTime(nanos)
    }

    /// A time `millis` milliseconds after the origin.
    pub const fn from_millis(millis: u64) -> Self {
        MonoTime(millis.saturating_mul(1_000_000))
    }

    /// Nanoseconds since the origin.
    pub const fn as_nanos(self) -> u64 {
        self.0
    }

    /// How long after `earlier` this is; zero when it is not later.
    pub fn saturating_since(self, earlier: MonoTime) -> Duration {
        Duration::from_nanos(self.0.saturating_sub(earlier.0))
    }
}

impl Add<Duration> for MonoTime {
    type Output = MonoTime;

    /// Saturates at [`MonoTime::NEVER`] instead of overflowing.
    fn add(self, rhs: Duration) -> MonoTime {
        let nanos = u64::try_from(rhs.as_nanos()).unwrap_or(u64::MAX);
        MonoTime(self.0.saturating_add(nanos))
    }
}

impl Sub<Duration> for MonoTime {
    type Output = MonoTime;

    /// Saturates at [`MonoTime::ZERO`] instead of underflowing.
    fn sub(self, rhs: Duration) -> MonoTime {
        let nanos = u64::try_from(rhs.as_nanos()).unwrap_or(u64::MAX);
        MonoTime(self.0.saturating_sub(nanos))
    }
}
