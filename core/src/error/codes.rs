//! Every error code, declared once: its name, its stable number (the C
//! ABI's status), its family and its meaning. [`ErrorCode`], its lists and
//! predicates, the C header's constants, the bindings' exception and
//! sentinel tables and `tests/vectors/error_codes.json` all come from here.

/// The kind of failure a code belongs to, which decides how callers react:
/// bindings map their exception classes by family where they have no class
/// per code, and the CLI its exit status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// The configuration was rejected before any request.
    Config,
    /// The IdP understood and refused the request: retrying will not help.
    Refused,
    /// An outage (rate limit, 5xx, timeout, network): worth a retry later.
    Transient,
    /// The IdP's answer could not be used.
    Malformed,
    /// A token checked by a `Verifier` is not valid.
    InvalidToken,
    /// A bug in m2mauth.
    Internal,
}

impl Family {
    /// The family's name: `config`, `refused`, `transient`, `malformed`,
    /// `invalid_token` or `internal`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Family::Config => "config",
            Family::Refused => "refused",
            Family::Transient => "transient",
            Family::Malformed => "malformed",
            Family::InvalidToken => "invalid_token",
            Family::Internal => "internal",
        }
    }

    /// Every family.
    pub const ALL: [Family; 6] = [
        Family::Config,
        Family::Refused,
        Family::Transient,
        Family::Malformed,
        Family::InvalidToken,
        Family::Internal,
    ];
}

macro_rules! error_codes {
    ($(
        $(#[doc = $doc:literal])+
        $variant:ident = $number:literal, $name:literal, $family:ident;
    )+) => {
        /// What went wrong, as a stable code.
        ///
        /// The codes are the same in every language: `snake_case` here and
        /// in Python (`err.code`), `UPPER_CASE` in Node, C, .NET and Go; the
        /// numbers are the C ABI's statuses.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $( $(#[doc = $doc])+ $variant, )+
        }

        impl ErrorCode {
            /// Every code, in the order of their numbers.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),+];

            /// The code as `snake_case` text: `"invalid_client"`, `"timeout"`, …
            pub const fn as_str(self) -> &'static str {
                match self { $( ErrorCode::$variant => $name, )+ }
            }

            /// The stable number (the C ABI's status for this failure).
            pub const fn number(self) -> u32 {
                match self { $( ErrorCode::$variant => $number, )+ }
            }

            /// The family the code belongs to.
            pub const fn family(self) -> Family {
                match self { $( ErrorCode::$variant => Family::$family, )+ }
            }

            /// What the code means.
            pub const fn doc(self) -> &'static str {
                match self { $( ErrorCode::$variant => concat!($($doc, "\n"),+), )+ }
            }
        }
    };
}

error_codes! {
    /// The configuration was rejected before any request; the error's field names the culprit.
    Config = 1, "config", Config;
    /// The IdP refused the client's credentials (`invalid_client`).
    InvalidClient = 2, "invalid_client", Refused;
    /// A requested scope is unknown or not allowed (`invalid_scope`).
    InvalidScope = 3, "invalid_scope", Refused;
    /// The client may not use the client credentials grant (`unauthorized_client`).
    UnauthorizedClient = 4, "unauthorized_client", Refused;
    /// The grant was refused (`invalid_grant`).
    InvalidGrant = 5, "invalid_grant", Refused;
    /// The IdP denied access (`access_denied`).
    AccessDenied = 6, "access_denied", Refused;
    /// The IdP found the request malformed (`invalid_request`).
    InvalidRequest = 7, "invalid_request", Refused;
    /// The IdP does not support the client credentials grant (`unsupported_grant_type`).
    UnsupportedGrantType = 8, "unsupported_grant_type", Refused;
    /// Any other OAuth 2.0 error code; the error's `oauth_error` holds it.
    OAuthError = 9, "oauth_error", Refused;
    /// The IdP is rate limiting (HTTP 429); see the error's `retry_after`.
    RateLimited = 10, "rate_limited", Transient;
    /// The IdP failed (HTTP 5xx); see the error's `retry_after`.
    ServerError = 11, "server_error", Transient;
    /// The IdP answered an HTTP status that is neither a token nor an OAuth error.
    HttpStatus = 12, "http_status", Malformed;
    /// The IdP answered with a redirect, which is never followed.
    Redirect = 13, "redirect", Malformed;
    /// The request did not complete in time.
    Timeout = 14, "timeout", Transient;
    /// The IdP could not be reached (connection, DNS, TLS).
    Transport = 15, "transport", Transient;
    /// The IdP's answer could not be used (not JSON, no token, bad lifetime, too large).
    MalformedResponse = 16, "malformed_response", Malformed;
    /// A bug in m2mauth (for example a caught panic). Please report it.
    Internal = 17, "internal", Internal;
    /// The token is not a well-formed JWT (or JWS) access token.
    TokenMalformed = 18, "token_malformed", InvalidToken;
    /// The token has expired (`exp`, with the leeway).
    TokenExpired = 19, "token_expired", InvalidToken;
    /// The token is not valid yet (`nbf` or `iat` in the future, beyond the leeway).
    TokenNotYetValid = 20, "token_not_yet_valid", InvalidToken;
    /// The token's signature does not verify.
    TokenSignature = 21, "token_signature", InvalidToken;
    /// No key of the issuer's JWKS matches the token's `kid` (or key type).
    TokenUnknownKey = 22, "token_unknown_key", InvalidToken;
    /// The token's `alg` is not allowed (`none`, HMAC with a public key, or not in `algorithms`).
    TokenAlgorithm = 23, "token_algorithm", InvalidToken;
    /// The token's `iss` is not the configured issuer.
    TokenIssuer = 24, "token_issuer", InvalidToken;
    /// The token's `aud` names none of the configured audiences.
    TokenAudience = 25, "token_audience", InvalidToken;
    /// The token's `typ` header is not an access token's (`at+jwt`).
    TokenType = 26, "token_type", InvalidToken;
    /// A required claim is missing, of the wrong JSON type, or has another value.
    TokenClaim = 27, "token_claim", InvalidToken;
    /// Introspection says the token is not active (revoked, expired, unknown).
    TokenInactive = 28, "token_inactive", InvalidToken;
    /// The token is valid but lacks a required scope.
    InsufficientScope = 29, "insufficient_scope", InvalidToken;
    /// The DPoP proof for a sender-constrained token is missing or invalid (RFC 9449).
    DpopProof = 30, "dpop_proof", InvalidToken;
    /// No keys to check the token with: the JWKS could not be fetched or read.
    JwksUnavailable = 31, "jwks_unavailable", Transient;
}

