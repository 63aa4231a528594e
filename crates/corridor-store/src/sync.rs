//! The device side of the sync contract: what the store does with push answers and pulled
//! pages.
//!
//! Local rows are the server's documents with this device's pending mutations applied on top.
//! - A push answer drops the mutation from the outbox (applied, conflict, or rejected — then
//!   kept in `sync_rejection` for the user to see) and marks its case for a rebase.
//! - A pulled page is written in one transaction: enterprises, cases (their server version kept
//!   in `server_case`), timeline events (confirmed), conflicts, meetings, roadmap items;
//!   documents that arrive before what they depend on wait in `sync_stash`; regions the user
//!   lost are purged, attachments included; the cursor moves in the same transaction.
//! - When the last page is in, every marked case is rebuilt: its server version restored, its
//!   unconfirmed events dropped, and the mutations still pending re-applied on top. A refused
//!   change therefore disappears, and a change the server merged differently shows the
//!   server's result.
//!
//! Every step is one transaction: a sync interrupted anywhere is completed by the next one.

use std::collections::BTreeSet;

use chrono::Utc;
use corridor_model::engine::DocKind;
use corridor_model::meeting::{Meeting, RoadmapItem};
use corridor_model::mutation::{Mutation, Op};
use corridor_model::sync::{
    CaseDoc, Conflict, ConflictChoice, Doc, MutationResult, Outcome, PullResponse,
};
use corridor_model::timeline::{CaseEvent, EventKind};
use corridor_model::{Enterprise, Region, SizeClass};
use serde::Serialize;
use sqlx::{Row, SqliteConnection};
use uuid::Uuid;

use crate::cases::reindex;
use crate::meetings::{owner_code, status_code};
use crate::store::bad_row;
use crate::{Result, Store, StoreError};

/// What a push did to the outbox.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PushTally {
    /// Mutations the server applied.
    pub applied: usize,
    /// Mutations applied with some field edits kept aside as conflicts.
    pub conflicts: usize,
    /// Mutations the server refused.
    pub rejected: usize,
}

/// What a pulled page did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PullTally {
    /// Documents written.
    pub pulled: usize,
    /// Cases removed (regions the user lost).
    pub removed_cases: usize,
}

/// A mutation the server refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejection {
    /// Its sequence number on this device.
    pub device_seq: i64,
    /// Its name.
    pub name: String,
    /// The server's code.
    pub code: String,
    /// The server's message, in French.
    pub message: String,
    /// When the answer came.
    pub at: String,
}

fn json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| std::io::Error::other(e).into())
}

impl Store {
    /// Up to `limit` mutations waiting to be pushed, oldest first.
    pub async fn outbox_batch(&self, limit: usize) -> Result<Vec<Mutation>> {
        let bodies: Vec<String> =
            sqlx::query_scalar("SELECT body FROM outbox ORDER BY device_seq LIMIT ?")
                .bind(i64::try_from(limit).unwrap_or(i64::MAX))
                .fetch_all(self.pool())
                .await?;
        bodies
            .iter()
            .map(|b| serde_json::from_str(b).map_err(bad_row))
            .collect()
    }

