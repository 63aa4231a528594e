//! Mutations: the named business operations a device makes, as the sync contract defines them
//! (architecture.md). The store applies a mutation to its local view and appends it to its
//! outbox in the same transaction; the server replays it later against its own state.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::timeline::{Institution, Visibility};
use crate::{CaseCategory, CaseStatus, Priority, Region};

/// A mutation as stored in the outbox and pushed to the server.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mutation {
    /// UUIDv7.
    pub mutation_id: Uuid,
    /// Device that made it.
    pub device_id: Uuid,
    /// Strictly increasing per device, from 1.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub device_seq: i64,
    /// The operation and its arguments: `{"name": ..., "args": {...}}`.
    #[serde(flatten)]
    pub op: Op,
    /// Versions of the fields the user saw when editing (field name to version).
    #[serde(default)]
    pub base: BTreeMap<String, i64>,
    /// When the user made it (UTC).
    pub authored_at: DateTime<Utc>,
    /// Who made it.
    pub author: String,
}

/// Arguments of [`Op::CreateEnterprise`].
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateEnterprise {
    /// New id.
    pub id: Uuid,
    /// The enterprise, as validated on the device.
    #[serde(flatten)]
    pub enterprise: crate::NewEnterprise,
}

/// The editable fields of an enterprise as a change sets them (name, CNSS number, city,
/// details and contacts; the ICE and the region are its identity and do not change).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnterpriseEdit {
    /// Company name.
    pub name: String,
    /// CNSS employer affiliation number.
    pub cnss: Option<crate::CnssNumber>,
    /// City.
    pub city: Option<String>,
    /// RC, legal form, sector, size, CGEM membership, contacts.
    #[serde(flatten)]
    pub details: crate::EnterpriseDetails,
}

/// Arguments of [`Op::CreateCase`].
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateCase {
    /// New id.
    pub id: Uuid,
    /// Provisional reference given on the device.
    pub reference: String,
    /// Enterprise.
    pub enterprise_id: Uuid,
    /// Category.
    pub category: CaseCategory,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Priority.
    pub priority: Priority,
    /// Amount at stake, in centimes of MAD.
    pub amount_centimes: Option<i64>,
    /// Region.
    pub region: Region,
}

/// Field edits of [`Op::EditCase`]; `None` leaves a field alone.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseEdit {
    /// New title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// New description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// New amount (`Some(None)` clears it; on the wire: absent, `null`, or a number).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub amount_centimes: Option<Option<i64>>,
    /// New priority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    /// New category (its deadlines follow).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<CaseCategory>,
}

/// Tells a field that is present but `null` (`Some(None)`) from an absent one (`None`, by
/// `#[serde(default)]`).
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

impl CaseEdit {
    /// Names of the fields this edit touches.
    pub fn fields(&self) -> Vec<&'static str> {
        let mut f = Vec::new();
        if self.title.is_some() {
            f.push("title");
        }
        if self.description.is_some() {
            f.push("description");
        }
        if self.amount_centimes.is_some() {
            f.push("amount_centimes");
        }
        if self.priority.is_some() {
            f.push("priority");
        }
        if self.category.is_some() {
            f.push("category");
        }
        f
    }
}

