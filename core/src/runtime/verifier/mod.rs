//! `Verifier`: the sans-IO checks of [`crate::verify`] driven by real time
//! and real HTTP. JWT access tokens are checked against the issuer's JWKS
//! (fetched once, cached, refreshed in the background, kept through
//! outages); opaque tokens are introspected (RFC 7662), answers cached.

mod introspect;
mod keys;

use std::sync::{Arc, Mutex};

use tokio::sync::watch;

use super::clock;
use super::discovery::Discovered;
use super::executor::{self, PerRuntime};
use super::http::HttpClient;
use crate::cache::Ticket;
use crate::config::settings::{Naming, Raw};
use crate::config::table::Component;
use crate::verify::dpop::{Presented, check_proof};
use crate::verify::{
    Claims, Introspected, IntrospectionCache, JwksCache, JwksPolicy, VerifierConfig,
    VerifierConfigBuilder, candidate, looks_like_jwt,
};
use crate::{Error, ErrorCode};

/// Checks the tokens a service receives. Cheap to clone (clones share the
/// key cache); safe to use from any number of threads and tasks.
///
/// - Once the JWKS is warm, a verification never waits on the network: keys
///   are refreshed in the background and kept for up to a day if the IdP is
///   down.
/// - A token with an unknown `kid` triggers at most one JWKS refetch per
///   30 s, shared by every caller: forged `kid`s cannot flood the IdP.
/// - `alg` is bound to the key's type; `none` and HMAC are never accepted;
///   `aud` is required; dates are type-strict.
///
/// ```no_run
/// # async fn demo(authorization: &str) -> Result<(), m2mauth::Error> {
/// let verifier = m2mauth::Verifier::builder()
///     .issuer("https://auth.example.com/")
///     .audience(["https://api.example.com"])
///     .required_scopes(["invoices:read"])
///     .build()?;
/// let token = authorization.strip_prefix("Bearer ").unwrap_or_default();
/// let claims = verifier.verify(token).await?;
/// println!("called by {:?}", claims.client_id());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Verifier {
    shared: Arc<Shared>,
}

struct Shared {
    config: VerifierConfig,
    http: PerRuntime<HttpClient>,
    discovered: Discovered,
    keys: Mutex<KeysState>,
    introspection: Mutex<IntrospectState>,
    /// The `jti`s of DPoP proofs seen (replays are refused).
    proofs: Mutex<crate::verify::dpop::ReplayCache>,
}

/// A request to the resource, as the HTTP glue sees it: what
/// [`Verifier::verify_request`] judges.
#[derive(Clone, Copy, Debug)]
pub struct ResourceRequest<'a> {
    /// The `Authorization` header (`Bearer …` or `DPoP …`).
    pub authorization: &'a str,
    /// The `DPoP` header, if any.
    pub dpop: Option<&'a str>,
    /// The HTTP method.
    pub method: &'a str,
    /// The URL the client sent the request to.
    pub url: &'a str,
}

/// The JWKS cache and the fetch in flight (its ticket and a signal for
/// those who wait for it).
struct KeysState {
    cache: JwksCache,
    inflight: Option<(Ticket, watch::Receiver<bool>)>,
    generation: u64,
}

type Answer = Option<Result<Introspected, Error>>;

struct IntrospectState {
    cache: IntrospectionCache,
    inflight: Vec<([u8; 32], Ticket, watch::Receiver<Answer>)>,
    generation: u64,
}

/// Builds a [`Verifier`]: a setter for every verifier option of the table,
/// and [`build`](Self::build) validates them all.
#[derive(Debug, Default)]
pub struct VerifierBuilder(VerifierConfigBuilder);

impl VerifierBuilder {
    pub(crate) fn set_raw(self, component: Component, name: &str, value: Raw) -> Self {
        VerifierBuilder(self.0.set_raw(component, name, value))
    }

    /// Adds one required claim: the token must carry `name` with exactly this value.
    #[must_use]
    pub fn required_claim(self, name: impl Into<String>, value: serde_json::Value) -> Self {
        VerifierBuilder(self.0.required_claim(name, value))
    }

