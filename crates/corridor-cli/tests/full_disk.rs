//! A full disk during a write: the real `corridor` binary run under a file size limit
//! (`ulimit -f`, with the signal the kernel sends past it ignored, so that writes fail with
//! "file too large" as they fail with "no space left" on a full disk). A large import and an
//! attachment are refused with a clear error (`disk_full`); nothing of them is written, nothing
//! recorded before is damaged, no partial file is left; with room again, the same commands
//! succeed.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{initialised, new_case, ok, PASS};

/// `corridor` with files limited to `limit_kib` KiB (bash's `ulimit -f` unit).
fn corridor_limited(dir: &Path, limit_kib: u64, args: &[&str]) -> Output {
    Command::new("bash")
        .arg("-c")
        .arg(format!(
            "trap '' XFSZ; ulimit -f {limit_kib} && exec \"$0\" \"$@\""
        ))
        .arg(env!("CARGO_BIN_EXE_corridor"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("CORRIDOR_PASSPHRASE", PASS)
        .output()
        .expect("run corridor under a file size limit")
}

fn json_code(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let v: serde_json::Value =
        serde_json::from_str(stderr.trim()).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    v["code"].as_str().expect("code").to_owned()
}

fn enterprises(dir: &Path) -> usize {
    let out = ok(common::corridor(dir, &["enterprise", "list", "--json"]));
    serde_json::from_str::<serde_json::Value>(&out)
        .expect("json")
        .as_array()
        .expect("list")
        .len()
}

/// A CSV of `n` valid enterprises (ICEs that are multiples of 97).
fn csv(n: u64) -> String {
    let mut out = String::from("name,ice,region,city\n");
    for i in 1..=n {
        let ice = format!("{:015}", 3_000_000_000 * 97 + i * 97);
        out.push_str(&format!(
            "Entreprise importée numéro {i} avec un nom assez long,{ice},MA-06,Casablanca\n"
        ));
    }
    out
}

fn file_names(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_full_disk_refuses_the_write_and_damages_nothing() {
    let dir = initialised();
    let reference = new_case(
        dir.path(),
        "001561191000066",
        "e_services",
        "Accès Damancom",
    );
    let before = enterprises(dir.path());
    let db = dir.path().join("corridor.db");
    let size_kib = std::fs::metadata(&db).expect("database").len() / 1024;
    // Room for a few pages more than the database holds now, not for thousands of records.
    let limit = size_kib + 16;

    let work = tempfile::tempdir().expect("tempdir");
    let import = work.path().join("entreprises.csv");
    std::fs::write(&import, csv(4_000)).expect("csv");
    let import = import.to_str().expect("path");
    let out = corridor_limited(
        dir.path(),
        limit,
        &["enterprise", "import", import, "--json"],
    );
    assert!(!out.status.success(), "the import cannot fit");
    assert_eq!(json_code(&out), "disk_full");
    let out = corridor_limited(dir.path(), limit, &["enterprise", "import", import]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("disque de ce poste est plein"), "{said}");
    assert!(said.contains("rien n'a été enregistré"), "{said}");
    // Nothing of it was written, what was there is intact, no journal is left behind.
    assert_eq!(enterprises(dir.path()), before);
    let shown = ok(common::corridor(dir.path(), &["case", "show", &reference]));
    assert!(shown.contains("Accès Damancom"), "{shown}");
    assert!(
        !file_names(dir.path())
            .iter()
            .any(|f| f.ends_with("-journal")),
        "{:?}",
        file_names(dir.path())
    );

    // An attachment larger than the room left: refused, no sealed file left half-written.
    let big = work.path().join("releve.pdf");
    std::fs::write(&big, vec![0x5au8; 3 * 1024 * 1024]).expect("file");
    let out = corridor_limited(
        dir.path(),
        limit,
        &[
            "case",
            "attach",
            &reference,
            big.to_str().expect("path"),
            "--json",
        ],
    );
    assert!(!out.status.success());
    assert_eq!(json_code(&out), "disk_full");
    assert!(
        file_names(&dir.path().join("attachments")).is_empty(),
        "{:?}",
        file_names(&dir.path().join("attachments"))
    );
    let shown = ok(common::corridor(
        dir.path(),
        &["case", "show", &reference, "--json"],
    ));
    let v: serde_json::Value = serde_json::from_str(&shown).expect("json");
    assert_eq!(v["attachments"].as_array().map(Vec::len), Some(0), "{v}");

    // With room again, the same commands go through.
    ok(common::corridor(
        dir.path(),
        &["enterprise", "import", import],
    ));
    assert_eq!(enterprises(dir.path()), before + 4_000);
    ok(common::corridor(
        dir.path(),
        &["case", "attach", &reference, big.to_str().expect("path")],
    ));
}
