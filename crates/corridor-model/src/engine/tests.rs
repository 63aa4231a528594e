//! Table-driven tests of every operation: accepted, each refusal, and the changes that change
//! nothing. Expected values are written out, not computed by the engine.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};
use uuid::Uuid;

use super::*;
use crate::meeting::{ActionItem, AgendaItem, Owner, RoadmapStatus};
use crate::mutation::{CaseEdit, CreateCase, CreateEnterprise};
use crate::sync::ConflictChoice;
use crate::{Case, CaseCategory, CaseStatus, NewEnterprise, Priority};

const CASE: Uuid = Uuid::from_u128(0x100);
const OTHER: Uuid = Uuid::from_u128(0x101);
const FOREIGN: Uuid = Uuid::from_u128(0x102);
const ENTERPRISE: Uuid = Uuid::from_u128(0x200);
const MEETING: Uuid = Uuid::from_u128(0x300);
const ITEM: Uuid = Uuid::from_u128(0x400);
const CONFLICT: Uuid = Uuid::from_u128(0x500);
const EVENT: Uuid = Uuid::from_u128(0x600);
const ACTION: Uuid = Uuid::from_u128(0x700);
const DEVICE_A: Uuid = Uuid::from_u128(0xa);
const DEVICE_B: Uuid = Uuid::from_u128(0xb);
const HASH: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0)
        .single()
        .expect("instant")
}

fn region(code: &str) -> Region {
    code.parse().expect("region")
}

fn officer() -> Actor {
    signed(Role::CgemOfficer, "MA-06", DEVICE_A)
}

fn signed(role: Role, regions: &str, device: Uuid) -> Actor {
    Actor {
        username: format!("{}.user", role.code()),
        device,
        access: Access::Signed {
            role,
            regions: regions
                .split(',')
                .filter(|r| !r.is_empty())
                .map(region)
                .collect(),
        },
    }
}

fn enterprise(id: Uuid, region_code: &str) -> Enterprise {
    Enterprise {
        id,
        name: "Atlas Textile".to_owned(),
        ice: "001561191000066".parse().expect("ice"),
        cnss: None,
        city: None,
        region: region(region_code),
        details: Default::default(),
        created_at: at(),
    }
}

fn case(id: Uuid, region_code: &str, status: CaseStatus) -> CaseDoc {
    CaseDoc {
        case: Case {
            id,
            reference: format!("COR-2026-06-{:04}", id.as_u128()),
            enterprise_id: ENTERPRISE,
            enterprise_name: "Atlas Textile".to_owned(),
            ice: "001561191000066".parse().expect("ice"),
            category: CaseCategory::BlockedBenefit,
            title: "IJ maternité bloquées".to_owned(),
            description: String::new(),
            status,
            region: region(region_code),
            opened_at: at(),
            priority: Priority::Normal,
            amount_centimes: None,
            cgem_assignee: None,
            cnss_assignee: None,
            resolved_at: None,
            resolution: None,
            parent_id: None,
            tags: vec!["urgent".to_owned()],
        },
        field_versions: BTreeMap::new(),
        field_writers: BTreeMap::new(),
        links: Vec::new(),
    }
}

fn meeting(region_code: &str) -> Meeting {
    Meeting {
        id: MEETING,
        region: region(region_code),
        title: "Réunion mensuelle".to_owned(),
        at: at(),
        place: None,
        participants: vec!["K. Alaoui".to_owned()],
        agenda: vec![AgendaItem {
            case_id: CASE,
            reference: "COR-2026-06-0256".to_owned(),
            title: "IJ".to_owned(),
            decision: None,
        }],
        minutes: Some("Première version".to_owned()),
        minutes_version: 1,
        minutes_writer: Some(DEVICE_B),
        actions: vec![ActionItem {
            id: ACTION,
            text: "Relancer".to_owned(),
            owner: "K. Alaoui".to_owned(),
            due: None,
            done: false,
        }],
    }
}

