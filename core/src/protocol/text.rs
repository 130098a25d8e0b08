//! Making text from an IdP safe to show: cut, without control characters,
//! without the client's secret.

const DESCRIPTION_LIMIT: usize = 300;
const ERROR_CODE_LIMIT: usize = 100;

/// Cleans an `error_description` (or any IdP text shown to users): control
/// characters become spaces, runs of white space collapse, the result is cut
/// to 300 characters, and any occurrence of a secret in `secrets` (of four
/// characters or more) is replaced by `[redacted]`.
pub(crate) fn clean_description(raw: &str, secrets: &[&str]) -> Option<String> {
    let mut text = raw.to_owned();
    for secret in secrets.iter().filter(|s| s.chars().count() >= 4) {
        text = text.replace(secret, "[redacted]");
    }
    let text = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if text.is_empty() {
        return None;
    }
    Some(cut(&text, DESCRIPTION_LIMIT))
}

/// Cleans an OAuth `error` code: only the characters RFC 6749 §5.2 allows
/// (`%x20-21 / %x23-5B / %x5D-7E`) are kept, cut to 100 characters.
pub(crate) fn clean_error_code(raw: &str) -> Option<String> {
    let text: String = raw
        .chars()
        .filter(|c| matches!(*c, '\x20' | '\x21' | '\x23'..='\x5B' | '\x5D'..='\x7E'))
        .collect();
    let text = text.trim();
    (!text.is_empty()).then(|| cut(text, ERROR_CODE_LIMIT))
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
    fn error_codes_keep_only_allowed_characters() {
        assert_eq!(
            clean_error_code("invalid_client\n").unwrap(),
            "invalid_client"
        );
        assert_eq!(clean_error_code("\"\\"), None);
    }
}
