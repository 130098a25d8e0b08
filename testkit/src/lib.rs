//! # m2mauth-testkit
//!
//! A real OAuth 2.0 issuer on 127.0.0.1, for m2mauth's own tests and for
//! yours: services that use m2mauth can be tested without a real IdP.
//!
//! It serves discovery (`/.well-known/openid-configuration`), a strict
//! client credentials token endpoint (form or JSON bodies, `client_secret_basic`
//! or `client_secret_post`, scopes, `audience`, `resource`), JWT access
//! tokens (RFC 9068; EdDSA by default, ES256 or RS256) or opaque ones, their
//! JWKS (with scriptable outages, delays and `Cache-Control`), introspection
//! (RFC 7662), revocation (RFC 7009) and a protected API (`/api/whoami`).
//! For tests of services that check tokens, [`TestIssuer::mint`] signs any
//! claims, with published keys or forged ones, and keys can be rotated. Tests can script faults (statuses with
//! `Retry-After`, malformed bodies, hangs, closed connections, redirects),
//! change token lifetime and latency, revoke tokens, and read what the token
//! endpoint received. Everything can also be driven over HTTP under
//! `/_testkit/` (see the `admin` module docs), which is how non-Rust test
//! suites use `m2mauth issuer`.
//!
//! ```
//! use m2mauth_testkit::{Fault, TestIssuer};
//! let issuer = TestIssuer::start()?;
//! issuer.push_fault(Fault::rate_limited(1));
//! assert!(issuer.token_url().starts_with("http://127.0.0.1:"));
//! assert_eq!(issuer.requests_served(), 0);
//! # Ok::<(), std::io::Error>(())
//! ```

mod admin;
mod answer;
mod client_assertion;
mod dpop;
mod jose;
mod jwt;
pub mod redis_server;
mod resource;
mod routes;
mod server;
mod state;
mod tls;
mod token_endpoint;
pub mod vector;
mod vector_jwt;

use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use jwt::{Alg, Mint};
pub use state::{Fault, RecordedRequest, TokenFormat};
pub use vector::Vector;

use state::{Client, Faults, Inner, lock};

/// The client id registered by default.
pub const DEFAULT_CLIENT_ID: &str = "test-client";
/// The client secret registered by default.
pub const DEFAULT_CLIENT_SECRET: &str = "test-secret";
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);

/// A running test issuer. It stops when dropped.
pub struct TestIssuer {
    inner: Arc<Inner>,
    address: SocketAddr,
    runtime: Option<tokio::runtime::Runtime>,
}

/// Options for [`TestIssuer`].
#[derive(Debug)]
pub struct TestIssuerBuilder {
    port: u16,
    clients: Option<Vec<Client>>,
    lifetime: Duration,
    latency: Duration,
    tls: bool,
}

impl Default for TestIssuerBuilder {
    fn default() -> Self {
        TestIssuerBuilder {
            port: 0,
            clients: None,
            lifetime: DEFAULT_LIFETIME,
            latency: Duration::ZERO,
            tls: false,
        }
    }
}

impl TestIssuerBuilder {
    /// The port on 127.0.0.1 (default 0: any free port).
    #[must_use]
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Serves HTTPS with a certificate from a CA generated for this issuer
    /// ([`ca_pem`](TestIssuer::ca_pem)), and accepts mTLS clients (RFC 8705):
    /// certificates from [`client_certificate`](TestIssuer::client_certificate)
    /// (`tls_client_auth`) or registered self-signed ones.
    #[must_use]
    pub fn tls(mut self) -> Self {
        self.tls = true;
        self
    }

    /// Registers a client that may ask for any scope. The first call
    /// replaces the default client (`test-client` / `test-secret`).
    #[must_use]
    pub fn client(self, id: &str, secret: &str) -> Self {
        self.register(id, secret, None)
    }

    /// Registers a client that may ask only for `scopes`.
    #[must_use]
    pub fn client_with_scopes(self, id: &str, secret: &str, scopes: &[&str]) -> Self {
        self.register(
            id,
            secret,
            Some(scopes.iter().map(|s| (*s).to_owned()).collect()),
        )
    }

