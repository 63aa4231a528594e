//! The real `corridor-server` binary on a loopback port, against SQLite and PostgreSQL.

use corridor_e2e::{ServerProcess, TestDatabase};
use corridor_model::api::Health;

async fn health(url: &str) -> (reqwest::StatusCode, Health) {
    let resp = reqwest::get(format!("{url}/v1/health"))
        .await
        .expect("GET /v1/health");
    let status = resp.status();
    (status, resp.json().await.expect("health JSON"))
}

#[tokio::test]
async fn the_server_binary_migrates_sqlite_and_answers_health() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("server.db");
    let server = ServerProcess::start(&format!("sqlite:{}", db.display()), dir.path());
    let (status, h) = health(&server.url).await;
    assert_eq!(status, reqwest::StatusCode::OK);
    assert_eq!((h.status.as_str(), h.database.as_str()), ("ok", "sqlite"));
    assert!(db.exists(), "the SQLite file was created");
}

#[tokio::test]
async fn the_server_binary_migrates_postgres_and_answers_health() {
    let pg = TestDatabase::create().await;
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let server = ServerProcess::start(&pg.url, dir.path());
        let (status, h) = health(&server.url).await;
        assert_eq!(status, reqwest::StatusCode::OK);
        assert_eq!((h.status.as_str(), h.database.as_str()), ("ok", "postgres"));
        // A second instance over the same database starts (migrations are idempotent).
        let second = ServerProcess::start(&pg.url, dir.path());
        assert_eq!(health(&second.url).await.1.status, "ok");
    }
    pg.drop_now().await;
}

#[tokio::test]
async fn the_server_default_database_is_a_sqlite_file_in_the_working_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd =
        std::process::Command::new(corridor_e2e::binary("corridor-server", "corridor-server"));
    let out = cmd
        .arg("migrate")
        .current_dir(dir.path())
        .env_remove("CORRIDOR_DATABASE_URL")
        .output()
        .expect("run migrate");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path().join("corridor-server.db").exists());
}
