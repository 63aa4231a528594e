//! The sync of the desktop: one at a time, in the background every few seconds while a user is
//! signed in, and on demand. The interface reads its state with `sync_state`; nothing a sync
//! does blocks the screens (the store is shared by clones of its pool).

use std::sync::Arc;
use std::time::Duration;

use corridor_model::desk::SyncPhase;
use corridor_sync::{Progress, SyncError};
use tauri::{AppHandle, Manager};

use crate::AppState;

/// What the last sync left, for the top bar.
#[derive(Debug, Clone)]
pub(crate) struct Tracker {
    pub(crate) phase: SyncPhase,
    pub(crate) progress: Option<usize>,
    pub(crate) error: Option<corridor_model::api::ApiError>,
    pub(crate) revoked: bool,
}

impl Default for Tracker {
    fn default() -> Self {
        Tracker {
            phase: SyncPhase::Offline,
            progress: None,
            error: None,
            revoked: false,
        }
    }
}

/// Delay between background syncs (`CORRIDOR_SYNC_INTERVAL`, in seconds; default 5).
pub(crate) fn interval() -> Duration {
    let secs = std::env::var("CORRIDOR_SYNC_INTERVAL")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .filter(|s| *s > 0)
        .unwrap_or(5);
    Duration::from_secs(secs)
}

/// Starts the background loop.
pub(crate) fn start(app: &AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let every = interval();
        loop {
            tokio::time::sleep(every).await;
            run_once(&app).await;
        }
    });
}

/// Runs one sync when the store is open and a user is signed in; otherwise only records that
/// the device is offline. Never two at once.
pub(crate) async fn run_once(app: &AppHandle) {
    let state = app.state::<AppState>();
    let Ok(_gate) = state.sync_gate.try_lock() else {
        return; // one is running: it will report
    };
    let Some(store) = state.store.read().await.clone() else {
        return;
    };
    match store.session().await {
        Ok(Some(_)) => {}
        _ => {
            set(&state, |t| {
                t.phase = SyncPhase::Offline;
                t.error = None;
            });
            return;
        }
    }
    set(&state, |t| {
        t.phase = SyncPhase::Syncing;
        t.progress = Some(0);
    });
    let tracker = Arc::clone(&state.sync);
    let (kept, result) = corridor_sync::sync(store, move |p| {
        if let Progress::Pulled { done, .. } = p {
            if let Ok(mut t) = tracker.lock() {
                t.progress = Some(done);
            }
        }
    })
    .await;
    if kept.is_none() {
        // Revoked: the store was wiped; the interface goes back to the first-run screen.
        *state.store.write().await = None;
    }
    set(&state, |t| {
        t.progress = None;
        match &result {
            Ok(_) => {
                t.phase = SyncPhase::Online;
                t.error = None;
            }
            Err(SyncError::Revoked) => {
                t.phase = SyncPhase::Offline;
                t.revoked = true;
                t.error = Some(SyncError::Revoked.to_api());
            }
            Err(e) if e.is_transient() => {
                t.phase = SyncPhase::Offline;
                t.error = Some(e.to_api());
            }
            Err(e) => {
                t.phase = SyncPhase::Error;
                t.error = Some(e.to_api());
            }
        }
    });
}

fn set(state: &AppState, f: impl FnOnce(&mut Tracker)) {
    if let Ok(mut t) = state.sync.lock() {
        f(&mut t);
    }
}
