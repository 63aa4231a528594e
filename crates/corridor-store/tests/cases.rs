//! Workflow, timeline, outbox and search of the store, on real SQLCipher files.

use corridor_model::mutation::{CaseEdit, Op};
use corridor_model::timeline::{EventKind, Institution, Visibility};
use corridor_model::{CaseStatus, NewCase, NewEnterprise, Priority};
use corridor_store::{CaseFilter, Passphrase, Store};

async fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::create(
        dir.path(),
        Some(Passphrase::new("correct horse battery".to_owned())),
    )
    .await
    .expect("create");
    for (name, ice, region) in [
        ("Atlas Textile SARL", "001561191000066", "MA-06"),
        ("Fès Cuir Artisanat", "002136093000040", "MA-03"),
    ] {
        store
            .add_enterprise(NewEnterprise::parse(name, ice, region, None, None).expect("valid"))
            .await
            .expect("enterprise");
    }
    (dir, store)
}

async fn case(store: &Store, ice: &str, title: &str, description: &str) -> String {
    store
        .new_case(NewCase::parse(ice, "blocked_benefit", title, description).expect("valid"))
        .await
        .expect("case")
        .reference
}

#[tokio::test]
async fn a_case_walks_the_workflow_and_every_step_is_in_its_timeline() {
    let (_dir, store) = store().await;
    let r = case(&store, "001561191000066", "IJ maternité bloquées", "").await;
    use CaseStatus::*;
    for (to, reason) in [
        (Submitted, None),
        (Qualified, None),
        (TransmittedToCnss, None),
        (InProgress, None),
        (AwaitingEmployer, Some("Attestation de salaire demandée")),
        (InProgress, None),
        (Resolved, Some("Prestations débloquées le 12/11")),
    ] {
        let c = store
            .transition(&r, to, reason.map(str::to_owned))
            .await
            .expect("allowed step");
        assert_eq!(c.status, to);
    }
    let detail = store.case_detail(&r).await.expect("detail");
    assert_eq!(
        detail.case.resolution.as_deref(),
        Some("Prestations débloquées le 12/11")
    );
    assert!(detail.case.resolved_at.is_some());
    let kinds: Vec<_> = detail.timeline.iter().map(|e| &e.kind).collect();
    assert_eq!(kinds.len(), 8, "created + 7 transitions: {kinds:?}");
    assert!(matches!(kinds[0], EventKind::Created));
    assert!(matches!(
        kinds[6],
        EventKind::StatusChanged {
            from: AwaitingEmployer,
            to: InProgress,
            ..
        }
    ));
}

#[tokio::test]
async fn a_forbidden_transition_is_refused_and_writes_nothing() {
    let (_dir, store) = store().await;
    let r = case(&store, "001561191000066", "Titre", "").await;
    let outbox_before = store.outbox().await.expect("outbox").len();

    let err = store
        .transition(&r, CaseStatus::Resolved, Some("x".to_owned()))
        .await
        .expect_err("draft→resolved");
    assert_eq!(err.code(), "forbidden_transition");
    assert!(err.to_string().contains("« Brouillon »") && err.to_string().contains("« Résolu »"));

    store
        .transition(&r, CaseStatus::Submitted, None)
        .await
        .expect("submit");
    let err = store
        .transition(&r, CaseStatus::Rejected, None)
        .await
        .expect_err("no reason");
    assert_eq!(err.code(), "reason_required");

    let detail = store.case_detail(&r).await.expect("detail");
    assert_eq!(detail.case.status, CaseStatus::Submitted);
    assert_eq!(
        detail.timeline.len(),
        2,
        "only creation and the allowed step"
    );
    assert_eq!(
        store.outbox().await.expect("outbox").len(),
        outbox_before + 1
    );
}

