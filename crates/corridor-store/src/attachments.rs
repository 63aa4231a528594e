//! Attachments: files stored encrypted next to the database, named by the SHA-256 of their
//! content.
//!
//! Each file gets its own random 256-bit key (kept in the encrypted database) and is sealed
//! with XChaCha20-Poly1305: `attachments/<sha256>` holds `CORA1 ‖ nonce (24) ‖ ciphertext`, the
//! content hash bound as associated data. Reading one back decrypts, authenticates and checks
//! the hash again, so a damaged or swapped file is an error, never wrong bytes. The same content
//! attached twice is stored once.

use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use chrono::Utc;
use corridor_model::mutation::Op;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::Row;
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::{Result, Store, StoreError};

/// Largest attachment accepted by default (25 MB).
pub const DEFAULT_MAX_ATTACHMENT: u64 = corridor_model::engine::MAX_ATTACHMENT;
const MAGIC: &[u8] = b"CORA1";
pub(crate) const DIR: &str = "attachments";

pub use corridor_model::desk::Attachment;

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn blob_path(dir: &Path, hash: &str) -> PathBuf {
    dir.join(DIR).join(hash)
}

fn seal(key: &[u8; 32], hash: &str, content: &[u8]) -> Result<Vec<u8>> {
    let mut nonce = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let sealed = XChaCha20Poly1305::new(key.into())
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: content,
                aad: hash.as_bytes(),
            },
        )
        .map_err(|_| StoreError::Io(std::io::Error::other("encryption failed")))?;
    Ok([MAGIC, &nonce, &sealed].concat())
}

fn open_sealed(key: &[u8; 32], hash: &str, file: &[u8]) -> Option<Vec<u8>> {
    let rest = file.strip_prefix(MAGIC)?;
    if rest.len() < 24 {
        return None;
    }
    let (nonce, sealed) = rest.split_at(24);
    XChaCha20Poly1305::new(key.into())
        .decrypt(
            XNonce::from_slice(nonce),
            Payload {
                msg: sealed,
                aad: hash.as_bytes(),
            },
        )
        .ok()
}

impl Store {
    /// Attaches `content` under `name` to a case. Refuses files over `max_bytes` and empty
    /// files; the timeline records the attachment and the outbox the mutation.
    pub async fn attach(
        &self,
        key: &str,
        name: &str,
        content: &[u8],
        max_bytes: u64,
    ) -> Result<Attachment> {
        let size = content.len() as u64;
        let name = Path::new(name.trim())
            .file_name()
            .and_then(|n| n.to_str())
            .filter(|n| !n.is_empty())
            .ok_or(corridor_model::ValidationError::Required(
                corridor_model::Field::FileName,
            ))?
            .to_owned();
        if size > max_bytes {
            return Err(StoreError::AttachmentTooLarge {
                name,
                size,
                max: max_bytes,
            });
        }
        if size == 0 {
            return Err(StoreError::EmptyAttachment(name));
        }
        let hash = sha256_hex(content);
        let mime = mime_guess::from_path(&name)
            .first_or_octet_stream()
            .essence_str()
            .to_owned();

        // Sealed under a fresh key into a temporary file of this call alone. Which key the
        // content keeps is settled under the write lock: the first to record the content puts
        // its file in place in the same transaction; a later (or concurrent) attach of the same
        // content keeps the file and key already there, and drops its own.
        let path = blob_path(self.dir(), &hash);
        let mut k = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(k.as_mut());
        crate::private::dir(&self.dir().join(DIR))?;
        let tmp = path.with_extension(format!("{}.tmp", Uuid::now_v7().simple()));
        crate::private::write_new(&tmp, &seal(&k, &hash, content)?)?;
        let mut placed = false;
        let result = async {
            let (mut tx, device) = self.begin_op().await?;
            let case = crate::rows::load_case(&mut tx, key).await?;
            placed = place_blob(&mut tx, &tmp, &path, &hash, &k, size, false).await?;
            let event_id = Uuid::now_v7();
            let op = Op::AttachFile {
                case_id: case.id,
                event_id,
                hash: hash.clone(),
                name: name.clone(),
                mime: mime.clone(),
                size,
            };
            self.commit_op_in(tx, &device, op).await?;
            Ok::<_, StoreError>(Attachment {
                hash: hash.clone(),
                name: name.clone(),
                mime: mime.clone(),
                size,
                event_id,
            })
        }
        .await;
        let _ = std::fs::remove_file(&tmp);
        if result.is_err() && placed {
            // Rolled back: the row naming its key is gone, so the file goes too.
            let _ = std::fs::remove_file(&path);
        }
        result
    }

