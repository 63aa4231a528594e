//! The Tauri shell of Corridor.
//!
//! Thin by design: each command parses its arguments, makes one call into
//! [`corridor_store`] or [`corridor_sync`], and maps the error to an
//! [`ApiError`](corridor_model::api::ApiError) (`{code, message}`). No business rule lives here:
//! what a user may do is asked of the engine through the store.
//!
//! Configuration (environment): `CORRIDOR_DATA_DIR` (default: the platform's app-data
//! directory), `CORRIDOR_SERVER_URL` (the server offered at sign-in; default
//! `http://127.0.0.1:8787`), `CORRIDOR_PASSPHRASE` (unlock without typing, for kiosks and
//! scripted runs), `CORRIDOR_SYNC_INTERVAL` (seconds between background syncs, default 5).

mod background;
mod commands;
mod error;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use corridor_store::{Passphrase, Store};
use tauri::Manager;
use tokio::sync::RwLock;

/// Default address of the corridor server.
pub const DEFAULT_SERVER_URL: &str = "http://127.0.0.1:8787";

/// Shared state of the application.
pub(crate) struct AppState {
    dir: PathBuf,
    store: RwLock<Option<Store>>,
    default_server: String,
    env_passphrase: Option<Passphrase>,
    /// What the last sync left.
    sync: Arc<Mutex<background::Tracker>>,
    /// Held by the running sync (and by lock and sign-out, which wait for it).
    sync_gate: tokio::sync::Mutex<()>,
}

/// Builds and runs the application.
pub fn run() {
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_notification::init())
        .setup(|app| {
            let dir = match std::env::var_os("CORRIDOR_DATA_DIR") {
                Some(d) => PathBuf::from(d),
                None => app.path().app_data_dir()?,
            };
            let default_server = std::env::var("CORRIDOR_SERVER_URL")
                .unwrap_or_else(|_| DEFAULT_SERVER_URL.to_owned());
            let env_passphrase = std::env::var("CORRIDOR_PASSPHRASE")
                .ok()
                .filter(|p| !p.is_empty())
                .map(Passphrase::new);
            commands::files::clear_opened(&dir);
            app.manage(AppState {
                dir,
                store: RwLock::new(None),
                default_server,
                env_passphrase,
                sync: Arc::default(),
                sync_gate: tokio::sync::Mutex::new(()),
            });
            background::start(app.handle());
            commands::store::unlock_at_start(app.handle());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::store::store_status,
            commands::store::unlock,
            commands::store::lock,
            commands::store::app_info,
            commands::store::change_passphrase,
            commands::cases::list_cases,
            commands::cases::case_view,
            commands::cases::create_case,
            commands::cases::transition,
            commands::cases::edit_case,
            commands::cases::add_note,
            commands::cases::assign,
            commands::cases::tag_case,
            commands::cases::link_case,
            commands::cases::resolve_conflict,
            commands::files::attach_file,
            commands::files::open_attachment,
            commands::files::save_attachment,
            commands::cases::search_cases,
            commands::cases::list_enterprises,
            commands::enterprises::enterprise_view,
            commands::enterprises::update_enterprise,
            commands::enterprises::preview_import,
            commands::enterprises::import_enterprises,
            commands::enterprises::export_cases,
            commands::session::sign_in,
            commands::session::sign_out,
            commands::session::sync_state,
            commands::session::sync_now,
            commands::session::notify,
        ])
        .run(tauri::generate_context!())
        .expect("error while running the Corridor application");
}
