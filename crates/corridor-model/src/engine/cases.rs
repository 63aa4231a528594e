//! The rules of enterprises, cases and their timeline.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    bounded, name, required, Authority, Code, Context, Effects, Rejection, View, Write, MAX_TEXT,
    MAX_TITLE,
};
use crate::case::{casablanca_year, parse_tag};
use crate::mutation::{CreateCase, CreateEnterprise, Mutation, Op};
use crate::sync::{CaseDoc, Conflict, ConflictChoice, ConflictResolution};
use crate::timeline::{CaseEvent, EventKind, Institution};
use crate::{workflow, CaseStatus, Enterprise, Field, ValidationError};

/// One application of one mutation.
pub(super) struct Applier<'a> {
    pub(super) view: &'a View,
    pub(super) ctx: Context<'a>,
    pub(super) m: &'a Mutation,
    /// When the change happened: as authored, never after the applier's clock.
    pub(super) at: DateTime<Utc>,
    pub(super) fx: &'a mut Effects,
}

/// The editable fields of a case, with their value as JSON.
pub(crate) fn field_value(case: &CaseDoc, field: &str) -> Option<serde_json::Value> {
    Some(match field {
        "title" => case.case.title.clone().into(),
        "description" => case.case.description.clone().into(),
        "amount_centimes" => case.case.amount_centimes.into(),
        "priority" => case.case.priority.code().into(),
        "category" => case.case.category.code().into(),
        "cgem_assignee" => case.case.cgem_assignee.clone().into(),
        "cnss_assignee" => case.case.cnss_assignee.clone().into(),
        _ => return None,
    })
}

fn set_field(case: &mut CaseDoc, field: &str, value: &serde_json::Value) -> Result<(), Rejection> {
    let bad = || {
        Rejection::new(
            Code::InvalidValue,
            format!("Valeur invalide pour le champ « {field} »."),
        )
        .arg("field", field)
    };
    let text = || value.as_str().map(str::to_owned).ok_or_else(bad);
    let opt_text = || match value {
        serde_json::Value::Null => Ok(None),
        v => v.as_str().map(|s| Some(s.to_owned())).ok_or_else(bad),
    };
    match field {
        "title" => case.case.title = text()?,
        "description" => case.case.description = text()?,
        "amount_centimes" => {
            case.case.amount_centimes = match value {
                serde_json::Value::Null => None,
                v => Some(v.as_i64().filter(|a| *a >= 0).ok_or_else(bad)?),
            }
        }
        "priority" => case.case.priority = text()?.parse()?,
        "category" => case.case.category = text()?.parse()?,
        "cgem_assignee" => case.case.cgem_assignee = opt_text()?,
        "cnss_assignee" => case.case.cnss_assignee = opt_text()?,
        _ => return Err(bad()),
    }
    Ok(())
}

pub(super) fn assignee_field(side: Institution) -> &'static str {
    match side {
        Institution::Cgem => "cgem_assignee",
        Institution::Cnss => "cnss_assignee",
    }
}

