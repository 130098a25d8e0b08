//! `TokenSource`: the cache state machine driven by real time and real HTTP.

use std::sync::{Arc, Mutex, PoisonError};

use tokio::runtime::Handle;
use tokio::sync::watch;
use tracing::Instrument as _;

use super::clock;
use super::exchange::{Exchange, lock_nonces};
use super::executor;
use super::hot::HotToken;
use super::stats::FleetCounters;
use super::stats::{Counters, Stats};
use super::token::AccessToken;
use crate::cache::{Action, CacheKey, Completion, Fresh, MonoTime, Slot, Ticket};
use crate::dpop::Nonces;
use crate::{Config, Error};

type Outcome = Result<AccessToken, Error>;

/// A cached, self-refreshing source of access tokens for one client and one
/// set of scopes. Cheap to clone (clones share the cache); safe to use from
/// any number of threads and tasks, on any async runtime or none.
///
/// - A fresh cached token is returned lock-free, without touching the IdP.
/// - Concurrent callers on a cold cache share one request.
/// - From 80 % of the lifetime on, the next caller gets the current token at
///   once and a background refresh starts (refresh-ahead): nobody waits.
/// - A failed refresh keeps serving the still-valid token and retries with
///   back-off; `Retry-After` is honoured; `invalid_client` is not retried in a loop.
///
/// ```no_run
/// # async fn demo() -> Result<(), m2mauth::Error> {
/// use m2mauth::TokenSource;
/// let source = TokenSource::builder()
///     .token_url("https://auth.example.com/oauth2/token")
///     .client_id("billing-service")
///     .client_secret("s3cret")
///     .audience("https://api.example.com")
///     .build()?;
/// let token = source.token().await?;
/// let response = reqwest::Client::new()
///     .get("https://api.example.com/invoices")
///     .header("authorization", token.authorization_header())
///     .send()
///     .await;
/// if matches!(&response, Ok(r) if r.status() == 401) {
///     source.invalidate(&token); // the next call fetches a new token
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct TokenSource {
    shared: Arc<Shared>,
}

struct Shared {
    config: Config,
    key: CacheKey,
    /// The token that can be served without locking, and until when.
    hot: HotToken,
    state: Mutex<State>,
    counters: Counters,
    /// The DPoP nonces servers gave, by origin (token endpoint and APIs).
    nonces: Arc<Mutex<Nonces>>,
    /// What the fleet cache did (kept across exchanges rebuilt after a fork).
    fleet: Arc<FleetCounters>,
}

struct State {
    slot: Slot<AccessToken>,
    inflight: Option<InFlight>,
    /// The background runtime generation the fields below belong to, and
    /// the process that created them.
    generation: u64,
    pid: u32,
    exchange: Option<Arc<Exchange>>,
    timer_at: Option<MonoTime>,
    /// The task sleeping until `timer_at`, aborted when it is replaced and
    /// when the source is dropped (it would otherwise linger until then).
    timer: Option<tokio::task::AbortHandle>,
    /// Cache hits counted when the current token arrived: if none came
    /// since, a timer does not refresh it (an idle source stays idle).
    hits_at_install: u64,
}

struct InFlight {
    refresh: bool,
    outcome: watch::Sender<Option<Outcome>>,
}

impl TokenSource {
    /// A source for a validated configuration. Nothing is fetched yet.
    pub fn new(config: Config) -> TokenSource {
        let mut seed = [0u8; 8];
        // Without OS randomness, the clock still spreads sources apart.
        let seed = match getrandom::getrandom(&mut seed) {
            Ok(()) => u64::from_ne_bytes(seed),
            Err(_) => clock::now().as_nanos(),
        };
        let slot = Slot::new(config.policy(), seed);
        TokenSource {
            shared: Arc::new(Shared {
                key: config.cache_key(),
                config,
                hot: HotToken::default(),
                state: Mutex::new(State {
                    slot,
                    inflight: None,
                    generation: 0,
                    pid: std::process::id(),
                    exchange: None,
                    timer_at: None,
                    timer: None,
                    hits_at_install: 0,
                }),
                counters: Counters::default(),
                nonces: Arc::default(),
                fleet: Arc::default(),
            }),
        }
    }

