//! When to refresh a token, how long to serve it, how long to back off.

use std::time::Duration;

use super::rng::Jitter;
use super::time::MonoTime;

/// The knobs of the token state machine. [`Policy::default`] is what every
/// binding uses unless told otherwise.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    /// Refresh once this fraction of the lifetime has passed since the request
    /// was sent (default `0.8`).
    pub refresh_fraction: f64,
    /// Refresh no later than this long before expiry (default 60 s). For short
    /// lifetimes it shrinks to a fifth of the lifetime.
    pub refresh_margin: Duration,
    /// Stop handing a token out this long before it expires (default 10 s),
    /// for clock drift and request transit. It shrinks with short lifetimes to
    /// half the refresh margin, so a token is always refreshed before it stops
    /// being served.
    pub expiry_skew: Duration,
    /// Refreshes are moved earlier by up to this fraction of the time to the
    /// refresh (default `0.1`), so a fleet started together does not refresh
    /// in lock-step.
    pub refresh_jitter: f64,
    /// First back-off after a failure (default 1 s); it doubles per failure.
    pub backoff_base: Duration,
    /// Longest back-off (default 60 s); also the pause after a permanent
    /// error such as `invalid_client`, which is never retried in a loop.
    pub backoff_max: Duration,
    /// The longest `Retry-After` honoured (default 10 min); longer values are cut.
    pub retry_after_cap: Duration,
    /// Retries of a transient failure while callers wait with no usable
    /// token (default 2). They happen only within `retry_window`.
    pub retries: u32,
    /// The time a waiting caller may spend on one fetch, retries included
    /// (default 10 s: the request timeout).
    pub retry_window: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            refresh_fraction: 0.8,
            refresh_margin: Duration::from_secs(60),
            expiry_skew: Duration::from_secs(10),
            refresh_jitter: 0.1,
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(60),
            retry_after_cap: Duration::from_secs(600),
            retries: 2,
            retry_window: Duration::from_secs(10),
        }
    }
}

/// The three moments of a cached token's life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deadlines {
    /// From here on, the next caller starts a background refresh.
    pub refresh_at: MonoTime,
    /// From here on, the token is no longer handed out.
    pub use_until: MonoTime,
    /// When the IdP says the token expires (send time + lifetime).
    pub expires_at: MonoTime,
}

impl Policy {
    /// Checks the fractions: finite, and within their ranges
    /// (`refresh_fraction` in 0..=1, `refresh_jitter` in 0..=0.5). A
    /// [`Slot`](super::Slot) never panics on a bad policy (it uses the
    /// defaults for bad fractions); this says which field is bad.
    pub fn validate(&self) -> Result<(), crate::Error> {
        let check = |field: &str, value: f64, max: f64| {
            if value.is_finite() && (0.0..=max).contains(&value) {
                Ok(())
            } else {
                Err(crate::Error::config(
                    field,
                    format!("must be a number from 0 to {max}, not {value}"),
                ))
            }
        };
        check("refresh_fraction", self.refresh_fraction, 1.0)?;
        check("refresh_jitter", self.refresh_jitter, 0.5)
    }

    /// This policy with any bad fraction replaced by its default (see
    /// [`validate`](Self::validate)), so that no arithmetic can panic.
    pub(crate) fn sanitized(mut self) -> Policy {
        let defaults = Policy::default();
        if !(self.refresh_fraction.is_finite() && (0.0..=1.0).contains(&self.refresh_fraction)) {
            self.refresh_fraction = defaults.refresh_fraction;
        }
        if !(self.refresh_jitter.is_finite() && (0.0..=0.5).contains(&self.refresh_jitter)) {
            self.refresh_jitter = defaults.refresh_jitter;
        }
        self
    }

    /// The deadlines of a token whose request was sent at `sent` and which
    /// lives `lifetime`; `refresh_in` (an IdP hint such as Entra's) can only
    /// move the refresh earlier.
    pub(crate) fn deadlines(
        &self,
        sent: MonoTime,
        lifetime: Duration,
        refresh_in: Option<Duration>,
        jitter: &mut Jitter,
    ) -> Deadlines {
        let margin = self.refresh_margin.min(lifetime / 5);
        let skew = self.expiry_skew.min(margin / 2);
        let by_fraction = lifetime.mul_f64(self.refresh_fraction);
        let mut refresh_after = by_fraction.min(lifetime.saturating_sub(margin));
        // A hint can bring the refresh forward, but not below a tenth of
        // the lifetime: a zero or tiny hint must not become a refresh storm.
        if let Some(hint) = refresh_in {
            refresh_after = refresh_after.min(hint.max(lifetime / 10));
        }
        let early = refresh_after.mul_f64(self.refresh_jitter * jitter.unit());
        let expires_at = sent + lifetime;
        Deadlines {
            refresh_at: sent + refresh_after.saturating_sub(early),
            use_until: expires_at - skew,
            expires_at,
        }
    }

