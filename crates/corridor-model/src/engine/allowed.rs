//! "What may this actor do now?" — answered from the same rules [`super::apply`] enforces, so
//! the interface offers only what will be accepted.

use serde::{Deserialize, Serialize};

use super::{Access, Actor};
use crate::api::Role;
use crate::sync::CaseDoc;
use crate::timeline::{Institution, Visibility};
use crate::{workflow, CaseStatus};

/// What an actor may do on one case now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allowed {
    /// Whether the case's fields, tags, links and assignees may be changed.
    pub edit: bool,
    /// The statuses the case may move to, each with whether a reason is asked.
    pub transitions: Vec<(CaseStatus, bool)>,
    /// The note visibilities the actor may write.
    pub visibilities: Vec<Visibility>,
}

/// Whether the actor writes cases and meetings of this region at all.
fn writes(actor: &Actor, case: &CaseDoc) -> bool {
    actor.writes_cases().is_ok() && actor.sees(Some(case.case.region))
}

/// Whether the actor may edit the case (fields, tags, links, attachments).
pub fn may_edit(actor: &Actor, case: &CaseDoc) -> bool {
    writes(actor, case)
}

/// Whether the actor may assign the person in charge on either side of the case.
pub fn may_assign(actor: &Actor, case: &CaseDoc) -> bool {
    writes(actor, case)
}

/// Whether the actor may write a note of this visibility (their own institution's or shared).
pub fn may_note(actor: &Actor, visibility: Visibility) -> bool {
    match visibility {
        Visibility::Shared => actor.writes_cases().is_ok(),
        Visibility::Cgem => actor.institution() == Some(Institution::Cgem),
        Visibility::Cnss => actor.institution() == Some(Institution::Cnss),
    }
}

/// Whether the actor may write the committee's roadmap.
pub fn may_write_roadmap(actor: &Actor) -> bool {
    match &actor.access {
        Access::Unsigned { .. } => true,
        Access::Signed { role, .. } => matches!(role, Role::Committee | Role::Admin),
    }
}

/// The transitions the actor may make on the case now (`open_children`: its children still
/// open), each with whether a reason is asked.
pub fn allowed_transitions(
    actor: &Actor,
    case: &CaseDoc,
    open_children: usize,
) -> Vec<(CaseStatus, bool)> {
    if !writes(actor, case) {
        return Vec::new();
    }
    let from = case.case.status;
    workflow::allowed(from)
        .iter()
        .copied()
        .filter(|to| {
            workflow::side_of(from, *to).is_none_or(|side| actor.side().is_none_or(|i| i == side))
        })
        .filter(|to| *to != CaseStatus::Closed || open_children == 0)
        .map(|to| (to, workflow::reason_required(from, to)))
        .collect()
}

/// Everything the actor may do on the case now.
pub fn allowed(actor: &Actor, case: &CaseDoc, open_children: usize) -> Allowed {
    Allowed {
        edit: may_edit(actor, case),
        transitions: allowed_transitions(actor, case, open_children),
        visibilities: if writes(actor, case) {
            [Visibility::Shared, Visibility::Cgem, Visibility::Cnss]
                .into_iter()
                .filter(|v| may_note(actor, *v))
                .collect()
        } else {
            Vec::new()
        },
    }
}
