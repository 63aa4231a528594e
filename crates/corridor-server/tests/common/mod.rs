//! Both engines for the same scenarios: a SQLite file in a temporary directory and a fresh
//! database on the test PostgreSQL (`DATABASE_URL`, else 127.0.0.1:5432; `cargo xtask test`
//! provides one).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use axum::Router;
use corridor_server::storage::Actor;
use corridor_server::Storage;
use serde_json::Value;
use sqlx::Connection;
use tower::ServiceExt;

/// The administrator of these tests, for the audit entries of account changes.
#[allow(dead_code)] // Not every test file changes accounts.
pub const ADMIN: &Actor<'static> = &Actor {
    username: "console:test",
    device_id: "",
    address: None,
};

/// Sends one request to `app` — a JSON body, a bearer token and the client's address when
/// given — and returns the status and the answer's JSON (`Null` when it is not JSON).
pub async fn request(
    app: Router,
    method: &str,
    path: &str,
    token: Option<&str>,
    from: Option<&str>,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json");
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let mut req = req.body(Body::from(body)).expect("request");
    if let Some(ip) = from {
        let addr: SocketAddr = format!("{ip}:40000").parse().expect("address");
        req.extensions_mut().insert(ConnectInfo(addr));
    }
    let resp = app.oneshot(req).await.expect("response");
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 22)
        .await
        .expect("body");
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// A storage under test and what keeps it alive.
pub struct Engine {
    pub storage: Arc<dyn Storage>,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl Engine {
    pub async fn drop_now(self) {
        self.storage.close().await;
        if let Some((admin, name)) = self.pg {
            if let Ok(mut c) = sqlx::PgConnection::connect(&admin).await {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut c)
                    .await;
            }
        }
    }
}

pub async fn sqlite() -> Engine {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite:{}", dir.path().join("server.db").display());
    Engine {
        storage: corridor_server::connect(&url).await.expect("sqlite"),
        _dir: Some(dir),
        pg: None,
    }
}

pub async fn postgres() -> Engine {
    let admin = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let name = format!("corridor_srv_{}", uuid::Uuid::now_v7().simple());
    let mut c = sqlx::PgConnection::connect(&admin)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL is required (cargo xtask test provides one): {e}"));
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut c)
        .await
        .expect("create database");
    c.close().await.expect("close");
    let (base, _) = admin.rsplit_once('/').expect("database URL with a path");
    let url = format!("{base}/{name}");
    Engine {
        storage: corridor_server::connect(&url).await.expect("postgres"),
        _dir: None,
        pg: Some((admin, name)),
    }
}

/// Runs `scenario` against SQLite, then PostgreSQL.
#[macro_export]
macro_rules! on_both_engines {
    ($scenario:ident) => {
        #[tokio::test]
        async fn on_sqlite() {
            let e = common::sqlite().await;
            $scenario(e.storage.clone()).await;
            e.drop_now().await;
        }

        #[tokio::test]
        async fn on_postgres() {
            let e = common::postgres().await;
            $scenario(e.storage.clone()).await;
            e.drop_now().await;
        }
    };
}
