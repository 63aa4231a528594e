//! Accounts end to end: the real server binary's admin commands, the real `corridor` CLI
//! logging in from a fresh encrypted store, and revocation seen by the device.

use std::path::Path;
use std::process::Output;

use corridor_e2e::devices::{admin, Device, World, PASSWORD};
use corridor_e2e::ServerProcess;

fn corridor(data: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    corridor_e2e::cli(data, "phrase de passe e2e", args, env)
}

fn text(o: &Output) -> String {
    corridor_e2e::output_text(o)
}

#[tokio::test]
async fn a_user_logs_in_from_the_cli_and_a_revoked_device_is_told() {
    let work = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite:{}", work.path().join("server.db").display());
    let out = admin(
        &db,
        work.path(),
        &[
            "user",
            "add",
            "--username",
            "k.alaoui",
            "--role",
            "cgem_officer",
            "--regions",
            "MA-06,MA-04",
            "--password-stdin",
        ],
        Some("un mot de passe solide\n"),
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = admin(
        &db,
        work.path(),
        &[
            "user",
            "add",
            "--username",
            "x",
            "--role",
            "cnss_rep",
            "--password-stdin",
        ],
        Some("un mot de passe solide\n"),
    );
    assert!(!out.status.success(), "a representative needs a region");
    let out = admin(&db, work.path(), &["user", "list"], None);
    assert!(
        text(&out).contains("k.alaoui") && text(&out).contains("MA-06,MA-04"),
        "{}",
        text(&out)
    );

    let server = ServerProcess::start(&db, work.path());
    let data = tempfile::tempdir().expect("tempdir");
    assert!(corridor(data.path(), &["init"], &[]).status.success());

    let bad = corridor(
        data.path(),
        &["login", "--server", &server.url, "--user", "k.alaoui"],
        &[("CORRIDOR_PASSWORD", "pas le bon")],
    );
    assert!(!bad.status.success());
    assert!(
        text(&bad).contains("Identifiant ou mot de passe incorrect"),
        "{}",
        text(&bad)
    );

    let ok = corridor(
        data.path(),
        &["login", "--server", &server.url, "--user", "k.alaoui"],
        &[("CORRIDOR_PASSWORD", "un mot de passe solide")],
    );
    assert!(ok.status.success(), "{}", text(&ok));
    assert!(!text(&ok).contains("cor_"), "the token is never printed");
    for entry in std::fs::read_dir(data.path()).expect("dir") {
        let bytes = std::fs::read(entry.expect("entry").path()).unwrap_or_default();
        assert!(
            !bytes.windows(4).any(|w| w == b"cor_"),
            "no token in clear on disk"
        );
    }
    let who = corridor(data.path(), &["whoami", "--json"], &[]);
    let me: serde_json::Value = serde_json::from_slice(&who.stdout).expect("json");
    assert_eq!(me["username"], "k.alaoui");
    assert_eq!(me["regions"], serde_json::json!(["MA-06", "MA-04"]));

    // The administrator revokes the device; its next request is refused with the reason.
    let devices = text(&admin(&db, work.path(), &["device", "list"], None));
    let device_id = devices
        .split_whitespace()
        .next()
        .expect("a device")
        .to_owned();
    assert!(
        admin(&db, work.path(), &["device", "revoke", &device_id], None)
            .status
            .success()
    );
    let who = corridor(data.path(), &["whoami"], &[]);
    assert!(!who.status.success());
    assert!(text(&who).contains("révoqué"), "{}", text(&who));
}

/// Sign-out ends the token on the server; a device revoked while signed out is wiped by its
/// next sign-in; its user needs a new password from the administrator; a disabled account is
/// refused and enabled again. The real server binary and its admin commands, on both engines.
async fn sign_out_revocation_and_accounts(postgres: bool) {
    let w = World::new(postgres).await;
    w.user("n.chraibi", "cgem_officer", "MA-06");
    let mut d = Device::login(&w.server.url, "n.chraibi").await;
    let token = d.token().await;
    let http = reqwest::Client::new();
    let me = |token: String| {
        let http = http.clone();
        let url = format!("{}/v1/me", w.server.url);
        async move {
            http.get(url)
                .bearer_auth(token)
                .send()
                .await
                .expect("me")
                .status()
        }
    };
    assert_eq!(me(token.clone()).await, 200);
    let out = d.sign_out().await.expect("sign out");
    assert!(out.was_signed_in && out.server_told);
    assert_eq!(me(token).await, 401, "the server no longer takes the token");
    assert!(d.store().session().await.expect("session").is_none());

    // Revoked while signed out: the next sign-in hears it and wipes the device.
    let listed = w.admin(&["device", "list"]);
    let device_id = listed.split_whitespace().next().expect("device").to_owned();
    assert!(w
        .admin(&["device", "revoke", &device_id])
        .contains("new password"));
    let dir = d.dir.path().to_owned();
    let err = d
        .try_sign_in(&w.server.url, PASSWORD)
        .await
        .expect_err("revoked");
    assert!(matches!(err, corridor_sync::SyncError::Revoked), "{err}");
    assert!(d.store.is_none(), "the store is gone");
    assert!(
        !dir.join(corridor_store::DATABASE_FILE).exists(),
        "the database file is wiped"
    );

    // Another device of the same user: a new password first.
    let mut laptop = Device::unsigned("n.chraibi").await;
    let err = laptop
        .try_sign_in(&w.server.url, PASSWORD)
        .await
        .expect_err("new password required");
    assert_eq!(err.code(), "password_reset_required", "{err}");
    assert!(w.admin(&["user", "list"]).contains("new password required"));
    let out = admin(
        &w.db,
        w.work.path(),
        &[
            "user",
            "password",
            "--username",
            "n.chraibi",
            "--password-stdin",
        ],
        Some("le nouveau mot de passe\n"),
    );
    assert!(out.status.success(), "{}", text(&out));
    laptop
        .try_sign_in(&w.server.url, "le nouveau mot de passe")
        .await
        .expect("signed in with the new password");

    // Disabled: the session is refused (not wiped: the data stays), then enabled again.
    w.admin(&["user", "disable", "--username", "n.chraibi"]);
    let err = laptop.sync().await.expect_err("disabled");
    assert_eq!(err.code(), "account_disabled", "{err}");
    assert!(
        laptop.store.is_some(),
        "a disabled account keeps its device's data"
    );
    w.admin(&["user", "enable", "--username", "n.chraibi"]);
    laptop.sync().await.expect("sync once enabled");
    let bad = admin(
        &w.db,
        w.work.path(),
        &["user", "disable", "--username", "personne"],
        None,
    );
    assert!(!bad.status.success());
    w.finish().await;
}

#[tokio::test]
async fn sign_out_revocation_and_accounts_on_sqlite() {
    sign_out_revocation_and_accounts(false).await;
}

#[tokio::test]
async fn sign_out_revocation_and_accounts_on_postgres() {
    sign_out_revocation_and_accounts(true).await;
}
