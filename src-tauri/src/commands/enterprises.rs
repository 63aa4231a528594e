//! Enterprises and files in and out: one enterprise with its cases, the preview and the
//! import of an enterprise CSV (all or nothing), and the export of the case list where the
//! user chooses.

use corridor_model::desk::{CaseQuery, EnterpriseForm, EnterpriseView, ImportPreview};
use corridor_store::{CaseFilter, ExportFormat, Store, StoreError};
use tauri::{AppHandle, State};

use super::{open_store, Result};
use crate::error::CommandError;
use crate::AppState;

/// One enterprise and its cases.
#[tauri::command]
pub(crate) async fn enterprise_view(
    state: State<'_, AppState>,
    id: String,
) -> Result<EnterpriseView> {
    Ok(open_store(&state).await?.enterprise_view(&id).await?)
}

/// Changes an enterprise's record from its form (the model validates it, the engine checks
/// who may, the server refuses it over a newer version).
#[tauri::command]
pub(crate) async fn update_enterprise(
    state: State<'_, AppState>,
    id: String,
    form: EnterpriseForm,
) -> Result<()> {
    let id: uuid::Uuid = id
        .trim()
        .parse()
        .map_err(|_| StoreError::UnknownEnterprise(id.clone()))?;
    let edit = form.parse().map_err(StoreError::from)?;
    open_store(&state)
        .await?
        .update_enterprise(id, edit)
        .await?;
    Ok(())
}

/// What importing this CSV (its text, as the user picked it) would do, line by line.
#[tauri::command]
pub(crate) async fn preview_import(
    state: State<'_, AppState>,
    csv: String,
) -> Result<ImportPreview> {
    Ok(open_store(&state)
        .await?
        .preview_enterprise_import(&csv)
        .await?)
}

/// Imports the enterprises of this CSV: all of them, or none when a line is refused.
#[tauri::command]
pub(crate) async fn import_enterprises(state: State<'_, AppState>, csv: String) -> Result<usize> {
    let store = open_store(&state).await?;
    let rows = corridor_store::parse_enterprise_csv(csv.as_bytes())?;
    Ok(store.import_enterprises(rows).await?)
}

/// Exports the cases the list shows (its filters, every page) as CSV or Excel, where the user
/// chooses in the system's dialog (titled `title`, in the user's language). `None` when the
/// user cancelled.
#[tauri::command]
pub(crate) async fn export_cases(
    app: AppHandle,
    state: State<'_, AppState>,
    query: CaseQuery,
    format: String,
    title: String,
) -> Result<Option<String>> {
    let format: ExportFormat = format.parse().map_err(StoreError::from)?;
    let store = open_store(&state).await?;
    let mut filter = CaseFilter::try_from(&query).map_err(StoreError::from)?;
    filter.limit = None;
    filter.offset = 0;
    let cases = store.find_cases(&filter).await?;
    let extension = format.extension();
    let name = format!("dossiers-corridor.{extension}");
    let Some(path) = super::files::ask_save_path(&app, &title, &name, Some(extension)).await?
    else {
        return Ok(None);
    };
    let written = path.clone();
    tokio::task::spawn_blocking(move || Store::export_cases(&cases, format, &written))
        .await
        .map_err(|e| {
            CommandError(corridor_model::api::ApiError::new(
                "internal",
                e.to_string(),
            ))
        })??;
    Ok(Some(path.display().to_string()))
}
