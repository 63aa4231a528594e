//! Tauri build step: resolves capabilities and generates one permission per app command.

fn main() {
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(
        tauri_build::AppManifest::new().commands(&[
            "store_status",
            "unlock",
            "list_cases",
            "create_case",
            "search_cases",
            "server_status",
        ]),
    ))
    .expect("tauri build step");
}
