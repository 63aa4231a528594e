//! Why the engine refuses a mutation: a typed [`Code`] (stable on the wire, for scripts and the
//! interface) and a French message for the person who made the change.

use std::fmt;

use uuid::Uuid;

use super::DocKind;
use crate::{Region, ValidationError};

/// The stable code of a refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    /// The role only reads cases and meetings.
    ReadOnly,
    /// The roadmap is written by the committee.
    CommitteeOnly,
    /// The document belongs to a region outside the actor's.
    OutOfScope,
    /// No such case (or not visible to the actor).
    UnknownCase,
    /// No such enterprise.
    UnknownEnterprise,
    /// No such meeting (or not visible to the actor).
    UnknownMeeting,
    /// No such roadmap item.
    UnknownRoadmapItem,
    /// No such action item in the meeting.
    UnknownAction,
    /// No such milestone in the roadmap item.
    UnknownMilestone,
    /// No such conflict on the case.
    UnknownConflict,
    /// The conflict was settled already.
    AlreadyResolved,
    /// An id the mutation would create is already used.
    Duplicate,
    /// An enterprise with this ICE is already recorded.
    DuplicateIce,
    /// A note visibility of the other institution.
    ForbiddenVisibility,
    /// A transition this role does not make.
    ForbiddenRole,
    /// The case changed status since the user saw it.
    StaleStatus,
    /// A change based on a state that has changed meanwhile.
    Stale,
    /// Not a SHA-256 in hex.
    InvalidHash,
    /// Over the attachment limit.
    AttachmentTooLarge,
    /// Content the actor did not upload and may not see.
    UnknownAttachment,
    /// A declared size that is not the content's.
    AttachmentSizeMismatch,
    /// A case linked to itself.
    SelfLink,
    /// A parent link that would make a cycle.
    LinkCycle,
    /// A decision on a case that is not on the agenda.
    NotOnAgenda,
    /// A case of another region than the meeting's.
    OtherRegion,
    /// A value that does not fit the field.
    InvalidValue,
    /// A mutation this version cannot read (unknown operation, malformed arguments).
    UnreadableMutation,
    /// A change its device withdrew (the user lost its region).
    Withdrawn,
    /// A validation error of the domain (its own code).
    Invalid(&'static str),
}