    /// Starts a builder (the same options as [`Config::builder`]).
    pub fn builder() -> super::TokenSourceBuilder {
        super::TokenSourceBuilder::default()
    }

    /// A source configured from `<prefix>_*` environment variables.
    pub fn from_env(prefix: &str) -> Result<TokenSource, Error> {
        Config::from_env(prefix).map(TokenSource::new)
    }

    /// A source configured from the JSON form shared by every binding.
    pub fn from_json(text: &str) -> Result<TokenSource, Error> {
        Config::from_json(text).map(TokenSource::new)
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.shared.config
    }

    /// The cache key of this source's tokens.
    pub fn cache_key(&self) -> &CacheKey {
        &self.shared.key
    }

    /// A usable token: from the cache when fresh, otherwise fetched (once
    /// for all concurrent callers). Cancelling the returned future never
    /// cancels the fetch for the others.
    pub async fn token(&self) -> Result<AccessToken, Error> {
        if let Some(token) = self.hot_token() {
            return Ok(token);
        }
        // Boxed, so that the cached path's future stays a few words long.
        Box::pin(self.acquire()).await
    }

    /// [`token`](Self::token) for synchronous code: blocks this thread (not
    /// an async executor's, please) until a token or an error is ready.
    pub fn token_blocking(&self) -> Result<AccessToken, Error> {
        if let Some(token) = self.hot_token() {
            return Ok(token);
        }
        executor::block_on(self.acquire())
    }

    /// Gets a token without blocking the caller: `callback` receives the
    /// outcome on one of the library's callback threads (never on the
    /// calling thread, even when the token is cached, and never on the
    /// thread that runs fetches and refreshes: a callback may block, or ask
    /// for a token itself, without stalling the library). For bindings whose
    /// callers have neither an async runtime nor a thread to block (C, .NET).
    ///
    /// The callback is always called exactly once: if the runtime is shut
    /// down first ([`shutdown`](crate::runtime::shutdown)), it gets an internal error,
    /// on the thread that shut the runtime down (or, in the rare race where
    /// the runtime stops just as the request starts, on the calling thread).
    pub fn request_token(
        &self,
        callback: impl FnOnce(Result<AccessToken, Error>) + Send + 'static,
    ) {
        let source = self.clone();
        super::callback::deliver(callback, async move { source.token().await });
    }

    /// A token if one can be had without waiting: the cached token while it
    /// may be served (starting a background refresh when one is due), else
    /// `None`. Never starts a first fetch. Bindings use it to skip their
    /// async machinery when the cache is warm.
    pub fn cached_token(&self) -> Option<AccessToken> {
        if let Some(token) = self.hot_token() {
            return Some(token);
        }
        let mut st = self.shared.lock();
        if !st.slot.is_usable(clock::now()) {
            return None;
        }
        match self.poll(&mut st) {
            Ok(Polled::Ready(token)) => Some(token),
            _ => None,
        }
    }

    /// `Bearer <token>`, ready for an `Authorization` header.
    pub async fn authorization_header(&self) -> Result<String, Error> {
        Ok(self.token().await?.authorization_header().to_owned())
    }

    /// Drops `token` from the cache after an API rejected it (HTTP 401), so
    /// the next call fetches a new one. Only that exact token is dropped,
    /// and only once; returns whether it was still cached.
    pub fn invalidate(&self, token: &AccessToken) -> bool {
        let mut st = self.shared.lock();
        let dropped = st.slot.invalidate(|cached| cached.same_as(token));
        if dropped {
            self.shared.publish(&st);
            tracing::debug!(key = %self.shared.key, "m2mauth: token invalidated");
        }
        dropped
    }

    /// Like [`invalidate`](Self::invalidate), for glue code that only has the
    /// token's text (an `Authorization` header it sent). Each fetch yields a
    /// different token, so the text names exactly one token.
    pub fn invalidate_secret(&self, secret: &str) -> bool {
        let mut st = self.shared.lock();
        let dropped = st
            .slot
            .invalidate(|cached| same_text(cached.secret(), secret));
        if dropped {
            self.shared.publish(&st);
            tracing::debug!(key = %self.shared.key, "m2mauth: token invalidated");
        }
        dropped
    }