impl ErrorCode {
    /// The code named `name` (`snake_case`, as [`as_str`](Self::as_str) gives).
    pub fn from_name(name: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.iter().copied().find(|c| c.as_str() == name)
    }

    /// The code numbered `number`.
    pub fn from_number(number: u32) -> Option<ErrorCode> {
        ErrorCode::ALL
            .iter()
            .copied()
            .find(|c| c.number() == number)
    }

    /// The code for an RFC 6749 §5.2 `error` value.
    pub fn from_oauth_error(error: &str) -> ErrorCode {
        match error {
            "invalid_client" => ErrorCode::InvalidClient,
            "invalid_scope" => ErrorCode::InvalidScope,
            "unauthorized_client" => ErrorCode::UnauthorizedClient,
            "invalid_grant" => ErrorCode::InvalidGrant,
            "access_denied" => ErrorCode::AccessDenied,
            "invalid_request" => ErrorCode::InvalidRequest,
            "unsupported_grant_type" => ErrorCode::UnsupportedGrantType,
            // RFC 6749 §4.1.2.1's outage codes, which some token endpoints
            // send with a 400: an outage, not a refusal.
            "temporarily_unavailable" | "server_error" => ErrorCode::ServerError,
            _ => ErrorCode::OAuthError,
        }
    }

    /// Whether the IdP understood and refused the request (an OAuth error):
    /// retrying the same request will not help.
    pub const fn is_refusal(self) -> bool {
        matches!(self.family(), Family::Refused)
    }

    /// Whether the failure is likely to pass by itself (rate limit, outage,
    /// network), so that a retry after a back-off is worth it.
    pub const fn is_transient(self) -> bool {
        matches!(self.family(), Family::Transient)
    }

    /// Whether a checked token was found not valid.
    pub const fn is_invalid_token(self) -> bool {
        matches!(self.family(), Family::InvalidToken)
    }

    /// The code in `UPPER_CASE`, as Node, C, .NET and Go spell it.
    pub fn upper_name(self) -> String {
        self.as_str().to_ascii_uppercase()
    }
}

/// `tests/vectors/error_codes.json`: every code with its number, family and meaning.
pub fn error_codes_json() -> String {
    let rows: Vec<serde_json::Value> = ErrorCode::ALL
        .iter()
        .map(|c| {
            serde_json::json!({
                "code": c.as_str(),
                "name": c.upper_name(),
                "number": c.number(),
                "family": c.family().as_str(),
                "doc": c.doc().split_whitespace().collect::<Vec<_>>().join(" "),
            })
        })
        .collect();
    let families: Vec<&str> = Family::ALL.iter().map(|f| f.as_str()).collect();
    let mut text = serde_json::to_string_pretty(&serde_json::json!({
        "families": families,
        "codes": rows,
    }))
    .unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_names_are_unique_and_round_trip() {
        for (i, a) in ErrorCode::ALL.iter().enumerate() {
            assert_eq!(ErrorCode::from_name(a.as_str()), Some(*a));
            assert_eq!(ErrorCode::from_number(a.number()), Some(*a));
            for b in &ErrorCode::ALL[i + 1..] {
                assert!(a.number() < b.number(), "{a:?} and {b:?} in number order");
            }
        }
        assert_eq!(ErrorCode::ServerError.number(), 11, "numbers are stable");
        assert!(ErrorCode::InvalidClient.is_refusal());
        assert!(ErrorCode::JwksUnavailable.is_transient());
        assert!(ErrorCode::TokenExpired.is_invalid_token());
    }
}
