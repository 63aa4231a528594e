//! `corridor enterprise …` end to end: import all or nothing, contacts, edits, export.

use corridor_testkit::{assert_unchanged, snapshot};

mod common;
use common::{corridor, initialised, ok};

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
