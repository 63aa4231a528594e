//! Tauri build step: resolves capabilities and generates one permission per app command.

fn main() {
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(
        tauri_build::AppManifest::new().commands(&[
            "store_status",
            "unlock",
            "lock",
            "app_info",
            "change_passphrase",
            "list_cases",
            "case_view",
            "create_case",
            "transition",
            "edit_case",
            "add_note",
            "assign",
            "tag_case",
            "link_case",
            "resolve_conflict",
            "attach_file",
            "open_attachment",
            "save_attachment",
            "search_cases",
            "list_enterprises",
            "enterprise_view",
            "update_enterprise",
            "preview_import",
            "import_enterprises",
            "export_cases",
            "sign_in",
            "sign_out",
            "sync_state",
            "sync_now",
            "notify",
        ]),
    ))
    .expect("tauri build step");
}
