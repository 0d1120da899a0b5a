//! `keyctl serve`: license validation and machine activation over HTTP.
//!
//! - [`v1`]: `POST /v1/validate`, `/v1/activate`, `/v1/deactivate`,
//!   `/v1/machines/checkout` (keyctl's API), whose failures are [`ApiError`]s.
//! - [`status_list`]: `GET /v1/status-list`, the signed status list, cached.
//! - [`compat`]: `POST /api/activate`, `GET /api/check` (the older key servers' contract).
//! - [`proof`]: what proves that a caller owns a license: a signed request or the short key.
//! - `GET /.well-known/jwks.json`, `/healthz`, `/metrics`.
//! - [`socket`]: the Unix control socket through which the CLI writes while we hold the store.
//!
//! Handlers extract, call the library, and serialize; [`AppState`] holds what they share.

mod commit;
mod compat;
mod error;
mod proof;
mod replay;
mod socket;
mod status_list;
mod v1;
mod verified;

use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::{Arc, RwLock};

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

pub use commit::GroupCommit;
pub use error::ApiError;
pub use replay::{Admission, ReplayCache, RequestKey};
pub use verified::VerifiedCache;

use crate::error::Result;
use crate::http::{self, Metrics};
use crate::keys::{self, TrustedKeys};
use crate::license::{self, Context, LicenseState, Verdict};
use crate::store::{Health, Store};
use crate::time::Timestamp;

/// How the server behaves.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    /// Allowed clock difference for signed requests, seconds.
    pub max_skew: i64,
    /// Tolerance for `exp`/`nbf`, seconds.
    pub leeway: i64,
    /// Signed requests remembered against replay.
    pub replay_capacity: usize,
    /// Signed requests of one license remembered against replay: its share of the cache.
    pub replay_per_license: usize,
    /// Licenses whose signature check is remembered.
    pub verify_cache_capacity: usize,
    /// The most machines an unlimited license may activate.
    pub unlimited_cap: u64,
    /// What the compatibility API accepts as `token`.
    pub compat_token: CompatToken,
    /// Request bounds.
    pub limits: http::Limits,
    /// Life of the status list `GET /v1/status-list` signs, seconds.
    pub status_list_ttl: i64,
    /// How long clients and caches may keep the status list (`Cache-Control: max-age`).
    pub status_list_max_age: u64,
    /// Life of the machine files `/v1/activate` and `/v1/machines/checkout` sign, unless
    /// the request asks for another, seconds.
    pub machine_ttl: i64,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            max_skew: crate::signer::DEFAULT_MAX_SKEW,
            leeway: 60,
            replay_capacity: 1_000_000,
            replay_per_license: 10_000,
            verify_cache_capacity: 100_000,
            unlimited_cap: 10_000,
            compat_token: CompatToken::Key,
            limits: http::Limits::default(),
            status_list_ttl: 86_400,
            status_list_max_age: 300,
            machine_ttl: keyctl_core::machine::DEFAULT_TTL,
        }
    }
}

/// What `/api/activate` and `/api/check` accept as `token`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompatToken {
    /// Only the short key, the licensee's secret token, as the older server did.
    Key,
    /// Also the JWT or the license id, which anyone who has seen the license knows: weaker,
    /// for clients that were handed JWTs as tokens.
    Jwt,
}

/// What every handler shares.
pub struct AppState {
    /// The open store.
    pub store: Arc<Store>,
    keys: RwLock<Arc<TrustedKeys>>,
    /// The store's [`Store::change_version`] the keys were read at.
    keys_version: std::sync::atomic::AtomicU64,
    /// Signatures already verified.
    verified: VerifiedCache,
    /// Accepted signed requests.
    pub replay: ReplayCache,
    /// The first second this server accepts signed requests from.
    pub started: Timestamp,
    /// When the store's remembered requests were last pruned.
    pruned: std::sync::atomic::AtomicI64,
    /// Durability for activations.
    pub commit: GroupCommit,
    /// Counters for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// Settings.
    pub config: ServeConfig,
    /// The status list last signed.
    status_list: status_list::StatusListCache,
    /// Changes this process made to what the status list says (see [`status_list`]).
    status_changes: std::sync::atomic::AtomicU64,
}

impl AppState {
    /// State over `store`, starting the group-commit thread.
    ///
    /// Replay protection across restarts, on an embedded store: this returns only at the
    /// start of the next whole second, and the server refuses every signed request dated
    /// before that second. An earlier run, which held the store until before this one opened
    /// it, can only have accepted requests dated up to its own clock, hence earlier; the few
    /// it accepted dated later (a client clock ahead, within the skew) it wrote to the store,
    /// and they are put back into the replay cache here.
    ///
    /// A shared store records every accepted request (see [`AppState::admit`]), so a replica
    /// needs neither: it starts at once and accepts what no replica accepted before.
    pub fn new(store: Store, config: ServeConfig) -> Result<Self> {
        let store = Arc::new(store);
        let keys_version = store.change_version();
        let keys = store.trusted_keys()?;
        let flusher = Arc::clone(&store);
        let replay = ReplayCache::new(config.replay_capacity, config.replay_per_license);
        let opened = chrono::Utc::now();
        if store.is_shared() {
            return Ok(AppState {
                commit: GroupCommit::start(move || flusher.flush()),
                keys: RwLock::new(Arc::new(keys)),
                keys_version: keys_version.into(),
                verified: VerifiedCache::new(config.verify_cache_capacity),
                replay,
                started: 0,
                pruned: std::sync::atomic::AtomicI64::new(opened.timestamp()),
                metrics: Arc::new(Metrics::default()),
                store,
                config,
                status_list: Default::default(),
                status_changes: Default::default(),
            });
        }
        replay.restore(
            store
                .remembered_requests(opened.timestamp())?
                .into_iter()
                .map(|r| {
                    let key = RequestKey {
                        request: r.request,
                        license: r.license,
                    };
                    (key, r.expires)
                }),
        );
        let started = opened.timestamp() + 1;
        let wait = 1_000_000_000 - i64::from(opened.timestamp_subsec_nanos());
        std::thread::sleep(std::time::Duration::from_nanos(wait.max(0) as u64));
        Ok(AppState {
            commit: GroupCommit::start(move || flusher.flush()),
            keys: RwLock::new(Arc::new(keys)),
            keys_version: keys_version.into(),
            verified: VerifiedCache::new(config.verify_cache_capacity),
            replay,
            started,
            pruned: std::sync::atomic::AtomicI64::new(started),
            metrics: Arc::new(Metrics::default()),
            store,
            config,
            status_list: Default::default(),
            status_changes: Default::default(),
        })
    }