fn item() -> RoadmapItem {
    RoadmapItem {
        id: ITEM,
        title: "Intégration de l'informel".to_owned(),
        description: String::new(),
        owner: Owner::Joint,
        status: RoadmapStatus::Planned,
        progress: 0,
        version: 1,
        writer: Some(DEVICE_B),
        milestones: Vec::new(),
    }
}

/// A view holding a case of Casablanca-Settat (`CASE`, in progress), another one (`OTHER`,
/// draft), one of Rabat (`FOREIGN`), their enterprise, a meeting, a roadmap item and a
/// conflict on `CASE`.
fn world() -> View {
    let mut v = View::default();
    v.cases
        .insert(CASE, case(CASE, "MA-06", CaseStatus::InProgress));
    v.cases
        .insert(OTHER, case(OTHER, "MA-06", CaseStatus::Draft));
    v.cases
        .insert(FOREIGN, case(FOREIGN, "MA-04", CaseStatus::InProgress));
    v.enterprises
        .insert(ENTERPRISE, enterprise(ENTERPRISE, "MA-06"));
    v.meetings.insert(MEETING, meeting("MA-06"));
    v.roadmap.insert(ITEM, item());
    v.conflicts.insert(
        CONFLICT,
        Conflict {
            id: CONFLICT,
            case_id: CASE,
            field: "title".to_owned(),
            current: "IJ maternité bloquées".into(),
            proposed: "IJ maternité bloquées depuis mars".into(),
            author: "r.bennani".to_owned(),
            authored_at: at(),
            mutation_id: Uuid::nil(),
            resolution: None,
        },
    );
    v
}

fn mutation(op: Op, base: &[(&str, i64)]) -> Mutation {
    Mutation {
        mutation_id: Uuid::from_u128(0xfff),
        device_id: DEVICE_A,
        device_seq: 1,
        op,
        base: base.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
        authored_at: at(),
        author: "ignored".to_owned(),
    }
}

fn run(view: &View, actor: &Actor, authority: Authority, op: Op) -> Result<Effects, Rejection> {
    apply(
        view,
        Context {
            actor,
            authority,
            now: at(),
        },
        &mutation(op, &[]),
    )
}

fn server(op: Op) -> Result<Effects, Rejection> {
    run(&world(), &officer(), Authority::Server, op)
}

fn code(r: Result<Effects, Rejection>) -> &'static str {
    match r {
        Ok(fx) => panic!("accepted: {fx:?}"),
        Err(r) => r.code.as_str(),
    }
}

fn note(case_id: Uuid, visibility: Visibility) -> Op {
    Op::AddNote {
        case_id,
        event_id: EVENT,
        visibility,
        text: "Employeur relancé".to_owned(),
    }
}

fn transition(from: CaseStatus, to: CaseStatus, reason: Option<&str>) -> Op {
    Op::TransitionCase {
        case_id: CASE,
        event_id: EVENT,
        from,
        to,
        reason: reason.map(str::to_owned),
    }
}

fn title_edit(title: &str) -> Op {
    Op::EditCase {
        case_id: CASE,
        event_id: EVENT,
        edit: CaseEdit {
            title: Some(title.to_owned()),
            ..CaseEdit::default()
        },
    }
}

fn attach(hash: &str, size: u64) -> Op {
    Op::AttachFile {
        case_id: CASE,
        event_id: EVENT,
        hash: hash.to_owned(),
        name: "attestation.pdf".to_owned(),
        mime: "application/pdf".to_owned(),
        size,
    }
}

fn docs(fx: &Effects) -> Vec<&'static str> {
    fx.writes.iter().map(|w| w.doc.kind()).collect()
}