    /// Records the server's answers to a push: answered mutations leave the outbox, refusals
    /// are kept for the user, and every case they touched is rebuilt after the next pull.
    pub async fn record_push(
        &self,
        results: &[MutationResult],
        last_applied_seq: i64,
    ) -> Result<PushTally> {
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let mut tally = PushTally::default();
        let now = Utc::now().to_rfc3339();
        for r in results {
            let body: Option<String> =
                sqlx::query_scalar("DELETE FROM outbox WHERE device_seq = ? RETURNING body")
                    .bind(r.device_seq)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some(body) = body else { continue };
            let m: Mutation = serde_json::from_str(&body).map_err(bad_row)?;
            for (kind, id) in m.op.documents() {
                mark_for_rebase(&mut tx, kind, id, m.op.creates(kind, id)).await?;
            }
            match &r.outcome {
                Outcome::Applied => tally.applied += 1,
                Outcome::Conflict { .. } => tally.conflicts += 1,
                Outcome::Rejected { code, message } => {
                    tally.rejected += 1;
                    sqlx::query(
                        "INSERT INTO sync_rejection (device_seq, mutation_id, name, code, message, at) \
                         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    )
                    .bind(r.device_seq)
                    .bind(m.mutation_id.to_string())
                    .bind(m.op.name())
                    .bind(code)
                    .bind(message)
                    .bind(&now)
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        sqlx::query("UPDATE sync_state SET last_applied_seq = MAX(last_applied_seq, ?)")
            .bind(last_applied_seq)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(tally)
    }

    /// The cursor of the last page pulled.
    pub async fn sync_cursor(&self) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT cursor FROM sync_state")
            .fetch_one(self.pool())
            .await?)
    }

    /// Writes a pulled page, in one transaction; on the last page (`more` false), rebuilds the
    /// cases marked for it.
    pub async fn apply_pull(&self, page: &PullResponse) -> Result<PullTally> {
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let mut tally = PullTally::default();
        // Merged enterprises change ids: foreign keys are checked at commit.
        sqlx::query("PRAGMA defer_foreign_keys = ON")
            .execute(&mut *tx)
            .await?;
        // A device's first pull builds its search index once, at the end, rather than page
        // by page (the flag survives an interrupted first pull).
        let (cursor_before, stale): (Option<String>, bool) =
            sqlx::query_as("SELECT cursor, search_stale FROM sync_state")
                .fetch_one(&mut *tx)
                .await?;
        let stale = stale || cursor_before.is_none();
        if stale {
            sqlx::query("UPDATE sync_state SET search_stale = 1")
                .execute(&mut *tx)
                .await?;
        }
        let mut docs: Vec<Doc> = Vec::new();
        let stashed = sqlx::query("DELETE FROM sync_stash RETURNING kind, doc")
            .fetch_all(&mut *tx)
            .await?;
        for row in &stashed {
            let kind: String = row.try_get("kind")?;
            let doc: String = row.try_get("doc")?;
            docs.push(
                serde_json::from_str(&format!("{{\"kind\":\"{kind}\",\"doc\":{doc}}}"))
                    .map_err(bad_row)?,
            );
        }
        docs.extend(page.changes.iter().map(|c| c.doc.clone()));
        tally.pulled = page.changes.len();

        let touched: BTreeSet<(DocKind, Uuid)> = docs.iter().map(doc_key).collect();
        let touched_cases: BTreeSet<Uuid> = touched
            .iter()
            .filter(|(k, _)| *k == DocKind::Case)
            .map(|(_, id)| *id)
            .collect();
        let touched_json = json(
            &touched_cases
                .iter()
                .map(Uuid::to_string)
                .collect::<Vec<_>>(),
        )?;
        sqlx::query(
            "INSERT INTO sync_unlock (case_id) SELECT value FROM json_each(?) WHERE true \
             ON CONFLICT DO NOTHING",
        )
        .bind(&touched_json)
        .execute(&mut *tx)
        .await?;
        // Cases known to be here (most events of a page belong to cases of the same page).
        let mut present: BTreeSet<Uuid> = BTreeSet::new();
        let mut events: Vec<&CaseEvent> = Vec::new();
        // Dependencies first: enterprises, then cases, then what hangs on cases.
        for pass in 0..3 {
            if pass == 1 {
                let cases: Vec<&CaseDoc> = docs
                    .iter()
                    .filter_map(|d| match d {
                        Doc::Case(c) => Some(c),
                        _ => None,
                    })
                    .collect();
                for waiting in write_cases(&mut tx, &cases, &mut present).await? {
                    stash(&mut tx, &Doc::Case(waiting.clone())).await?;
                }
                continue;
            }
            for d in &docs {
                let waits = match (pass, d) {
                    (0, Doc::Enterprise(e)) => {
                        write_enterprise(&mut tx, e).await?;
                        shadow_doc(&mut tx, d).await?;
                        false
                    }
                    (0, Doc::Roadmap(r)) => {
                        write_roadmap(&mut tx, r).await?;
                        shadow_doc(&mut tx, d).await?;
                        false
                    }
                    (2, Doc::Event(e)) => {
                        if is_present(&mut tx, &mut present, e.case_id).await? {
                            if matches!(e.kind, EventKind::Attachment { .. }) {
                                write_event(&mut tx, e).await?;
                            } else {
                                events.push(e);
                                if events.len() == EVENT_BATCH {
                                    write_events(&mut tx, &std::mem::take(&mut events)).await?;
                                }
                            }
                            false
                        } else {
                            true
                        }
                    }
                    (2, Doc::Conflict(c)) => !write_conflict(&mut tx, c).await?,
                    (2, Doc::Meeting(m)) => {
                        write_meeting(&mut tx, m).await?;
                        shadow_doc(&mut tx, d).await?;
                        false
                    }
                    _ => false,
                };
                if waits {
                    stash(&mut tx, d).await?;
                }
            }
        }
        write_events(&mut tx, &events).await?;
        // Parents that arrived after their children.
        sqlx::query(
            "UPDATE case_file SET parent_id = (SELECT s.parent_id FROM server_case s \
             WHERE s.id = case_file.id) \
             WHERE parent_id IS NULL AND id IN (SELECT s.id FROM server_case s \
             JOIN case_file p ON p.id = s.parent_id WHERE s.parent_id IS NOT NULL)",
        )
        .execute(&mut *tx)
        .await?;
        if !page.removed_regions.is_empty() {
            tally.removed_cases = purge_regions(&mut tx, &page.removed_regions).await?;
        }
        // Documents with changes still pending here get them re-applied once everything is in.
        let pending = pending_ops(&mut tx).await?;
        for (_, m) in &pending {
            let docs = m.op.documents();
            if docs.iter().any(|d| touched.contains(d)) {
                for (kind, id) in docs {
                    mark_for_rebase(&mut tx, kind, id, m.op.creates(kind, id)).await?;
                }
            }
        }
        if !stale {
            reindex_unlocked(&mut tx).await?;
        }
        if !page.more && stale {
            rebuild_search(&mut tx).await?;
            sqlx::query("UPDATE sync_state SET search_stale = 0")
                .execute(&mut *tx)
                .await?;
        }
        if !page.more {
            rebase(&mut tx, &pending).await?;
        }
        sqlx::query(
            "UPDATE sync_state SET cursor = ?, last_applied_seq = MAX(last_applied_seq, ?), \
             last_sync_at = ?",
        )
        .bind(&page.cursor)
        .bind(page.last_applied_seq)
        .bind(Utc::now().to_rfc3339())
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM sync_unlock")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        if tally.removed_cases > 0 {
            self.drop_orphan_blobs().await?;
        }
        Ok(tally)
    }

    /// Deletes the encrypted attachment files no case refers to any more.
    async fn drop_orphan_blobs(&self) -> Result<()> {
        let hashes: Vec<String> = sqlx::query_scalar(
            "DELETE FROM attachment_blob WHERE hash NOT IN (SELECT hash FROM case_attachment) \
             RETURNING hash",
        )
        .fetch_all(self.pool())
        .await?;
        for h in hashes {
            let path = self.dir().join("attachments").join(&h);
            match std::fs::remove_file(path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
                _ => {}
            }
        }
        Ok(())
    }

    /// Conflicts waiting for a person (all of them with `all`), oldest first.
    pub async fn conflicts(&self, all: bool) -> Result<Vec<(String, Conflict)>> {
        let rows = sqlx::query(
            "SELECT c.doc, f.reference FROM case_conflict c JOIN case_file f ON f.id = c.case_id \
             WHERE ? OR c.resolved = 0 ORDER BY c.id",
        )
        .bind(all)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let doc: String = r.try_get("doc")?;
                Ok((
                    r.try_get("reference")?,
                    serde_json::from_str(&doc).map_err(bad_row)?,
                ))
            })
            .collect()
    }

    /// Settles a conflict (by id or unique prefix of 8 characters or more).
    pub async fn resolve_conflict(&self, key: &str, choice: ConflictChoice) -> Result<Conflict> {
        let (mut tx, device) = self.begin_op().await?;
        let key = key.trim().to_lowercase();
        let unknown = || StoreError::UnknownConflict(key.clone());
        if key.len() < 8 {
            return Err(unknown());
        }
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT id, case_id FROM case_conflict WHERE resolved = 0 AND id LIKE ? || '%' LIMIT 2",
        )
        .bind(&key)
        .fetch_all(&mut *tx)
        .await?;
        let (id, case_id) = match rows.as_slice() {
            [one] => one.clone(),
            [] => return Err(unknown()),
            _ => return Err(StoreError::AmbiguousId(key.clone())),
        };
        let op = Op::ResolveConflict {
            case_id: case_id.parse().map_err(bad_row)?,
            event_id: Uuid::now_v7(),
            conflict_id: id.parse().map_err(bad_row)?,
            choice,
        };
        self.commit_op_in(tx, &device, op).await?;
        let doc: String = sqlx::query_scalar("SELECT doc FROM case_conflict WHERE id = ?")
            .bind(&id)
            .fetch_one(self.pool())
            .await?;
        serde_json::from_str(&doc).map_err(bad_row)
    }

    /// Mutations the server refused, newest first.
    pub async fn rejections(&self) -> Result<Vec<Rejection>> {
        let rows = sqlx::query(
            "SELECT device_seq, name, code, message, at FROM sync_rejection ORDER BY device_seq DESC",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Rejection {
                    device_seq: r.try_get("device_seq")?,
                    name: r.try_get("name")?,
                    code: r.try_get("code")?,
                    message: r.try_get("message")?,
                    at: r.try_get("at")?,
                })
            })
            .collect()
    }

    /// Erases this store for good (the device was revoked): its key (keyring entry and key
    /// file) first — without it nothing left can be read —, then the database and attachments.
    pub async fn wipe(self) -> Result<()> {
        let dir = self.dir().to_owned();
        self.close().await;
        crate::keys::forget(&dir)?;
        for name in [
            crate::DATABASE_FILE.to_owned(),
            format!("{}-journal", crate::DATABASE_FILE),
            format!("{}-wal", crate::DATABASE_FILE),
            format!("{}-shm", crate::DATABASE_FILE),
        ] {
            match std::fs::remove_file(dir.join(name)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
                _ => {}
            }
        }
        match std::fs::remove_dir_all(dir.join("attachments")) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }
}

