//! The fleet cache's runtime: the lease machine of `cache::fleet` driven
//! against a real Redis (the `redis` crate over tokio), every command with
//! a short timeout, a circuit breaker in front.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::clock;
use super::stats::FleetCounters;
use crate::Error;
use crate::cache::fleet::{
    Breaker, FleetClock, FleetCommand, FleetFetch, RedisFailure, RedisNames, SharedToken,
};
use crate::config::{Config, FleetConfig};
use crate::protocol::{LifetimeSource, TokenResponse};

/// The longest any one Redis command may take before it counts as a failure.
const COMMAND_TIMEOUT: Duration = Duration::from_millis(300);
const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);
/// Deletes the lease only if it still holds our fencing value.
const RELEASE: &str = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/// One source's view of the fleet cache.
pub(crate) struct Fleet {
    client: redis::Client,
    /// The connection, while Redis answers: dropped on a failure, so that no
    /// reconnection loop runs in the background while the breaker is open.
    connection: tokio::sync::Mutex<Option<ConnectionManager>>,
    names: RedisNames,
    config: FleetConfig,
    breaker: Mutex<Breaker>,
    counters: Arc<FleetCounters>,
    lease_ttl: Duration,
    refresh_fraction: f64,
}

fn fleet_clock() -> FleetClock {
    let wall_ms = clock::wall_now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    FleetClock {
        mono: clock::now(),
        wall_ms,
    }
}

