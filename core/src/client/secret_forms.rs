//! The forms a client secret takes on the wire, and HTTP Basic
//! authentication (RFC 6749 §2.3.1).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use zeroize::Zeroizing;

use crate::Secret;

/// The forms in which a secret may travel and come back: as is,
/// form-urlencoded, and JSON-escaped.
pub(super) fn secret_forms(secret: &str) -> Vec<Secret> {
    let mut forms = vec![Secret::new(secret)];
    let encoded: Zeroizing<String> =
        Zeroizing::new(form_urlencoded::byte_serialize(secret.as_bytes()).collect());
    let escaped = Zeroizing::new(serde_json::Value::from(secret).to_string());
    let escaped = escaped
        .strip_prefix('"')
        .and_then(|e| e.strip_suffix('"'))
        .unwrap_or(&escaped);
    for form in [encoded.as_str(), escaped] {
        if form != secret {
            forms.push(Secret::new(form));
        }
    }
    forms
}

/// `Basic base64(urlenc(id) ":" urlenc(secret))` (RFC 6749 §2.3.1, Appendix B).
pub(super) fn basic_authorization(client_id: &str, secret: &Secret) -> Secret {
    let mut pair = Zeroizing::new(String::new());
    pair.extend(form_urlencoded::byte_serialize(client_id.as_bytes()));
    pair.push(':');
    pair.extend(form_urlencoded::byte_serialize(secret.expose().as_bytes()));
    let encoded = Zeroizing::new(STANDARD.encode(pair.as_bytes()));
    let mut header = Zeroizing::new(String::with_capacity(6 + encoded.len()));
    header.push_str("Basic ");
    header.push_str(&encoded);
    Secret::new(header.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_of_the_secret_is_listed() {
        let forms: Vec<String> = secret_forms("p&ss \"w\"/ö")
            .iter()
            .map(|s| s.expose().to_owned())
            .collect();
        assert!(forms.contains(&"p&ss \"w\"/ö".to_owned()));
        assert!(forms.contains(&"p%26ss+%22w%22%2F%C3%B6".to_owned()));
        assert!(forms.contains(&"p&ss \\\"w\\\"/ö".to_owned()));
    }
}
