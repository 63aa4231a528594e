//! The `corridor` binary end to end on a real encrypted store.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const PASS: &str = "phrase de passe de test";

fn corridor(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_corridor"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("CORRIDOR_PASSPHRASE", PASS)
        .output()
        .expect("run corridor")
}

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "command failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| {
            let p = e.expect("entry").path();
            (p.clone(), std::fs::read(p).expect("read"))
        })
        .collect()
}

/// Asserts that no file was added, removed or changed (naming the ones that were).
fn assert_unchanged(before: &BTreeMap<PathBuf, Vec<u8>>, after: &BTreeMap<PathBuf, Vec<u8>>) {
    let changed: Vec<_> = before
        .keys()
        .chain(after.keys())
        .filter(|k| before.get(*k) != after.get(*k))
        .collect();
    assert!(changed.is_empty(), "files changed: {changed:?}");
}

fn initialised() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    ok(corridor(dir.path(), &["init"]));
    ok(corridor(
        dir.path(),
        &[
            "enterprise",
            "add",
            "--name",
            "Atlas Textile",
            "--ice",
            "001561191000066",
            "--region",
            "MA-06",
            "--cnss",
            "1234567",
        ],
    ));
    dir
}

#[test]
fn a_case_created_on_the_command_line_is_listed_as_json() {
    let dir = initialised();
    let created: serde_json::Value = serde_json::from_str(&ok(corridor(
        dir.path(),
        &[
            "case",
            "new",
            "--ice",
            "001561191000066",
            "--category",
            "e_services",
            "--title",
            "Erreur EDI Damancom",
            "--json",
        ],
    )))
    .expect("json");
    let list: serde_json::Value =
        serde_json::from_str(&ok(corridor(dir.path(), &["case", "list", "--json"]))).expect("json");
    let list = list.as_array().expect("array");
    assert_eq!(list.len(), 1);
    let c = &list[0];
    assert_eq!(c["id"], created["id"]);
    assert_eq!(c["title"], "Erreur EDI Damancom");
    assert_eq!(c["status"], "draft");
    assert_eq!(c["region"], "MA-06");
    assert_eq!(c["category"], "e_services");
    assert!(c["reference"]
        .as_str()
        .expect("reference")
        .starts_with("COR-"));
}

#[test]
fn an_invalid_ice_is_refused_in_french_and_writes_nothing() {
    let dir = initialised();
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
        ],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("ICE « 001561191000067 » invalide"),
        "{stderr}"
    );
    let out = corridor(
        dir.path(),
        &[
            "case",
            "new",
            "--ice",
            "00156119100006",
            "--category",
            "other",
            "--title",
            "T",
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("00156119100006"));
    assert_unchanged(&before, &snapshot(dir.path()));
}

#[test]
fn a_wrong_passphrase_fails_clearly_and_changes_no_file() {
    let dir = initialised();
    let before = snapshot(dir.path());
    let out = Command::new(env!("CARGO_BIN_EXE_corridor"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["case", "list"])
        .env("CORRIDOR_PASSPHRASE", "not the passphrase")
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Phrase de passe incorrecte"));
    assert!(out.stdout.is_empty());
    assert_unchanged(&before, &snapshot(dir.path()));
}

#[test]
fn unknown_codes_and_missing_stores_are_explained() {
    let dir = initialised();
    let out = corridor(
        dir.path(),
        &[
            "case",
            "new",
            "--ice",
            "001561191000066",
            "--category",
            "pension",
            "--title",
            "T",
        ],
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("Catégorie « pension » inconnue"));
    let empty = tempfile::tempdir().expect("tempdir");
    let out = corridor(empty.path(), &["case", "list"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("corridor init"));
}
