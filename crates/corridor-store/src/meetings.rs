//! Meetings and the committee's roadmap, changed through mutations like cases.

use chrono::{DateTime, NaiveDate, Utc};
use corridor_model::meeting::{Meeting, Owner, RoadmapItem, RoadmapStatus};
use corridor_model::mutation::Op;
use corridor_model::Region;
use serde::Serialize;
use sqlx::{Row, SqliteConnection};
use uuid::Uuid;

use crate::store::{bad_row, parse};
use crate::{Result, Store, StoreError};

/// A meeting in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MeetingSummary {
    /// Id.
    pub id: Uuid,
    /// Region.
    pub region: Region,
    /// Title.
    pub title: String,
    /// When (UTC).
    pub at: DateTime<Utc>,
    /// Cases on the agenda.
    pub agenda_len: i64,
}

/// Resolves a full id or a unique prefix (8 characters at least) in `table`.
async fn resolve(
    conn: &mut SqliteConnection,
    table: &str,
    key: &str,
    what: &'static str,
) -> Result<Uuid> {
    let key = key.trim().to_lowercase();
    let unknown = || StoreError::UnknownItem(what, key.clone());
    if key.len() < 8 || !key.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return Err(unknown());
    }
    let ids: Vec<String> = sqlx::query_scalar(&format!(
        "SELECT id FROM {table} WHERE id LIKE ? || '%' LIMIT 2"
    ))
    .bind(&key)
    .fetch_all(&mut *conn)
    .await?;
    match ids.as_slice() {
        [one] => one.parse().map_err(bad_row),
        [] => Err(unknown()),
        _ => Err(StoreError::AmbiguousId(key.clone())),
    }
}

impl Store {
    async fn meeting_op(&self, key: &str, op: impl FnOnce(Uuid) -> Op) -> Result<Meeting> {
        let (mut tx, device) = self.begin_op().await?;
        let id = resolve(&mut tx, "meeting", key, "réunion").await?;
        self.commit_op_in(tx, &device, op(id)).await?;
        self.meeting(&id.to_string()).await
    }

    /// Schedules a meeting.
    pub async fn create_meeting(
        &self,
        region: Region,
        title: &str,
        at: DateTime<Utc>,
        place: Option<&str>,
    ) -> Result<Meeting> {
        let (tx, device) = self.begin_op().await?;
        let id = Uuid::now_v7();
        let op = Op::CreateMeeting {
            id,
            region,
            title: title.to_owned(),
            at,
            place: place.map(str::to_owned),
        };
        self.commit_op_in(tx, &device, op).await?;
        self.meeting(&id.to_string()).await
    }

    /// Adds a participant.
    pub async fn add_participant(&self, meeting: &str, name: &str) -> Result<Meeting> {
        let name = name.to_owned();
        self.meeting_op(meeting, |meeting_id| Op::AddParticipant {
            meeting_id,
            name,
        })
        .await
    }

    /// Puts a case (of the meeting's region) at the end of the agenda.
    pub async fn add_agenda_case(&self, meeting: &str, case: &str) -> Result<Meeting> {
        let case_id = self.case(case).await?.id;
        self.meeting_op(meeting, |meeting_id| Op::AddAgendaCase {
            meeting_id,
            case_id,
        })
        .await
    }

    /// Records the decision on a case of the agenda; it also goes into the case's timeline.
    pub async fn record_decision(&self, meeting: &str, case: &str, text: &str) -> Result<Meeting> {
        let case_id = self.case(case).await?.id;
        let text = text.to_owned();
        self.meeting_op(meeting, |meeting_id| Op::RecordDecision {
            meeting_id,
            case_id,
            event_id: Uuid::now_v7(),
            text,
        })
        .await
    }

    /// Sets the minutes.
    pub async fn set_minutes(&self, meeting: &str, text: &str) -> Result<Meeting> {
        let text = text.to_owned();
        self.meeting_op(meeting, |meeting_id| Op::SetMinutes { meeting_id, text })
            .await
    }

    /// Adds an action item.
    pub async fn add_action(
        &self,
        meeting: &str,
        text: &str,
        owner: &str,
        due: Option<NaiveDate>,
    ) -> Result<Meeting> {
        let (text, owner) = (text.to_owned(), owner.to_owned());
        self.meeting_op(meeting, |meeting_id| Op::AddAction {
            meeting_id,
            action_id: Uuid::now_v7(),
            text,
            owner,
            due,
        })
        .await
    }

