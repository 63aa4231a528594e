//! Keeping the full-text index of cases up to date: one case's row, the rows of a pulled page,
//! the whole index at the end of a first pull, and the Arabic forms of each row (see
//! [`corridor_model::arabic`]), computed here because SQLite cannot.

use corridor_model::arabic;
use sqlx::SqliteConnection;
use uuid::Uuid;

use crate::Result;

/// The search rows of cases as SQL can build them (the `arabic` column is filled afterwards,
/// by [`fill_arabic`]); callers add a `WHERE` on `c`.
const FTS_ROWS: &str =
    "INSERT INTO case_fts (case_id, reference, title, description, notes, enterprise, ice) \
     SELECT c.id, c.reference, c.title, c.description, \
       COALESCE((SELECT group_concat(json_extract(body, '$.text'), ' ') FROM case_event \
                 WHERE case_id = c.id AND kind = 'note'), ''), \
       e.name, e.ice \
     FROM case_file c JOIN enterprise e ON e.id = c.enterprise_id";

/// Fills the `arabic` column of the search rows past `after` (rowid) that hold Arabic text.
pub(crate) async fn fill_arabic(conn: &mut SqliteConnection, after: i64) -> Result<()> {
    // Arabic letters are U+0600–U+06FF: in UTF-8, two bytes led by D8 to DB, which no other
    // text of the corridor has. Looking for those bytes is a memchr; a GLOB class is not.
    let rows: Vec<(i64, String, String, String, String)> = sqlx::query_as(
        "SELECT rowid, title, description, notes, enterprise FROM \
         (SELECT rowid, title, description, notes, enterprise, \
            CAST(title || description || notes || enterprise AS BLOB) AS b \
          FROM case_fts WHERE rowid > ?) \
         WHERE instr(b, x'D8') OR instr(b, x'D9') OR instr(b, x'DA') OR instr(b, x'DB')",
    )
    .bind(after)
    .fetch_all(&mut *conn)
    .await?;
    for (rowid, title, description, notes, enterprise) in rows {
        let forms = arabic::index_forms(&format!("{title} {description} {notes} {enterprise}"));
        sqlx::query("UPDATE case_fts SET arabic = ? WHERE rowid = ?")
            .bind(forms)
            .bind(rowid)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Completes the index after the migration that added the `arabic` column (once).
pub(crate) async fn upgrade_index(pool: &sqlx::SqlitePool) -> Result<()> {
    // Read first: opening a store that needs nothing writes nothing.
    let pending: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM search_rebuild")
        .fetch_one(pool)
        .await?;
    if pending == 0 {
        return Ok(());
    }
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let pending = sqlx::query("DELETE FROM search_rebuild")
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if pending > 0 {
        fill_arabic(&mut tx, 0).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Rebuilds the whole search index (end of a first pull).
pub(crate) async fn rebuild_search(conn: &mut SqliteConnection) -> Result<()> {
    for sql in [
        "DELETE FROM case_fts",
        "DELETE FROM case_fts_row",
        FTS_ROWS,
        "INSERT INTO case_fts_row (case_id, fts_rowid) SELECT case_id, rowid FROM case_fts",
    ] {
        sqlx::query(sql).execute(&mut *conn).await?;
    }
    fill_arabic(conn, 0).await
}

/// Rewrites the search rows of every case of the page (those listed in `sync_unlock`), in
/// three statements.
pub(crate) async fn reindex_unlocked(conn: &mut SqliteConnection) -> Result<()> {
    let before: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(rowid), 0) FROM case_fts")
        .fetch_one(&mut *conn)
        .await?;
    sqlx::query(
        "DELETE FROM case_fts WHERE rowid IN (SELECT fts_rowid FROM case_fts_row \
         WHERE case_id IN (SELECT case_id FROM sync_unlock))",
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query(&format!(
        "{FTS_ROWS} WHERE c.id IN (SELECT case_id FROM sync_unlock)"
    ))
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO case_fts_row (case_id, fts_rowid) SELECT case_id, rowid FROM case_fts \
         WHERE rowid > ? ON CONFLICT (case_id) DO UPDATE SET fts_rowid = excluded.fts_rowid",
    )
    .bind(before)
    .execute(&mut *conn)
    .await?;
    fill_arabic(conn, before).await
}

/// Rewrites the search row of a case from its current state and notes.
pub(crate) async fn reindex(conn: &mut SqliteConnection, case_id: Uuid) -> Result<()> {
    let id = case_id.to_string();
    sqlx::query(
        "DELETE FROM case_fts WHERE rowid = (SELECT fts_rowid FROM case_fts_row WHERE case_id = ?)",
    )
    .bind(&id)
    .execute(&mut *conn)
    .await?;
    let before: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(rowid), 0) FROM case_fts")
        .fetch_one(&mut *conn)
        .await?;
    sqlx::query(&format!("{FTS_ROWS} WHERE c.id = ?"))
        .bind(&id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO case_fts_row (case_id, fts_rowid) VALUES (?, (SELECT MAX(rowid) FROM case_fts)) \
         ON CONFLICT (case_id) DO UPDATE SET fts_rowid = excluded.fts_rowid",
    )
    .bind(&id)
    .execute(&mut *conn)
    .await?;
    fill_arabic(conn, before).await
}
