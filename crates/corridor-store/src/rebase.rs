//! Undoing on the device what the server did not accept: the server's version of every
//! document is kept aside as it is pulled; when a pull completes, every document a pushed or
//! pending change touched is rebuilt from it and the changes still pending are re-applied
//! through the rule engine.

use std::collections::BTreeSet;

use corridor_model::engine::DocKind;
use corridor_model::mutation::Mutation;
use corridor_model::sync::{CaseDoc, Doc};
use sqlx::SqliteConnection;
use uuid::Uuid;

use crate::docs::{
    case_exists, delete_case, unlock, write_case, write_enterprise, write_meeting, write_roadmap,
};
use crate::index::reindex;
use crate::store::bad_row;
use crate::{Result, StoreError};

pub(crate) async fn pending_ops(conn: &mut SqliteConnection) -> Result<Vec<(i64, Mutation)>> {
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT device_seq, body FROM outbox ORDER BY device_seq")
            .fetch_all(&mut *conn)
            .await?;
    rows.into_iter()
        .map(|(seq, b)| Ok((seq, serde_json::from_str(&b).map_err(bad_row)?)))
        .collect()
}

/// The document a pulled change is, or hangs on (events and conflicts: their case).
pub(crate) fn doc_key(d: &Doc) -> (DocKind, Uuid) {
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
pub(crate) async fn shadow_doc(conn: &mut SqliteConnection, d: &Doc) -> Result<()> {
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
pub(crate) async fn mark_for_rebase(
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
pub(crate) async fn rebase(conn: &mut SqliteConnection, pending: &[(i64, Mutation)]) -> Result<()> {
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
pub(crate) async fn restore(
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
