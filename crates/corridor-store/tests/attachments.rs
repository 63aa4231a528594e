//! Encrypted attachments and passphrase change, on real files.

use corridor_testkit::snapshot;
use std::path::Path;

use corridor_model::{NewCase, NewEnterprise};
use corridor_store::{Passphrase, Store, DEFAULT_MAX_ATTACHMENT};

const PASS: &str = "correct horse battery";

fn pass(s: &str) -> Option<Passphrase> {
    Some(Passphrase::new(s.to_owned()))
}

async fn store_with_case(dir: &Path) -> (Store, String) {
    let store = Store::create(dir, pass(PASS)).await.expect("create");
    store
        .add_enterprise(
            NewEnterprise::parse("Atlas", "001561191000066", "MA-06", None, None).expect("valid"),
        )
        .await
        .expect("enterprise");
    let case = store
        .new_case(NewCase::parse("001561191000066", "other", "Titre", "").expect("valid"))
        .await
        .expect("case");
    (store, case.reference)
}

#[tokio::test]
async fn an_attachment_reads_back_byte_for_byte_and_is_encrypted_at_rest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, r) = store_with_case(dir.path()).await;
    let content: Vec<u8> = b"Attestation de salaire CONFIDENTIEL-4242 "
        .iter()
        .copied()
        .cycle()
        .take(300_000)
        .chain((0..=255u8).collect::<Vec<_>>())
        .collect();
    let a = store
        .attach(
            &r,
            "/tmp/attestation salaire.pdf",
            &content,
            DEFAULT_MAX_ATTACHMENT,
        )
        .await
        .expect("attach");
    assert_eq!(
        a.name, "attestation salaire.pdf",
        "only the file name is kept"
    );
    assert_eq!(a.mime, "application/pdf");
    assert_eq!(a.size, content.len() as u64);
    assert_eq!(a.hash.len(), 64);

    let (meta, back) = store
        .attachment_content(&r, &a.hash[..12])
        .await
        .expect("read back by hash prefix");
    assert_eq!(meta, a);
    assert!(back == content, "exact bytes");

    let stored =
        std::fs::read(dir.path().join("attachments").join(&a.hash)).expect("named by hash");
    assert!(
        !stored.windows(20).any(|w| w == b"CONFIDENTIEL-4242 At"),
        "no plaintext on disk"
    );

    // The same content again is stored once, recorded twice.
    store
        .attach(&r, "copie.pdf", &content, DEFAULT_MAX_ATTACHMENT)
        .await
        .expect("again");
    assert_eq!(
        std::fs::read_dir(dir.path().join("attachments"))
            .expect("dir")
            .count(),
        1
    );
    let detail = store.case_detail(&r).await.expect("detail");
    assert_eq!(detail.attachments.len(), 2);
    assert_eq!(detail.timeline.len(), 3, "created + two attachments");
    let names: Vec<_> = store
        .outbox()
        .await
        .expect("outbox")
        .iter()
        .map(|m| m.op.name())
        .collect();
    assert_eq!(names.iter().filter(|n| **n == "attach_file").count(), 2);
}

#[tokio::test]
async fn an_oversize_or_empty_attachment_is_refused_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, r) = store_with_case(dir.path()).await;
    let before = snapshot(dir.path());
    let outbox = store.outbox().await.expect("outbox").len();

    let big = vec![7u8; 3 * 1024 * 1024 + 1];
    let err = store
        .attach(&r, "scan.tiff", &big, 3 * 1024 * 1024)
        .await
        .expect_err("too big");
    assert_eq!(err.code(), "attachment_too_large");
    assert!(
        err.to_string()
            .contains("« scan.tiff » est trop volumineux (4 Mo) : la limite est de 3 Mo"),
        "{err}"
    );
    let err = store
        .attach(&r, "vide.txt", b"", DEFAULT_MAX_ATTACHMENT)
        .await
        .expect_err("empty");
    assert_eq!(err.code(), "empty_attachment");
    let err = store
        .attach("COR-0000-00-0000", "a.txt", b"x", DEFAULT_MAX_ATTACHMENT)
        .await
        .expect_err("no case");
    assert_eq!(err.code(), "unknown_case");

    assert_eq!(store.outbox().await.expect("outbox").len(), outbox);
    store.close().await;
    let after = snapshot(dir.path());
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>(),
        "no file added or left behind"
    );
}

