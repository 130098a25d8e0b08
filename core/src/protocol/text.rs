//! Making text from an IdP safe to show: cut, without control characters,
//! without the client's secret.

const DESCRIPTION_LIMIT: usize = 300;
const ERROR_CODE_LIMIT: usize = 100;

/// Cleans an `error_description` (or any IdP text shown to users): control
/// characters become spaces, runs of white space collapse, the result is cut
/// to 300 characters, and any occurrence of a secret in `secrets` (of four
/// characters or more) is replaced by `[redacted]`.
pub(crate) fn clean_description(raw: &str, secrets: &[&str]) -> Option<String> {
    // The tail past the limit is dropped anyway; scanning it costs time.
    let raw = cut(raw, DESCRIPTION_LIMIT * 4);
    let text = redact(&raw, secrets)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    // Again after cleaning, which may have joined a secret's pieces.
    let text = redact(&text, secrets);
    if text.is_empty() {
        return None;
    }
    Some(cut(&text, DESCRIPTION_LIMIT))
}

/// Cleans an OAuth `error` code: only the characters RFC 6749 §5.2 allows
/// (`%x20-21 / %x23-5B / %x5D-7E`) are kept, what the request sent is
/// redacted as in descriptions, and the rest cut to 100 characters.
pub(crate) fn clean_error_code(raw: &str, secrets: &[&str]) -> Option<String> {
    let text: String = cut(raw, ERROR_CODE_LIMIT * 4)
        .chars()
        .filter(|c| matches!(*c, '\x20' | '\x21' | '\x23'..='\x5B' | '\x5D'..='\x7E'))
        .collect();
    let text = redact(&text, secrets);
    let text = text.trim();
    (!text.is_empty()).then(|| cut(text, ERROR_CODE_LIMIT))
}

/// A run of at least this many characters of a secret is redacted wherever
/// it appears, so that an IdP echoing part of one (cut, or glued to other
/// text) shows none of it.
const PARTIAL_RUN: usize = 8;

/// `text` with every secret of 4 characters or more replaced by
/// `[redacted]`, and every run of [`PARTIAL_RUN`] characters or more that
/// occurs inside a longer secret too.
fn redact(text: &str, secrets: &[&str]) -> String {
    let mut text = text.to_owned();
    for secret in secrets.iter().filter(|s| s.chars().count() >= 4) {
        text = text.replace(secret, "[redacted]");
    }
    let long: Vec<&str> = secrets
        .iter()
        .copied()
        .filter(|s| s.chars().count() >= PARTIAL_RUN)
        .collect();
    if long.is_empty() {
        return text;
    }
    let starts: Vec<usize> = text.char_indices().map(|(at, _)| at).collect();
    let byte_at = |i: usize| starts.get(i).copied().unwrap_or(text.len());
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < starts.len() {
        // The longest run from i that lies inside one of the secrets.
        let mut run = 0;
        let mut len = PARTIAL_RUN;
        while i + len <= starts.len() {
            let piece = &text[byte_at(i)..byte_at(i + len)];
            if !long.iter().any(|secret| secret.contains(piece)) {
                break;
            }
            run = len;
            len += 1;
        }
        if run > 0 {
            out.push_str("[redacted]");
            i += run;
        } else {
            out.push_str(&text[byte_at(i)..byte_at(i + 1)]);
            i += 1;
        }
    }
    out
}

/// A number as it may appear in a message: short whatever its size
/// (`1e308` rather than 309 digits).
pub(crate) fn number(value: f64) -> String {
    if value.is_finite() && value.abs() < 1e15 {
        cut(&value.to_string(), 24)
    } else {
        format!("{value:e}")
    }
}

/// Cuts `text` to at most `limit` characters, marking the cut with `…`.
pub(crate) fn cut(text: &str, limit: usize) -> String {
    match text.char_indices().nth(limit) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_are_cleaned_cut_and_scrubbed() {
        assert_eq!(
            clean_description("bad\r\nsecret\t\x1b[31mhunter2 was wrong", &["hunter2"]).unwrap(),
            "bad secret [31m[redacted] was wrong"
        );
        let long = "é".repeat(500);
        let cleaned = clean_description(&long, &[]).unwrap();
        assert_eq!(cleaned.chars().count(), 301);
        assert!(cleaned.ends_with('…'));
        assert_eq!(clean_description(" \n ", &[]), None);
        assert_eq!(
            clean_description("a b c", &["b"]).unwrap(),
            "a b c",
            "short secrets are not scrubbed"
        );
    }

    #[test]
    fn pieces_of_a_secret_are_scrubbed_too() {
        // Found by fuzz/token_response: the form-urlencoded secret echoed cut short.
        let secret = "fuzz-canary-s3cret%2F%2B%3D";
        let shown = clean_description("admin is ninfuzz-canary-s3cret%2Fd", &[secret]).unwrap();
        assert_eq!(shown, "admin is nin[redacted]d");
        // Pieces joined by what cleaning removes, and in the error code.
        let shown = clean_description("x fuzz-canary\u{7}-s3cret y", &["fuzz-canary -s3cret"]);
        assert_eq!(shown.as_deref(), Some("x [redacted][redacted] y"));
        let code = clean_error_code("invalid_fuzz-canary-s3cret", &[secret]).unwrap();
        assert_eq!(code, "invalid_[redacted]");
        // Runs shorter than eight characters of a long secret stay.
        assert_eq!(
            clean_description("the s3cret was wrong", &[secret]).unwrap(),
            "the s3cret was wrong"
        );
    }

    #[test]
    fn error_codes_keep_only_allowed_characters() {
        assert_eq!(
            clean_error_code("invalid_client\n", &[]).unwrap(),
            "invalid_client"
        );
        assert_eq!(clean_error_code("\"\\", &[]), None);
    }
}
