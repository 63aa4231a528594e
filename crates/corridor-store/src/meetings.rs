//! Meetings and the committee's roadmap, changed through mutations like cases.

use chrono::{DateTime, NaiveDate, Utc};
use corridor_model::error::required_text;
use corridor_model::meeting::{
    ActionItem, AgendaItem, Meeting, Milestone, Owner, RoadmapItem, RoadmapStatus,
};
use corridor_model::mutation::Op;
use corridor_model::{Region, ValidationError};
use serde::Serialize;
use sqlx::{Row, SqliteConnection};
use uuid::Uuid;

use crate::cases::load_case;
use crate::store::{bad_row, parse};
use crate::{Result, Store, StoreError, MAX_TEXT};

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

pub(crate) fn owner_code(o: Owner) -> &'static str {
    match o {
        Owner::Cgem => "cgem",
        Owner::Cnss => "cnss",
        Owner::Joint => "joint",
    }
}

pub(crate) fn status_code(s: RoadmapStatus) -> &'static str {
    match s {
        RoadmapStatus::Planned => "planned",
        RoadmapStatus::InProgress => "in_progress",
        RoadmapStatus::Blocked => "blocked",
        RoadmapStatus::Done => "done",
    }
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

async fn meeting_region(conn: &mut SqliteConnection, id: Uuid) -> Result<Region> {
    let region: Option<String> = sqlx::query_scalar("SELECT region FROM meeting WHERE id = ?")
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    region
        .ok_or_else(|| StoreError::UnknownItem("réunion", id.to_string()))?
        .parse()
        .map_err(bad_row)
}

/// Records a meeting's decision on a case of its agenda.
pub(crate) async fn record_decision(
    conn: &mut SqliteConnection,
    meeting: Uuid,
    case: Uuid,
    text: &str,
) -> Result<()> {
    let text = required_text("décision", text, MAX_TEXT)?;
    let done =
        sqlx::query("UPDATE meeting_agenda SET decision = ? WHERE meeting_id = ? AND case_id = ?")
            .bind(text)
            .bind(meeting.to_string())
            .bind(case.to_string())
            .execute(&mut *conn)
            .await?;
    if done.rows_affected() == 0 {
        meeting_region(conn, meeting).await?;
        return Err(StoreError::NotOnAgenda);
    }
    Ok(())
}

