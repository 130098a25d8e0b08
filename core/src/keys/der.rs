//! Just enough DER to wrap a SEC1 EC key into PKCS#8, the form ring loads.

/// OID 1.2.840.10045.2.1 (id-ecPublicKey), DER-encoded.
const EC_PUBLIC_KEY: &[u8] = &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
/// OID 1.2.840.10045.3.1.7 (P-256).
pub(super) const P256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
/// OID 1.3.132.0.34 (P-384).
pub(super) const P384: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22];

/// One DER element: tag, definite length, content.
fn element(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// `PrivateKeyInfo { version 0, { id-ecPublicKey, curve }, OCTET STRING sec1 }`.
pub(super) fn pkcs8_from_sec1(sec1: &[u8], curve: &[u8]) -> zeroize::Zeroizing<Vec<u8>> {
    let algorithm = element(0x30, &[EC_PUBLIC_KEY, curve].concat());
    let key = zeroize::Zeroizing::new(element(0x04, sec1));
    let body = zeroize::Zeroizing::new([&[0x02, 0x01, 0x00][..], &algorithm, &key].concat());
    zeroize::Zeroizing::new(element(0x30, &body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lengths_use_the_long_form() {
        assert_eq!(element(0x04, &[1, 2]), vec![0x04, 2, 1, 2]);
        let long = element(0x04, &[0; 300]);
        assert_eq!(&long[..4], &[0x04, 0x82, 0x01, 0x2c]);
        assert_eq!(long.len(), 304);
    }
}