impl Code {
    /// Every code of the engine's own (the domain's validation codes come through
    /// [`Code::Invalid`]).
    pub const ALL: &'static [Code] = &[
        Code::ReadOnly,
        Code::CommitteeOnly,
        Code::OutOfScope,
        Code::UnknownCase,
        Code::UnknownEnterprise,
        Code::UnknownMeeting,
        Code::UnknownRoadmapItem,
        Code::UnknownAction,
        Code::UnknownMilestone,
        Code::UnknownConflict,
        Code::AlreadyResolved,
        Code::Duplicate,
        Code::DuplicateIce,
        Code::ForbiddenVisibility,
        Code::ForbiddenRole,
        Code::StaleStatus,
        Code::Stale,
        Code::InvalidHash,
        Code::AttachmentTooLarge,
        Code::UnknownAttachment,
        Code::AttachmentSizeMismatch,
        Code::SelfLink,
        Code::LinkCycle,
        Code::NotOnAgenda,
        Code::OtherRegion,
        Code::InvalidValue,
        Code::UnreadableMutation,
        Code::Withdrawn,
    ];

    /// The code on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::ReadOnly => "read_only",
            Code::CommitteeOnly => "committee_only",
            Code::OutOfScope => "out_of_scope",
            Code::UnknownCase => "unknown_case",
            Code::UnknownEnterprise => "unknown_enterprise",
            Code::UnknownMeeting => "unknown_meeting",
            Code::UnknownRoadmapItem => "unknown_roadmap_item",
            Code::UnknownAction => "unknown_action",
            Code::UnknownMilestone => "unknown_milestone",
            Code::UnknownConflict => "unknown_conflict",
            Code::AlreadyResolved => "already_resolved",
            Code::Duplicate => "duplicate",
            Code::DuplicateIce => "duplicate_ice",
            Code::ForbiddenVisibility => "forbidden_visibility",
            Code::ForbiddenRole => "forbidden_role",
            Code::StaleStatus => "stale_status",
            Code::Stale => "stale",
            Code::InvalidHash => "invalid_hash",
            Code::AttachmentTooLarge => "attachment_too_large",
            Code::UnknownAttachment => "unknown_attachment",
            Code::AttachmentSizeMismatch => "attachment_size_mismatch",
            Code::SelfLink => "self_link",
            Code::LinkCycle => "link_cycle",
            Code::NotOnAgenda => "not_on_agenda",
            Code::OtherRegion => "other_region",
            Code::InvalidValue => "invalid_value",
            Code::UnreadableMutation => "unreadable_mutation",
            Code::Withdrawn => "withdrawn",
            Code::Invalid(c) => c,
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A refused mutation: nothing of it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// Stable code.
    pub code: Code,
    /// What was wrong and what to do, in French.
    pub message: String,
    /// The values the message carries, by name, for the interface's translation of `code`
    /// (regions, statuses and fields by their codes).
    pub args: Vec<(&'static str, String)>,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Rejection {}

impl From<ValidationError> for Rejection {
    fn from(e: ValidationError) -> Self {
        Rejection::new(Code::Invalid(e.code()), e.to_string()).with_args(e.args())
    }
}

impl From<crate::workflow::TransitionError> for Rejection {
    fn from(e: crate::workflow::TransitionError) -> Self {
        Rejection::new(Code::Invalid(e.code()), e.to_string()).with_args(e.args())
    }
}

impl Rejection {
    /// A refusal with its message.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Rejection {
            code,
            message: message.into(),
            args: Vec::new(),
        }
    }

    /// The same refusal carrying one more value of its message.
    #[must_use]
    pub fn arg(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.args.push((name, value.into()));
        self
    }

    /// The same refusal carrying these values of its message.
    #[must_use]
    pub fn with_args(mut self, args: Vec<(&'static str, String)>) -> Self {
        self.args.extend(args);
        self
    }

    pub(super) fn read_only() -> Self {
        Self::new(
            Code::ReadOnly,
            "Votre rôle permet de consulter les dossiers et les réunions, pas de les modifier.",
        )
    }

    pub(super) fn committee_only() -> Self {
        Self::new(
            Code::CommitteeOnly,
            "La feuille de route commune est tenue par le comité permanent.",
        )
    }

    pub(super) fn out_of_scope(region: Region) -> Self {
        Self::new(
            Code::OutOfScope,
            format!(
                "La région {} ({}) n'est pas de votre ressort.",
                region.name_fr(),
                region.code()
            ),
        )
        .arg("region", region.code())
    }

    pub(super) fn unknown_case(id: Uuid) -> Self {
        Self::new(
            Code::UnknownCase,
            format!("Dossier introuvable ({id}) : il n'existe pas ou n'est pas de votre ressort."),
        )
        .arg("id", id.to_string())
    }

    pub(super) fn unknown_enterprise() -> Self {
        Self::new(
            Code::UnknownEnterprise,
            "Entreprise inconnue : enregistrez-la avant d'ouvrir un dossier.",
        )
    }

    pub(super) fn unknown_meeting() -> Self {
        Self::new(
            Code::UnknownMeeting,
            "Réunion introuvable, ou d'une région qui n'est pas de votre ressort.",
        )
    }

    pub(super) fn unknown_roadmap_item() -> Self {
        Self::new(
            Code::UnknownRoadmapItem,
            "Projet de la feuille de route introuvable.",
        )
    }

    pub(super) fn id_taken(kind: DocKind, id: Uuid) -> Self {
        let (what, kind_code) = match kind {
            DocKind::Enterprise => ("une entreprise", "enterprise"),
            DocKind::Case => ("un dossier", "case"),
            DocKind::Event => ("un événement de chronologie", "event"),
            DocKind::Meeting => ("une réunion", "meeting"),
            DocKind::Roadmap => ("un projet de la feuille de route", "roadmap"),
        };
        Self::new(
            Code::Duplicate,
            format!("Modification refusée : l'identifiant {id} désigne déjà {what}."),
        )
        .arg("id", id.to_string())
        .arg("kind", kind_code)
    }
}
