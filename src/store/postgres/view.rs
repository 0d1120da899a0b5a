//! The standing view: which licenses may not be used and which batches are not committed,
//! held in memory so that a check never waits on the database, and kept within a second of
//! it by a watcher.
//!
//! Every change of a license's standing or of a key takes the next number of the
//! `keyctl_change_seq` sequence, under one advisory lock held until its transaction
//! commits ([`super::CHANGE_LOCK`]), so numbers become visible in the order they were
//! given: a reader that has seen change `n` has seen every change before it, and loading
//! `change_seq > last` misses nothing. Licenses whose standing never changed are active
//! and carry 0; the view only holds the others.
//!
//! The watcher listens on `keyctl_changes` (writers notify in the transaction of their
//! change) on a connection of its own and polls every [`POLL_EVERY`] as well, in case a
//! notification is lost with a connection. A view that has not been refreshed for
//! [`STALE_AFTER`] refuses to answer: a check then fails closed rather than accepting a
//! license that may have been revoked meanwhile.

use std::collections::{HashMap, HashSet};
use std::future::poll_fn;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use tokio_postgres::{AsyncMessage, Client};

use super::super::batches::PREFIX_LEN;
use super::super::records::standing_text;
use super::super::status::STATUS_URI;
use super::super::{LicenseRecord, LicenseStatus, NEVER_ISSUED};
use super::cache::Cache;
use super::parse_license_status;

/// How often the watcher reloads changes when no notification came.
pub(super) const POLL_EVERY: Duration = Duration::from_millis(250);
/// How old a view may be before checks are refused.
pub(super) const STALE_AFTER: Duration = Duration::from_secs(2);
/// The longest wait between two attempts to reconnect the watcher.
const MAX_BACKOFF: Duration = Duration::from_secs(1);
/// What `refreshed_ms` adds to the time since `epoch`: an hour.
const NEVER: u64 = 3_600_000;
/// The channel writers notify.
pub(super) const CHANNEL: &str = "keyctl_changes";

/// What the view holds.
#[derive(Default)]
struct Standing {
    /// License id → its status and reason, for licenses that are not active.
    refused: HashMap<String, (LicenseStatus, Option<String>)>,
    /// Prefixes of batches that are not committed.
    marks: HashSet<String>,
    /// Prefixes of the abandoned ones, whose indexes the status list revokes.
    abandoned: HashSet<String>,
    /// The status-list URI setting, which licenses issued from now on refer to.
    status_uri: Option<String>,
}

/// The in-memory standing of licenses, see the module documentation.
pub(super) struct View {
    standing: RwLock<Standing>,
    /// The highest change number loaded. Held across a refresh, so that refreshes take
    /// turns and each applies a later snapshot than the one before.
    last_change: tokio::sync::Mutex<i64>,
    /// When the view was created.
    epoch: Instant,
    /// When the latest successful refresh started: milliseconds after `epoch`, plus
    /// [`NEVER`] so that 0 means long before the view existed (it starts stale).
    refreshed_ms: AtomicU64,
    /// Why the latest refresh failed, until one succeeds.
    failure: Mutex<Option<String>>,
    /// Bumped whenever a key, a license's standing, the abandoned batches or the status URI
    /// changed: what checks and the status list depend on.
    version: AtomicU64,
    /// Refreshes the watcher began because a notification arrived (for tests).
    pub(super) notified_refreshes: AtomicU64,
    /// Connections on which the watcher listened (for tests).
    pub(super) listens: AtomicU64,
    /// What this replica remembers between requests, invalidated by the refreshes.
    pub(super) cache: Cache,
}

impl View {
    pub(super) fn new() -> View {
        View {
            standing: RwLock::default(),
            last_change: tokio::sync::Mutex::new(0),
            epoch: Instant::now(),
            refreshed_ms: AtomicU64::new(0),
            failure: Mutex::new(None),
            version: AtomicU64::new(0),
            notified_refreshes: AtomicU64::new(0),
            listens: AtomicU64::new(0),
            cache: Cache::default(),
        }
    }

