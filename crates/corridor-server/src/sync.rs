//! The server side of the sync contract: applying one pushed mutation to the server's documents.
//!
//! [`apply`] reads what it needs through [`DocTx`] (implemented on a transaction of either
//! engine), validates the mutation against the server's current state — authorisation, scope,
//! business rules, the workflow — and only then writes. A refused mutation writes nothing. Field
//! edits whose base version is stale and whose value differs become [`Conflict`] documents: the
//! current value stays, the other is kept aside until a person resolves it.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use corridor_model::api::Role;
use corridor_model::case::{casablanca_year, format_reference, parse_tag};
use corridor_model::error::required_text;
use corridor_model::meeting::{ActionItem, AgendaItem, Meeting, Milestone, RoadmapItem};
use corridor_model::mutation::{CreateCase, CreateEnterprise, Mutation, Op};
use corridor_model::sync::{CaseDoc, Conflict, ConflictChoice, ConflictResolution, Doc};
use corridor_model::timeline::{CaseEvent, EventKind, Institution, Visibility};
use corridor_model::{workflow, CaseStatus, Enterprise, Region, ValidationError};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::storage::{Session, StorageError};

/// Longest free text (description, note, minutes).
pub const MAX_TEXT: usize = 20_000;

/// Who may read a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Everyone with access to its region.
    All,
    /// CGEM staff only.
    Cgem,
    /// CNSS staff only.
    Cnss,
}

impl Audience {
    /// Stable code, as stored.
    pub fn code(self) -> &'static str {
        match self {
            Audience::All => "all",
            Audience::Cgem => "cgem",
            Audience::Cnss => "cnss",
        }
    }
}

/// A document to write, with what the pull filters on.
#[derive(Debug, Clone)]
pub struct DocRow {
    /// The document.
    pub doc: Doc,
    /// Its region (`None`: every region).
    pub region: Option<Region>,
    /// Who may read it.
    pub audience: Audience,
    /// Cases: the parent case; events and conflicts: their case.
    pub parent: Option<Uuid>,
}

/// What [`apply`] needs of a write transaction.
#[async_trait]
pub trait DocTx: Send {
    /// The JSON text of a document.
    async fn get_raw(&mut self, kind: &str, id: Uuid) -> Result<Option<String>, StorageError>;
    /// Writes a document under a new change version.
    async fn put(&mut self, row: &DocRow) -> Result<(), StorageError>;
    /// JSON texts of the documents of `kind` whose parent is `parent`.
    async fn children_raw(&mut self, kind: &str, parent: Uuid)
        -> Result<Vec<String>, StorageError>;
    /// The enterprise recorded with this ICE.
    async fn ice_owner(&mut self, ice: &str) -> Result<Option<Uuid>, StorageError>;
    /// Records the enterprise of an ICE.
    async fn set_ice_owner(&mut self, ice: &str, id: Uuid) -> Result<(), StorageError>;
    /// The id an enterprise id was merged into.
    async fn alias(&mut self, id: Uuid) -> Result<Option<Uuid>, StorageError>;
    /// Records that `alias` stands for `id`.
    async fn set_alias(&mut self, alias: Uuid, id: Uuid) -> Result<(), StorageError>;
    /// Records that the content `hash` is attached to a case of `region`.
    async fn add_attachment_ref(&mut self, hash: &str, region: Region) -> Result<(), StorageError>;
    /// Next final reference number for a year and region.
    async fn next_reference(&mut self, year: i32, region: Region) -> Result<i64, StorageError>;
}

async fn get<T: DeserializeOwned>(
    tx: &mut dyn DocTx,
    kind: &str,
    id: Uuid,
) -> Result<Option<T>, StorageError> {
    tx.get_raw(kind, id)
        .await?
        .map(|raw| serde_json::from_str(&raw))
        .transpose()
        .map_err(|e| StorageError::Corrupt(e.to_string()))
}