/// A business operation with its arguments.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "name", content = "args", rename_all = "snake_case")]
pub enum Op {
    /// Record an enterprise.
    CreateEnterprise(CreateEnterprise),
    /// Change an enterprise's name, CNSS number, city, details or contacts.
    UpdateEnterprise {
        /// The enterprise.
        id: Uuid,
        /// Its fields as they become.
        edit: EnterpriseEdit,
    },
    /// Open a case.
    CreateCase(CreateCase),
    /// Edit fields of a case.
    EditCase {
        /// The case.
        case_id: Uuid,
        /// Timeline event id.
        event_id: Uuid,
        /// The edits.
        edit: CaseEdit,
    },
    /// Move a case in the workflow.
    TransitionCase {
        /// The case.
        case_id: Uuid,
        /// Timeline event id.
        event_id: Uuid,
        /// Status the user saw.
        from: CaseStatus,
        /// Requested status.
        to: CaseStatus,
        /// Reason.
        reason: Option<String>,
    },
    /// Assign (or unassign) the person in charge on one side.
    AssignCase {
        /// The case.
        case_id: Uuid,
        /// Timeline event id.
        event_id: Uuid,
        /// Which side.
        institution: Institution,
        /// New assignee.
        assignee: Option<String>,
    },
    /// Add a note to the timeline.
    AddNote {
        /// The case.
        case_id: Uuid,
        /// Timeline event id.
        event_id: Uuid,
        /// Who may read it.
        visibility: Visibility,
        /// Text.
        text: String,
    },
    /// Add and remove tags of a case.
    TagCase {
        /// The case.
        case_id: Uuid,
        /// Timeline event id.
        event_id: Uuid,
        /// Tags to add.
        add: Vec<String>,
        /// Tags to remove.
        remove: Vec<String>,
    },
    /// Attach a file (its encrypted content travels separately, by hash).
    AttachFile {
        /// The case.
        case_id: Uuid,
        /// Timeline event id.
        event_id: Uuid,
        /// SHA-256 of the content (hex).
        hash: String,
        /// Original file name.
        name: String,
        /// MIME type.
        mime: String,
        /// Size in bytes.
        size: u64,
    },
    /// Schedule a meeting.
    CreateMeeting {
        /// New id.
        id: Uuid,
        /// Region.
        region: Region,
        /// Title.
        title: String,
        /// When (UTC).
        at: DateTime<Utc>,
        /// Where.
        place: Option<String>,
    },
    /// Add a participant to a meeting.
    AddParticipant {
        /// The meeting.
        meeting_id: Uuid,
        /// Who.
        name: String,
    },
    /// Put a case on a meeting's agenda (at the end).
    AddAgendaCase {
        /// The meeting.
        meeting_id: Uuid,
        /// The case.
        case_id: Uuid,
    },
    /// Record the meeting's decision on a case of its agenda (also in the case's timeline).
    RecordDecision {
        /// The meeting.
        meeting_id: Uuid,
        /// The case.
        case_id: Uuid,
        /// Timeline event id.
        event_id: Uuid,
        /// The decision.
        text: String,
    },
    /// Set the minutes of a meeting.
    SetMinutes {
        /// The meeting.
        meeting_id: Uuid,
        /// The minutes.
        text: String,
    },
    /// Add an action item to a meeting.
    AddAction {
        /// The meeting.
        meeting_id: Uuid,
        /// New id.
        action_id: Uuid,
        /// What.
        text: String,
        /// Who.
        owner: String,
        /// By when.
        due: Option<chrono::NaiveDate>,
    },
    /// Mark an action item done.
    CompleteAction {
        /// The meeting.
        meeting_id: Uuid,
        /// The action.
        action_id: Uuid,
    },
    /// Add an item to the committee's roadmap.
    CreateRoadmapItem {
        /// New id.
        id: Uuid,
        /// Title.
        title: String,
        /// Description.
        description: String,
        /// Who carries it.
        owner: crate::meeting::Owner,
    },
    /// Update the status or progress of a roadmap item.
    UpdateRoadmapItem {
        /// The item.
        id: Uuid,
        /// New status.
        status: Option<crate::meeting::RoadmapStatus>,
        /// New progress (0–100).
        progress: Option<u8>,
    },
    /// Add a milestone to a roadmap item.
    AddMilestone {
        /// The item.
        item_id: Uuid,
        /// New id.
        milestone_id: Uuid,
        /// What.
        title: String,
        /// By when.
        due: Option<chrono::NaiveDate>,
    },
    /// Mark a milestone reached.
    CompleteMilestone {
        /// The item.
        item_id: Uuid,
        /// The milestone.
        milestone_id: Uuid,
    },
    /// Link two cases (optionally as parent and child).
    LinkCases {
        /// The case.
        case_id: Uuid,
        /// Timeline event id.
        event_id: Uuid,
        /// The other case.
        other_id: Uuid,
        /// Whether `other_id` becomes the parent of `case_id`.
        parent: bool,
    },
    /// A change withdrawn on its device before the server had it: the user lost the region it
    /// concerns, and its content left the device with the region's cases. Sent empty in its
    /// place so that the device's sequence stays whole; the engine refuses it (`withdrawn`)
    /// and nothing is written.
    Withdrawn {},
    /// A mutation the server could not read (an operation of a newer version, malformed
    /// arguments). Never sent nor stored: the server makes it from what it received, so that
    /// the engine refuses that mutation alone, with the reason, and the device's next ones
    /// still apply.
    #[serde(skip)]
    Unreadable {
        /// The operation's name as received.
        name: String,
        /// Why it could not be read.
        reason: String,
    },
    /// Settle a conflict: keep the current value or take the one kept aside.
    ResolveConflict {
        /// The case.
        case_id: Uuid,
        /// Timeline event id.
        event_id: Uuid,
        /// The conflict.
        conflict_id: Uuid,
        /// Which value to keep.
        choice: crate::sync::ConflictChoice,
    },
}