#[tokio::test]
async fn a_parent_cannot_close_while_a_child_is_open() {
    let (_dir, store) = store().await;
    let parent = case(&store, "001561191000066", "Dossier global", "").await;
    let child = case(&store, "001561191000066", "Volet IJ", "").await;
    store
        .link(&child, &parent, true)
        .await
        .expect("link as parent");
    let detail = store.case_detail(&parent).await.expect("detail");
    assert_eq!(
        detail
            .children
            .iter()
            .map(|c| c.reference.clone())
            .collect::<Vec<_>>(),
        vec![child.clone()]
    );
    let child_detail = store.case_detail(&child).await.expect("detail");
    assert_eq!(
        child_detail.parent.map(|p| (p.id, p.reference)),
        Some((detail.case.id, parent.clone())),
        "the child names its parent"
    );
    let err = store.link(&parent, &child, true).await.expect_err("cycle");
    assert_eq!(err.code(), "link_cycle");

    use CaseStatus::*;
    for to in [Submitted, Qualified, TransmittedToCnss, InProgress] {
        store.transition(&parent, to, None).await.expect("step");
    }
    store
        .transition(&parent, Resolved, Some("Accord".to_owned()))
        .await
        .expect("resolve");
    let err = store
        .transition(&parent, Closed, None)
        .await
        .expect_err("child open");
    assert_eq!(err.code(), "open_children");

    for to in [Submitted, Qualified, TransmittedToCnss, InProgress] {
        store.transition(&child, to, None).await.expect("step");
    }
    store
        .transition(&child, Rejected, Some("Hors périmètre".to_owned()))
        .await
        .expect("reject");
    store
        .transition(&parent, Closed, None)
        .await
        .expect("now it closes");
}

#[tokio::test]
async fn edits_assignments_and_notes_are_mutations_in_the_outbox() {
    let (_dir, store) = store().await;
    let r = case(&store, "001561191000066", "Titre initial", "").await;
    let edit = CaseEdit {
        title: Some("Titre corrigé".to_owned()),
        amount_centimes: Some(Some(1_250_000)),
        priority: Some(Priority::High),
        ..CaseEdit::default()
    };
    let c = store.edit_case(&r, edit.clone()).await.expect("edit");
    assert_eq!(
        (c.title.as_str(), c.amount_centimes, c.priority),
        ("Titre corrigé", Some(1_250_000), Priority::High)
    );
    let err = store.edit_case(&r, edit).await.expect_err("same values");
    assert_eq!(err.code(), "nothing_to_change");

    store
        .edit_case(
            &r,
            CaseEdit {
                title: Some("Titre final".to_owned()),
                ..CaseEdit::default()
            },
        )
        .await
        .expect("second edit");
    store
        .assign(&r, Institution::Cnss, Some("r.bennani".to_owned()))
        .await
        .expect("assign");
    store
        .add_note(&r, Visibility::Cgem, "Employeur relancé par téléphone")
        .await
        .expect("note");
    let err = store
        .add_note(&r, Visibility::Shared, "   ")
        .await
        .expect_err("empty note");
    assert_eq!(err.code(), "required");

    let outbox = store.outbox().await.expect("outbox");
    let names: Vec<_> = outbox.iter().map(|m| m.op.name()).collect();
    assert_eq!(
        names,
        [
            "create_enterprise",
            "create_enterprise",
            "create_case",
            "edit_case",
            "edit_case",
            "assign_case",
            "add_note"
        ]
    );
    let seqs: Vec<_> = outbox.iter().map(|m| m.device_seq).collect();
    assert_eq!(
        seqs,
        (1..=7).collect::<Vec<_>>(),
        "strictly increasing from 1"
    );
    // Both title edits carry the version the device last had from the server (it counts
    // none itself): the server tells a device's own later edit from someone else's by device.
    assert_eq!(outbox[3].base.get("title"), Some(&0));
    assert_eq!(outbox[4].base.get("title"), Some(&0));
    assert!(matches!(
        &outbox[6].op,
        Op::AddNote {
            visibility: Visibility::Cgem,
            ..
        }
    ));

    let mine = store
        .find_cases(&CaseFilter {
            assignee: Some("r.bennani".to_owned()),
            ..CaseFilter::default()
        })
        .await
        .expect("filter");
    assert_eq!(mine.len(), 1);
}

