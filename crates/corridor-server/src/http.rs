//! HTTP layer: routes, middleware and the serving loop.

use std::future::Future;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use corridor_model::api::Health;
use tokio::net::TcpListener;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::Db;

/// Largest request body accepted (sync batches included).
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// The application's routes over `db`.
pub fn router(db: Db) -> Router {
    Router::new()
        .route("/v1/health", get(health))
        .with_state(db)
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(TraceLayer::new_for_http())
}

/// `GET /v1/health`: 200 with the database kind when the database answers, 503 otherwise.
async fn health(State(db): State<Db>) -> (StatusCode, Json<Health>) {
    let ok = matches!(db.region_count().await, Ok(12));
    let code = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = Health {
        status: if ok { "ok" } else { "unavailable" }.to_owned(),
        database: db.kind().to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    };
    (code, Json(body))
}

/// Serves `db` on `listener` until `shutdown` completes, then finishes in-flight requests.
pub async fn serve(
    listener: TcpListener,
    db: Db,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(db.clone()))
        .with_graceful_shutdown(shutdown)
        .await?;
    db.close().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    use super::*;

    #[tokio::test]
    async fn health_answers_ok_on_a_migrated_sqlite() {
        let db = Db::connect("sqlite::memory:")
            .await
            .expect("sqlite in memory");
        let resp = router(db)
            .oneshot(
                Request::get("/v1/health")
                    .body(Body::empty())
                    .expect("request"),
            )
            .await
            .expect("response");
        assert_eq!(resp.status(), StatusCode::OK);
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 16)
            .await
            .expect("body");
        let h: Health = serde_json::from_slice(&bytes).expect("health json");
        assert_eq!((h.status.as_str(), h.database.as_str()), ("ok", "sqlite"));
    }

    #[tokio::test]
    async fn health_says_unavailable_when_the_database_is_gone() {
        let db = Db::connect("sqlite::memory:")
            .await
            .expect("sqlite in memory");
        db.close().await;
        let resp = router(db)
            .oneshot(
                Request::get("/v1/health")
                    .body(Body::empty())
                    .expect("request"),
            )
            .await
            .expect("response");
        assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    }

    #[tokio::test]
    async fn unknown_schemes_are_refused() {
        assert!(matches!(
            Db::connect("mysql://localhost/x").await,
            Err(crate::db::DbError::UnsupportedScheme)
        ));
    }
}