impl Op {
    /// The cases the operation reads or writes, the one it is about first.
    pub fn cases(&self) -> Vec<Uuid> {
        match self {
            Op::CreateCase(c) => vec![c.id],
            Op::EditCase { case_id, .. }
            | Op::TransitionCase { case_id, .. }
            | Op::AssignCase { case_id, .. }
            | Op::AddNote { case_id, .. }
            | Op::TagCase { case_id, .. }
            | Op::AttachFile { case_id, .. }
            | Op::RecordDecision { case_id, .. }
            | Op::ResolveConflict { case_id, .. }
            | Op::AddAgendaCase { case_id, .. } => vec![*case_id],
            Op::LinkCases {
                case_id, other_id, ..
            } => vec![*case_id, *other_id],
            _ => Vec::new(),
        }
    }

    /// Every document the operation may write, by kind and id (for undoing it on a device).
    pub fn documents(&self) -> Vec<(crate::engine::DocKind, Uuid)> {
        use crate::engine::DocKind;
        let mut docs: Vec<(DocKind, Uuid)> = self
            .cases()
            .into_iter()
            .map(|c| (DocKind::Case, c))
            .collect();
        match self {
            Op::CreateEnterprise(c) => docs.push((DocKind::Enterprise, c.id)),
            Op::UpdateEnterprise { id, .. } => docs.push((DocKind::Enterprise, *id)),
            Op::CreateMeeting { id, .. } => docs.push((DocKind::Meeting, *id)),
            Op::AddParticipant { meeting_id, .. }
            | Op::AddAgendaCase { meeting_id, .. }
            | Op::RecordDecision { meeting_id, .. }
            | Op::SetMinutes { meeting_id, .. }
            | Op::AddAction { meeting_id, .. }
            | Op::CompleteAction { meeting_id, .. } => docs.push((DocKind::Meeting, *meeting_id)),
            Op::CreateRoadmapItem { id, .. } | Op::UpdateRoadmapItem { id, .. } => {
                docs.push((DocKind::Roadmap, *id));
            }
            Op::AddMilestone { item_id, .. } | Op::CompleteMilestone { item_id, .. } => {
                docs.push((DocKind::Roadmap, *item_id));
            }
            _ => {}
        }
        docs
    }

    /// Whether the operation creates the document `(kind, id)`.
    pub fn creates(&self, kind: crate::engine::DocKind, id: Uuid) -> bool {
        use crate::engine::DocKind;
        match self {
            Op::CreateEnterprise(c) => kind == DocKind::Enterprise && c.id == id,
            Op::CreateCase(c) => kind == DocKind::Case && c.id == id,
            Op::CreateMeeting { id: m, .. } => kind == DocKind::Meeting && *m == id,
            Op::CreateRoadmapItem { id: r, .. } => kind == DocKind::Roadmap && *r == id,
            _ => false,
        }
    }