#[tokio::test]
async fn search_ignores_accents_matches_prefixes_notes_and_arabic() {
    let (_dir, store) = store().await;
    let fes = case(
        &store,
        "002136093000040",
        "Échéancier de recouvrement",
        "Majorations de retard à Fès",
    )
    .await;
    let ij = case(
        &store,
        "001561191000066",
        "Indemnités journalières bloquées",
        "",
    )
    .await;
    store
        .add_note(&ij, Visibility::Shared, "الضمان الاجتماعي ملف متوقف")
        .await
        .expect("note");

    let refs = |hits: Vec<corridor_store::SearchHit>| {
        hits.into_iter()
            .map(|h| h.case.reference)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        refs(store.search("Fes", 10).await.expect("search")),
        vec![fes.clone()]
    );
    assert_eq!(
        refs(store.search("indemnites", 10).await.expect("search")),
        vec![ij.clone()]
    );
    assert_eq!(
        refs(store.search("indem journ", 10).await.expect("search")),
        vec![ij.clone()]
    );
    assert_eq!(
        refs(store.search("الضمان", 10).await.expect("search")),
        vec![ij.clone()]
    );
    assert_eq!(
        refs(store.search("002136093", 10).await.expect("search")),
        vec![fes.clone()],
        "ICE prefix"
    );
    assert!(store
        .search("inexistant", 10)
        .await
        .expect("search")
        .is_empty());
    assert!(store.search("  ", 10).await.expect("search").is_empty());
    let hit = &store.search("majorations", 10).await.expect("search")[0];
    assert!(hit.snippet.contains("[Majorations]"), "{}", hit.snippet);
}

#[tokio::test]
async fn a_reference_copied_from_a_message_finds_its_case() {
    let (_dir, store) = store().await;
    let r = case(&store, "001561191000066", "IJ maternité bloquées", "").await;
    // The interface writes references in its messages with non-breaking hyphens; pasted back
    // (a link, the command line), in any case, they name the same case.
    let pasted = format!(" {} ", r.replace('-', "\u{2011}").to_lowercase());
    assert_eq!(store.case(&pasted).await.expect("found").reference, r);
}

#[tokio::test]
async fn unknown_references_are_named_in_the_error() {
    let (_dir, store) = store().await;
    let err = store.case("COR-2026-06-9999").await.expect_err("unknown");
    assert_eq!(err.code(), "unknown_case");
    assert!(err.to_string().contains("COR-2026-06-9999"));
}

#[tokio::test]
async fn lists_sort_and_page() {
    let (_dir, store) = store().await;
    let a = case(&store, "001561191000066", "Bêta", "").await;
    let b = case(&store, "001561191000066", "alpha", "").await;
    let c = case(&store, "002136093000040", "Gamma", "").await;
    store
        .edit_case(
            &a,
            CaseEdit {
                priority: Some(corridor_model::Priority::Urgent),
                ..CaseEdit::default()
            },
        )
        .await
        .expect("urgent");
    let refs = |cases: Vec<corridor_model::Case>| {
        cases.into_iter().map(|c| c.reference).collect::<Vec<_>>()
    };
    let list = |sort, limit, offset| {
        let store = store.clone();
        async move {
            refs(
                store
                    .find_cases(&CaseFilter {
                        sort,
                        limit,
                        offset,
                        ..CaseFilter::default()
                    })
                    .await
                    .expect("list"),
            )
        }
    };
    use corridor_store::CaseSort::*;
    assert_eq!(
        list(Newest, None, 0).await,
        [c.clone(), b.clone(), a.clone()]
    );
    assert_eq!(
        list(Oldest, None, 0).await,
        [a.clone(), b.clone(), c.clone()]
    );
    assert_eq!(
        list(Priority, None, 0).await,
        [a.clone(), c.clone(), b.clone()]
    );
    assert_eq!(
        list(Title, None, 0).await,
        [b.clone(), a.clone(), c.clone()],
        "case-insensitive"
    );
    assert_eq!(
        list(Newest, Some(2), 1).await,
        [b.clone(), a.clone()],
        "second page"
    );
    let err = "size"
        .parse::<corridor_store::CaseSort>()
        .expect_err("unknown sort");
    assert!(err.to_string().contains("« size »"));
}

mod workflow_property {
    use proptest::prelude::*;

    use super::*;