    /// The attachments of a case, oldest first.
    pub async fn attachments(&self, key: &str) -> Result<Vec<Attachment>> {
        let case = self.case(key).await?;
        let rows = sqlx::query(
            "SELECT hash, name, mime, size, event_id FROM case_attachment WHERE case_id = ? ORDER BY event_id",
        )
        .bind(case.id.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Attachment {
                    hash: r.try_get("hash")?,
                    name: r.try_get("name")?,
                    mime: r.try_get("mime")?,
                    size: u64::try_from(r.try_get::<i64, _>("size")?).unwrap_or_default(),
                    event_id: crate::store::parse(r, "event_id")?,
                })
            })
            .collect()
    }

    /// The exact bytes of an attachment of a case (checked against its hash).
    pub async fn attachment_content(&self, key: &str, hash: &str) -> Result<(Attachment, Vec<u8>)> {
        let hash = hash.trim().to_lowercase();
        let attachment = self
            .attachments(key)
            .await?
            .into_iter()
            .find(|a| a.hash == hash || (hash.len() >= 8 && a.hash.starts_with(&hash)))
            .ok_or_else(|| StoreError::UnknownAttachment(hash.clone()))?;
        let file_key: Zeroizing<String> = Zeroizing::new(
            sqlx::query_scalar("SELECT file_key FROM attachment_blob WHERE hash = ?")
                .bind(&attachment.hash)
                .fetch_one(self.pool())
                .await?,
        );
        let mut k = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(file_key.as_str(), k.as_mut()).map_err(crate::store::bad_row)?;
        let path = blob_path(self.dir(), &attachment.hash);
        let sealed = std::fs::read(&path)
            .map_err(|_| StoreError::DamagedAttachment(attachment.name.clone()))?;
        let content = open_sealed(&k, &attachment.hash, &sealed)
            .filter(|c| sha256_hex(c) == attachment.hash)
            .ok_or_else(|| StoreError::DamagedAttachment(attachment.name.clone()))?;
        Ok((attachment, content))
    }

    /// Decrypts a stored content by hash, checked against it.
    async fn blob(&self, hash: &str) -> Result<Vec<u8>> {
        let file_key: Zeroizing<String> = Zeroizing::new(
            sqlx::query_scalar("SELECT file_key FROM attachment_blob WHERE hash = ?")
                .bind(hash)
                .fetch_optional(self.pool())
                .await?
                .ok_or_else(|| StoreError::UnknownAttachment(hash.to_owned()))?,
        );
        let mut k = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(file_key.as_str(), k.as_mut()).map_err(crate::store::bad_row)?;
        let sealed = std::fs::read(blob_path(self.dir(), hash))
            .map_err(|_| StoreError::DamagedAttachment(hash.to_owned()))?;
        open_sealed(&k, hash, &sealed)
            .filter(|c| sha256_hex(c) == hash)
            .ok_or_else(|| StoreError::DamagedAttachment(hash.to_owned()))
    }

    /// Contents made here that the server does not have yet: hash and size.
    pub async fn pending_uploads(&self) -> Result<Vec<(String, u64)>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT hash, size FROM attachment_blob WHERE uploaded = 0 \
             AND hash IN (SELECT hash FROM case_attachment) ORDER BY created_at",
        )
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(h, s)| (h, u64::try_from(s).unwrap_or_default()))
            .collect())
    }

    /// The clear bytes of a content to upload.
    pub async fn upload_content(&self, hash: &str) -> Result<Vec<u8>> {
        self.blob(hash).await
    }

    /// Records that the server has the whole content.
    pub async fn mark_uploaded(&self, hash: &str) -> Result<()> {
        sqlx::query("UPDATE attachment_blob SET uploaded = 1 WHERE hash = ?")
            .bind(hash)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Contents of attachments received from the server that are not here yet: hash, size.
    pub async fn missing_contents(&self) -> Result<Vec<(String, u64)>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT DISTINCT json_extract(body, '$.hash'), json_extract(body, '$.size') \
             FROM case_event INDEXED BY case_event_attachment \
             WHERE kind = 'attachment' AND confirmed = 1 \
             AND json_extract(body, '$.hash') NOT IN (SELECT hash FROM attachment_blob)",
        )
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(h, s)| (h, u64::try_from(s).unwrap_or_default()))
            .collect())
    }

    /// Bytes of a content already downloaded (where to resume).
    pub async fn downloaded(&self, hash: &str) -> Result<u64> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(chunk_offset + length(data)), 0) FROM attachment_download WHERE hash = ?",
        )
        .bind(hash)
        .fetch_one(self.pool())
        .await?;
        Ok(u64::try_from(n).unwrap_or_default())
    }

    /// Keeps a downloaded chunk (inside the encrypted database).
    pub async fn save_download_chunk(&self, hash: &str, offset: u64, data: &[u8]) -> Result<()> {
        sqlx::query(
            "INSERT INTO attachment_download (hash, chunk_offset, data) VALUES (?, ?, ?) \
             ON CONFLICT DO NOTHING",
        )
        .bind(hash)
        .bind(i64::try_from(offset).unwrap_or(i64::MAX))
        .bind(data)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Assembles a complete download: checks it against its hash, stores it encrypted like a
    /// local attachment, and lists it on the cases whose timeline refers to it. A content that
    /// does not match is thrown away (to be downloaded again).
    pub async fn finish_download(&self, hash: &str) -> Result<()> {
        let chunks: Vec<Vec<u8>> = sqlx::query_scalar(
            "SELECT data FROM attachment_download WHERE hash = ? ORDER BY chunk_offset",
        )
        .bind(hash)
        .fetch_all(self.pool())
        .await?;
        let content: Vec<u8> = chunks.concat();
        if sha256_hex(&content) != hash {
            sqlx::query("DELETE FROM attachment_download WHERE hash = ?")
                .bind(hash)
                .execute(self.pool())
                .await?;
            return Err(StoreError::DamagedAttachment(hash.to_owned()));
        }
        let mut k = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(k.as_mut());
        crate::private::dir(&self.dir().join(DIR))?;
        let path = blob_path(self.dir(), hash);
        let tmp = path.with_extension(format!("{}.tmp", Uuid::now_v7().simple()));
        crate::private::write_new(&tmp, &seal(&k, hash, &content)?)?;
        let size = content.len() as u64;
        let mut placed = false;
        let result = async {
            let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
            placed = place_blob(&mut tx, &tmp, &path, hash, &k, size, true).await?;
            link_downloaded(&mut tx, hash).await?;
            crate::fault::point("download_before_commit");
            tx.commit().await?;
            Ok::<_, StoreError>(())
        }
        .await;
        let _ = std::fs::remove_file(&tmp);
        if result.is_err() && placed {
            let _ = std::fs::remove_file(&path);
        }
        result
    }
}

