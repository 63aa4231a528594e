//! The store on real SQLCipher files in temporary directories.

use corridor_testkit::{assert_unchanged, snapshot};
use std::path::Path;

use corridor_model::api::NewCaseForm;
use corridor_model::{NewCase, NewEnterprise};
use corridor_store::{Passphrase, Protection, Store, StoreError, DATABASE_FILE};

const ICE: &str = "001561191000066";
const TITLE: &str = "Indemnités journalières bloquées ZQX-7731";

fn pass(s: &str) -> Option<Passphrase> {
    Some(Passphrase::new(s.to_owned()))
}

async fn store_with_a_case(dir: &Path) -> Store {
    let store = Store::create(dir, pass("correct horse battery"))
        .await
        .expect("create");
    store
        .add_enterprise(
            NewEnterprise::parse(
                "Atlas Textile SARL",
                ICE,
                "MA-06",
                Some("1234567"),
                Some("Casablanca"),
            )
            .expect("valid enterprise"),
        )
        .await
        .expect("add enterprise");
    store
        .new_case(
            NewCase::parse(ICE, "blocked_benefit", TITLE, "Dossier IJ maternité").expect("valid"),
        )
        .await
        .expect("new case");
    store
}

#[tokio::test]
async fn cases_survive_closing_and_reopening_with_the_passphrase() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = store_with_a_case(dir.path()).await;
    store.close().await;

    assert_eq!(
        Store::protection(dir.path()).expect("protection"),
        Some(Protection::Passphrase)
    );
    let store = Store::open(dir.path(), pass("correct horse battery"))
        .await
        .expect("reopen");
    let cases = store.list_cases().await.expect("list");
    assert_eq!(
        cases.len(),
        1,
        "the case written before closing is read back"
    );
    assert_eq!(cases[0].title, TITLE);
    assert_eq!(cases[0].enterprise_name, "Atlas Textile SARL");
    assert_eq!(cases[0].region.code(), "MA-06");
    assert!(
        cases[0].reference.contains("-06-P0001-"),
        "{}",
        cases[0].reference
    );
}

#[tokio::test]
async fn no_file_is_plain_sqlite_or_holds_case_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = store_with_a_case(dir.path()).await;
    // Check while open (WAL present) and after closing.
    for phase in ["open", "closed"] {
        for (path, bytes) in snapshot(dir.path()) {
            assert!(
                !bytes.starts_with(b"SQLite format 3\0"),
                "{phase}: {} starts with the SQLite header",
                path.display()
            );
            for needle in [
                TITLE.as_bytes(),
                b"ZQX-7731",
                b"Atlas Textile",
                ICE.as_bytes(),
            ] {
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle),
                    "{phase}: {} contains {:?} in clear",
                    path.display(),
                    String::from_utf8_lossy(needle)
                );
            }
        }
        if phase == "open" {
            store.clone().close().await;
        }
    }
}

#[tokio::test]
async fn a_wrong_passphrase_is_refused_and_changes_no_byte() {
    let dir = tempfile::tempdir().expect("tempdir");
    store_with_a_case(dir.path()).await.close().await;
    let before = snapshot(dir.path());

    let err = Store::open(dir.path(), pass("wrong horse battery"))
        .await
        .expect_err("wrong");
    assert!(matches!(err, StoreError::WrongPassphrase), "{err:?}");
    assert_eq!(err.code(), "wrong_passphrase");
    assert!(
        err.to_string().contains("Phrase de passe incorrecte"),
        "{err}"
    );

    let err = Store::open(dir.path(), None).await.expect_err("missing");
    assert_eq!(err.code(), "passphrase_required");

    assert_unchanged(&before, &snapshot(dir.path()));
}

