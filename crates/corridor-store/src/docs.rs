//! The server's documents as rows of the local tables: writing an enterprise, a case (with its
//! links), timeline events, conflicts, meetings and roadmap items, and removing a case with
//! everything that hangs on it. Used by the pull (documents from the server) and by the rule
//! engine's effects (documents changed here).

use std::collections::BTreeSet;

use corridor_model::meeting::{Meeting, Owner, RoadmapItem, RoadmapStatus};
use corridor_model::sync::{CaseDoc, Conflict};
use corridor_model::timeline::{CaseEvent, EventKind};
use corridor_model::{Enterprise, SizeClass};
use serde::Serialize;
use sqlx::SqliteConnection;
use uuid::Uuid;

use crate::Result;

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

pub(crate) fn json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| std::io::Error::other(e).into())
}

/// Cases written per statement.
pub(crate) const CASE_BATCH: usize = 400;

/// Writes the cases of a page whose enterprise is here, many per statement, keeping each
/// server version in `server_case`; returns those that must wait for their enterprise.
/// Parents are set afterwards, from `server_case`, once they are here.
pub(crate) async fn write_cases<'a>(
    conn: &mut SqliteConnection,
    docs: &[&'a CaseDoc],
    present: &mut BTreeSet<Uuid>,
) -> Result<Vec<&'a CaseDoc>> {
    if docs.is_empty() {
        return Ok(Vec::new());
    }
    let wanted: BTreeSet<String> = docs
        .iter()
        .map(|d| d.case.enterprise_id.to_string())
        .collect();
    let here: BTreeSet<String> = sqlx::query_scalar(
        "SELECT id FROM enterprise WHERE id IN (SELECT value FROM json_each(?))",
    )
    .bind(json(&wanted)?)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .collect();
    let (ready, waiting): (Vec<&CaseDoc>, Vec<&CaseDoc>) = docs
        .iter()
        .copied()
        .partition(|d| here.contains(&d.case.enterprise_id.to_string()));
    for chunk in ready.chunks(CASE_BATCH) {
        let mut rows = Vec::with_capacity(chunk.len());
        for d in chunk {
            rows.push((d, json(&d.field_versions)?, json(&d.case.tags)?, json(d)?));
        }
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "INSERT INTO case_file (id, reference, enterprise_id, category, title, description, \
             status, region, opened_at, priority, amount_centimes, cgem_assignee, cnss_assignee, \
             resolved_at, resolution, parent_id, field_versions, tags) ",
        );
        q.push_values(&rows, |mut b, (d, versions, tags, _)| {
            let c = &d.case;
            b.push_bind(c.id.to_string())
                .push_bind(c.reference.clone())
                .push_bind(c.enterprise_id.to_string())
                .push_bind(c.category.code())
                .push_bind(c.title.clone())
                .push_bind(c.description.clone())
                .push_bind(c.status.code())
                .push_bind(c.region.code())
                .push_bind(c.opened_at.to_rfc3339())
                .push_bind(c.priority.code())
                .push_bind(c.amount_centimes)
                .push_bind(c.cgem_assignee.clone())
                .push_bind(c.cnss_assignee.clone())
                .push_bind(c.resolved_at.map(|t| t.to_rfc3339()))
                .push_bind(c.resolution.clone())
                .push("NULL")
                .push_bind(versions.clone())
                .push_bind(tags.clone());
        });
        q.push(
            " ON CONFLICT (id) DO UPDATE SET reference = excluded.reference, \
             enterprise_id = excluded.enterprise_id, category = excluded.category, \
             title = excluded.title, description = excluded.description, status = excluded.status, \
             region = excluded.region, opened_at = excluded.opened_at, priority = excluded.priority, \
             amount_centimes = excluded.amount_centimes, cgem_assignee = excluded.cgem_assignee, \
             cnss_assignee = excluded.cnss_assignee, resolved_at = excluded.resolved_at, \
             resolution = excluded.resolution, parent_id = NULL, \
             field_versions = excluded.field_versions, tags = excluded.tags, \
         field_writers = excluded.field_writers",
        );
        q.build().execute(&mut *conn).await?;
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "INSERT INTO server_case (id, parent_id, doc) ",
        );
        q.push_values(&rows, |mut b, (d, _, _, doc)| {
            b.push_bind(d.case.id.to_string())
                .push_bind(d.case.parent_id.map(|p| p.to_string()))
                .push_bind(doc.clone());
        });
        q.push(
            " ON CONFLICT (id) DO UPDATE SET parent_id = excluded.parent_id, doc = excluded.doc",
        );
        q.build().execute(&mut *conn).await?;
        for d in chunk {
            present.insert(d.case.id);
            if !d.links.is_empty() {
                write_links(conn, d).await?;
            }
        }
    }
    Ok(waiting)
}

