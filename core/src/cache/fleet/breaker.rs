//! The circuit breaker in front of Redis: after a failure, Redis is left
//! alone for a while (doubling up to a bound), so a process whose Redis is
//! down pays no timeout per call.

use std::time::Duration;

use crate::cache::MonoTime;

const FIRST_PAUSE: Duration = Duration::from_secs(1);
const LONGEST_PAUSE: Duration = Duration::from_secs(30);

/// Whether to use Redis now.
#[derive(Clone, Debug, Default)]
pub struct Breaker {
    failures: u32,
    open_until: Option<MonoTime>,
}

impl Breaker {
    /// Whether Redis may be asked at `now`.
    pub fn allows(&self, now: MonoTime) -> bool {
        self.open_until.is_none_or(|until| now >= until)
    }

    /// A Redis command failed at `now`: pause, longer each time in a row.
    pub fn failed(&mut self, now: MonoTime) {
        let pause = FIRST_PAUSE
            .saturating_mul(1u32 << self.failures.min(5))
            .min(LONGEST_PAUSE);
        self.failures = self.failures.saturating_add(1);
        self.open_until = Some(now + pause);
    }

    /// Redis answered: back to normal.
    pub fn succeeded(&mut self) {
        self.failures = 0;
        self.open_until = None;
    }
}