#[tokio::test]
async fn an_invalid_ice_is_refused_naming_it_and_nothing_is_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = store_with_a_case(dir.path()).await;

    let err = NewEnterprise::parse("X", "001561191000067", "MA-06", None, None).expect_err("ice");
    assert!(err.to_string().contains("001561191000067"));

    // Through the form path (validation inside the store), the refusal writes nothing.
    let form = NewCaseForm {
        ice: "123456789012345".to_owned(),
        enterprise_name: "Nouvelle entreprise".to_owned(),
        region: "MA-04".to_owned(),
        category: "other".to_owned(),
        title: "Titre".to_owned(),
        description: String::new(),
        priority: String::new(),
        amount: String::new(),
    };
    let err = store
        .new_case_from_form(form)
        .await
        .expect_err("invalid ICE");
    assert_eq!(err.code(), "invalid_ice");
    assert!(err.to_string().contains("123456789012345"), "{err}");
    assert_eq!(store.list_cases().await.expect("list").len(), 1);
    assert_eq!(store.list_enterprises().await.expect("list").len(), 1);
}

#[tokio::test]
async fn a_form_for_a_new_enterprise_records_both_or_neither() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = store_with_a_case(dir.path()).await;
    let form = |region: &str| NewCaseForm {
        ice: "002136093000040".to_owned(),
        enterprise_name: "Souss Agro".to_owned(),
        region: region.to_owned(),
        category: "debt_schedule".to_owned(),
        title: "Échéancier de 36 mois".to_owned(),
        description: String::new(),
        priority: "high".to_owned(),
        amount: "36 000,00".to_owned(),
    };
    let err = store
        .new_case_from_form(NewCaseForm {
            amount: "trente-six mille".to_owned(),
            ..form("MA-09")
        })
        .await
        .expect_err("bad amount");
    assert_eq!(err.code(), "invalid_amount");
    assert_eq!(store.list_enterprises().await.expect("list").len(), 1);
    let err = store
        .new_case_from_form(form("MA-13"))
        .await
        .expect_err("bad region");
    assert_eq!(err.code(), "unknown_region");
    assert_eq!(
        store.list_enterprises().await.expect("list").len(),
        1,
        "no enterprise written"
    );

    let case = store.new_case_from_form(form("MA-09")).await.expect("ok");
    assert_eq!(case.enterprise_name, "Souss Agro");
    assert_eq!(case.priority, corridor_model::Priority::High);
    assert_eq!(case.amount_centimes, Some(3_600_000));
    assert!(case.reference.contains("-09-P0001-"), "{}", case.reference);
    assert_eq!(store.list_enterprises().await.expect("list").len(), 2);
    assert_eq!(store.list_cases().await.expect("list").len(), 2);
}

#[tokio::test]
async fn duplicates_and_unknown_enterprises_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = store_with_a_case(dir.path()).await;
    let again = NewEnterprise::parse("Autre nom", ICE, "MA-01", None, None).expect("valid");
    assert_eq!(
        store.add_enterprise(again).await.expect_err("dup").code(),
        "duplicate_ice"
    );

    let orphan = NewCase::parse("002136093000040", "other", "Titre", "").expect("valid");
    let err = store.new_case(orphan).await.expect_err("unknown");
    assert_eq!(err.code(), "unknown_enterprise");
    assert!(err.to_string().contains("002136093000040"));

    let second = NewCase::parse(ICE, "other", "Deuxième dossier", "").expect("valid");
    let case = store.new_case(second).await.expect("second case");
    assert!(
        case.reference.contains("-06-P0002-"),
        "sequence advances: {}",
        case.reference
    );
}

#[tokio::test]
async fn init_twice_is_refused_and_a_short_passphrase_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    store_with_a_case(dir.path()).await.close().await;
    let before = snapshot(dir.path());
    let err = Store::create(dir.path(), pass("another passphrase"))
        .await
        .expect_err("exists");
    assert_eq!(err.code(), "already_initialized");
    assert_unchanged(&before, &snapshot(dir.path()));

    let other = tempfile::tempdir().expect("tempdir");
    let err = Store::create(other.path(), pass("short"))
        .await
        .expect_err("short");
    assert_eq!(err.code(), "passphrase_too_short");
    assert!(snapshot(other.path()).is_empty(), "nothing left behind");
}