    /// Marks an action item done (by id or unique prefix).
    pub async fn complete_action(&self, meeting: &str, action: &str) -> Result<Meeting> {
        let (mut tx, device) = self.begin_op().await?;
        let meeting_id = resolve(&mut tx, "meeting", meeting, "réunion").await?;
        let action_id = resolve(&mut tx, "meeting_action", action, "action").await?;
        self.commit_op_in(
            tx,
            &device,
            Op::CompleteAction {
                meeting_id,
                action_id,
            },
        )
        .await?;
        self.meeting(&meeting_id.to_string()).await
    }

    /// A meeting with its agenda, decisions and actions.
    pub async fn meeting(&self, key: &str) -> Result<Meeting> {
        let mut conn = self.pool().acquire().await?;
        let id = resolve(&mut conn, "meeting", key, "réunion").await?;
        crate::rules::load_meeting(&mut conn, id)
            .await?
            .ok_or_else(|| StoreError::UnknownItem("réunion", id.to_string()))
    }

    /// Meetings, the latest first.
    pub async fn list_meetings(&self) -> Result<Vec<MeetingSummary>> {
        let rows = sqlx::query(
            "SELECT m.id, m.region, m.title, m.at, (SELECT COUNT(*) FROM meeting_agenda a WHERE a.meeting_id = m.id) AS n \
             FROM meeting m ORDER BY m.at DESC",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(MeetingSummary {
                    id: parse(r, "id")?,
                    region: parse(r, "region")?,
                    title: r.try_get("title")?,
                    at: parse(r, "at")?,
                    agenda_len: r.try_get("n")?,
                })
            })
            .collect()
    }

    /// Adds an item to the committee's roadmap.
    pub async fn add_roadmap_item(
        &self,
        title: &str,
        description: &str,
        owner: Owner,
    ) -> Result<RoadmapItem> {
        let (tx, device) = self.begin_op().await?;
        let id = Uuid::now_v7();
        let op = Op::CreateRoadmapItem {
            id,
            title: title.to_owned(),
            description: description.to_owned(),
            owner,
        };
        self.commit_op_in(tx, &device, op).await?;
        self.roadmap_item(id).await
    }

    /// Updates status and/or progress, and adds or completes milestones.
    pub async fn update_roadmap_item(
        &self,
        key: &str,
        status: Option<RoadmapStatus>,
        progress: Option<u8>,
        new_milestone: Option<(String, Option<NaiveDate>)>,
        milestone_done: Option<&str>,
    ) -> Result<RoadmapItem> {
        let (mut tx, device) = self.begin_op().await?;
        let id = resolve(
            &mut tx,
            "roadmap_item",
            key,
            "projet de la feuille de route",
        )
        .await?;
        let mut ops = Vec::new();
        if status.is_some() || progress.is_some() {
            ops.push(Op::UpdateRoadmapItem {
                id,
                status,
                progress,
            });
        }
        if let Some((title, due)) = new_milestone {
            ops.push(Op::AddMilestone {
                item_id: id,
                milestone_id: Uuid::now_v7(),
                title,
                due,
            });
        }
        if let Some(m) = milestone_done {
            let milestone_id = resolve(&mut tx, "roadmap_milestone", m, "jalon").await?;
            ops.push(Op::CompleteMilestone {
                item_id: id,
                milestone_id,
            });
        }
        if ops.is_empty() {
            return Err(StoreError::NothingToChange);
        }
        self.commit_ops_in(tx, &device, ops).await?;
        self.roadmap_item(id).await
    }

    async fn roadmap_item(&self, id: Uuid) -> Result<RoadmapItem> {
        self.roadmap()
            .await?
            .into_iter()
            .find(|i| i.id == id)
            .ok_or_else(|| StoreError::UnknownItem("projet de la feuille de route", id.to_string()))
    }

    /// The roadmap, oldest item first, with milestones.
    pub async fn roadmap(&self) -> Result<Vec<RoadmapItem>> {
        let mut conn = self.pool().acquire().await?;
        crate::rules::load_roadmap(&mut conn, None).await
    }
}
