//! Reading answers the way IdPs and their proxies actually write them: a
//! byte order mark, bytes that are not UTF-8, escapes of half a UTF-16
//! pair, or a form-encoded body where JSON was asked for.

use serde_json::{Map, Value};

/// Parses JSON leniently: a UTF-8 byte order mark is skipped, bytes that
/// are not UTF-8 (a Latin-1 description) become U+FFFD, and so does an
/// escaped lone surrogate (`"\ud83d"`, half an emoji cut by a UTF-16
/// server), instead of making the whole answer unreadable.
pub(crate) fn json(body: &[u8]) -> serde_json::Result<Value> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let strict = serde_json::from_slice(body);
    if strict.is_ok() {
        return strict;
    }
    let text = String::from_utf8_lossy(body);
    match repair_lone_surrogates(&text) {
        Some(repaired) => serde_json::from_str(&repaired),
        None if matches!(text, std::borrow::Cow::Owned(_)) => serde_json::from_str(&text),
        None => strict,
    }
}

/// A form-encoded answer as the JSON object it stands for (every value a
/// string; a repeated name keeps its first value).
pub(crate) fn form_object(body: &[u8]) -> Map<String, Value> {
    let mut object = Map::new();
    for (name, value) in url::form_urlencoded::parse(body.trim_ascii()) {
        object
            .entry(name.into_owned())
            .or_insert_with(|| Value::String(value.into_owned()));
    }
    object
}

/// `text` with every `\uD800`–`\uDFFF` escape that is not half of a valid
/// pair replaced by `\uFFFD`; `None` when there is none.
fn repair_lone_surrogates(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut repaired = false;
    let mut rest = text;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let Some(unit) = escaped_unit(rest) else {
            // Any other escape: copy it whole, so `\\u…` stays text.
            let end = rest.char_indices().nth(2).map_or(rest.len(), |(i, _)| i);
            out.push_str(&rest[..end]);
            rest = &rest[end..];
            continue;
        };
        let pair_low = escaped_unit(&rest[6..]).filter(|low| (0xDC00..=0xDFFF).contains(low));
        if (0xD800..=0xDBFF).contains(&unit) && pair_low.is_some() {
            out.push_str(&rest[..12]);
            rest = &rest[12..];
        } else if (0xD800..=0xDFFF).contains(&unit) {
            out.push_str("\\uFFFD");
            rest = &rest[6..];
            repaired = true;
        } else {
            out.push_str(&rest[..6]);
            rest = &rest[6..];
        }
    }
    out.push_str(rest);
    repaired.then_some(out)
}

/// The code unit of a `\uXXXX` escape at the start of `text`.
fn escaped_unit(text: &str) -> Option<u32> {
    let hex = text.strip_prefix("\\u")?.get(..4)?;
    u32::from_str_radix(hex, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byte_order_mark_is_skipped() {
        assert_eq!(json(b"\xEF\xBB\xBF{\"a\":1}").unwrap()["a"], 1);
    }

    #[test]
    fn bytes_that_are_not_utf_8_become_replacement_characters() {
        assert_eq!(json(b"{\"a\":\"caf\xe9\"}").unwrap()["a"], "caf\u{fffd}");
    }

    #[test]
    fn lone_surrogates_become_replacement_characters_and_pairs_survive() {
        let v = json(br#"{"a":"x\ud83d","b":"\ud83d\ude00","c":"\udc00y","d":"\\ud83d"}"#).unwrap();
        assert_eq!(v["a"], "x\u{fffd}");
        assert_eq!(v["b"], "\u{1f600}");
        assert_eq!(v["c"], "\u{fffd}y");
        assert_eq!(v["d"], "\\ud83d", "an escaped backslash is not an escape");
    }

    #[test]
    fn what_is_not_json_stays_an_error() {
        assert!(json(b"<html></html>").is_err());
        assert!(json(b"{\"a\":\"\\ud83d").is_err());
    }
}
