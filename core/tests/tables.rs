//! The committed `tests/vectors/options.json` and `error_codes.json` (and
//! the users' reference `docs/options.md`) must be what the core's tables
//! say today: every binding checks its own declarations against them.
//! `M2MAUTH_BLESS=1 cargo test -p m2mauth --test tables` rewrites them.

use std::fmt::Write as _;
use std::path::PathBuf;

use serde_json::Value;

fn check(file: &str, fresh: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(file);
    if std::env::var_os("M2MAUTH_BLESS").is_some() {
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder).expect("the folder can be made");
        }
        std::fs::write(&path, fresh).expect("the file is writable");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "{file} differs from the core's table: run \
         `M2MAUTH_BLESS=1 cargo test -p m2mauth --test tables` and commit it"
    );
}

#[test]
fn options_json_is_fresh() {
    check(
        "tests/vectors/options.json",
        &m2mauth::config::table::options_json(),
    );
}

#[test]
fn error_codes_json_is_fresh() {
    check(
        "tests/vectors/error_codes.json",
        &m2mauth::error_codes_json(),
    );
}

#[test]
fn options_reference_is_fresh() {
    let options: Vec<Value> = serde_json::from_str(&m2mauth::config::table::options_json())
        .expect("the table writes a JSON list");
    check("docs/options.md", &options_markdown(&options));
}

/// `docs/options.md`: the users' reference, one table per component.
fn options_markdown(options: &[Value]) -> String {
    let mut out = String::from(
        "# Options\n\n\
         Generated from the core's option table by `core/tests/tables.rs` \
         (`M2MAUTH_BLESS=1 cargo test -p m2mauth --test tables`); do not edit.\n\n\
         Python and the C ABI's JSON use the snake_case name, Node the camelCase one, Go and \
         C# the Pascal-case field. Variables take the prefix given to `from_env` \
         (default `M2MAUTH`, e.g. `M2MAUTH_TOKEN_URL`).\n",
    );
    for (component, title) in [("token_source", "TokenSource"), ("verifier", "Verifier")] {
        let _ = write!(
            out,
            "\n## `{title}`\n\n\
             | option | type | default | variable | CLI flag | Node | Go | C# | meaning |\n\
             |---|---|---|---|---|---|---|---|---|\n"
        );
        for option in options.iter().filter(|o| o["component"] == component) {
            let text = |field: &str| option[field].as_str().unwrap_or_default().to_owned();
            let code = |value: String| {
                if value.is_empty() {
                    value
                } else {
                    format!("`{value}`")
                }
            };
            let variables: Vec<String> = option["env"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(|name| format!("`<P>_{name}`"))
                .collect();
            let default = match &option["default"] {
                Value::Null => String::new(),
                other => format!("`{other}`"),
            };
            let _ = writeln!(
                out,
                "| `{}` | {} | {default} | {} | {} | {} | {} | {} | {} |",
                text("name"),
                text("type"),
                variables.join(", "),
                code(text("flag")),
                code(text("node")),
                code(text("go")),
                code(text("dotnet")),
                text("doc").replace('|', "\\|"),
            );
        }
    }
    out
}
