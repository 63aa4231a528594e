//! The corridor's rules, once: a pure engine that applies a [`Mutation`] to the documents it
//! touches.
//!
//! [`apply`] takes a [`View`] (the documents the mutation touches, loaded by the caller — see
//! [`needs`]), the [`Actor`] who made it, the mutation and the time, and returns either a
//! [`Rejection`] (a typed code and a message a CGEM officer understands) or the [`Effects`] to
//! persist: the documents to write, an enterprise merge, an attachment reference, the conflicts
//! recorded. It does no I/O and builds for wasm32, so the device (the store), the server and
//! the interface apply exactly the same rules:
//! - the **store** applies every mutation as it is made, with the signed-in user as actor, so
//!   what the device shows is what the server will accept;
//! - the **server** applies it authoritatively when it is pushed;
//! - the **interface** asks [`allowed`] what the user may do now.
//!
//! Where the two sides must differ, the difference is an [`Authority`] and is written here:
//! the server assigns final references and field versions and detects stale edits; the device
//! keeps provisional references and the versions it last pulled.

mod actor;
mod allowed;
mod cases;
mod enterprises;
mod meetings;
mod rejection;
mod relations;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::meeting::{Meeting, RoadmapItem};
use crate::mutation::{Mutation, Op};
use crate::sync::{CaseDoc, Conflict, Doc};
use crate::timeline::{EventKind, Visibility};
use crate::{Enterprise, Field, Region};

pub use actor::{audiences, in_scope, Access, Actor, Audience, Authority};
pub use allowed::{
    allowed, allowed_transitions, may_assign, may_edit, may_note, may_write_roadmap, Allowed,
};
pub use rejection::{Code, Rejection};

/// Longest title (cases, meetings, roadmap items, milestones) or name, in characters.
pub const MAX_TITLE: usize = 200;
/// Longest free text (description, note, reason, decision), in characters.
pub const MAX_TEXT: usize = 20_000;
/// Longest meeting minutes, in characters.
pub const MAX_MINUTES: usize = 100_000;
/// Longest action item text, in characters.
pub const MAX_ACTION: usize = 2_000;
/// Longest user name (assignee, participant, owner), in characters.
pub const MAX_NAME: usize = 100;
/// Longest attachment file name, in characters.
pub const MAX_FILE_NAME: usize = 255;
/// Longest chain of parent cases a loader follows for [`Needs::ancestors_of`] (a sound
/// database has far shorter ones; a longer chain is treated as a cycle).
pub const MAX_ANCESTORS: usize = 1_000;
/// Largest attachment, in bytes.
pub const MAX_ATTACHMENT: u64 = 25 * 1024 * 1024;

/// The kinds of documents, for id checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DocKind {
    /// An enterprise.
    Enterprise,
    /// A case.
    Case,
    /// A timeline event.
    Event,
    /// A meeting.
    Meeting,
    /// A roadmap item.
    Roadmap,
}

impl DocKind {
    /// The kind as stored (`Doc::kind`).
    pub fn code(self) -> &'static str {
        match self {
            DocKind::Enterprise => "enterprise",
            DocKind::Case => "case",
            DocKind::Event => "event",
            DocKind::Meeting => "meeting",
            DocKind::Roadmap => "roadmap",
        }
    }
}

/// What [`apply`] must be shown of the current state for a mutation: the caller loads these
/// into a [`View`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Needs {
    /// Cases (by id).
    pub cases: Vec<Uuid>,
    /// Enterprises (by id; the caller follows merges, see [`View::aliases`]).
    pub enterprises: Vec<Uuid>,
    /// Meetings.
    pub meetings: Vec<Uuid>,
    /// Roadmap items.
    pub roadmap: Vec<Uuid>,
    /// Conflicts.
    pub conflicts: Vec<Uuid>,
    /// The case whose children's statuses count (closing a parent).
    pub children_of: Option<Uuid>,
    /// The case whose chain of parents counts (linking a parent: no cycle).
    pub ancestors_of: Option<Uuid>,
    /// The ICE whose enterprise counts (recording an enterprise).
    pub ice: Option<String>,
    /// Ids the mutation creates: each must be unused ([`View::taken`]).
    pub fresh: Vec<(DocKind, Uuid)>,
    /// The attachment content the mutation references (its SHA-256, lower-case hex).
    pub content: Option<String>,
}