#[test]
fn refusals_have_their_codes() {
    let committee = signed(Role::Committee, "", DEVICE_A);
    let rabat = signed(Role::CgemOfficer, "MA-04", DEVICE_A);
    let cnss = signed(Role::CnssRep, "MA-06", DEVICE_A);
    let mut taken = world();
    taken.taken.insert((DocKind::Event, EVENT));
    let mut held = world();
    held.content = Some(Content { size: 1_000 });
    let cases: Vec<(&str, Result<Effects, Rejection>, &str)> = vec![
        (
            "committee writes no case",
            run(
                &world(),
                &committee,
                Authority::Server,
                note(CASE, Visibility::Shared),
            ),
            "read_only",
        ),
        (
            "another region's case reads as unknown",
            run(
                &world(),
                &rabat,
                Authority::Server,
                note(CASE, Visibility::Shared),
            ),
            "unknown_case",
        ),
        (
            "no such case",
            server(note(Uuid::from_u128(9), Visibility::Shared)),
            "unknown_case",
        ),
        (
            "CGEM writes no CNSS note",
            server(note(CASE, Visibility::Cnss)),
            "forbidden_visibility",
        ),
        (
            "CNSS writes no CGEM note",
            run(
                &world(),
                &cnss,
                Authority::Server,
                note(CASE, Visibility::Cgem),
            ),
            "forbidden_visibility",
        ),
        (
            "an event id already used (another region's creation event)",
            run(
                &taken,
                &officer(),
                Authority::Server,
                note(CASE, Visibility::Shared),
            ),
            "duplicate",
        ),
        (
            "empty note",
            server(Op::AddNote {
                case_id: CASE,
                event_id: EVENT,
                visibility: Visibility::Shared,
                text: "   ".to_owned(),
            }),
            "required",
        ),
        (
            "note over the limit",
            server(Op::AddNote {
                case_id: CASE,
                event_id: EVENT,
                visibility: Visibility::Shared,
                text: "x".repeat(MAX_TEXT + 1),
            }),
            "too_long",
        ),
        (
            "a transition from a status the case left",
            server(transition(CaseStatus::Draft, CaseStatus::Submitted, None)),
            "stale_status",
        ),
        (
            "a transition the workflow forbids",
            server(transition(CaseStatus::InProgress, CaseStatus::Closed, None)),
            "forbidden_transition",
        ),
        (
            "resolving needs a reason",
            server(transition(
                CaseStatus::InProgress,
                CaseStatus::Resolved,
                Some(" "),
            )),
            "reason_required",
        ),
        (
            "a CGEM officer does not take up a transmitted case",
            {
                let mut v = world();
                v.cases.get_mut(&CASE).expect("case").case.status = CaseStatus::TransmittedToCnss;
                run(
                    &v,
                    &officer(),
                    Authority::Server,
                    transition(CaseStatus::TransmittedToCnss, CaseStatus::InProgress, None),
                )
            },
            "forbidden_role",
        ),
        (
            "a CNSS representative does not qualify",
            {
                let mut v = world();
                v.cases.get_mut(&CASE).expect("case").case.status = CaseStatus::Submitted;
                run(
                    &v,
                    &cnss,
                    Authority::Server,
                    transition(CaseStatus::Submitted, CaseStatus::Qualified, None),
                )
            },
            "forbidden_role",
        ),
        (
            "a parent does not close over an open child",
            {
                let mut v = world();
                v.cases.get_mut(&CASE).expect("case").case.status = CaseStatus::Resolved;
                v.children = vec![CaseStatus::InProgress, CaseStatus::Closed];
                run(
                    &v,
                    &officer(),
                    Authority::Server,
                    transition(CaseStatus::Resolved, CaseStatus::Closed, None),
                )
            },
            "open_children",
        ),
        (
            "negative amount",
            server(Op::EditCase {
                case_id: CASE,
                event_id: EVENT,
                edit: CaseEdit {
                    amount_centimes: Some(Some(-1)),
                    ..CaseEdit::default()
                },
            }),
            "invalid_amount",
        ),
        ("empty title", server(title_edit("  ")), "required"),
        (
            "bad tag",
            server(Op::TagCase {
                case_id: CASE,
                event_id: EVENT,
                add: vec!["a,b".to_owned()],
                remove: vec![],
            }),
            "invalid_tag",
        ),
        (
            "not a hash",
            run(&held, &officer(), Authority::Server, attach("abc", 1_000)),
            "invalid_hash",
        ),
        (
            "over the attachment limit",
            run(
                &held,
                &officer(),
                Authority::Server,
                attach(HASH, MAX_ATTACHMENT + 1),
            ),
            "attachment_too_large",
        ),
        (
            "content not uploaded or not visible",
            server(attach(HASH, 1_000)),
            "unknown_attachment",
        ),
        (
            "a false size",
            run(&held, &officer(), Authority::Server, attach(HASH, 999)),
            "attachment_size_mismatch",
        ),
        (
            "self link",
            server(Op::LinkCases {
                case_id: CASE,
                event_id: EVENT,
                other_id: CASE,
                parent: false,
            }),
            "self_link",
        ),
        (
            "a parent link making a cycle",
            {
                let mut v = world();
                v.ancestors = vec![OTHER, CASE];
                run(
                    &v,
                    &officer(),
                    Authority::Server,
                    Op::LinkCases {
                        case_id: CASE,
                        event_id: EVENT,
                        other_id: OTHER,
                        parent: true,
                    },
                )
            },
            "link_cycle",
        ),
        (
            "a link to another region's case",
            server(Op::LinkCases {
                case_id: CASE,
                event_id: EVENT,
                other_id: FOREIGN,
                parent: false,
            }),
            "unknown_case",
        ),
        (
            "unknown conflict",
            server(Op::ResolveConflict {
                case_id: OTHER,
                event_id: EVENT,
                conflict_id: CONFLICT,
                choice: ConflictChoice::Current,
            }),
            "unknown_conflict",
        ),
        (
            "a conflict settled already",
            {
                let mut v = world();
                v.conflicts.get_mut(&CONFLICT).expect("conflict").resolution =
                    Some(crate::sync::ConflictResolution {
                        choice: ConflictChoice::Current,
                        by: "x".to_owned(),
                        at: at(),
                    });
                run(
                    &v,
                    &officer(),
                    Authority::Server,
                    Op::ResolveConflict {
                        case_id: CASE,
                        event_id: EVENT,
                        conflict_id: CONFLICT,
                        choice: ConflictChoice::Proposed,
                    },
                )
            },
            "already_resolved",
        ),
        (
            "a foreign case on the agenda",
            {
                let rabat_and_casa = signed(Role::CgemOfficer, "MA-06,MA-04", DEVICE_A);
                run(
                    &world(),
                    &rabat_and_casa,
                    Authority::Server,
                    Op::AddAgendaCase {
                        meeting_id: MEETING,
                        case_id: FOREIGN,
                    },
                )
            },
            "other_region",
        ),
        (
            "a decision on a foreign case on the agenda",
            {
                let rabat_and_casa = signed(Role::CgemOfficer, "MA-06,MA-04", DEVICE_A);
                let mut v = world();
                v.meetings.get_mut(&MEETING).expect("meeting").agenda[0].case_id = FOREIGN;
                run(
                    &v,
                    &rabat_and_casa,
                    Authority::Server,
                    Op::RecordDecision {
                        meeting_id: MEETING,
                        case_id: FOREIGN,
                        event_id: EVENT,
                        text: "Accord".to_owned(),
                    },
                )
            },
            "other_region",
        ),
        (
            "a decision on a case off the agenda",
            server(Op::RecordDecision {
                meeting_id: MEETING,
                case_id: OTHER,
                event_id: EVENT,
                text: "Accord".to_owned(),
            }),
            "not_on_agenda",
        ),
        (
            "another region's meeting",
            run(
                &world(),
                &rabat,
                Authority::Server,
                Op::AddParticipant {
                    meeting_id: MEETING,
                    name: "X".to_owned(),
                },
            ),
            "unknown_meeting",
        ),
        (
            "a meeting in another region",
            server(Op::CreateMeeting {
                id: MEETING,
                region: region("MA-04"),
                title: "Réunion".to_owned(),
                at: at(),
                place: None,
            }),
            "out_of_scope",
        ),
        (
            "minutes over someone else's newer version",
            server(Op::SetMinutes {
                meeting_id: MEETING,
                text: "Ma version".to_owned(),
            }),
            "stale",
        ),
        (
            "unknown action",
            server(Op::CompleteAction {
                meeting_id: MEETING,
                action_id: Uuid::from_u128(1),
            }),
            "unknown_action",
        ),
        (
            "an officer does not write the roadmap",
            server(Op::UpdateRoadmapItem {
                id: ITEM,
                status: Some(RoadmapStatus::Done),
                progress: None,
            }),
            "committee_only",
        ),
        (
            "roadmap progress over 100",
            run(
                &world(),
                &committee,
                Authority::Server,
                Op::UpdateRoadmapItem {
                    id: ITEM,
                    status: None,
                    progress: Some(101),
                },
            ),
            "invalid_progress",
        ),
        (
            "a roadmap update over someone else's newer version",
            run(
                &world(),
                &committee,
                Authority::Server,
                Op::UpdateRoadmapItem {
                    id: ITEM,
                    status: None,
                    progress: Some(50),
                },
            ),
            "stale",
        ),
        (
            "unknown milestone",
            run(
                &world(),
                &committee,
                Authority::Server,
                Op::CompleteMilestone {
                    item_id: ITEM,
                    milestone_id: Uuid::from_u128(1),
                },
            ),
            "unknown_milestone",
        ),
        (
            "an enterprise of another region",
            server(Op::CreateEnterprise(CreateEnterprise {
                id: Uuid::from_u128(0x201),
                enterprise: NewEnterprise::parse(
                    "Sud Agro",
                    "002136093000040",
                    "MA-09",
                    None,
                    None,
                )
                .expect("valid"),
            })),
            "out_of_scope",
        ),
        (
            "a case for an unknown enterprise",
            server(Op::CreateCase(new_case(Uuid::from_u128(0x999)))),
            "unknown_enterprise",
        ),
    ];
    for (what, result, expected) in cases {
        assert_eq!(code(result), expected, "{what}");
    }
}

