//! The committed files that are generated from the core's tables must be
//! what the tables say today:
//!
//! - `include/m2mauth.h`: cbindgen's view of `src/`, with the status codes
//!   from the core's error table;
//! - `go/options_gen.go` and `go/errors_gen.go`: the Go `Config` and
//!   `VerifierConfig`, and the error codes and their `errors.Is` sentinels;
//! - `dotnet/src/Options.g.cs` and `dotnet/src/Errors.g.cs`: the C#
//!   options classes, and the error codes and exception classes.
//!
//! `M2MAUTH_BLESS=1 cargo test -p m2mauth-ffi --test generated` rewrites them.

use std::fmt::Write as _;
use std::path::Path;

use m2mauth::config::table::{Component, Kind, OptionSpec, options_of};
use m2mauth::{ErrorCode, Family};
#[path = "../src/abi_codes.rs"]
#[allow(dead_code, unreachable_pub)]
mod abi_codes;
use abi_codes::ABI_CODES;

fn check(relative: &str, fresh: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    if std::env::var_os("M2MAUTH_BLESS").is_some() {
        std::fs::write(&path, fresh).expect("the generated file is writable");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "{relative} differs from a fresh generation: run \
         `M2MAUTH_BLESS=1 cargo test -p m2mauth-ffi --test generated` and commit it"
    );
}

fn doc_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `snake_case` → `PascalCase`.
fn pascal(snake: &str) -> String {
    snake
        .split('_')
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map_or_else(String::new, |c| {
                c.to_uppercase().chain(chars).collect::<String>()
            })
        })
        .collect()
}

/// Every code of the header, Go and .NET: the ABI's own and the core's.
fn all_codes() -> Vec<(String, u32, String, &'static str)> {
    let mut codes: Vec<(String, u32, String, &'static str)> = ABI_CODES
        .iter()
        .map(|(name, number, doc)| ((*name).to_owned(), *number, (*doc).to_owned(), "internal"))
        .collect();
    codes.extend(ErrorCode::ALL.iter().map(|c| {
        (
            c.as_str().to_owned(),
            c.number(),
            doc_line(c.doc()),
            c.family().as_str(),
        )
    }));
    codes.sort_by_key(|(_, number, _, _)| *number);
    codes
}

#[test]
fn header_is_fresh() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut config =
        cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("cbindgen.toml parses");
    let mut constants = String::from(
        "\n// Status codes (m2m_code), from the core's error table plus the ABI's own.\n\
         // The numbers are stable; m2m_error_name gives the name in lower case.\n",
    );
    for (name, number, doc, _) in all_codes() {
        let _ = writeln!(
            constants,
            "// {doc}\n#define M2M_{} {number}",
            name.to_ascii_uppercase()
        );
    }
    config.after_includes = Some(constants);
    let bindings = cbindgen::Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen understands the crate");
    let mut fresh = Vec::new();
    bindings.write(&mut fresh);
    check(
        "include/m2mauth.h",
        &String::from_utf8(fresh).expect("UTF-8"),
    );
}

// ---------------------------------------------------------------- Go

fn go_type(kind: Kind) -> &'static str {
    match kind {
        Kind::Text | Kind::Secret | Kind::Path | Kind::Choice(_) => "string",
        Kind::Words | Kind::Uris => "[]string",
        Kind::Seconds => "time.Duration",
        Kind::Count => "*int",
        Kind::Flag => "bool",
        Kind::Params => "map[string]string",
        Kind::Claims => "map[string]any",
    }
}

/// The Go condition under which the field `field` of kind `kind` is set.
fn go_is_set(kind: Kind, field: &str) -> String {
    match kind {
        Kind::Text | Kind::Secret | Kind::Path | Kind::Choice(_) => format!("{field} != \"\""),
        Kind::Words | Kind::Uris | Kind::Params | Kind::Claims => format!("len({field}) > 0"),
        Kind::Seconds => format!("{field} != 0"),
        Kind::Count => format!("{field} != nil"),
        Kind::Flag => field.to_owned(),
    }
}

