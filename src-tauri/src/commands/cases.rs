//! Cases: the list, one case with what the user may do, and every change made from the case
//! screen. The store asks the engine; nothing here decides what is allowed.

use corridor_model::api::{CaseRow, NewCaseForm, SearchHitRow};
use corridor_model::desk::{CaseEditForm, CaseQuery, CaseView, NoteForm, TransitionForm};
use corridor_model::sync::ConflictChoice;
use corridor_model::timeline::Institution;
use corridor_store::{CaseFilter, StoreError};
use tauri::State;

use super::{open_store, Result};
use crate::AppState;

/// The case list, filtered, sorted and paged.
#[tauri::command]
pub(crate) async fn list_cases(
    state: State<'_, AppState>,
    query: Option<CaseQuery>,
) -> Result<Vec<CaseRow>> {
    let store = open_store(&state).await?;
    let filter = CaseFilter::try_from(&query.unwrap_or_default()).map_err(StoreError::from)?;
    Ok(store
        .find_cases(&filter)
        .await?
        .into_iter()
        .map(CaseRow::from)
        .collect())
}

/// One case, its timeline, what the signed-in user may do with it, its conflicts.
#[tauri::command]
pub(crate) async fn case_view(state: State<'_, AppState>, case: String) -> Result<CaseView> {
    Ok(open_store(&state).await?.case_view(&case).await?)
}

/// Opens a case from the "new case" form.
#[tauri::command]
pub(crate) async fn create_case(state: State<'_, AppState>, form: NewCaseForm) -> Result<CaseRow> {
    let store = open_store(&state).await?;
    Ok(store.new_case_from_form(form).await.map(CaseRow::from)?)
}

/// Moves a case to another status (the engine checks the step, the role and the reason).
#[tauri::command]
pub(crate) async fn transition(state: State<'_, AppState>, form: TransitionForm) -> Result<()> {
    let store = open_store(&state).await?;
    let reason = form.reason.filter(|r| !r.trim().is_empty());
    store.transition(&form.case, form.to, reason).await?;
    Ok(())
}

/// Edits the title, description, amount or priority (the engine keeps concurrent edits as
/// conflicts).
#[tauri::command]
pub(crate) async fn edit_case(
    state: State<'_, AppState>,
    case: String,
    form: CaseEditForm,
) -> Result<()> {
    let store = open_store(&state).await?;
    let edit = form.parse().map_err(StoreError::from)?;
    store.edit_case(&case, edit).await?;
    Ok(())
}

/// Adds a note of the chosen visibility.
#[tauri::command]
pub(crate) async fn add_note(state: State<'_, AppState>, form: NoteForm) -> Result<()> {
    let store = open_store(&state).await?;
    store
        .add_note(&form.case, form.visibility, &form.text)
        .await?;
    Ok(())
}

/// Sets (or clears, with an empty name) the person in charge on one side.
#[tauri::command]
pub(crate) async fn assign(
    state: State<'_, AppState>,
    case: String,
    institution: Institution,
    assignee: String,
) -> Result<()> {
    let store = open_store(&state).await?;
    let assignee = Some(assignee).filter(|a| !a.trim().is_empty());
    store.assign(&case, institution, assignee).await?;
    Ok(())
}

/// Adds and removes tags (the engine normalises them and refuses a bad one).
#[tauri::command]
pub(crate) async fn tag_case(
    state: State<'_, AppState>,
    case: String,
    add: Vec<String>,
    remove: Vec<String>,
) -> Result<()> {
    open_store(&state).await?.tag(&case, add, remove).await?;
    Ok(())
}

/// Links the case to another one (id or reference); with `parent`, the other becomes its
/// parent.
#[tauri::command]
pub(crate) async fn link_case(
    state: State<'_, AppState>,
    case: String,
    other: String,
    parent: bool,
) -> Result<()> {
    open_store(&state)
        .await?
        .link(&case, other.trim(), parent)
        .await?;
    Ok(())
}

/// Settles a conflict by keeping one of the two values.
#[tauri::command]
pub(crate) async fn resolve_conflict(
    state: State<'_, AppState>,
    id: String,
    choice: ConflictChoice,
) -> Result<()> {
    open_store(&state)
        .await?
        .resolve_conflict(&id, choice)
        .await?;
    Ok(())
}

/// The enterprises, by name; with a query, those matching it (name, ICE, city, contacts;
/// accent-insensitive, Arabic as typed), best first.
#[tauri::command]
pub(crate) async fn list_enterprises(
    state: State<'_, AppState>,
    query: String,
) -> Result<Vec<corridor_model::Enterprise>> {
    let store = open_store(&state).await?;
    Ok(if query.trim().is_empty() {
        store.list_enterprises().await?
    } else {
        store.search_enterprises(&query, 200).await?
    })
}

/// Full-text search over the cases (French without accents, Arabic as people type it), the
/// best 20, each with its snippet as the text was written.
#[tauri::command]
pub(crate) async fn search_cases(
    state: State<'_, AppState>,
    query: String,
) -> Result<Vec<SearchHitRow>> {
    let store = open_store(&state).await?;
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
