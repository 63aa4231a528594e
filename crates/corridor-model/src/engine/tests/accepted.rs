//! Accepted operations and their effects, the changes that change nothing, the ICE rule.

use uuid::Uuid;

use super::*;
use crate::meeting::RoadmapStatus;
use crate::mutation::CreateEnterprise;
use crate::sync::ConflictChoice;
use crate::{CaseStatus, NewEnterprise};

#[test]
fn accepted_operations_write_what_they_say() {
    let fx = server(Op::CreateCase(new_case(ENTERPRISE))).expect("create");
    assert_eq!(docs(&fx), ["case", "event"]);
    let Doc::Case(c) = &fx.writes[0].doc else {
        panic!("case")
    };
    // Trimmed title, the enterprise's region (not the one the device said), draft.
    assert_eq!(c.case.title, "Accès Damancom");
    assert_eq!(c.case.region, region("MA-06"));
    assert_eq!(c.case.status, CaseStatus::Draft);
    assert_eq!(fx.final_reference, Some((2026, region("MA-06"))));
    let Doc::Event(e) = &fx.writes[1].doc else {
        panic!("event")
    };
    assert_eq!((e.id, &e.kind), (c.case.id, &EventKind::Created));
    // The device keeps its provisional reference.
    let fx = run(
        &world(),
        &officer(),
        Authority::Device,
        Op::CreateCase(new_case(ENTERPRISE)),
    )
    .expect("create");
    assert_eq!(fx.final_reference, None);

    let fx = server(transition(
        CaseStatus::InProgress,
        CaseStatus::Resolved,
        Some(" Régularisé "),
    ))
    .expect("resolve");
    let Doc::Case(c) = &fx.writes[0].doc else {
        panic!("case")
    };
    assert_eq!(c.case.status, CaseStatus::Resolved);
    assert_eq!(c.case.resolution.as_deref(), Some("Régularisé"));
    assert_eq!(c.case.resolved_at, Some(at()));

    let fx = server(note(CASE, Visibility::Cgem)).expect("note");
    assert_eq!(docs(&fx), ["event"]);
    assert_eq!(fx.writes[0].audience, Audience::Cgem);

    let mut held = world();
    held.content = Some(Content { size: 1_000 });
    let fx = run(
        &held,
        &officer(),
        Authority::Server,
        attach(&HASH.to_uppercase(), 1_000),
    )
    .expect("attach");
    assert_eq!(fx.attachment, Some((HASH.to_owned(), region("MA-06"))));

    let fx = server(Op::AssignCase {
        case_id: CASE,
        event_id: EVENT,
        institution: Institution::Cnss,
        assignee: Some(" r.bennani ".to_owned()),
    })
    .expect("assign");
    let Doc::Case(c) = &fx.writes[0].doc else {
        panic!("case")
    };
    assert_eq!(c.case.cnss_assignee.as_deref(), Some("r.bennani"));
    assert_eq!(c.field_versions.get("cnss_assignee"), Some(&1));
    assert_eq!(c.field_writers.get("cnss_assignee"), Some(&DEVICE_A));

    let fx = server(Op::LinkCases {
        case_id: CASE,
        event_id: EVENT,
        other_id: OTHER,
        parent: false,
    })
    .expect("link");
    // Both cases record the link.
    assert_eq!(docs(&fx), ["case", "case", "event"]);

    let fx = server(Op::ResolveConflict {
        case_id: CASE,
        event_id: EVENT,
        conflict_id: CONFLICT,
        choice: ConflictChoice::Proposed,
    })
    .expect("resolve");
    let Doc::Case(c) = &fx.writes[0].doc else {
        panic!("case")
    };
    assert_eq!(c.case.title, "IJ maternité bloquées depuis mars");
    assert_eq!(docs(&fx), ["case", "event", "conflict"]);

    let committee = signed(Role::Committee, "", DEVICE_B);
    let fx = run(
        &world(),
        &committee,
        Authority::Server,
        Op::UpdateRoadmapItem {
            id: ITEM,
            status: Some(RoadmapStatus::Done),
            progress: None,
        },
    )
    .expect("done");
    let Doc::Roadmap(r) = &fx.writes[0].doc else {
        panic!("roadmap")
    };
    // Done means 100 %, the same on every side.
    assert_eq!(
        (r.status, r.progress, r.version),
        (RoadmapStatus::Done, 100, 2)
    );

    let fx = server(Op::SetMinutes {
        meeting_id: MEETING,
        text: "Version revue".to_owned(),
    });
    assert!(fx.is_err(), "stale without a base");
    let fx = apply(
        &world(),
        Context {
            actor: &officer(),
            authority: Authority::Server,
            now: at(),
        },
        &mutation(
            Op::SetMinutes {
                meeting_id: MEETING,
                text: "Version revue".to_owned(),
            },
            &[("minutes", 1)],
        ),
    )
    .expect("minutes on the current version");
    let Doc::Meeting(m) = &fx.writes[0].doc else {
        panic!("meeting")
    };
    assert_eq!(
        (m.minutes.as_deref(), m.minutes_version),
        (Some("Version revue"), 2)
    );
}