/// What the actor may do with an attachment's content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Content {
    /// Its size in bytes, as held.
    pub size: u64,
}

/// The documents a mutation touches, as the caller holds them now.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct View {
    /// Cases (only those the caller holds; one absent is unknown).
    pub cases: BTreeMap<Uuid, CaseDoc>,
    /// Enterprises.
    pub enterprises: BTreeMap<Uuid, Enterprise>,
    /// Meetings.
    pub meetings: BTreeMap<Uuid, Meeting>,
    /// Roadmap items.
    pub roadmap: BTreeMap<Uuid, RoadmapItem>,
    /// Conflicts.
    pub conflicts: BTreeMap<Uuid, Conflict>,
    /// Statuses of the children of [`Needs::children_of`].
    pub children: Vec<crate::CaseStatus>,
    /// The chain of parents of [`Needs::ancestors_of`], nearest first.
    pub ancestors: Vec<Uuid>,
    /// The enterprise recorded with [`Needs::ice`].
    pub ice_owner: Option<Uuid>,
    /// Enterprise ids merged into others (alias to id).
    pub aliases: BTreeMap<Uuid, Uuid>,
    /// Those of [`Needs::fresh`] already used.
    pub taken: BTreeSet<(DocKind, Uuid)>,
    /// The content of [`Needs::content`], when the actor may reference it.
    pub content: Option<Content>,
}

/// A document to write, with what the pull filters on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Write {
    /// The document.
    pub doc: Doc,
    /// Its region (`None`: every region).
    pub region: Option<Region>,
    /// Who may read it.
    pub audience: Audience,
    /// Cases: the parent case; events and conflicts: their case.
    pub parent: Option<Uuid>,
}

impl Write {
    fn case(case: CaseDoc) -> Write {
        Write {
            region: Some(case.case.region),
            audience: Audience::All,
            parent: case.case.parent_id,
            doc: Doc::Case(case),
        }
    }

    fn event(region: Region, event: crate::timeline::CaseEvent) -> Write {
        let audience = match &event.kind {
            EventKind::Note {
                visibility: Visibility::Cgem,
                ..
            } => Audience::Cgem,
            EventKind::Note {
                visibility: Visibility::Cnss,
                ..
            } => Audience::Cnss,
            _ => Audience::All,
        };
        Write {
            region: Some(region),
            audience,
            parent: Some(event.case_id),
            doc: Doc::Event(event),
        }
    }

    fn conflict(region: Region, conflict: Conflict) -> Write {
        Write {
            region: Some(region),
            audience: Audience::All,
            parent: Some(conflict.case_id),
            doc: Doc::Conflict(conflict),
        }
    }

    fn meeting(m: Meeting) -> Write {
        Write {
            region: Some(m.region),
            audience: Audience::All,
            parent: None,
            doc: Doc::Meeting(m),
        }
    }

    fn roadmap(r: RoadmapItem) -> Write {
        Write {
            region: None,
            audience: Audience::All,
            parent: None,
            doc: Doc::Roadmap(r),
        }
    }

    fn enterprise(e: Enterprise) -> Write {
        Write {
            region: Some(e.region),
            audience: Audience::All,
            parent: None,
            doc: Doc::Enterprise(e),
        }
    }
}

/// What applying a mutation does. Empty effects ([`Effects::changes_nothing`]) mean the
/// mutation is valid but changes nothing (the same change made twice): the server answers it
/// as applied; the device does not queue a change the user made with no effect.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Effects {
    /// Documents to write, in order.
    pub writes: Vec<Write>,
    /// An enterprise id merged into the enterprise already recorded with its ICE.
    pub alias: Option<(Uuid, Uuid)>,
    /// The ICE now owned by a new enterprise.
    pub ice_owner: Option<(String, Uuid)>,
    /// An attachment's content (hash) now referenced by a case of this region.
    pub attachment: Option<(String, Region)>,
    /// Server: the created case gets the next final reference of this year and region; the
    /// caller assigns it (see [`Effects::set_reference`]).
    pub final_reference: Option<(i32, Region)>,
    /// Conflicts recorded (stale field edits kept aside).
    pub conflicts: Vec<Uuid>,
}