fn new_case(enterprise_id: Uuid) -> CreateCase {
    CreateCase {
        id: Uuid::from_u128(0x150),
        reference: "COR-2026-06-P0001-abcd".to_owned(),
        enterprise_id,
        category: CaseCategory::EServices,
        title: "  Accès Damancom  ".to_owned(),
        description: "Compte bloqué".to_owned(),
        priority: Priority::High,
        amount_centimes: Some(1_250_000),
        region: region("MA-01"),
    }
}

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

/// The scenario of the silent overwrite: user B changed the title on the server (version 1,
/// written by device B); device A, offline, had seen version 0 and edits the title twice.
#[test]
fn two_offline_edits_over_another_users_change_are_both_conflicts() {
    let mut view = world();
    let c = view.cases.get_mut(&CASE).expect("case");
    c.case.title = "Titre de B".to_owned();
    c.field_versions.insert("title".to_owned(), 1);
    c.field_writers.insert("title".to_owned(), DEVICE_B);
    let actor = officer();
    let ctx = Context {
        actor: &actor,
        authority: Authority::Server,
        now: at(),
    };
    // Both edits carry the base device A held when it made them: version 0.
    for title in ["Titre de A, premier", "Titre de A, second"] {
        let fx = apply(&view, ctx, &mutation(title_edit(title), &[("title", 0)])).expect("apply");
        assert_eq!(fx.conflicts.len(), 1, "{title}");
        assert_eq!(docs(&fx), ["conflict"], "B's value stays current");
    }
}