    fn register(mut self, id: &str, secret: &str, scopes: Option<Vec<String>>) -> Self {
        self.clients.get_or_insert_with(Vec::new).push(Client {
            id: id.to_owned(),
            secret: secret.to_owned(),
            scopes,
            keys: Vec::new(),
            certificates: Vec::new(),
        });
        self
    }

    /// The lifetime of issued tokens (default one hour).
    #[must_use]
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// A delay before every token answer (default none).
    #[must_use]
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Binds the port and starts serving on a runtime of the issuer's own.
    pub fn start(self) -> io::Result<TestIssuer> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, self.port))?;
        listener.set_nonblocking(true)?;
        let address = listener.local_addr()?;
        let keys = jwt::KeyRing::generate().map_err(io::Error::other)?;
        let keys_nonce = keys.random_id();
        let clients = self.clients.unwrap_or_else(|| {
            vec![Client {
                id: DEFAULT_CLIENT_ID.to_owned(),
                secret: DEFAULT_CLIENT_SECRET.to_owned(),
                scopes: None,
                keys: Vec::new(),
                certificates: Vec::new(),
            }]
        });
        let tls = if self.tls {
            Some(tls::Tls::generate().map_err(io::Error::other)?)
        } else {
            None
        };
        let scheme = if tls.is_some() { "https" } else { "http" };
        let inner = Arc::new(Inner {
            issuer: format!("{scheme}://{address}"),
            keys: Mutex::new(keys),
            format: Mutex::new(TokenFormat::Jwt),
            issued: Mutex::new(std::collections::HashMap::new()),
            revoked: Mutex::new(std::collections::HashSet::new()),
            jwks: Mutex::new(state::JwksBehaviour::default()),
            jwks_requests: AtomicU64::new(0),
            introspection_requests: AtomicU64::new(0),
            revocation_requests: AtomicU64::new(0),
            clients: Mutex::new(clients),
            lifetime: Mutex::new(self.lifetime),
            latency: Mutex::new(self.latency),
            faults: Mutex::new(Faults::default()),
            token_requests: AtomicU64::new(0),
            api_requests: AtomicU64::new(0),
            issued_count: AtomicU64::new(0),
            revoked_through: AtomicU64::new(0),
            recorded: Mutex::new(Vec::new()),
            armed: Mutex::new(None),
            assertion_jtis: Mutex::new(std::collections::HashSet::new()),
            proof_jtis: Mutex::new(std::collections::HashSet::new()),
            dpop: Mutex::new(dpop::DpopSettings {
                require_nonce: false,
                nonce: format!("nonce-{keys_nonce}"),
            }),
            tls,
        });
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("m2mauth-testkit")
            .enable_all()
            .build()?;
        let listener = {
            let _context = runtime.enter();
            tokio::net::TcpListener::from_std(listener)?
        };
        runtime.spawn(server::serve(listener, inner.clone()));
        Ok(TestIssuer {
            inner,
            address,
            runtime: Some(runtime),
        })
    }
}

impl TestIssuer {
    /// Starts an issuer with the defaults: any free port, client
    /// `test-client` / `test-secret`, one-hour tokens.
    pub fn start() -> io::Result<TestIssuer> {
        TestIssuerBuilder::default().start()
    }

    /// Options for an issuer.
    pub fn builder() -> TestIssuerBuilder {
        TestIssuerBuilder::default()
    }

    /// The issuer URL, `http://127.0.0.1:PORT` (also the `iss` of its tokens).
    pub fn issuer_url(&self) -> &str {
        &self.inner.issuer
    }

    /// The token endpoint, `{issuer}/oauth2/token`.
    pub fn token_url(&self) -> String {
        self.inner.token_url()
    }

    /// The JWKS endpoint.
    pub fn jwks_url(&self) -> String {
        self.inner.jwks_url()
    }

    /// The protected API, `{issuer}/api/whoami`: 200 for a valid token of
    /// this issuer, 401 otherwise.
    pub fn api_url(&self) -> String {
        self.inner.api_url()
    }