    /// Revokes `token` at the IdP (RFC 7009): at the configured
    /// `revocation_url`, or the issuer's discovered revocation endpoint. The
    /// token is dropped from the cache first, so it is never handed out again.
    pub async fn revoke(&self, token: &str) -> Result<(), Error> {
        self.invalidate_secret(token);
        let (handle, exchange) = {
            let mut st = self.shared.lock();
            self.shared.prepare(&mut st)?
        };
        // On the background runtime (the caller may have none, or another).
        let shared = self.shared.clone();
        let token = crate::Secret::new(token);
        handle
            .spawn(async move { exchange.revoke(&shared.config, token.expose()).await })
            .await
            .unwrap_or_else(|_| Err(Error::internal("the revocation stopped without an answer")))
    }

    /// [`revoke`](Self::revoke) for synchronous code.
    pub fn revoke_blocking(&self, token: &str) -> Result<(), Error> {
        executor::block_on(self.revoke(token))
    }

    /// Revokes without blocking the caller: `callback` receives the outcome
    /// exactly once, on one of the library's callback threads.
    pub fn request_revoke(
        &self,
        token: &str,
        callback: impl FnOnce(Result<(), Error>) + Send + 'static,
    ) {
        let source = self.clone();
        let token = crate::Secret::new(token);
        super::callback::deliver(callback, async move { source.revoke(token.expose()).await });
    }

    /// The `DPoP` header for a `method` request to `url` carrying
    /// `access_token` (RFC 9449 §7), or `None` when DPoP is off. It holds
    /// the nonce that server gave last (see
    /// [`record_dpop_nonce`](Self::record_dpop_nonce)). Send it with
    /// `Authorization: DPoP <token>`.
    pub fn dpop_proof(
        &self,
        method: &str,
        url: &str,
        access_token: Option<&str>,
    ) -> Result<Option<crate::Secret>, Error> {
        let Some(key) = self.shared.config.dpop() else {
            return Ok(None);
        };
        let nonce = lock_nonces(&self.shared.nonces).for_url(url);
        let attempt = clock::attempt()?.with_dpop_nonce(nonce);
        key.proof(method, url, &attempt, access_token).map(Some)
    }

    /// Remembers the `DPoP-Nonce` a server at `url` answered with (a
    /// resource server's `401` with `error="use_dpop_nonce"`, or any answer
    /// carrying one): the next proof for that origin includes it.
    pub fn record_dpop_nonce(&self, url: &str, nonce: &str) {
        lock_nonces(&self.shared.nonces).record(url, nonce);
    }

    /// Reads a resource server's answer to a request made with a DPoP
    /// proof: when it is a `401` asking for a nonce (RFC 9449 §9), records
    /// the nonce and returns true: send the request once more with a new
    /// [`dpop_proof`](Self::dpop_proof) (the token stays valid). The HTTP
    /// glue of every language does this.
    pub fn accept_dpop_challenge(
        &self,
        url: &str,
        status: u16,
        www_authenticate: Option<&str>,
        dpop_nonce: Option<&str>,
    ) -> bool {
        let nonce = crate::dpop::challenged_nonce(www_authenticate, dpop_nonce);
        match nonce {
            Some(nonce) if status == 401 && self.shared.config.dpop().is_some() => {
                self.record_dpop_nonce(url, nonce);
                true
            }
            _ => false,
        }
    }

    /// Counters of what this source has done.
    pub fn stats(&self) -> Stats {
        self.shared
            .counters
            .snapshot(self.shared.hot.hits(), &self.shared.fleet)
    }

    /// The [`fetch_id`](AccessToken::fetch_id) of the token
    /// [`cached_token`](Self::cached_token) would return, without handing
    /// out the token: bindings that keep their own copy of the current token
    /// check it with this, and the cached path shares nothing between threads.
    pub fn cached_token_id(&self) -> Option<u64> {
        self.shared
            .hot
            .with(clock::now, AccessToken::fetch_id)
            .or_else(|| self.cached_token().map(|t| t.fetch_id()))
    }

