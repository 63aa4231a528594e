//! Meetings and the committee roadmap, on a real SQLCipher store.

use corridor_model::meeting::{parse_date, parse_local_datetime, Owner, RoadmapStatus};
use corridor_model::timeline::EventKind;
use corridor_model::{NewCase, NewEnterprise, Region};
use corridor_store::{Passphrase, Store};

async fn store() -> (tempfile::TempDir, Store, Vec<String>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::create(
        dir.path(),
        Some(Passphrase::new("correct horse battery".to_owned())),
    )
    .await
    .expect("create");
    let mut refs = Vec::new();
    for (name, ice, region, title) in [
        ("Atlas Textile", "001561191000066", "MA-06", "IJ bloquées"),
        ("Fès Cuir", "002136093000040", "MA-03", "Échéancier"),
    ] {
        store
            .add_enterprise(NewEnterprise::parse(name, ice, region, None, None).expect("valid"))
            .await
            .expect("e");
        for suffix in ["", " (2)"] {
            let c = store
                .new_case(
                    NewCase::parse(ice, "other", &format!("{title}{suffix}"), "").expect("valid"),
                )
                .await
                .expect("case");
            refs.push(c.reference);
        }
    }
    (dir, store, refs)
}

#[tokio::test]
async fn a_meeting_records_its_agenda_decisions_minutes_and_actions() {
    let (_dir, store, refs) = store().await;
    let casa = Region::from_number(6).expect("MA-06");
    let at = parse_local_datetime("2026-12-03 10:00").expect("time");
    let m = store
        .create_meeting(
            casa,
            "Réunion mensuelle du corridor",
            at,
            Some("CGEM Casablanca"),
        )
        .await
        .expect("meeting");
    assert_eq!(
        m.at.to_rfc3339(),
        "2026-12-03T09:00:00+00:00",
        "10:00 in Casablanca is 09:00 UTC"
    );
    let key = &m.id.to_string()[..13];

    store
        .add_participant(key, "K. Alaoui (CGEM)")
        .await
        .expect("participant");
    store
        .add_participant(key, "R. Bennani (CNSS)")
        .await
        .expect("participant");
    store.add_agenda_case(key, &refs[1]).await.expect("agenda");
    let m = store.add_agenda_case(key, &refs[0]).await.expect("agenda");
    let order: Vec<_> = m.agenda.iter().map(|a| a.reference.clone()).collect();
    assert_eq!(
        order,
        [refs[1].clone(), refs[0].clone()],
        "agenda keeps the order of addition"
    );
    assert_eq!(
        store
            .add_agenda_case(key, &refs[0])
            .await
            .expect_err("twice")
            .code(),
        "nothing_to_change"
    );
    let err = store
        .add_agenda_case(key, &refs[2])
        .await
        .expect_err("other region");
    assert_eq!(err.code(), "other_region");
    assert!(
        err.to_string()
            .contains("(MA-03) n'est pas de la région de la réunion (MA-06)"),
        "{err}"
    );

    let m = store
        .record_decision(key, &refs[0], "La CNSS débloque les IJ sous 10 jours")
        .await
        .expect("decision");
    assert_eq!(
        m.agenda[1].decision.as_deref(),
        Some("La CNSS débloque les IJ sous 10 jours")
    );
    let timeline = store.case_detail(&refs[0]).await.expect("detail").timeline;
    assert!(
        matches!(&timeline.last().expect("event").kind, EventKind::Decision { meeting_id, text }
            if *meeting_id == m.id && text.starts_with("La CNSS débloque")),
        "the decision is in the case's timeline"
    );
    let err = store
        .record_decision(key, &refs[2], "x")
        .await
        .expect_err("not on agenda");
    assert_eq!(err.code(), "not_on_agenda");

    store
        .set_minutes(key, "Deux dossiers examinés.")
        .await
        .expect("minutes");
    let m = store
        .add_action(
            key,
            "Transmettre l'attestation",
            "K. Alaoui",
            Some(parse_date("2026-12-10").expect("date")),
        )
        .await
        .expect("action");
    let action = m.actions[0].id.to_string();
    let m = store.complete_action(key, &action).await.expect("done");
    assert!(m.actions[0].done);
    assert_eq!(
        store
            .complete_action(key, &action)
            .await
            .expect_err("twice")
            .code(),
        "nothing_to_change"
    );
    assert_eq!(m.participants.len(), 2);
    assert_eq!(m.minutes.as_deref(), Some("Deux dossiers examinés."));
    assert_eq!(store.list_meetings().await.expect("list")[0].agenda_len, 2);
    assert_eq!(
        store
            .meeting("0000000000")
            .await
            .expect_err("unknown")
            .code(),
        "unknown_item"
    );

    let names: Vec<_> = store
        .outbox()
        .await
        .expect("outbox")
        .iter()
        .map(|o| o.op.name())
        .collect();
    for n in [
        "create_meeting",
        "add_participant",
        "add_agenda_case",
        "record_decision",
        "set_minutes",
        "add_action",
        "complete_action",
    ] {
        assert!(names.contains(&n), "{n} in {names:?}");
    }
}

#[tokio::test]
async fn the_roadmap_tracks_status_progress_and_milestones() {
    let (_dir, store, _) = store().await;
    let item = store
        .add_roadmap_item(
            "Intégration du secteur informel",
            "Propositions conjointes",
            Owner::Joint,
        )
        .await
        .expect("item");
    assert_eq!((item.status, item.progress), (RoadmapStatus::Planned, 0));
    let key = item.id.to_string();
    let item = store
        .update_roadmap_item(
            &key,
            Some(RoadmapStatus::InProgress),
            Some(40),
            Some(("Étude d'impact".to_owned(), None)),
            None,
        )
        .await
        .expect("update");
    assert_eq!(
        (item.status, item.progress, item.milestones.len()),
        (RoadmapStatus::InProgress, 40, 1)
    );
    let m = item.milestones[0].id.to_string();
    let item = store
        .update_roadmap_item(&key, None, None, None, Some(&m))
        .await
        .expect("milestone");
    assert!(item.milestones[0].done);
    let err = store
        .update_roadmap_item(&key, None, Some(120), None, None)
        .await
        .expect_err("over 100");
    assert_eq!(err.code(), "invalid_progress");
    assert_eq!(
        store.roadmap().await.expect("roadmap")[0].progress,
        40,
        "refused update wrote nothing"
    );
    let item = store
        .update_roadmap_item(&key, Some(RoadmapStatus::Done), None, None, None)
        .await
        .expect("done");
    assert_eq!(item.progress, 100);
}