    /// Validates the options and creates the verifier. Nothing is fetched yet.
    pub fn build(self) -> Result<Verifier, Error> {
        self.0.build().map(Verifier::new)
    }
}

impl Verifier {
    /// Starts a builder.
    pub fn builder() -> VerifierBuilder {
        VerifierBuilder::default()
    }

    /// A verifier for a validated configuration. Nothing is fetched yet.
    pub fn new(config: VerifierConfig) -> Verifier {
        Verifier {
            shared: Arc::new(Shared {
                config,
                http: PerRuntime::default(),
                discovered: Discovered::default(),
                keys: Mutex::new(KeysState {
                    cache: JwksCache::new(JwksPolicy::default()),
                    inflight: None,
                    generation: 0,
                }),
                introspection: Mutex::new(IntrospectState {
                    cache: IntrospectionCache::new(),
                    inflight: Vec::new(),
                    generation: 0,
                }),
                proofs: Mutex::default(),
            }),
        }
    }

    /// A verifier configured from `<prefix>_*` variables (`M2MAUTH_ISSUER`,
    /// `M2MAUTH_AUDIENCE`, `M2MAUTH_JWKS_URL`, …).
    pub fn from_env(prefix: &str) -> Result<Verifier, Error> {
        VerifierConfigBuilder::from_env(prefix)?
            .build()
            .map(Verifier::new)
    }

    /// A verifier from the JSON form every binding shares; with
    /// [`Naming::Node`], errors name options in `camelCase`.
    pub fn from_json(text: &str, naming: Naming) -> Result<Verifier, Error> {
        VerifierConfigBuilder::from_json_named(text, naming)?
            .build()
            .map(Verifier::new)
    }

    /// The configuration.
    pub fn config(&self) -> &VerifierConfig {
        &self.shared.config
    }

    /// Checks `token` (the bearer token, without `Bearer `) and returns its
    /// claims. JWTs are checked against the JWKS; other tokens are
    /// introspected when introspection is configured. A token bound to a
    /// DPoP key (`cnf.jkt`) is refused here: it is valid only with its proof.
    pub async fn verify(&self, token: &str) -> Result<Claims, Error> {
        let claims = self.claims_of(token).await?;
        if claims.dpop_thumbprint().is_some() {
            return Err(Error::invalid_token(
                ErrorCode::DpopProof,
                "the token is bound to a DPoP key (cnf.jkt): it is valid only with a DPoP proof",
            ));
        }
        Ok(claims)
    }

    /// [`verify_scoped`](Self::verify_scoped) if its outcome can be had
    /// without waiting (the keys are cached or pinned, or the introspection
    /// answer is), else `None`: then call the async (or blocking) one, which
    /// waits for the fetch this call may have started. Never blocks; the
    /// bindings' fast path, which spares a thread hop once warm.
    pub fn verify_now<S: AsRef<str>>(
        &self,
        token: &str,
        scopes: &[S],
    ) -> Option<Result<Claims, Error>> {
        executor::poll_once(self.verify_scoped(token, scopes))
    }

    /// [`verify`](Self::verify), and the token must also carry every scope
    /// of `scopes` (beyond the configured `required_scopes`): what a route
    /// of an API asks. A missing one is `INSUFFICIENT_SCOPE`, whose detail
    /// lists them (space-separated, for `WWW-Authenticate: … scope="…"`).
    pub async fn verify_scoped<S: AsRef<str>>(
        &self,
        token: &str,
        scopes: &[S],
    ) -> Result<Claims, Error> {
        with_scopes(self.verify(token).await?, scopes)
    }