    /// The lock-free path: one atomic load and one clock read.
    fn hot_token(&self) -> Option<AccessToken> {
        self.shared.hot.with(clock::now, AccessToken::clone)
    }

    async fn acquire(&self) -> Result<AccessToken, Error> {
        let polled = self.poll(&mut self.shared.lock())?;
        let mut outcome = match polled {
            Polled::Ready(token) => return Ok(token),
            Polled::Wait(outcome) => outcome,
        };
        let result = outcome.wait_for(Option::is_some).await.map(|o| o.clone());
        match result {
            Ok(Some(outcome)) => outcome,
            _ => Err(Error::internal(
                "the token fetch was abandoned (did the process fork?)",
            )),
        }
    }

    /// Asks the slot what to do now and does it, under the state lock.
    fn poll(&self, st: &mut State) -> Result<Polled, Error> {
        let (handle, exchange) = self.shared.prepare(st)?;
        match st.slot.poll(clock::now()) {
            Action::Use(token) => {
                self.shared.publish(st);
                self.shared.counters.hit();
                Ok(Polled::Ready(token))
            }
            Action::UseAndRefresh(token, ticket) => {
                tracing::debug!(key = %self.shared.key, "m2mauth: refreshing ahead of expiry");
                Shared::start(
                    &self.shared,
                    st,
                    &handle,
                    exchange,
                    Fetch::now(ticket, true),
                );
                self.shared.publish(st);
                self.shared.counters.hit();
                Ok(Polled::Ready(token))
            }
            Action::Fetch(ticket) => {
                self.shared.counters.waited();
                let fetch = Fetch::now(ticket, false);
                Ok(Polled::Wait(Shared::start(
                    &self.shared,
                    st,
                    &handle,
                    exchange,
                    fetch,
                )))
            }
            Action::FetchAt(ticket, send_at) => {
                self.shared.counters.waited();
                let fetch = Fetch {
                    ticket,
                    refresh: false,
                    send_at: Some(send_at),
                };
                Ok(Polled::Wait(Shared::start(
                    &self.shared,
                    st,
                    &handle,
                    exchange,
                    fetch,
                )))
            }
            Action::Wait => match &st.inflight {
                Some(fetch) => {
                    self.shared.counters.waited();
                    Ok(Polled::Wait(fetch.outcome.subscribe()))
                }
                None => Err(Error::internal("a fetch is in flight but nobody runs it")),
            },
            Action::Fail(error) => Err(error),
        }
    }
}

