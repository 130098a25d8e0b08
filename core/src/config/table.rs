//! Every option of every component, declared once.
//!
//! The table is the single source of the option names, their types, their
//! defaults, the environment variables and command-line flags that set them,
//! and their documentation. The typed builder setters, the JSON form every
//! binding passes, `from_env`, the CLI flags, `--help` and
//! `tests/vectors/options.json` (which each binding's own declarations are
//! checked against) are all derived from it.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use super::settings::Raw;
use super::{AuthMethod, BodyFormat, SigningAlg};
use crate::Secret;

/// Which configurable part of m2mauth an option belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Component {
    /// `TokenSource`: getting tokens (and revoking them).
    TokenSource,
    /// `Verifier`: checking the tokens a service receives.
    Verifier,
}

impl Component {
    /// `token_source` or `verifier`, as in `options.json`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Component::TokenSource => "token_source",
            Component::Verifier => "verifier",
        }
    }
}

/// What kind of value an option takes, and so how it is read from JSON, the
/// environment and a flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A string.
    Text,
    /// A string that is never shown (a secret, a key, a URL with a password).
    Secret,
    /// A file name; the file is read when the configuration is built.
    Path,
    /// A list of names: a JSON array or a string of names separated by
    /// spaces (and, in the environment, commas).
    Words,
    /// A list of URIs: a JSON array or a string separated by spaces.
    Uris,
    /// A duration in seconds (a number; `…Ms` keys take milliseconds).
    Seconds,
    /// A whole number, 0 or more.
    Count,
    /// `true` or `false` (`1`/`0`, `yes`/`no` in the environment).
    Flag,
    /// One of a fixed set of names.
    Choice(&'static [&'static str]),
    /// An object of names to strings, numbers or booleans (extra request parameters).
    Params,
    /// An object of claim names to exact JSON values.
    Claims,
}

impl Kind {
    /// The type's name in `options.json`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Kind::Text => "string",
            Kind::Secret => "secret",
            Kind::Path => "path",
            Kind::Words => "words",
            Kind::Uris => "uris",
            Kind::Seconds => "seconds",
            Kind::Count => "count",
            Kind::Flag => "bool",
            Kind::Choice(_) => "choice",
            Kind::Params => "params",
            Kind::Claims => "claims",
        }
    }

    /// Whether setting the option again adds to it instead of replacing it.
    pub const fn accumulates(self) -> bool {
        matches!(self, Kind::Words | Kind::Uris | Kind::Params | Kind::Claims)
    }
}

/// An option's default, as documented and as applied.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Default {
    /// No default: unset unless given.
    None,
    /// A duration in seconds.
    Seconds(f64),
    /// A whole number.
    Count(u32),
    /// A boolean.
    Flag(bool),
    /// A name (of a choice, or a text).
    Text(&'static str),
    /// A list of names.
    Words(&'static [&'static str]),
}

/// One row of the table.
#[derive(Debug)]
pub struct OptionSpec {
    /// The name in `snake_case` (Python, JSON, C); other languages derive theirs.
    pub name: &'static str,
    /// The component the option configures.
    pub component: Component,
    /// Its type.
    pub kind: Kind,
    /// Its default.
    pub default: Default,
    /// The environment variable suffixes (`<PREFIX>_<SUFFIX>`); the first is
    /// the canonical one, the others are accepted aliases.
    pub env: &'static [&'static str],
    /// The CLI flag, when the option has one (secrets never do).
    pub flag: Option<&'static str>,
    /// The options that set the same thing another way: at most one of them
    /// may be given, and a flag for one hides the others' variables.
    pub alternatives: &'static [&'static str],
    /// What the option means.
    pub doc: &'static str,
}

impl OptionSpec {
    /// The name in `camelCase` as Node takes it: durations in milliseconds
    /// carry an `Ms` suffix (`timeoutMs`).
    pub fn node_name(&self) -> String {
        let mut name = camel_case(self.name);
        if self.kind == Kind::Seconds {
            name.push_str("Ms");
        }
        name
    }

