//! A discovery document (OIDC or RFC 8414) from a hostile or broken server.
#![no_main]

use std::time::SystemTime;

use libfuzzer_sys::fuzz_target;
use m2mauth::protocol::{HttpResponse, parse_discovery};

fuzz_target!(|data: &[u8]| {
    let response = HttpResponse::new(200, vec![], data.to_vec());
    if let Ok(metadata) =
        parse_discovery(&response, "https://idp.example.com", SystemTime::UNIX_EPOCH)
    {
        // Whatever it accepted, the issuer is the one that was asked for.
        let issuer = metadata.issuer.trim_end_matches('/');
        assert_eq!(issuer, "https://idp.example.com");
    }
});
