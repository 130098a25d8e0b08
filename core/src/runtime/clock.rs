//! The only place in m2mauth that reads a clock.

#![allow(clippy::disallowed_methods)]

use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime};

use crate::cache::MonoTime;

static ORIGIN: OnceLock<Instant> = OnceLock::new();

fn origin() -> Instant {
    *ORIGIN.get_or_init(Instant::now)
}

/// Monotonic time for all expiry arithmetic.
pub(crate) fn now() -> MonoTime {
    let elapsed = Instant::now().saturating_duration_since(origin());
    MonoTime::from_nanos(u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX))
}

/// Wall-clock time, only for the `expires_at` shown to users and `Retry-After` dates.
pub(crate) fn wall_now() -> SystemTime {
    SystemTime::now()
}

/// The tokio instant of a monotonic time, to sleep until it.
pub(crate) fn tokio_instant(at: MonoTime) -> tokio::time::Instant {
    let at = origin().checked_add(Duration::from_nanos(at.as_nanos()));
    // A deadline too far to represent is as good as a year away.
    tokio::time::Instant::from_std(
        at.unwrap_or_else(|| Instant::now() + Duration::from_secs(365 * 86_400)),
    )
}
