//! HTTP layer: routes, authentication, middleware and the serving loop.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use corridor_model::api::Health;
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use corridor_model::api::{ApiError, LoginResponse};

use crate::auth;
use crate::error::AppError;
use crate::login::{LoginGuard, LoginPolicy};
use crate::storage::{Session, Storage, SESSION_IDLE, SESSION_MAX};

/// Largest request body accepted by default (sync batches included).
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// The request body limit: `CORRIDOR_MAX_BODY_BYTES` (64 KiB to 64 MiB) or
/// [`MAX_BODY_BYTES`]. Clients split their pushes to fit (they halve a batch answered 413).
pub fn max_body_bytes() -> usize {
    std::env::var("CORRIDOR_MAX_BODY_BYTES")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .map_or(MAX_BODY_BYTES, |v| v.clamp(64 * 1024, 64 * 1024 * 1024))
}

/// Shared state of the handlers.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The storage.
    pub storage: Arc<dyn Storage>,
    /// Sign-in throttling and the pool of password verifiers.
    pub login: Arc<LoginGuard>,
    /// SHA-256 of the token `/v1/metrics` asks for (`CORRIDOR_METRICS_TOKEN`); without one,
    /// the metrics answer this machine only.
    pub metrics_token: Option<Arc<[u8; 32]>>,
}

/// The application's routes, with the sign-in policy of the environment
/// ([`LoginPolicy::from_env`]).
pub fn router(storage: Arc<dyn Storage>) -> Router {
    router_with(
        storage,
        Arc::new(LoginGuard::new(LoginPolicy::from_env())),
        std::env::var("CORRIDOR_METRICS_TOKEN")
            .ok()
            .filter(|t| !t.trim().is_empty())
            .as_deref(),
    )
}

/// The application's routes with this sign-in guard (its policy and pool of verifiers) and
/// this metrics token.
pub fn router_with(
    storage: Arc<dyn Storage>,
    login: Arc<LoginGuard>,
    metrics_token: Option<&str>,
) -> Router {
    let metrics_token = metrics_token.map(|t| Arc::new(sha256(t.trim())));
    let max_body = max_body_bytes();
    Router::new()
        .route("/v1/health", get(health))
        .route("/v1/login", post(crate::login::login))
        .route("/v1/logout", post(crate::login::logout))
        .route("/v1/me", get(me))
        .route("/v1/sync/push", post(crate::sync_http::push))
        .route("/v1/sync/pull", post(crate::sync_http::pull))
        .route("/v1/stats", get(crate::sync_http::stats))
        .route(
            "/v1/attachments/{hash}",
            get(crate::attachments::download).put(crate::attachments::upload),
        )
        .route(
            "/v1/attachments/{hash}/status",
            get(crate::attachments::status),
        )
        .route("/v1/openapi.json", get(crate::observability::openapi))
        .route("/v1/metrics", get(crate::observability::metrics))
        .route_layer(axum::middleware::from_fn(crate::observability::track))
        .with_state(AppState {
            storage,
            login,
            metrics_token,
        })
        // Both limits, set explicitly: the extractors' own (2 MB by default) and the one that
        // refuses an announced oversize body before reading it.
        .layer(axum::extract::DefaultBodyLimit::max(max_body))
        .layer(RequestBodyLimitLayer::new(max_body))
        // Fastest level: sync pages are large and both ends pay for every gzip byte.
        .layer(CompressionLayer::new().quality(tower_http::CompressionLevel::Fastest))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(TraceLayer::new_for_http())
}

/// SHA-256 of a secret, for comparing it without keeping it.
pub(crate) fn sha256(text: &str) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes()).into()
}