/// A refusal: a stable code and a French message for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// Stable code.
    pub code: String,
    /// What was wrong.
    pub message: String,
}

impl Rejection {
    fn new(code: &str, message: impl Into<String>) -> Self {
        Rejection {
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

impl From<ValidationError> for Rejection {
    fn from(e: ValidationError) -> Self {
        Rejection::new(e.code(), e.to_string())
    }
}

impl From<workflow::TransitionError> for Rejection {
    fn from(e: workflow::TransitionError) -> Self {
        Rejection::new(e.code(), e.to_string())
    }
}

/// What applying a mutation did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// Conflicts recorded (stale field edits kept aside).
    pub conflicts: Vec<Uuid>,
}

/// The result of [`apply`]: a storage failure aborts the whole push; a rejection or success
/// answers this mutation.
pub type ApplyResult = Result<Result<Applied, Rejection>, StorageError>;

fn no_case(id: Uuid) -> Rejection {
    Rejection::new(
        "unknown_case",
        format!("Dossier introuvable ({id}) : il n'existe pas ou n'est pas de votre ressort."),
    )
}

fn out_of_scope() -> Rejection {
    Rejection::new(
        "out_of_scope",
        "Ce dossier relève d'une région qui n'est pas de votre ressort.",
    )
}

/// Whether a user may see a region (`None`: documents of every region).
pub fn in_scope(user_regions: &[Region], role: Role, region: Option<Region>) -> bool {
    match role {
        Role::Committee | Role::Admin => true,
        _ => region.is_none_or(|r| user_regions.contains(&r)),
    }
}

/// The audiences a role may read.
pub fn audiences(role: Role) -> &'static [&'static str] {
    match role {
        Role::CgemOfficer => &["all", "cgem"],
        Role::CnssRep => &["all", "cnss"],
        // The committee is joint: it reads what both institutions share.
        Role::Committee | Role::Admin => &["all"],
    }
}

fn institution_of(role: Role) -> Option<Institution> {
    match role {
        Role::CgemOfficer => Some(Institution::Cgem),
        Role::CnssRep => Some(Institution::Cnss),
        Role::Committee | Role::Admin => None,
    }
}

fn text(field: &'static str, value: &str) -> Result<String, Rejection> {
    if value.chars().count() > MAX_TEXT {
        return Err(ValidationError::TooLong(field, MAX_TEXT).into());
    }
    Ok(value.to_owned())
}

/// Loads a case the caller may write.
async fn writable_case(
    tx: &mut dyn DocTx,
    session: &Session,
    id: Uuid,
) -> Result<Result<CaseDoc, Rejection>, StorageError> {
    let Some(case) = get::<CaseDoc>(tx, "case", id).await? else {
        return Ok(Err(no_case(id)));
    };
    if !in_scope(
        &session.user.regions,
        session.user.role,
        Some(case.case.region),
    ) {
        // Out of scope reads as absent: nothing about other regions' cases leaks.
        return Ok(Err(no_case(id)));
    }
    Ok(Ok(case))
}

fn case_row(case: CaseDoc) -> DocRow {
    DocRow {
        region: Some(case.case.region),
        audience: Audience::All,
        parent: case.case.parent_id,
        doc: Doc::Case(case),
    }
}

fn event_row(region: Region, event: CaseEvent) -> DocRow {
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
    DocRow {
        region: Some(region),
        audience,
        parent: Some(event.case_id),
        doc: Doc::Event(event),
    }
}

macro_rules! tri {
    ($e:expr) => {
        match $e? {
            Ok(v) => v,
            Err(r) => return Ok(Err(r)),
        }
    };
}

macro_rules! check {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(r) => return Ok(Err(Rejection::from(r))),
        }
    };
}