#[tokio::test]
async fn a_corrupt_database_is_reported_and_left_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    store_with_a_case(dir.path()).await.close().await;
    let db = dir.path().join(DATABASE_FILE);
    let mut bytes = std::fs::read(&db).expect("read");
    for b in bytes.iter_mut().take(4096) {
        *b ^= 0x5a;
    }
    std::fs::write(&db, &bytes).expect("corrupt");
    let before = snapshot(dir.path());

    let err = Store::open(dir.path(), pass("correct horse battery"))
        .await
        .expect_err("corrupt");
    assert_eq!(err.code(), "corrupt_database", "{err:?}");
    assert_unchanged(&before, &snapshot(dir.path()));
}

#[tokio::test]
async fn a_foreign_database_or_damaged_key_file_is_reported_and_left_alone() {
    // A plain SQLite database where Corridor's should be.
    let dir = tempfile::tempdir().expect("tempdir");
    store_with_a_case(dir.path()).await.close().await;
    let plain = tempfile::tempdir().expect("tempdir");
    {
        use sqlx::Connection;
        let url = format!("sqlite://{}?mode=rwc", plain.path().join("x.db").display());
        let mut c = sqlx::SqliteConnection::connect(&url)
            .await
            .expect("plain sqlite");
        sqlx::query("CREATE TABLE t (x)")
            .execute(&mut c)
            .await
            .expect("table");
        c.close().await.expect("close");
    }
    std::fs::copy(plain.path().join("x.db"), dir.path().join(DATABASE_FILE)).expect("swap in");
    let before = snapshot(dir.path());
    let err = Store::open(dir.path(), pass("correct horse battery"))
        .await
        .expect_err("foreign");
    assert_eq!(err.code(), "corrupt_database", "{err:?}");
    assert!(
        err.to_string()
            .contains("n'est pas un coffre Corridor lisible"),
        "{err}"
    );
    assert_unchanged(&before, &snapshot(dir.path()));

    // A key file that is not Corridor's.
    let dir = tempfile::tempdir().expect("tempdir");
    store_with_a_case(dir.path()).await.close().await;
    std::fs::write(
        dir.path().join("corridor-keys.json"),
        b"{\"format\": \"autre\"}",
    )
    .expect("damage");
    let before = snapshot(dir.path());
    let err = Store::open(dir.path(), pass("correct horse battery"))
        .await
        .expect_err("key file");
    assert_eq!(err.code(), "corrupt_key_file");
    let err = Store::create(dir.path(), pass("correct horse battery"))
        .await
        .expect_err("never overwritten");
    assert_eq!(err.code(), "corrupt_key_file");
    assert_unchanged(&before, &snapshot(dir.path()));
}