    /// Every name [`Op::name`] gives (the interface's translation keys are `change-<name>`).
    pub const NAMES: &'static [&'static str] = &[
        "create_enterprise",
        "update_enterprise",
        "create_case",
        "edit_case",
        "transition_case",
        "assign_case",
        "add_note",
        "tag_case",
        "attach_file",
        "create_meeting",
        "add_participant",
        "add_agenda_case",
        "record_decision",
        "set_minutes",
        "add_action",
        "complete_action",
        "create_roadmap_item",
        "update_roadmap_item",
        "add_milestone",
        "complete_milestone",
        "link_cases",
        "resolve_conflict",
        "withdrawn",
        "unreadable",
    ];

    /// The mutation's name, as on the wire (one of [`Op::NAMES`]).
    pub fn name(&self) -> &'static str {
        match self {
            Op::CreateEnterprise(_) => "create_enterprise",
            Op::UpdateEnterprise { .. } => "update_enterprise",
            Op::CreateCase(_) => "create_case",
            Op::EditCase { .. } => "edit_case",
            Op::TransitionCase { .. } => "transition_case",
            Op::AssignCase { .. } => "assign_case",
            Op::AddNote { .. } => "add_note",
            Op::TagCase { .. } => "tag_case",
            Op::AttachFile { .. } => "attach_file",
            Op::CreateMeeting { .. } => "create_meeting",
            Op::AddParticipant { .. } => "add_participant",
            Op::AddAgendaCase { .. } => "add_agenda_case",
            Op::RecordDecision { .. } => "record_decision",
            Op::SetMinutes { .. } => "set_minutes",
            Op::AddAction { .. } => "add_action",
            Op::CompleteAction { .. } => "complete_action",
            Op::CreateRoadmapItem { .. } => "create_roadmap_item",
            Op::UpdateRoadmapItem { .. } => "update_roadmap_item",
            Op::AddMilestone { .. } => "add_milestone",
            Op::CompleteMilestone { .. } => "complete_milestone",
            Op::LinkCases { .. } => "link_cases",
            Op::ResolveConflict { .. } => "resolve_conflict",
            Op::Withdrawn {} => "withdrawn",
            Op::Unreadable { .. } => "unreadable",
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn uuid() -> impl Strategy<Value = Uuid> {
        any::<u128>().prop_map(Uuid::from_u128)
    }

    fn status() -> impl Strategy<Value = CaseStatus> {
        prop::sample::select(CaseStatus::ALL.to_vec())
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (uuid(), uuid(), ".{0,40}", prop::option::of(any::<i64>())).prop_map(|(c, e, t, a)| {
                Op::EditCase {
                    case_id: c,
                    event_id: e,
                    edit: CaseEdit {
                        title: Some(t),
                        amount_centimes: Some(a),
                        ..CaseEdit::default()
                    },
                }
            }),
            (
                uuid(),
                uuid(),
                status(),
                status(),
                prop::option::of(".{0,20}")
            )
                .prop_map(|(c, e, from, to, reason)| Op::TransitionCase {
                    case_id: c,
                    event_id: e,
                    from,
                    to,
                    reason
                }),
            (uuid(), uuid(), prop::option::of("[a-z.]{1,12}")).prop_map(|(c, e, a)| {
                Op::AssignCase {
                    case_id: c,
                    event_id: e,
                    institution: Institution::Cnss,
                    assignee: a,
                }
            }),
            (uuid(), uuid(), ".{0,80}").prop_map(|(c, e, text)| Op::AddNote {
                case_id: c,
                event_id: e,
                visibility: Visibility::Cgem,
                text
            }),
            (uuid(), uuid(), uuid(), any::<bool>()).prop_map(|(c, e, o, parent)| {
                Op::LinkCases {
                    case_id: c,
                    event_id: e,
                    other_id: o,
                    parent,
                }
            }),
        ]
    }

    proptest! {
        /// Every mutation survives a trip through JSON unchanged.
        #[test]
        fn mutations_round_trip_through_json(op in op(), seq in 1i64..1_000_000, id in uuid()) {
            let m = Mutation {
                mutation_id: id,
                device_id: id,
                device_seq: seq,
                op,
                base: BTreeMap::from([("title".to_owned(), seq)]),
                authored_at: DateTime::from_timestamp(1_764_000_000, 0).expect("instant"),
                author: "k.alaoui".to_owned(),
            };
            let json = serde_json::to_string(&m).expect("serialise");
            let value: serde_json::Value = serde_json::from_str(&json).expect("json");
            prop_assert_eq!(value["name"].as_str(), Some(m.op.name()));
            prop_assert_eq!(serde_json::from_str::<Mutation>(&json).expect("deserialise"), m);
        }
    }
}