/// Applies one mutation of `session`'s device, `now` being the server's clock.
pub async fn apply(
    tx: &mut dyn DocTx,
    session: &Session,
    m: &Mutation,
    now: DateTime<Utc>,
) -> ApplyResult {
    let role = session.user.role;
    if matches!(role, Role::Committee | Role::Admin) {
        return Ok(Err(Rejection::new(
            "read_only",
            "Votre rôle permet de consulter les dossiers, pas de les modifier.",
        )));
    }
    // The device's clock is trusted for the order of events, never to date them in the future.
    let at = m.authored_at.min(now);
    let author = session.user.username.clone();
    let event = |id: Uuid, case_id: Uuid, kind: EventKind| CaseEvent {
        id,
        case_id,
        at,
        author: author.clone(),
        kind,
    };
    let mut applied = Applied::default();
    let mut writes: Vec<DocRow> = Vec::new();
    match &m.op {
        Op::CreateEnterprise(CreateEnterprise { id, enterprise: e }) => {
            if !in_scope(&session.user.regions, role, Some(e.region)) {
                return Ok(Err(out_of_scope()));
            }
            check!(required_text("nom de l'entreprise", &e.name, 200));
            if tx.get_raw("enterprise", *id).await?.is_some() || tx.alias(*id).await?.is_some() {
                return Ok(Err(Rejection::new(
                    "duplicate",
                    "Cette entreprise est déjà enregistrée.",
                )));
            }
            if let Some(existing) = tx.ice_owner(e.ice.as_str()).await? {
                // Recorded meanwhile from another device: the same enterprise, merged. Its
                // cases will be attached to the enterprise already known.
                tx.set_alias(*id, existing).await?;
                return Ok(Ok(applied));
            }
            tx.set_ice_owner(e.ice.as_str(), *id).await?;
            writes.push(DocRow {
                region: Some(e.region),
                audience: Audience::All,
                parent: None,
                doc: Doc::Enterprise(Enterprise {
                    id: *id,
                    name: e.name.trim().to_owned(),
                    ice: e.ice.clone(),
                    cnss: e.cnss.clone(),
                    city: e.city.clone(),
                    region: e.region,
                    details: e.details.clone(),
                    created_at: at,
                }),
            });
        }
        Op::CreateCase(c) => {
            tri!(create_case(tx, session, c, at, &event, &mut writes).await);
        }
        Op::EditCase {
            case_id,
            event_id,
            edit,
        } => {
            let mut case = tri!(writable_case(tx, session, *case_id).await);
            let mut proposed: Vec<(&'static str, serde_json::Value)> = Vec::new();
            if let Some(t) = &edit.title {
                proposed.push(("title", check!(required_text("titre", t, 200)).into()));
            }
            if let Some(d) = &edit.description {
                proposed.push(("description", check!(text("description", d)).into()));
            }
            if let Some(a) = edit.amount_centimes {
                if let Some(v) = a.filter(|v| *v < 0) {
                    return Ok(Err(ValidationError::Amount(v.to_string()).into()));
                }
                proposed.push(("amount_centimes", a.into()));
            }
            if let Some(p) = edit.priority {
                proposed.push(("priority", p.code().into()));
            }
            let mut changed = Vec::new();
            for (field, value) in proposed {
                let current = field_value(&case, field);
                if current == value {
                    continue;
                }
                let version = case.field_versions.get(field).copied().unwrap_or(0);
                let base = m.base.get(field).copied().unwrap_or(0);
                if base < version {
                    // Someone changed this field since the author saw it: keep both.
                    let conflict = Conflict {
                        id: Uuid::now_v7(),
                        case_id: *case_id,
                        field: field.to_owned(),
                        current,
                        proposed: value,
                        author: author.clone(),
                        authored_at: at,
                        mutation_id: m.mutation_id,
                        resolution: None,
                    };
                    applied.conflicts.push(conflict.id);
                    writes.push(DocRow {
                        region: Some(case.case.region),
                        audience: Audience::All,
                        parent: Some(*case_id),
                        doc: Doc::Conflict(conflict),
                    });
                } else {
                    check!(set_field(&mut case, field, &value));
                    case.field_versions.insert(field.to_owned(), version + 1);
                    changed.push(field.to_owned());
                }
            }
            if !changed.is_empty() {
                let region = case.case.region;
                writes.push(case_row(case));
                writes.push(event_row(
                    region,
                    event(*event_id, *case_id, EventKind::Edited { fields: changed }),
                ));
            }
        }
        Op::TransitionCase {
            case_id,
            event_id,
            to,
            reason,
            ..
        } => {
            let mut case = tri!(writable_case(tx, session, *case_id).await);
            let mut open = 0;
            for raw in tx.children_raw("case", *case_id).await? {
                let child: CaseDoc =
                    serde_json::from_str(&raw).map_err(|e| StorageError::Corrupt(e.to_string()))?;
                if workflow::is_open(child.case.status) {
                    open += 1;
                }
            }
            check!(workflow::check(
                case.case.status,
                *to,
                reason.as_deref(),
                open
            ));
            if let Some(r) = reason {
                check!(text("motif", r));
            }
            let from = case.case.status;
            match to {
                CaseStatus::Resolved | CaseStatus::Rejected => {
                    case.case.resolved_at = Some(at);
                    case.case.resolution = reason.clone();
                }
                CaseStatus::Closed => {}
                _ => {
                    case.case.resolved_at = None;
                    case.case.resolution = None;
                }
            }
            case.case.status = *to;
            let region = case.case.region;
            writes.push(case_row(case));
            let kind = EventKind::StatusChanged {
                from,
                to: *to,
                reason: reason.clone(),
            };
            writes.push(event_row(region, event(*event_id, *case_id, kind)));
        }
        Op::AssignCase {
            case_id,
            event_id,
            institution,
            assignee,
        } => {
            let mut case = tri!(writable_case(tx, session, *case_id).await);
            let slot = match institution {
                Institution::Cgem => &mut case.case.cgem_assignee,
                Institution::Cnss => &mut case.case.cnss_assignee,
            };
            let assignee = assignee
                .as_deref()
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(str::to_owned);
            if *slot != assignee {
                let from = std::mem::replace(slot, assignee.clone());
                let region = case.case.region;
                writes.push(case_row(case));
                let kind = EventKind::Assigned {
                    institution: *institution,
                    from,
                    to: assignee,
                };
                writes.push(event_row(region, event(*event_id, *case_id, kind)));
            }
        }
        Op::AddNote {
            case_id,
            event_id,
            visibility,
            text: body,
        } => {
            let case = tri!(writable_case(tx, session, *case_id).await);
            let mine = institution_of(role);
            let allowed = match visibility {
                Visibility::Shared => true,
                Visibility::Cgem => mine == Some(Institution::Cgem),
                Visibility::Cnss => mine == Some(Institution::Cnss),
            };
            if !allowed {
                return Ok(Err(Rejection::new(
                    "forbidden_visibility",
                    "Vous ne pouvez pas écrire une note interne de l'autre institution.",
                )));
            }
            let body = check!(required_text("note", body, MAX_TEXT));
            let kind = EventKind::Note {
                visibility: *visibility,
                text: body,
            };
            writes.push(event_row(
                case.case.region,
                event(*event_id, *case_id, kind),
            ));
        }
        Op::TagCase {
            case_id,
            event_id,
            add,
            remove,
        } => {
            let mut case = tri!(writable_case(tx, session, *case_id).await);
            let add = check!(add
                .iter()
                .map(|t| parse_tag(t))
                .collect::<Result<Vec<String>, ValidationError>>());
            let remove = check!(remove
                .iter()
                .map(|t| parse_tag(t))
                .collect::<Result<Vec<String>, ValidationError>>());
            let mut tags: std::collections::BTreeSet<String> =
                case.case.tags.iter().cloned().collect();
            let added: Vec<String> = add.into_iter().filter(|t| tags.insert(t.clone())).collect();
            let removed: Vec<String> = remove.into_iter().filter(|t| tags.remove(t)).collect();
            if !added.is_empty() || !removed.is_empty() {
                case.case.tags = tags.into_iter().collect();
                let region = case.case.region;
                writes.push(case_row(case));
                let kind = EventKind::Tagged { added, removed };
                writes.push(event_row(region, event(*event_id, *case_id, kind)));
            }
        }
        Op::AttachFile {
            case_id,
            event_id,
            hash,
            name,
            mime,
            size,
        } => {
            let case = tri!(writable_case(tx, session, *case_id).await);
            if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Ok(Err(Rejection::new(
                    "invalid_hash",
                    "Empreinte de pièce jointe invalide.",
                )));
            }
            let name = check!(required_text("nom du fichier", name, 255));
            if i64::try_from(*size).map_or(true, |s| s > crate::attachments::MAX_ATTACHMENT) {
                return Ok(Err(Rejection::new(
                    "attachment_too_large",
                    format!(
                        "Pièce jointe « {name} » trop volumineuse : la limite est de {} Mo.",
                        crate::attachments::MAX_ATTACHMENT / (1024 * 1024)
                    ),
                )));
            }
            tx.add_attachment_ref(&hash.to_ascii_lowercase(), case.case.region)
                .await?;
            let kind = EventKind::Attachment {
                hash: hash.to_ascii_lowercase(),
                name,
                mime: mime.clone(),
                size: *size,
            };
            writes.push(event_row(
                case.case.region,
                event(*event_id, *case_id, kind),
            ));
        }
        Op::LinkCases {
            case_id,
            event_id,
            other_id,
            parent,
        } => {
            if case_id == other_id {
                return Ok(Err(Rejection::new(
                    "self_link",
                    "Un dossier ne peut pas être lié à lui-même.",
                )));
            }
            let mut case = tri!(writable_case(tx, session, *case_id).await);
            let mut other = tri!(writable_case(tx, session, *other_id).await);
            if *parent {
                let mut up = Some(other.case.id);
                while let Some(id) = up {
                    if id == *case_id {
                        return Ok(Err(Rejection::new(
                            "link_cycle",
                            "Ce lien ferait de ce dossier son propre ancêtre.",
                        )));
                    }
                    up = get::<CaseDoc>(tx, "case", id)
                        .await?
                        .and_then(|c| c.case.parent_id);
                }
                if case.case.parent_id == Some(*other_id) {
                    return Ok(Ok(applied));
                }
                case.case.parent_id = Some(*other_id);
            } else {
                if case.links.contains(other_id) {
                    return Ok(Ok(applied));
                }
                case.links.push(*other_id);
                if !other.links.contains(case_id) {
                    other.links.push(*case_id);
                    writes.push(case_row(other));
                }
            }
            let region = case.case.region;
            writes.push(case_row(case));
            let kind = EventKind::Linked {
                other: *other_id,
                parent: *parent,
            };
            writes.push(event_row(region, event(*event_id, *case_id, kind)));
        }
        Op::ResolveConflict {
            case_id,
            event_id,
            conflict_id,
            choice,
        } => {
            let mut case = tri!(writable_case(tx, session, *case_id).await);
            let Some(mut conflict) = get::<Conflict>(tx, "conflict", *conflict_id)
                .await?
                .filter(|c| c.case_id == *case_id)
            else {
                return Ok(Err(Rejection::new(
                    "unknown_conflict",
                    "Ce conflit n'existe pas sur ce dossier.",
                )));
            };
            if conflict.resolution.is_some() {
                return Ok(Err(Rejection::new(
                    "already_resolved",
                    "Ce conflit a déjà été tranché.",
                )));
            }
            let value = match choice {
                ConflictChoice::Current => field_value(&case, &conflict.field),
                ConflictChoice::Proposed => conflict.proposed.clone(),
            };
            let region = case.case.region;
            if field_value(&case, &conflict.field) != value {
                check!(set_field(&mut case, &conflict.field, &value));
                let v = case
                    .field_versions
                    .entry(conflict.field.clone())
                    .or_insert(0);
                *v += 1;
                writes.push(case_row(case));
            }
            let kind = EventKind::ConflictResolved {
                field: conflict.field.clone(),
                choice: *choice,
                value,
            };
            writes.push(event_row(region, event(*event_id, *case_id, kind)));
            conflict.resolution = Some(ConflictResolution {
                choice: *choice,
                by: author.clone(),
                at,
            });
            writes.push(DocRow {
                region: Some(region),
                audience: Audience::All,
                parent: Some(*case_id),
                doc: Doc::Conflict(conflict),
            });
        }
        Op::RecordDecision {
            meeting_id,
            case_id,
            event_id,
            text: body,
        } => {
            let case = tri!(writable_case(tx, session, *case_id).await);
            let mut meeting = tri!(writable_meeting(tx, session, *meeting_id).await);
            let body = check!(required_text("décision", body, MAX_TEXT));
            let Some(item) = meeting.agenda.iter_mut().find(|i| i.case_id == *case_id) else {
                return Ok(Err(Rejection::new(
                    "not_on_agenda",
                    "Ce dossier n'est pas à l'ordre du jour de cette réunion.",
                )));
            };
            item.decision = Some(body.clone());
            writes.push(meeting_row(meeting));
            let kind = EventKind::Decision {
                meeting_id: *meeting_id,
                text: body,
            };
            writes.push(event_row(
                case.case.region,
                event(*event_id, *case_id, kind),
            ));
        }
        Op::CreateMeeting {
            id,
            region,
            title,
            at: when,
            place,
        } => {
            if !in_scope(&session.user.regions, role, Some(*region)) {
                return Ok(Err(out_of_scope()));
            }
            if tx.get_raw("meeting", *id).await?.is_some() {
                return Ok(Err(Rejection::new(
                    "duplicate",
                    "Réunion déjà enregistrée.",
                )));
            }
            writes.push(meeting_row(Meeting {
                id: *id,
                region: *region,
                title: check!(required_text("titre", title, 200)),
                at: *when,
                place: place
                    .as_deref()
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned),
                participants: Vec::new(),
                agenda: Vec::new(),
                minutes: None,
                actions: Vec::new(),
            }));
        }
        Op::AddParticipant { meeting_id, name } => {
            let mut meeting = tri!(writable_meeting(tx, session, *meeting_id).await);
            let name = check!(required_text("participant", name, 200));
            if !meeting.participants.contains(&name) {
                meeting.participants.push(name);
                writes.push(meeting_row(meeting));
            }
        }
        Op::AddAgendaCase {
            meeting_id,
            case_id,
        } => {
            let mut meeting = tri!(writable_meeting(tx, session, *meeting_id).await);
            let case = tri!(writable_case(tx, session, *case_id).await);
            if !meeting.agenda.iter().any(|i| i.case_id == *case_id) {
                meeting.agenda.push(AgendaItem {
                    case_id: *case_id,
                    reference: case.case.reference,
                    title: case.case.title,
                    decision: None,
                });
                writes.push(meeting_row(meeting));
            }
        }
        Op::SetMinutes {
            meeting_id,
            text: body,
        } => {
            let mut meeting = tri!(writable_meeting(tx, session, *meeting_id).await);
            meeting.minutes = Some(check!(text("procès-verbal", body)));
            writes.push(meeting_row(meeting));
        }
        Op::AddAction {
            meeting_id,
            action_id,
            text: body,
            owner,
            due,
        } => {
            let mut meeting = tri!(writable_meeting(tx, session, *meeting_id).await);
            if !meeting.actions.iter().any(|a| a.id == *action_id) {
                meeting.actions.push(ActionItem {
                    id: *action_id,
                    text: check!(required_text("action", body, 2_000)),
                    owner: check!(required_text("responsable", owner, 200)),
                    due: *due,
                    done: false,
                });
                writes.push(meeting_row(meeting));
            }
        }
        Op::CompleteAction {
            meeting_id,
            action_id,
        } => {
            let mut meeting = tri!(writable_meeting(tx, session, *meeting_id).await);
            let Some(a) = meeting.actions.iter_mut().find(|a| a.id == *action_id) else {
                return Ok(Err(Rejection::new(
                    "unknown_action",
                    "Action introuvable dans cette réunion.",
                )));
            };
            if !a.done {
                a.done = true;
                writes.push(meeting_row(meeting));
            }
        }
        Op::CreateRoadmapItem {
            id,
            title,
            description,
            owner,
        } => {
            if tx.get_raw("roadmap", *id).await?.is_some() {
                return Ok(Err(Rejection::new(
                    "duplicate",
                    "Chantier déjà enregistré.",
                )));
            }
            writes.push(roadmap_row(RoadmapItem {
                id: *id,
                title: check!(required_text("titre", title, 200)),
                description: check!(text("description", description)),
                owner: *owner,
                status: corridor_model::meeting::RoadmapStatus::Planned,
                progress: 0,
                milestones: Vec::new(),
            }));
        }
        Op::UpdateRoadmapItem {
            id,
            status,
            progress,
        } => {
            let mut item = tri!(roadmap_item(tx, *id).await);
            if let Some(p) = progress {
                if *p > 100 {
                    return Ok(Err(ValidationError::Progress(p.to_string()).into()));
                }
                item.progress = *p;
            }
            if let Some(s) = status {
                item.status = *s;
            }
            writes.push(roadmap_row(item));
        }
        Op::AddMilestone {
            item_id,
            milestone_id,
            title,
            due,
        } => {
            let mut item = tri!(roadmap_item(tx, *item_id).await);
            if !item.milestones.iter().any(|m| m.id == *milestone_id) {
                item.milestones.push(Milestone {
                    id: *milestone_id,
                    title: check!(required_text("jalon", title, 200)),
                    due: *due,
                    done: false,
                });
                writes.push(roadmap_row(item));
            }
        }
        Op::CompleteMilestone {
            item_id,
            milestone_id,
        } => {
            let mut item = tri!(roadmap_item(tx, *item_id).await);
            let Some(ms) = item.milestones.iter_mut().find(|m| m.id == *milestone_id) else {
                return Ok(Err(Rejection::new(
                    "unknown_milestone",
                    "Jalon introuvable dans ce chantier.",
                )));
            };
            if !ms.done {
                ms.done = true;
                writes.push(roadmap_row(item));
            }
        }
    }
    for w in &writes {
        tx.put(w).await?;
    }
    Ok(Ok(applied))
}