    /// The keys trusted now. On a shared store a rotation or retirement made elsewhere (a
    /// replica, the CLI) moves the store's change version, and the keys are read again.
    pub fn keys(&self) -> Arc<TrustedKeys> {
        let version = self.store.change_version();
        if version != self.keys_version.load(Ordering::Acquire) {
            match self.reload_keys() {
                Ok(()) => self.keys_version.store(version, Ordering::Release),
                Err(err) => tracing::error!("reading the trusted keys failed: {err}"),
            }
        }
        Arc::clone(&self.keys.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Re-reads the trusted keys after a rotation or retirement.
    pub fn reload_keys(&self) -> Result<()> {
        let keys = Arc::new(self.store.trusted_keys()?);
        *self.keys.write().unwrap_or_else(|e| e.into_inner()) = keys;
        Ok(())
    }

    /// Waits until this task's writes to the store are durable: sled's group commit. A
    /// shared store commits each write before it returns, so there is nothing to wait for.
    pub async fn durable(&self) {
        if !self.store.is_shared() {
            self.commit.durable().await;
        }
    }

    /// Verifies a license against the store, remembering signatures already checked:
    /// the Ed25519 check is the expensive part and a license is presented again and again.
    /// A remembered signature still needs its key to be trusted now.
    pub fn verify(
        &self,
        jwt: &str,
        product: &str,
        domain: Option<&str>,
        machine: Option<&str>,
        now: Timestamp,
    ) -> Verdict {
        let decoded = match license::decode(jwt) {
            Ok(decoded) => decoded,
            Err(verdict) => return verdict,
        };
        let keys = self.keys();
        let remembered = self.verified.contains(jwt, &decoded.kid);
        if !(remembered && keys.find(&decoded.kid).is_some()) {
            if let Err(verdict) = license::check_signature(&decoded, &keys) {
                return verdict;
            }
            self.verified.insert(jwt, &decoded.kid);
        }
        let ctx = Context {
            product,
            domain,
            machine,
            now,
            leeway: self.config.leeway,
        };
        license::check_claims(
            decoded.claims,
            &ctx,
            Some(&*self.store as &dyn LicenseState),
        )
    }
}

/// The server's routes over `state`.
pub fn router(state: Arc<AppState>) -> Router {
    let limits = state.config.limits;
    let log = http::RequestLog {
        timeout: limits.request_timeout,
        metrics: Some(Arc::clone(&state.metrics)),
    };
    Router::new()
        .route("/v1/validate", post(v1::validate))
        .route("/v1/activate", post(v1::activate))
        .route("/v1/deactivate", post(v1::deactivate))
        .route("/v1/machines/checkout", post(v1::checkout))
        .route("/v1/status-list", get(status_list::status_list))
        .route("/api/activate", post(compat::activate))
        .route("/api/check", get(compat::check))
        .route("/.well-known/jwks.json", get(jwks))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .fallback(http::not_found)
        .method_not_allowed_fallback(http::method_not_allowed)
        .with_state(state)
        .layer(DefaultBodyLimit::max(limits.max_body_bytes))
        .layer(axum::middleware::from_fn_with_state(
            log,
            http::log_requests,
        ))
}

/// `GET /healthz`: `200 {"status": "ok", "store": "up"}`, or `503` with `"store": "down"`
/// while the store is unreachable or this replica's view of it is stale (why is logged).
async fn healthz(State(state): State<Arc<AppState>>) -> Response {
    match state.store.health() {
        Health::Up => Json(serde_json::json!({"status": "ok", "store": "up"})).into_response(),
        Health::Down(reason) => {
            // The detail names the database's host: logged for the operator, not answered.
            tracing::warn!("health check: the store is down: {reason}");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({"status": "unavailable", "store": "down"})),
            )
                .into_response()
        }
    }
}

async fn jwks(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    Json(keys::jwks(state.keys().iter()))
}

async fn metrics(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
}

/// Serves `state` until `shutdown` completes: HTTP on `listener`, the control socket in the
/// store directory. `ready` is called once both accept connections (a supervisor or a test
/// that waits for it can then use either). On the way out, requests in flight finish and the
/// store is synced.
pub async fn run(
    state: Arc<AppState>,
    listener: tokio::net::TcpListener,
    ready: impl FnOnce(&tokio::net::TcpListener),
    shutdown: impl Future<Output = ()>,
) -> Result<()> {
    let limits = state.config.limits;
    let control = socket::start(Arc::clone(&state))?;
    ready(&listener);
    http::serve(listener, router(Arc::clone(&state)), limits, shutdown).await;
    if let Some(control) = control {
        control.stop();
    }
    state.store.flush()
}
