//! The rules of meetings (agenda, decisions, minutes, actions) and of the committee's roadmap.

use uuid::Uuid;

use super::cases::Applier;
use super::{
    bounded, required, Authority, Code, Rejection, Write, MAX_ACTION, MAX_MINUTES, MAX_TEXT,
    MAX_TITLE,
};
use crate::meeting::{ActionItem, AgendaItem, Meeting, Milestone, RoadmapItem, RoadmapStatus};
use crate::mutation::Op;
use crate::timeline::EventKind;
use crate::Field;

/// The base key of a meeting's minutes and of a roadmap item's status and progress.
pub const MINUTES: &str = "minutes";
/// See [`MINUTES`].
pub const ROADMAP: &str = "roadmap";

/// A change over a newer version of `what` (`enterprise`, `minutes`, `roadmap`).
pub(super) fn stale(what: &'static str) -> Rejection {
    let label = match what {
        "enterprise" => "La fiche de l'entreprise",
        "minutes" => "Le compte rendu de la réunion",
        _ => "Ce projet de la feuille de route",
    };
    Rejection::new(
        Code::Stale,
        format!(
            "{label} a été modifié entre-temps par quelqu'un d'autre : votre modification n'a pas \
             été appliquée. Relisez la version actuelle et refaites-la si besoin."
        ),
    )
    .arg("what", what)
}

