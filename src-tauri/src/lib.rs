//! The Tauri shell of Corridor.
//!
//! Thin by design: each command parses its arguments, makes one call into
//! [`corridor_store`] or [`corridor_sync`], and maps the error to an
//! [`ApiError`](corridor_model::api::ApiError) (`{code, message}`). No business rule lives here.
//!
//! Configuration (environment): `CORRIDOR_DATA_DIR` (default: the platform's app-data
//! directory), `CORRIDOR_SERVER_URL` (default `http://127.0.0.1:8787`), `CORRIDOR_PASSPHRASE`
//! (unlock without typing, for kiosks and scripted runs).

mod commands;
mod error;

use std::path::PathBuf;

use corridor_store::{Passphrase, Store};
use corridor_sync::ServerClient;
use tauri::Manager;
use tokio::sync::RwLock;

/// Default address of the corridor server.
pub const DEFAULT_SERVER_URL: &str = "http://127.0.0.1:8787";

/// Shared state of the application.
pub(crate) struct AppState {
    dir: PathBuf,
    store: RwLock<Option<Store>>,
    server: ServerClient,
    env_passphrase: Option<Passphrase>,
}

/// Builds and runs the application.
pub fn run() {
    tauri::Builder::default()
        .setup(|app| {
            let dir = match std::env::var_os("CORRIDOR_DATA_DIR") {
                Some(d) => PathBuf::from(d),
                None => app.path().app_data_dir()?,
            };
            let url = std::env::var("CORRIDOR_SERVER_URL")
                .unwrap_or_else(|_| DEFAULT_SERVER_URL.to_owned());
            let server = ServerClient::new(&url)?;
            let env_passphrase = std::env::var("CORRIDOR_PASSPHRASE")
                .ok()
                .filter(|p| !p.is_empty())
                .map(Passphrase::new);
            app.manage(AppState {
                dir,
                store: RwLock::new(None),
                server,
                env_passphrase,
            });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::store_status,
            commands::unlock,
            commands::list_cases,
            commands::create_case,
            commands::search_cases,
            commands::server_status,
        ])
        .run(tauri::generate_context!())
        .expect("error while running the Corridor application");
}
