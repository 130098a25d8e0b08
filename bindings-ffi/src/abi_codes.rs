//! The status codes of the ABI itself, beside the core's error codes. Kept
//! in a file of their own so the generators in `tests/generated.rs` can
//! include it (the library is a cdylib, which tests cannot link).

/// A status code (see `Code` in `error.rs`).
pub type AbiCode = u32;

/// Success.
pub const M2M_OK: AbiCode = 0;
/// A required pointer argument was NULL.
pub const M2M_NULL_ARGUMENT: AbiCode = 100;
/// A text argument was not valid UTF-8.
pub const M2M_INVALID_UTF8: AbiCode = 101;
/// The library panicked; the call had no effect. Please report it.
pub const M2M_PANIC: AbiCode = 102;

/// The codes of the ABI itself (name, number, meaning), beside the core's:
/// the header generator and the Go and .NET generators list them.
pub const ABI_CODES: [(&str, AbiCode, &str); 4] = [
    ("ok", M2M_OK, "Success."),
    (
        "null_argument",
        M2M_NULL_ARGUMENT,
        "A required pointer argument was NULL.",
    ),
    (
        "invalid_utf8",
        M2M_INVALID_UTF8,
        "A text argument was not valid UTF-8.",
    ),
    (
        "panic",
        M2M_PANIC,
        "The library panicked; the call had no effect. Please report it.",
    ),
];
