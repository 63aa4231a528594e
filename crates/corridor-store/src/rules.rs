//! The device side of the rule engine: loading what a mutation needs from the local tables,
//! asking [`corridor_model::engine`], and writing the effects back.
//!
//! The store holds no rule of its own: a change the user makes is applied with the signed-in
//! user as actor ([`actor`]), exactly as the server will apply it, and a pending change is
//! re-applied the same way after a pull ([`replay`]).

use chrono::{DateTime, Utc};
use corridor_model::engine::{
    self, Access, Actor, Authority, Content, Context, DocKind, Effects, View,
};
use corridor_model::meeting::{ActionItem, AgendaItem, Meeting, Milestone, RoadmapItem};
use corridor_model::mutation::{Mutation, Op};
use corridor_model::sync::{Conflict, Doc};
use corridor_model::timeline::CaseEvent;
use sqlx::{Row, SqliteConnection};
use uuid::Uuid;

use crate::docs::{
    list_attachment, write_case, write_conflict, write_enterprise, write_meeting, write_roadmap,
};
use crate::index::reindex;
use crate::rows::{enterprise_by_id, insert_event, load_case_doc};
use crate::store::{bad_row, load_device, parse, Device};
use crate::{Result, StoreError};

/// The engine's actor on this device: the signed-in user, or — before any sign-in — the
/// profile's user, whose role and regions the server checks at the first sync.
pub(crate) async fn actor(conn: &mut SqliteConnection, device: &Device) -> Result<Actor> {
    let session = sqlx::query("SELECT username, role, regions FROM sync_session")
        .fetch_optional(&mut *conn)
        .await?;
    let access = match session {
        Some(row) => {
            let regions: String = row.try_get("regions")?;
            Access::Signed {
                role: parse(&row, "role")?,
                regions: regions
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(|s| s.parse().map_err(bad_row))
                    .collect::<Result<_>>()?,
            }
        }
        None => Access::Unsigned {
            institution: device.institution,
        },
    };
    Ok(Actor {
        username: device.user.clone(),
        device: device.id,
        access,
    })
}

/// Applies a change the user makes now: returns the mutation to queue (its base recorded,
/// its sequence number taken) once its effects are written. A change that would change
/// nothing is refused ([`StoreError::NothingToChange`]): there is nothing to queue. Nothing is
/// written before the engine has accepted the change.
pub(crate) async fn author(
    conn: &mut SqliteConnection,
    device: &Device,
    actor: &Actor,
    op: Op,
    now: DateTime<Utc>,
) -> Result<Mutation> {
    let view = load_view(conn, &engine::needs(&op)).await?;
    let mut m = Mutation {
        mutation_id: Uuid::now_v7(),
        device_id: device.id,
        device_seq: 0,
        base: engine::base_of(&view, &op),
        op,
        authored_at: now,
        author: device.user.clone(),
    };
    let ctx = Context {
        actor,
        authority: Authority::Device,
        now,
    };
    let fx = engine::apply(&view, ctx, &m).map_err(StoreError::Rule)?;
    if fx.changes_nothing() {
        return Err(StoreError::NothingToChange);
    }
    m.device_seq =
        sqlx::query_scalar("UPDATE device SET next_seq = next_seq + 1 RETURNING next_seq - 1")
            .fetch_one(&mut *conn)
            .await?;
    persist(conn, &fx, &m.op).await?;
    Ok(m)
}

/// Re-applies a pending mutation on top of the server's state. `Ok(false)`: the engine
/// refuses it now (the server will answer it; nothing was written).
pub(crate) async fn replay(
    conn: &mut SqliteConnection,
    actor: &Actor,
    m: &Mutation,
) -> Result<bool> {
    let view = load_view(conn, &engine::needs(&m.op)).await?;
    let ctx = Context {
        actor,
        authority: Authority::Device,
        now: Utc::now().max(m.authored_at),
    };
    match engine::apply(&view, ctx, m) {
        Ok(fx) => {
            persist(conn, &fx, &m.op).await?;
            Ok(true)
        }
        Err(_) => Ok(false),
    }
}

