//! `Retry-After` (RFC 9110 §10.2.3): seconds, or an HTTP date.

use std::time::{Duration, SystemTime};

/// Parses a `Retry-After` value: delay seconds (`"120"`) or an HTTP date,
/// measured from `now`. A date in the past means zero; nonsense means `None`.
///
/// ```
/// use m2mauth::protocol::parse_retry_after;
/// use std::time::{Duration, SystemTime};
/// assert_eq!(parse_retry_after("30", SystemTime::UNIX_EPOCH), Some(Duration::from_secs(30)));
/// assert_eq!(parse_retry_after("soon", SystemTime::UNIX_EPOCH), None);
/// ```
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_count_from_now() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("-5", now), None);
    }
}