    /// Checks a whole request: its `Authorization` header (`Bearer` or
    /// `DPoP`), and for a token bound to a DPoP key (`cnf.jkt`) the `DPoP`
    /// proof for this method and URL (RFC 9449 §7: signed by the bound
    /// key, `ath` of this token, recent, never replayed). The HTTP glue of
    /// every language calls this.
    ///
    /// ```no_run
    /// # async fn run(verifier: m2mauth::Verifier) -> Result<(), m2mauth::Error> {
    /// use m2mauth::runtime::ResourceRequest;
    /// let request = ResourceRequest {
    ///     authorization: "DPoP eyJ…",
    ///     dpop: Some("eyJ…"),
    ///     method: "GET",
    ///     url: "https://api.example.com/orders",
    /// };
    /// let claims = verifier.verify_request(&request, &["orders:read"]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn verify_request<S: AsRef<str>>(
        &self,
        request: &ResourceRequest<'_>,
        scopes: &[S],
    ) -> Result<Claims, Error> {
        let (scheme, token) = request
            .authorization
            .trim()
            .split_once(' ')
            .ok_or_else(|| {
                Error::invalid_token(
                    ErrorCode::TokenMalformed,
                    "the Authorization header is not \"Bearer <token>\" or \"DPoP <token>\"",
                )
            })?;
        let token = token.trim();
        let dpop_scheme = scheme.eq_ignore_ascii_case("dpop");
        if !dpop_scheme && !scheme.eq_ignore_ascii_case("bearer") {
            return Err(Error::invalid_token(
                ErrorCode::TokenMalformed,
                "the Authorization scheme is neither Bearer nor DPoP",
            ));
        }
        let claims = self.claims_of(token).await?;
        match (dpop_scheme, claims.dpop_thumbprint()) {
            (false, None) => {}
            (false, Some(_)) => {
                return Err(Error::invalid_token(
                    ErrorCode::DpopProof,
                    "the token is bound to a DPoP key: send it as \"Authorization: DPoP\" with a proof",
                ));
            }
            (true, None) => {
                return Err(Error::invalid_token(
                    ErrorCode::DpopProof,
                    "the token is not bound to a DPoP key: send it as \"Authorization: Bearer\"",
                ));
            }
            (true, Some(jkt)) => {
                let presented = Presented {
                    method: request.method,
                    url: request.url,
                    proof: request.dpop,
                };
                let config = &self.shared.config;
                let mut proofs = super::fork::lock(&self.shared.proofs);
                check_proof(
                    &presented,
                    token,
                    jkt,
                    (clock::wall_now(), config.leeway),
                    &config.algorithms,
                    &mut proofs,
                )?;
            }
        }
        with_scopes(claims, scopes)
    }

    /// [`verify_request`](Self::verify_request) without blocking the caller:
    /// `callback` receives the outcome exactly once, on one of the
    /// library's callback threads.
    pub fn request_verify_request(
        &self,
        request: &ResourceRequest<'_>,
        scopes: Vec<String>,
        callback: impl FnOnce(Result<Claims, Error>) + Send + 'static,
    ) {
        let verifier = self.clone();
        let authorization = crate::Secret::new(request.authorization);
        let dpop = request.dpop.map(str::to_owned);
        let (method, url) = (request.method.to_owned(), request.url.to_owned());
        super::callback::deliver(callback, async move {
            let request = ResourceRequest {
                authorization: authorization.expose(),
                dpop: dpop.as_deref(),
                method: &method,
                url: &url,
            };
            verifier.verify_request(&request, &scopes).await
        });
    }

    /// [`verify_request`](Self::verify_request) for synchronous code.
    pub fn verify_request_blocking<S: AsRef<str>>(
        &self,
        request: &ResourceRequest<'_>,
        scopes: &[S],
    ) -> Result<Claims, Error> {
        executor::block_on(self.verify_request(request, scopes))
    }

    /// [`verify_scoped`](Self::verify_scoped) for synchronous code.
    pub fn verify_scoped_blocking<S: AsRef<str>>(
        &self,
        token: &str,
        scopes: &[S],
    ) -> Result<Claims, Error> {
        executor::block_on(self.verify_scoped(token, scopes))
    }

    /// [`verify`](Self::verify) for synchronous code: blocks this thread
    /// (not an async executor's) until the outcome is known.
    pub fn verify_blocking(&self, token: &str) -> Result<Claims, Error> {
        executor::block_on(self.verify(token))
    }

    /// [`verify_scoped`](Self::verify_scoped) without blocking the caller:
    /// `callback` receives the outcome exactly once, on one of the
    /// library's callback threads.
    pub fn request_verify(
        &self,
        token: &str,
        scopes: Vec<String>,
        callback: impl FnOnce(Result<Claims, Error>) + Send + 'static,
    ) {
        let verifier = self.clone();
        let token = crate::Secret::new(token);
        super::callback::deliver(callback, async move {
            verifier.verify_scoped(token.expose(), &scopes).await
        });
    }

    /// The IdP's introspection answer for `token` (RFC 7662), as it is:
    /// reported, not judged (an inactive token is an answer, not an error).
    /// Answers are cached briefly by the token's SHA-256.
    pub async fn introspect(&self, token: &str) -> Result<Introspected, Error> {
        introspect::answer(&self.shared, token.trim()).await
    }

    /// Introspects without blocking the caller: `callback` receives the
    /// answer exactly once, on one of the library's callback threads.
    pub fn request_introspect(
        &self,
        token: &str,
        callback: impl FnOnce(Result<Introspected, Error>) + Send + 'static,
    ) {
        let verifier = self.clone();
        let token = crate::Secret::new(token);
        super::callback::deliver(callback, async move {
            verifier.introspect(token.expose()).await
        });
    }

    /// [`introspect`](Self::introspect) for synchronous code.
    pub fn introspect_blocking(&self, token: &str) -> Result<Introspected, Error> {
        executor::block_on(self.introspect(token))
    }

    /// The claims of a valid token, before the DPoP binding rule.
    pub(crate) async fn claims_of(&self, token: &str) -> Result<Claims, Error> {
        let token = token.trim();
        let config = &self.shared.config;
        let introspects = config.introspects();
        let has_keys = config.key_source().is_some() || config.pinned_keys.is_some();
        if introspects && (!looks_like_jwt(token) || !has_keys) {
            return introspect::claims(&self.shared, token).await;
        }
        let candidate = candidate(config, token)?;
        if let Some(pinned) = &config.pinned_keys {
            return crate::verify::check_with_keys(config, candidate, pinned, clock::wall_now());
        }
        let keys = keys::keys_for(&self.shared, &candidate).await?;
        crate::verify::check_with_keys(config, candidate, &keys, clock::wall_now())
    }
}

