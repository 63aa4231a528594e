//! The wire types of the sync contract (architecture.md, "Sync protocol"): the documents the
//! server keeps and sends, push and pull requests and answers, and conflicts.
//!
//! The server is authoritative. It keeps one JSON document per entity (enterprise, case,
//! timeline event, conflict, meeting, roadmap item), each carrying the version of the change
//! that last wrote it. A pull returns the documents the user may see whose version is past the
//! cursor; the device replaces its server-state rows with them and re-applies its own pending
//! mutations on top.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::meeting::{Meeting, RoadmapItem};
use crate::mutation::Mutation;
use crate::timeline::CaseEvent;
use crate::{Case, Enterprise, Region};

/// Most mutations one push may carry.
pub const MAX_PUSH_BATCH: usize = 500;
/// Most changes one pull page returns.
pub const MAX_PULL_PAGE: usize = 5_000;

/// A case as the server keeps it: the case, the version of each editable field, and its links.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseDoc {
    /// The case.
    #[serde(flatten)]
    pub case: Case,
    /// Version of each editable field (`title`, `description`, `amount_centimes`, `priority`,
    /// `cgem_assignee`, `cnss_assignee`), counted by the server.
    #[serde(default)]
    pub field_versions: BTreeMap<String, i64>,
    /// The device that wrote each field's current version.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub field_writers: BTreeMap<String, Uuid>,
    /// Related cases (both directions are recorded on both cases).
    #[serde(default)]
    pub links: Vec<Uuid>,
}

/// A field edit that lost a race: its value was kept aside, visible on the case, until a person
/// chooses between it and the current value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    /// Id (UUIDv7, made by the server).
    pub id: Uuid,
    /// The case.
    pub case_id: Uuid,
    /// The field (`title`, `description`, `amount_centimes`, `priority`).
    pub field: String,
    /// The value the server kept (current when the conflict was recorded).
    pub current: serde_json::Value,
    /// The value of the edit that came second, kept aside.
    pub proposed: serde_json::Value,
    /// Who made the edit kept aside.
    pub author: String,
    /// When that edit was made (UTC).
    pub authored_at: DateTime<Utc>,
    /// The mutation that carried it.
    pub mutation_id: Uuid,
    /// How it was resolved, once it is.
    #[serde(default)]
    pub resolution: Option<ConflictResolution>,
}

/// Which value a person kept when resolving a conflict.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictChoice {
    /// Keep the value the server has.
    Current,
    /// Take the value that was kept aside.
    Proposed,
}

impl std::str::FromStr for ConflictChoice {
    type Err = crate::ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "current" | "actuelle" => Ok(Self::Current),
            "proposed" | "proposee" | "proposée" => Ok(Self::Proposed),
            other => Err(crate::ValidationError::UnknownCode(
                crate::Field::Choice,
                other.to_owned(),
            )),
        }
    }
}

/// The resolution of a [`Conflict`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConflictResolution {
    /// Which value was kept.
    pub choice: ConflictChoice,
    /// By whom.
    pub by: String,
    /// When (UTC).
    pub at: DateTime<Utc>,
}

/// One document of the server's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "doc", rename_all = "snake_case")]
pub enum Doc {
    /// An enterprise.
    Enterprise(Enterprise),
    /// A case.
    Case(CaseDoc),
    /// A timeline event.
    Event(CaseEvent),
    /// A conflict on a case.
    Conflict(Conflict),
    /// A meeting.
    Meeting(Meeting),
    /// A roadmap item of the committee.
    Roadmap(RoadmapItem),
}

impl Doc {
    /// The kind, as stored (`enterprise`, `case`, `event`, `conflict`, `meeting`, `roadmap`).
    pub fn kind(&self) -> &'static str {
        match self {
            Doc::Enterprise(_) => "enterprise",
            Doc::Case(_) => "case",
            Doc::Event(_) => "event",
            Doc::Conflict(_) => "conflict",
            Doc::Meeting(_) => "meeting",
            Doc::Roadmap(_) => "roadmap",
        }
    }

    /// The document's id.
    pub fn id(&self) -> Uuid {
        match self {
            Doc::Enterprise(e) => e.id,
            Doc::Case(c) => c.case.id,
            Doc::Event(e) => e.id,
            Doc::Conflict(c) => c.id,
            Doc::Meeting(m) => m.id,
            Doc::Roadmap(r) => r.id,
        }
    }
}

/// A document and the version of the change that last wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionedDoc {
    /// Change version (strictly increasing over the whole server).
    pub version: i64,
    /// The document.
    #[serde(flatten)]
    pub doc: Doc,
}

/// `POST /v1/sync/push`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    /// Mutations of the calling device, in `device_seq` order, without gaps.
    #[cfg_attr(feature = "openapi", schema(max_items = 500))]
    pub mutations: Vec<Mutation>,
}