/// Compares token texts in time that does not depend on where they differ.
fn same_text(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A fetch the slot asked for: its ticket, whether callers keep using the
/// previous token meanwhile, and when its first attempt may be sent.
#[derive(Clone, Copy)]
struct Fetch {
    ticket: Ticket,
    refresh: bool,
    send_at: Option<MonoTime>,
}

impl Fetch {
    fn now(ticket: Ticket, refresh: bool) -> Fetch {
        Fetch {
            ticket,
            refresh,
            send_at: None,
        }
    }
}

/// What a caller gets from the slot: a token now, or a fetch to wait for.
enum Polled {
    Ready(AccessToken),
    Wait(watch::Receiver<Option<Outcome>>),
}

impl Shared {
    /// Every cache hit so far, lock-free path included.
    fn hits(&self) -> u64 {
        self.counters.hits() + self.hot.hits()
    }

    fn lock(&self) -> super::fork::Locked<'_, State> {
        super::fork::lock(&self.state)
    }

    /// The background runtime and the HTTP exchange for this process. After
    /// a fork, what belonged to the parent's runtime is dropped first.
    fn prepare(&self, st: &mut State) -> Result<(Handle, Arc<Exchange>), Error> {
        let (handle, generation) = executor::handle()?;
        if st.generation != generation {
            if st.inflight.take().is_some() {
                st.slot.abandon_fetch();
            }
            let pid = std::process::id();
            // Forked: the parent's connections belong to a runtime this
            // process does not have. Never touch them; build anew. (After a
            // shutdown in the same process the old client is simply dropped.)
            if let Some(old) = st.exchange.take()
                && st.pid != pid
            {
                std::mem::forget(old);
            }
            st.timer_at = None;
            st.timer = None;
            st.generation = generation;
            st.pid = pid;
        }
        let exchange = if let Some(exchange) = &st.exchange {
            exchange.clone()
        } else {
            let exchange = Arc::new(Exchange::new(
                &self.config,
                self.nonces.clone(),
                self.fleet.clone(),
            )?);
            st.exchange = Some(exchange.clone());
            exchange
        };
        Ok((handle, exchange))
    }

    /// Makes the lock-free path serve what the slot would answer.
    fn publish(&self, st: &State) {
        let servable = st.slot.current().cloned().zip(st.slot.quiet_until());
        self.hot.publish(servable);
    }

    /// Registers `fetch` and runs it on the background runtime.
    fn start(
        shared: &Arc<Shared>,
        st: &mut State,
        handle: &Handle,
        exchange: Arc<Exchange>,
        fetch: Fetch,
    ) -> watch::Receiver<Option<Outcome>> {
        let (outcome, receiver) = watch::channel(None);
        st.inflight = Some(InFlight {
            refresh: fetch.refresh,
            outcome,
        });
        let guard = FetchGuard {
            shared: shared.clone(),
            ticket: fetch.ticket,
            armed: true,
            started: false,
        };
        handle.spawn(run_fetch(guard, exchange, fetch.send_at));
        receiver
    }

    /// Settles the fetch `ticket` with `outcome` (fetch done, or abandoned).
    fn settle(
        self: &Arc<Self>,
        ticket: Ticket,
        outcome: Result<Fresh<AccessToken>, Error>,
    ) -> Option<MonoTime> {
        let failed_before = outcome.is_err();
        if let Err(error) = &outcome {
            self.counters.failed(error);
            tracing::warn!(key = %self.key, code = %error.code(), "m2mauth: token request failed: {error}");
        }
        let mut st = self.lock();
        let done = match st.slot.complete(ticket, clock::now(), outcome) {
            Completion::RetryAt(at) => return Some(at),
            Completion::Stale => return None,
            Completion::Delivered(token) => {
                let refresh = st.inflight.as_ref().is_some_and(|f| f.refresh);
                self.counters.fetched(refresh);
                st.hits_at_install = self.hits();
                tracing::info!(
                    key = %self.key,
                    lifetime_s = token.lifetime().as_secs(),
                    refresh,
                    "m2mauth: token fetched"
                );
                Ok(token)
            }
            Completion::Failed(error) => {
                if !failed_before {
                    self.counters.failed(&error);
                    tracing::warn!(key = %self.key, code = %error.code(), "m2mauth: token unusable: {error}");
                }
                Err(error)
            }
        };
        let fetch = st.inflight.take();
        self.publish(&st);
        self.arm_timer(&mut st);
        if let Some(fetch) = fetch {
            fetch.outcome.send_replace(Some(done));
        }
        None
    }

    /// Ends the fetch `ticket`, which stopped without an answer: its waiters
    /// get an internal error; the slot records no failure (the IdP did not
    /// fail) and arms no timer (the runtime may be shutting down).
    fn abandon(&self, ticket: Ticket) {
        let mut st = self.lock();
        if !st.slot.abandon(ticket) {
            return;
        }
        tracing::debug!(key = %self.key, "m2mauth: a token fetch stopped without an answer");
        let fetch = st.inflight.take();
        self.publish(&st);
        if let Some(fetch) = fetch {
            let error = Error::internal("the token fetch stopped without an answer");
            fetch.outcome.send_replace(Some(Err(error)));
        }
    }

    /// Schedules the slot's next background refresh (or retry), if any.
    fn arm_timer(self: &Arc<Self>, st: &mut State) {
        let Some(at) = st.slot.poll_timeout() else {
            return;
        };
        if st.timer_at == Some(at) {
            return;
        }
        let Ok((handle, generation)) = executor::handle() else {
            return;
        };
        if generation != st.generation {
            return;
        }
        st.timer_at = Some(at);
        let weak = Arc::downgrade(self);
        let timer = handle.spawn(async move {
            tokio::time::sleep_until(clock::tokio_instant(at)).await;
            if let Some(shared) = weak.upgrade() {
                shared.on_timer(at);
            }
        });
        // One timer per source: the one it replaces will never be wanted.
        if let Some(old) = st.timer.replace(timer.abort_handle()) {
            old.abort();
        }
    }

    fn on_timer(self: &Arc<Self>, at: MonoTime) {
        let mut st = self.lock();
        if st.timer_at != Some(at) {
            return;
        }
        st.timer_at = None;
        if self.hits() == st.hits_at_install {
            tracing::debug!(key = %self.key, "m2mauth: token unused since it arrived; refreshing on demand instead");
            return;
        }
        let Ok((handle, exchange)) = self.prepare(&mut st) else {
            return;
        };
        if let Some(ticket) = st.slot.handle_timeout(clock::now()) {
            tracing::debug!(key = %self.key, "m2mauth: background refresh");
            Shared::start(self, &mut st, &handle, exchange, Fetch::now(ticket, true));
            self.publish(&st);
        }
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        let st = self.state.get_mut().unwrap_or_else(PoisonError::into_inner);
        if let Some(timer) = st.timer.take() {
            timer.abort();
        }
    }
}