async fn create_case(
    tx: &mut dyn DocTx,
    session: &Session,
    c: &CreateCase,
    at: DateTime<Utc>,
    event: &impl Fn(Uuid, Uuid, EventKind) -> CaseEvent,
    writes: &mut Vec<DocRow>,
) -> Result<Result<(), Rejection>, StorageError> {
    if tx.get_raw("case", c.id).await?.is_some() {
        return Ok(Err(Rejection::new("duplicate", "Dossier déjà enregistré.")));
    }
    let enterprise_id = tx.alias(c.enterprise_id).await?.unwrap_or(c.enterprise_id);
    let Some(enterprise) = get::<Enterprise>(tx, "enterprise", enterprise_id).await? else {
        return Ok(Err(Rejection::new(
            "unknown_enterprise",
            "Entreprise inconnue du serveur : enregistrez-la avant d'ouvrir un dossier.",
        )));
    };
    if !in_scope(
        &session.user.regions,
        session.user.role,
        Some(enterprise.region),
    ) {
        return Ok(Err(out_of_scope()));
    }
    let title = check!(required_text("titre", &c.title, 200));
    let description = check!(text("description", &c.description));
    if let Some(v) = c.amount_centimes.filter(|v| *v < 0) {
        return Ok(Err(ValidationError::Amount(v.to_string()).into()));
    }
    let year = casablanca_year(at);
    let seq = tx.next_reference(year, enterprise.region).await?;
    let reference = format_reference(
        year,
        enterprise.region,
        u32::try_from(seq).unwrap_or(u32::MAX),
    );
    let doc = CaseDoc {
        case: corridor_model::Case {
            id: c.id,
            reference,
            enterprise_id,
            enterprise_name: enterprise.name.clone(),
            ice: enterprise.ice.clone(),
            category: c.category,
            title,
            description,
            status: CaseStatus::Draft,
            region: enterprise.region,
            opened_at: at,
            priority: c.priority,
            amount_centimes: c.amount_centimes,
            cgem_assignee: None,
            cnss_assignee: None,
            resolved_at: None,
            resolution: None,
            parent_id: None,
            tags: Vec::new(),
        },
        field_versions: BTreeMap::new(),
        links: Vec::new(),
    };
    writes.push(case_row(doc));
    // The creation event takes the case's own id, as on the device.
    writes.push(event_row(
        enterprise.region,
        event(c.id, c.id, EventKind::Created),
    ));
    Ok(Ok(()))
}

