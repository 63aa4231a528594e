//! The real `corridor` CLI stopped dead (abort, as a kill or a power cut) at each step of a sync
//! — in the middle of an attachment upload and of a download, after the server applied a push
//! but before the device recorded the answer, after it recorded it, before and after a pulled
//! page is applied — and inside the store's transactions, everything written but not committed
//! (the push's answer, a pulled page, a downloaded content with its file already in place, a
//! change made on the device) — then started again: the store opens, the next sync completes,
//! and nothing is lost or applied twice. The crash points are the sync client's and the store's
//! own (`fault-points` feature, named by `CORRIDOR_FAULT_POINT`), so each test stops exactly
//! where it says. On both engines.

use std::path::Path;
use std::process::{Command, Output};

use corridor_e2e::devices::{open_case, Device, World, PASSWORD};
use corridor_e2e::views::applied;

const PASS: &str = "phrase de passe des pannes";

fn corridor(data: &Path, args: &[&str], fault: Option<&str>) -> Output {
    let mut cmd = Command::new(corridor_e2e::binary("corridor-cli", "corridor"));
    cmd.arg("--data-dir")
        .arg(data)
        .args(args)
        .env("CORRIDOR_PASSPHRASE", PASS)
        .env("CORRIDOR_PASSWORD", PASSWORD)
        .env_remove("CORRIDOR_FAULT_POINT");
    if let Some(f) = fault {
        cmd.env("CORRIDOR_FAULT_POINT", f);
    }
    cmd.output().expect("corridor")
}

fn ok(o: Output) -> String {
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).expect("utf-8")
}

/// Bytes that differ all along (so a chunk out of place would show).
fn content(n: usize, seed: u32) -> Vec<u8> {
    (0..n as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761).wrapping_add(seed) >> 11) as u8)
        .collect()
}