    /// The name in `PascalCase` for Go, with Go's initialisms (`TokenURL`, `ClientID`).
    pub fn go_name(&self) -> String {
        pascal_case(self.name, GO_INITIALISMS)
    }

    /// The name in `PascalCase` for .NET (`TokenUrl`, `ClientId`).
    pub fn dotnet_name(&self) -> String {
        pascal_case(self.name, DOTNET_INITIALISMS)
    }

    /// The documentation as one line.
    pub fn doc_line(&self) -> String {
        self.doc.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// The first sentence of the documentation, for `--help`.
    pub fn summary(&self) -> String {
        let doc = self.doc_line();
        match doc.split_once(". ") {
            Some((first, _)) => format!("{first}."),
            None => doc,
        }
    }
}

const GO_INITIALISMS: &[(&str, &str)] = &[
    ("url", "URL"),
    ("id", "ID"),
    ("http", "HTTP"),
    ("jwks", "JWKS"),
    ("jwt", "JWT"),
    ("dpop", "DPoP"),
    ("ca", "CA"),
    ("alg", "Alg"),
];
const DOTNET_INITIALISMS: &[(&str, &str)] = &[("dpop", "DPoP"), ("jwks", "Jwks"), ("ca", "Ca")];

fn camel_case(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    for (i, word) in snake.split('_').enumerate() {
        if i == 0 {
            out.push_str(word);
        } else {
            capitalise_into(&mut out, word);
        }
    }
    out
}

fn pascal_case(snake: &str, initialisms: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(snake.len());
    for word in snake.split('_') {
        match initialisms.iter().find(|(w, _)| *w == word) {
            Some((_, special)) => out.push_str(special),
            None => capitalise_into(&mut out, word),
        }
    }
    out
}

fn capitalise_into(out: &mut String, word: &str) {
    let mut chars = word.chars();
    if let Some(first) = chars.next() {
        out.extend(first.to_uppercase());
        out.push_str(chars.as_str());
    }
}

/// Declares the table: one row per option, each with its component, kind,
/// default, variables, flag, alternatives, documentation and the typed
/// setter it gives that component's builder.
macro_rules! options {
    ($(
        $(#[doc = $doc:literal])+
        $component:ident . $name:ident : $kind:expr,
        default $default:expr,
        env [$($env:literal),*],
        flag $flag:expr,
        alternatives [$($alt:literal),*],
        setter $setter:ident($arg:ident: $ty:ty) => $raw:expr;
    )+) => {
        /// Every option, in the order `--help` and `options.json` list them.
        pub const OPTIONS: &[OptionSpec] = &[$(
            OptionSpec {
                name: stringify!($name),
                component: component!($component),
                kind: $kind,
                default: $default,
                env: &[$($env),*],
                flag: $flag,
                alternatives: &[$($alt),*],
                doc: concat!($($doc, "\n"),+),
            },
        )+];

        $(
            setter! {
                $component, stringify!($name), concat!($($doc, "\n"),+),
                $setter($arg: $ty) => $raw
            }
        )+
    };
}

macro_rules! component {
    (source) => {
        Component::TokenSource
    };
    (verifier) => {
        Component::Verifier
    };
}

macro_rules! setter {
    (source, $name:expr, $doc:expr, $setter:ident($arg:ident: $ty:ty) => $raw:expr) => {
        impl super::ConfigBuilder {
            #[doc = $doc]
            #[must_use]
            pub fn $setter(self, $arg: $ty) -> Self {
                self.set_raw(Component::TokenSource, $name, $raw)
            }
        }
        #[cfg(feature = "runtime")]
        impl crate::runtime::TokenSourceBuilder {
            #[doc = $doc]
            #[must_use]
            pub fn $setter(self, $arg: $ty) -> Self {
                self.set_raw(Component::TokenSource, $name, $raw)
            }
        }
    };
    (verifier, $name:expr, $doc:expr, $setter:ident($arg:ident: $ty:ty) => $raw:expr) => {
        impl crate::verify::VerifierConfigBuilder {
            #[doc = $doc]
            #[must_use]
            pub fn $setter(self, $arg: $ty) -> Self {
                self.set_raw(Component::Verifier, $name, $raw)
            }
        }
        #[cfg(feature = "runtime")]
        impl crate::runtime::VerifierBuilder {
            #[doc = $doc]
            #[must_use]
            pub fn $setter(self, $arg: $ty) -> Self {
                self.set_raw(Component::Verifier, $name, $raw)
            }
        }
    };
}

const AUTH_METHODS: &[&str] = AuthMethod::NAMES;
const BODY_FORMATS: &[&str] = BodyFormat::NAMES;
const SIGNING_ALGS: &[&str] = SigningAlg::NAMES;

fn words<S: Into<String>>(items: impl IntoIterator<Item = S>) -> Raw {
    Raw::List(
        items
            .into_iter()
            .flat_map(|item| {
                let item: String = item.into();
                item.split_whitespace()
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .collect(),
    )
}

fn uris<S: Into<String>>(items: impl IntoIterator<Item = S>) -> Raw {
    Raw::List(items.into_iter().map(Into::into).collect())
}

options! {
    /// The token endpoint URL. Either this or `issuer` is required.
    source.token_url: Kind::Text,
        default Default::None, env ["TOKEN_URL"], flag Some("--token-url"), alternatives ["issuer"],
        setter token_url(url: impl Into<String>) => Raw::Text(url.into());
    /// An issuer URL whose discovery document (OpenID Connect, then RFC 8414)
    /// names the token endpoint, instead of `token_url`.
    source.issuer: Kind::Text,
        default Default::None, env ["ISSUER"], flag Some("--issuer"), alternatives ["token_url"],
        setter issuer(url: impl Into<String>) => Raw::Text(url.into());
    /// The client id.
    source.client_id: Kind::Text,
        default Default::None, env ["CLIENT_ID"], flag Some("--client-id"), alternatives [],
        setter client_id(id: impl Into<String>) => Raw::Text(id.into());
    /// The client secret (for `client_secret_basic`, `client_secret_post` and `client_secret_jwt`).
    source.client_secret: Kind::Secret,
        default Default::None, env ["CLIENT_SECRET"], flag None, alternatives ["client_secret_file"],
        setter client_secret(secret: impl Into<Secret>) => Raw::Secret(secret.into());
    /// A file holding the client secret (one trailing newline is trimmed).
    source.client_secret_file: Kind::Path,
        default Default::None, env ["CLIENT_SECRET_FILE"], flag Some("--client-secret-file"), alternatives ["client_secret"],
        setter client_secret_file(path: impl Into<PathBuf>) => Raw::Path(path.into());
    /// Scopes to request. Each item may hold several, separated by spaces (or commas in the environment).
    source.scopes: Kind::Words,
        default Default::None, env ["SCOPE"], flag Some("--scope"), alternatives [],
        setter scopes(scopes: impl IntoIterator<Item = impl Into<String>>) => words(scopes);
    /// The `audience` parameter (Auth0, SSOJet and others).
    source.audience: Kind::Text,
        default Default::None, env ["AUDIENCE", "API_AUDIENCE"], flag Some("--audience"), alternatives [],
        setter audience(audience: impl Into<String>) => Raw::Text(audience.into());
    /// RFC 8707 `resource` parameters (absolute URIs).
    source.resource: Kind::Uris,
        default Default::None, env ["RESOURCE"], flag Some("--resource"), alternatives [],
        setter resources(resources: impl IntoIterator<Item = impl Into<String>>) => uris(resources);
    /// Extra request parameters (names the SDK sets itself are refused).
    source.extra_params: Kind::Params,
        default Default::None, env [], flag None, alternatives [],
        setter extra_params(params: impl IntoIterator<Item = (impl Into<String>, impl Into<String>)>) =>
            Raw::Params(params.into_iter().map(|(k, v)| (k.into(), v.into())).collect());
    /// How the client authenticates: `client_secret_basic`, `client_secret_post`,
    /// `client_secret_jwt`, `private_key_jwt` (RFC 7523), `tls_client_auth` or
    /// `self_signed_tls_client_auth` (RFC 8705).
    source.auth_method: Kind::Choice(AUTH_METHODS),
        default Default::Text("client_secret_basic"), env ["AUTH_METHOD"], flag Some("--auth-method"), alternatives [],
        setter auth_method(method: AuthMethod) => Raw::Choice(method.as_str());
    /// How the token request body is encoded: `form` (RFC 6749) or `json`
    /// (SuperTokens and others; `scope` is sent as an array).
    source.body_format: Kind::Choice(BODY_FORMATS),
        default Default::Text("form"), env ["BODY_FORMAT"], flag Some("--body-format"), alternatives [],
        setter body_format(format: BodyFormat) => Raw::Choice(format.as_str());
    /// The deadline of one token acquisition in seconds, discovery and retries included.
    source.timeout: Kind::Seconds,
        default Default::Seconds(10.0), env ["TIMEOUT"], flag Some("--timeout"), alternatives [],
        setter timeout(timeout: Duration) => Raw::Seconds(timeout);
    /// Retries of transient failures (429, 5xx, timeouts) while callers wait.
    source.retries: Kind::Count,
        default Default::Count(2), env ["RETRIES"], flag Some("--retries"), alternatives [],
        setter retries(retries: u32) => Raw::Count(retries);
    /// The lifetime in seconds assumed when the IdP sends no `expires_in` and
    /// the token is not a JWT with an `exp`.
    source.default_lifetime: Kind::Seconds,
        default Default::Seconds(300.0), env ["DEFAULT_LIFETIME"], flag None, alternatives [],
        setter default_lifetime(lifetime: Duration) => Raw::Seconds(lifetime);
    /// Allows `http://` to hosts other than loopback. Only for closed test networks.
    source.allow_insecure_http: Kind::Flag,
        default Default::Flag(false), env ["ALLOW_INSECURE_HTTP"], flag Some("--allow-insecure-http"), alternatives [],
        setter allow_insecure_http(allow: bool) => Raw::Flag(allow);
    /// The private key for `private_key_jwt`: PEM (PKCS#8, PKCS#1 or SEC1) or
    /// a private JWK; RSA (2048 bits or more), EC P-256/P-384 or Ed25519.
    source.private_key: Kind::Secret,
        default Default::None, env ["PRIVATE_KEY"], flag None, alternatives ["private_key_file"],
        setter private_key(key: impl Into<Secret>) => Raw::Secret(key.into());
    /// A file holding the private key for `private_key_jwt` (PEM or JWK).
    source.private_key_file: Kind::Path,
        default Default::None, env ["PRIVATE_KEY_FILE"], flag Some("--private-key-file"), alternatives ["private_key"],
        setter private_key_file(path: impl Into<PathBuf>) => Raw::Path(path.into());
    /// The `kid` header of client assertions (default: the JWK's `kid`, else
    /// the key's RFC 7638 thumbprint).
    source.key_id: Kind::Text,
        default Default::None, env ["KEY_ID"], flag Some("--key-id"), alternatives [],
        setter key_id(kid: impl Into<String>) => Raw::Text(kid.into());
    /// The client assertion's algorithm (default from the key: RS256, ES256,
    /// ES384 or EdDSA; PS256 allowed; HS256 for `client_secret_jwt`).
    source.signing_alg: Kind::Choice(SIGNING_ALGS),
        default Default::None, env ["SIGNING_ALG"], flag Some("--signing-alg"), alternatives [],
        setter signing_alg(alg: SigningAlg) => Raw::Choice(alg.as_str());
    /// The `aud` of client assertions: `token_endpoint` (the default),
    /// `issuer`, or a URL.
    source.assertion_audience: Kind::Text,
        default Default::Text("token_endpoint"), env ["ASSERTION_AUDIENCE"], flag Some("--assertion-audience"), alternatives [],
        setter assertion_audience(audience: impl Into<String>) => Raw::Text(audience.into());
    /// The client certificate (PEM chain) for mTLS (RFC 8705).
    source.client_cert_file: Kind::Path,
        default Default::None, env ["CLIENT_CERT_FILE"], flag Some("--client-cert-file"), alternatives [],
        setter client_cert_file(path: impl Into<PathBuf>) => Raw::Path(path.into());
    /// The private key (PEM) of the mTLS client certificate.
    source.client_key_file: Kind::Path,
        default Default::None, env ["CLIENT_KEY_FILE"], flag Some("--client-key-file"), alternatives [],
        setter client_key_file(path: impl Into<PathBuf>) => Raw::Path(path.into());
    /// Extra trust anchors (PEM certificates) for a private IdP's TLS.
    source.ca_file: Kind::Path,
        default Default::None, env ["CA_FILE"], flag Some("--ca-file"), alternatives [],
        setter ca_file(path: impl Into<PathBuf>) => Raw::Path(path.into());
    /// DPoP-bound tokens (RFC 9449) with a P-256 key generated for this source.
    source.dpop: Kind::Flag,
        default Default::Flag(false), env ["DPOP"], flag Some("--dpop"), alternatives [],
        setter dpop(enabled: bool) => Raw::Flag(enabled);
    /// DPoP-bound tokens with this private key (PEM or JWK) instead of a generated one.
    source.dpop_key_file: Kind::Path,
        default Default::None, env ["DPOP_KEY_FILE"], flag Some("--dpop-key-file"), alternatives [],
        setter dpop_key_file(path: impl Into<PathBuf>) => Raw::Path(path.into());
    /// The revocation endpoint (RFC 7009) for `revoke()`; discovered from `issuer` when unset.
    source.revocation_url: Kind::Text,
        default Default::None, env ["REVOCATION_URL"], flag Some("--revocation-url"), alternatives [],
        setter revocation_url(url: impl Into<String>) => Raw::Text(url.into());
    /// A Redis URL (`redis://`, `rediss://`, user and password allowed) for a
    /// cache shared by every process of a fleet: one token request per key.
    source.cache_url: Kind::Secret,
        default Default::None, env ["CACHE_URL"], flag None, alternatives [],
        setter cache_url(url: impl Into<Secret>) => Raw::Secret(url.into());
    /// The 32-byte key (base64) that encrypts the fleet cache's entries.
    /// Several keys, separated by spaces, rotate: the first encrypts, all decrypt.
    source.cache_encryption_key: Kind::Secret,
        default Default::None, env ["CACHE_ENCRYPTION_KEY"], flag None, alternatives ["cache_encryption_key_file"],
        setter cache_encryption_key(key: impl Into<Secret>) => Raw::Secret(key.into());
    /// A file holding the fleet cache's encryption key(s).
    source.cache_encryption_key_file: Kind::Path,
        default Default::None, env ["CACHE_ENCRYPTION_KEY_FILE"], flag Some("--cache-encryption-key-file"), alternatives ["cache_encryption_key"],
        setter cache_encryption_key_file(path: impl Into<PathBuf>) => Raw::Path(path.into());
    /// The prefix of the fleet cache's Redis keys.
    source.cache_key_prefix: Kind::Text,
        default Default::Text("m2mauth"), env ["CACHE_KEY_PREFIX"], flag None, alternatives [],
        setter cache_key_prefix(prefix: impl Into<String>) => Raw::Text(prefix.into());

    /// The expected `iss` of tokens, and where `jwks_uri` and
    /// `introspection_endpoint` are discovered.
    verifier.issuer: Kind::Text,
        default Default::None, env ["ISSUER"], flag Some("--issuer"), alternatives [],
        setter issuer(url: impl Into<String>) => Raw::Text(url.into());
    /// The JWKS URL (default: discovered from `issuer`).
    verifier.jwks_url: Kind::Text,
        default Default::None, env ["JWKS_URL"], flag Some("--jwks-url"), alternatives ["jwks"],
        setter jwks_url(url: impl Into<String>) => Raw::Text(url.into());
    /// A JWKS document (JSON) whose keys are used as they are, never fetched
    /// or refreshed: keys pinned in configuration, instead of `jwks_url`.
    verifier.jwks: Kind::Text,
        default Default::None, env ["JWKS"], flag Some("--jwks"), alternatives ["jwks_url"],
        setter jwks(document: impl Into<String>) => Raw::Text(document.into());
    /// The audiences this service accepts (required): a token's `aud` must name one of them.
    verifier.audience: Kind::Words,
        default Default::None, env ["AUDIENCE", "API_AUDIENCE"], flag Some("--audience"), alternatives [],
        setter audience(audiences: impl IntoIterator<Item = impl Into<String>>) => words(audiences);
    /// The signature algorithms accepted (never `none`; never HMAC with keys from a JWKS).
    verifier.algorithms: Kind::Words,
        default Default::Words(&["RS256", "PS256", "ES256", "ES384", "EdDSA"]), env ["ALGORITHMS"], flag Some("--algorithm"), alternatives [],
        setter algorithms(algorithms: impl IntoIterator<Item = impl Into<String>>) => words(algorithms);
    /// Clock tolerance in seconds for `exp`, `nbf` and `iat`.
    verifier.leeway: Kind::Seconds,
        default Default::Seconds(30.0), env ["LEEWAY"], flag Some("--leeway"), alternatives [],
        setter leeway(leeway: Duration) => Raw::Seconds(leeway);
    /// Scopes a token must all carry (in `scope` or `scp`, a string or a list).
    verifier.required_scopes: Kind::Words,
        default Default::None, env ["REQUIRED_SCOPES"], flag Some("--scope"), alternatives [],
        setter required_scopes(scopes: impl IntoIterator<Item = impl Into<String>>) => words(scopes);
    /// Claims a token must carry with exactly these JSON values (SuperTokens: `{"stt": 1}`).
    verifier.required_claims: Kind::Claims,
        default Default::None, env ["REQUIRED_CLAIMS"], flag Some("--claim"), alternatives [],
        setter required_claims(claims: impl IntoIterator<Item = (impl Into<String>, serde_json::Value)>) =>
            Raw::Claims(claims.into_iter().map(|(k, v)| (k.into(), v)).collect());
    /// Require `typ: at+jwt` (RFC 9068). By default `at+jwt`, `JWT` or none are accepted.
    verifier.strict_typ: Kind::Flag,
        default Default::Flag(false), env ["STRICT_TYP"], flag Some("--strict-typ"), alternatives [],
        setter strict_typ(strict: bool) => Raw::Flag(strict);
    /// The introspection endpoint (RFC 7662) for opaque tokens (default:
    /// discovered from `issuer` when a client id is set).
    verifier.introspection_url: Kind::Text,
        default Default::None, env ["INTROSPECTION_URL"], flag Some("--introspection-url"), alternatives [],
        setter introspection_url(url: impl Into<String>) => Raw::Text(url.into());
    /// The client id for introspection.
    verifier.client_id: Kind::Text,
        default Default::None, env ["CLIENT_ID"], flag Some("--client-id"), alternatives [],
        setter client_id(id: impl Into<String>) => Raw::Text(id.into());
    /// The client secret for introspection.
    verifier.client_secret: Kind::Secret,
        default Default::None, env ["CLIENT_SECRET"], flag None, alternatives ["client_secret_file"],
        setter client_secret(secret: impl Into<Secret>) => Raw::Secret(secret.into());
    /// A file holding the client secret for introspection.
    verifier.client_secret_file: Kind::Path,
        default Default::None, env ["CLIENT_SECRET_FILE"], flag Some("--client-secret-file"), alternatives ["client_secret"],
        setter client_secret_file(path: impl Into<PathBuf>) => Raw::Path(path.into());
    /// How the client authenticates at the introspection endpoint (as for `TokenSource`).
    verifier.auth_method: Kind::Choice(AUTH_METHODS),
        default Default::Text("client_secret_basic"), env ["AUTH_METHOD"], flag Some("--auth-method"), alternatives [],
        setter auth_method(method: AuthMethod) => Raw::Choice(method.as_str());
    /// The private key for `private_key_jwt` at the introspection endpoint.
    verifier.private_key: Kind::Secret,
        default Default::None, env ["PRIVATE_KEY"], flag None, alternatives ["private_key_file"],
        setter private_key(key: impl Into<Secret>) => Raw::Secret(key.into());
    /// A file holding that private key.
    verifier.private_key_file: Kind::Path,
        default Default::None, env ["PRIVATE_KEY_FILE"], flag Some("--private-key-file"), alternatives ["private_key"],
        setter private_key_file(path: impl Into<PathBuf>) => Raw::Path(path.into());
    /// The `kid` of introspection client assertions.
    verifier.key_id: Kind::Text,
        default Default::None, env ["KEY_ID"], flag Some("--key-id"), alternatives [],
        setter key_id(kid: impl Into<String>) => Raw::Text(kid.into());
    /// The introspection client assertion's algorithm.
    verifier.signing_alg: Kind::Choice(SIGNING_ALGS),
        default Default::None, env ["SIGNING_ALG"], flag Some("--signing-alg"), alternatives [],
        setter signing_alg(alg: SigningAlg) => Raw::Choice(alg.as_str());
    /// The deadline in seconds of one JWKS or introspection request, retries included.
    verifier.timeout: Kind::Seconds,
        default Default::Seconds(10.0), env ["TIMEOUT"], flag Some("--timeout"), alternatives [],
        setter timeout(timeout: Duration) => Raw::Seconds(timeout);
    /// Extra trust anchors (PEM certificates) for a private IdP's TLS.
    verifier.ca_file: Kind::Path,
        default Default::None, env ["CA_FILE"], flag Some("--ca-file"), alternatives [],
        setter ca_file(path: impl Into<PathBuf>) => Raw::Path(path.into());
    /// Allows `http://` to hosts other than loopback. Only for closed test networks.
    verifier.allow_insecure_http: Kind::Flag,
        default Default::Flag(false), env ["ALLOW_INSECURE_HTTP"], flag Some("--allow-insecure-http"), alternatives [],
        setter allow_insecure_http(allow: bool) => Raw::Flag(allow);
}

/// The rows of `component`, in table order.
pub fn options_of(component: Component) -> impl Iterator<Item = &'static OptionSpec> {
    OPTIONS.iter().filter(move |o| o.component == component)
}

/// The row named `name` of `component`.
pub fn option(component: Component, name: &str) -> Option<&'static OptionSpec> {
    options_of(component).find(|o| o.name == name)
}

/// The row of `component` that the JSON key `key` names: the `snake_case`
/// name, or the Node name (`camelCase`, durations as `…Ms` in milliseconds).
/// Returns the row and whether the key is in milliseconds.
pub(crate) fn option_for_key(
    component: Component,
    key: &str,
) -> Option<(&'static OptionSpec, bool)> {
    options_of(component).find_map(|o| {
        if o.name == key {
            Some((o, false))
        } else if o.node_name() == key {
            Some((o, o.kind == Kind::Seconds))
        } else {
            None
        }
    })
}

/// `tests/vectors/options.json`: every row with its names in each language.
pub fn options_json() -> String {
    let rows: Vec<serde_json::Value> = OPTIONS
        .iter()
        .map(|o| {
            let mut row = serde_json::json!({
                "component": o.component.as_str(),
                "name": o.name,
                "type": o.kind.as_str(),
                "default": default_json(o.default),
                "env": o.env,
                "flag": o.flag,
                "doc": o.doc_line(),
                "node": o.node_name(),
                "go": o.go_name(),
                "dotnet": o.dotnet_name(),
            });
            if let Kind::Choice(choices) = o.kind {
                row["choices"] = serde_json::json!(choices);
            }
            if !o.alternatives.is_empty() {
                row["alternatives"] = serde_json::json!(o.alternatives);
            }
            row
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&rows).unwrap_or_default();
    text.push('\n');
    text
}

fn default_json(default: Default) -> serde_json::Value {
    match default {
        Default::None => serde_json::Value::Null,
        Default::Seconds(s) => serde_json::json!(s),
        Default::Count(n) => serde_json::json!(n),
        Default::Flag(b) => serde_json::json!(b),
        Default::Text(t) => serde_json::json!(t),
        Default::Words(w) => serde_json::json!(w),
    }
}

/// The options of `component` that have a flag, as `--help` lines.
pub fn flags_help(component: Component) -> String {
    let mut out = String::new();
    for o in options_of(component) {
        let Some(flag) = o.flag else { continue };
        let value = match o.kind {
            Kind::Flag => String::new(),
            Kind::Choice(choices) => format!(" {}", choices.join("|")),
            Kind::Seconds => " SECONDS".to_owned(),
            Kind::Count => " N".to_owned(),
            Kind::Path => " FILE".to_owned(),
            Kind::Claims => " NAME=JSON".to_owned(),
            _ => " VALUE".to_owned(),
        };
        let repeat = if o.kind.accumulates() {
            " (repeatable)"
        } else {
            ""
        };
        let env = o
            .env
            .first()
            .map(|e| format!(" [<P>_{e}]"))
            .unwrap_or_default();
        let _ = writeln!(out, "  {flag}{value}{repeat}{env}\n      {}", o.summary());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_each_language() {
        let row = option(Component::TokenSource, "allow_insecure_http").unwrap();
        assert_eq!(row.node_name(), "allowInsecureHttp");
        assert_eq!(row.go_name(), "AllowInsecureHTTP");
        assert_eq!(row.dotnet_name(), "AllowInsecureHttp");
        let row = option(Component::TokenSource, "timeout").unwrap();
        assert_eq!(row.node_name(), "timeoutMs");
        assert_eq!(
            option_for_key(Component::TokenSource, "timeoutMs").map(|(_, ms)| ms),
            Some(true)
        );
        let row = option(Component::Verifier, "jwks_url").unwrap();
        assert_eq!(row.go_name(), "JWKSURL");
        assert_eq!(row.dotnet_name(), "JwksUrl");
    }

    #[test]
    fn every_row_is_consistent() {
        for o in OPTIONS {
            assert!(!o.doc.trim().is_empty(), "{} has a doc", o.name);
            assert!(
                o.kind != Kind::Secret || o.flag.is_none(),
                "{}: secrets are never flags (ps shows them)",
                o.name
            );
            for alt in o.alternatives {
                assert!(
                    option(o.component, alt).is_some_and(|a| a.alternatives.contains(&o.name)),
                    "{} and {alt} name each other",
                    o.name
                );
            }
            let same_name = options_of(o.component).filter(|p| p.name == o.name).count();
            assert_eq!(same_name, 1, "{} once per component", o.name);
        }
    }
}
