//! Attachment contents, by hash, in resumable chunks: what the server has of one, storing a
//! chunk, whether a caller may see one, and reading one back.
//!
//! A chunk is accepted only at the offset the server stands at and for the size announced
//! first; the row is locked for the upload's transaction, so concurrent uploads of the same
//! content cannot interleave. A content is complete only once its bytes hash to its name;
//! otherwise it is thrown away whole. Only complete contents are read back.

use async_trait::async_trait;
use chrono::Utc;
use corridor_model::sync::AttachmentStatus;
use corridor_model::Region;
use sha2::{Digest, Sha256};
use sqlx::Row;

// The engine types that `for_each_engine!` names when it instantiates the macro below.
use super::engine::{for_each_engine, PgStorage, SqliteStorage};
use super::sql::region_filter;
use super::types::{corrupt, ChunkWrite, Result, StorageError};
use super::Attachments;

/// The attachment contents of an engine: its [`Attachments`].
macro_rules! attachments_impl {
    ($name:ident, $pool:ty, $kind:literal, $txname:ident, $begin:literal) => {
        #[async_trait]
        impl Attachments for $name {
            async fn attachment_status(&self, hash: &str) -> Result<Option<AttachmentStatus>> {
                let row = sqlx::query("SELECT size, received, complete FROM attachment WHERE hash = $1")
                    .bind(hash)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|r| {
                    Ok(AttachmentStatus {
                        size: r.try_get("size")?,
                        received: r.try_get("received")?,
                        complete: r.try_get("complete")?,
                    })
                })
                .transpose()
            }

            async fn attachment_put_chunk(
                &self,
                hash: &str,
                size: i64,
                offset: i64,
                data: &[u8],
                username: &str,
            ) -> Result<ChunkWrite> {
                let mut tx = self.pool.begin_with($begin).await?;
                sqlx::query(
                    "INSERT INTO attachment (hash, size, received, complete, uploaded_by, created_at) \
                     VALUES ($1, $2, 0, FALSE, $3, $4) ON CONFLICT (hash) DO NOTHING",
                )
                .bind(hash)
                .bind(size)
                .bind(username)
                .bind(Utc::now())
                .execute(&mut *tx)
                .await?;
                // An UPDATE that changes nothing: it locks the row against a concurrent upload.
                let r = sqlx::query(
                    "UPDATE attachment SET size = size WHERE hash = $1 RETURNING size, received, complete",
                )
                .bind(hash)
                .fetch_one(&mut *tx)
                .await?;
                let mut status = AttachmentStatus {
                    size: r.try_get("size")?,
                    received: r.try_get("received")?,
                    complete: r.try_get("complete")?,
                };
                if status.complete {
                    return Ok(ChunkWrite::Stored(status));
                }
                if status.size != size {
                    return Ok(ChunkWrite::SizeMismatch { size: status.size });
                }
                if status.received != offset {
                    return Ok(ChunkWrite::WrongOffset { expected: status.received });
                }
                sqlx::query("INSERT INTO attachment_chunk (hash, chunk_offset, data) VALUES ($1, $2, $3)")
                    .bind(hash)
                    .bind(offset)
                    .bind(data)
                    .execute(&mut *tx)
                    .await?;
                status.received = offset + data.len() as i64;
                if status.received == status.size {
                    let chunks: Vec<Vec<u8>> = sqlx::query_scalar(
                        "SELECT data FROM attachment_chunk WHERE hash = $1 ORDER BY chunk_offset",
                    )
                    .bind(hash)
                    .fetch_all(&mut *tx)
                    .await?;
                    let mut h = Sha256::new();
                    for c in &chunks {
                        h.update(c);
                    }
                    if hex::encode(h.finalize()) != hash {
                        sqlx::query("DELETE FROM attachment_chunk WHERE hash = $1")
                            .bind(hash)
                            .execute(&mut *tx)
                            .await?;
                        sqlx::query("DELETE FROM attachment WHERE hash = $1")
                            .bind(hash)
                            .execute(&mut *tx)
                            .await?;
                        tx.commit().await?;
                        return Ok(ChunkWrite::HashMismatch);
                    }
                    status.complete = true;
                }
                sqlx::query("UPDATE attachment SET received = $1, complete = $2 WHERE hash = $3")
                    .bind(status.received)
                    .bind(status.complete)
                    .bind(hash)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(ChunkWrite::Stored(status))
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