#[test]
fn a_devices_own_edits_made_offline_never_conflict_with_each_other() {
    let actor = officer();
    let ctx = Context {
        actor: &actor,
        authority: Authority::Server,
        now: at(),
    };
    let mut view = world();
    for (title, version) in [("Premier", 1), ("Second", 2)] {
        let fx = apply(&view, ctx, &mutation(title_edit(title), &[("title", 0)])).expect("apply");
        assert!(fx.conflicts.is_empty(), "{title}");
        let Doc::Case(c) = &fx.writes[0].doc else {
            panic!("case")
        };
        assert_eq!(c.field_versions.get("title"), Some(&version));
        view.cases.insert(CASE, c.clone());
    }
    assert_eq!(view.cases[&CASE].case.title, "Second");
}

#[test]
fn the_device_keeps_the_versions_it_pulled() {
    let fx = run(
        &world(),
        &officer(),
        Authority::Device,
        title_edit("Nouveau"),
    )
    .expect("edit");
    let Doc::Case(c) = &fx.writes[0].doc else {
        panic!("case")
    };
    assert_eq!(c.case.title, "Nouveau");
    assert!(
        c.field_versions.is_empty(),
        "only the server counts versions"
    );
    assert_eq!(
        base_of(&world(), &title_edit("x")),
        BTreeMap::from([("title".to_owned(), 0)])
    );
}