#[tokio::test]
async fn an_import_preview_lists_every_bad_line_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = store_with_a_case(dir.path()).await;
    let outbox = store.outbox().await.expect("outbox").len();
    let csv = "name;ice;region;city\n\
               Souss Agro;002136093000040;MA-09;Agadir\n\
               Clé fausse;001561191000067;MA-06;Casablanca\n\
               Déjà là;001561191000066;MA-06;Casablanca\n\
               Souss Agro bis;002136093000040;MA-09;Agadir\n\
               Région inconnue;000000000000097;MA-99;Nulle part\n";
    let preview = store.preview_enterprise_import(csv).await.expect("preview");
    let verdicts: Vec<(usize, bool)> = preview
        .lines
        .iter()
        .map(|l| (l.line, l.error.is_none()))
        .collect();
    assert_eq!(
        verdicts,
        [(2, true), (3, false), (4, false), (5, false), (6, false)]
    );
    assert_eq!(preview.errors, 4);
    let error = |line: usize| {
        preview.lines[line - 2]
            .error
            .clone()
            .expect("refused")
            .message
    };
    assert!(error(3).contains("clé de contrôle"), "{}", error(3));
    assert!(
        error(4).contains("001561191000066"),
        "already recorded: {}",
        error(4)
    );
    assert!(
        error(5).contains("ligne 2"),
        "duplicate in the file: {}",
        error(5)
    );
    // Each verdict carries its code and values, for the interface's translation.
    let coded = |line: usize| preview.lines[line - 2].error.clone().expect("refused");
    assert_eq!(coded(3).code, "invalid_ice");
    assert_eq!(coded(3).args["problem"], "checksum");
    assert_eq!(coded(4).code, "duplicate_ice");
    assert_eq!(coded(5).code, "duplicate_in_file");
    assert_eq!(coded(5).args["line"], "2");
    assert_eq!(coded(6).code, "unknown_region");
    assert_eq!(coded(6).args["value"], "MA-99");
    assert_eq!(preview.lines[0].name, "Souss Agro");
    assert_eq!(
        store.list_enterprises().await.expect("list").len(),
        1,
        "a preview records nothing"
    );
    assert_eq!(store.outbox().await.expect("outbox").len(), outbox);

    // The good line alone: the preview is clean, and the import records it.
    let good = "name;ice;region;city\nSouss Agro;002136093000040;MA-09;Agadir\n";
    assert_eq!(
        store
            .preview_enterprise_import(good)
            .await
            .expect("preview")
            .errors,
        0
    );
    let rows = corridor_store::parse_enterprise_csv(good.as_bytes()).expect("parse");
    assert_eq!(store.import_enterprises(rows).await.expect("import"), 1);
    assert_eq!(store.list_enterprises().await.expect("list").len(), 2);

    // A file without the required columns is refused as a whole.
    let err = store
        .preview_enterprise_import("nom;ville\nX;Y\n")
        .await
        .expect_err("no columns");
    assert_eq!(err.code(), "import_line");
}

#[tokio::test]
async fn an_enterprise_view_holds_its_cases() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = store_with_a_case(dir.path()).await;
    let atlas = store.enterprise_by_ice(ICE).await.expect("atlas");
    let other = store
        .add_enterprise(
            NewEnterprise::parse("Souss Agro", "002136093000040", "MA-09", None, None)
                .expect("valid"),
        )
        .await
        .expect("add");
    store
        .new_case(NewCase::parse("002136093000040", "other", "Autre", "").expect("valid"))
        .await
        .expect("case");
    let view = store
        .enterprise_view(&atlas.id.to_string())
        .await
        .expect("view");
    assert_eq!(view.enterprise.name, "Atlas Textile SARL");
    assert_eq!(
        view.cases
            .iter()
            .map(|c| c.title.as_str())
            .collect::<Vec<_>>(),
        [TITLE]
    );
    let view = store
        .enterprise_view(&other.id.to_string())
        .await
        .expect("view");
    assert_eq!(view.cases.len(), 1);
    let err = store
        .enterprise_view(&uuid::Uuid::nil().to_string())
        .await
        .expect_err("unknown");
    assert_eq!(err.code(), "unknown_enterprise");
    assert_eq!(
        store
            .enterprise_view("pas-un-id")
            .await
            .expect_err("bad")
            .code(),
        "unknown_enterprise"
    );
}

#[tokio::test]
async fn a_csv_export_keeps_formulas_as_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = store_with_a_case(dir.path()).await;
    store
        .new_case(
            NewCase::parse(
                ICE,
                "other",
                "=HYPERLINK(\"http://evil.example\",\"Cliquez\")",
                "",
            )
            .expect("valid"),
        )
        .await
        .expect("case");
    let out = dir.path().join("dossiers.csv");
    let cases = store.list_cases().await.expect("list");
    Store::export_cases(&cases, corridor_store::ExportFormat::Csv, &out).expect("export");
    let text = std::fs::read_to_string(&out).expect("read");
    assert!(
        text.contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"Cliquez\"\")\""),
        "{text}"
    );
    assert!(
        !text.contains(",=HYPERLINK"),
        "no cell starts with the formula"
    );
}