    /// Why `license_id` may not be used, or `Err` with why the view cannot say.
    pub(super) fn revocation(&self, license_id: &str) -> Result<Option<String>, String> {
        self.check_fresh()?;
        let standing = self.standing.read().unwrap_or_else(|e| e.into_inner());
        if !standing.marks.is_empty()
            && license_id
                .get(..PREFIX_LEN)
                .is_some_and(|prefix| standing.marks.contains(prefix))
        {
            return Ok(Some(NEVER_ISSUED.into()));
        }
        Ok(standing
            .refused
            .get(license_id)
            .and_then(|(status, reason)| standing_text(*status, reason.as_deref())))
    }

    /// `record` (a cached one) with its standing as the view has it; `Err` with why when the
    /// view is stale, as every read of what can change (standing, machines) is.
    pub(super) fn with_standing(&self, mut record: LicenseRecord) -> Result<LicenseRecord, String> {
        self.check_fresh()?;
        let standing = self.standing.read().unwrap_or_else(|e| e.into_inner());
        (record.status, record.reason) = match standing.refused.get(&record.id) {
            Some((status, reason)) => (*status, reason.clone()),
            None => (LicenseStatus::Active, None),
        };
        Ok(record)
    }

    /// Whether this replica saw `hwid` activated on `license_id` since the last deactivation
    /// it heard of (see `cache.rs`); `Err` with why when the view is stale, since a
    /// deactivation may have been missed.
    pub(super) fn activated(&self, license_id: &str, hwid: &str) -> Result<bool, String> {
        if !self.cache.is_activated(license_id, hwid) {
            return Ok(false);
        }
        self.check_fresh().map(|()| true)
    }

    /// `Err` with why, when the view is older than [`STALE_AFTER`].
    pub(super) fn check_fresh(&self) -> Result<(), String> {
        let age = self.age();
        if age <= STALE_AFTER {
            return Ok(());
        }
        let failure = self.failure.lock().unwrap_or_else(|e| e.into_inner());
        Err(match &*failure {
            Some(why) => format!(
                "license standing not refreshed for {:.1} s: {why}",
                age.as_secs_f64()
            ),
            None => format!(
                "license standing not refreshed for {:.1} s",
                age.as_secs_f64()
            ),
        })
    }

    fn age(&self) -> Duration {
        let refreshed = self.refreshed_ms.load(Ordering::Acquire);
        Duration::from_millis(self.now_ms().saturating_sub(refreshed))
    }

