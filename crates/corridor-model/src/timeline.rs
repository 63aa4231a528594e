//! The case timeline: append-only events. Nothing in a timeline is ever edited or deleted.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::CaseStatus;

/// Who may read a note.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Both institutions.
    Shared,
    /// CGEM staff only.
    Cgem,
    /// CNSS staff only.
    Cnss,
}

impl Visibility {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Shared => "shared",
            Self::Cgem => "cgem",
            Self::Cnss => "cnss",
        }
    }

    /// Label in French.
    pub fn label_fr(self) -> &'static str {
        match self {
            Self::Shared => "Partagée",
            Self::Cgem => "Interne CGEM",
            Self::Cnss => "Interne CNSS",
        }
    }
}

impl std::str::FromStr for Visibility {
    type Err = crate::ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "shared" => Ok(Self::Shared),
            "cgem" => Ok(Self::Cgem),
            "cnss" => Ok(Self::Cnss),
            other => Err(crate::ValidationError::UnknownCode(
                crate::Field::Visibility,
                other.to_owned(),
            )),
        }
    }
}

/// The institution a user belongs to.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Institution {
    /// Confédération générale des entreprises du Maroc.
    Cgem,
    /// Caisse nationale de sécurité sociale.
    Cnss,
}

impl Institution {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Cgem => "cgem",
            Self::Cnss => "cnss",
        }
    }
}

impl std::str::FromStr for Institution {
    type Err = crate::ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "cgem" => Ok(Self::Cgem),
            "cnss" => Ok(Self::Cnss),
            other => Err(crate::ValidationError::UnknownCode(
                crate::Field::Institution,
                other.to_owned(),
            )),
        }
    }
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    /// The case was opened.
    Created,
    /// The status changed.
    StatusChanged {
        /// Previous status.
        from: CaseStatus,
        /// New status.
        to: CaseStatus,
        /// Reason given.
        reason: Option<String>,
    },
    /// The person in charge on one side changed.
    Assigned {
        /// Which side.
        institution: Institution,
        /// Previous assignee.
        from: Option<String>,
        /// New assignee (`None`: unassigned).
        to: Option<String>,
    },
    /// Fields of the case were edited.
    Edited {
        /// Names of the fields that changed.
        fields: Vec<String>,
    },
    /// A note.
    Note {
        /// Who may read it.
        visibility: Visibility,
        /// Its text.
        text: String,
    },
    /// Tags were added or removed.
    Tagged {
        /// Tags added.
        added: Vec<String>,
        /// Tags removed.
        removed: Vec<String>,
    },
    /// A file was attached.
    Attachment {
        /// SHA-256 of the content (hex).
        hash: String,
        /// Original file name.
        name: String,
        /// MIME type.
        mime: String,
        /// Size in bytes.
        size: u64,
    },
    /// A meeting decided on the case.
    Decision {
        /// The meeting.
        meeting_id: Uuid,
        /// The decision.
        text: String,
    },
    /// Another case was linked.
    Linked {
        /// The other case.
        other: Uuid,
        /// Whether the other case is this one's parent.
        parent: bool,
    },
    /// A conflict between two edits of a field was settled.
    ConflictResolved {
        /// The field.
        field: String,
        /// Which value was kept.
        choice: crate::sync::ConflictChoice,
        /// The value kept.
        value: serde_json::Value,
    },
}

/// One entry of a case's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseEvent {
    /// Event id (UUIDv7, so ids sort by creation).
    pub id: Uuid,
    /// The case.
    pub case_id: Uuid,
    /// When it happened (UTC).
    pub at: DateTime<Utc>,
    /// Who did it.
    pub author: String,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}