/// What became of one pushed mutation.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Applied.
    Applied,
    /// Applied, but some of its field edits were stale and kept aside as conflicts.
    Conflict {
        /// The conflicts recorded.
        conflicts: Vec<Uuid>,
    },
    /// Refused: nothing of it was applied.
    Rejected {
        /// Stable machine code.
        code: String,
        /// What was wrong, in French.
        message: String,
        /// The values the message carries, for the device's translation of `code`.
        #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
        args: std::collections::BTreeMap<String, String>,
    },
}

impl Outcome {
    /// The refusal of a mutation by the engine.
    pub fn rejected(r: crate::engine::Rejection) -> Self {
        Outcome::Rejected {
            code: r.code.as_str().to_owned(),
            message: r.message,
            args: r.args.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        }
    }
}

/// The answer for one pushed mutation.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MutationResult {
    /// The mutation.
    pub mutation_id: Uuid,
    /// Its sequence number on its device.
    pub device_seq: i64,
    /// What became of it.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// Answer of `POST /v1/sync/push`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResponse {
    /// One result per pushed mutation, in order (mutations already applied by an earlier push
    /// get their original answer again).
    pub results: Vec<MutationResult>,
    /// The highest `device_seq` the server has applied for this device.
    pub last_applied_seq: i64,
}

/// `POST /v1/sync/pull`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullRequest {
    /// Cursor of the previous page (`None`: from the beginning): `v<version>:<regions, or *>`.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^v[0-9]{1,18}:(\*|MA-(0[1-9]|1[0-2])(,MA-(0[1-9]|1[0-2]))*)?$")
    )]
    pub cursor: Option<String>,
    /// Most changes wanted (at most [`MAX_PULL_PAGE`]).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 5000))]
    pub limit: Option<usize>,
}

/// Answer of `POST /v1/sync/pull`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullResponse {
    /// Documents changed since the cursor that the user may see, in version order.
    pub changes: Vec<VersionedDoc>,
    /// Regions the user no longer has access to: the device removes everything of them.
    #[serde(default)]
    pub removed_regions: Vec<Region>,
    /// Cursor to send next time.
    pub cursor: String,
    /// Whether more changes wait past this page.
    pub more: bool,
    /// The highest `device_seq` applied for this device.
    pub last_applied_seq: i64,
    /// The server's latest change version when the page was read (for progress: how far
    /// the cursor is from it).
    pub head: i64,
}

/// What the server has of an attachment's content.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentStatus {
    /// Announced size in bytes.
    pub size: i64,
    /// Bytes received so far (the offset to resume from).
    pub received: i64,
    /// Whether it is all there and matches its hash.
    pub complete: bool,
}

/// A pull cursor: the last version seen and the regions it was seen under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// Last version seen.
    pub version: i64,
    /// Regions the documents were filtered by (`None`: every region).
    pub regions: Option<Vec<Region>>,
}

impl Cursor {
    /// Text form: `v<version>:<regions|*>`.
    pub fn encode(&self) -> String {
        let regions = match &self.regions {
            None => "*".to_owned(),
            Some(r) => r.iter().map(|r| r.code()).collect::<Vec<_>>().join(","),
        };
        format!("v{}:{regions}", self.version)
    }

    /// Parses the text form; `None` when it is not a cursor.
    pub fn decode(s: &str) -> Option<Cursor> {
        let rest = s.strip_prefix('v')?;
        let (version, regions) = rest.split_once(':')?;
        let version: i64 = version.parse().ok().filter(|v| *v >= 0)?;
        let regions = if regions == "*" {
            None
        } else {
            Some(
                regions
                    .split(',')
                    .filter(|r| !r.is_empty())
                    .map(|r| r.parse().ok())
                    .collect::<Option<Vec<Region>>>()?,
            )
        };
        Some(Cursor { version, regions })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_garbage() {
        for c in [
            Cursor {
                version: 0,
                regions: None,
            },
            Cursor {
                version: 42,
                regions: Some(Region::all().filter(|r| r.number() % 5 == 1).collect()),
            },
            Cursor {
                version: 7,
                regions: Some(vec![]),
            },
        ] {
            assert_eq!(Cursor::decode(&c.encode()), Some(c));
        }
        for bad in ["", "42", "v:", "v-1:*", "vx:*", "v3:MA-13", "v3"] {
            assert_eq!(Cursor::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn outcomes_are_tagged_on_the_wire() {
        let r = MutationResult {
            mutation_id: Uuid::nil(),
            device_seq: 3,
            outcome: Outcome::Rejected {
                code: "forbidden_transition".into(),
                message: "Passage interdit".into(),
                args: [("from".to_owned(), "draft".to_owned())].into(),
            },
        };
        let v = serde_json::to_value(&r).expect("json");
        assert_eq!(v["outcome"], "rejected");
        assert_eq!(v["code"], "forbidden_transition");
        assert_eq!(
            serde_json::from_value::<MutationResult>(v).expect("back"),
            r
        );
    }
}