#[tokio::test]
async fn a_damaged_attachment_is_an_error_never_wrong_bytes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, r) = store_with_case(dir.path()).await;
    let a = store
        .attach(&r, "note.txt", b"contenu d'origine", DEFAULT_MAX_ATTACHMENT)
        .await
        .expect("attach");
    let path = dir.path().join("attachments").join(&a.hash);
    let mut bytes = std::fs::read(&path).expect("read");
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&path, bytes).expect("damage");
    let err = store
        .attachment_content(&r, &a.hash)
        .await
        .expect_err("damaged");
    assert_eq!(err.code(), "damaged_attachment");
    assert!(err.to_string().contains("« note.txt »"));
    let err = store
        .attachment_content(&r, "0000000000")
        .await
        .expect_err("unknown");
    assert_eq!(err.code(), "unknown_attachment");
}

#[tokio::test]
async fn changing_the_passphrase_keeps_the_data_and_retires_the_old_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, r) = store_with_case(dir.path()).await;
    store.lock().await;

    let key_file = dir.path().join("corridor-keys.json");
    let before = std::fs::read(&key_file).expect("key file");
    let err = Store::change_passphrase(
        dir.path(),
        Passphrase::new("not it at all".to_owned()),
        Passphrase::new("nouvelle phrase".to_owned()),
    )
    .await
    .expect_err("wrong old passphrase");
    assert_eq!(err.code(), "wrong_passphrase");
    assert_eq!(
        std::fs::read(&key_file).expect("key file"),
        before,
        "untouched"
    );

    let db_before = std::fs::read(dir.path().join("corridor.db")).expect("db");
    Store::change_passphrase(
        dir.path(),
        Passphrase::new(PASS.to_owned()),
        Passphrase::new("nouvelle phrase".to_owned()),
    )
    .await
    .expect("change");
    assert_eq!(
        std::fs::read(dir.path().join("corridor.db")).expect("db"),
        db_before,
        "data not re-encrypted"
    );
    assert_eq!(
        Store::open(dir.path(), pass(PASS))
            .await
            .expect_err("old")
            .code(),
        "wrong_passphrase"
    );
    let store = Store::open(dir.path(), pass("nouvelle phrase"))
        .await
        .expect("new passphrase opens");
    assert_eq!(store.case(&r).await.expect("case").title, "Titre");
}

#[tokio::test]
async fn cases_export_to_an_excel_workbook_that_reads_back() {
    use calamine::{open_workbook, Reader, Xlsx};
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, r) = store_with_case(dir.path()).await;
    store
        .edit_case(
            &r,
            corridor_model::mutation::CaseEdit {
                amount_centimes: Some(Some(1_234_550)),
                ..Default::default()
            },
        )
        .await
        .expect("amount");
    let cases = store.list_cases().await.expect("list");
    let out = dir.path().join("dossiers.xlsx");
    Store::export_cases(&cases, corridor_store::ExportFormat::Xlsx, &out).expect("export");
    let mut book: Xlsx<_> = open_workbook(&out).expect("a valid workbook");
    let sheet = book.worksheet_range("Dossiers").expect("sheet");
    assert_eq!(
        sheet.get_value((0, 0)).map(ToString::to_string).as_deref(),
        Some("Référence")
    );
    assert_eq!(sheet.get_value((1, 0)).map(ToString::to_string), Some(r));
    assert_eq!(
        sheet.get_value((1, 9)),
        Some(&calamine::Data::Float(12_345.5)),
        "amount as a number of dirhams"
    );
    assert!(!dir.path().join("dossiers.tmp-export").exists());
}