    /// Now, as `refreshed_ms` counts.
    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis())
            .unwrap_or(u64::MAX - NEVER)
            .saturating_add(NEVER)
    }

    /// Bumped whenever a key, a license's standing, the abandoned batches or the status URI
    /// changed: what checks and the status list depend on.
    pub(super) fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }

    /// Records why a refresh failed (the view goes stale on its own).
    pub(super) fn failed(&self, why: String) {
        *self.failure.lock().unwrap_or_else(|e| e.into_inner()) = Some(why);
    }

    /// Loads what changed since the last refresh, in one statement (one snapshot).
    pub(super) async fn refresh(&self, client: &Client) -> Result<(), tokio_postgres::Error> {
        let mut last = self.last_change.lock().await;
        let started = self.now_ms();
        let rows = client
            .query(
                "SELECT 'l', id, status, reason, change_seq FROM licenses WHERE change_seq > $1
                 UNION ALL SELECT 'k', kid, status, NULL, change_seq FROM keys WHERE change_seq > $1
                 UNION ALL SELECT 'b', prefix, state, NULL, 0 FROM batches
                 UNION ALL SELECT 's', name, value, NULL, 0 FROM settings WHERE name = $2",
                &[&*last, &STATUS_URI],
            )
            .await?;
        self.cache.changed(
            rows.iter()
                .filter(|row| row.get::<_, &str>(0) == "l")
                .map(|row| row.get::<_, &str>(1)),
        );
        let mut standing = self.standing.write().unwrap_or_else(|e| e.into_inner());
        let mut changed = false;
        let mut marks = HashSet::new();
        let mut abandoned = HashSet::new();
        let mut status_uri = None;
        for row in &rows {
            let kind: &str = row.get(0);
            let id: String = row.get(1);
            let seq: i64 = row.get(4);
            *last = (*last).max(seq);
            match kind {
                "l" => {
                    changed = true;
                    // A status this build does not know is refused, never taken as active.
                    let status = parse_license_status(row.get(2)).unwrap_or(LicenseStatus::Revoked);
                    match status {
                        LicenseStatus::Active => standing.refused.remove(&id),
                        status => standing.refused.insert(id, (status, row.get(3))),
                    };
                }
                "k" => changed = true,
                "s" => status_uri = Some(row.get::<_, String>(2)),
                _ => {
                    if row.get::<_, &str>(2) == "abandoned" {
                        abandoned.insert(id.clone());
                    }
                    marks.insert(id);
                }
            }
        }
        // What the status list says changes with the abandoned batches and the URI too.
        changed |= abandoned != standing.abandoned || status_uri != standing.status_uri;
        standing.marks = marks;
        standing.abandoned = abandoned;
        standing.status_uri = status_uri;
        drop(standing);
        if changed {
            self.version.fetch_add(1, Ordering::AcqRel);
        }
        // The refresh is as fresh as the moment it started reading.
        self.refreshed_ms.fetch_max(started, Ordering::AcqRel);
        *self.failure.lock().unwrap_or_else(|e| e.into_inner()) = None;
        Ok(())
    }

    /// Makes the view look older than it is (for tests of staleness).
    #[cfg(test)]
    pub(super) fn age_by(&self, by: Duration) {
        let by = u64::try_from(by.as_millis()).unwrap_or(NEVER);
        let _ = self
            .refreshed_ms
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |ms| {
                Some(ms.saturating_sub(by))
            });
    }
}

/// Keeps `view` fresh for as long as the runtime runs: listens for notifications on a
/// connection of its own, polls every `poll`, and reconnects with a bounded backoff.
pub(super) async fn watch(
    view: Arc<View>,
    config: tokio_postgres::Config,
    tls: super::tls::Connector,
    poll: Duration,
) {
    let mut backoff = Duration::from_millis(50);
    loop {
        match config.connect(tls.clone()).await {
            Ok((client, mut connection)) => {
                backoff = Duration::from_millis(50);
                let notified = Arc::new(tokio::sync::Notify::new());
                let notify = Arc::clone(&notified);
                // The connection's messages: notifications wake the refresh loop; its end
                // (an error, or the server going away) ends the loop.
                let mut driver = tokio::spawn(async move {
                    while let Some(message) = poll_fn(|cx| connection.poll_message(cx)).await {
                        match message {
                            Ok(AsyncMessage::Notification(_)) => notify.notify_one(),
                            Ok(_) => {}
                            Err(err) => return err.to_string(),
                        }
                    }
                    "the connection closed".to_owned()
                });
                let listened = client.batch_execute(&format!("LISTEN {CHANNEL}")).await;
                if let Err(err) = listened {
                    view.failed(err.to_string());
                    driver.abort();
                    tokio::time::sleep(MAX_BACKOFF).await;
                    continue;
                }
                view.listens.fetch_add(1, Ordering::AcqRel);
                let mut ticks = tokio::time::interval(poll);
                ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    let by_notification = tokio::select! {
                        _ = notified.notified() => true,
                        _ = ticks.tick() => false,
                        ended = &mut driver => {
                            view.failed(ended.unwrap_or_else(|e| e.to_string()));
                            break;
                        }
                    };
                    if by_notification {
                        view.notified_refreshes.fetch_add(1, Ordering::AcqRel);
                    }
                    if let Err(err) = view.refresh(&client).await {
                        view.failed(err.to_string());
                        driver.abort();
                        break;
                    }
                }
            }
            Err(err) => {
                view.failed(err.to_string());
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}
