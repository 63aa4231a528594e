//! The commands the interface may call (each allowed by `capabilities/default.json`).

use corridor_model::api::{
    CaseRow, NewCaseForm, SearchHitRow, ServerStatus, StoreState, StoreStatus, UnlockRequest,
};
use corridor_store::{keyring_available, Passphrase, Protection, Store};
use tauri::State;

use crate::error::CommandError;
use crate::AppState;

type Result<T> = std::result::Result<T, CommandError>;

/// Lock state of the local store and whether it can be unlocked without input.
#[tauri::command]
pub(crate) async fn store_status(state: State<'_, AppState>) -> Result<StoreStatus> {
    let keyring = tokio::task::spawn_blocking(keyring_available)
        .await
        .unwrap_or(false);
    let store_state = if state.store.read().await.is_some() {
        StoreState::Unlocked
    } else {
        match Store::protection(&state.dir)? {
            None => StoreState::New,
            Some(Protection::Keyring) => StoreState::Keyring,
            Some(Protection::Passphrase) => StoreState::Passphrase,
        }
    };
    Ok(StoreStatus {
        state: store_state,
        keyring_available: keyring,
        automatic: matches!(store_state, StoreState::Keyring) || state.env_passphrase.is_some(),
    })
}

/// Unlocks the store, creating it on first use. `passphrase: None` means the OS keyring, or
/// `CORRIDOR_PASSPHRASE` when set.
#[tauri::command]
pub(crate) async fn unlock(state: State<'_, AppState>, req: UnlockRequest) -> Result<()> {
    let mut slot = state.store.write().await;
    if slot.is_none() {
        let pass = req
            .passphrase
            .map(Passphrase::new)
            .or_else(|| state.env_passphrase.clone());
        *slot = Some(Store::open_or_create(&state.dir, pass).await?);
    }
    Ok(())
}

/// The case list, newest first.
#[tauri::command]
pub(crate) async fn list_cases(state: State<'_, AppState>) -> Result<Vec<CaseRow>> {
    let slot = state.store.read().await;
    let store = slot.as_ref().ok_or_else(CommandError::locked)?;
    Ok(store
        .list_cases()
        .await?
        .into_iter()
        .map(CaseRow::from)
        .collect())
}

/// Opens a case from the "new case" form.
#[tauri::command]
pub(crate) async fn create_case(state: State<'_, AppState>, form: NewCaseForm) -> Result<CaseRow> {
    let slot = state.store.read().await;
    let store = slot.as_ref().ok_or_else(CommandError::locked)?;
    Ok(store.new_case_from_form(form).await.map(CaseRow::from)?)
}

/// Full-text search over the cases (French without accents, Arabic as people type it), the
/// best 20, each with its snippet as the text was written.
#[tauri::command]
pub(crate) async fn search_cases(
    state: State<'_, AppState>,
    query: String,
) -> Result<Vec<SearchHitRow>> {
    let slot = state.store.read().await;
    let store = slot.as_ref().ok_or_else(CommandError::locked)?;
    Ok(store
        .search(&query, 20)
        .await?
        .into_iter()
        .map(|h| SearchHitRow {
            case: CaseRow::from(h.case),
            snippet: h.snippet,
        })
        .collect())
}

/// Whether the corridor server answers.
#[tauri::command]
pub(crate) async fn server_status(state: State<'_, AppState>) -> Result<ServerStatus> {
    Ok(state.server.status().await)
}