fn go_struct(out: &mut String, name: &str, about: &str, component: Component) {
    let _ = writeln!(out, "// {name} {about}");
    let _ = writeln!(
        out,
        "// Zero values mean \"the default\". Printing it never shows a secret."
    );
    let _ = writeln!(out, "type {name} struct {{");
    for o in options_of(component) {
        let _ = writeln!(out, "\t// {}", doc_line(o.doc));
        let _ = writeln!(
            out,
            "\t{} {} `m2m:\"{}\"`",
            o.go_name(),
            go_type(o.kind),
            o.name
        );
    }
    let _ = writeln!(out, "}}\n");
    // The JSON form the C library takes.
    let _ = writeln!(out, "func (c {name}) options() map[string]any {{");
    let _ = writeln!(out, "\tm := map[string]any{{}}");
    for o in options_of(component) {
        let field = format!("c.{}", o.go_name());
        let condition = go_is_set(o.kind, &field);
        let value = match o.kind {
            Kind::Seconds => format!("{field}.Seconds()"),
            Kind::Count => format!("*{field}"),
            _ => field.clone(),
        };
        let _ = writeln!(
            out,
            "\tif {condition} {{\n\t\tm[\"{}\"] = {value}\n\t}}",
            o.name
        );
    }
    let _ = writeln!(out, "\treturn m\n}}\n");
    // Redacted printing: String, GoString and Format all show secrets as [redacted].
    let _ = writeln!(
        out,
        "// String lists the options that are set; secrets show as [redacted]."
    );
    let _ = writeln!(out, "func (c {name}) String() string {{");
    let _ = writeln!(out, "\tvar b strings.Builder");
    let _ = writeln!(out, "\tb.WriteString(\"m2mauth.{name}{{\")");
    let _ = writeln!(out, "\tsep := \"\"");
    let _ = writeln!(
        out,
        "\tfield := func(name string, value any) {{\n\t\tfmt.Fprintf(&b, \"%s%s:%v\", sep, name, value)\n\t\tsep = \" \"\n\t}}"
    );
    for o in options_of(component) {
        let field = format!("c.{}", o.go_name());
        let shown = match o.kind {
            Kind::Secret => "\"[redacted]\"".to_owned(),
            Kind::Params => format!("redactedKeys({field})"),
            Kind::Count => format!("*{field}"),
            _ => field.clone(),
        };
        let condition = go_is_set(o.kind, &field);
        let _ = writeln!(
            out,
            "\tif {condition} {{\n\t\tfield(\"{}\", {shown})\n\t}}",
            o.go_name()
        );
    }
    let _ = writeln!(out, "\tb.WriteString(\"}}\")\n\treturn b.String()\n}}\n");
    let _ = writeln!(
        out,
        "// GoString is String, so %#v never shows a secret either."
    );
    let _ = writeln!(
        out,
        "func (c {name}) GoString() string {{ return c.String() }}\n"
    );
    let _ = writeln!(
        out,
        "// Format prints String for every verb (%v, %+v, %s, …)."
    );
    let _ = writeln!(
        out,
        "func (c {name}) Format(f fmt.State, _ rune) {{ _, _ = io.WriteString(f, c.String()) }}"
    );
}

#[test]
fn go_options_are_fresh() {
    let mut out = String::from(
        "// Code generated by bindings-ffi/tests/generated.rs from the core's option table; DO NOT EDIT.\n\n\
         package m2mauth\n\nimport (\n\t\"fmt\"\n\t\"io\"\n\t\"strings\"\n\t\"time\"\n)\n\n",
    );
    go_struct(
        &mut out,
        "Config",
        "configures a TokenSource: the options every m2mauth language takes (see options.json).",
        Component::TokenSource,
    );
    out.push('\n');
    go_struct(
        &mut out,
        "VerifierConfig",
        "configures a Verifier: the options every m2mauth language takes (see options.json).",
        Component::Verifier,
    );
    check("go/options_gen.go", &out);
}

