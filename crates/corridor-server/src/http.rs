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
use tokio::net::TcpListener;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use corridor_model::api::{ApiError, LoginRequest, LoginResponse};

use crate::auth;
use crate::error::AppError;
use crate::storage::{Session, Storage, SESSION_IDLE};

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
/// Failed logins of one username allowed per window before refusing.
pub const MAX_LOGIN_FAILURES: i64 = 5;
/// The window of [`MAX_LOGIN_FAILURES`].
pub const LOGIN_WINDOW: chrono::Duration = chrono::Duration::minutes(15);

/// Shared state of the handlers.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The storage.
    pub storage: Arc<dyn Storage>,
}

/// The application's routes.
pub fn router(storage: Arc<dyn Storage>) -> Router {
    let max_body = max_body_bytes();
    Router::new()
        .route("/v1/health", get(health))
        .route("/v1/login", post(login))
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
        .with_state(AppState { storage })
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

pub(crate) fn json_body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, AppError> {
    body.map(|Json(t)| t)
        .map_err(|e| AppError::bad_request(format!("Requête invalide : {}", e.body_text())))
}

/// `POST /v1/login`: checks the password, registers the device, returns a token. Failed
/// attempts of a username are limited per window, across server instances.
#[utoipa::path(post, path = "/v1/login", request_body = LoginRequest, responses(
    (status = 200, description = "Logged in; the token authenticates this device", body = LoginResponse),
    (status = 400, description = "Malformed request", body = ApiError),
    (status = 401, description = "Wrong username or password", body = ApiError),
    (status = 403, description = "This device was revoked", body = ApiError),
    (status = 409, description = "The device belongs to another user", body = ApiError),
    (status = 429, description = "Too many failed attempts", body = ApiError),
))]
pub(crate) async fn login(
    State(s): State<AppState>,
    body: Result<Json<LoginRequest>, JsonRejection>,
) -> Result<Json<LoginResponse>, AppError> {
    let req = json_body(body)?;
    let now = Utc::now();
    let username = req.username.trim().to_owned();
    if s.storage
        .login_failures_since(&username, now - LOGIN_WINDOW)
        .await?
        >= MAX_LOGIN_FAILURES
    {
        return Err(AppError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            "Trop de tentatives de connexion : réessayez dans quinze minutes.",
        ));
    }
    let creds = s.storage.credentials(&username).await?;
    let password = req.password.clone();
    let valid = match creds.as_ref().filter(|c| !c.user.disabled) {
        Some(c) => {
            let hash = c.password_hash.clone();
            tokio::task::spawn_blocking(move || auth::verify_password(&hash, &password))
                .await
                .unwrap_or(false)
        }
        None => false,
    };
    let Some(creds) = creds.filter(|_| valid) else {
        s.storage.record_login_failure(&username, now).await?;
        return Err(AppError::new(
            StatusCode::UNAUTHORIZED,
            "bad_credentials",
            "Identifiant ou mot de passe incorrect.",
        ));
    };
    let name = req.device_name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::bad_request(
            "Nom du poste absent ou trop long (100 caractères au plus).",
        ));
    }
    let (token, hash) = auth::new_token();
    s.storage
        .register_device(&creds.user.id, &req.device_id.to_string(), name, &hash, now)
        .await?;
    s.storage.clear_login_failures(&username).await?;
    tracing::info!(user = %creds.user.username, device = %req.device_id, "login");
    Ok(Json(LoginResponse {
        token: Some(token),
        username: creds.user.username,
        role: creds.user.role,
        regions: creds.user.regions,
    }))
}

/// The caller, from `Authorization: Bearer <token>`: 401 without a valid token or when the
/// session went unused for [`SESSION_IDLE`], 403 when the device was revoked.
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
        if Utc::now() - session.last_seen_at > SESSION_IDLE {
            return Err(AppError::new(
                StatusCode::UNAUTHORIZED,
                "session_expired",
                "Session expirée (plus de 30 jours sans connexion) : reconnectez-vous.",
            ));
        }
        if session.user.disabled {
            return Err(AppError::unauthenticated());
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
    axum::serve(listener, router(storage.clone()))
        .with_graceful_shutdown(shutdown)
        .await?;
    storage.close().await;
    Ok(())
}
