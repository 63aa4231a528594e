//! Typed wrappers over the Tauri commands (one per command). Arguments and results are the
//! model crate's transport types, so the shell and the interface cannot drift apart; a
//! command's `Err` arrives as an [`ApiError`].

use corridor_model::api::{
    ApiError, CaseRow, NewCaseForm, SearchHitRow, StoreStatus, UnlockRequest,
};
use corridor_model::desk::{
    Attachment, CaseEditForm, CaseQuery, CaseView, EnterpriseForm, EnterpriseView, ImportPreview,
    NoteForm, SessionView, SignInForm, SyncState, TransitionForm, ATTACH_CASE_HEADER,
    ATTACH_NAME_HEADER,
};
use corridor_model::sync::ConflictChoice;
use corridor_model::timeline::Institution;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], catch)]
    async fn invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], js_name = invoke, catch)]
    async fn invoke_with(cmd: &str, body: JsValue, options: JsValue) -> Result<JsValue, JsValue>;
}

async fn call<A: Serialize, R: DeserializeOwned>(cmd: &str, args: &A) -> Result<R, ApiError> {
    let ser = serde_wasm_bindgen::Serializer::json_compatible();
    let args = args.serialize(&ser).map_err(|e| internal(&e.to_string()))?;
    answer(invoke(cmd, args).await)
}

fn answer<R: DeserializeOwned>(result: Result<JsValue, JsValue>) -> Result<R, ApiError> {
    match result {
        Ok(v) => serde_wasm_bindgen::from_value(v).map_err(|e| internal(&e.to_string())),
        Err(e) => Err(serde_wasm_bindgen::from_value::<ApiError>(e.clone())
            .unwrap_or_else(|_| internal(&e.as_string().unwrap_or_default()))),
    }
}

fn internal(detail: &str) -> ApiError {
    ApiError::new(
        "internal",
        format!("Erreur interne de l'application : {detail}"),
    )
}

#[derive(Serialize)]
struct NoArgs {}

/// Facts for the settings screen.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub(crate) struct AppInfo {
    pub(crate) data_dir: String,
    pub(crate) default_server: String,
    pub(crate) version: String,
    pub(crate) lock_after_seconds: Option<u32>,
    pub(crate) passphrase_protected: bool,
}

/// `store_status`.
pub(crate) async fn store_status() -> Result<StoreStatus, ApiError> {
    call("store_status", &NoArgs {}).await
}

/// `unlock`.
pub(crate) async fn unlock(req: UnlockRequest) -> Result<(), ApiError> {
    #[derive(Serialize)]
    struct A<'a> {
        req: &'a UnlockRequest,
    }
    call("unlock", &A { req: &req }).await
}

/// `lock`.
pub(crate) async fn lock() -> Result<(), ApiError> {
    call("lock", &NoArgs {}).await
}

/// `app_info`.
pub(crate) async fn app_info() -> Result<AppInfo, ApiError> {
    call("app_info", &NoArgs {}).await
}

/// `change_passphrase`.
pub(crate) async fn change_passphrase(current: String, new: String) -> Result<(), ApiError> {
    #[derive(Serialize)]
    struct A {
        current: String,
        new: String,
    }
    call("change_passphrase", &A { current, new }).await
}

/// `list_cases`.
pub(crate) async fn list_cases(query: CaseQuery) -> Result<Vec<CaseRow>, ApiError> {
    #[derive(Serialize)]
    struct A {
        query: CaseQuery,
    }
    call("list_cases", &A { query }).await
}

/// `case_view`.
pub(crate) async fn case_view(case: &str) -> Result<CaseView, ApiError> {
    #[derive(Serialize)]
    struct A<'a> {
        case: &'a str,
    }
    call("case_view", &A { case }).await
}

/// `create_case`.
pub(crate) async fn create_case(form: NewCaseForm) -> Result<CaseRow, ApiError> {
    #[derive(Serialize)]
    struct A {
        form: NewCaseForm,
    }
    call("create_case", &A { form }).await
}

/// `transition`.
pub(crate) async fn transition(form: TransitionForm) -> Result<(), ApiError> {
    #[derive(Serialize)]
    struct A {
        form: TransitionForm,
    }
    call("transition", &A { form }).await
}

/// `edit_case`.
pub(crate) async fn edit_case(case: String, form: CaseEditForm) -> Result<(), ApiError> {
    #[derive(Serialize)]
    struct A {
        case: String,
        form: CaseEditForm,
    }
    call("edit_case", &A { case, form }).await
}

/// `add_note`.
pub(crate) async fn add_note(form: NoteForm) -> Result<(), ApiError> {
    #[derive(Serialize)]
    struct A {
        form: NoteForm,
    }
    call("add_note", &A { form }).await
}

/// `assign`.
pub(crate) async fn assign(
    case: String,
    institution: Institution,
    assignee: String,
) -> Result<(), ApiError> {
    #[derive(Serialize)]
    struct A {
        case: String,
        institution: Institution,
        assignee: String,
    }
    call(
        "assign",
        &A {
            case,
            institution,
            assignee,
        },
    )
    .await
}

/// `tag_case`.
pub(crate) async fn tag_case(
    case: String,
    add: Vec<String>,
    remove: Vec<String>,
) -> Result<(), ApiError> {
    #[derive(Serialize)]
    struct A {
        case: String,
        add: Vec<String>,
        remove: Vec<String>,
    }
    call("tag_case", &A { case, add, remove }).await
}

/// `link_case`.
pub(crate) async fn link_case(case: String, other: String, parent: bool) -> Result<(), ApiError> {
    #[derive(Serialize)]
    struct A {
        case: String,
        other: String,
        parent: bool,
    }
    call(
        "link_case",
        &A {
            case,
            other,
            parent,
        },
    )
    .await
}

