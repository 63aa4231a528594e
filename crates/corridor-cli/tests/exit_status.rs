//! What a failed `corridor` command says and the status it exits with, per kind of failure.

use corridor_testkit::{assert_unchanged, snapshot};
use std::process::Command;

mod common;
use common::{corridor, initialised, json_error, new_case, ok, PASS};

#[test]
fn a_refused_input_under_json_is_a_code_and_message_with_status_3() {
    let dir = initialised();
    let r = new_case(dir.path(), "001561191000066", "other", "T");
    let before = snapshot(dir.path());
    let out = corridor(
        dir.path(),
        &[
            "enterprise",
            "add",
            "--name",
            "X",
            "--ice",
            "001561191000067",
            "--region",
            "MA-06",
            "--json",
        ],
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(out.stdout.is_empty());
    let e = json_error(&out);
    assert_eq!(e["code"], "invalid_ice");
    assert!(
        e["message"]
            .as_str()
            .expect("message")
            .contains("ICE « 001561191000067 » invalide"),
        "{e}"
    );
    for (args, code) in [
        (vec!["case", "edit", &r, "--json"], "nothing_to_change"),
        (
            vec!["case", "transition", &r, "--to", "closed", "--json"],
            "forbidden_transition",
        ),
        (
            vec!["case", "show", "COR-2026-06-9999", "--json"],
            "unknown_case",
        ),
    ] {
        let out = corridor(dir.path(), &args);
        assert_eq!(out.status.code(), Some(3), "{args:?}");
        assert_eq!(json_error(&out)["code"], code, "{args:?}");
    }
    // Without --json: the French line, same status.
    let out = corridor(dir.path(), &["case", "edit", &r]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("erreur : Rien à modifier"));
    assert_unchanged(&before, &snapshot(dir.path()));
}

#[test]
fn a_wrong_passphrase_exits_4_with_its_code() {
    let dir = initialised();
    let before = snapshot(dir.path());
    let run = |json: bool| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_corridor"));
        cmd.arg("--data-dir")
            .arg(dir.path())
            .args(["case", "list"])
            .env("CORRIDOR_PASSPHRASE", "pas la bonne phrase");
        if json {
            cmd.arg("--json");
        }
        cmd.output().expect("run")
    };
    let out = run(true);
    assert_eq!(out.status.code(), Some(4));
    assert!(out.stdout.is_empty());
    let e = json_error(&out);
    assert_eq!(e["code"], "wrong_passphrase");
    assert!(e["message"]
        .as_str()
        .expect("message")
        .starts_with("Phrase de passe incorrecte"));
    let out = run(false);
    assert_eq!(out.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("erreur : Phrase de passe incorrecte"));
    let empty = tempfile::tempdir().expect("tempdir");
    let out = corridor(empty.path(), &["case", "list", "--json"]);
    assert_eq!(out.status.code(), Some(4));
    assert_eq!(json_error(&out)["code"], "not_initialized");
    assert_unchanged(&before, &snapshot(dir.path()));
}

#[test]
fn no_session_or_an_unreachable_server_exits_5() {
    let dir = initialised();
    let out = corridor(dir.path(), &["sync", "--json"]);
    assert_eq!(out.status.code(), Some(5));
    assert_eq!(json_error(&out)["code"], "not_logged_in");
    let out = corridor(dir.path(), &["whoami"]);
    assert_eq!(out.status.code(), Some(5));
    assert!(String::from_utf8_lossy(&out.stderr).contains("corridor login"));
    // Port 9 (discard) has no listener here: the connection is refused at once.
    let out = Command::new(env!("CARGO_BIN_EXE_corridor"))
        .arg("--data-dir")
        .arg(dir.path())
        .args([
            "login",
            "--server",
            "http://127.0.0.1:9",
            "--user",
            "k.alaoui",
            "--json",
        ])
        .env("CORRIDOR_PASSPHRASE", PASS)
        .env("CORRIDOR_PASSWORD", "un mot de passe")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(5));
    let e = json_error(&out);
    assert_eq!(e["code"], "server_unreachable");
    assert!(e["message"]
        .as_str()
        .expect("message")
        .starts_with("Le serveur Corridor ne répond pas"));
    let out = corridor(dir.path(), &["ping", "--server", "http://127.0.0.1:9"]);
    assert_eq!(out.status.code(), Some(5));
}

#[test]
fn usage_errors_keep_status_2_and_help_lists_the_statuses() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = corridor(dir.path(), &["case", "frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
    let help = ok(corridor(dir.path(), &["--help"]));
    for line in ["Exit status:", "  3  ", "  4  ", "  5  "] {
        assert!(help.contains(line), "{line}: {help}");
    }
}

/// No passphrase and no keyring to hold the key (no D-Bus session answering): the store is not
/// created, the error says how to protect it instead, and the status is the store's (4).
#[test]
fn without_a_keyring_or_a_passphrase_no_store_is_created() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_corridor"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["init", "--json"])
        .env_remove("CORRIDOR_PASSPHRASE")
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            format!("unix:path={}", dir.path().join("no-bus").display()),
        )
        .output()
        .expect("run corridor");
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let e = json_error(&out);
    assert_eq!(e["code"], "keyring_unavailable", "{e}");
    assert!(
        e["message"]
            .as_str()
            .expect("message")
            .contains("phrase de passe"),
        "{e}"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("dir").count(),
        0,
        "nothing written"
    );
}
