//! Attachment contents, by hash, in resumable chunks: what the server has of one, storing a
//! chunk, whether a caller may see one, and reading one back.
//!
//! Each user uploads their own copy (`attachment_upload`, one per content and uploader): a
//! chunk is accepted only at the offset that upload stands at and for the size it announced
//! first, so a wrong size or a stalled upload by one user blocks nobody else; the upload's row
//! is locked for the chunk's transaction; an upload left incomplete for
//! [`UploadLimits::expiry`] is dropped; a new upload must fit the user's quotas (bytes in
//! progress, bytes sent in 24 hours). Once all its bytes are there and hash to its name, the
//! first copy becomes the content (`attachment`, complete contents only) and its sender a
//! holder (`attachment_holder`), who may then reference it; a later copy only makes its sender
//! a holder; a copy that does not match is thrown away whole. Knowing a hash is not enough: what
//! a user learns of a content they neither hold nor may see is what they learn of an unknown
//! one.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use corridor_model::sync::AttachmentStatus;
use corridor_model::Region;
use sha2::{Digest, Sha256};
use sqlx::Row;

// The engine types that `for_each_engine!` names when it instantiates the macro below.
use super::engine::{for_each_engine, PgStorage, SqliteStorage};
use super::sql::region_filter;
use super::types::{corrupt, Chunk, ChunkWrite, Quota, Result, StorageError, UploadLimits};
use super::Attachments;