async fn writable_meeting(
    tx: &mut dyn DocTx,
    session: &Session,
    id: Uuid,
) -> Result<Result<Meeting, Rejection>, StorageError> {
    match get::<Meeting>(tx, "meeting", id).await? {
        Some(m) if in_scope(&session.user.regions, session.user.role, Some(m.region)) => Ok(Ok(m)),
        _ => Ok(Err(Rejection::new(
            "unknown_meeting",
            "Réunion introuvable, ou d'une région qui n'est pas de votre ressort.",
        ))),
    }
}

async fn roadmap_item(
    tx: &mut dyn DocTx,
    id: Uuid,
) -> Result<Result<RoadmapItem, Rejection>, StorageError> {
    Ok(get::<RoadmapItem>(tx, "roadmap", id).await?.ok_or_else(|| {
        Rejection::new(
            "unknown_roadmap_item",
            "Chantier de la feuille de route introuvable.",
        )
    }))
}

fn meeting_row(m: Meeting) -> DocRow {
    DocRow {
        region: Some(m.region),
        audience: Audience::All,
        parent: None,
        doc: Doc::Meeting(m),
    }
}

fn roadmap_row(r: RoadmapItem) -> DocRow {
    DocRow {
        region: None,
        audience: Audience::All,
        parent: None,
        doc: Doc::Roadmap(r),
    }
}

/// The current value of an editable field, as JSON.
fn field_value(case: &CaseDoc, field: &str) -> serde_json::Value {
    match field {
        "title" => case.case.title.clone().into(),
        "description" => case.case.description.clone().into(),
        "amount_centimes" => case.case.amount_centimes.into(),
        "priority" => case.case.priority.code().into(),
        _ => serde_json::Value::Null,
    }
}

fn set_field(case: &mut CaseDoc, field: &str, value: &serde_json::Value) -> Result<(), Rejection> {
    let bad = || {
        Rejection::new(
            "invalid_value",
            format!("Valeur invalide pour « {field} »."),
        )
    };
    match field {
        "title" => case.case.title = value.as_str().ok_or_else(bad)?.to_owned(),
        "description" => case.case.description = value.as_str().ok_or_else(bad)?.to_owned(),
        "amount_centimes" => {
            case.case.amount_centimes = if value.is_null() {
                None
            } else {
                Some(value.as_i64().ok_or_else(bad)?)
            }
        }
        "priority" => {
            case.case.priority = value.as_str().ok_or_else(bad)?.parse()?;
        }
        _ => return Err(bad()),
    }
    Ok(())
}