impl Applier<'_> {
    fn writable_meeting(&self, id: Uuid) -> Result<Meeting, Rejection> {
        self.ctx.actor.writes_cases()?;
        match self.view.meetings.get(&id) {
            Some(m) if self.ctx.actor.sees(Some(m.region)) => Ok(m.clone()),
            _ => Err(Rejection::unknown_meeting()),
        }
    }

    fn roadmap_item(&self, id: Uuid) -> Result<RoadmapItem, Rejection> {
        if !super::may_write_roadmap(self.ctx.actor) {
            return Err(Rejection::committee_only());
        }
        self.view
            .roadmap
            .get(&id)
            .cloned()
            .ok_or_else(Rejection::unknown_roadmap_item)
    }

    /// Whether a versioned part written by someone else since the author saw it.
    pub(super) fn is_stale(&self, key: &str, version: i64, writer: Option<Uuid>) -> bool {
        self.m.base.get(key).copied().unwrap_or(0) < version
            && writer != Some(self.ctx.actor.device)
    }

    /// A new version of a versioned part (the server counts them).
    pub(super) fn bump_version(&self, version: &mut i64, writer: &mut Option<Uuid>) {
        if self.ctx.authority == Authority::Server {
            *version += 1;
            *writer = Some(self.ctx.actor.device);
        }
    }

    pub(super) fn meeting_op(&mut self) -> Result<(), Rejection> {
        match &self.m.op {
            Op::CreateMeeting {
                id,
                region,
                title,
                at,
                place,
            } => {
                self.ctx.actor.writes_cases()?;
                if !self.ctx.actor.sees(Some(*region)) {
                    return Err(Rejection::out_of_scope(*region));
                }
                let title = required(Field::MeetingTitle, title, MAX_TITLE)?;
                let place = match place.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
                    Some(p) => Some(required(Field::Place, p, MAX_TITLE)?),
                    None => None,
                };
                self.fx.writes.push(Write::meeting(Meeting {
                    id: *id,
                    region: *region,
                    title,
                    at: *at,
                    place,
                    participants: Vec::new(),
                    agenda: Vec::new(),
                    minutes: None,
                    minutes_version: 0,
                    minutes_writer: None,
                    actions: Vec::new(),
                }));
            }
            Op::AddParticipant { meeting_id, name } => {
                let name = required(Field::Participant, name, MAX_TITLE)?;
                let mut meeting = self.writable_meeting(*meeting_id)?;
                if !meeting.participants.contains(&name) {
                    meeting.participants.push(name);
                    self.fx.writes.push(Write::meeting(meeting));
                }
            }
            Op::AddAgendaCase {
                meeting_id,
                case_id,
            } => {
                let mut meeting = self.writable_meeting(*meeting_id)?;
                let case = self.writable_case(*case_id)?;
                if case.case.region != meeting.region {
                    return Err(other_region(&case.case, meeting.region));
                }
                if !meeting.agenda.iter().any(|i| i.case_id == *case_id) {
                    meeting.agenda.push(AgendaItem {
                        case_id: *case_id,
                        reference: case.case.reference,
                        title: case.case.title,
                        decision: None,
                    });
                    self.fx.writes.push(Write::meeting(meeting));
                }
            }
            Op::RecordDecision {
                meeting_id,
                case_id,
                event_id,
                text,
            } => {
                let text = required(Field::Decision, text, MAX_TEXT)?;
                let mut meeting = self.writable_meeting(*meeting_id)?;
                let case = self.writable_case(*case_id)?;
                let region = meeting.region;
                let Some(item) = meeting.agenda.iter_mut().find(|i| i.case_id == *case_id) else {
                    return Err(Rejection::new(
                        Code::NotOnAgenda,
                        "Ce dossier n'est pas à l'ordre du jour de la réunion : ajoutez-le d'abord.",
                    ));
                };
                // An agenda written before this rule may name another region's case.
                if case.case.region != region {
                    return Err(other_region(&case.case, region));
                }
                item.decision = Some(text.clone());
                self.fx.writes.push(Write::meeting(meeting));
                let kind = EventKind::Decision {
                    meeting_id: *meeting_id,
                    text,
                };
                let e = crate::timeline::CaseEvent {
                    id: *event_id,
                    case_id: *case_id,
                    at: self.at,
                    author: self.ctx.actor.username.clone(),
                    kind,
                };
                self.fx.writes.push(Write::event(case.case.region, e));
            }
            Op::SetMinutes { meeting_id, text } => {
                let text = required(Field::Minutes, text, MAX_MINUTES)?;
                let mut meeting = self.writable_meeting(*meeting_id)?;
                if meeting.minutes.as_deref() == Some(text.as_str()) {
                    return Ok(());
                }
                if self.is_stale(MINUTES, meeting.minutes_version, meeting.minutes_writer) {
                    return Err(stale("minutes"));
                }
                meeting.minutes = Some(text);
                let (mut v, mut w) = (meeting.minutes_version, meeting.minutes_writer);
                self.bump_version(&mut v, &mut w);
                (meeting.minutes_version, meeting.minutes_writer) = (v, w);
                self.fx.writes.push(Write::meeting(meeting));
            }
            Op::AddAction {
                meeting_id,
                action_id,
                text,
                owner,
                due,
            } => {
                let text = required(Field::Action, text, MAX_ACTION)?;
                let owner = required(Field::ActionOwner, owner, MAX_TITLE)?;
                let mut meeting = self.writable_meeting(*meeting_id)?;
                if !meeting.actions.iter().any(|a| a.id == *action_id) {
                    meeting.actions.push(ActionItem {
                        id: *action_id,
                        text,
                        owner,
                        due: *due,
                        done: false,
                    });
                    self.fx.writes.push(Write::meeting(meeting));
                }
            }
            Op::CompleteAction {
                meeting_id,
                action_id,
            } => {
                let mut meeting = self.writable_meeting(*meeting_id)?;
                let Some(a) = meeting.actions.iter_mut().find(|a| a.id == *action_id) else {
                    return Err(Rejection::new(
                        Code::UnknownAction,
                        "Action introuvable dans cette réunion.",
                    ));
                };
                if !a.done {
                    a.done = true;
                    self.fx.writes.push(Write::meeting(meeting));
                }
            }
            Op::CreateRoadmapItem {
                id,
                title,
                description,
                owner,
            } => {
                if !super::may_write_roadmap(self.ctx.actor) {
                    return Err(Rejection::committee_only());
                }
                self.fx.writes.push(Write::roadmap(RoadmapItem {
                    id: *id,
                    title: required(Field::Project, title, MAX_TITLE)?,
                    description: bounded(Field::Description, description.trim(), MAX_TEXT)?,
                    owner: *owner,
                    status: RoadmapStatus::Planned,
                    progress: 0,
                    version: 0,
                    writer: None,
                    milestones: Vec::new(),
                }));
            }
            Op::UpdateRoadmapItem {
                id,
                status,
                progress,
            } => {
                if let Some(p) = progress.filter(|p| *p > 100) {
                    return Err(crate::ValidationError::Progress(p.to_string()).into());
                }
                let mut item = self.roadmap_item(*id)?;
                // Done means 100 % unless said otherwise.
                let progress = progress.or((*status == Some(RoadmapStatus::Done)).then_some(100));
                let new_status = status.unwrap_or(item.status);
                let new_progress = progress.unwrap_or(item.progress);
                if (new_status, new_progress) == (item.status, item.progress) {
                    return Ok(());
                }
                if self.is_stale(ROADMAP, item.version, item.writer) {
                    return Err(stale("roadmap"));
                }
                item.status = new_status;
                item.progress = new_progress;
                let (mut v, mut w) = (item.version, item.writer);
                self.bump_version(&mut v, &mut w);
                (item.version, item.writer) = (v, w);
                self.fx.writes.push(Write::roadmap(item));
            }
            Op::AddMilestone {
                item_id,
                milestone_id,
                title,
                due,
            } => {
                let title = required(Field::Milestone, title, MAX_TITLE)?;
                let mut item = self.roadmap_item(*item_id)?;
                if !item.milestones.iter().any(|m| m.id == *milestone_id) {
                    item.milestones.push(Milestone {
                        id: *milestone_id,
                        title,
                        due: *due,
                        done: false,
                    });
                    self.fx.writes.push(Write::roadmap(item));
                }
            }
            Op::CompleteMilestone {
                item_id,
                milestone_id,
            } => {
                let mut item = self.roadmap_item(*item_id)?;
                let Some(ms) = item.milestones.iter_mut().find(|m| m.id == *milestone_id) else {
                    return Err(Rejection::new(
                        Code::UnknownMilestone,
                        "Jalon introuvable dans ce projet de la feuille de route.",
                    ));
                };
                if !ms.done {
                    ms.done = true;
                    self.fx.writes.push(Write::roadmap(item));
                }
            }
            _ => {}
        }
        Ok(())
    }
}

fn other_region(case: &crate::Case, meeting: crate::Region) -> Rejection {
    Rejection::new(
        Code::OtherRegion,
        format!(
            "Le dossier {} ({}) n'est pas de la région de la réunion ({}).",
            case.reference,
            case.region.code(),
            meeting.code()
        ),
    )
    .arg("reference", case.reference.clone())
    .arg("region", case.region.code())
    .arg("meeting_region", meeting.code())
}