/// The attachment contents of an engine: its [`Attachments`].
macro_rules! attachments_impl {
    ($name:ident, $pool:ty, $kind:literal, $txname:ident, $begin:literal) => {
        #[async_trait]
        impl Attachments for $name {
            async fn attachment_status(
                &self,
                hash: &str,
                username: &str,
                regions: Option<&[Region]>,
            ) -> Result<Option<AttachmentStatus>> {
                let size: Option<i64> = sqlx::query_scalar(&format!(
                    "SELECT size FROM attachment a WHERE hash = $1 AND (\
                     EXISTS (SELECT 1 FROM attachment_holder h WHERE h.hash = a.hash AND h.username = $2) \
                     OR EXISTS (SELECT 1 FROM attachment_ref r WHERE r.hash = a.hash AND {}))",
                    region_filter("r.region", regions)
                ))
                .bind(hash)
                .bind(username)
                .fetch_optional(&self.pool)
                .await?;
                if let Some(size) = size {
                    return Ok(Some(AttachmentStatus { size, received: size, complete: true }));
                }
                let row = sqlx::query("SELECT size, received FROM attachment_upload WHERE hash = $1 AND username = $2")
                    .bind(hash)
                    .bind(username)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|r| {
                    Ok(AttachmentStatus {
                        size: r.try_get("size")?,
                        received: r.try_get("received")?,
                        complete: false,
                    })
                })
                .transpose()
            }

            async fn attachment_put_chunk(
                &self,
                chunk: Chunk<'_>,
                username: &str,
                limits: &UploadLimits,
                now: DateTime<Utc>,
            ) -> Result<ChunkWrite> {
                let Chunk { hash, size, offset, data } = chunk;
                let mut tx = self.pool.begin_with($begin).await?;
                // Uploads left incomplete too long go, their chunks with them.
                let expired = now - limits.expiry;
                sqlx::query(
                    "DELETE FROM attachment_upload_chunk WHERE (hash, username) IN \
                     (SELECT hash, username FROM attachment_upload WHERE started_at < $1)",
                )
                .bind(expired)
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM attachment_upload WHERE started_at < $1")
                    .bind(expired)
                    .execute(&mut *tx)
                    .await?;
                // Complete contents no case refers to, and that nobody sent lately, go too.
                let forgotten = now - limits.orphan_after;
                let orphans: Vec<String> = sqlx::query_scalar(
                    "SELECT a.hash FROM attachment a WHERE a.created_at < $1 \
                     AND NOT EXISTS (SELECT 1 FROM attachment_ref r WHERE r.hash = a.hash) \
                     AND NOT EXISTS (SELECT 1 FROM attachment_holder h WHERE h.hash = a.hash AND h.at >= $1)",
                )
                .bind(forgotten)
                .fetch_all(&mut *tx)
                .await?;
                for orphan in &orphans {
                    for table in ["attachment_chunk", "attachment_holder", "attachment"] {
                        sqlx::query(&format!("DELETE FROM {table} WHERE hash = $1"))
                            .bind(orphan)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                let held: Option<i64> = sqlx::query_scalar(
                    "SELECT a.size FROM attachment a JOIN attachment_holder h ON h.hash = a.hash \
                     WHERE a.hash = $1 AND h.username = $2",
                )
                .bind(hash)
                .bind(username)
                .fetch_optional(&mut *tx)
                .await?;
                if let Some(size) = held {
                    // Sent whole already by this user: nothing more to send.
                    return Ok(ChunkWrite::Stored(AttachmentStatus { size, received: size, complete: true }));
                }
                let existing = sqlx::query(
                    "UPDATE attachment_upload SET size = size WHERE hash = $1 AND username = $2 \
                     RETURNING size, received",
                )
                .bind(hash)
                .bind(username)
                .fetch_optional(&mut *tx)
                .await?;
                let (known_size, received) = match existing {
                    Some(r) => (r.try_get::<i64, _>("size")?, r.try_get::<i64, _>("received")?),
                    None => {
                        // A new upload: within the bytes in progress and sent today.
                        let pending: i64 = sqlx::query_scalar(
                            "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM attachment_upload WHERE username = $1",
                        )
                        .bind(username)
                        .fetch_one(&mut *tx)
                        .await?;
                        if pending + size > limits.pending_bytes {
                            return Ok(ChunkWrite::QuotaExceeded(Quota::Pending(limits.pending_bytes)));
                        }
                        let today: i64 = sqlx::query_scalar(
                            "SELECT CAST(COALESCE(SUM(a.size), 0) AS BIGINT) FROM attachment_holder h \
                             JOIN attachment a ON a.hash = h.hash WHERE h.username = $1 AND h.at > $2",
                        )
                        .bind(username)
                        .bind(now - chrono::Duration::hours(24))
                        .fetch_one(&mut *tx)
                        .await?;
                        if today + size > limits.daily_bytes {
                            return Ok(ChunkWrite::QuotaExceeded(Quota::Daily(limits.daily_bytes)));
                        }
                        sqlx::query(
                            "INSERT INTO attachment_upload (hash, username, size, received, started_at) \
                             VALUES ($1, $2, $3, 0, $4)",
                        )
                        .bind(hash)
                        .bind(username)
                        .bind(size)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                        (size, 0)
                    }
                };
                if known_size != size {
                    return Ok(ChunkWrite::SizeMismatch { size: known_size });
                }
                if received != offset {
                    return Ok(ChunkWrite::WrongOffset { expected: received });
                }
                sqlx::query(
                    "INSERT INTO attachment_upload_chunk (hash, username, chunk_offset, data) VALUES ($1, $2, $3, $4)",
                )
                .bind(hash)
                .bind(username)
                .bind(offset)
                .bind(data)
                .execute(&mut *tx)
                .await?;
                let received = offset + data.len() as i64;
                if received < size {
                    sqlx::query("UPDATE attachment_upload SET received = $1 WHERE hash = $2 AND username = $3")
                        .bind(received)
                        .bind(hash)
                        .bind(username)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    return Ok(ChunkWrite::Stored(AttachmentStatus { size, received, complete: false }));
                }
                let chunks: Vec<Vec<u8>> = sqlx::query_scalar(
                    "SELECT data FROM attachment_upload_chunk WHERE hash = $1 AND username = $2 ORDER BY chunk_offset",
                )
                .bind(hash)
                .bind(username)
                .fetch_all(&mut *tx)
                .await?;
                let mut h = Sha256::new();
                for c in &chunks {
                    h.update(c);
                }
                let matches = hex::encode(h.finalize()) == hash;
                if matches {
                    // The first complete copy becomes the content; a later one only proves that
                    // its sender holds it.
                    let first = sqlx::query(
                        "INSERT INTO attachment (hash, size, received, complete, uploaded_by, created_at) \
                         VALUES ($1, $2, $2, TRUE, $3, $4) ON CONFLICT (hash) DO NOTHING",
                    )
                    .bind(hash)
                    .bind(size)
                    .bind(username)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                        > 0;
                    if first {
                        sqlx::query(
                            "INSERT INTO attachment_chunk (hash, chunk_offset, data) \
                             SELECT hash, chunk_offset, data FROM attachment_upload_chunk \
                             WHERE hash = $1 AND username = $2",
                        )
                        .bind(hash)
                        .bind(username)
                        .execute(&mut *tx)
                        .await?;
                    }
                    sqlx::query(
                        "INSERT INTO attachment_holder (hash, username, at) VALUES ($1, $2, $3) \
                         ON CONFLICT DO NOTHING",
                    )
                    .bind(hash)
                    .bind(username)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                sqlx::query("DELETE FROM attachment_upload_chunk WHERE hash = $1 AND username = $2")
                    .bind(hash)
                    .bind(username)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM attachment_upload WHERE hash = $1 AND username = $2")
                    .bind(hash)
                    .bind(username)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(if matches {
                    ChunkWrite::Stored(AttachmentStatus { size, received: size, complete: true })
                } else {
                    ChunkWrite::HashMismatch
                })
            }

            async fn attachment_visible(&self, hash: &str, regions: Option<&[Region]>) -> Result<bool> {
                let n: i64 = sqlx::query_scalar(&format!(
                    "SELECT COUNT(*) FROM attachment_ref WHERE hash = $1 AND {}",
                    region_filter("region", regions)
                ))
                .bind(hash)
                .fetch_one(&self.pool)
                .await?;
                Ok(n > 0)
            }

            async fn attachment_chunk(&self, hash: &str, offset: i64) -> Result<Option<(i64, Vec<u8>)>> {
                let row = sqlx::query("SELECT size, complete FROM attachment WHERE hash = $1")
                    .bind(hash)
                    .fetch_optional(&self.pool)
                    .await?;
                let Some(row) = row else { return Ok(None) };
                let size: i64 = row.try_get("size")?;
                if !row.try_get::<bool, _>("complete")? {
                    return Ok(None);
                }
                if offset < 0 || offset >= size {
                    return Err(StorageError::Corrupt(format!("offset {offset} outside 0..{size}")));
                }
                let r = sqlx::query(
                    "SELECT chunk_offset, data FROM attachment_chunk WHERE hash = $1 AND chunk_offset <= $2 \
                     ORDER BY chunk_offset DESC LIMIT 1",
                )
                .bind(hash)
                .bind(offset)
                .fetch_one(&self.pool)
                .await?;
                let start: i64 = r.try_get("chunk_offset")?;
                let data: Vec<u8> = r.try_get("data")?;
                let from = usize::try_from(offset - start).map_err(corrupt)?;
                Ok(Some((size, data.get(from..).unwrap_or_default().to_vec())))
            }
        }
    };
}

for_each_engine!(attachments_impl);
