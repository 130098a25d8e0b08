//! The committed `tests/vectors/options.json` and `error_codes.json` must
//! be what the core's tables say today: every binding checks its own
//! declarations against them. `M2MAUTH_BLESS=1 cargo test -p m2mauth --test
//! tables` rewrites them.

use std::path::PathBuf;

fn check(file: &str, fresh: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/vectors")
        .join(file);
    if std::env::var_os("M2MAUTH_BLESS").is_some() {
        std::fs::write(&path, fresh).expect("the vectors folder is writable");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "tests/vectors/{file} differs from the core's table: run \
         `M2MAUTH_BLESS=1 cargo test -p m2mauth --test tables` and commit it"
    );
}

#[test]
fn options_json_is_fresh() {
    check("options.json", &m2mauth::config::table::options_json());
}

#[test]
fn error_codes_json_is_fresh() {
    check("error_codes.json", &m2mauth::error_codes_json());
}