/// Keeps a document for later (what it depends on is not here yet).
async fn stash(conn: &mut SqliteConnection, d: &Doc) -> Result<()> {
    let v = serde_json::to_value(d).map_err(std::io::Error::other)?;
    sqlx::query(
        "INSERT INTO sync_stash (kind, id, doc) VALUES (?, ?, ?) \
         ON CONFLICT (kind, id) DO UPDATE SET doc = excluded.doc",
    )
    .bind(d.kind())
    .bind(d.id().to_string())
    .bind(v["doc"].to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Rebuilds the whole search index (end of a first pull).
async fn rebuild_search(conn: &mut SqliteConnection) -> Result<()> {
    for sql in [
        "DELETE FROM case_fts",
        "DELETE FROM case_fts_row",
        "INSERT INTO case_fts (case_id, reference, title, description, notes, enterprise, ice) \
         SELECT c.id, c.reference, c.title, c.description, \
           COALESCE((SELECT group_concat(json_extract(body, '$.text'), ' ') FROM case_event \
                     WHERE case_id = c.id AND kind = 'note'), ''), \
           e.name, e.ice \
         FROM case_file c JOIN enterprise e ON e.id = c.enterprise_id",
        "INSERT INTO case_fts_row (case_id, fts_rowid) SELECT case_id, rowid FROM case_fts",
    ] {
        sqlx::query(sql).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Rewrites the search rows of every case of the page (those listed in `sync_unlock`), in
/// three statements.
async fn reindex_unlocked(conn: &mut SqliteConnection) -> Result<()> {
    let before: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(rowid), 0) FROM case_fts")
        .fetch_one(&mut *conn)
        .await?;
    sqlx::query(
        "DELETE FROM case_fts WHERE rowid IN (SELECT fts_rowid FROM case_fts_row \
         WHERE case_id IN (SELECT case_id FROM sync_unlock))",
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO case_fts (case_id, reference, title, description, notes, enterprise, ice) \
         SELECT c.id, c.reference, c.title, c.description, \
           COALESCE((SELECT group_concat(json_extract(body, '$.text'), ' ') FROM case_event \
                     WHERE case_id = c.id AND kind = 'note'), ''), \
           e.name, e.ice \
         FROM case_file c JOIN enterprise e ON e.id = c.enterprise_id \
         WHERE c.id IN (SELECT case_id FROM sync_unlock)",
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO case_fts_row (case_id, fts_rowid) SELECT case_id, rowid FROM case_fts \
         WHERE rowid > ? ON CONFLICT (case_id) DO UPDATE SET fts_rowid = excluded.fts_rowid",
    )
    .bind(before)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Cases written per statement.
const CASE_BATCH: usize = 400;

/// Writes the cases of a page whose enterprise is here, many per statement, keeping each
/// server version in `server_case`; returns those that must wait for their enterprise.
/// Parents are set afterwards, from `server_case`, once they are here.
async fn write_cases<'a>(
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

async fn write_links(conn: &mut SqliteConnection, doc: &CaseDoc) -> Result<()> {
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

async fn unlock(conn: &mut SqliteConnection, case: Uuid) -> Result<()> {
    sqlx::query("INSERT INTO sync_unlock (case_id) VALUES (?) ON CONFLICT DO NOTHING")
        .bind(case.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn is_present(
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

async fn case_exists(conn: &mut SqliteConnection, id: Uuid) -> Result<bool> {
    Ok(
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM case_file WHERE id = ?")
            .bind(id.to_string())
            .fetch_one(&mut *conn)
            .await?
            > 0,
    )
}

async fn pending_ops(conn: &mut SqliteConnection) -> Result<Vec<(i64, Mutation)>> {
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT device_seq, body FROM outbox ORDER BY device_seq")
            .fetch_all(&mut *conn)
            .await?;
    rows.into_iter()
        .map(|(seq, b)| Ok((seq, serde_json::from_str(&b).map_err(bad_row)?)))
        .collect()
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
         sector, size, cgem_member, contacts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, ice = excluded.ice, \
         cnss = excluded.cnss, city = excluded.city, region = excluded.region, \
         created_at = excluded.created_at, rc = excluded.rc, legal_form = excluded.legal_form, \
         sector = excluded.sector, size = excluded.size, cgem_member = excluded.cgem_member, \
         contacts = excluded.contacts",
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
const EVENT_BATCH: usize = 500;

/// Writes confirmed events (replacing this device's unconfirmed copies), many per statement;
/// their cases are here and unlocked for the page. Not for attachments (see [`write_event`]).
async fn write_events(conn: &mut SqliteConnection, events: &[&CaseEvent]) -> Result<()> {
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
async fn write_event(conn: &mut SqliteConnection, e: &CaseEvent) -> Result<bool> {
    write_events(conn, &[e]).await?;
    if let EventKind::Attachment {
        hash,
        name,
        mime,
        size,
    } = &e.kind
    {
        // The content travels separately; the attachment is listed once it is here.
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
    Ok(true)
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
async fn delete_case(conn: &mut SqliteConnection, id: &str) -> Result<()> {
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

/// Removes everything of regions the user lost: cases (timeline, attachments, conflicts),
/// meetings, and the enterprises no remaining case refers to.
async fn purge_regions(conn: &mut SqliteConnection, regions: &[Region]) -> Result<usize> {
    let mut removed = 0;
    for region in regions {
        let code = region.code();
        let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM case_file WHERE region = ?")
            .bind(&code)
            .fetch_all(&mut *conn)
            .await?;
        for id in &ids {
            delete_case(conn, id).await?;
        }
        removed += ids.len();
        for sql in [
            "DELETE FROM meeting_agenda WHERE meeting_id IN (SELECT id FROM meeting WHERE region = ?1)",
            "DELETE FROM meeting_action WHERE meeting_id IN (SELECT id FROM meeting WHERE region = ?1)",
            "DELETE FROM meeting WHERE region = ?1",
            "DELETE FROM enterprise WHERE region = ?1 AND id NOT IN (SELECT enterprise_id FROM case_file)",
            "DELETE FROM server_doc WHERE kind = 'meeting' AND id NOT IN (SELECT id FROM meeting)",
            "DELETE FROM server_doc WHERE kind = 'enterprise' AND id NOT IN (SELECT id FROM enterprise)",
        ] {
            sqlx::query(sql).bind(&code).execute(&mut *conn).await?;
        }
    }
    Ok(removed)
}

/// The document a pulled change is, or hangs on (events and conflicts: their case).
fn doc_key(d: &Doc) -> (DocKind, Uuid) {
    match d {
        Doc::Enterprise(e) => (DocKind::Enterprise, e.id),
        Doc::Case(c) => (DocKind::Case, c.case.id),
        Doc::Event(e) => (DocKind::Case, e.case_id),
        Doc::Conflict(c) => (DocKind::Case, c.case_id),
        Doc::Meeting(m) => (DocKind::Meeting, m.id),
        Doc::Roadmap(r) => (DocKind::Roadmap, r.id),
    }
}

/// Keeps the server's version of an enterprise, meeting or roadmap item.
async fn shadow_doc(conn: &mut SqliteConnection, d: &Doc) -> Result<()> {
    let v = serde_json::to_value(d).map_err(std::io::Error::other)?;
    sqlx::query(
        "INSERT INTO server_doc (kind, id, doc) VALUES (?, ?, ?) \
         ON CONFLICT (kind, id) DO UPDATE SET doc = excluded.doc",
    )
    .bind(d.kind())
    .bind(d.id().to_string())
    .bind(v.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Marks a document to rebuild from the server's version once the pull completes
/// (`created`: by a change made here).
async fn mark_for_rebase(
    conn: &mut SqliteConnection,
    kind: DocKind,
    id: Uuid,
    created: bool,
) -> Result<()> {
    let q = if kind == DocKind::Case {
        sqlx::query("INSERT INTO sync_rebase (case_id) VALUES (?) ON CONFLICT DO NOTHING")
            .bind(id.to_string())
    } else {
        sqlx::query(
            "INSERT INTO sync_rebase_doc (kind, id, created) VALUES (?, ?, ?) \
             ON CONFLICT DO UPDATE SET created = MAX(created, excluded.created)",
        )
        .bind(kind.code())
        .bind(id.to_string())
        .bind(created)
    };
    q.execute(&mut *conn).await?;
    Ok(())
}

/// Rebuilds every marked document: its server version restored (or, when the server never
/// confirmed it, removed), then the mutations still pending here re-applied on top, in order,
/// each inside a savepoint: one the engine refuses now is skipped here and left for the
/// server to answer. A change the server refused therefore leaves no trace, whatever the
/// document kind, and a change it merged differently shows the server's result.
async fn rebase(conn: &mut SqliteConnection, pending: &[(i64, Mutation)]) -> Result<()> {
    let mut marked: BTreeSet<(DocKind, Uuid)> = BTreeSet::new();
    let cases: Vec<String> = sqlx::query_scalar("DELETE FROM sync_rebase RETURNING case_id")
        .fetch_all(&mut *conn)
        .await?;
    for id in cases {
        marked.insert((DocKind::Case, id.parse().map_err(bad_row)?));
    }
    let docs: Vec<(String, String, bool)> =
        sqlx::query_as("DELETE FROM sync_rebase_doc RETURNING kind, id, created")
            .fetch_all(&mut *conn)
            .await?;
    let mut created: BTreeSet<(DocKind, Uuid)> = BTreeSet::new();
    for (kind, id, made_here) in docs {
        let kind = match kind.as_str() {
            "enterprise" => DocKind::Enterprise,
            "meeting" => DocKind::Meeting,
            "roadmap" => DocKind::Roadmap,
            other => return Err(bad_row(format!("unknown document kind {other}"))),
        };
        let id = id.parse().map_err(bad_row)?;
        marked.insert((kind, id));
        if made_here {
            created.insert((kind, id));
        }
    }
    if marked.is_empty() {
        return Ok(());
    }
    // A pending change that touches a marked document is re-applied whole: everything it
    // touches is rebuilt too.
    loop {
        let before = marked.len();
        for (_, m) in pending {
            let docs = m.op.documents();
            if docs.iter().any(|d| marked.contains(d)) {
                marked.extend(docs);
            }
        }
        if marked.len() == before {
            break;
        }
    }
    let created_here = |kind: DocKind, id: Uuid| {
        created.contains(&(kind, id)) || pending.iter().any(|(_, m)| m.op.creates(kind, id))
    };
    // Enterprises before the cases that refer to them.
    for (kind, id) in &marked {
        restore(conn, *kind, *id, created_here(*kind, *id)).await?;
    }
    let actor = crate::rules::current_actor(conn).await?;
    for (_, m) in pending {
        if !m.op.documents().iter().any(|d| marked.contains(d)) {
            continue;
        }
        sqlx::query("SAVEPOINT reapply").execute(&mut *conn).await?;
        let kept = match crate::rules::replay(conn, &actor, m).await {
            Ok(applied) => applied,
            Err(StoreError::Database(_)) => false,
            Err(e) => return Err(e),
        };
        if !kept {
            sqlx::query("ROLLBACK TO reapply")
                .execute(&mut *conn)
                .await?;
        }
        sqlx::query("RELEASE reapply").execute(&mut *conn).await?;
    }
    for (kind, id) in &marked {
        if *kind == DocKind::Case && case_exists(conn, *id).await? {
            reindex(conn, *id).await?;
        }
    }
    Ok(())
}

/// Puts back the server's version of a document. One the server never confirmed is removed
/// when a pending change creates it here (re-applying it brings it back) and kept otherwise.
async fn restore(
    conn: &mut SqliteConnection,
    kind: DocKind,
    id: Uuid,
    created_here: bool,
) -> Result<()> {
    let key = id.to_string();
    if kind == DocKind::Case {
        unlock(conn, id).await?;
        sqlx::query(
            "DELETE FROM case_attachment WHERE event_id IN \
             (SELECT id FROM case_event WHERE case_id = ? AND confirmed = 0)",
        )
        .bind(&key)
        .execute(&mut *conn)
        .await?;
        sqlx::query("DELETE FROM case_event WHERE case_id = ? AND confirmed = 0")
            .bind(&key)
            .execute(&mut *conn)
            .await?;
        let shadow: Option<String> = sqlx::query_scalar("SELECT doc FROM server_case WHERE id = ?")
            .bind(&key)
            .fetch_optional(&mut *conn)
            .await?;
        return match shadow {
            Some(doc) => {
                let doc: CaseDoc = serde_json::from_str(&doc).map_err(bad_row)?;
                write_case(conn, &doc, false).await?;
                Ok(())
            }
            // Never confirmed by the server: only pending mutations can bring it back.
            None => delete_case(conn, &key).await,
        };
    }
    let shadow: Option<String> =
        sqlx::query_scalar("SELECT doc FROM server_doc WHERE kind = ? AND id = ?")
            .bind(kind.code())
            .bind(&key)
            .fetch_optional(&mut *conn)
            .await?;
    if let Some(doc) = shadow {
        match serde_json::from_str::<Doc>(&doc).map_err(bad_row)? {
            Doc::Enterprise(e) => write_enterprise(conn, &e).await?,
            Doc::Meeting(m) => write_meeting(conn, &m).await?,
            Doc::Roadmap(r) => write_roadmap(conn, &r).await?,
            _ => {}
        }
        return Ok(());
    }
    if !created_here {
        return Ok(());
    }
    let deletes: &[&str] = match kind {
        DocKind::Meeting => &[
            "DELETE FROM meeting_agenda WHERE meeting_id = ?1",
            "DELETE FROM meeting_action WHERE meeting_id = ?1",
            "DELETE FROM meeting WHERE id = ?1",
        ],
        DocKind::Roadmap => &[
            "DELETE FROM roadmap_milestone WHERE item_id = ?1",
            "DELETE FROM roadmap_item WHERE id = ?1",
        ],
        // Cases that refer to it are rebuilt too (foreign keys are checked at the commit).
        DocKind::Enterprise => &["DELETE FROM enterprise WHERE id = ?1"],
        DocKind::Case | DocKind::Event => &[],
    };
    for sql in deletes {
        sqlx::query(sql).bind(&key).execute(&mut *conn).await?;
    }
    Ok(())
}