#[test]
fn changes_that_change_nothing_write_nothing() {
    let committee = signed(Role::Committee, "", DEVICE_B);
    let nothing: Vec<(&str, Result<Effects, Rejection>)> = vec![
        ("same title", server(title_edit("IJ maternité bloquées"))),
        (
            "tag already there",
            server(Op::TagCase {
                case_id: CASE,
                event_id: EVENT,
                add: vec!["URGENT".to_owned()],
                remove: vec!["absent".to_owned()],
            }),
        ),
        (
            "participant already there",
            server(Op::AddParticipant {
                meeting_id: MEETING,
                name: " K. Alaoui ".to_owned(),
            }),
        ),
        (
            "case already on the agenda",
            server(Op::AddAgendaCase {
                meeting_id: MEETING,
                case_id: CASE,
            }),
        ),
        (
            "action already recorded",
            server(Op::AddAction {
                meeting_id: MEETING,
                action_id: ACTION,
                text: "Autre".to_owned(),
                owner: "X".to_owned(),
                due: None,
            }),
        ),
        (
            "same assignee",
            server(Op::AssignCase {
                case_id: CASE,
                event_id: EVENT,
                institution: Institution::Cgem,
                assignee: Some("  ".to_owned()),
            }),
        ),
        ("the move someone made meanwhile", {
            let mut v = world();
            v.cases.get_mut(&CASE).expect("case").case.status = CaseStatus::AwaitingEmployer;
            run(
                &v,
                &officer(),
                Authority::Server,
                transition(
                    CaseStatus::InProgress,
                    CaseStatus::AwaitingEmployer,
                    Some("Pièces"),
                ),
            )
        }),
        (
            "same roadmap status",
            run(
                &world(),
                &committee,
                Authority::Server,
                Op::UpdateRoadmapItem {
                    id: ITEM,
                    status: Some(RoadmapStatus::Planned),
                    progress: Some(0),
                },
            ),
        ),
    ];
    for (what, fx) in nothing {
        let fx = fx.unwrap_or_else(|r| panic!("{what}: refused {r:?}"));
        assert!(fx.changes_nothing(), "{what}: {fx:?}");
    }
}

#[test]
fn an_ice_names_one_enterprise() {
    let mut view = world();
    view.ice_owner = Some(ENTERPRISE);
    let op = Op::CreateEnterprise(CreateEnterprise {
        id: Uuid::from_u128(0x201),
        enterprise: NewEnterprise::parse("Atlas", "001561191000066", "MA-06", None, None)
            .expect("valid"),
    });
    // The device, which can see the enterprise, refuses a second record of it...
    assert_eq!(
        code(run(&view, &officer(), Authority::Device, op.clone())),
        "duplicate_ice"
    );
    // ...the server merges one made by a device that could not know of it.
    let fx = run(&view, &officer(), Authority::Server, op).expect("merge");
    assert_eq!(fx.alias, Some((Uuid::from_u128(0x201), ENTERPRISE)));
    assert!(fx.writes.is_empty());
}