#[test]
fn go_errors_are_fresh() {
    let mut out = String::from(
        "// Code generated by bindings-ffi/tests/generated.rs from the core's error table; DO NOT EDIT.\n\n\
         package m2mauth\n\n// The codes: the C ABI's statuses, the same in every m2mauth language.\nconst (\n",
    );
    for (name, number, doc, _) in all_codes() {
        if name == "ok" {
            continue;
        }
        let _ = writeln!(
            out,
            "\t// Code{} {}\n\tCode{} Code = {number}",
            go_code(&name),
            doc,
            go_code(&name)
        );
    }
    out.push_str(")\n\n// Sentinels for errors.Is, one per code: errors match by code.\nvar (\n");
    for (name, _, _, family) in all_codes() {
        if name == "ok" {
            continue;
        }
        let _ = writeln!(
            out,
            "\t// Err{0} matches errors of code {name}.\n\tErr{0} = sentinel(Code{0}, \"{name}\", \"{family}\")",
            go_code(&name)
        );
    }
    out.push_str(
        ")\n\n// sentinels lists every sentinel, for lookups by name.\nvar sentinels = []*Error{\n",
    );
    for (name, _, _, _) in all_codes() {
        if name == "ok" {
            continue;
        }
        let _ = writeln!(out, "\tErr{},", go_code(&name));
    }
    out.push_str("}\n");
    check("go/errors_gen.go", &out);
}

/// A code's Go name: `invalid_client` → `InvalidClient`, with Go's initialisms.
fn go_code(name: &str) -> String {
    name.split('_')
        .map(|w| match w {
            "http" => "HTTP".to_owned(),
            "utf8" => "UTF8".to_owned(),
            "oauth" => "OAuth".to_owned(),
            "jwks" => "JWKS".to_owned(),
            "dpop" => "DPoP".to_owned(),
            other => pascal(other),
        })
        .collect()
}

// ---------------------------------------------------------------- .NET

fn dotnet_type(kind: Kind) -> &'static str {
    match kind {
        Kind::Text | Kind::Secret | Kind::Path | Kind::Choice(_) => "string",
        Kind::Words | Kind::Uris => "IList<string>",
        Kind::Seconds => "TimeSpan?",
        Kind::Count => "int?",
        Kind::Flag => "bool",
        Kind::Params => "IDictionary<string, string>",
        Kind::Claims => "IDictionary<string, object>",
    }
}

fn dotnet_writer(kind: Kind) -> &'static str {
    match kind {
        Kind::Text | Kind::Secret | Kind::Path | Kind::Choice(_) => "Text",
        Kind::Words | Kind::Uris => "List",
        Kind::Seconds => "Seconds",
        Kind::Count => "Count",
        Kind::Flag => "Flag",
        Kind::Params => "Params",
        Kind::Claims => "Claims",
    }
}

fn xml(text: &str) -> String {
    doc_line(text)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn dotnet_class(out: &mut String, name: &str, about: &str, component: Component) {
    let _ = writeln!(out, "    /// <summary>{about}</summary>");
    let _ = writeln!(out, "    public sealed partial class {name}\n    {{");
    let rows: Vec<&OptionSpec> = options_of(component).collect();
    for o in &rows {
        let _ = writeln!(out, "        /// <summary>{}</summary>", xml(o.doc));
        let _ = writeln!(
            out,
            "        public {} {} {{ get; set; }}\n",
            dotnet_type(o.kind),
            o.dotnet_name()
        );
    }
    let _ = writeln!(
        out,
        "        /// <summary>The JSON form the native library takes.</summary>"
    );
    let _ = writeln!(out, "        internal string ToJson()\n        {{");
    let _ = writeln!(out, "            var json = new JsonWriter();");
    for o in &rows {
        let _ = writeln!(
            out,
            "            json.{}(\"{}\", {});",
            dotnet_writer(o.kind),
            o.name,
            o.dotnet_name()
        );
    }
    let _ = writeln!(out, "            return json.Finish();\n        }}\n");
    let _ = writeln!(
        out,
        "        /// <summary>The options that are set; secrets show as [redacted].</summary>"
    );
    let _ = writeln!(out, "        public override string ToString()\n        {{");
    let _ = writeln!(out, "            var shown = new Shown(\"{name}\");");
    for o in &rows {
        let method = if o.kind == Kind::Secret {
            "Secret"
        } else {
            "Value"
        };
        let _ = writeln!(
            out,
            "            shown.{method}(\"{}\", {});",
            o.dotnet_name(),
            o.dotnet_name()
        );
    }
    let _ = writeln!(
        out,
        "            return shown.Finish();\n        }}\n    }}\n"
    );
}

#[test]
fn dotnet_options_are_fresh() {
    let mut out = String::from(
        "// <auto-generated>\n// Generated by bindings-ffi/tests/generated.rs from the core's option table; do not edit.\n// </auto-generated>\n\
         using System;\nusing System.Collections.Generic;\n\nnamespace M2MAuth\n{\n",
    );
    dotnet_class(
        &mut out,
        "TokenSourceOptions",
        "Options of a <see cref=\"TokenSource\"/>: the same in every m2mauth language (see options.json). Unset means the default.",
        Component::TokenSource,
    );
    dotnet_class(
        &mut out,
        "VerifierOptions",
        "Options of a Verifier: the same in every m2mauth language (see options.json). Unset means the default.",
        Component::Verifier,
    );
    out.push_str("}\n");
    check("dotnet/src/Options.g.cs", &out);
}

/// The exception class of a family.
fn family_class(family: &str) -> &'static str {
    match family {
        "config" => "ConfigurationException",
        "refused" => "OAuthRefusedException",
        "transient" => "TransientException",
        "malformed" => "MalformedException",
        "invalid_token" => "InvalidTokenException",
        _ => "InternalException",
    }
}

