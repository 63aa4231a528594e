//! The commands the interface may call, one permission each (`capabilities/default.json`).
//! Each parses its arguments, makes one call into the store or the sync client and maps the
//! error to `{code, message}`.

pub(crate) mod cases;
pub(crate) mod enterprises;
pub(crate) mod files;
pub(crate) mod session;
pub(crate) mod store;

use corridor_store::Store;
use tauri::State;

use crate::error::CommandError;
use crate::AppState;

/// Result of a command.
pub(crate) type Result<T> = std::result::Result<T, CommandError>;

/// The open store (a cheap clone of its pool), or the `locked` error.
pub(crate) async fn open_store(state: &State<'_, AppState>) -> Result<Store> {
    state
        .store
        .read()
        .await
        .clone()
        .ok_or_else(CommandError::locked)
}
