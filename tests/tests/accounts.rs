//! Accounts end to end: the real server binary's admin commands, the real `corridor` CLI
//! logging in from a fresh encrypted store, and revocation seen by the device.

use std::path::Path;
use std::process::{Command, Output};

use corridor_e2e::devices::admin;
use corridor_e2e::{binary, ServerProcess};

fn corridor(data: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(binary("corridor-cli", "corridor"));
    cmd.arg("--data-dir")
        .arg(data)
        .args(args)
        .env("CORRIDOR_PASSPHRASE", "phrase de passe e2e");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("corridor")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
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
