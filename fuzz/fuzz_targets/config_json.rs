//! The JSON configuration every binding passes (Python, Node, the C ABI),
//! for a token source and for a verifier. Files are never read: a `*_file`
//! option reads from an empty in-memory disk.
#![no_main]

use libfuzzer_sys::fuzz_target;
use m2mauth::ConfigBuilder;
use m2mauth::verify::VerifierConfigBuilder;
use m2mauth_fuzz::NoFiles;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(builder) = ConfigBuilder::from_json(text) {
        let _ = builder.build_with(&NoFiles);
    }
    if let Ok(builder) = VerifierConfigBuilder::from_json(text) {
        let _ = builder.build_with(&NoFiles, true);
    }
});
