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
use corridor_model::mutation::{Mutation, Op};
use corridor_model::sync::{
    CaseDoc, Conflict, ConflictChoice, Doc, MutationResult, Outcome, PullResponse,
};
use corridor_model::timeline::{CaseEvent, EventKind};
use corridor_model::Region;
use serde::Serialize;
use sqlx::{Row, SqliteConnection};
use uuid::Uuid;

use crate::docs::{
    delete_case, is_present, json, write_cases, write_conflict, write_enterprise, write_event,
    write_events, write_meeting, write_roadmap, EVENT_BATCH,
};
use crate::index::{rebuild_search, reindex_unlocked};
use crate::rebase::{doc_key, mark_for_rebase, pending_ops, rebase, shadow_doc};
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
    /// The values of the message, by name (for the interface's translation).
    pub args: std::collections::BTreeMap<String, String>,
    /// When the answer came.
    pub at: String,
}

impl Store {
    /// Up to `limit` mutations waiting to be pushed, oldest first, their bodies (JSON) at most
    /// `max_bytes` in all — the first one whatever its size.
    pub async fn outbox_batch(&self, limit: usize, max_bytes: usize) -> Result<Vec<Mutation>> {
        let bodies: Vec<String> =
            sqlx::query_scalar("SELECT body FROM outbox ORDER BY device_seq LIMIT ?")
                .bind(i64::try_from(limit).unwrap_or(i64::MAX))
                .fetch_all(self.pool())
                .await?;
        // By bytes as well as by count: the first always goes, then as many as fit.
        let mut size = 0;
        let kept = bodies.iter().take_while(|b| {
            size += b.len() + 1;
            size <= max_bytes || size == b.len() + 1
        });
        kept.map(|b| serde_json::from_str(b).map_err(bad_row))
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
                Outcome::Rejected {
                    code,
                    message,
                    args,
                } => {
                    tally.rejected += 1;
                    sqlx::query(
                        "INSERT INTO sync_rejection \
                         (device_seq, mutation_id, name, code, message, args, at) \
                         VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    )
                    .bind(r.device_seq)
                    .bind(m.mutation_id.to_string())
                    .bind(m.op.name())
                    .bind(code)
                    .bind(message)
                    .bind(serde_json::to_string(args).map_err(bad_row)?)
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
        crate::fault::point("push_answer_before_commit");
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
        crate::fault::point("page_before_commit");
        tx.commit().await?;
        if tally.removed_cases > 0 {
            self.drop_orphan_blobs().await?;
        }
        Ok(tally)
    }

    /// Deletes the encrypted attachment files no case refers to any more.
    pub(crate) async fn drop_orphan_blobs(&self) -> Result<()> {
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
            "SELECT device_seq, name, code, message, args, at FROM sync_rejection \
             ORDER BY device_seq DESC",
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
                    // Unreadable arguments only cost the translation: the message stays.
                    args: serde_json::from_str(r.try_get("args")?).unwrap_or_default(),
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

/// Removes everything of regions the user lost: cases (timeline, attachments, conflicts),
/// meetings, the enterprises no remaining case refers to, documents of theirs kept for later,
/// and the content of the changes made here about them and not sent yet ([`withdraw`]).
async fn purge_regions(conn: &mut SqliteConnection, regions: &[Region]) -> Result<usize> {
    let mut removed = 0;
    let mut gone: BTreeSet<(DocKind, Uuid)> = BTreeSet::new();
    for region in regions {
        let code = region.code();
        for (kind, table) in [
            (DocKind::Case, "case_file"),
            (DocKind::Meeting, "meeting"),
            (DocKind::Enterprise, "enterprise"),
        ] {
            let ids: Vec<String> =
                sqlx::query_scalar(&format!("SELECT id FROM {table} WHERE region = ?"))
                    .bind(&code)
                    .fetch_all(&mut *conn)
                    .await?;
            gone.extend(ids.iter().filter_map(|id| Some((kind, id.parse().ok()?))));
        }
        purge_stash(conn, *region, &mut gone).await?;
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
    withdraw(conn, &gone).await?;
    Ok(removed)
}

/// Drops the documents kept for later that belong to `region`, or to a case, meeting or
/// enterprise of it (adding the region's stashed ones to `gone`).
async fn purge_stash(
    conn: &mut SqliteConnection,
    region: Region,
    gone: &mut BTreeSet<(DocKind, Uuid)>,
) -> Result<()> {
    let stashed: Vec<(String, String, String)> =
        sqlx::query_as("SELECT kind, id, doc FROM sync_stash")
            .fetch_all(&mut *conn)
            .await?;
    let docs: Vec<(String, String, Doc)> = stashed
        .into_iter()
        .filter_map(|(kind, id, doc)| {
            let v: serde_json::Value = serde_json::from_str(&doc).ok()?;
            let d = serde_json::from_value(serde_json::json!({"kind": kind, "doc": v})).ok()?;
            Some((kind, id, d))
        })
        .collect();
    for (_, _, d) in &docs {
        let owned = match d {
            Doc::Case(c) => (c.case.region == region).then_some((DocKind::Case, c.case.id)),
            Doc::Meeting(m) => (m.region == region).then_some((DocKind::Meeting, m.id)),
            Doc::Enterprise(e) => (e.region == region).then_some((DocKind::Enterprise, e.id)),
            _ => None,
        };
        gone.extend(owned);
    }
    for (kind, id, d) in &docs {
        let of_gone = match d {
            Doc::Case(c) => gone.contains(&(DocKind::Case, c.case.id)),
            Doc::Event(e) => gone.contains(&(DocKind::Case, e.case_id)),
            Doc::Conflict(c) => gone.contains(&(DocKind::Case, c.case_id)),
            Doc::Meeting(m) => gone.contains(&(DocKind::Meeting, m.id)),
            Doc::Enterprise(e) => gone.contains(&(DocKind::Enterprise, e.id)),
            Doc::Roadmap(_) => false,
        };
        if of_gone {
            sqlx::query("DELETE FROM sync_stash WHERE kind = ? AND id = ?")
                .bind(kind)
                .bind(id)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

/// Empties the changes waiting in the outbox that concern a document in `gone`: each becomes
/// [`Op::Withdrawn`] under its own number (the device's sequence stays whole, the server
/// refuses it as `withdrawn` and the user sees that it was), and its content leaves the device.
async fn withdraw(conn: &mut SqliteConnection, gone: &BTreeSet<(DocKind, Uuid)>) -> Result<()> {
    if gone.is_empty() {
        return Ok(());
    }
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT device_seq, body FROM outbox ORDER BY device_seq")
            .fetch_all(&mut *conn)
            .await?;
    for (seq, body) in rows {
        let mut m: Mutation = serde_json::from_str(&body).map_err(bad_row)?;
        if !m.op.documents().iter().any(|d| gone.contains(d)) {
            continue;
        }
        m.op = Op::Withdrawn {};
        m.base.clear();
        let body = serde_json::to_string(&m).map_err(std::io::Error::other)?;
        sqlx::query("UPDATE outbox SET name = ?, body = ? WHERE device_seq = ?")
            .bind(m.op.name())
            .bind(body)
            .bind(seq)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
