//! The `corridor` binary end to end on a real encrypted store: cases, their workflow,
//! attachments, tags, the passphrase, JSON output, printing text from others.

use corridor_testkit::{assert_unchanged, snapshot};
use std::process::Command;

mod common;
use common::{corridor, initialised, new_case, ok, PASS};

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

#[test]
fn a_case_is_worked_from_the_command_line_and_shown_with_its_timeline() {
    let dir = initialised();
    let created: serde_json::Value = serde_json::from_str(&ok(corridor(
        dir.path(),
        &[
            "case",
            "new",
            "--ice",
            "001561191000066",
            "--category",
            "debt_schedule",
            "--title",
            "Échéancier 36 mois",
            "--json",
        ],
    )))
    .expect("json");
    let r = created["reference"].as_str().expect("reference").to_owned();
    ok(corridor(
        dir.path(),
        &["case", "transition", &r, "--to", "submitted"],
    ));
    ok(corridor(
        dir.path(),
        &["case", "assign", &r, "--cnss", "r.bennani"],
    ));
    ok(corridor(
        dir.path(),
        &[
            "case",
            "edit",
            &r,
            "--amount",
            "48 000,50",
            "--priority",
            "high",
        ],
    ));
    ok(corridor(
        dir.path(),
        &[
            "case",
            "note",
            &r,
            "--text",
            "Relevé de compte transmis",
            "--visibility",
            "cgem",
        ],
    ));

    let shown: serde_json::Value =
        serde_json::from_str(&ok(corridor(dir.path(), &["case", "show", &r, "--json"])))
            .expect("json");
    assert_eq!(shown["status"], "submitted");
    assert_eq!(shown["cnss_assignee"], "r.bennani");
    assert_eq!(shown["amount_centimes"], 4_800_050);
    assert_eq!(shown["priority"], "high");
    let kinds: Vec<&str> = shown["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .map(|e| e["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(
        kinds,
        ["created", "status_changed", "assigned", "edited", "note"]
    );

    let human = ok(corridor(dir.path(), &["case", "show", &r]));
    assert!(human.contains("48\u{202f}000,50 MAD"), "{human}");
    assert!(
        human.contains("Note (Interne CGEM) : Relevé de compte transmis"),
        "{human}"
    );

    let found: serde_json::Value = serde_json::from_str(&ok(corridor(
        dir.path(),
        &["search", "releve compte", "--json"],
    )))
    .expect("json");
    assert_eq!(
        found[0]["case"]["reference"],
        r.as_str(),
        "notes are searchable without accents"
    );

    let filtered: serde_json::Value = serde_json::from_str(&ok(corridor(
        dir.path(),
        &[
            "case",
            "list",
            "--status",
            "submitted",
            "--priority",
            "high",
            "--json",
        ],
    )))
    .expect("json");
    assert_eq!(filtered.as_array().map(Vec::len), Some(1));
    assert_eq!(
        shown["sla"]["response"]["state"], "on_time",
        "submitted just now"
    );
    assert_eq!(shown["sla"]["resolution"]["state"], "on_time");
    let ok_sla: serde_json::Value = serde_json::from_str(&ok(corridor(
        dir.path(),
        &["case", "list", "--sla", "ok", "--json"],
    )))
    .expect("json");
    assert_eq!(ok_sla.as_array().map(Vec::len), Some(1));
    let breached: serde_json::Value = serde_json::from_str(&ok(corridor(
        dir.path(),
        &["case", "list", "--sla", "breached", "--json"],
    )))
    .expect("json");
    assert_eq!(breached.as_array().map(Vec::len), Some(0));
    let none: serde_json::Value = serde_json::from_str(&ok(corridor(
        dir.path(),
        &["case", "list", "--region", "MA-01", "--json"],
    )))
    .expect("json");
    assert_eq!(none.as_array().map(Vec::len), Some(0));
}

#[test]
fn refused_workflow_steps_and_bad_codes_change_no_file() {
    let dir = initialised();
    let r = new_case(dir.path(), "001561191000066", "other", "T");
    let before = snapshot(dir.path());
    for (args, expected) in [
        (
            vec!["case", "transition", &r, "--to", "closed"],
            "Passage interdit de « Brouillon » à « Clôturé »",
        ),
        (
            vec!["case", "transition", &r, "--to", "finished"],
            "Statut « finished » inconnu",
        ),
        (
            vec!["case", "list", "--region", "MA-13"],
            "Région « MA-13 » inconnue",
        ),
        (
            vec!["case", "edit", &r, "--amount", "douze"],
            "Montant « douze » invalide",
        ),
        (
            vec!["case", "note", &r, "--text", "x", "--visibility", "public"],
            "Valeur « public » inconnue",
        ),
        (
            vec!["case", "show", "COR-2026-06-9999"],
            "Aucun dossier « COR-2026-06-9999 »",
        ),
    ] {
        let out = corridor(dir.path(), &args);
        assert!(!out.status.success(), "{args:?} must fail");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    assert_unchanged(&before, &snapshot(dir.path()));
}

#[test]
fn attachments_round_trip_and_oversize_files_are_refused() {
    let dir = initialised();
    let r = new_case(dir.path(), "001561191000066", "other", "T");
    let files = tempfile::tempdir().expect("tempdir");
    let src = files.path().join("relevé.pdf");
    std::fs::write(&src, b"%PDF-1.4 contenu").expect("write");
    let a: serde_json::Value = serde_json::from_str(&ok(corridor(
        dir.path(),
        &["case", "attach", &r, src.to_str().expect("path"), "--json"],
    )))
    .expect("json");
    let hash = a["hash"].as_str().expect("hash");
    let dst = files.path().join("copie.pdf");
    ok(corridor(
        dir.path(),
        &[
            "case",
            "attachment",
            &r,
            hash,
            "--out",
            dst.to_str().expect("path"),
        ],
    ));
    assert_eq!(std::fs::read(&dst).expect("read"), b"%PDF-1.4 contenu");
    let shown: serde_json::Value =
        serde_json::from_str(&ok(corridor(dir.path(), &["case", "show", &r, "--json"])))
            .expect("json");
    assert_eq!(shown["attachments"][0]["name"], "relevé.pdf");

    let big = files.path().join("gros.bin");
    let f = std::fs::File::create(&big).expect("create");
    f.set_len(26 * 1024 * 1024).expect("sparse 26 MB");
    let before = snapshot(dir.path());
    let out = corridor(
        dir.path(),
        &["case", "attach", &r, big.to_str().expect("path")],
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("« gros.bin » est trop volumineux (26 Mo)")
    );
    assert_unchanged(&before, &snapshot(dir.path()));
}

#[test]
fn the_passphrase_changes_and_the_old_one_stops_working() {
    let dir = initialised();
    let out = Command::new(env!("CARGO_BIN_EXE_corridor"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["passphrase", "change"])
        .env("CORRIDOR_PASSPHRASE", PASS)
        .env("CORRIDOR_NEW_PASSPHRASE", "une toute nouvelle phrase")
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let old = corridor(dir.path(), &["enterprise", "list"]);
    assert!(String::from_utf8_lossy(&old.stderr).contains("Phrase de passe incorrecte"));
    let new = Command::new(env!("CARGO_BIN_EXE_corridor"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["enterprise", "list"])
        .env("CORRIDOR_PASSPHRASE", "une toute nouvelle phrase")
        .output()
        .expect("run");
    assert!(String::from_utf8_lossy(&new.stdout).contains("Atlas Textile"));
}

#[test]
fn every_command_takes_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let init: serde_json::Value =
        serde_json::from_str(&ok(corridor(dir.path(), &["--json", "init"]))).expect("json");
    assert_eq!(init["protection"], "passphrase");
    // Each answer as JSON: an empty list, or an object with the field that says what happened.
    for (args, field) in [
        (vec!["meeting", "list", "--json"], None),
        (vec!["roadmap", "list", "--json"], None),
        (vec!["logout", "--json"], Some("logged_out")),
        (vec!["outbox", "--json"], None),
        (vec!["case", "stats", "--json"], Some("by_status")),
    ] {
        let out = ok(corridor(dir.path(), &args));
        let v: serde_json::Value =
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"));
        match field {
            None => assert_eq!(v, serde_json::json!([]), "{args:?}"),
            Some(f) => assert!(v.get(f).is_some(), "{args:?}: {v}"),
        }
    }
    let logout: serde_json::Value =
        serde_json::from_str(&ok(corridor(dir.path(), &["logout", "--json"]))).expect("json");
    assert_eq!(logout["logged_out"], false, "no session to end");
}

#[test]
fn cases_are_tagged_and_filtered_by_tag() {
    let dir = initialised();
    let r = new_case(dir.path(), "001561191000066", "other", "T");
    ok(corridor(
        dir.path(),
        &[
            "case",
            "tag",
            &r,
            "--add",
            "Ramadan",
            "--add",
            "prioritaire",
        ],
    ));
    ok(corridor(
        dir.path(),
        &["case", "tag", &r, "--remove", "prioritaire"],
    ));
    let shown: serde_json::Value =
        serde_json::from_str(&ok(corridor(dir.path(), &["case", "show", &r, "--json"])))
            .expect("json");
    assert_eq!(shown["tags"], serde_json::json!(["ramadan"]));
    let kinds: Vec<&str> = shown["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .map(|e| e["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(kinds, ["created", "tagged", "tagged"]);
    let tagged: serde_json::Value = serde_json::from_str(&ok(corridor(
        dir.path(),
        &["case", "list", "--tag", "RAMADAN", "--json"],
    )))
    .expect("json");
    assert_eq!(tagged.as_array().map(Vec::len), Some(1));
    let none: serde_json::Value = serde_json::from_str(&ok(corridor(
        dir.path(),
        &["case", "list", "--tag", "prioritaire", "--json"],
    )))
    .expect("json");
    assert_eq!(none.as_array().map(Vec::len), Some(0));
    let before = snapshot(dir.path());
    let bad = corridor(dir.path(), &["case", "tag", &r, "--add", "a,b"]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("Étiquette « a,b » invalide"));
    let same = corridor(dir.path(), &["case", "tag", &r, "--add", "ramadan"]);
    assert!(String::from_utf8_lossy(&same.stderr).contains("Aucune modification"));
    assert_unchanged(&before, &snapshot(dir.path()));
}

#[test]
fn text_from_others_is_printed_without_control_characters() {
    let dir = initialised();
    let title = "Titre\x1b]0;piraté\x07\x1b[2J caché\rfin";
    let r = new_case(dir.path(), "001561191000066", "other", title);
    ok(corridor(
        dir.path(),
        &["case", "note", &r, "--text", "ligne 1\nligne\t2\x1b[31m"],
    ));
    let list = ok(corridor(dir.path(), &["case", "list"]));
    assert!(list.contains("Titre]0;piraté[2J cachéfin"), "{list:?}");
    let shown = ok(corridor(dir.path(), &["case", "show", &r]));
    assert!(!shown.contains(['\x1b', '\x07', '\r']), "{shown:?}");
    assert!(shown.contains("ligne 1\nligne\t2[31m"), "{shown:?}");
    // JSON keeps the text as stored (escaped).
    let json: serde_json::Value =
        serde_json::from_str(&ok(corridor(dir.path(), &["case", "show", &r, "--json"])))
            .expect("json");
    assert_eq!(json["title"], title);
}