/// `GET /v1/health`: 200 when the database answers and is migrated, 503 otherwise.
#[utoipa::path(get, path = "/v1/health", responses(
    (status = 200, description = "Server and database answer", body = Health),
    (status = 503, description = "Database unreachable or not migrated", body = Health),
))]
pub(crate) async fn health(State(s): State<AppState>) -> (StatusCode, Json<Health>) {
    let ok = matches!(s.storage.region_count().await, Ok(12));
    let code = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = Health {
        status: if ok { "ok" } else { "unavailable" }.to_owned(),
        database: s.storage.kind().to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    };
    (code, Json(body))
}

/// The 400 answer to a request body that cannot be read, saying why.
pub(crate) fn invalid_body(why: impl std::fmt::Display) -> AppError {
    AppError::bad_request(format!("Requête invalide : {why}"))
}

pub(crate) fn json_body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, AppError> {
    body.map(|Json(t)| t)
        .map_err(|e| invalid_body(e.body_text()))
}

/// A JSON body that must be an object (serde would also read a struct from an array of its
/// fields, which no client sends and the schema does not allow), read as `T`.
pub(crate) fn json_object<T: serde::de::DeserializeOwned>(
    body: Result<Json<serde_json::Map<String, serde_json::Value>>, JsonRejection>,
) -> Result<T, AppError> {
    let object = json_body(body)?;
    serde_json::from_value(serde_json::Value::Object(object)).map_err(invalid_body)
}

/// The query string, or a `{code, message}` 400 saying what is wrong with it (axum's own
/// refusal is plain text).
pub(crate) fn query_params<T>(
    query: Result<axum::extract::Query<T>, axum::extract::rejection::QueryRejection>,
) -> Result<T, AppError> {
    query
        .map(|axum::extract::Query(t)| t)
        .map_err(|e| AppError::bad_request(format!("Paramètres invalides : {}", e.body_text())))
}

/// The caller, from `Authorization: Bearer <token>`: 401 without a valid token, when the
/// session went unused for [`SESSION_IDLE`] or is older than [`SESSION_MAX`], or when the
/// account is disabled; 403 when the device was revoked.
#[derive(Debug, Clone)]
pub struct Caller(pub Session);

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(AppError::unauthenticated)?;
        let session = s
            .storage
            .session(&auth::token_hash(token.trim()), Utc::now())
            .await?
            .ok_or_else(AppError::unauthenticated)?;
        if session.revoked {
            return Err(AppError::revoked());
        }
        let now = Utc::now();
        if now - session.last_seen_at > SESSION_IDLE {
            return Err(AppError::new(
                StatusCode::UNAUTHORIZED,
                "session_expired",
                "Session expirée (plus de quatorze jours sans connexion) : reconnectez-vous.",
            ));
        }
        if now - session.issued_at > SESSION_MAX {
            return Err(AppError::new(
                StatusCode::UNAUTHORIZED,
                "session_expired",
                "Session expirée : par sécurité, le mot de passe est redemandé tous les trente \
                 jours. Reconnectez-vous.",
            ));
        }
        if session.user.disabled {
            return Err(AppError::new(
                StatusCode::UNAUTHORIZED,
                "account_disabled",
                "Ce compte est désactivé : adressez-vous à l'administrateur du corridor.",
            ));
        }
        Ok(Caller(session))
    }
}

/// `GET /v1/me`: who the token belongs to.
#[utoipa::path(get, path = "/v1/me", security(("bearer" = [])), responses(
    (status = 200, description = "The session's user", body = LoginResponse),
    (status = 401, description = "No valid token", body = ApiError),
    (status = 403, description = "This device was revoked", body = ApiError),
))]
pub(crate) async fn me(Caller(session): Caller) -> Json<LoginResponse> {
    Json(LoginResponse {
        token: None,
        username: session.user.username,
        role: session.user.role,
        regions: session.user.regions,
    })
}

/// Serves on `listener` until `shutdown` completes, then finishes in-flight requests.
pub async fn serve(
    listener: TcpListener,
    storage: Arc<dyn Storage>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // The peer's address reaches the handlers (the sign-in budget per client address).
    axum::serve(
        listener,
        router(storage.clone()).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await?;
    storage.close().await;
    Ok(())
}