async fn a_sync_stopped_anywhere_is_completed_by_the_next(postgres: bool) {
    let w = World::new(postgres).await;
    w.user("a.casa", "cgem_officer", "MA-06");
    w.user("b.casa", "cgem_officer", "MA-06");
    let data = tempfile::tempdir().expect("tempdir");
    let files = tempfile::tempdir().expect("tempdir");
    ok(corridor(data.path(), &["init"], None));
    ok(corridor(
        data.path(),
        &["login", "--server", &w.server.url, "--user", "a.casa"],
        None,
    ));
    ok(corridor(
        data.path(),
        &[
            "enterprise",
            "add",
            "--name",
            "Atlas Textile",
            "--ice",
            "001561191000066",
            "--region",
            "MA-06",
        ],
        None,
    ));
    let created: serde_json::Value = serde_json::from_str(&ok(corridor(
        data.path(),
        &[
            "--json",
            "case",
            "new",
            "--ice",
            "001561191000066",
            "--category",
            "other",
            "--title",
            "Dossier sous pannes",
        ],
        None,
    )))
    .expect("json");
    let case = created["id"].as_str().expect("id").to_owned();
    // 700 kB: three chunks on the way up.
    let upload = content(700_000, 1);
    let path = files.path().join("releve.pdf");
    std::fs::write(&path, &upload).expect("write");
    ok(corridor(
        data.path(),
        &["case", "attach", &case, path.to_str().expect("path")],
        None,
    ));
    // A colleague's case; a document of theirs arrives just before the download's crash.
    let mut b = Device::login(&w.server.url, "b.casa").await;
    let other = open_case(&b, 2, "MA-06", "Dossier du collègue").await;
    b.sync().await.expect("sync b");
    let mut downloads = Vec::new();

    let mut notes = Vec::new();
    for point in [
        "mid_upload",
        "after_push_answer",
        "push_answer_before_commit",
        "after_push_recorded",
        "before_page_applied",
        "page_before_commit",
        "after_page_applied",
        "mid_download",
        "download_before_commit",
    ] {
        if point.contains("download") {
            let download = content(600_000, 7 + downloads.len() as u32);
            b.store()
                .attach(&other, &format!("bulletin-{point}.pdf"), &download, 1 << 20)
                .await
                .expect("attach");
            b.sync().await.expect("sync b");
            downloads.push(download);
        }
        let text = format!("Note avant la panne {point}");
        ok(corridor(
            data.path(),
            &[
                "case",
                "note",
                &case,
                "--text",
                &text,
                "--visibility",
                "shared",
            ],
            None,
        ));
        notes.push(text);
        let crashed = corridor(data.path(), &["sync"], Some(point));
        assert!(
            !crashed.status.success(),
            "{point}: the sync should have stopped there (a CLI built with the workspace has the \
             `fault-points` feature: `cargo build --workspace`): {}",
            String::from_utf8_lossy(&crashed.stdout)
        );
        // Started again: the store opens and the next sync completes.
        ok(corridor(data.path(), &["sync"], None));
    }
    // A change on the device stopped before its commit is not kept, and nothing waits.
    let lost = corridor(
        data.path(),
        &[
            "case",
            "note",
            &case,
            "--text",
            "Note jamais enregistrée",
            "--visibility",
            "shared",
        ],
        Some("local_change_before_commit"),
    );
    assert!(
        !lost.status.success(),
        "the note should have stopped before its commit"
    );
    let shown = ok(corridor(
        data.path(),
        &["case", "show", &case, "--json"],
        None,
    ));
    assert!(!shown.contains("Note jamais enregistrée"), "{shown}");
    ok(corridor(data.path(), &["sync"], None));
    let outbox: serde_json::Value =
        serde_json::from_str(&ok(corridor(data.path(), &["--json", "outbox"], None)))
            .expect("json");
    assert_eq!(outbox, serde_json::json!([]), "nothing left waiting");

    // Each change applied once: the enterprise, the case, the attachment, the notes — and the
    // colleague's enterprise, case and attachments.
    let audit = w.admin(&["audit", "verify"]);
    assert_eq!(
        applied(&audit),
        (3 + notes.len() + 2 + downloads.len()).to_string(),
        "{audit}"
    );
    // The colleague receives every note once, and the document byte for byte.
    b.sync().await.expect("sync b");
    let seen: Vec<String> = b.notes(&case).await.into_iter().map(|(_, t)| t).collect();
    assert_eq!(seen, notes);
    let got = b.store().attachments(&case).await.expect("attachments");
    assert_eq!(got.len(), 1);
    let (_, bytes) = b
        .store()
        .attachment_content(&case, &got[0].hash)
        .await
        .expect("uploaded whole");
    assert_eq!(bytes, upload);
    // And this device has the colleague's documents, whole, and no file left over.
    let shown: serde_json::Value = serde_json::from_str(&ok(corridor(
        data.path(),
        &["case", "show", &other, "--json"],
        None,
    )))
    .expect("json");
    let listed = shown["attachments"].as_array().expect("attachments");
    assert_eq!(listed.len(), downloads.len(), "{shown}");
    for (i, a) in listed.iter().enumerate() {
        let hash = a["hash"].as_str().expect("hash");
        let out = files.path().join(format!("copie-{i}.pdf"));
        ok(corridor(
            data.path(),
            &[
                "case",
                "attachment",
                &other,
                hash,
                "--out",
                out.to_str().expect("path"),
            ],
            None,
        ));
        let got = std::fs::read(&out).expect("read");
        assert!(
            downloads.contains(&got),
            "document {i} is not one that was sent"
        );
    }
    let files_kept = std::fs::read_dir(data.path().join("attachments"))
        .expect("attachments dir")
        .count();
    assert_eq!(
        files_kept,
        1 + downloads.len(),
        "one sealed file per content, no orphan"
    );
    w.finish().await;
}

#[tokio::test]
async fn a_sync_stopped_anywhere_is_completed_on_sqlite() {
    a_sync_stopped_anywhere_is_completed_by_the_next(false).await;
}

#[tokio::test]
async fn a_sync_stopped_anywhere_is_completed_on_postgres() {
    a_sync_stopped_anywhere_is_completed_by_the_next(true).await;
}