impl Applier<'_> {
    pub(super) fn event(&self, id: Uuid, case_id: Uuid, kind: EventKind) -> CaseEvent {
        CaseEvent {
            id,
            case_id,
            at: self.at,
            author: self.ctx.actor.username.clone(),
            kind,
        }
    }

    /// A case the actor may change.
    pub(super) fn writable_case(&self, id: Uuid) -> Result<CaseDoc, Rejection> {
        self.ctx.actor.writes_cases()?;
        match self.view.cases.get(&id) {
            // Out of scope reads as absent: nothing about other regions' cases leaks.
            Some(c) if self.ctx.actor.sees(Some(c.case.region)) => Ok(c.clone()),
            _ => Err(Rejection::unknown_case(id)),
        }
    }

    pub(super) fn push_case_and_event(&mut self, case: CaseDoc, event_id: Uuid, kind: EventKind) {
        let region = case.case.region;
        let case_id = case.case.id;
        self.fx.writes.push(Write::case(case));
        let e = self.event(event_id, case_id, kind);
        self.fx.writes.push(Write::event(region, e));
    }

    pub(super) fn case_op(&mut self) -> Result<(), Rejection> {
        match &self.m.op {
            Op::CreateEnterprise(c) => self.create_enterprise(c),
            Op::UpdateEnterprise { id, edit } => self.update_enterprise(*id, edit),
            Op::CreateCase(c) => self.create_case(c),
            Op::EditCase {
                case_id,
                event_id,
                edit,
            } => {
                let mut proposed: Vec<(&'static str, serde_json::Value)> = Vec::new();
                if let Some(t) = &edit.title {
                    proposed.push(("title", required(Field::Title, t, MAX_TITLE)?.into()));
                }
                if let Some(d) = &edit.description {
                    proposed.push((
                        "description",
                        bounded(Field::Description, d, MAX_TEXT)?.into(),
                    ));
                }
                if let Some(a) = edit.amount_centimes {
                    if let Some(v) = a.filter(|v| *v < 0) {
                        return Err(ValidationError::Amount(v.to_string()).into());
                    }
                    proposed.push(("amount_centimes", a.into()));
                }
                if let Some(p) = edit.priority {
                    proposed.push(("priority", p.code().into()));
                }
                if let Some(c) = edit.category {
                    proposed.push(("category", c.code().into()));
                }
                let case = self.writable_case(*case_id)?;
                self.edit_fields(case, *event_id, proposed)
            }
            Op::TransitionCase {
                case_id,
                event_id,
                from,
                to,
                reason,
            } => self.transition(*case_id, *event_id, *from, *to, reason.as_deref()),
            Op::AssignCase {
                case_id,
                event_id,
                institution,
                assignee,
            } => {
                let assignee = name(Field::Assignee, assignee.as_deref())?;
                let case = self.writable_case(*case_id)?;
                self.edit_fields(
                    case,
                    *event_id,
                    vec![(assignee_field(*institution), assignee.into())],
                )
            }
            Op::AddNote {
                case_id,
                event_id,
                visibility,
                text,
            } => {
                let case = self.writable_case(*case_id)?;
                if !super::may_note(self.ctx.actor, *visibility) {
                    return Err(Rejection::new(
                        Code::ForbiddenVisibility,
                        "Vous ne pouvez pas écrire une note interne de l'autre institution : \
                         choisissez « Partagée » ou votre institution.",
                    ));
                }
                let text = required(Field::Note, text, MAX_TEXT)?;
                let kind = EventKind::Note {
                    visibility: *visibility,
                    text,
                };
                let e = self.event(*event_id, *case_id, kind);
                self.fx.writes.push(Write::event(case.case.region, e));
                Ok(())
            }
            Op::TagCase {
                case_id,
                event_id,
                add,
                remove,
            } => {
                let add = add
                    .iter()
                    .map(|t| parse_tag(t))
                    .collect::<Result<Vec<_>, _>>()?;
                let remove = remove
                    .iter()
                    .map(|t| parse_tag(t))
                    .collect::<Result<Vec<_>, _>>()?;
                let mut case = self.writable_case(*case_id)?;
                let mut tags: BTreeSet<String> = case.case.tags.iter().cloned().collect();
                let added: Vec<String> =
                    add.into_iter().filter(|t| tags.insert(t.clone())).collect();
                let removed: Vec<String> = remove.into_iter().filter(|t| tags.remove(t)).collect();
                if !added.is_empty() || !removed.is_empty() {
                    case.case.tags = tags.into_iter().collect();
                    self.push_case_and_event(case, *event_id, EventKind::Tagged { added, removed });
                }
                Ok(())
            }
            Op::AttachFile {
                case_id,
                event_id,
                hash,
                name,
                mime,
                size,
            } => self.attach(*case_id, *event_id, hash, name, mime, *size),
            Op::LinkCases {
                case_id,
                event_id,
                other_id,
                parent,
            } => self.link(*case_id, *event_id, *other_id, *parent),
            Op::ResolveConflict {
                case_id,
                event_id,
                conflict_id,
                choice,
            } => self.resolve(*case_id, *event_id, *conflict_id, *choice),
            _ => Ok(()),
        }
    }

    fn create_enterprise(&mut self, c: &CreateEnterprise) -> Result<(), Rejection> {
        let e = &c.enterprise;
        let actor = self.ctx.actor;
        actor.writes_cases()?;
        if !actor.sees(Some(e.region)) {
            return Err(Rejection::out_of_scope(e.region));
        }
        let name = required(Field::EnterpriseName, &e.name, MAX_TITLE)?;
        if self.view.aliases.contains_key(&c.id) {
            return Err(Rejection::id_taken(super::DocKind::Enterprise, c.id));
        }
        if let Some(existing) = self.view.ice_owner {
            return match self.ctx.authority {
                // The user can see the enterprise already recorded: use it.
                Authority::Device => Err(Rejection::new(
                    Code::DuplicateIce,
                    format!("Une entreprise avec l'ICE {} existe déjà.", e.ice),
                )
                .arg("ice", e.ice.clone())),
                // Recorded meanwhile from a device that could not know of this one: the same
                // enterprise, merged; its cases are attached to the one already known.
                Authority::Server => {
                    self.fx.alias = Some((c.id, existing));
                    Ok(())
                }
            };
        }
        self.fx.ice_owner = Some((e.ice.as_str().to_owned(), c.id));
        self.fx.writes.push(Write::enterprise(Enterprise {
            id: c.id,
            name,
            ice: e.ice.clone(),
            cnss: e.cnss.clone(),
            city: e
                .city
                .as_deref()
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_owned),
            region: e.region,
            details: e.details.clone(),
            created_at: self.at,
            version: 0,
            writer: None,
        }));
        Ok(())
    }

    fn create_case(&mut self, c: &CreateCase) -> Result<(), Rejection> {
        self.ctx.actor.writes_cases()?;
        let enterprise_id = self
            .view
            .aliases
            .get(&c.enterprise_id)
            .copied()
            .unwrap_or(c.enterprise_id);
        let enterprise = self
            .view
            .enterprises
            .get(&enterprise_id)
            .ok_or_else(Rejection::unknown_enterprise)?;
        if !self.ctx.actor.sees(Some(enterprise.region)) {
            return Err(Rejection::out_of_scope(enterprise.region));
        }
        let title = required(Field::Title, &c.title, MAX_TITLE)?;
        let description = bounded(Field::Description, &c.description, MAX_TEXT)?;
        if let Some(v) = c.amount_centimes.filter(|v| *v < 0) {
            return Err(ValidationError::Amount(v.to_string()).into());
        }
        if self.ctx.authority == Authority::Server {
            self.fx.final_reference = Some((casablanca_year(self.at), enterprise.region));
        }
        let doc = CaseDoc {
            case: crate::Case {
                id: c.id,
                reference: c.reference.clone(),
                enterprise_id,
                enterprise_name: enterprise.name.clone(),
                ice: enterprise.ice.clone(),
                category: c.category,
                title,
                description,
                status: CaseStatus::Draft,
                // A case is of its enterprise's region.
                region: enterprise.region,
                opened_at: self.at,
                priority: c.priority,
                amount_centimes: c.amount_centimes,
                cgem_assignee: None,
                cnss_assignee: None,
                resolved_at: None,
                resolution: None,
                parent_id: None,
                tags: Vec::new(),
            },
            field_versions: Default::default(),
            field_writers: Default::default(),
            links: Vec::new(),
        };
        // The creation event takes the case's own id: deterministic wherever it is replayed.
        self.push_case_and_event(doc, c.id, EventKind::Created);
        Ok(())
    }

    /// Field edits (case fields and assignees). A field whose base is stale — someone else
    /// changed it since the author saw it — and whose value differs is kept aside as a
    /// conflict by the server; the device, which cannot record one, keeps the current value
    /// (the server's answer brings the conflict).
    fn edit_fields(
        &mut self,
        mut case: CaseDoc,
        event_id: Uuid,
        proposed: Vec<(&'static str, serde_json::Value)>,
    ) -> Result<(), Rejection> {
        let device = self.ctx.actor.device;
        let mut changed = Vec::new();
        let mut assigned = None;
        for (field, value) in proposed {
            let current = field_value(&case, field).unwrap_or_default();
            if current == value {
                continue;
            }
            // Stale: someone else changed the field since the author saw it. Edits of one
            // device never conflict with each other: its later edits were made on top of its
            // earlier ones.
            let version = case.field_versions.get(field).copied().unwrap_or(0);
            let stale = self.m.base.get(field).copied().unwrap_or(0) < version
                && case.field_writers.get(field) != Some(&device);
            if stale {
                if self.ctx.authority == Authority::Server {
                    let conflict = Conflict {
                        id: Uuid::now_v7(),
                        case_id: case.case.id,
                        field: field.to_owned(),
                        current,
                        proposed: value,
                        author: self.ctx.actor.username.clone(),
                        authored_at: self.at,
                        mutation_id: self.m.mutation_id,
                        resolution: None,
                    };
                    self.fx.conflicts.push(conflict.id);
                    self.fx
                        .writes
                        .push(Write::conflict(case.case.region, conflict));
                }
                continue;
            }
            let before = current;
            set_field(&mut case, field, &value)?;
            self.bump(&mut case, field);
            if let Some(side) = match field {
                "cgem_assignee" => Some(Institution::Cgem),
                "cnss_assignee" => Some(Institution::Cnss),
                _ => None,
            } {
                assigned = Some(EventKind::Assigned {
                    institution: side,
                    from: before.as_str().map(str::to_owned),
                    to: value.as_str().map(str::to_owned),
                });
            } else {
                changed.push(field.to_owned());
            }
        }
        let kind = match assigned {
            Some(kind) => kind,
            None if changed.is_empty() => return Ok(()),
            None => EventKind::Edited { fields: changed },
        };
        // Conflicts first in the effects, the case and its event after them.
        self.push_case_and_event(case, event_id, kind);
        Ok(())
    }

    /// A field written: the server counts a new version by this device.
    fn bump(&self, case: &mut CaseDoc, field: &str) {
        if self.ctx.authority == Authority::Server {
            *case.field_versions.entry(field.to_owned()).or_insert(0) += 1;
            case.field_writers
                .insert(field.to_owned(), self.ctx.actor.device);
        }
    }

    fn transition(
        &mut self,
        case_id: Uuid,
        event_id: Uuid,
        from: CaseStatus,
        to: CaseStatus,
        reason: Option<&str>,
    ) -> Result<(), Rejection> {
        let mut case = self.writable_case(case_id)?;
        let current = case.case.status;
        if from != current {
            if to == current {
                // Someone made the same move meanwhile.
                return Ok(());
            }
            return Err(Rejection::new(
                Code::StaleStatus,
                format!(
                    "Le dossier {} est passé entre-temps à « {} » : le passage de « {} » à « {} » \
                     n'a pas été appliqué.",
                    case.case.reference,
                    current.label_fr(),
                    from.label_fr(),
                    to.label_fr()
                ),
            )
            .arg("reference", case.case.reference)
            .arg("status", current.code())
            .arg("from", from.code())
            .arg("to", to.code()));
        }
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if let Some(r) = reason {
            bounded(Field::Reason, r, MAX_TEXT)?;
        }
        let open = self
            .view
            .children
            .iter()
            .filter(|s| workflow::is_open(**s))
            .count();
        workflow::check(current, to, reason, open)?;
        if let Some(side) = workflow::side_of(current, to) {
            if self.ctx.actor.side().is_some_and(|i| i != side) {
                return Err(Rejection::new(
                    Code::ForbiddenRole,
                    format!(
                        "Le passage de « {} » à « {} » revient à la {} : votre rôle ne le permet pas.",
                        current.label_fr(),
                        to.label_fr(),
                        side.code().to_uppercase()
                    ),
                )
                .arg("from", current.code())
                .arg("to", to.code())
                .arg("institution", side.code()));
            }
        }
        match to {
            CaseStatus::Resolved | CaseStatus::Rejected => {
                case.case.resolved_at = Some(self.at);
                case.case.resolution = reason.map(str::to_owned);
            }
            CaseStatus::Closed => {}
            _ => {
                case.case.resolved_at = None;
                case.case.resolution = None;
            }
        }
        case.case.status = to;
        let kind = EventKind::StatusChanged {
            from: current,
            to,
            reason: reason.map(str::to_owned),
        };
        self.push_case_and_event(case, event_id, kind);
        Ok(())
    }

    fn resolve(
        &mut self,
        case_id: Uuid,
        event_id: Uuid,
        conflict_id: Uuid,
        choice: ConflictChoice,
    ) -> Result<(), Rejection> {
        let mut case = self.writable_case(case_id)?;
        let Some(mut conflict) = self
            .view
            .conflicts
            .get(&conflict_id)
            .filter(|c| c.case_id == case_id)
            .cloned()
        else {
            return Err(Rejection::new(
                Code::UnknownConflict,
                "Ce conflit n'existe pas sur ce dossier.",
            ));
        };
        if conflict.resolution.is_some() {
            return Err(Rejection::new(
                Code::AlreadyResolved,
                "Ce conflit a déjà été tranché.",
            ));
        }
        let current = field_value(&case, &conflict.field).ok_or_else(|| {
            Rejection::new(
                Code::UnknownConflict,
                "Ce conflit porte sur un champ inconnu.",
            )
        })?;
        let value = match choice {
            ConflictChoice::Current => current.clone(),
            ConflictChoice::Proposed => conflict.proposed.clone(),
        };
        let region = case.case.region;
        if current != value {
            set_field(&mut case, &conflict.field, &value)?;
            self.bump(&mut case, &conflict.field);
            self.fx.writes.push(Write::case(case));
        }
        let kind = EventKind::ConflictResolved {
            field: conflict.field.clone(),
            choice,
            value,
        };
        let e = self.event(event_id, case_id, kind);
        self.fx.writes.push(Write::event(region, e));
        conflict.resolution = Some(ConflictResolution {
            choice,
            by: self.ctx.actor.username.clone(),
            at: self.at,
        });
        self.fx.writes.push(Write::conflict(region, conflict));
        Ok(())
    }
}