/// Records the content `hash` under key `k` and moves its sealed file `tmp` into place —
/// unless the content is recorded already, in which case its file and key stay and `tmp` is
/// left to be dropped. Called under the write lock, so that the file in place is always sealed
/// with the key the database holds. Whether `tmp` was placed.
async fn place_blob(
    tx: &mut sqlx::SqliteConnection,
    tmp: &Path,
    path: &Path,
    hash: &str,
    k: &[u8; 32],
    size: u64,
    uploaded: bool,
) -> Result<bool> {
    let known: Option<i64> = sqlx::query_scalar("SELECT 1 FROM attachment_blob WHERE hash = ?")
        .bind(hash)
        .fetch_optional(&mut *tx)
        .await?;
    if known.is_some() {
        if uploaded {
            sqlx::query("UPDATE attachment_blob SET uploaded = 1 WHERE hash = ?")
                .bind(hash)
                .execute(&mut *tx)
                .await?;
        }
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO attachment_blob (hash, file_key, size, created_at, uploaded) \
         VALUES (?, ?, ?, ?, ?)",
    )
    .bind(hash)
    .bind(hex::encode(k))
    .bind(i64::try_from(size).unwrap_or(i64::MAX))
    .bind(Utc::now().to_rfc3339())
    .bind(uploaded)
    .execute(&mut *tx)
    .await?;
    std::fs::rename(tmp, path)?;
    crate::private::sync_parent(path)?;
    Ok(true)
}

/// Links a downloaded content to the attachment events that name it.
async fn link_downloaded(tx: &mut sqlx::SqliteConnection, hash: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO case_attachment (event_id, case_id, hash, name, mime, size, added_at) \
             SELECT id, case_id, ?1, json_extract(body, '$.name'), json_extract(body, '$.mime'), \
             json_extract(body, '$.size'), at FROM case_event \
             WHERE kind = 'attachment' AND json_extract(body, '$.hash') = ?1 \
             ON CONFLICT DO NOTHING",
    )
    .bind(hash)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM attachment_download WHERE hash = ?")
        .bind(hash)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// How old a temporary sealed file must be to be taken for a crash's leftover (a live one is
/// written and placed within seconds).
const STALE_TMP: std::time::Duration = std::time::Duration::from_secs(3600);

impl Store {
    /// Removes the attachment files nothing refers to: a sealed file whose content the database
    /// does not hold (a crash after the file was put in place, before its transaction
    /// committed) and temporary files left by a crash. Under the write lock, which every
    /// placement of a file holds: no file being placed is taken for an orphan.
    pub(crate) async fn sweep_attachment_files(&self) -> Result<usize> {
        let dir = self.dir().join(DIR);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return Ok(0);
        };
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let held: std::collections::HashSet<String> =
            sqlx::query_scalar("SELECT hash FROM attachment_blob")
                .fetch_all(&mut *tx)
                .await?
                .into_iter()
                .collect();
        let mut removed = 0;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let orphan = if name.ends_with(".tmp") {
                entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.elapsed().ok())
                    .is_some_and(|age| age > STALE_TMP)
            } else {
                !held.contains(&name)
            };
            if orphan && entry.file_type().is_ok_and(|t| t.is_file()) {
                match std::fs::remove_file(entry.path()) {
                    Ok(()) => removed += 1,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
        tx.commit().await?;
        // And contents the database still holds that no case refers to any more.
        self.drop_orphan_blobs().await?;
        Ok(removed)
    }
}
