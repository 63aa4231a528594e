//! The corridor server: sign in and out, the state of the sync, a sync on demand.

use corridor_model::desk::{SignInForm, SyncState};
use tauri::{AppHandle, State};

use super::{open_store, Result};
use crate::error::CommandError;
use crate::AppState;

/// Signs this device in (the password goes to the server only), then syncs at once.
#[tauri::command]
pub(crate) async fn sign_in(
    app: AppHandle,
    state: State<'_, AppState>,
    form: SignInForm,
) -> Result<corridor_model::desk::SessionView> {
    let store = open_store(&state).await?;
    let (kept, session) = corridor_sync::sign_in(
        store,
        form.server_url.trim(),
        &form.username,
        form.password,
        &corridor_sync::host_name(),
    )
    .await;
    if kept.is_none() {
        crate::background::wiped(&state).await;
    }
    let session = session.map_err(|e| CommandError(e.to_api()))?;
    tauri::async_runtime::spawn(async move { crate::background::run_once(&app).await });
    Ok(session)
}

/// Signs out: the server ends the session when it can be reached, and this device forgets it;
/// the local data and the changes waiting stay.
#[tauri::command]
pub(crate) async fn sign_out(state: State<'_, AppState>) -> Result<()> {
    let _gate = state.sync_gate.lock().await;
    let (kept, out) = corridor_sync::sign_out(open_store(&state).await?).await;
    if kept.is_none() {
        crate::background::wiped(&state).await;
    }
    out.map_err(|e| CommandError(e.to_api()))?;
    Ok(())
}

/// What the top bar and the home screen show of the sync.
#[tauri::command]
pub(crate) async fn sync_state(state: State<'_, AppState>) -> Result<SyncState> {
    let tracker = state.sync.lock().expect("sync state").clone();
    let store = state.store.read().await.clone();
    let (session, work) = match store {
        Some(s) => (
            s.session().await?.as_ref().map(corridor_sync::session_view),
            Some(s.local_work().await?),
        ),
        None => (None, None),
    };
    Ok(SyncState {
        phase: tracker.phase,
        session,
        work,
        progress: tracker.progress,
        percent: tracker.percent,
        error: tracker.error,
        revoked: tracker.revoked,
        notices: tracker.notices,
    })
}

/// Shows a desktop notification (the interface writes it in the user's language). Where the
/// system has no notification service the error says so; nothing else depends on it.
#[tauri::command]
pub(crate) async fn notify(app: AppHandle, title: String, body: String) -> Result<()> {
    use tauri_plugin_notification::NotificationExt;
    app.notification()
        .builder()
        .title(title)
        .body(body)
        .show()
        .map_err(|e| {
            CommandError(corridor_model::api::ApiError::new(
                "notify_failed",
                format!("Notification impossible : {e}"),
            ))
        })
}

/// Runs a sync now and waits for it.
#[tauri::command]
pub(crate) async fn sync_now(app: AppHandle) -> Result<()> {
    crate::background::run_once(&app).await;
    Ok(())
}