#[test]
fn before_sign_in_only_role_and_region_wait_for_the_server() {
    let unsigned = Actor {
        username: "local".to_owned(),
        device: DEVICE_A,
        access: Access::Unsigned {
            institution: Institution::Cgem,
        },
    };
    // Another region's case, the roadmap: accepted here, checked by the server later.
    assert!(run(
        &world(),
        &unsigned,
        Authority::Device,
        note(FOREIGN, Visibility::Shared)
    )
    .is_ok());
    assert!(run(
        &world(),
        &unsigned,
        Authority::Device,
        Op::CompleteMilestone {
            item_id: ITEM,
            milestone_id: Uuid::from_u128(1),
        }
    )
    .is_err_and(|r| r.code == Code::UnknownMilestone));
    // Every other rule holds.
    assert_eq!(
        code(run(
            &world(),
            &unsigned,
            Authority::Device,
            note(CASE, Visibility::Cnss)
        )),
        "forbidden_visibility"
    );
}

#[test]
fn the_interface_is_offered_only_what_the_engine_accepts() {
    let mut submitted = case(CASE, "MA-06", CaseStatus::Submitted);
    let cgem = officer();
    let cnss = signed(Role::CnssRep, "MA-06", DEVICE_B);
    let committee = signed(Role::Committee, "", DEVICE_B);
    assert_eq!(
        allowed_transitions(&cgem, &submitted, 0),
        [(CaseStatus::Qualified, false), (CaseStatus::Rejected, true)]
    );
    assert_eq!(allowed_transitions(&cnss, &submitted, 0), []);
    assert_eq!(allowed_transitions(&committee, &submitted, 0), []);
    submitted.case.status = CaseStatus::TransmittedToCnss;
    assert_eq!(
        allowed_transitions(&cnss, &submitted, 0),
        [
            (CaseStatus::InProgress, false),
            (CaseStatus::Rejected, true)
        ]
    );
    submitted.case.status = CaseStatus::Resolved;
    assert_eq!(
        allowed_transitions(&cgem, &submitted, 1),
        [(CaseStatus::InProgress, true)]
    );
    let a = allowed(&cnss, &submitted, 0);
    assert_eq!(a.visibilities, [Visibility::Shared, Visibility::Cnss]);
    assert!(a.edit);
    assert!(!allowed(&committee, &submitted, 0).edit);
    // Every offered transition is accepted by apply, every other refused.
    for status in CaseStatus::ALL {
        for actor in [&cgem, &cnss] {
            let mut v = world();
            v.cases.get_mut(&CASE).expect("case").case.status = *status;
            let offered = allowed_transitions(actor, &v.cases[&CASE], 0);
            for to in CaseStatus::ALL {
                let accepted = run(
                    &v,
                    actor,
                    Authority::Server,
                    transition(*status, *to, Some("motif")),
                )
                .is_ok();
                assert_eq!(
                    accepted,
                    offered.iter().any(|(s, _)| s == to),
                    "{status} -> {to} by {}",
                    actor.username
                );
            }
        }
    }
}
