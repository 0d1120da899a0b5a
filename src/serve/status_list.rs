//! `GET /v1/status-list`: the store's status list, signed, cached until something it says
//! may have changed.
//!
//! Signing a list means reading the licenses that are not active and compressing a bitmap
//! of every index: cheap, but not per request. The signed list is kept with what it was made
//! from: the store's change version (standing changed by another process), this process's
//! own changes (the control socket), and the number of indexes reserved (licenses issued
//! anywhere). While those stay the same and the list is younger than half its life, the
//! same bytes are served, with the same `ETag`.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::{ApiError, AppState};
use crate::time::{self, Timestamp};

/// What a signed list was made from; a different one means it must be signed again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Made {
    change_version: u64,
    own_changes: u64,
    allocated: u64,
}

/// A signed list and its `ETag`.
#[derive(Clone, Debug)]
struct Signed {
    made: Made,
    signed_at: Timestamp,
    token: Arc<str>,
    etag: HeaderValue,
}

/// The list last signed by this server.
#[derive(Debug, Default)]
pub struct StatusListCache {
    current: Mutex<Option<Signed>>,
}

impl AppState {
    /// Records that this process changed something the status list says.
    pub fn status_changed(&self) {
        self.status_changes.fetch_add(1, Ordering::AcqRel);
    }

    /// The current signed list, signed again when something changed or it is half spent.
    fn signed_status_list(&self, now: Timestamp) -> Result<Signed, ApiError> {
        let made = Made {
            own_changes: self.status_changes.load(Ordering::Acquire),
            change_version: self.store.change_version(),
            allocated: self.store.backend().status_indexes_allocated()?,
        };
        let ttl = self.config.status_list_ttl;
        let current = || {
            self.status_list
                .current
                .lock()
                .unwrap_or_else(|e| e.into_inner())
        };
        if let Some(signed) = current().as_ref() {
            if signed.made == made && now < signed.signed_at + ttl / 2 {
                return Ok(signed.clone());
            }
        }
        // Signed without the lock: two requests that both find the list stale sign the
        // same list twice, rather than one waiting on the other's store reads.
        let token = crate::offline::publish_status_list(&self.store, now, ttl)?;
        let digest = Sha256::digest(token.as_bytes());
        let etag = format!("\"{}\"", hex::encode(&digest[..16]));
        let signed = Signed {
            made,
            signed_at: now,
            token: token.into(),
            etag: HeaderValue::from_str(&etag).expect("hex is a header value"),
        };
        *current() = Some(signed.clone());
        Ok(signed)
    }
}

/// `GET /v1/status-list`: `200` with the list (`application/statuslist+jwt`), its `ETag`
/// and `Cache-Control: max-age`; `304` when `If-None-Match` names the current list.
pub(super) async fn status_list(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Response {
    // As every handler: a shared backend waits on the database inside block_in_place.
    let signed = match state.signed_status_list(time::now()) {
        Ok(signed) => signed,
        Err(err) => return err.into_response(),
    };
    let max_age = format!("public, max-age={}", state.config.status_list_max_age);
    let cache_control = HeaderValue::from_str(&max_age).expect("digits are a header value");
    let matches = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|tag| {
            let tag = tag.trim();
            tag == "*" || tag.trim_start_matches("W/") == signed.etag
        });
    let headers = [
        (header::ETAG, signed.etag.clone()),
        (header::CACHE_CONTROL, cache_control),
    ];
    if matches {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    let content_type = HeaderValue::from_static("application/statuslist+jwt");
    (
        headers,
        [(header::CONTENT_TYPE, content_type)],
        signed.token.to_string(),
    )
        .into_response()
}