fn random<const N: usize>() -> Result<[u8; N], Error> {
    let mut bytes = [0u8; N];
    getrandom::getrandom(&mut bytes).map_err(|e| Error::internal(format!("no randomness: {e}")))?;
    Ok(bytes)
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl Fleet {
    /// The fleet cache of `config`, if it has one. Nothing is connected yet.
    pub(crate) fn new(
        config: &Config,
        counters: Arc<FleetCounters>,
    ) -> Result<Option<Fleet>, Error> {
        let Some(fleet) = config.fleet() else {
            return Ok(None);
        };
        let client = redis::Client::open(fleet.url().expose()).map_err(|e| {
            Error::config(
                "cache_url",
                format!("is not a Redis URL ({})", e.category()),
            )
        })?;
        let policy = config.policy();
        Ok(Some(Fleet {
            client,
            connection: tokio::sync::Mutex::new(None),
            names: fleet
                .keys()
                .names(fleet.prefix(), &config.cache_key().canonical()),
            config: fleet.clone(),
            breaker: Mutex::new(Breaker::default()),
            counters,
            // A holder may take up to half the request timeout (at most 10 s)
            // before another process takes over.
            lease_ttl: (config.timeout() / 2)
                .clamp(Duration::from_secs(1), Duration::from_secs(10)),
            refresh_fraction: policy.refresh_fraction,
        }))
    }

    fn breaker(&self) -> super::fork::Locked<'_, Breaker> {
        super::fork::lock(&self.breaker)
    }

    /// Whether Redis may be used now (the breaker is closed).
    pub(crate) fn available(&self) -> bool {
        self.breaker().allows(clock::now())
    }

    async fn connection(&self) -> Result<ConnectionManager, RedisFailure> {
        let mut held = self.connection.lock().await;
        if let Some(connection) = held.as_ref() {
            return Ok(connection.clone());
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(COMMAND_TIMEOUT))
            .set_number_of_retries(1);
        let _ = rustls::crypto::ring::default_provider().install_default(); // for rediss://
        let connect = self.client.get_connection_manager_with_config(config);
        let connection = tokio::time::timeout(CONNECT_TIMEOUT * 2, connect)
            .await
            .map_err(|_| RedisFailure("connecting timed out".into()))?
            .map_err(|e| RedisFailure(format!("cannot connect ({})", e.category())))?;
        *held = Some(connection.clone());
        Ok(connection)
    }

    /// Drops the connection after a failure (the next use reconnects), so
    /// that no reconnection loop runs in the background meanwhile.
    async fn forget_connection(&self) {
        self.connection.lock().await.take();
    }

    async fn run<T: redis::FromRedisValue>(&self, command: &redis::Cmd) -> Result<T, RedisFailure> {
        let mut connection = self.connection().await?;
        match tokio::time::timeout(COMMAND_TIMEOUT, command.query_async::<T>(&mut connection)).await
        {
            Ok(Ok(value)) => Ok(value),
            // The category (and code, e.g. READONLY, OOM) without the server's words.
            Ok(Err(e)) => Err(RedisFailure(format!(
                "{} {}",
                e.category(),
                e.code().unwrap_or("")
            ))),
            Err(_) => Err(RedisFailure("timed out".into())),
        }
    }

    async fn read_entry(&self) -> Result<Option<SharedToken>, RedisFailure> {
        let bytes: Option<Vec<u8>> = self.run(redis::cmd("GET").arg(&self.names.entry)).await?;
        let Some(bytes) = bytes else { return Ok(None) };
        match self.config.keys().open(&self.names.entry, &bytes) {
            Ok(token) => Ok(Some(token)),
            Err(problem) => {
                // Never served: counted, logged (without any secret), refetched.
                self.counters.l2_errors.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(problem, "m2mauth: ignoring a fleet cache entry");
                Ok(None)
            }
        }
    }

    async fn take_lease(&self, fencing: &str) -> Result<bool, RedisFailure> {
        let answer: Option<String> = self
            .run(
                redis::cmd("SET")
                    .arg(&self.names.lease)
                    .arg(fencing)
                    .arg("NX")
                    .arg("PX")
                    .arg(millis(self.lease_ttl)),
            )
            .await?;
        Ok(answer.is_some())
    }

    async fn store(&self, response: &TokenResponse, sent_ms: u64) -> Result<(), RedisFailure> {
        let lifetime = millis(response.lifetime);
        let mut refresh_after = (lifetime as f64 * self.refresh_fraction) as u64;
        if let Some(hint) = response.refresh_in {
            refresh_after = refresh_after.min(millis(hint).max(lifetime / 10));
        }
        let shared = SharedToken {
            access_token: response.access_token.clone(),
            token_type: response.token_type.clone(),
            scopes: response.scopes.clone(),
            use_until_ms: sent_ms.saturating_add(lifetime),
            refresh_at_ms: sent_ms.saturating_add(refresh_after),
        };
        let ttl = shared.use_until_ms.saturating_sub(fleet_clock().wall_ms);
        if ttl == 0 {
            return Ok(());
        }
        let nonce = random::<12>().map_err(|e| RedisFailure(e.to_string()))?;
        let sealed = self
            .config
            .keys()
            .seal(&self.names.entry, &shared, nonce)
            .map_err(RedisFailure)?;
        self.run::<()>(
            redis::cmd("SET")
                .arg(&self.names.entry)
                .arg(sealed)
                .arg("PX")
                .arg(ttl),
        )
        .await
    }

    async fn release(&self, fencing: &str) -> Result<(), RedisFailure> {
        let mut connection = self.connection().await?;
        let script = redis::Script::new(RELEASE);
        let mut invocation = script.key(&self.names.lease);
        invocation.arg(fencing);
        match tokio::time::timeout(
            COMMAND_TIMEOUT,
            invocation.invoke_async::<i64>(&mut connection),
        )
        .await
        {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(RedisFailure(e.category().to_owned())),
            Err(_) => Err(RedisFailure("timed out".into())),
        }
    }

    /// A token for the slot: the fleet's, or one fetched by `idp` (holding
    /// the lease when this process is the fleet's fetcher), within `timeout`.
    pub(crate) async fn fetch<F, Fut>(
        &self,
        timeout: Duration,
        idp: F,
    ) -> Result<TokenResponse, Error>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<TokenResponse, Error>>,
    {
        let fencing = URL_SAFE_NO_PAD.encode(random::<16>()?);
        let mut machine = FleetFetch::new(fleet_clock(), timeout);
        let mut command = machine.start();
        let mut idp = Some(idp);
        let mut fetched: Option<Result<TokenResponse, Error>> = None;
        let mut sent_ms = 0;
        loop {
            command = match command {
                FleetCommand::ReadEntry => {
                    let entry = self.read_entry().await;
                    machine.on_entry(fleet_clock(), entry)
                }
                FleetCommand::TakeLease => {
                    let taken = self.take_lease(&fencing).await;
                    machine.on_lease(fleet_clock(), taken)
                }
                FleetCommand::WaitUntil(at) => {
                    tokio::time::sleep_until(clock::tokio_instant(at)).await;
                    machine.on_wait_over(fleet_clock())
                }
                FleetCommand::FetchFromIdp { holding_lease } => {
                    let Some(idp) = idp.take() else {
                        return Err(Error::internal(
                            "the fleet cache asked for a second IdP request",
                        ));
                    };
                    sent_ms = fleet_clock().wall_ms;
                    let answer = idp().await;
                    let ok = answer.is_ok();
                    fetched = Some(answer);
                    machine.on_fetched(holding_lease, ok)
                }
                FleetCommand::StoreEntry => {
                    let stored = match &fetched {
                        Some(Ok(response)) => self.store(response, sent_ms).await,
                        _ => Ok(()),
                    };
                    machine.on_stored(stored)
                }
                FleetCommand::ReleaseLease => {
                    let released = self.release(&fencing).await;
                    machine.on_released(released)
                }
                FleetCommand::UseShared | FleetCommand::Finish => break,
            };
        }
        if machine.redis_failed() {
            self.forget_connection().await;
        }
        self.account(&machine, fetched.is_none());
        match (command, fetched) {
            (FleetCommand::UseShared, _) => machine
                .shared()
                .map(|shared| adopt(shared, fleet_clock().wall_ms))
                .ok_or_else(|| Error::internal("the fleet cache lost its entry")),
            (_, Some(answer)) => answer,
            (_, None) => Err(Error::internal("the fleet cache finished without a token")),
        }
    }

    fn account(&self, machine: &FleetFetch, from_fleet: bool) {
        let count = |counter: &AtomicU64, yes: bool| {
            if yes {
                counter.fetch_add(1, Ordering::Relaxed);
            }
        };
        count(&self.counters.l2_hits, from_fleet);
        count(&self.counters.lease_waits, machine.waited());
        count(&self.counters.lease_takeovers, machine.took_over());
        count(&self.counters.l2_errors, machine.redis_failed());
        let mut breaker = self.breaker();
        if let Some(failure) = machine.failure() {
            breaker.failed(clock::now());
            tracing::warn!(problem = %failure.0, "m2mauth: the fleet cache (Redis) failed; fetching locally for a while");
        } else {
            breaker.succeeded();
        }
    }
}

/// The slot's view of a shared token: what remains of its life, and when
/// the fleet means to refresh it.
fn adopt(shared: &SharedToken, wall_ms: u64) -> TokenResponse {
    TokenResponse {
        access_token: shared.access_token.clone(),
        token_type: shared.token_type.clone(),
        lifetime: shared.remaining(wall_ms),
        lifetime_source: LifetimeSource::ExpiresIn,
        scopes: shared.scopes.clone(),
        refresh_in: Some(shared.refresh_in(wall_ms)),
        extra: serde_json::Map::new(),
    }
}
