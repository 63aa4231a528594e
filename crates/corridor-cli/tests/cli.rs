//! The `corridor` binary end to end on a real encrypted store.

use corridor_testkit::{assert_unchanged, snapshot};
use std::path::Path;
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

/// Opens a case through the CLI and returns its reference.
fn new_case(dir: &Path, ice: &str, category: &str, title: &str) -> String {
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
fn enterprises_import_all_or_nothing_and_cases_export_to_csv() {
    let dir = initialised();
    let files = tempfile::tempdir().expect("tempdir");
    let bad = files.path().join("mauvais.csv");
    std::fs::write(
        &bad,
        "name;ice;cnss;rc;region;city;size\n\
         Souss Agro;002136093000040;;;MA-09;Agadir;ge\n\
         Rif Pêche;001561191000067;;;MA-01;Al Hoceïma;pme\n",
    )
    .expect("write");
    let before = snapshot(dir.path());
    let out = corridor(
        dir.path(),
        &["enterprise", "import", bad.to_str().expect("path")],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("Ligne 3 : ICE « 001561191000067 » invalide"),
        "{stderr}"
    );
    assert!(stderr.contains("Rien n'a été importé"), "{stderr}");
    assert_unchanged(&before, &snapshot(dir.path()));

    let good = files.path().join("bon.csv");
    std::fs::write(
        &good,
        "name,ice,cnss,rc,region,city,size\n\
         Souss Agro,002136093000040,,RC 55 Agadir,MA-09,Agadir,ge\n",
    )
    .expect("write");
    assert!(ok(corridor(
        dir.path(),
        &["enterprise", "import", good.to_str().expect("path")]
    ))
    .contains("1 entreprise"));
    let dup = corridor(
        dir.path(),
        &["enterprise", "import", good.to_str().expect("path")],
    );
    assert!(String::from_utf8_lossy(&dup.stderr)
        .contains("Ligne 2 : Une entreprise avec l'ICE 002136093000040 existe déjà"));

    let shown: serde_json::Value = serde_json::from_str(&ok(corridor(
        dir.path(),
        &["enterprise", "show", "002136093000040", "--json"],
    )))
    .expect("json");
    assert_eq!(shown["rc"], "RC 55 Agadir");
    assert_eq!(shown["size"], "ge");

    ok(corridor(
        dir.path(),
        &[
            "case",
            "new",
            "--ice",
            "002136093000040",
            "--category",
            "dispute",
            "--title",
            "Litige; « redressement »",
        ],
    ));
    let csv = files.path().join("dossiers.csv");
    ok(corridor(
        dir.path(),
        &[
            "export",
            "cases",
            "--format",
            "csv",
            "--out",
            csv.to_str().expect("path"),
        ],
    ));
    let text = std::fs::read_to_string(&csv).expect("csv");
    assert!(
        text.starts_with("\u{feff}Référence,Titre,Entreprise"),
        "{text}"
    );
    assert!(
        text.contains("\"Litige; « redressement »\"") || text.contains("Litige; « redressement »"),
        "{text}"
    );
    assert!(text.contains("MA-09 Souss-Massa"));

    let stats: serde_json::Value =
        serde_json::from_str(&ok(corridor(dir.path(), &["case", "stats", "--json"])))
            .expect("json");
    assert_eq!(stats["total"], 1);
    assert_eq!(stats["by_region"]["MA-09"], 1);
}

#[test]
fn contacts_are_validated() {
    let dir = initialised();
    let out = corridor(
        dir.path(),
        &[
            "enterprise",
            "add",
            "--name",
            "Fès Cuir",
            "--ice",
            "002136093000040",
            "--region",
            "MA-03",
            "--contact",
            "Karima Alaoui|Gérante|06 12 34|k@fescuir.ma",
        ],
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Numéro de téléphone « 06 12 34 » invalide")
    );
    ok(corridor(
        dir.path(),
        &[
            "enterprise",
            "add",
            "--name",
            "Fès Cuir",
            "--ice",
            "002136093000040",
            "--region",
            "MA-03",
            "--size",
            "tpe",
            "--cgem-member",
            "--contact",
            "Karima Alaoui|Gérante|06 12 34 56 78|K@FesCuir.ma",
        ],
    ));
    let shown: serde_json::Value = serde_json::from_str(&ok(corridor(
        dir.path(),
        &["enterprise", "show", "002136093000040", "--json"],
    )))
    .expect("json");
    assert_eq!(shown["contacts"][0]["phone"], "+212612345678");
    assert_eq!(shown["contacts"][0]["email"], "k@fescuir.ma");
    assert_eq!(shown["cgem_member"], true);
}

#[test]
fn an_enterprise_record_is_edited_and_a_bad_field_changes_nothing() {
    let dir = initialised();
    let before = snapshot(dir.path());
    let out = corridor(
        dir.path(),
        &[
            "enterprise",
            "edit",
            "001561191000066",
            "--city",
            "Mohammedia",
            "--contact",
            "Samir Tazi|DRH|06 1|s@atlas.ma",
        ],
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Numéro de téléphone « 06 1 » invalide"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_unchanged(&before, &snapshot(dir.path()));
    let out = corridor(
        dir.path(),
        &["enterprise", "edit", "001561191000067", "--city", "X"],
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("ICE"));

    ok(corridor(
        dir.path(),
        &[
            "enterprise",
            "edit",
            "001561191000066",
            "--name",
            "Atlas Textile SA",
            "--city",
            "Mohammedia",
            "--cgem-member",
            "true",
            "--contact",
            "Samir Tazi|DRH|06 61 22 33 44|s@atlas.ma",
        ],
    ));
    let shown: serde_json::Value = serde_json::from_str(&ok(corridor(
        dir.path(),
        &["enterprise", "show", "001561191000066", "--json"],
    )))
    .expect("json");
    assert_eq!(shown["name"], "Atlas Textile SA");
    assert_eq!(shown["city"], "Mohammedia");
    assert_eq!(shown["cnss"], "1234567", "a field not given stays");
    assert_eq!(shown["cgem_member"], true);
    assert_eq!(shown["contacts"][0]["phone"], "+212661223344");
    assert!(
        ok(corridor(dir.path(), &["outbox"])).contains("update_enterprise"),
        "the change waits for the next sync"
    );
    ok(corridor(
        dir.path(),
        &[
            "enterprise",
            "edit",
            "001561191000066",
            "--no-contacts",
            "--city",
            "",
        ],
    ));
    let shown: serde_json::Value = serde_json::from_str(&ok(corridor(
        dir.path(),
        &["enterprise", "show", "001561191000066", "--json"],
    )))
    .expect("json");
    assert_eq!(shown["contacts"], serde_json::json!([]));
    assert!(shown["city"].is_null(), "{shown}");
}

#[test]
fn a_meeting_is_prepared_held_and_recorded_from_the_command_line() {
    let dir = initialised();
    let r = new_case(
        dir.path(),
        "001561191000066",
        "blocked_benefit",
        "IJ bloquées",
    );
    let m: serde_json::Value = serde_json::from_str(&ok(corridor(
        dir.path(),
        &[
            "meeting",
            "new",
            "--region",
            "MA-06",
            "--at",
            "2026-12-03 10:00",
            "--title",
            "Réunion de décembre",
            "--json",
        ],
    )))
    .expect("json");
    let id = m["id"].as_str().expect("id").to_owned();
    assert_eq!(m["at"], "2026-12-03T09:00:00Z");
    ok(corridor(dir.path(), &["meeting", "add-case", &id, &r]));
    ok(corridor(
        dir.path(),
        &[
            "meeting",
            "decide",
            &id,
            &r,
            "--text",
            "Déblocage sous 10 jours",
        ],
    ));
    ok(corridor(
        dir.path(),
        &[
            "meeting",
            "action",
            &id,
            "--text",
            "Relancer l'agence",
            "--owner",
            "R. Bennani",
            "--due",
            "2026-12-10",
        ],
    ));
    let shown = ok(corridor(dir.path(), &["meeting", "show", &id]));
    assert!(
        shown.contains("03/12/2026 10:00"),
        "shown in Casablanca time: {shown}"
    );
    assert!(
        shown.contains("Décision : Déblocage sous 10 jours"),
        "{shown}"
    );
    let case = ok(corridor(dir.path(), &["case", "show", &r]));
    assert!(
        case.contains("Décision de réunion : Déblocage sous 10 jours"),
        "{case}"
    );

    let bad = corridor(
        dir.path(),
        &[
            "meeting",
            "new",
            "--region",
            "MA-06",
            "--at",
            "demain 10h",
            "--title",
            "X",
        ],
    );
    assert!(String::from_utf8_lossy(&bad.stderr).contains("Date et heure « demain 10h » invalides"));

    let item: serde_json::Value = serde_json::from_str(&ok(corridor(
        dir.path(),
        &[
            "roadmap",
            "add",
            "--title",
            "Dématérialisation des échéanciers",
            "--owner",
            "joint",
            "--json",
        ],
    )))
    .expect("json");
    let item_id = item["id"].as_str().expect("id").to_owned();
    let updated: serde_json::Value = serde_json::from_str(&ok(corridor(
        dir.path(),
        &[
            "roadmap",
            "update",
            &item_id,
            "--status",
            "in_progress",
            "--progress",
            "30",
            "--milestone",
            "Pilote Casablanca@2027-03-31",
            "--json",
        ],
    )))
    .expect("json");
    assert_eq!(updated["progress"], 30);
    assert_eq!(updated["milestones"][0]["due"], "2027-03-31");
    let bad = corridor(
        dir.path(),
        &["roadmap", "update", &item_id, "--progress", "130"],
    );
    assert!(String::from_utf8_lossy(&bad.stderr).contains("Avancement « 130 » invalide"));
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

/// The `{code, message}` object a failed command printed on stderr under `--json`.
fn json_error(out: &Output) -> serde_json::Value {
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
