//! Typed wrappers over the Tauri commands (one per command). Arguments and results are the
//! model crate's transport types, so the shell and the interface cannot drift apart; a
//! command's `Err` arrives as an [`ApiError`].

use corridor_model::api::{
    ApiError, CaseRow, NewCaseForm, SearchHitRow, ServerStatus, StoreStatus, UnlockRequest,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], catch)]
    async fn invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;
}

async fn call<A: Serialize, R: DeserializeOwned>(cmd: &str, args: &A) -> Result<R, ApiError> {
    let ser = serde_wasm_bindgen::Serializer::json_compatible();
    let args = args.serialize(&ser).map_err(|e| internal(&e.to_string()))?;
    match invoke(cmd, args).await {
        Ok(v) => serde_wasm_bindgen::from_value(v).map_err(|e| internal(&e.to_string())),
        Err(e) => Err(serde_wasm_bindgen::from_value::<ApiError>(e.clone())
            .unwrap_or_else(|_| internal(&e.as_string().unwrap_or_default()))),
    }
}

fn internal(detail: &str) -> ApiError {
    ApiError {
        code: "internal".to_owned(),
        message: format!("Erreur interne de l'application : {detail}"),
    }
}

#[derive(Serialize)]
struct NoArgs {}

#[derive(Serialize)]
struct Unlock<'a> {
    req: &'a UnlockRequest,
}

#[derive(Serialize)]
struct Create<'a> {
    form: &'a NewCaseForm,
}

/// `store_status`.
pub(crate) async fn store_status() -> Result<StoreStatus, ApiError> {
    call("store_status", &NoArgs {}).await
}

/// `unlock`.
pub(crate) async fn unlock(req: UnlockRequest) -> Result<(), ApiError> {
    call("unlock", &Unlock { req: &req }).await
}

/// `list_cases`.
pub(crate) async fn list_cases() -> Result<Vec<CaseRow>, ApiError> {
    call("list_cases", &NoArgs {}).await
}

/// `create_case`.
pub(crate) async fn create_case(form: NewCaseForm) -> Result<CaseRow, ApiError> {
    call("create_case", &Create { form: &form }).await
}

#[derive(Serialize)]
struct Search<'a> {
    query: &'a str,
}

/// `search_cases`.
pub(crate) async fn search_cases(query: &str) -> Result<Vec<SearchHitRow>, ApiError> {
    call("search_cases", &Search { query }).await
}

/// `server_status`.
pub(crate) async fn server_status() -> Result<ServerStatus, ApiError> {
    call("server_status", &NoArgs {}).await
}