/// Abandons its fetch if the fetch task ends without an answer (a runtime
/// shutting down, a panic): its waiters get an internal error, so none
/// waits forever, and the next caller starts a new fetch at once.
struct FetchGuard {
    shared: Arc<Shared>,
    ticket: Ticket,
    armed: bool,
    /// Whether the fetch task ever ran.
    started: bool,
}

impl Drop for FetchGuard {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        if self.started {
            self.shared.abandon(self.ticket);
            return;
        }
        // Never run: a runtime shut down just as the fetch was spawned drops
        // the task at once, on the spawning thread, which holds the state
        // lock. Abandoning there would deadlock; another thread waits for it.
        let (shared, ticket) = (self.shared.clone(), self.ticket);
        let settler = std::thread::Builder::new()
            .name("m2mauth-settle".to_owned())
            .spawn(move || shared.abandon(ticket));
        if settler.is_err() {
            tracing::error!("m2mauth: cannot start a thread to end an abandoned fetch");
        }
    }
}

impl std::fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key names the client and what it asks for; never the secret.
        f.debug_tuple("TokenSource")
            .field(&format_args!("{}", self.shared.key))
            .finish()
    }
}

async fn run_fetch(mut guard: FetchGuard, exchange: Arc<Exchange>, send_at: Option<MonoTime>) {
    guard.started = true;
    if let Some(at) = send_at {
        // The slot is backing off: the first attempt waits for its end.
        tokio::time::sleep_until(clock::tokio_instant(at)).await;
    }
    let span = tracing::info_span!("m2mauth.fetch", key = %guard.shared.key);
    fetch_attempts(guard, exchange).instrument(span).await;
}

/// The attempts of one fetch: the first, and any retries the slot asks for.
async fn fetch_attempts(mut guard: FetchGuard, exchange: Arc<Exchange>) {
    let shared = guard.shared.clone();
    let timeout = shared.config.timeout();
    let deadline = clock::now() + timeout;
    let mut attempt_timeout = timeout;
    loop {
        let sent_at = clock::wall_now();
        let outcome = exchange
            .fetch(&shared.config, attempt_timeout)
            .await
            .map(|response| Fresh {
                lifetime: response.lifetime,
                refresh_in: response.refresh_in,
                value: AccessToken::new(response, sent_at, shared.config.scopes()),
            });
        let Some(retry_at) = shared.settle(guard.ticket, outcome) else {
            guard.armed = false;
            return;
        };
        tokio::time::sleep_until(clock::tokio_instant(retry_at)).await;
        // A retry gets what is left of the window; the slot schedules
        // retries only while at least a quarter of it remains.
        attempt_timeout = deadline.saturating_since(clock::now()).max(timeout / 4);
    }
}