impl Effects {
    /// Whether the mutation changes nothing.
    pub fn changes_nothing(&self) -> bool {
        self.writes.is_empty() && self.alias.is_none()
    }

    /// Gives the created case its final reference (server).
    pub fn set_reference(&mut self, reference: &str) {
        for w in &mut self.writes {
            if let Doc::Case(c) = &mut w.doc {
                reference.clone_into(&mut c.case.reference);
            }
        }
    }
}

/// The documents and facts [`apply`] needs for `op`.
pub fn needs(op: &Op) -> Needs {
    let mut n = Needs::default();
    let event = |n: &mut Needs, id: Uuid| n.fresh.push((DocKind::Event, id));
    match op {
        Op::CreateEnterprise(c) => {
            n.ice = Some(c.enterprise.ice.as_str().to_owned());
            n.fresh.push((DocKind::Enterprise, c.id));
        }
        Op::UpdateEnterprise { id, .. } => n.enterprises.push(*id),
        Op::CreateCase(c) => {
            n.enterprises.push(c.enterprise_id);
            n.fresh.push((DocKind::Case, c.id));
            event(&mut n, c.id);
        }
        Op::EditCase {
            case_id, event_id, ..
        }
        | Op::AssignCase {
            case_id, event_id, ..
        }
        | Op::AddNote {
            case_id, event_id, ..
        }
        | Op::TagCase {
            case_id, event_id, ..
        } => {
            n.cases.push(*case_id);
            event(&mut n, *event_id);
        }
        Op::TransitionCase {
            case_id, event_id, ..
        } => {
            n.cases.push(*case_id);
            n.children_of = Some(*case_id);
            event(&mut n, *event_id);
        }
        Op::AttachFile {
            case_id,
            event_id,
            hash,
            ..
        } => {
            n.cases.push(*case_id);
            n.content = Some(hash.to_ascii_lowercase());
            event(&mut n, *event_id);
        }
        Op::LinkCases {
            case_id,
            event_id,
            other_id,
            parent,
        } => {
            n.cases.extend([*case_id, *other_id]);
            if *parent {
                n.ancestors_of = Some(*other_id);
            }
            event(&mut n, *event_id);
        }
        Op::ResolveConflict {
            case_id,
            event_id,
            conflict_id,
            ..
        } => {
            n.cases.push(*case_id);
            n.conflicts.push(*conflict_id);
            event(&mut n, *event_id);
        }
        Op::RecordDecision {
            meeting_id,
            case_id,
            event_id,
            ..
        } => {
            n.cases.push(*case_id);
            n.meetings.push(*meeting_id);
            event(&mut n, *event_id);
        }
        Op::AddAgendaCase {
            meeting_id,
            case_id,
        } => {
            n.cases.push(*case_id);
            n.meetings.push(*meeting_id);
        }
        Op::CreateMeeting { id, .. } => n.fresh.push((DocKind::Meeting, *id)),
        Op::AddParticipant { meeting_id, .. }
        | Op::SetMinutes { meeting_id, .. }
        | Op::AddAction { meeting_id, .. }
        | Op::CompleteAction { meeting_id, .. } => n.meetings.push(*meeting_id),
        Op::CreateRoadmapItem { id, .. } => n.fresh.push((DocKind::Roadmap, *id)),
        Op::UpdateRoadmapItem { id, .. } => n.roadmap.push(*id),
        Op::AddMilestone { item_id, .. } | Op::CompleteMilestone { item_id, .. } => {
            n.roadmap.push(*item_id);
        }
        Op::Withdrawn {} | Op::Unreadable { .. } => {}
    }
    n
}

/// Everything [`apply`] is given besides the view.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// Who makes the change.
    pub actor: &'a Actor,
    /// Device or server.
    pub authority: Authority,
    /// The applier's clock (UTC): an event is dated when it was authored, never later than
    /// this.
    pub now: DateTime<Utc>,
}

