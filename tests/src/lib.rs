//! Helpers of the end-to-end tests: locating the workspace's binaries, running the real
//! corridor server on a loopback port, and throwaway PostgreSQL databases.
//!
//! Binaries are the ones `cargo xtask test` builds into the workspace target directory; when
//! one is missing the helper builds it (tests never run a stale or foreign binary silently:
//! they name the path they run).

pub mod devices;
pub mod views;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_owned()
}

/// Path of a binary of the workspace (debug profile), built first if missing. (`package` names
/// where it comes from, for the reader.)
pub fn binary(package: &str, name: &str) -> PathBuf {
    let _ = package;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace_root().join("target"), PathBuf::from);
    let path = target.join("debug").join(name);
    if !path.exists() {
        let status = Command::new(env!("CARGO"))
            // The whole workspace's features (the test-only crash points among them), as
            // `cargo test --workspace` builds it.
            .args(["build", "--workspace", "--bin", name])
            .current_dir(workspace_root())
            .status()
            .expect("run cargo build");
        assert!(status.success(), "building {name} failed");
    }
    path
}

/// Runs the real `corridor` CLI on the store in `data`, protected by `passphrase`, with this
/// environment besides (`CORRIDOR_CA_FILE` is cleared unless given).
pub fn cli(data: &Path, passphrase: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(binary("corridor-cli", "corridor"));
    cmd.arg("--data-dir")
        .arg(data)
        .args(args)
        .env("CORRIDOR_PASSPHRASE", passphrase)
        .env_remove("CORRIDOR_CA_FILE");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run corridor")
}

/// What a command printed, standard output then standard error.
pub fn output_text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A running `corridor-server` process, killed when dropped.
pub struct ServerProcess {
    child: Child,
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub url: String,
}

impl ServerProcess {
    /// Starts `corridor-server --database-url URL serve --bind 127.0.0.1:0` and waits for the
    /// line announcing its address.
    pub fn start(database_url: &str, cwd: &Path) -> ServerProcess {
        Self::start_on(database_url, cwd, "127.0.0.1:0")
    }

    /// Starts the server on `bind` (e.g. the address of a server killed a moment ago).
    pub fn start_on(database_url: &str, cwd: &Path, bind: &str) -> ServerProcess {
        Self::start_with(database_url, cwd, bind, &[])
    }

    /// Starts the server on `bind` with extra environment (limits, for instance).
    pub fn start_with(
        database_url: &str,
        cwd: &Path,
        bind: &str,
        env: &[(&str, &str)],
    ) -> ServerProcess {
        let mut child = Command::new(binary("corridor-server", "corridor-server"))
            .args(["--database-url", database_url, "serve", "--bind", bind])
            .envs(env.iter().copied())
            .current_dir(cwd)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start corridor-server");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read announce line");
        let url = line
            .trim()
            .strip_prefix("corridor-server listening on ")
            .unwrap_or_else(|| panic!("unexpected first line from the server: {line:?}"))
            .to_owned();
        ServerProcess { child, url }
    }

    /// Stops the server (SIGKILL) and waits for it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The PostgreSQL server of the tests: `DATABASE_URL`, else the local one on 127.0.0.1:5432.
pub fn postgres_admin_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A fresh, empty PostgreSQL database, dropped with [`TestDatabase::drop_now`].
pub struct TestDatabase {
    admin: String,
    name: String,
    /// URL of the new database.
    pub url: String,
}

impl TestDatabase {
    /// Creates `corridor_test_<random>` on the test PostgreSQL server.
    pub async fn create() -> TestDatabase {
        use sqlx::Connection;
        let admin = postgres_admin_url();
        let name = format!("corridor_test_{}", uuid::Uuid::now_v7().simple());
        let mut conn = sqlx::PgConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| {
                panic!("PostgreSQL is required (cargo xtask test provides one): {e}")
            });
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .expect("create database");
        conn.close().await.expect("close");
        let mut url = reqwest::Url::parse(&admin).expect("DATABASE_URL is a URL");
        url.set_path(&name);
        TestDatabase {
            admin,
            name,
            url: url.to_string(),
        }
    }

    /// Drops the database (terminating leftover connections).
    pub async fn drop_now(self) {
        use sqlx::Connection;
        if let Ok(mut conn) = sqlx::PgConnection::connect(&self.admin).await {
            let _ = sqlx::query(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(&mut conn)
            .await;
        }
    }
}

/// Polls `f` every 100 ms until it returns `Some`, for at most `timeout`.
pub async fn eventually<T, F, Fut>(timeout: Duration, mut f: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(v) = f().await {
            return Some(v);
        }
        if tokio::time::Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