impl Shared {
    fn lock_keys(&self) -> super::fork::Locked<'_, KeysState> {
        super::fork::lock(&self.keys)
    }

    fn lock_introspection(&self) -> super::fork::Locked<'_, IntrospectState> {
        super::fork::lock(&self.introspection)
    }

    /// The HTTP client of the current background runtime.
    fn http(&self, generation: u64) -> Result<Arc<HttpClient>, Error> {
        self.http.get(generation, || {
            HttpClient::new(self.config.timeout(), &self.config.tls)
        })
    }
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let config = &self.shared.config;
        f.debug_struct("Verifier")
            .field("issuer", &config.issuer())
            .field("jwks_url", &config.jwks_url().map(url::Url::as_str))
            .field("audiences", &config.audiences())
            .finish_non_exhaustive()
    }
}

/// `claims`, if they carry every one of `scopes`; else `INSUFFICIENT_SCOPE`
/// naming the missing ones (space-separated, for `WWW-Authenticate`).
fn with_scopes<S: AsRef<str>>(claims: Claims, scopes: &[S]) -> Result<Claims, Error> {
    let granted = claims.scopes();
    let missing: Vec<&str> = scopes
        .iter()
        .map(AsRef::as_ref)
        .filter(|s| !granted.contains(s))
        .collect();
    if missing.is_empty() {
        Ok(claims)
    } else {
        Err(Error::invalid_token(
            ErrorCode::InsufficientScope,
            missing.join(" "),
        ))
    }
}
