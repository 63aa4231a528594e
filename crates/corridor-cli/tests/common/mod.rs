//! What the CLI's tests share: running the `corridor` binary on a store of its own, a store
//! with one enterprise, a case opened through the CLI, and the `{code, message}` of a failure.

#![allow(dead_code, reason = "each test file uses some of these")]

use std::path::Path;
use std::process::{Command, Output};

pub const PASS: &str = "phrase de passe de test";

pub fn corridor(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_corridor"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("CORRIDOR_PASSPHRASE", PASS)
        .output()
        .expect("run corridor")
}

pub fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "command failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

pub fn initialised() -> tempfile::TempDir {
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

/// Opens a case through the CLI and returns its reference.
pub fn new_case(dir: &Path, ice: &str, category: &str, title: &str) -> String {
    let out = ok(corridor(
        dir,
        &[
            "case",
            "new",
            "--ice",
            ice,
            "--category",
            category,
            "--title",
            title,
            "--json",
        ],
    ));
    serde_json::from_str::<serde_json::Value>(&out).expect("json")["reference"]
        .as_str()
        .expect("reference")
        .to_owned()
}
/// The `{code, message}` object a failed command printed on stderr under `--json`.
pub fn json_error(out: &Output) -> serde_json::Value {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let v: serde_json::Value =
        serde_json::from_str(stderr.trim()).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    assert_eq!(
        v.as_object().map(|o| o.len()),
        Some(2),
        "only code and message: {v}"
    );
    v
}
