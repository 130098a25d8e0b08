//! The options that take one of a fixed set of names.

/// Declares an enum of named choices with `as_str`, `from_name` and `NAMES`.
macro_rules! choices {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $( $(#[doc = $doc:literal])+ $variant:ident = $text:literal, )+ }
        default $default:ident
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $(
                $(#[doc = $doc])+
                #[doc = concat!("\n\nNamed `", $text, "`.")]
                $variant,
            )+
        }

        impl $name {
            /// Every name, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            /// The registered name.
            pub const fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $text, )+ }
            }

            /// Parses a registered name (surrounding white space ignored).
            pub fn from_name(name: &str) -> Option<Self> {
                match name.trim() { $( $text => Some($name::$variant), )+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::default::Default for $name {
            fn default() -> Self {
                $name::$default
            }
        }
    };
}

choices! {
    /// How the client authenticates at the token endpoint.
    pub enum AuthMethod {
        /// HTTP Basic with the form-urlencoded id and secret (RFC 6749 §2.3.1).
        ClientSecretBasic = "client_secret_basic",
        /// `client_id` and `client_secret` in the request body.
        ClientSecretPost = "client_secret_post",
        /// A JWT signed with the client secret (HS256; RFC 7523, OIDC Core §9).
        ClientSecretJwt = "client_secret_jwt",
        /// A JWT signed with the client's private key (RFC 7523, OIDC Core §9).
        PrivateKeyJwt = "private_key_jwt",
        /// A CA-issued client certificate on the TLS connection (RFC 8705 §2.1).
        TlsClientAuth = "tls_client_auth",
        /// A self-signed client certificate registered with the IdP (RFC 8705 §2.2).
        SelfSignedTlsClientAuth = "self_signed_tls_client_auth",
    }
    default ClientSecretBasic
}

impl AuthMethod {
    /// Whether the method authenticates with the client secret.
    pub const fn uses_secret(self) -> bool {
        matches!(
            self,
            AuthMethod::ClientSecretBasic
                | AuthMethod::ClientSecretPost
                | AuthMethod::ClientSecretJwt
        )
    }

    /// Whether the method authenticates with the TLS client certificate.
    pub const fn uses_certificate(self) -> bool {
        matches!(
            self,
            AuthMethod::TlsClientAuth | AuthMethod::SelfSignedTlsClientAuth
        )
    }
}

choices! {
    /// How the token request body is encoded.
    pub enum BodyFormat {
        /// `application/x-www-form-urlencoded`, as RFC 6749 says.
        Form = "form",
        /// `application/json`, for IdPs that want it; `scope` is sent as an array.
        Json = "json",
    }
    default Form
}

choices! {
    /// A JWS algorithm for client assertions.
    pub enum SigningAlg {
        /// RSASSA-PKCS1-v1_5 with SHA-256.
        Rs256 = "RS256",
        /// RSASSA-PSS with SHA-256.
        Ps256 = "PS256",
        /// ECDSA P-256 with SHA-256.
        Es256 = "ES256",
        /// ECDSA P-384 with SHA-384.
        Es384 = "ES384",
        /// Ed25519.
        EdDsa = "EdDSA",
        /// HMAC with SHA-256 and the client secret (`client_secret_jwt` only).
        Hs256 = "HS256",
    }
    default Rs256
}