/// Applies `m` to `view`: the effects to persist, or why it is refused (then nothing of it
/// may be written).
pub fn apply(view: &View, ctx: Context<'_>, m: &Mutation) -> Result<Effects, Rejection> {
    let taken = needs(&m.op)
        .fresh
        .into_iter()
        .find(|k| view.taken.contains(k));
    if let Some((kind, id)) = taken {
        return Err(Rejection::id_taken(kind, id));
    }
    let mut fx = Effects::default();
    let at = m.authored_at.min(ctx.now);
    let mut app = cases::Applier {
        view,
        ctx,
        m,
        at,
        fx: &mut fx,
    };
    if let Op::Unreadable { name, reason } = &m.op {
        return Err(Rejection::new(
            Code::UnreadableMutation,
            format!(
                "Modification illisible pour le serveur (« {name} ») : {reason}. Elle n'a pas \
                 été appliquée ; mettez l'application à jour si le problème revient."
            ),
        )
        .arg("name", name.clone()));
    }
    if let Op::Withdrawn {} = &m.op {
        return Err(Rejection::new(
            Code::Withdrawn,
            "Modification retirée par son poste avant l'envoi : la région qu'elle concernait \
             n'est plus dans les vôtres.",
        ));
    }
    match &m.op {
        Op::CreateEnterprise(_)
        | Op::UpdateEnterprise { .. }
        | Op::CreateCase(_)
        | Op::EditCase { .. }
        | Op::TransitionCase { .. }
        | Op::AssignCase { .. }
        | Op::AddNote { .. }
        | Op::TagCase { .. }
        | Op::AttachFile { .. }
        | Op::LinkCases { .. }
        | Op::ResolveConflict { .. } => app.case_op()?,
        _ => app.meeting_op()?,
    }
    Ok(fx)
}

/// Trims a required text and checks its length.
fn required(field: Field, value: &str, max: usize) -> Result<String, Rejection> {
    Ok(crate::error::required_text(field, value, max)?)
}

/// Checks the length of an optional text (kept as written).
fn bounded(field: Field, value: &str, max: usize) -> Result<String, Rejection> {
    if value.chars().count() > max {
        return Err(crate::ValidationError::TooLong(field, max).into());
    }
    Ok(value.to_owned())
}

/// A name (assignee, participant): trimmed, empty means none.
fn name(field: Field, value: Option<&str>) -> Result<Option<String>, Rejection> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => required(field, v, MAX_NAME).map(Some),
    }
}

/// The base a device records with a mutation its user makes: the versions of what the change
/// touches, as the device holds them (the server's, as last pulled — a device never counts
/// versions itself, so two edits it makes offline carry the same base).
pub fn base_of(view: &View, op: &Op) -> BTreeMap<String, i64> {
    let mut base = BTreeMap::new();
    if let Some(case) = op.cases().first().and_then(|id| view.cases.get(id)) {
        let fields: Vec<&str> = match op {
            Op::EditCase { edit, .. } => edit.fields(),
            Op::AssignCase { institution, .. } => vec![cases::assignee_field(*institution)],
            _ => Vec::new(),
        };
        base.extend(case.field_versions.iter().map(|(k, v)| (k.clone(), *v)));
        for f in fields {
            base.entry(f.to_owned()).or_insert(0);
        }
    }
    match op {
        Op::SetMinutes { meeting_id, .. } => {
            if let Some(m) = view.meetings.get(meeting_id) {
                base.insert(meetings::MINUTES.to_owned(), m.minutes_version);
            }
        }
        Op::UpdateRoadmapItem { id, .. } => {
            if let Some(r) = view.roadmap.get(id) {
                base.insert(meetings::ROADMAP.to_owned(), r.version);
            }
        }
        Op::UpdateEnterprise { id, .. } => {
            if let Some(e) = view.enterprises.get(id) {
                base.insert(enterprises::ENTERPRISE.to_owned(), e.version);
            }
        }
        _ => {}
    }
    base
}
