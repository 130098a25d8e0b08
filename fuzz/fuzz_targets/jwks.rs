//! A JWKS document from a hostile or broken issuer.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(keys) = m2mauth::verify::parse_jwks(data) {
        for key in keys.keys() {
            let _ = key.kid();
        }
    }
});