/// `attach_file`: the file's bytes are the raw body (no JSON array of numbers); the case and
/// the percent-encoded name travel in headers.
pub(crate) async fn attach_file(case: &str, file: &web_sys::File) -> Result<Attachment, ApiError> {
    let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer())
        .await
        .map_err(|e| internal(&e.as_string().unwrap_or_default()))?;
    let body = js_sys::Uint8Array::new(&buffer);
    let headers = js_sys::Object::new();
    let options = js_sys::Object::new();
    let set = |o: &js_sys::Object, k: &str, v: &JsValue| {
        js_sys::Reflect::set(o, &JsValue::from_str(k), v).map_err(|_| internal("headers"))
    };
    set(
        &headers,
        ATTACH_CASE_HEADER,
        &js_sys::encode_uri_component(case).into(),
    )?;
    set(
        &headers,
        ATTACH_NAME_HEADER,
        &js_sys::encode_uri_component(&file.name()).into(),
    )?;
    set(&options, "headers", &headers.into())?;
    answer(invoke_with("attach_file", body.into(), options.into()).await)
}

/// `open_attachment`: the path the decrypted copy was written to.
pub(crate) async fn open_attachment(case: String, hash: String) -> Result<String, ApiError> {
    #[derive(Serialize)]
    struct A {
        case: String,
        hash: String,
    }
    call("open_attachment", &A { case, hash }).await
}

/// `save_attachment`: where the copy went, `None` when the user cancelled. `title` names the
/// system's dialog.
pub(crate) async fn save_attachment(
    case: String,
    hash: String,
    title: String,
) -> Result<Option<String>, ApiError> {
    #[derive(Serialize)]
    struct A {
        case: String,
        hash: String,
        title: String,
    }
    call("save_attachment", &A { case, hash, title }).await
}

/// `resolve_conflict`.
pub(crate) async fn resolve_conflict(id: String, choice: ConflictChoice) -> Result<(), ApiError> {
    #[derive(Serialize)]
    struct A {
        id: String,
        choice: ConflictChoice,
    }
    call("resolve_conflict", &A { id, choice }).await
}

/// `search_cases`.
pub(crate) async fn search_cases(query: &str) -> Result<Vec<SearchHitRow>, ApiError> {
    #[derive(Serialize)]
    struct A<'a> {
        query: &'a str,
    }
    call("search_cases", &A { query }).await
}

/// `list_enterprises`.
pub(crate) async fn list_enterprises(
    query: &str,
) -> Result<Vec<corridor_model::Enterprise>, ApiError> {
    #[derive(Serialize)]
    struct A<'a> {
        query: &'a str,
    }
    call("list_enterprises", &A { query }).await
}

/// `enterprise_view`.
pub(crate) async fn enterprise_view(id: &str) -> Result<EnterpriseView, ApiError> {
    #[derive(Serialize)]
    struct A<'a> {
        id: &'a str,
    }
    call("enterprise_view", &A { id }).await
}

/// `update_enterprise`.
pub(crate) async fn update_enterprise(id: String, form: EnterpriseForm) -> Result<(), ApiError> {
    #[derive(Serialize)]
    struct A {
        id: String,
        form: EnterpriseForm,
    }
    call("update_enterprise", &A { id, form }).await
}

/// `preview_import`.
pub(crate) async fn preview_import(csv: String) -> Result<ImportPreview, ApiError> {
    #[derive(Serialize)]
    struct A {
        csv: String,
    }
    call("preview_import", &A { csv }).await
}

/// `import_enterprises`: how many were recorded.
pub(crate) async fn import_enterprises(csv: String) -> Result<usize, ApiError> {
    #[derive(Serialize)]
    struct A {
        csv: String,
    }
    call("import_enterprises", &A { csv }).await
}

/// `export_cases`: where the file went, `None` when the user cancelled. `title` names the
/// system's dialog.
pub(crate) async fn export_cases(
    query: CaseQuery,
    format: &str,
    title: String,
) -> Result<Option<String>, ApiError> {
    #[derive(Serialize)]
    struct A<'a> {
        query: CaseQuery,
        format: &'a str,
        title: String,
    }
    call(
        "export_cases",
        &A {
            query,
            format,
            title,
        },
    )
    .await
}

/// The text of a file the user picked (UTF-8).
pub(crate) async fn file_text(file: &web_sys::File) -> Result<String, ApiError> {
    wasm_bindgen_futures::JsFuture::from(file.text())
        .await
        .map(|v| v.as_string().unwrap_or_default())
        .map_err(|e| internal(&e.as_string().unwrap_or_default()))
}

/// `sign_in`.
pub(crate) async fn sign_in(form: SignInForm) -> Result<SessionView, ApiError> {
    #[derive(Serialize)]
    struct A {
        form: SignInForm,
    }
    call("sign_in", &A { form }).await
}

/// `sign_out`.
pub(crate) async fn sign_out() -> Result<(), ApiError> {
    call("sign_out", &NoArgs {}).await
}

/// `sync_state`.
pub(crate) async fn sync_state() -> Result<SyncState, ApiError> {
    call("sync_state", &NoArgs {}).await
}

/// `notify`: a desktop notification.
pub(crate) async fn notify(title: String, body: String) -> Result<(), ApiError> {
    #[derive(Serialize)]
    struct A {
        title: String,
        body: String,
    }
    call("notify", &A { title, body }).await
}

/// `sync_now`.
pub(crate) async fn sync_now() -> Result<(), ApiError> {
    call("sync_now", &NoArgs {}).await
}
