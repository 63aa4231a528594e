//! Keeping the full-text index of cases up to date: one case's row, the rows of a pulled page,
//! the whole index at the end of a first pull, and the Arabic forms of each row (see
//! [`corridor_model::arabic`]), computed here because SQLite cannot.

use corridor_model::arabic;
use sqlx::SqliteConnection;
use uuid::Uuid;

use crate::Result;

/// The search rows of cases as SQL can build them, without the `arabic` column; callers add
/// a `WHERE` on `c`.
const FTS_ROWS: &str =
    "INSERT INTO case_fts (case_id, reference, title, description, notes, enterprise, ice) \
     SELECT c.id, c.reference, c.title, c.description, \
       COALESCE((SELECT group_concat(json_extract(body, '$.text'), ' ') FROM case_event \
                 WHERE case_id = c.id AND kind = 'note'), ''), \
       e.name, e.ice \
     FROM case_file c JOIN enterprise e ON e.id = c.enterprise_id";

/// The same rows' values, for those written from here.
const FTS_VALUES: &str = "SELECT c.id, c.reference, c.title, c.description, \
       COALESCE((SELECT group_concat(json_extract(body, '$.text'), ' ') FROM case_event \
                 WHERE case_id = c.id AND kind = 'note'), ''), \
       e.name, e.ice \
     FROM case_file c JOIN enterprise e ON e.id = c.enterprise_id";

/// Whether the SQL text `expr` holds an Arabic letter. Arabic letters are U+0600–U+06FF: in
/// UTF-8, two bytes led by D8 to DB, which no other text of the corridor has; looking for
/// those bytes is a memchr (a GLOB class is not).
fn has_arabic(expr: &str) -> String {
    let b = format!("CAST({expr} AS BLOB)");
    format!("(instr({b}, x'D8') OR instr({b}, x'D9') OR instr({b}, x'DA') OR instr({b}, x'DB'))")
}

/// Whether a case (`c`, its enterprise `e`) has Arabic text in what the index holds.
fn case_has_arabic() -> String {
    format!(
        "({} OR EXISTS (SELECT 1 FROM case_event ev WHERE ev.case_id = c.id \
         AND ev.kind = 'note' AND {}))",
        has_arabic("c.title || c.description || e.name"),
        has_arabic("ev.body")
    )
}

/// Cases rebuilt per slice (see [`rebuild_search`]).
const REBUILD_SLICE: i64 = 2_000;

/// Rows written per statement.
const ROW_BATCH: usize = 200;

/// Writes the search rows of the cases matching `filter` (SQL on `c`): those without Arabic
/// text by SQL alone, those with it from here, their Arabic forms computed once (an FTS5 row
/// is never written twice).
async fn write_rows(conn: &mut SqliteConnection, filter: &str, bind: Option<&str>) -> Result<()> {
    let arabic_rows = case_has_arabic();
    let plain = format!("{FTS_ROWS} WHERE {filter} AND NOT {arabic_rows}");
    let mut q = sqlx::query(&plain);
    if let Some(b) = bind {
        q = q.bind(b);
    }
    q.execute(&mut *conn).await?;
    let select = format!("{FTS_VALUES} WHERE {filter} AND {arabic_rows}");
    let mut q =
        sqlx::query_as::<_, (String, String, String, String, String, String, String)>(&select);
    if let Some(b) = bind {
        q = q.bind(b);
    }
    let rows = q.fetch_all(&mut *conn).await?;
    for chunk in rows.chunks(ROW_BATCH) {
        let mut insert = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "INSERT INTO case_fts (case_id, reference, title, description, notes, enterprise, \
             ice, arabic) ",
        );
        insert.push_values(
            chunk,
            |mut v, (id, reference, title, description, notes, name, ice)| {
                let forms = arabic::index_forms(&format!("{title} {description} {notes} {name}"));
                v.push_bind(id.clone())
                    .push_bind(reference.clone())
                    .push_bind(title.clone())
                    .push_bind(description.clone())
                    .push_bind(notes.clone())
                    .push_bind(name.clone())
                    .push_bind(ice.clone())
                    .push_bind(forms);
            },
        );
        insert.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Fills the `arabic` column of the search rows past `after` (rowid) that hold Arabic text
/// (rows written before the column existed).
pub(crate) async fn fill_arabic(conn: &mut SqliteConnection, after: i64) -> Result<()> {
    let rows: Vec<(i64, String, String, String, String)> = sqlx::query_as(&format!(
        "SELECT rowid, title, description, notes, enterprise FROM case_fts WHERE rowid > ? \
         AND {}",
        has_arabic("title || description || notes || enterprise")
    ))
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
    for sql in ["DELETE FROM case_fts", "DELETE FROM case_fts_row"] {
        sqlx::query(sql).execute(&mut *conn).await?;
    }
    // In the cases' order, a slice at a time: rows with Arabic text are written from here,
    // after the others of their slice, so the index keeps (to a slice) the order of activity
    // that broad queries list newest first.
    let last: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(rowid), 0) FROM case_file")
        .fetch_one(&mut *conn)
        .await?;
    let mut from = 0;
    while from < last {
        let to = from + REBUILD_SLICE;
        write_rows(conn, &format!("c.rowid > {from} AND c.rowid <= {to}"), None).await?;
        from = to;
    }
    sqlx::query(
        "INSERT INTO case_fts_row (case_id, fts_rowid) SELECT case_id, rowid FROM case_fts",
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
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
    write_rows(conn, "c.id IN (SELECT case_id FROM sync_unlock)", None).await?;
    sqlx::query(
        "INSERT INTO case_fts_row (case_id, fts_rowid) SELECT case_id, rowid FROM case_fts \
         WHERE rowid > ? ON CONFLICT (case_id) DO UPDATE SET fts_rowid = excluded.fts_rowid",
    )
    .bind(before)
    .execute(&mut *conn)
    .await?;
    Ok(())
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
    write_rows(conn, "c.id = ?", Some(&id)).await?;
    sqlx::query(
        "INSERT INTO case_fts_row (case_id, fts_rowid) VALUES (?, (SELECT MAX(rowid) FROM case_fts)) \
         ON CONFLICT (case_id) DO UPDATE SET fts_rowid = excluded.fts_rowid",
    )
    .bind(&id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
