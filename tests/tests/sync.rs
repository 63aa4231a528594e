//! The sync contract end to end: the real `corridor-server` process on loopback (SQLite and
//! PostgreSQL), real encrypted stores, the real sync client.

use std::path::Path;

use corridor_e2e::devices::{open_case, Device, World};
use corridor_model::mutation::CaseEdit;
use corridor_model::sync::ConflictChoice;
use corridor_model::timeline::{EventKind, Institution, Visibility};
use corridor_model::CaseStatus;

fn notes(snapshot: &serde_json::Value, visibility: &str) -> usize {
    snapshot["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .flat_map(|c| c["timeline"].as_array().expect("timeline").iter())
        .filter(|e| e["kind"] == "note" && e["visibility"] == visibility)
        .count()
}

/// The case fields of a snapshot (what both institutions see alike).
fn cases_only(snapshot: &serde_json::Value) -> Vec<serde_json::Value> {
    snapshot["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| c["case"].clone())
        .collect()
}

async fn two_officers_and_a_representative_converge(postgres: bool) {
    let w = World::new(postgres).await;
    w.user("a.officier", "cgem_officer", "MA-06");
    w.user("b.officier", "cgem_officer", "MA-06");
    w.user("c.cnss", "cnss_rep", "MA-06");
    w.user("d.rabat", "cgem_officer", "MA-04");
    let mut a = Device::login(&w.server.url, "a.officier").await;
    let mut b = Device::login(&w.server.url, "b.officier").await;
    let mut c = Device::login(&w.server.url, "c.cnss").await;
    let mut d = Device::login(&w.server.url, "d.rabat").await;

    let case = open_case(&a, 1, "MA-06", "Indemnités bloquées").await;
    assert!(
        a.store()
            .case(&case)
            .await
            .expect("case")
            .reference
            .contains("-P"),
        "provisional reference offline"
    );
    let r = a.sync().await.expect("sync a");
    assert_eq!(
        (r.pushed, r.rejected),
        (2, 0),
        "enterprise and case, no refusal: {r:?}"
    );
    let reference = a.store().case(&case).await.expect("case").reference;
    assert!(
        !reference.contains("-P"),
        "final reference from the server: {reference}"
    );
    for dev in [&mut b, &mut c, &mut d] {
        dev.sync().await.expect("sync");
    }
    let _ = d.sync().await.expect("d");

    // Three rounds of offline edits on every device, synced in different orders.
    let orders: [[usize; 3]; 3] = [[0, 1, 2], [2, 1, 0], [1, 2, 0]];
    for (round, order) in orders.iter().enumerate() {
        let s = a.store();
        match round {
            0 => {
                s.transition(&case, CaseStatus::Submitted, None)
                    .await
                    .expect("submit");
            }
            1 => {
                s.tag(&case, vec![format!("tour-{round}")], vec![])
                    .await
                    .expect("tag");
            }
            _ => {
                open_case(&a, 10 + round as u64, "MA-06", "Deuxième dossier").await;
            }
        }
        s.add_note(&case, Visibility::Cgem, &format!("Interne CGEM {round}"))
            .await
            .expect("cgem note");
        b.store()
            .add_note(&case, Visibility::Shared, &format!("Partagée {round}"))
            .await
            .expect("shared note");
        b.store()
            .tag(&case, vec![format!("b-{round}")], vec![])
            .await
            .expect("tag b");
        c.store()
            .add_note(&case, Visibility::Cnss, &format!("Interne CNSS {round}"))
            .await
            .expect("cnss note");
        c.store()
            .assign(&case, Institution::Cnss, Some(format!("rep-{round}")))
            .await
            .expect("assign");
        let mut devices = [&mut a, &mut b, &mut c];
        for i in order {
            let r = devices[*i].sync().await.expect("sync");
            assert_eq!(r.rejected, 0, "{r:?}");
        }
        for dev in devices.iter_mut() {
            dev.sync().await.expect("second sync");
        }
        let (sa, sb, sc) = (a.snapshot().await, b.snapshot().await, c.snapshot().await);
        assert_eq!(sa, sb, "the two officers converge (round {round})");
        assert_eq!(
            cases_only(&sa),
            cases_only(&sc),
            "the representative sees the same cases"
        );
        assert_eq!(
            notes(&sa, "cnss"),
            0,
            "CNSS internal notes never reach CGEM"
        );
        assert_eq!(
            notes(&sc, "cgem"),
            0,
            "CGEM internal notes never reach the CNSS"
        );
        assert_eq!(notes(&sa, "cgem"), round + 1);
        assert_eq!(notes(&sc, "cnss"), round + 1);
        assert_eq!(notes(&sc, "shared"), round + 1);
        assert!(a.store().outbox().await.expect("outbox").is_empty());
    }
    // What came through the sync is searchable on every device, notes included.
    for dev in [&b, &c] {
        let hits = dev
            .store()
            .search("indemnites partagee", 10)
            .await
            .expect("search");
        assert_eq!(hits.len(), 1, "found by title and note on {}", dev.user);
        assert_eq!(hits[0].case.reference, reference);
    }
    let hits = c.store().search("interne CGEM", 10).await.expect("search");
    assert!(
        hits.is_empty(),
        "nothing of the CGEM's internal notes, even in the index"
    );
    let case_a = a.store().case(&case).await.expect("case");
    assert_eq!(case_a.status, CaseStatus::Submitted);
    assert_eq!(case_a.cnss_assignee.as_deref(), Some("rep-2"));
    assert_eq!(case_a.tags.len(), 4, "{:?}", case_a.tags);

    // Another region's user sees none of it, and cannot touch it.
    d.sync().await.expect("sync d");
    assert_eq!(d.snapshot().await["cases"], serde_json::json!([]));
    w.finish().await;
}

#[tokio::test]
async fn officers_and_representative_converge_on_sqlite() {
    two_officers_and_a_representative_converge(false).await;
}

#[tokio::test]
async fn officers_and_representative_converge_on_postgres() {
    two_officers_and_a_representative_converge(true).await;
}

async fn concurrent_edits_become_a_conflict_a_person_resolves(postgres: bool) {
    let w = World::new(postgres).await;
    w.user("a.officier", "cgem_officer", "MA-06");
    w.user("b.officier", "cgem_officer", "MA-06");
    let mut a = Device::login(&w.server.url, "a.officier").await;
    let mut b = Device::login(&w.server.url, "b.officier").await;
    let case = open_case(&a, 2, "MA-06", "Titre initial").await;
    a.sync().await.expect("a");
    b.sync().await.expect("b");

    // Both edit the title offline.
    let edit = |t: &str| CaseEdit {
        title: Some(t.to_owned()),
        ..CaseEdit::default()
    };
    a.store()
        .edit_case(&case, edit("Titre de A"))
        .await
        .expect("edit a");
    b.store()
        .edit_case(&case, edit("Titre de B"))
        .await
        .expect("edit b");
    let ra = a.sync().await.expect("a");
    assert_eq!((ra.pushed, ra.conflicts), (1, 0));
    let rb = b.sync().await.expect("b");
    assert_eq!(
        rb.conflicts, 1,
        "B's edit came second on a stale base: {rb:?}"
    );
    assert_eq!(rb.open_conflicts, 1);
    assert_eq!(
        b.store().case(&case).await.expect("case").title,
        "Titre de A",
        "the server kept the current value"
    );
    a.sync().await.expect("a sees the conflict");
    let open = a.store().conflicts(false).await.expect("conflicts");
    assert_eq!(open.len(), 1);
    let conflict = &open[0].1;
    assert_eq!(conflict.field, "title");
    assert_eq!(conflict.current, "Titre de A");
    assert_eq!(conflict.proposed, "Titre de B", "nothing was lost");
    assert_eq!(conflict.author, "b.officier");

    // Two people settle it offline, differently: the first to reach the server decides (B's
    // value), the second decision is refused with its reason; everyone converges.
    a.store()
        .resolve_conflict(&conflict.id.to_string(), ConflictChoice::Proposed)
        .await
        .expect("resolve");
    b.store()
        .resolve_conflict(&conflict.id.to_string()[..13], ConflictChoice::Current)
        .await
        .expect("resolve on b too");
    a.sync().await.expect("a");
    let rb = b.sync().await.expect("b");
    assert_eq!(rb.rejected, 1, "{rb:?}");
    assert_eq!(
        b.store().rejections().await.expect("rejections")[0].code,
        "already_resolved"
    );
    for dev in [&a, &b] {
        assert_eq!(
            dev.store().case(&case).await.expect("case").title,
            "Titre de B"
        );
        assert!(dev.store().conflicts(false).await.expect("c").is_empty());
    }
    assert_eq!(a.snapshot().await, b.snapshot().await);
    w.finish().await;
}

#[tokio::test]
async fn concurrent_edits_conflict_on_sqlite() {
    concurrent_edits_become_a_conflict_a_person_resolves(false).await;
}

#[tokio::test]
async fn concurrent_edits_conflict_on_postgres() {
    concurrent_edits_become_a_conflict_a_person_resolves(true).await;
}

fn blob_files(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("attachments")).map_or(0, |d| d.count())
}

async fn refused_changes_lost_regions_and_revocation(postgres: bool) {
    let w = World::new(postgres).await;
    w.user("e.multi", "cgem_officer", "MA-06,MA-04");
    w.user("c.cnss", "cnss_rep", "MA-06");
    w.user("d.casa", "cgem_officer", "MA-06");
    let mut e = Device::login(&w.server.url, "e.multi").await;
    let mut c = Device::login(&w.server.url, "c.cnss").await;
    let mut d = Device::login(&w.server.url, "d.casa").await;
    let casa = open_case(&e, 3, "MA-06", "Dossier de Casablanca").await;
    let rabat = open_case(&e, 4, "MA-04", "Dossier de Rabat").await;
    e.store()
        .attach(&casa, "pv.pdf", b"%PDF-1.4 proces-verbal", 1 << 20)
        .await
        .expect("attach");
    assert_eq!(blob_files(e.dir.path()), 1);
    let r = e.sync().await.expect("sync");
    assert_eq!(r.uploaded, 1, "{r:?}");
    let r = c.sync().await.expect("sync c");
    assert_eq!(r.downloaded, 1, "{r:?}");
    // The representative has the file, exactly, encrypted at rest like its own.
    let hash = e.store().attachments(&casa).await.expect("list")[0]
        .hash
        .clone();
    let (meta, bytes) = c
        .store()
        .attachment_content(&casa, &hash)
        .await
        .expect("content on the other device");
    assert_eq!(
        (meta.name.as_str(), bytes.as_slice()),
        ("pv.pdf", &b"%PDF-1.4 proces-verbal"[..])
    );
    assert_eq!(blob_files(c.dir.path()), 1);

    // The representative may not submit a draft: refused on the device, nothing queued.
    let err = c
        .store()
        .transition(&casa, CaseStatus::Submitted, None)
        .await
        .expect_err("a CGEM step");
    assert_eq!(err.code(), "forbidden_role");
    e.store()
        .transition(&casa, CaseStatus::Submitted, None)
        .await
        .expect("submit e");
    e.sync().await.expect("e");
    d.sync().await.expect("d");
    // Two officers move the submitted case offline: the second move no longer applies.
    e.store()
        .transition(&casa, CaseStatus::Qualified, None)
        .await
        .expect("qualify e");
    d.store()
        .transition(&casa, CaseStatus::Rejected, Some("Hors champ".into()))
        .await
        .expect("reject d");
    d.store()
        .add_note(&casa, Visibility::Shared, "Pièces reçues")
        .await
        .expect("note");
    e.sync().await.expect("e");
    let r = d.sync().await.expect("d");
    assert_eq!((r.rejected, r.pushed), (1, 1), "{r:?}");
    let refused = d.store().rejections().await.expect("rejections");
    assert_eq!(refused[0].code, "stale_status");
    assert!(
        refused[0]
            .message
            .contains("est passé entre-temps à « Qualifié »"),
        "{}",
        refused[0].message
    );
    // The values of the refusal came along, by code, for the interface to say it in Arabic.
    let args = &refused[0].args;
    assert_eq!(args["status"], "qualified", "{args:?}");
    assert_eq!(args["from"], "submitted", "{args:?}");
    assert_eq!(args["to"], "rejected", "{args:?}");
    assert!(args["reference"].starts_with("COR-"), "{args:?}");
    // The refused change is undone here; the rest of the sync stands.
    let detail = d.store().case_detail(&casa).await.expect("detail");
    assert_eq!(detail.case.status, CaseStatus::Qualified);
    let changes: Vec<_> = detail
        .timeline
        .iter()
        .filter(|ev| matches!(ev.kind, EventKind::StatusChanged { .. }))
        .collect();
    assert_eq!(changes.len(), 2, "only the transitions the server applied");
    assert!(changes.iter().all(|ev| ev.author == "e.multi"));
    assert!(detail
        .timeline
        .iter()
        .any(|ev| matches!(&ev.kind, EventKind::Note { text, .. } if text == "Pièces reçues")));
    e.sync().await.expect("e");
    assert_eq!(
        e.snapshot().await["cases"].as_array().map(Vec::len),
        Some(2)
    );

    // The officer loses Casablanca-Settat: its case leaves the device, attachment included.
    w.admin(&[
        "user",
        "regions",
        "--username",
        "e.multi",
        "--regions",
        "MA-04",
    ]);
    let r = e.sync().await.expect("sync after scope change");
    assert_eq!(r.removed, 1, "{r:?}");
    assert!(e.store().case(&casa).await.is_err());
    assert!(e.store().case(&rabat).await.is_ok());
    assert_eq!(
        blob_files(e.dir.path()),
        0,
        "the attachment is gone from the device"
    );

    // Revoked: the next sync is refused and the store is wiped.
    let device = e.store().device().await.expect("device").id.to_string();
    w.admin(&["device", "revoke", &device]);
    let err = e.sync().await.expect_err("revoked");
    assert!(matches!(err, corridor_sync::SyncError::Revoked), "{err}");
    assert!(e.store.is_none());
    let left: Vec<_> = std::fs::read_dir(e.dir.path())
        .expect("dir")
        .map(|f| f.expect("entry").file_name())
        .collect();
    assert!(left.is_empty(), "nothing left of the store: {left:?}");
    w.finish().await;
}

#[tokio::test]
async fn refusals_scope_and_revocation_on_sqlite() {
    refused_changes_lost_regions_and_revocation(false).await;
}

#[tokio::test]
async fn refusals_scope_and_revocation_on_postgres() {
    refused_changes_lost_regions_and_revocation(true).await;
}

/// A first pull in pages reports how far it is: the percentage only grows and ends at 100,
/// with the total known from the first page.
async fn a_long_pull_reports_its_progress(postgres: bool) {
    let w = World::new(postgres).await;
    w.user("a.officier", "cgem_officer", "MA-06");
    let mut a = Device::login(&w.server.url, "a.officier").await;
    for n in 1..=12 {
        open_case(&a, n, "MA-06", &format!("Dossier {n}")).await;
    }
    a.sync().await.expect("a");
    let mut b = Device::login(&w.server.url, "a.officier").await;
    let options = corridor_sync::SyncOptions {
        pull_page: 5,
        ..corridor_sync::SyncOptions::default()
    };
    let mut seen = Vec::new();
    b.sync_with(&options, |p| {
        if let corridor_sync::Progress::Pulled { total, .. } = p {
            seen.push((p.percent(), total));
        }
    })
    .await
    .expect("b");
    assert!(seen.len() > 2, "several pages: {seen:?}");
    let percents: Vec<u8> = seen.iter().map(|(p, _)| p.expect("known")).collect();
    assert!(percents.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    assert!(
        percents[0] < 100,
        "the first of several pages is not the end: {seen:?}"
    );
    assert_eq!(percents.last(), Some(&100), "{seen:?}");
    assert!(
        seen.iter().all(|(_, t)| *t == seen[0].1 && *t > 0),
        "{seen:?}"
    );
    w.finish().await;
}

#[tokio::test]
async fn pull_progress_on_sqlite() {
    a_long_pull_reports_its_progress(false).await;
}

#[tokio::test]
async fn pull_progress_on_postgres() {
    a_long_pull_reports_its_progress(true).await;
}
