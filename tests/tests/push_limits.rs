//! A device whose waiting changes are larger than what the server accepts in one request is
//! never stuck: the client sends by bytes as well as by count, and a request the server still
//! answers 413 is split in halves until it fits. Here the server takes 64 KiB per request and
//! the device holds fifty long Arabic notes (about 1 MB): all of them arrive, once each.

use corridor_e2e::devices::{add_user, open_case, Device};
use corridor_e2e::ServerProcess;
use corridor_model::timeline::Visibility;

#[tokio::test]
async fn fifty_long_arabic_notes_reach_a_server_with_a_small_body_limit() {
    let work = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite:{}", work.path().join("server.db").display());
    let mut server = ServerProcess::start_with(
        &db,
        work.path(),
        "127.0.0.1:0",
        &[("CORRIDOR_MAX_BODY_BYTES", "65536")],
    );
    add_user(&db, work.path(), "k.alaoui", "cgem_officer", "MA-06");
    add_user(&db, work.path(), "m.bennani", "cnss_rep", "MA-06");
    let mut a = Device::login(&server.url, "k.alaoui").await;
    let case = open_case(&a, 1, "MA-06", "Prestations bloquées").await;
    let long = "تم الاتصال بالمشغل بخصوص التعويضات اليومية المتوقفة. ".repeat(180);
    assert!(long.len() > 16_000, "each note is about 18 KB");
    for n in 0..50 {
        a.store()
            .add_note(&case, Visibility::Shared, &format!("{n} {long}"))
            .await
            .expect("note");
    }
    // The outbox gives batches by bytes as well as by count (the first always): under 40 KB,
    // the enterprise, the case and two of the notes.
    assert_eq!(
        a.store()
            .outbox_batch(200, 40_000)
            .await
            .expect("batch")
            .len(),
        4
    );
    assert_eq!(
        a.store().outbox_batch(200, 10).await.expect("batch").len(),
        1
    );

    let report = a.sync().await.expect("the sync completes");
    assert_eq!(report.rejected, 0);
    assert!(
        a.store().outbox().await.expect("outbox").is_empty(),
        "nothing left waiting"
    );

    // The CNSS device receives every note, once.
    let mut b = Device::login(&server.url, "m.bennani").await;
    b.sync().await.expect("sync");
    let notes: Vec<String> = b.notes(&case).await.into_iter().map(|(_, t)| t).collect();
    assert_eq!(notes.len(), 50);
    for n in 0..50 {
        assert_eq!(
            notes
                .iter()
                .filter(|t| t.starts_with(&format!("{n} ")))
                .count(),
            1,
            "note {n} once"
        );
    }
    server.kill();
}

/// One content the server refuses (here: over the user's daily upload quota) does not stop the
/// sync: it is reported on its own with the reason, the other content and every other change
/// go through. The attachment whose content did not arrive is refused by the server and listed
/// with the refused changes (never silently dropped).
#[tokio::test]
async fn one_refused_content_does_not_stop_the_sync() {
    let work = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite:{}", work.path().join("server.db").display());
    let server = ServerProcess::start_with(
        &db,
        work.path(),
        "127.0.0.1:0",
        &[("CORRIDOR_UPLOAD_DAILY_BYTES", "100000")],
    );
    add_user(&db, work.path(), "k.alaoui", "cgem_officer", "MA-06");
    let mut a = Device::login(&server.url, "k.alaoui").await;
    let case = open_case(&a, 1, "MA-06", "Prestations bloquées").await;
    let small = vec![7u8; 60_000];
    let large = vec![9u8; 70_000];
    a.store()
        .attach(&case, "bulletin.pdf", &small, 1 << 20)
        .await
        .expect("attach");
    a.store()
        .attach(&case, "releve.pdf", &large, 1 << 20)
        .await
        .expect("attach");
    a.store()
        .add_note(&case, Visibility::Shared, "Pièces envoyées")
        .await
        .expect("note");

    let report = a.sync().await.expect("the sync goes on");
    assert_eq!(report.uploaded, 1, "{report:?}");
    assert_eq!(report.content_failures.len(), 1, "{report:?}");
    let failure = &report.content_failures[0];
    assert_eq!(failure.code, "quota_exceeded");
    assert!(
        failure.message.contains("Quota d'envoi"),
        "{}",
        failure.message
    );
    assert!(
        a.notes(&case)
            .await
            .iter()
            .any(|(_, t)| t == "Pièces envoyées"),
        "the note went through"
    );
    assert!(
        a.store().outbox().await.expect("outbox").is_empty(),
        "nothing else waits"
    );
    let refused = a.store().rejections().await.expect("rejections");
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0].code, "unknown_attachment");
    assert!(
        refused[0].message.contains("releve.pdf"),
        "{}",
        refused[0].message
    );
    drop(server);
}