/// The actor of this device now (for [`replay`]).
pub(crate) async fn current_actor(conn: &mut SqliteConnection) -> Result<Actor> {
    let device = load_device(conn).await?;
    actor(conn, &device).await
}

async fn exists(conn: &mut SqliteConnection, kind: DocKind, id: Uuid) -> Result<bool> {
    let table = match kind {
        DocKind::Enterprise => "enterprise",
        DocKind::Case => "case_file",
        DocKind::Event => "case_event",
        DocKind::Meeting => "meeting",
        DocKind::Roadmap => "roadmap_item",
    };
    let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table} WHERE id = ?"))
        .bind(id.to_string())
        .fetch_one(&mut *conn)
        .await?;
    Ok(n > 0)
}

async fn load_view(conn: &mut SqliteConnection, needs: &engine::Needs) -> Result<View> {
    let mut view = View::default();
    for id in &needs.cases {
        if let Some(c) = load_case_doc(conn, *id).await? {
            view.cases.insert(*id, c);
        }
    }
    for id in &needs.enterprises {
        if let Some(e) = enterprise_by_id(conn, *id).await? {
            view.enterprises.insert(*id, e);
        }
    }
    for id in &needs.meetings {
        if let Some(m) = load_meeting(conn, *id).await? {
            view.meetings.insert(*id, m);
        }
    }
    for id in &needs.roadmap {
        if let Some(r) = load_roadmap_item(conn, *id).await? {
            view.roadmap.insert(*id, r);
        }
    }
    for id in &needs.conflicts {
        let doc: Option<String> = sqlx::query_scalar("SELECT doc FROM case_conflict WHERE id = ?")
            .bind(id.to_string())
            .fetch_optional(&mut *conn)
            .await?;
        if let Some(doc) = doc {
            view.conflicts.insert(
                *id,
                serde_json::from_str::<Conflict>(&doc).map_err(bad_row)?,
            );
        }
    }
    if let Some(parent) = needs.children_of {
        let statuses: Vec<String> =
            sqlx::query_scalar("SELECT status FROM case_file WHERE parent_id = ?")
                .bind(parent.to_string())
                .fetch_all(&mut *conn)
                .await?;
        for s in statuses {
            view.children.push(s.parse().map_err(bad_row)?);
        }
    }
    if let Some(start) = needs.ancestors_of {
        let mut up = Some(start);
        while let Some(id) = up {
            view.ancestors.push(id);
            if view.ancestors.len() > engine::MAX_ANCESTORS {
                break;
            }
            up = sqlx::query_scalar::<_, Option<String>>(
                "SELECT parent_id FROM case_file WHERE id = ?",
            )
            .bind(id.to_string())
            .fetch_optional(&mut *conn)
            .await?
            .flatten()
            .map(|p| p.parse().map_err(bad_row))
            .transpose()?;
        }
    }
    if let Some(ice) = &needs.ice {
        let id: Option<String> = sqlx::query_scalar("SELECT id FROM enterprise WHERE ice = ?")
            .bind(ice)
            .fetch_optional(&mut *conn)
            .await?;
        view.ice_owner = id.map(|i| i.parse().map_err(bad_row)).transpose()?;
    }
    for (kind, id) in &needs.fresh {
        if exists(conn, *kind, *id).await? {
            view.taken.insert((*kind, *id));
        }
    }
    if let Some(hash) = &needs.content {
        // Content held here was attached on this device or fetched for a case it may see.
        let size: Option<i64> =
            sqlx::query_scalar("SELECT size FROM attachment_blob WHERE hash = ?")
                .bind(hash)
                .fetch_optional(&mut *conn)
                .await?;
        view.content = size
            .and_then(|s| u64::try_from(s).ok())
            .map(|size| Content { size });
    }
    Ok(view)
}

