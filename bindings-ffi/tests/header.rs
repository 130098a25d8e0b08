//! The committed `include/m2mauth.h` must be what cbindgen makes of the
//! source today. `M2MAUTH_BLESS=1 cargo test -p m2mauth-ffi --test header`
//! rewrites it.

use std::path::Path;

#[test]
fn committed_header_matches_a_fresh_generation() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config =
        cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("cbindgen.toml parses");
    let bindings = cbindgen::Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen understands the crate");
    let mut fresh = Vec::new();
    bindings.write(&mut fresh);
    let path = crate_dir.join("include/m2mauth.h");
    if std::env::var_os("M2MAUTH_BLESS").is_some() {
        std::fs::write(&path, &fresh).expect("the header is writable");
        return;
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "include/m2mauth.h differs from a fresh generation: run `M2MAUTH_BLESS=1 cargo test -p m2mauth-ffi --test header` and commit it"
    );
}
