//! The sync of the desktop: one at a time, in the background every few seconds while a user is
//! signed in, and on demand. The interface reads its state with `sync_state`; nothing a sync
//! does blocks the screens (the store is shared by clones of its pool).

use std::sync::Arc;
use std::time::Duration;

use corridor_model::desk::SyncPhase;
use corridor_model::notices::{notices, Notice, Watched};
use corridor_store::Store;
use corridor_sync::{Progress, SyncError};
use tauri::{AppHandle, Manager};

use crate::AppState;

/// What the last sync left, for the top bar.
#[derive(Debug, Clone)]
pub(crate) struct Tracker {
    pub(crate) phase: SyncPhase,
    pub(crate) progress: Option<usize>,
    pub(crate) percent: Option<u8>,
    pub(crate) error: Option<corridor_model::api::ApiError>,
    pub(crate) revoked: bool,
    /// The latest notices, newest last (at most [`NOTICES_KEPT`]).
    pub(crate) notices: Vec<Notice>,
    /// Number of the last notice.
    seq: u64,
}

/// How many notices the tracker keeps for the interface.
const NOTICES_KEPT: usize = 20;

impl Default for Tracker {
    fn default() -> Self {
        Tracker {
            phase: SyncPhase::Offline,
            progress: None,
            percent: None,
            error: None,
            revoked: false,
            notices: Vec::new(),
            seq: 0,
        }
    }
}

impl Tracker {
    /// Numbers and keeps new notices.
    fn add_notices(&mut self, new: Vec<Notice>) {
        for mut n in new {
            self.seq += 1;
            n.seq = self.seq;
            self.notices.push(n);
        }
        let extra = self.notices.len().saturating_sub(NOTICES_KEPT);
        self.notices.drain(..extra);
    }
}

/// The signed-in user's cases before a sync, or `None` when there is nothing to compare
/// with: the first sync of a device brings everything, which is not news.
async fn watch_before(store: &Store, user: &str) -> Option<Vec<Watched>> {
    match store.sync_cursor().await {
        Ok(Some(_)) => store.watch(user).await.ok(),
        _ => None,
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
    let user = match store.session().await {
        Ok(Some(session)) => session.username,
        _ => {
            set(&state, |t| {
                t.phase = SyncPhase::Offline;
                t.error = None;
            });
            return;
        }
    };
    let before = watch_before(&store, &user).await;
    set(&state, |t| {
        t.phase = SyncPhase::Syncing;
        t.progress = Some(0);
        t.percent = None;
    });
    let tracker = Arc::clone(&state.sync);
    let (kept, result) = corridor_sync::sync(store, move |p| {
        if let Progress::Pulled { done, .. } = p {
            if let Ok(mut t) = tracker.lock() {
                t.progress = Some(done);
                t.percent = p.percent();
            }
        }
    })
    .await;
    let news = match (&kept, &before, &result) {
        (Some(store), Some(before), Ok(_)) => match store.watch(&user).await {
            Ok(after) => notices(before, &after),
            Err(_) => Vec::new(),
        },
        _ => Vec::new(),
    };
    if let (Some(store), Ok(_)) = (&kept, &result) {
        // What the pull changed, ready for the deadline filters (a cache: on failure the
        // first such list computes it).
        let _ = store.refresh_deadlines().await;
    }
    if kept.is_none() {
        // Revoked: the store was wiped; the interface goes back to the first-run screen.
        *state.store.write().await = None;
    }
    set(&state, |t| {
        t.progress = None;
        t.percent = None;
        t.add_notices(news);
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

/// The device was revoked and its store wiped (by a sync, a sign-in or a sign-out): the store
/// is gone, and the interface goes back to the first-run screen saying why.
pub(crate) async fn wiped(state: &AppState) {
    *state.store.write().await = None;
    set(state, |t| {
        t.phase = SyncPhase::Offline;
        t.progress = None;
        t.percent = None;
        t.revoked = true;
        t.error = Some(SyncError::Revoked.to_api());
    });
}

fn set(state: &AppState, f: impl FnOnce(&mut Tracker)) {
    if let Ok(mut t) = state.sync.lock() {
        f(&mut t);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use corridor_model::notices::NoticeKind;

    fn notice(n: u128) -> Notice {
        Notice {
            seq: 0,
            kind: NoticeKind::Assigned,
            case_id: uuid::Uuid::from_u128(n),
            reference: format!("COR-2026-06-{n:04}"),
            title: String::new(),
        }
    }

    #[test]
    fn notices_are_numbered_and_the_oldest_dropped() {
        let mut t = Tracker::default();
        t.add_notices(vec![notice(1), notice(2)]);
        assert_eq!(t.notices.iter().map(|n| n.seq).collect::<Vec<_>>(), [1, 2]);
        t.add_notices((3..=30).map(notice).collect());
        assert_eq!(t.notices.len(), NOTICES_KEPT);
        assert_eq!(t.notices.first().map(|n| n.seq), Some(11));
        assert_eq!(t.notices.last().map(|n| n.seq), Some(30));
    }
}