/// Writes the effects of a mutation to the local tables (events unconfirmed until the server
/// sends them back).
async fn persist(conn: &mut SqliteConnection, fx: &Effects, op: &Op) -> Result<()> {
    for w in &fx.writes {
        match &w.doc {
            Doc::Enterprise(e) => write_enterprise(conn, e).await?,
            Doc::Case(c) => {
                write_case(conn, c, false).await?;
            }
            Doc::Event(e) => write_local_event(conn, e).await?,
            Doc::Conflict(c) => {
                write_conflict(conn, c).await?;
            }
            Doc::Meeting(m) => write_meeting(conn, m).await?,
            Doc::Roadmap(r) => write_roadmap(conn, r).await?,
        }
    }
    for case in op.cases() {
        let present: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM case_file WHERE id = ?")
            .bind(case.to_string())
            .fetch_one(&mut *conn)
            .await?;
        if present > 0 {
            reindex(conn, case).await?;
        }
    }
    Ok(())
}

async fn write_local_event(conn: &mut SqliteConnection, e: &CaseEvent) -> Result<()> {
    insert_event(conn, e.id, e.case_id, &e.author, e.at, &e.kind).await?;
    list_attachment(conn, e).await
}

/// A meeting as held here, with its agenda (cases held here), decisions and actions.
pub(crate) async fn load_meeting(conn: &mut SqliteConnection, id: Uuid) -> Result<Option<Meeting>> {
    let Some(row) = sqlx::query(
        "SELECT id, region, title, at, place, participants, minutes, minutes_version, \
         minutes_writer FROM meeting WHERE id = ?",
    )
    .bind(id.to_string())
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
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
    let actions = sqlx::query(
        "SELECT id, text, owner, due, done FROM meeting_action WHERE meeting_id = ? ORDER BY id",
    )
    .bind(id.to_string())
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        Ok(ActionItem {
            id: parse(r, "id")?,
            text: r.try_get("text")?,
            owner: r.try_get("owner")?,
            due: opt_date(r, "due")?,
            done: r.try_get("done")?,
        })
    })
    .collect::<Result<_>>()?;
    Ok(Some(Meeting {
        id,
        region: parse(&row, "region")?,
        title: row.try_get("title")?,
        at: parse(&row, "at")?,
        place: row.try_get("place")?,
        participants: serde_json::from_str(&row.try_get::<String, _>("participants")?)
            .map_err(bad_row)?,
        agenda,
        minutes: row.try_get("minutes")?,
        minutes_version: row.try_get("minutes_version")?,
        minutes_writer: opt_uuid(&row, "minutes_writer")?,
        actions,
    }))
}

fn opt_date(row: &sqlx::sqlite::SqliteRow, col: &str) -> Result<Option<chrono::NaiveDate>> {
    row.try_get::<Option<String>, _>(col)?
        .map(|d| d.parse().map_err(bad_row))
        .transpose()
}

fn opt_uuid(row: &sqlx::sqlite::SqliteRow, col: &str) -> Result<Option<Uuid>> {
    row.try_get::<Option<String>, _>(col)?
        .map(|d| d.parse().map_err(bad_row))
        .transpose()
}

/// The roadmap items held here (`id`: that one only), oldest first, with their milestones.
pub(crate) async fn load_roadmap(
    conn: &mut SqliteConnection,
    id: Option<Uuid>,
) -> Result<Vec<RoadmapItem>> {
    let filter = if id.is_some() { " WHERE id = ?" } else { "" };
    let sql = format!(
        "SELECT id, title, description, owner, status, progress, version, writer \
         FROM roadmap_item{filter} ORDER BY id"
    );
    let mut items = sqlx::query(&sql);
    if let Some(id) = id {
        items = items.bind(id.to_string());
    }
    let items = items.fetch_all(&mut *conn).await?;
    let sql = format!(
        "SELECT id, item_id, title, due, done FROM roadmap_milestone{} ORDER BY id",
        if id.is_some() {
            " WHERE item_id = ?"
        } else {
            ""
        }
    );
    let mut ms = sqlx::query(&sql);
    if let Some(id) = id {
        ms = ms.bind(id.to_string());
    }
    let milestones = ms.fetch_all(&mut *conn).await?;
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
                        due: opt_date(m, "due")?,
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
                version: r.try_get("version")?,
                writer: opt_uuid(r, "writer")?,
                milestones,
            })
        })
        .collect()
}

async fn load_roadmap_item(conn: &mut SqliteConnection, id: Uuid) -> Result<Option<RoadmapItem>> {
    Ok(load_roadmap(conn, Some(id)).await?.into_iter().next())
}