/// The exception class of a code, and its base: one class per code, under
/// its family's. JWKS_UNAVAILABLE is raised by verifiers, so (as DESIGN.md
/// asks: `VerifyAsync` throws `InvalidTokenException` subclasses) it derives
/// from `InvalidTokenException` though its family is transient.
fn code_class(name: &str, family: &str) -> Option<(String, &'static str)> {
    match name {
        "config" | "internal" | "ok" => None,
        "timeout" => Some(("TokenTimeoutException".to_owned(), family_class(family))),
        "jwks_unavailable" => Some((
            "JwksUnavailableException".to_owned(),
            "InvalidTokenException",
        )),
        _ => Some((format!("{}Exception", pascal(name)), family_class(family))),
    }
}

#[test]
fn dotnet_errors_are_fresh() {
    let mut out = String::from(
        "// <auto-generated>\n// Generated by bindings-ffi/tests/generated.rs from the core's error table; do not edit.\n// </auto-generated>\n\
         namespace M2MAuth\n{\n    /// <summary>What went wrong. The numbers are the C ABI's; the names\n    \
         /// (<see cref=\"M2MAuthException.CodeName\"/>) are the same in every m2mauth language.</summary>\n    \
         public enum ErrorCode : uint\n    {\n",
    );
    for (name, number, doc, _) in all_codes() {
        let _ = writeln!(
            out,
            "        /// <summary>{}</summary>\n        {} = {number},",
            xml(&doc),
            pascal(&name)
        );
    }
    out.push_str("    }\n\n");
    for family in Family::ALL {
        let class = family_class(family.as_str());
        let _ = writeln!(
            out,
            "    /// <summary>An error of the {} family.</summary>\n    public class {class} : M2MAuthException\n    {{\n        \
             internal {class}(ErrorDetails details) : base(details) {{ }}\n    }}\n",
            family.as_str()
        );
    }
    for (name, _, doc, family) in all_codes() {
        let Some((class, base)) = code_class(&name, family) else {
            continue;
        };
        let _ = writeln!(
            out,
            "    /// <summary>{} (<c>{}</c>)</summary>\n    public sealed class {class} : {base}\n    {{\n        \
             internal {class}(ErrorDetails details) : base(details) {{ }}\n    }}\n",
            xml(&doc),
            name.to_ascii_uppercase()
        );
    }
    out.push_str(
        "    internal sealed partial class ErrorDetails\n    {\n        \
         /// <summary>The exception for this error: the class of its code, or of its family.</summary>\n        \
         internal M2MAuthException ToException()\n        {\n            switch (Name)\n            {\n",
    );
    for (name, _, _, family) in all_codes() {
        let class = code_class(&name, family).map_or(family_class(family).to_owned(), |(c, _)| c);
        if name == "ok" {
            continue;
        }
        let _ = writeln!(
            out,
            "                case \"{name}\": return new {class}(this);"
        );
    }
    out.push_str("            }\n            switch (Family)\n            {\n");
    for family in Family::ALL {
        let _ = writeln!(
            out,
            "                case \"{}\": return new {}(this);",
            family.as_str(),
            family_class(family.as_str())
        );
    }
    out.push_str("            }\n            // A code and family this assembly does not know: a newer native library.\n            return new M2MAuthException(this);\n        }\n    }\n}\n");
    check("dotnet/src/Errors.g.cs", &out);
}
