//! `from_env`: `NAME=value` lines as the environment variables of a token
//! source and of a verifier (prefix `M2MAUTH`).
#![no_main]

use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;
use m2mauth::ConfigBuilder;
use m2mauth::verify::VerifierConfigBuilder;
use m2mauth_fuzz::NoFiles;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let variables: HashMap<String, String> = text
        .lines()
        .filter_map(|line| line.split_once('='))
        .map(|(name, value)| (format!("M2MAUTH_{name}"), value.to_owned()))
        .collect();
    let lookup = |name: &str| variables.get(name).cloned();
    if let Ok(builder) = ConfigBuilder::from_lookup("M2MAUTH", lookup) {
        let _ = builder.build_with(&NoFiles);
    }
    if let Ok(builder) = VerifierConfigBuilder::from_flags("M2MAUTH", lookup, &[]) {
        let _ = builder.build_with(&NoFiles, true);
    }
});
