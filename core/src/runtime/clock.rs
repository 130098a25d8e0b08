//! The only place in m2mauth that reads a clock.
//!
//! Monotonic time comes from `CLOCK_MONOTONIC_COARSE` on Linux: about 3 ns a
//! read instead of about 20 ns, at a resolution of a few milliseconds. It
//! only ever lags real time, so deadlines computed from it err on the early
//! side, and every skew the cache keeps (50 ms at the least) dwarfs its tick.

#![allow(clippy::disallowed_methods)]

use std::time::{Duration, SystemTime};

use crate::cache::MonoTime;

/// Monotonic time for all expiry arithmetic.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) fn now() -> MonoTime {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::MonotonicCoarse);
    let nanos = u64::try_from(t.tv_sec).unwrap_or(0) * 1_000_000_000
        + u64::try_from(t.tv_nsec).unwrap_or(0);
    MonoTime::from_nanos(nanos)
}

/// Monotonic time for all expiry arithmetic.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) fn now() -> MonoTime {
    use std::sync::OnceLock;
    use std::time::Instant;
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    let elapsed = ORIGIN.get_or_init(Instant::now).elapsed();
    MonoTime::from_nanos(u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX))
}

/// Wall-clock time, only for the `expires_at` shown to users and `Retry-After` dates.
pub(crate) fn wall_now() -> SystemTime {
    SystemTime::now()
}

/// The time and fresh randomness of one request attempt (client assertion
/// and DPoP `jti`s). Without OS randomness there is no safe `jti`: that is
/// an internal error, not a weaker token.
pub(crate) fn attempt() -> Result<crate::protocol::Attempt, crate::Error> {
    let mut randomness = [0u8; 32];
    getrandom::getrandom(&mut randomness).map_err(|e| {
        crate::Error::internal(format!("no randomness from the operating system: {e}"))
    })?;
    let unix_time = wall_now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Ok(crate::protocol::Attempt::new(unix_time, randomness))
}

/// The tokio instant at which the monotonic time `at` arrives, to sleep until it.
pub(crate) fn tokio_instant(at: MonoTime) -> tokio::time::Instant {
    let wait = at
        .saturating_since(now())
        .min(Duration::from_secs(365 * 86_400));
    tokio::time::Instant::now() + wait
}
