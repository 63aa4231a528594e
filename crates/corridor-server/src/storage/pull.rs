//! Reading documents back: the pull pages of the devices, and every case and status change
//! for the committee's statistics.
//!
//! Reads are filtered in SQL by the regions (and, for a pull, the audiences) the caller may see,
//! as the caller passes them. A pull page is one statement, hence one snapshot: the head version
//! and the device's position are read with the page, and since writers commit in version order,
//! every version up to the head is there. Documents are passed on as stored, unparsed
//! ([`RawChange`]). Nothing here writes.

use async_trait::async_trait;
use corridor_model::Region;
use sqlx::Row;

// The engine types that `for_each_engine!` names when it instantiates the macro below.
use super::engine::{for_each_engine, PgStorage, SqliteStorage};
use super::sql::{audience_filter, region_filter};
use super::types::{corrupt, PullPage, RawChange, Result, Session};
use super::Pull;

/// The reads of an engine: its [`Pull`].
macro_rules! pull_impl {
    ($name:ident, $pool:ty, $kind:literal, $txname:ident, $begin:literal) => {
        #[async_trait]
        impl Pull for $name {
            async fn pull(
                &self,
                session: &Session,
                after: i64,
                regions: Option<&[Region]>,
                audiences: &[&str],
                limit: usize,
            ) -> Result<PullPage> {
                // One statement, hence one snapshot: the head is read with the page, and
                // every version up to it is committed (writers commit in version order).
                let rows = sqlx::query(&format!(
                    "SELECT h.seq, h.head, d.kind, d.version, d.doc FROM \
                     (SELECT (SELECT last_applied_seq FROM device WHERE id = $3) AS seq, \
                     (SELECT version FROM sync_clock WHERE singleton = 1) AS head) h \
                     LEFT JOIN (SELECT kind, version, doc FROM sync_doc \
                     WHERE version > $1 AND {} AND {} ORDER BY version LIMIT $2) d ON TRUE",
                    region_filter("region", regions),
                    audience_filter(audiences),
                ))
                .bind(after)
                .bind(i64::try_from(limit + 1).unwrap_or(i64::MAX))
                .bind(&session.device_id)
                .fetch_all(&self.pool)
                .await?;
                let first = rows.first().ok_or_else(|| corrupt("pull: no row"))?;
                let last_applied_seq: i64 = first
                    .try_get::<Option<i64>, _>("seq")?
                    .ok_or_else(|| corrupt("pull: unknown device"))?;
                let head: i64 = first
                    .try_get::<Option<i64>, _>("head")?
                    .ok_or_else(|| corrupt("pull: no clock"))?;
                let mut docs = Vec::with_capacity(rows.len().min(limit));
                for r in rows {
                    // An empty page is one row without a document.
                    let Some(version) = r.try_get::<Option<i64>, _>("version")? else {
                        continue;
                    };
                    docs.push(RawChange {
                        version,
                        kind: r.try_get("kind")?,
                        doc: serde_json::value::RawValue::from_string(r.try_get("doc")?)
                            .map_err(corrupt)?,
                    });
                }
                // A join keeps no order by itself; sorting here spares the database a sort
                // of whole documents.
                docs.sort_unstable_by_key(|d| d.version);
                let more = docs.len() > limit;
                docs.truncate(limit);
                Ok(PullPage { docs, more, last_applied_seq, head })
            }

            async fn case_docs(&self, regions: Option<&[Region]>) -> Result<Vec<String>> {
                Ok(sqlx::query_scalar(&format!(
                    "SELECT doc FROM sync_doc WHERE kind = 'case' AND {}",
                    region_filter("region", regions)
                ))
                .fetch_all(&self.pool)
                .await?)
            }

            async fn status_events(&self, regions: Option<&[Region]>) -> Result<Vec<String>> {
                Ok(sqlx::query_scalar(&format!(
                    "SELECT doc FROM sync_doc WHERE kind = 'event' AND doc LIKE '%\"kind\":\"status_changed\"%' AND {}",
                    region_filter("region", regions)
                ))
                .fetch_all(&self.pool)
                .await?)
            }
        }
    };
}

for_each_engine!(pull_impl);