/// The same content attached many times at once (two windows, a double drop): whichever
/// attach records it first keeps its file and key; every other one uses them. Each attachment
/// reads back, and one sealed file is left, no temporary one.
#[tokio::test]
async fn the_same_content_attached_at_once_stays_readable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, r) = store_with_case(dir.path()).await;
    let content = "Relevé de carrière CONFIDENTIEL-77".as_bytes().repeat(1000);
    let mut set = tokio::task::JoinSet::new();
    for i in 0..8 {
        let (store, r, content) = (store.clone(), r.clone(), content.clone());
        set.spawn(async move {
            store
                .attach(
                    &r,
                    &format!("releve-{i}.pdf"),
                    &content,
                    DEFAULT_MAX_ATTACHMENT,
                )
                .await
        });
    }
    let hashes: Vec<String> = set
        .join_all()
        .await
        .into_iter()
        .map(|a| a.expect("attach").hash)
        .collect();
    assert!(hashes.windows(2).all(|w| w[0] == w[1]));
    for a in store.attachments(&r).await.expect("list") {
        let (_, bytes) = store
            .attachment_content(&r, &a.hash)
            .await
            .expect("readable");
        assert_eq!(bytes, content, "{}", a.name);
    }
    let files: Vec<String> = std::fs::read_dir(dir.path().join("attachments"))
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(!files[0].contains("tmp"), "{files:?}");
    store.close().await;
}

/// The profile folder and every file in it are owner-only, even under a permissive umask, and
/// a profile left readable by others is tightened when opened.
#[cfg(unix)]
#[tokio::test]
async fn the_profile_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777
    }
    fn walk(p: &Path, out: &mut Vec<(std::path::PathBuf, u32)>) {
        out.push((p.to_owned(), mode(p)));
        if p.is_dir() {
            for e in std::fs::read_dir(p).expect("dir") {
                walk(&e.expect("entry").path(), out);
            }
        }
    }
    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path().join("profil");
    std::fs::create_dir(&dir).expect("dir");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let (store, r) = store_with_case(&dir).await;
    store
        .attach(&r, "piece.pdf", b"%PDF piece", DEFAULT_MAX_ATTACHMENT)
        .await
        .expect("attach");
    store.close().await;
    let mut all = Vec::new();
    walk(&dir, &mut all);
    assert!(all.len() >= 4, "{all:?}");
    for (p, m) in &all {
        let expected = if p.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(*m, expected, "{}", p.display());
    }
    // Loosened by hand (a copy, a backup tool): opening tightens it again.
    for (p, _) in &all {
        let loose = if p.is_dir() { 0o755 } else { 0o644 };
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(loose)).expect("chmod");
    }
    let store = Store::open(&dir, pass(PASS)).await.expect("open");
    store.close().await;
    for name in [
        "",
        "corridor-keys.json",
        corridor_store::DATABASE_FILE,
        "attachments",
    ] {
        let p = dir.join(name);
        let expected = if p.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(mode(&p), expected, "{}", p.display());
    }
}

/// Files a crash leaves in the attachments directory — a sealed file placed by a transaction
/// that never committed, a temporary file an hour old — are removed when the store opens; the
/// files of recorded contents and a temporary file being written now are kept.
#[tokio::test]
async fn files_a_crash_left_behind_are_collected_at_open() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, r) = store_with_case(dir.path()).await;
    let a = store
        .attach(
            &r,
            "pv.pdf",
            b"proces-verbal de la reunion",
            DEFAULT_MAX_ATTACHMENT,
        )
        .await
        .expect("attach");
    store.close().await;
    let files = dir.path().join("attachments");
    let orphan = files.join("ab".repeat(32));
    std::fs::write(&orphan, b"sealed by a transaction that never committed").expect("write");
    let old_tmp = files.join(format!("{}.0190.tmp", "cd".repeat(32)));
    std::fs::write(&old_tmp, b"half").expect("write");
    std::fs::File::options()
        .write(true)
        .open(&old_tmp)
        .expect("open")
        .set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(7200))
        .expect("age it");
    let live_tmp = files.join(format!("{}.0191.tmp", "ef".repeat(32)));
    std::fs::write(&live_tmp, b"being written").expect("write");

    let store = Store::open(dir.path(), pass(PASS)).await.expect("open");
    assert!(!orphan.exists(), "a file no content of the database names");
    assert!(!old_tmp.exists(), "a temporary file an hour old");
    assert!(
        live_tmp.exists(),
        "a temporary file being written is left alone"
    );
    assert!(files.join(&a.hash).exists());
    let (_, back) = store
        .attachment_content(&r, &a.hash[..12])
        .await
        .expect("still readable");
    assert_eq!(back, b"proces-verbal de la reunion");
}