    fn status() -> impl Strategy<Value = CaseStatus> {
        prop::sample::select(CaseStatus::ALL.to_vec())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

        /// Random transition requests through the store: the refused ones change nothing, the
        /// accepted ones are edges of the workflow, and the timeline replays to the status.
        #[test]
        fn random_transitions_through_the_store_stay_on_the_graph(
            steps in prop::collection::vec((status(), any::<bool>()), 1..25)
        ) {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(async {
                let (_dir, store) = store().await;
                let r = case(&store, "001561191000066", "Propriété", "").await;
                let mut current = CaseStatus::Draft;
                for (to, with_reason) in steps {
                    let before = store.outbox().await.expect("outbox").len();
                    let result = store.transition(&r, to, with_reason.then(|| "motif".to_owned())).await;
                    let after = store.outbox().await.expect("outbox").len();
                    match result {
                        Ok(c) => {
                            prop_assert!(corridor_model::workflow::allowed(current).contains(&to));
                            prop_assert_eq!(c.status, to);
                            prop_assert_eq!(after, before + 1);
                            current = to;
                        }
                        Err(_) => {
                            prop_assert!(corridor_model::workflow::check(current, to, with_reason.then_some("motif"), 0).is_err());
                            prop_assert_eq!(after, before, "a refused step queues nothing");
                            prop_assert_eq!(store.case(&r).await.expect("case").status, current);
                        }
                    }
                }
                // Replaying the timeline gives the stored status.
                let detail = store.case_detail(&r).await.expect("detail");
                let replayed = detail.timeline.iter().fold(CaseStatus::Draft, |s, e| match e.kind {
                    EventKind::StatusChanged { to, .. } => to,
                    _ => s,
                });
                prop_assert_eq!(replayed, detail.case.status);
                Ok(())
            })?;
        }
    }
}

#[tokio::test]
async fn a_query_matching_thousands_of_cases_lists_the_most_recent_first() {
    let (_dir, store) = store().await;
    let n = usize::try_from(corridor_store::RANKED_MATCHES).expect("small") + 5;
    let mut last = String::new();
    for i in 0..n {
        last = case(
            &store,
            "001561191000066",
            &format!("Pension bloquée {i}"),
            "",
        )
        .await;
    }
    let hits = store.search("pension", 20).await.expect("search");
    assert_eq!(hits.len(), 20);
    assert_eq!(
        hits[0].case.reference, last,
        "newest activity first beyond the ranked range"
    );
    assert!(hits[0].snippet.contains("[Pension]"), "{}", hits[0].snippet);
    // Narrowing with another word brings ranking back.
    let wanted = format!("{}", n - 3);
    let hits = store
        .search(&format!("pension {wanted}"), 5)
        .await
        .expect("search");
    assert!(
        hits[0].case.title.ends_with(&wanted),
        "{}",
        hits[0].case.title
    );
    assert!(hits[0].score < 0.0, "ranked by BM25");
}

#[tokio::test]
async fn a_refused_change_never_blocks_the_next_one() {
    // A change refused after its first write rolls back on its connection while the next
    // change starts on another: the next one must wait for the lock, not fail at once with
    // "database is locked".
    let (_dir, store) = store().await;
    let r = case(&store, "001561191000066", "Titre", "").await;
    let at = corridor_model::meeting::parse_local_datetime("2026-12-03 10:00").expect("time");
    let m = store
        .create_meeting(
            corridor_model::Region::from_number(6).expect("MA-06"),
            "Réunion",
            at,
            None,
        )
        .await
        .expect("meeting");
    let key = m.id.to_string();
    store.add_agenda_case(&key, &r).await.expect("agenda");
    for i in 0..40 {
        let err = store
            .add_agenda_case(&key, &r)
            .await
            .expect_err("already on the agenda");
        assert_eq!(err.code(), "nothing_to_change");
        store
            .set_minutes(&key, &format!("Version {i}"))
            .await
            .expect("the next change goes through");
    }
}

/// The interface asks the store what to offer: the answer follows the signed-in user's role
/// (here a CNSS representative, who neither submits nor writes CGEM notes) and the case's state.
#[tokio::test]
async fn the_store_says_what_the_user_may_do_now() {
    let (_dir, store) = store().await;
    let r = case(&store, "001561191000066", "IJ bloquées", "").await;
    // Before sign-in the role is not known: every step of the workflow is offered.
    let a = store.allowed(&r).await.expect("allowed");
    assert_eq!(a.transitions, [(CaseStatus::Submitted, false)]);
    store
        .set_session(&corridor_store::SyncSession {
            server_url: "http://127.0.0.1:9".to_owned(),
            username: "r.bennani".to_owned(),
            role: corridor_model::api::Role::CnssRep,
            regions: vec!["MA-06".parse().expect("region")],
            token: zeroize::Zeroizing::new("t".to_owned()),
        })
        .await
        .expect("session");
    let a = store.allowed(&r).await.expect("allowed");
    assert!(a.transitions.is_empty(), "submitting is a CGEM step");
    assert_eq!(a.visibilities, [Visibility::Shared, Visibility::Cnss]);
    assert!(a.edit);
    // And what it is not offered, the store refuses.
    let err = store
        .transition(&r, CaseStatus::Submitted, None)
        .await
        .expect_err("refused");
    assert_eq!(err.code(), "forbidden_role");
    let err = store
        .add_note(&r, Visibility::Cgem, "note")
        .await
        .expect_err("refused");
    assert_eq!(err.code(), "forbidden_visibility");
}

