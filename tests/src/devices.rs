//! Simulated devices for the sync tests: a real encrypted store each, logged in to a real
//! server process, synchronised with the real sync client.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use corridor_store::{Passphrase, Store};
use corridor_sync::{SyncError, SyncReport};

use corridor_model::timeline::{EventKind, Visibility};
use corridor_model::{NewCase, NewEnterprise};

use crate::{binary, ServerProcess, TestDatabase};

/// The password every test user gets.
pub const PASSWORD: &str = "un mot de passe solide";

/// Runs an admin command of `corridor-server` against `db_url`.
pub fn admin(db_url: &str, cwd: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    admin_with(db_url, cwd, args, stdin, &[])
}

/// [`admin`] with these environment variables (the server's own, such as its audit key).
pub fn admin_with(
    db_url: &str,
    cwd: &Path,
    args: &[&str],
    stdin: Option<&str>,
    env: &[(String, String)],
) -> Output {
    let mut child = Command::new(binary("corridor-server", "corridor-server"))
        .args(["--database-url", db_url])
        .args(args)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .current_dir(cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("admin command");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("wait")
}

/// Creates a user with [`PASSWORD`].
pub fn add_user(db_url: &str, cwd: &Path, username: &str, role: &str, regions: &str) {
    let out = admin(
        db_url,
        cwd,
        &[
            "user",
            "add",
            "--username",
            username,
            "--role",
            role,
            "--regions",
            regions,
            "--password-stdin",
        ],
        Some(&format!("{PASSWORD}\n")),
    );
    assert!(
        out.status.success(),
        "user add {username}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A device: its store (absent once wiped) and its directory.
pub struct Device {
    /// The store.
    pub store: Option<Store>,
    /// Its directory.
    pub dir: tempfile::TempDir,
    /// Login name.
    pub user: String,
}

impl Device {
    /// The notes of a case on this device, oldest first, as (visibility, text).
    pub async fn notes(&self, case: &str) -> Vec<(Visibility, String)> {
        self.store()
            .case_detail(case)
            .await
            .expect("case on the device")
            .timeline
            .into_iter()
            .filter_map(|e| match e.kind {
                EventKind::Note { visibility, text } => Some((visibility, text)),
                _ => None,
            })
            .collect()
    }

    /// A fresh passphrase-protected store, logged in as `user`.
    pub async fn login(server_url: &str, user: &str) -> Device {
        let mut d = Device::unsigned(user).await;
        d.sign_in(server_url).await;
        d
    }

    /// A fresh passphrase-protected store that has not signed in yet (its user works before
    /// the first sign-in).
    pub async fn unsigned(user: &str) -> Device {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::create(
            dir.path(),
            Some(Passphrase::new("phrase de passe des tests".to_owned())),
        )
        .await
        .expect("store");
        Device {
            store: Some(store),
            dir,
            user: user.to_owned(),
        }
    }

    /// Signs in as this device's user (the path the CLI and the desktop take).
    pub async fn sign_in(&mut self, server_url: &str) {
        self.try_sign_in(server_url, PASSWORD)
            .await
            .expect("sign in");
    }

    /// Tries to sign in with `password`; a revoked device is wiped (its store taken).
    pub async fn try_sign_in(
        &mut self,
        server_url: &str,
        password: &str,
    ) -> Result<corridor_model::desk::SessionView, SyncError> {
        let user = self.user.clone();
        let store = self.store.take().expect("store not wiped");
        let (store, result) = corridor_sync::sign_in(
            store,
            server_url,
            &user,
            password.to_owned(),
            &format!("poste de {user}"),
        )
        .await;
        self.store = store;
        result
    }

    /// Signs out (the server is told when it answers); a revoked device is wiped.
    pub async fn sign_out(&mut self) -> Result<corridor_sync::SignedOut, SyncError> {
        let store = self.store.take().expect("store not wiped");
        let (store, result) = corridor_sync::sign_out(store).await;
        self.store = store;
        result
    }

    /// The store.
    pub fn store(&self) -> &Store {
        self.store.as_ref().expect("store not wiped")
    }

    /// One sync.
    pub async fn sync(&mut self) -> Result<SyncReport, SyncError> {
        self.sync_with(&corridor_sync::SyncOptions::default(), |_| {})
            .await
    }

    /// One sync with options, reporting progress.
    pub async fn sync_with(
        &mut self,
        options: &corridor_sync::SyncOptions,
        progress: impl FnMut(corridor_sync::Progress),
    ) -> Result<SyncReport, SyncError> {
        let store = self.store.take().expect("store not wiped");
        let (store, result) = corridor_sync::sync_with(store, options, progress).await;
        self.store = store;
        result
    }

    /// The session's bearer token.
    pub async fn token(&self) -> String {
        self.store()
            .session()
            .await
            .expect("session")
            .expect("logged in")
            .token
            .to_string()
    }

    /// Everything a user sees on this device, in a canonical form: cases (by id) with their
    /// timeline and conflicts, meetings, the roadmap and enterprises.
    pub async fn snapshot(&self) -> serde_json::Value {
        let store = self.store();
        let mut cases = store.list_cases().await.expect("cases");
        cases.sort_by_key(|c| c.id);
        let mut out = Vec::new();
        for c in cases {
            let detail = store.case_detail(&c.id.to_string()).await.expect("detail");
            let mut timeline: Vec<serde_json::Value> = detail
                .timeline
                .iter()
                .map(|e| serde_json::to_value(e).expect("json"))
                .collect();
            timeline.sort_by_key(|e| e["id"].as_str().unwrap_or_default().to_owned());
            let mut links = detail.links.clone();
            links.sort();
            out.push(serde_json::json!({
                "case": c,
                "timeline": timeline,
                "links": links,
            }));
        }
        let mut conflicts: Vec<serde_json::Value> = store
            .conflicts(true)
            .await
            .expect("conflicts")
            .into_iter()
            .map(|(_, c)| serde_json::to_value(c).expect("json"))
            .collect();
        conflicts.sort_by_key(|c| c["id"].as_str().unwrap_or_default().to_owned());
        let mut meetings = Vec::new();
        for m in store.list_meetings().await.expect("meetings") {
            let m = store.meeting(&m.id.to_string()).await.expect("meeting");
            meetings.push(serde_json::to_value(m).expect("json"));
        }
        meetings.sort_by_key(|m| m["id"].as_str().unwrap_or_default().to_owned());
        let mut enterprises = store.list_enterprises().await.expect("enterprises");
        enterprises.sort_by_key(|e| e.id);
        serde_json::json!({
            "cases": out,
            "conflicts": conflicts,
            "meetings": meetings,
            "roadmap": store.roadmap().await.expect("roadmap"),
            "enterprises": enterprises,
        })
    }
}

/// A server process over a fresh database of either engine.
pub struct World {
    /// The server process.
    pub server: ServerProcess,
    /// Its database URL.
    pub db: String,
    /// Its working directory.
    pub work: tempfile::TempDir,
    pg: Option<TestDatabase>,
    env: Vec<(String, String)>,
}

impl World {
    /// Starts a server over a fresh SQLite file or PostgreSQL database.
    pub async fn new(postgres: bool) -> World {
        World::with_env(postgres, &[]).await
    }

    /// [`World::new`] with these environment variables for the server process.
    pub async fn with_env(postgres: bool, env: &[(&str, &str)]) -> World {
        let work = tempfile::tempdir().expect("tempdir");
        let (db, pg) = if postgres {
            let pg = TestDatabase::create().await;
            (pg.url.clone(), Some(pg))
        } else {
            (
                format!("sqlite:{}", work.path().join("server.db").display()),
                None,
            )
        };
        // Migrate before the first admin command.
        let out = admin(&db, work.path(), &["migrate"], None);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let server = ServerProcess::start_with(&db, work.path(), "127.0.0.1:0", env);
        World {
            server,
            db,
            work,
            pg,
            env: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    /// Creates a user with [`PASSWORD`].
    pub fn user(&self, name: &str, role: &str, regions: &str) {
        add_user(&self.db, self.work.path(), name, role, regions);
    }

    /// Runs an admin command that must succeed (with the server's environment); its standard
    /// output.
    pub fn admin(&self, args: &[&str]) -> String {
        let out = admin_with(&self.db, self.work.path(), args, None, &self.env);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Kills the server (SIGKILL) and starts it again on the same address.
    pub fn restart(&mut self) {
        let env = self.env.clone();
        self.restart_with_env(env);
    }

    /// [`World::restart`] with this environment from now on (a crash point set or cleared).
    pub fn restart_with(&mut self, env: &[(&str, &str)]) {
        self.restart_with_env(
            env.iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        );
    }

    fn restart_with_env(&mut self, env: Vec<(String, String)>) {
        self.env = env;
        self.server.kill();
        let bind = self.server.url.trim_start_matches("http://").to_owned();
        let env: Vec<(&str, &str)> = self
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        self.server = ServerProcess::start_with(&self.db, self.work.path(), &bind, &env);
    }

    /// Stops the server and drops the PostgreSQL database.
    pub async fn finish(mut self) {
        self.server.kill();
        if let Some(pg) = self.pg.take() {
            pg.drop_now().await;
        }
    }
}

/// A valid ICE (a multiple of 97 on 15 digits).
pub fn ice(n: u64) -> String {
    format!("{:015}", 1_000_000_000 * 97 + n * 97)
}

/// Records enterprise `n` in `region` and opens a case for it; the case id.
pub async fn open_case(d: &Device, n: u64, region: &str, title: &str) -> String {
    let s = d.store();
    s.add_enterprise(
        NewEnterprise::parse(&format!("Entreprise {n}"), &ice(n), region, None, None)
            .expect("enterprise"),
    )
    .await
    .expect("add enterprise");
    s.new_case(NewCase::parse(&ice(n), "blocked_benefit", title, "Détails").expect("case"))
        .await
        .expect("new case")
        .id
        .to_string()
}