/// Applies the meeting and roadmap operations.
pub(crate) async fn apply(conn: &mut SqliteConnection, op: &Op) -> Result<()> {
    match op {
        Op::CreateMeeting {
            id,
            region,
            title,
            at,
            place,
        } => {
            let title = required_text("titre de la réunion", title, 200)?;
            sqlx::query(
                "INSERT INTO meeting (id, region, title, at, place) VALUES (?, ?, ?, ?, ?)",
            )
            .bind(id.to_string())
            .bind(region.code())
            .bind(title)
            .bind(at.to_rfc3339())
            .bind(place.as_deref().map(str::trim).filter(|p| !p.is_empty()))
            .execute(&mut *conn)
            .await?;
        }
        Op::AddParticipant { meeting_id, name } => {
            meeting_region(conn, *meeting_id).await?;
            let name = required_text("participant", name, 200)?;
            let list: String = sqlx::query_scalar("SELECT participants FROM meeting WHERE id = ?")
                .bind(meeting_id.to_string())
                .fetch_one(&mut *conn)
                .await?;
            let mut list: Vec<String> = serde_json::from_str(&list).map_err(bad_row)?;
            if list.contains(&name) {
                return Err(StoreError::NothingToChange);
            }
            list.push(name);
            sqlx::query("UPDATE meeting SET participants = ? WHERE id = ?")
                .bind(serde_json::to_string(&list).map_err(std::io::Error::other)?)
                .bind(meeting_id.to_string())
                .execute(&mut *conn)
                .await?;
        }
        Op::AddAgendaCase {
            meeting_id,
            case_id,
        } => {
            let region = meeting_region(conn, *meeting_id).await?;
            let case = load_case(conn, &case_id.to_string()).await?;
            if case.region != region {
                return Err(StoreError::OtherRegion {
                    reference: case.reference,
                    case: case.region,
                    meeting: region,
                });
            }
            let done = sqlx::query(
                "INSERT INTO meeting_agenda (meeting_id, case_id, position) \
                 SELECT ?1, ?2, COALESCE(MAX(position), 0) + 1 FROM meeting_agenda WHERE meeting_id = ?1 \
                 ON CONFLICT DO NOTHING",
            )
            .bind(meeting_id.to_string())
            .bind(case_id.to_string())
            .execute(&mut *conn)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NothingToChange);
            }
        }
        Op::SetMinutes { meeting_id, text } => {
            meeting_region(conn, *meeting_id).await?;
            let text = required_text("compte rendu", text, MAX_TEXT * 5)?;
            sqlx::query("UPDATE meeting SET minutes = ? WHERE id = ?")
                .bind(text)
                .bind(meeting_id.to_string())
                .execute(&mut *conn)
                .await?;
        }
        Op::AddAction {
            meeting_id,
            action_id,
            text,
            owner,
            due,
        } => {
            meeting_region(conn, *meeting_id).await?;
            sqlx::query("INSERT INTO meeting_action (id, meeting_id, text, owner, due) VALUES (?, ?, ?, ?, ?)")
                .bind(action_id.to_string())
                .bind(meeting_id.to_string())
                .bind(required_text("action", text, 2_000)?)
                .bind(required_text("responsable de l'action", owner, 200)?)
                .bind(due.map(|d| d.to_string()))
                .execute(&mut *conn)
                .await?;
        }
        Op::CompleteAction {
            meeting_id,
            action_id,
        } => {
            let done = sqlx::query(
                "UPDATE meeting_action SET done = 1 WHERE id = ? AND meeting_id = ? AND done = 0",
            )
            .bind(action_id.to_string())
            .bind(meeting_id.to_string())
            .execute(&mut *conn)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NothingToChange);
            }
        }
        Op::CreateRoadmapItem {
            id,
            title,
            description,
            owner,
        } => {
            sqlx::query(
                "INSERT INTO roadmap_item (id, title, description, owner, status, progress) VALUES (?, ?, ?, ?, 'planned', 0)",
            )
            .bind(id.to_string())
            .bind(required_text("projet", title, 200)?)
            .bind(description.trim())
            .bind(owner_code(*owner))
            .execute(&mut *conn)
            .await?;
        }
        Op::UpdateRoadmapItem {
            id,
            status,
            progress,
        } => {
            if let Some(p) = progress {
                if *p > 100 {
                    return Err(ValidationError::Progress(p.to_string()).into());
                }
            }
            // Done means 100 % unless said otherwise.
            let progress = progress.or((*status == Some(RoadmapStatus::Done)).then_some(100));
            let done = sqlx::query(
                "UPDATE roadmap_item SET status = COALESCE(?, status), progress = COALESCE(?, progress) WHERE id = ?",
            )
            .bind(status.map(status_code))
            .bind(progress.map(i64::from))
            .bind(id.to_string())
            .execute(&mut *conn)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::UnknownItem(
                    "projet de la feuille de route",
                    id.to_string(),
                ));
            }
        }
        Op::AddMilestone {
            item_id,
            milestone_id,
            title,
            due,
        } => {
            sqlx::query(
                "INSERT INTO roadmap_milestone (id, item_id, title, due) SELECT ?, id, ?, ? FROM roadmap_item WHERE id = ?",
            )
            .bind(milestone_id.to_string())
            .bind(required_text("jalon", title, 200)?)
            .bind(due.map(|d| d.to_string()))
            .bind(item_id.to_string())
            .execute(&mut *conn)
            .await
            .and_then(|r| {
                if r.rows_affected() == 0 { Err(sqlx::Error::RowNotFound) } else { Ok(r) }
            })
            .map_err(|e| match e {
                sqlx::Error::RowNotFound => StoreError::UnknownItem("projet de la feuille de route", item_id.to_string()),
                other => other.into(),
            })?;
        }
        Op::CompleteMilestone {
            item_id,
            milestone_id,
        } => {
            let done = sqlx::query(
                "UPDATE roadmap_milestone SET done = 1 WHERE id = ? AND item_id = ? AND done = 0",
            )
            .bind(milestone_id.to_string())
            .bind(item_id.to_string())
            .execute(&mut *conn)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NothingToChange);
            }
        }
        _ => {}
    }
    Ok(())
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
        let row = sqlx::query(
            "SELECT id, region, title, at, place, participants, minutes FROM meeting WHERE id = ?",
        )
        .bind(id.to_string())
        .fetch_one(&mut *conn)
        .await?;
        let agenda = sqlx::query(
            "SELECT a.case_id, c.reference, c.title, a.decision FROM meeting_agenda a \
             JOIN case_file c ON c.id = a.case_id WHERE a.meeting_id = ? ORDER BY a.position",
        )
        .bind(id.to_string())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok(AgendaItem {
                case_id: parse(r, "case_id")?,
                reference: r.try_get("reference")?,
                title: r.try_get("title")?,
                decision: r.try_get("decision")?,
            })
        })
        .collect::<Result<_>>()?;
        let actions = sqlx::query("SELECT id, text, owner, due, done FROM meeting_action WHERE meeting_id = ? ORDER BY id")
            .bind(id.to_string())
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| {
                Ok(ActionItem {
                    id: parse(r, "id")?,
                    text: r.try_get("text")?,
                    owner: r.try_get("owner")?,
                    due: r.try_get::<Option<String>, _>("due")?.map(|d| d.parse().map_err(bad_row)).transpose()?,
                    done: r.try_get("done")?,
                })
            })
            .collect::<Result<_>>()?;
        Ok(Meeting {
            id,
            region: parse(&row, "region")?,
            title: row.try_get("title")?,
            at: parse(&row, "at")?,
            place: row.try_get("place")?,
            participants: serde_json::from_str(&row.try_get::<String, _>("participants")?)
                .map_err(bad_row)?,
            agenda,
            minutes: row.try_get("minutes")?,
            actions,
        })
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
        let items = sqlx::query(
            "SELECT id, title, description, owner, status, progress FROM roadmap_item ORDER BY id",
        )
        .fetch_all(self.pool())
        .await?;
        let milestones =
            sqlx::query("SELECT id, item_id, title, due, done FROM roadmap_milestone ORDER BY id")
                .fetch_all(self.pool())
                .await?;
        items
            .iter()
            .map(|r| {
                let id: Uuid = parse(r, "id")?;
                let milestones = milestones
                    .iter()
                    .filter(|m| {
                        m.try_get::<String, _>("item_id")
                            .is_ok_and(|i| i == id.to_string())
                    })
                    .map(|m| {
                        Ok(Milestone {
                            id: parse(m, "id")?,
                            title: m.try_get("title")?,
                            due: m
                                .try_get::<Option<String>, _>("due")?
                                .map(|d| d.parse().map_err(bad_row))
                                .transpose()?,
                            done: m.try_get("done")?,
                        })
                    })
                    .collect::<Result<_>>()?;
                Ok(RoadmapItem {
                    id,
                    title: r.try_get("title")?,
                    description: r.try_get("description")?,
                    owner: serde_json::from_value(serde_json::Value::String(r.try_get("owner")?))
                        .map_err(bad_row)?,
                    status: serde_json::from_value(serde_json::Value::String(r.try_get("status")?))
                        .map_err(bad_row)?,
                    progress: u8::try_from(r.try_get::<i64, _>("progress")?).map_err(bad_row)?,
                    milestones,
                })
            })
            .collect()
    }
}