#[tokio::test]
async fn the_watch_of_a_user_holds_their_cases_with_their_deadlines() {
    use corridor_model::notices::{notices, NoticeKind};
    use corridor_model::sla::SlaState;
    let (_dir, store) = store().await;
    let mine = case(&store, "001561191000066", "IJ bloquées", "").await;
    let _other = case(&store, "002136093000040", "Échéancier", "").await;
    let before = store.watch("k.alaoui").await.expect("watch");
    assert!(before.is_empty(), "nothing in k.alaoui's charge yet");
    store
        .assign(&mine, Institution::Cgem, Some("k.alaoui".to_owned()))
        .await
        .expect("assign");
    store
        .transition(&mine, CaseStatus::Submitted, None)
        .await
        .expect("submit");
    let after = store.watch("k.alaoui").await.expect("watch");
    assert_eq!(
        after
            .iter()
            .map(|w| w.reference.as_str())
            .collect::<Vec<_>>(),
        [mine.as_str()]
    );
    assert_eq!(
        after[0].sla,
        SlaState::OnTime,
        "the clock runs once submitted"
    );
    assert_eq!(
        notices(&before, &after)
            .iter()
            .map(|n| (n.reference.clone(), n.kind))
            .collect::<Vec<_>>(),
        [(mine.clone(), NoticeKind::Assigned)]
    );
    assert!(store.watch("m.bennani").await.expect("watch").is_empty());
}

/// A region taken from the user while changes about it wait to be sent: the pulled page that
/// says so removes its cases, and each waiting change about them keeps its number but loses its
/// content (`withdrawn`), so that the device's sequence stays whole and nothing of the region
/// remains; the changes about other regions are untouched.
#[tokio::test]
async fn losing_a_region_withdraws_its_waiting_changes_and_keeps_the_others() {
    let (_dir, store) = store().await;
    let casa = case(&store, "001561191000066", "Dossier de Casablanca", "").await;
    let fes = case(&store, "002136093000040", "Dossier de Fès", "").await;
    store
        .add_note(&fes, Visibility::Cgem, "Note confidentielle de Fès")
        .await
        .expect("note");
    store
        .add_note(&casa, Visibility::Shared, "Note de Casablanca")
        .await
        .expect("note");
    let before = store.outbox().await.expect("outbox");
    let page = corridor_model::sync::PullResponse {
        changes: Vec::new(),
        removed_regions: vec!["MA-03".parse().expect("region")],
        cursor: "1".to_owned(),
        more: false,
        last_applied_seq: 0,
        head: 1,
    };
    let tally = store.apply_pull(&page).await.expect("pull");
    assert_eq!(tally.removed_cases, 1);
    assert!(store.case(&fes).await.is_err(), "the case left the device");
    let after = store.outbox().await.expect("outbox");
    assert_eq!(
        after.iter().map(|m| m.device_seq).collect::<Vec<_>>(),
        before.iter().map(|m| m.device_seq).collect::<Vec<_>>(),
        "every number kept"
    );
    let names: Vec<&str> = after.iter().map(|m| m.op.name()).collect();
    let was: Vec<&str> = before.iter().map(|m| m.op.name()).collect();
    assert_eq!(
        was,
        [
            "create_enterprise",
            "create_enterprise",
            "create_case",
            "create_case",
            "add_note",
            "add_note"
        ]
    );
    assert_eq!(
        names,
        [
            "create_enterprise",
            "withdrawn",
            "create_case",
            "withdrawn",
            "withdrawn",
            "add_note"
        ]
    );
    let text = serde_json::to_string(&after).expect("json");
    assert!(
        !text.contains("Fès"),
        "nothing of the region remains: {text}"
    );
    assert!(text.contains("Note de Casablanca"));
    assert!(after
        .iter()
        .filter(|m| m.op.name() == "withdrawn")
        .all(|m| m.base.is_empty()));
}
