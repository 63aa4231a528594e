//! The local store: status, unlock, lock, and where it lives.

use corridor_model::api::{StoreState, StoreStatus, UnlockRequest};
use corridor_store::{keyring_available, Passphrase, Protection, Store};
use serde::Serialize;
use tauri::{AppHandle, Manager, State};

use super::Result;
use crate::AppState;

/// Lock state of the local store and whether it can be unlocked without input.
#[tauri::command]
pub(crate) async fn store_status(state: State<'_, AppState>) -> Result<StoreStatus> {
    let keyring = tokio::task::spawn_blocking(keyring_available)
        .await
        .unwrap_or(false);
    let (store_state, automatic) = if state.store.read().await.is_some() {
        (StoreState::Unlocked, opens_by_itself(&state, None))
    } else {
        let protection = Store::protection(&state.dir)?;
        let store_state = match protection {
            None => StoreState::New,
            Some(Protection::Keyring) => StoreState::Keyring,
            Some(Protection::Passphrase) => StoreState::Passphrase,
        };
        (store_state, opens_by_itself(&state, protection))
    };
    Ok(StoreStatus {
        state: store_state,
        keyring_available: keyring,
        automatic,
    })
}

/// Whether the store opens without anyone typing: its key is in the OS keyring, or the
/// environment gives its passphrase (`CORRIDOR_PASSPHRASE`).
fn opens_by_itself(state: &AppState, protection: Option<Protection>) -> bool {
    protection == Some(Protection::Keyring) || state.env_passphrase.is_some()
}

/// Unlocks the store, creating it on first use. `passphrase: None` means the OS keyring, or
/// `CORRIDOR_PASSPHRASE` when set. A sync starts at once (the top bar says where the device
/// stands from the first seconds, not after the background loop's first interval).
#[tauri::command]
pub(crate) async fn unlock(
    app: AppHandle,
    state: State<'_, AppState>,
    req: UnlockRequest,
) -> Result<()> {
    let pass = req
        .passphrase
        .map(Passphrase::new)
        .or_else(|| state.env_passphrase.clone());
    open(&app, &state, pass).await
}

/// Opens the store into the shared slot (creating it on first use) unless it is open already,
/// then starts a sync.
async fn open(app: &AppHandle, state: &AppState, pass: Option<Passphrase>) -> Result<()> {
    let mut slot = state.store.write().await;
    if slot.is_none() {
        *slot = Some(Store::open_or_create(&state.dir, pass).await?);
        state.sync.lock().expect("sync state").revoked = false;
        drop(slot);
        let app = app.clone();
        tauri::async_runtime::spawn(async move { crate::background::run_once(&app).await });
    }
    Ok(())
}

/// At start, a store that opens without anyone typing (its key in the OS keyring, or
/// `CORRIDOR_PASSPHRASE`) is opened at once, while the window and WebKit's processes start,
/// rather than after the interface has loaded and asked for it (BENCHMARKS.md, session 14).
/// The interface finds it open (`store_status` waits while it opens). If it does not open,
/// nothing is kept: the unlock screen tries again and says why.
pub(crate) fn unlock_at_start(app: &AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        let protection = Store::protection(&state.dir).ok().flatten();
        if opens_by_itself(&state, protection) {
            let _ = open(&app, &state, state.env_passphrase.clone()).await;
        }
    });
}

/// Locks the store: waits for a running sync, closes the database (its key leaves memory with
/// the connections). Everything already saved stays saved.
#[tauri::command]
pub(crate) async fn lock(state: State<'_, AppState>) -> Result<()> {
    let _gate = state.sync_gate.lock().await;
    if let Some(store) = state.store.write().await.take() {
        store.lock().await;
    }
    super::files::clear_opened(&state.dir);
    Ok(())
}

/// Where this device keeps its data, and the server it signs in to by default.
#[derive(Debug, Serialize)]
pub(crate) struct AppInfo {
    data_dir: String,
    default_server: String,
    version: &'static str,
    /// `CORRIDOR_LOCK_AFTER` (seconds): overrides the user's lock delay (kiosks, tests).
    lock_after_seconds: Option<u32>,
    /// Whether the store is sealed by a passphrase (which the user may change) rather than
    /// by the OS keyring.
    passphrase_protected: bool,
}

/// Facts for the settings screen.
#[tauri::command]
pub(crate) async fn app_info(state: State<'_, AppState>) -> Result<AppInfo> {
    Ok(AppInfo {
        data_dir: state.dir.display().to_string(),
        default_server: state.default_server.clone(),
        version: env!("CARGO_PKG_VERSION"),
        lock_after_seconds: std::env::var("CORRIDOR_LOCK_AFTER")
            .ok()
            .and_then(|s| s.parse().ok()),
        passphrase_protected: matches!(
            Store::protection(&state.dir)?,
            Some(Protection::Passphrase)
        ),
    })
}

/// Replaces the passphrase that seals the store's key (checked against the current one
/// first; the data is not re-encrypted, only the sealed key is replaced, atomically).
#[tauri::command]
pub(crate) async fn change_passphrase(
    state: State<'_, AppState>,
    current: String,
    new: String,
) -> Result<()> {
    Store::change_passphrase(&state.dir, Passphrase::new(current), Passphrase::new(new)).await?;
    Ok(())
}
