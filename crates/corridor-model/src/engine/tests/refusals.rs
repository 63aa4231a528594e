//! Each refusal of the engine, with its code.

use uuid::Uuid;

use super::*;
use crate::meeting::RoadmapStatus;
use crate::mutation::{CaseEdit, CreateEnterprise};
use crate::sync::ConflictChoice;
use crate::{CaseStatus, NewEnterprise};

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
