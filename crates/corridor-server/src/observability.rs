//! What operators see: the OpenAPI description of the API and Prometheus metrics (behind a
//! token, or for this machine only).

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use corridor_model::api::{ApiError, Health, LoginRequest, LoginResponse, Role};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use utoipa::OpenApi;

use crate::client_address::{forwarded, ClientAddress};
use crate::error::AppError;
use crate::http::AppState;

/// The OpenAPI description of `/v1`.
#[derive(OpenApi)]
#[openapi(
    info(title = "Corridor CGEM–CNSS server", description = "Central server of the corridor: accounts, devices, and the sync of cases (push of mutations, pull of documents)."),
    paths(crate::http::health, crate::login::login, crate::login::logout, crate::http::me, crate::sync_http::push, crate::sync_http::pull, crate::sync_http::stats, crate::attachments::status, crate::attachments::upload, crate::attachments::download),
    components(schemas(Health, LoginRequest, LoginResponse, ApiError, Role)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// Declares the bearer-token scheme the authenticated paths use.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        api.components
            .get_or_insert_with(Default::default)
            .add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
    }
}

/// `GET /v1/openapi.json`.
pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// The process-wide Prometheus recorder (installed once, shared by every router).
fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        PrometheusBuilder::new()
            .install_recorder()
            .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder().handle())
    })
}

/// `GET /v1/metrics`: Prometheus text format — with `Authorization: Bearer
/// <CORRIDOR_METRICS_TOKEN>` when the server has that token, else only to this machine
/// (a scraper on the same host, or behind the proxy's own rule).
pub async fn metrics(
    State(s): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
) -> Response {
    let allowed = match &s.metrics_token {
        Some(expected) => headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|t| crate::http::sha256(t.trim()) == **expected),
        // Through a proxy on this machine the peer is loopback too: only a direct call is.
        None => {
            !forwarded(&headers)
                && address
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
    };
    if !allowed {
        return AppError::new(
            StatusCode::FORBIDDEN,
            "metrics_forbidden",
            "Métriques réservées : jeton CORRIDOR_METRICS_TOKEN requis, ou un appel depuis le serveur lui-même.",
        )
        .into_response();
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        handle().render(),
    )
        .into_response()
}

/// Counts requests and their durations by method, route (the route pattern, never the raw
/// path: bounded label values) and status.
pub async fn track(req: Request, next: Next) -> Response {
    let _ = handle();
    let started = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!("corridor_http_requests_total", &labels).increment(1);
    metrics::histogram!("corridor_http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    response
}