pub(crate) async fn write_links(conn: &mut SqliteConnection, doc: &CaseDoc) -> Result<()> {
    for other in &doc.links {
        if case_exists(conn, *other).await? {
            for (a, b) in [(doc.case.id, *other), (*other, doc.case.id)] {
                sqlx::query(
                    "INSERT INTO case_link (case_id, other_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                )
                .bind(a.to_string())
                .bind(b.to_string())
                .execute(&mut *conn)
                .await?;
            }
        }
    }
    Ok(())
}

pub(crate) async fn unlock(conn: &mut SqliteConnection, case: Uuid) -> Result<()> {
    sqlx::query("INSERT INTO sync_unlock (case_id) VALUES (?) ON CONFLICT DO NOTHING")
        .bind(case.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub(crate) async fn is_present(
    conn: &mut SqliteConnection,
    present: &mut BTreeSet<Uuid>,
    id: Uuid,
) -> Result<bool> {
    if present.contains(&id) {
        return Ok(true);
    }
    let here = case_exists(conn, id).await?;
    if here {
        present.insert(id);
    }
    Ok(here)
}

pub(crate) async fn case_exists(conn: &mut SqliteConnection, id: Uuid) -> Result<bool> {
    Ok(
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM case_file WHERE id = ?")
            .bind(id.to_string())
            .fetch_one(&mut *conn)
            .await?
            > 0,
    )
}

pub(crate) async fn write_enterprise(conn: &mut SqliteConnection, e: &Enterprise) -> Result<()> {
    let id = e.id.to_string();
    // The same enterprise recorded here under another id (merged by the server): take the
    // server's id; cases follow (foreign keys are deferred to the commit).
    let local: Option<String> =
        sqlx::query_scalar("SELECT id FROM enterprise WHERE ice = ? AND id <> ?")
            .bind(e.ice.as_str())
            .bind(&id)
            .fetch_optional(&mut *conn)
            .await?;
    if let Some(old) = local {
        sqlx::query("UPDATE case_file SET enterprise_id = ? WHERE enterprise_id = ?")
            .bind(&id)
            .bind(&old)
            .execute(&mut *conn)
            .await?;
        sqlx::query("DELETE FROM enterprise WHERE id = ?")
            .bind(&old)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query(
        "INSERT INTO enterprise (id, name, ice, cnss, city, region, created_at, rc, legal_form, \
         sector, size, cgem_member, contacts, version, writer) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, ice = excluded.ice, \
         cnss = excluded.cnss, city = excluded.city, region = excluded.region, \
         created_at = excluded.created_at, rc = excluded.rc, legal_form = excluded.legal_form, \
         sector = excluded.sector, size = excluded.size, cgem_member = excluded.cgem_member, \
         contacts = excluded.contacts, version = excluded.version, writer = excluded.writer",
    )
    .bind(&id)
    .bind(&e.name)
    .bind(e.ice.as_str())
    .bind(e.cnss.as_ref().map(|c| c.as_str().to_owned()))
    .bind(&e.city)
    .bind(e.region.code())
    .bind(e.created_at.to_rfc3339())
    .bind(&e.details.rc)
    .bind(&e.details.legal_form)
    .bind(&e.details.sector)
    .bind(e.details.size.map(SizeClass::code))
    .bind(e.details.cgem_member)
    .bind(json(&e.details.contacts)?)
    .bind(e.version)
    .bind(e.writer.map(|w| w.to_string()))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Writes a case row from the server's document (and, with `shadow`, keeps that document as
/// the case's server version). False when its enterprise is not here yet.
pub(crate) async fn write_case(
    conn: &mut SqliteConnection,
    doc: &CaseDoc,
    shadow: bool,
) -> Result<bool> {
    let c = &doc.case;
    let enterprise: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM enterprise WHERE id = ?")
        .bind(c.enterprise_id.to_string())
        .fetch_one(&mut *conn)
        .await?;
    if enterprise == 0 {
        return Ok(false);
    }
    let id = c.id.to_string();
    let parent = match c.parent_id {
        Some(p) if case_exists(conn, p).await? => Some(p.to_string()),
        _ => None,
    };
    sqlx::query(
        "INSERT INTO case_file (id, reference, enterprise_id, category, title, description, status, \
         region, opened_at, priority, amount_centimes, cgem_assignee, cnss_assignee, resolved_at, \
         resolution, parent_id, field_versions, tags, field_writers) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (id) DO UPDATE SET reference = excluded.reference, \
         enterprise_id = excluded.enterprise_id, category = excluded.category, \
         title = excluded.title, description = excluded.description, status = excluded.status, \
         region = excluded.region, opened_at = excluded.opened_at, priority = excluded.priority, \
         amount_centimes = excluded.amount_centimes, cgem_assignee = excluded.cgem_assignee, \
         cnss_assignee = excluded.cnss_assignee, resolved_at = excluded.resolved_at, \
         resolution = excluded.resolution, parent_id = excluded.parent_id, \
         field_versions = excluded.field_versions, tags = excluded.tags, \
         field_writers = excluded.field_writers",
    )
    .bind(&id)
    .bind(&c.reference)
    .bind(c.enterprise_id.to_string())
    .bind(c.category.code())
    .bind(&c.title)
    .bind(&c.description)
    .bind(c.status.code())
    .bind(c.region.code())
    .bind(c.opened_at.to_rfc3339())
    .bind(c.priority.code())
    .bind(c.amount_centimes)
    .bind(&c.cgem_assignee)
    .bind(&c.cnss_assignee)
    .bind(c.resolved_at.map(|t| t.to_rfc3339()))
    .bind(&c.resolution)
    .bind(parent)
    .bind(json(&doc.field_versions)?)
    .bind(json(&c.tags)?)
    .bind(json(&doc.field_writers)?)
    .execute(&mut *conn)
    .await?;
    for other in &doc.links {
        if case_exists(conn, *other).await? {
            for (a, b) in [(c.id, *other), (*other, c.id)] {
                sqlx::query(
                    "INSERT INTO case_link (case_id, other_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                )
                .bind(a.to_string())
                .bind(b.to_string())
                .execute(&mut *conn)
                .await?;
            }
        }
    }
    if shadow {
        sqlx::query(
            "INSERT INTO server_case (id, parent_id, doc) VALUES (?, ?, ?) \
             ON CONFLICT (id) DO UPDATE SET parent_id = excluded.parent_id, doc = excluded.doc",
        )
        .bind(&id)
        .bind(c.parent_id.map(|p| p.to_string()))
        .bind(json(doc)?)
        .execute(&mut *conn)
        .await?;
    }
    Ok(true)
}

/// Events written per statement.
pub(crate) const EVENT_BATCH: usize = 500;

/// Writes confirmed events (replacing this device's unconfirmed copies), many per statement;
/// their cases are here and unlocked for the page. Not for attachments (see [`write_event`]).
pub(crate) async fn write_events(conn: &mut SqliteConnection, events: &[&CaseEvent]) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let mut rows = Vec::with_capacity(events.len());
    for e in events {
        let body = serde_json::to_value(&e.kind).map_err(std::io::Error::other)?;
        let kind = body
            .get("kind")
            .and_then(|k| k.as_str())
            .unwrap_or("unknown")
            .to_owned();
        rows.push((e, kind, body.to_string()));
    }
    let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
        "INSERT INTO case_event (id, case_id, at, author, kind, body, confirmed) ",
    );
    q.push_values(rows, |mut b, (e, kind, body)| {
        b.push_bind(e.id.to_string())
            .push_bind(e.case_id.to_string())
            .push_bind(e.at.to_rfc3339())
            .push_bind(e.author.clone())
            .push_bind(kind)
            .push_bind(body)
            .push("1");
    });
    q.push(
        " ON CONFLICT (id) DO UPDATE SET case_id = excluded.case_id, at = excluded.at, \
         author = excluded.author, kind = excluded.kind, body = excluded.body, confirmed = 1",
    );
    q.build().execute(&mut *conn).await?;
    Ok(())
}

/// Writes a confirmed event (replacing this device's unconfirmed copy); its case is here and
/// unlocked for the page.
pub(crate) async fn write_event(conn: &mut SqliteConnection, e: &CaseEvent) -> Result<bool> {
    write_events(conn, &[e]).await?;
    list_attachment(conn, e).await?;
    Ok(true)
}

/// Lists the attachment an event records on its case, once its content is here (the content
/// travels separately). Other events: nothing.
pub(crate) async fn list_attachment(conn: &mut SqliteConnection, e: &CaseEvent) -> Result<()> {
    if let EventKind::Attachment {
        hash,
        name,
        mime,
        size,
    } = &e.kind
    {
        sqlx::query(
            "INSERT INTO case_attachment (event_id, case_id, hash, name, mime, size, added_at) \
             SELECT ?, ?, hash, ?, ?, ?, ? FROM attachment_blob WHERE hash = ? \
             ON CONFLICT DO NOTHING",
        )
        .bind(e.id.to_string())
        .bind(e.case_id.to_string())
        .bind(name)
        .bind(mime)
        .bind(i64::try_from(*size).unwrap_or(i64::MAX))
        .bind(e.at.to_rfc3339())
        .bind(hash)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub(crate) async fn write_conflict(conn: &mut SqliteConnection, c: &Conflict) -> Result<bool> {
    if !case_exists(conn, c.case_id).await? {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO case_conflict (id, case_id, resolved, doc) VALUES (?, ?, ?, ?) \
         ON CONFLICT (id) DO UPDATE SET resolved = excluded.resolved, doc = excluded.doc",
    )
    .bind(c.id.to_string())
    .bind(c.case_id.to_string())
    .bind(c.resolution.is_some())
    .bind(json(c)?)
    .execute(&mut *conn)
    .await?;
    Ok(true)
}

pub(crate) async fn write_meeting(conn: &mut SqliteConnection, m: &Meeting) -> Result<()> {
    let id = m.id.to_string();
    sqlx::query(
        "INSERT INTO meeting (id, region, title, at, place, participants, minutes, \
         minutes_version, minutes_writer) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (id) DO UPDATE SET region = excluded.region, \
         title = excluded.title, at = excluded.at, place = excluded.place, \
         participants = excluded.participants, minutes = excluded.minutes, \
         minutes_version = excluded.minutes_version, minutes_writer = excluded.minutes_writer",
    )
    .bind(&id)
    .bind(m.region.code())
    .bind(&m.title)
    .bind(m.at.to_rfc3339())
    .bind(&m.place)
    .bind(json(&m.participants)?)
    .bind(&m.minutes)
    .bind(m.minutes_version)
    .bind(m.minutes_writer.map(|w| w.to_string()))
    .execute(&mut *conn)
    .await?;
    // The document is the whole meeting: agenda and actions are replaced by its lists.
    sqlx::query("DELETE FROM meeting_action WHERE meeting_id = ?")
        .bind(&id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM meeting_agenda WHERE meeting_id = ?")
        .bind(&id)
        .execute(&mut *conn)
        .await?;
    for (i, item) in m.agenda.iter().enumerate() {
        // A case of the agenda this user cannot see stays off their copy.
        sqlx::query(
            "INSERT INTO meeting_agenda (meeting_id, case_id, position, decision) \
             SELECT ?, id, ?, ? FROM case_file WHERE id = ?",
        )
        .bind(&id)
        .bind(i64::try_from(i).unwrap_or(i64::MAX))
        .bind(&item.decision)
        .bind(item.case_id.to_string())
        .execute(&mut *conn)
        .await?;
    }
    for a in &m.actions {
        sqlx::query(
            // An action id of another meeting stays that meeting's.
            "INSERT INTO meeting_action (id, meeting_id, text, owner, due, done) VALUES (?, ?, ?, ?, ?, ?) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(a.id.to_string())
        .bind(&id)
        .bind(&a.text)
        .bind(&a.owner)
        .bind(a.due.map(|d| d.to_string()))
        .bind(a.done)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub(crate) async fn write_roadmap(conn: &mut SqliteConnection, r: &RoadmapItem) -> Result<()> {
    let id = r.id.to_string();
    sqlx::query(
        "INSERT INTO roadmap_item (id, title, description, owner, status, progress, version, \
         writer) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET \
         title = excluded.title, description = excluded.description, owner = excluded.owner, \
         status = excluded.status, progress = excluded.progress, version = excluded.version, \
         writer = excluded.writer",
    )
    .bind(&id)
    .bind(&r.title)
    .bind(&r.description)
    .bind(owner_code(r.owner))
    .bind(status_code(r.status))
    .bind(i64::from(r.progress))
    .bind(r.version)
    .bind(r.writer.map(|w| w.to_string()))
    .execute(&mut *conn)
    .await?;
    // The document is the whole item: its milestones are replaced by its list.
    sqlx::query("DELETE FROM roadmap_milestone WHERE item_id = ?")
        .bind(&id)
        .execute(&mut *conn)
        .await?;
    for m in &r.milestones {
        sqlx::query(
            "INSERT INTO roadmap_milestone (id, item_id, title, due, done) VALUES (?, ?, ?, ?, ?) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(m.id.to_string())
        .bind(&id)
        .bind(&m.title)
        .bind(m.due.map(|d| d.to_string()))
        .bind(m.done)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Removes a case and everything hanging on it from this device.
pub(crate) async fn delete_case(conn: &mut SqliteConnection, id: &str) -> Result<()> {
    sqlx::query("INSERT INTO sync_unlock (case_id) VALUES (?) ON CONFLICT DO NOTHING")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    for sql in [
        "DELETE FROM case_attachment WHERE case_id = ?1",
        "DELETE FROM case_event WHERE case_id = ?1",
        "DELETE FROM case_conflict WHERE case_id = ?1",
        "DELETE FROM case_link WHERE case_id = ?1 OR other_id = ?1",
        "DELETE FROM meeting_agenda WHERE case_id = ?1",
        "DELETE FROM case_fts WHERE rowid = (SELECT fts_rowid FROM case_fts_row WHERE case_id = ?1)",
        "DELETE FROM case_fts_row WHERE case_id = ?1",
        "DELETE FROM server_case WHERE id = ?1",
        "UPDATE case_file SET parent_id = NULL WHERE parent_id = ?1",
        "DELETE FROM case_file WHERE id = ?1",
    ] {
        sqlx::query(sql).bind(id).execute(&mut *conn).await?;
    }
    Ok(())
}