    /// How long to wait after the `failures`-th failure in a row: exponential
    /// with "equal jitter" (between half and all of `base·2ⁿ⁻¹`, capped), and
    /// never shorter than the IdP's `Retry-After` (itself capped).
    pub(crate) fn backoff(
        &self,
        failures: u32,
        retry_after: Option<Duration>,
        jitter: &mut Jitter,
    ) -> Duration {
        let doublings = failures.saturating_sub(1).min(30);
        let full = self
            .backoff_base
            .saturating_mul(1u32 << doublings)
            .min(self.backoff_max);
        let jittered = full / 2 + (full / 2).mul_f64(jitter.unit());
        let asked = retry_after.map_or(Duration::ZERO, |r| r.min(self.retry_after_cap));
        jittered.max(asked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    fn at(t: MonoTime) -> f64 {
        Duration::from_nanos(t.as_nanos()).as_secs_f64()
    }

    #[test]
    fn an_hour_token_refreshes_at_80_percent_and_serves_until_10s_before() {
        let p = Policy {
            refresh_jitter: 0.0,
            ..Policy::default()
        };
        let d = p.deadlines(MonoTime::ZERO, secs(3600.0), None, &mut Jitter::new(1));
        assert!((at(d.refresh_at) - 2880.0).abs() < 1e-6);
        assert!((at(d.use_until) - 3590.0).abs() < 1e-6);
        assert!((at(d.expires_at) - 3600.0).abs() < 1e-6);
    }

    #[test]
    fn a_five_second_token_refreshes_near_4s_and_serves_until_shortly_before_5s() {
        let p = Policy::default();
        let d = p.deadlines(MonoTime::ZERO, secs(5.0), None, &mut Jitter::new(9));
        assert!((3.6..=4.0).contains(&at(d.refresh_at)), "{d:?}");
        assert!((4.5..5.0).contains(&at(d.use_until)), "{d:?}");
        assert!(d.refresh_at < d.use_until);
    }

    #[test]
    fn a_high_fraction_is_clamped_by_the_margin() {
        let p = Policy {
            refresh_fraction: 0.99,
            refresh_jitter: 0.0,
            ..Policy::default()
        };
        let d = p.deadlines(MonoTime::ZERO, secs(3600.0), None, &mut Jitter::new(1));
        assert!((at(d.refresh_at) - 3540.0).abs() < 1e-6);
    }

    #[test]
    fn refresh_in_moves_the_refresh_earlier_never_later() {
        let p = Policy {
            refresh_jitter: 0.0,
            ..Policy::default()
        };
        let early = p.deadlines(
            MonoTime::ZERO,
            secs(3600.0),
            Some(secs(1800.0)),
            &mut Jitter::new(1),
        );
        assert!((at(early.refresh_at) - 1800.0).abs() < 1e-6);
        let late = p.deadlines(
            MonoTime::ZERO,
            secs(3600.0),
            Some(secs(3500.0)),
            &mut Jitter::new(1),
        );
        assert!((at(late.refresh_at) - 2880.0).abs() < 1e-6);
    }

    #[test]
    fn bad_fractions_are_reported_and_never_panic() {
        for bad in [f64::NAN, f64::INFINITY, -1.0, 2.0] {
            let p = Policy {
                refresh_fraction: bad,
                refresh_jitter: bad,
                ..Policy::default()
            };
            assert_eq!(p.validate().unwrap_err().field(), Some("refresh_fraction"));
            let d =
                p.sanitized()
                    .deadlines(MonoTime::ZERO, secs(3600.0), None, &mut Jitter::new(1));
            assert!(d.refresh_at < d.use_until);
        }
        assert!(Policy::default().validate().is_ok());
    }

    #[test]
    fn backoff_doubles_within_jitter_and_honours_retry_after() {
        let p = Policy::default();
        let mut j = Jitter::new(3);
        for (n, full) in [(1, 1.0), (2, 2.0), (3, 4.0), (7, 60.0), (40, 60.0)] {
            let d = p.backoff(n, None, &mut j).as_secs_f64();
            assert!((full / 2.0..=full).contains(&d), "failure {n}: {d}");
        }
        assert_eq!(p.backoff(1, Some(secs(30.0)), &mut j), secs(30.0));
        assert_eq!(p.backoff(1, Some(secs(86_400.0)), &mut j), secs(600.0));
    }
}