    /// The introspection endpoint (RFC 7662), `{issuer}/oauth2/introspect`;
    /// registered clients may ask about any token this issuer issued.
    pub fn introspection_url(&self) -> String {
        self.inner.introspection_url()
    }

    /// The revocation endpoint (RFC 7009), `{issuer}/oauth2/revoke`.
    pub fn revocation_url(&self) -> String {
        self.inner.revocation_url()
    }

    /// A JWT of `claims` signed as `how` says: with the issuer's published
    /// key for an algorithm, with a key it does not publish (a forgery),
    /// with another `kid`, `typ` or `alg` header, or unsigned. For tests of
    /// the services that check tokens: any claims, dates in the past, …
    ///
    /// ```
    /// use m2mauth_testkit::{Alg, Mint, TestIssuer};
    /// let issuer = TestIssuer::start()?;
    /// let claims = serde_json::json!({"iss": issuer.issuer_url(), "aud": "api", "exp": 4102444800u64});
    /// let token = issuer.mint(&claims, &Mint { alg: Some(Alg::Rs256), ..Mint::default() }).unwrap();
    /// assert_eq!(token.split('.').count(), 3);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn mint(&self, claims: &serde_json::Value, how: &Mint) -> Option<String> {
        lock(&self.inner.keys).mint(claims, how)
    }

    /// Replaces the published keys with new ones (a key rollover): tokens
    /// signed before no longer verify against the JWKS.
    pub fn rotate_keys(&self) -> io::Result<()> {
        lock(&self.inner.keys).rotate().map_err(io::Error::other)
    }

    /// The algorithm issued tokens are signed with (default EdDSA).
    pub fn set_token_alg(&self, alg: Alg) {
        lock(&self.inner.keys).token_alg = alg;
    }

    /// Whether issued tokens are JWTs (the default) or opaque strings.
    pub fn set_token_format(&self, format: TokenFormat) {
        *lock(&self.inner.format) = format;
    }

    /// Makes the JWKS endpoint answer `status` (an outage) from now on, or
    /// serve the keys again with `None`.
    pub fn set_jwks_failure(&self, status: Option<u16>) {
        lock(&self.inner.jwks).status = status;
    }

    /// A delay before every JWKS answer.
    pub fn set_jwks_delay(&self, delay: Duration) {
        lock(&self.inner.jwks).delay = delay;
    }

    /// The `Cache-Control: max-age` the JWKS is served with (none by default).
    pub fn set_jwks_max_age(&self, seconds: Option<u64>) {
        lock(&self.inner.jwks).max_age = seconds;
    }

    /// How many requests the JWKS endpoint has received.
    pub fn jwks_requests(&self) -> u64 {
        self.inner.jwks_requests.load(Ordering::SeqCst)
    }

    /// How many requests the introspection endpoint has received.
    pub fn introspection_requests(&self) -> u64 {
        self.inner.introspection_requests.load(Ordering::SeqCst)
    }

    /// How many requests the revocation endpoint has received.
    pub fn revocation_requests(&self) -> u64 {
        self.inner.revocation_requests.load(Ordering::SeqCst)
    }

    /// The socket address.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// How many requests the token endpoint has received.
    pub fn requests_served(&self) -> u64 {
        self.inner.token_requests.load(Ordering::SeqCst)
    }

    /// How many requests the protected API has received.
    pub fn api_requests(&self) -> u64 {
        self.inner.api_requests.load(Ordering::SeqCst)
    }

    /// The requests the token endpoint has received, oldest first.
    pub fn recorded_requests(&self) -> Vec<RecordedRequest> {
        lock(&self.inner.recorded).clone()
    }

    /// Queues a fault for the next token request that has none queued before it.
    pub fn push_fault(&self, fault: Fault) {
        lock(&self.inner.faults).queue.push_back(fault);
    }

    /// A fault for every token request (after the queued ones), until `None`.
    pub fn set_sticky_fault(&self, fault: Option<Fault>) {
        lock(&self.inner.faults).sticky = fault;
    }

    /// The lifetime of tokens issued from now on.
    pub fn set_token_lifetime(&self, lifetime: Duration) {
        *lock(&self.inner.lifetime) = lifetime;
    }

    /// A delay before every token answer from now on.
    pub fn set_latency(&self, latency: Duration) {
        *lock(&self.inner.latency) = latency;
    }

    /// Every token issued so far is rejected by the protected API from now on.
    pub fn revoke_issued_tokens(&self) {
        let issued = self.inner.issued_count.load(Ordering::SeqCst);
        self.inner.revoked_through.store(issued, Ordering::SeqCst);
    }

    /// Trusts `jwk` (a public or private JWK; only its public part is
    /// kept) for the `private_key_jwt` assertions of `client_id`. Returns
    /// false when there is no such client or `jwk` is not a key.
    pub fn register_client_key(&self, client_id: &str, jwk: &serde_json::Value) -> bool {
        let Some(public) = jose::public_part(jwk) else {
            return false;
        };
        let mut clients = lock(&self.inner.clients);
        clients
            .iter_mut()
            .find(|c| c.id == client_id)
            .map(|client| client.keys.push(public))
            .is_some()
    }

    /// The CA certificate (PEM) of an HTTPS issuer, for clients' `ca_file`.
    pub fn ca_pem(&self) -> Option<&str> {
        self.inner.tls.as_ref().map(|t| t.ca_pem.as_str())
    }

    /// A client certificate (`CN=<client_id>`) and its key, both PEM, issued
    /// by this issuer's CA: it authenticates `client_id` with
    /// `tls_client_auth`. `None` without TLS or for an unknown client.
    pub fn client_certificate(&self, client_id: &str) -> Option<(String, String)> {
        let issued = self
            .inner
            .tls
            .as_ref()?
            .client_certificate(client_id)
            .ok()?;
        self.trust_certificate(client_id, &issued.der)
            .then_some((issued.cert_pem, issued.key_pem))
    }

    /// A self-signed client certificate and key (PEM), registered for
    /// `client_id` (`self_signed_tls_client_auth`).
    pub fn self_signed_certificate(&self, client_id: &str) -> Option<(String, String)> {
        let issued = tls::self_signed(client_id).ok()?;
        self.trust_certificate(client_id, &issued.der)
            .then_some((issued.cert_pem, issued.key_pem))
    }

    fn trust_certificate(&self, client_id: &str, der: &[u8]) -> bool {
        admin::trust_certificate(&self.inner, client_id, der)
    }

    /// Replaces the DPoP nonce: proofs with the old one get `use_dpop_nonce`
    /// and the new one, as when a server's nonce expires.
    pub fn rotate_dpop_nonce(&self) {
        let fresh = lock(&self.inner.keys).random_id();
        lock(&self.inner.dpop).nonce = format!("nonce-{fresh}");
    }

    /// Requires DPoP proofs to carry the issuer's nonce (RFC 9449 §8, §9):
    /// proofs without it get `use_dpop_nonce` and the nonce to use.
    pub fn require_dpop_nonce(&self, required: bool) {
        lock(&self.inner.dpop).require_nonce = required;
    }

    /// Clears counters, recordings, faults, revocations and any armed vector.
    pub fn reset(&self) {
        self.inner.reset();
    }

    /// Arms a conformance vector: the token endpoint answers as it says and
    /// checks the requests it receives. Returns the vector's configuration
    /// for this issuer.
    pub fn arm_vector(&self, vector: &Vector) -> serde_json::Value {
        let config = vector.config_for(&self.inner.issuer);
        *lock(&self.inner.armed) = Some(state::Armed {
            vector: vector.for_issuer(&self.inner.issuer),
            verdict: None,
        });
        config
    }

    /// Judges the armed vector: the request received and the outcome line
    /// the client reported (see [`Vector::check_outcome`]).
    pub fn judge_outcome(&self, outcome: &str) -> Result<(), String> {
        match admin::judge(&self.inner, outcome) {
            verdict if verdict == "ok" => Ok(()),
            problem => Err(problem),
        }
    }

    /// Stops the issuer; open connections are dropped.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Drop for TestIssuer {
    fn drop(&mut self) {
        self.shutdown();
    }
}
