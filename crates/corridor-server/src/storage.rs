//! The server's storage: one [`Storage`] trait, implemented for PostgreSQL ([`PgStorage`]) and
//! SQLite ([`SqliteStorage`]).
//!
//! Both implementations run the same SQL text (placeholders `$1…`, `ON CONFLICT`, `RETURNING`
//! work on both engines), generated from one macro so that they cannot drift; the engines differ
//! only in their schema files (`migrations/server/{postgres,sqlite}`) and column types, which
//! sqlx maps to the same Rust types. The same test scenarios run against both.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use corridor_model::Region;
use serde::Serialize;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::Row;

use corridor_model::mutation::Mutation;
use corridor_model::sync::{AttachmentStatus, Doc, MutationResult, Outcome, PushResponse};
use sha2::{Digest, Sha256};

use crate::audit::{self, AuditEntry, AuditReport};
use crate::auth::Role;
use corridor_model::engine::Write;

use crate::sync::{self as engine, DocTx};

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/server/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator =
    sqlx::migrate!("../../migrations/server/postgres");

/// Storage failures.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The URL is neither `postgres://` nor `sqlite:`.
    #[error("unsupported database URL scheme (expected postgres:// or sqlite:)")]
    UnsupportedScheme,
    /// A username already taken.
    #[error("the username {0:?} is already taken")]
    DuplicateUser(String),
    /// The device was revoked: it cannot log in again.
    #[error("this device was revoked")]
    DeviceRevoked,
    /// The device belongs to another user.
    #[error("this device is registered to another user")]
    DeviceOfAnotherUser,
    /// A push skipped sequence numbers of the device.
    #[error("sequence gap: expected device_seq {expected}, got {got}")]
    SequenceGap {
        /// The next sequence number the server expects.
        expected: i64,
        /// The one it got.
        got: i64,
    },
    /// A grouped push failed as a whole (nothing of it was written).
    #[error("push not written: {0}")]
    Batch(String),
    /// No such user.
    #[error("unknown user {0:?}")]
    UnknownUser(String),
    /// A stored value that does not parse.
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// Database failure.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Migration failure.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

type Result<T, E = StorageError> = std::result::Result<T, E>;

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    /// Id.
    pub id: String,
    /// Login name.
    pub username: String,
    /// Role.
    pub role: Role,
    /// Regions (empty for the committee and admins, who see every region).
    pub regions: Vec<Region>,
    /// Created at.
    pub created_at: DateTime<Utc>,
    /// Disabled accounts cannot log in.
    pub disabled: bool,
}

/// A user and their password hash.
#[derive(Clone)]
pub struct Credentials {
    /// The user.
    pub user: User,
    /// Argon2id PHC string.
    pub password_hash: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// A registered device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceRecord {
    /// Device id (made by the device).
    pub id: String,
    /// Its user.
    pub username: String,
    /// Name given at login.
    pub name: String,
    /// Registered at.
    pub created_at: DateTime<Utc>,
    /// Last authenticated request.
    pub last_seen_at: DateTime<Utc>,
    /// Revoked at.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Who is calling, from a bearer token.
#[derive(Debug, Clone)]
pub struct Session {
    /// The user.
    pub user: User,
    /// The device.
    pub device_id: String,
    /// Whether the device was revoked.
    pub revoked: bool,
    /// When the device last authenticated before this request.
    pub last_seen_at: DateTime<Utc>,
}

/// Everything the server keeps.
#[async_trait]
pub trait Storage: Send + Sync + fmt::Debug {
    /// `postgres` or `sqlite`.
    fn kind(&self) -> &'static str;
    /// Number of regions of the reference table (12 when migrated and reachable).
    async fn region_count(&self) -> Result<i64>;
    /// Creates a user.
    async fn add_user(
        &self,
        username: &str,
        role: Role,
        regions: &[Region],
        password_hash: &str,
    ) -> Result<User>;
    /// Every user, by name.
    async fn users(&self) -> Result<Vec<User>>;
    /// A user with their password hash.
    async fn credentials(&self, username: &str) -> Result<Option<Credentials>>;
    /// Registers a device for a user with a new token hash (re-login replaces the token).
    /// Refuses a revoked device, and a device of another user.
    async fn register_device(
        &self,
        user_id: &str,
        device_id: &str,
        name: &str,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<()>;
    /// The session of a token hash, touching `last_seen_at`.
    async fn session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<Session>>;
    /// Every device, newest first.
    async fn devices(&self) -> Result<Vec<DeviceRecord>>;
    /// Revokes a device; false when there is no such device.
    async fn revoke_device(&self, device_id: &str, now: DateTime<Utc>) -> Result<bool>;
    /// Records a failed login.
    async fn record_login_failure(&self, username: &str, now: DateTime<Utc>) -> Result<()>;
    /// Failed logins of a username since `since`.
    async fn login_failures_since(&self, username: &str, since: DateTime<Utc>) -> Result<i64>;
    /// Forgets the failed logins of a username (after a success).
    async fn clear_login_failures(&self, username: &str) -> Result<()>;
    /// Changes a user's regions.
    async fn set_user_regions(&self, username: &str, regions: &[Region]) -> Result<User>;
    /// Applies the mutations of the session's device, in order, in one transaction: those
    /// already applied get their first answer again; the others are applied or refused.
    async fn push(
        &self,
        session: &Session,
        mutations: &[Mutation],
        now: DateTime<Utc>,
    ) -> Result<PushResponse>;
    /// Documents past `after` the session may see (of `regions`, `None` for all, and of
    /// `audiences`), at most `limit`, in version order; whether more follow; the device's
    /// last applied sequence number; the latest version.
    async fn pull(
        &self,
        session: &Session,
        after: i64,
        regions: Option<&[Region]>,
        audiences: &[&str],
        limit: usize,
    ) -> Result<PullPage>;
    /// Every case document (for the committee's statistics), of `regions` (`None`: all).
    async fn case_docs(&self, regions: Option<&[Region]>) -> Result<Vec<String>>;
    /// Status-change events of cases of `regions` (`None`: all), as JSON documents.
    async fn status_events(&self, regions: Option<&[Region]>) -> Result<Vec<String>>;
    /// What the server has of an attachment's content.
    async fn attachment_status(&self, hash: &str) -> Result<Option<AttachmentStatus>>;
    /// Stores a chunk of an attachment at `offset` (which must be what was received so far);
    /// the last chunk completes it once its content matches `hash`.
    async fn attachment_put_chunk(
        &self,
        hash: &str,
        size: i64,
        offset: i64,
        data: &[u8],
        username: &str,
    ) -> Result<ChunkWrite>;
    /// Whether a case of `regions` (`None`: any) has this content attached.
    async fn attachment_visible(&self, hash: &str, regions: Option<&[Region]>) -> Result<bool>;
    /// The total size and the bytes of a complete attachment from `offset` (to the end of the
    /// stored chunk holding it); `None` when not (yet) complete.
    async fn attachment_chunk(&self, hash: &str, offset: i64) -> Result<Option<(i64, Vec<u8>)>>;
    /// Checks the audit log's hash chain.
    async fn audit_verify(&self) -> Result<AuditReport>;
    /// Closes the pool.
    async fn close(&self);
}

/// What [`Storage::attachment_put_chunk`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChunkWrite {
    /// Stored; where the upload stands.
    Stored(AttachmentStatus),
    /// The chunk does not start where the server stands.
    WrongOffset {
        /// Bytes the server has.
        expected: i64,
    },
    /// The hash was announced with another size.
    SizeMismatch {
        /// The size announced first.
        size: i64,
    },
    /// The complete content does not hash to its name: thrown away.
    HashMismatch,
}

/// Mutations written in one group commit at most (beyond one request of up to
/// [`MAX_PUSH_BATCH`](corridor_model::sync::MAX_PUSH_BATCH)): bounds the transaction and the
/// statements' parameter lists.
const GROUP_MUTATIONS: usize = 2_000;

/// How many of the queued requests (their sizes in mutations, in arrival order) one group
/// takes: the first always, then the following ones while the group stays within
/// [`GROUP_MUTATIONS`].
fn group_size(sizes: impl Iterator<Item = usize>) -> usize {
    let mut total = 0;
    sizes
        .take_while(|n| {
            let fits = total == 0 || total + n <= GROUP_MUTATIONS;
            total += n;
            fits
        })
        .count()
}

/// A push waiting for the gate, and where its answer goes.
#[derive(Debug)]
struct PushJob {
    session: Session,
    mutations: Vec<Mutation>,
    /// When the request arrived (the group may be written a little later).
    now: DateTime<Utc>,
    reply: tokio::sync::oneshot::Sender<Result<PushResponse>>,
}

/// A document written during a push, kept until the push writes them all.
#[derive(Debug, Clone)]
struct Pending {
    kind: &'static str,
    id: uuid::Uuid,
    region: Option<String>,
    audience: &'static str,
    parent: Option<uuid::Uuid>,
    version: i64,
    doc: String,
}

/// The static name of a document kind.
fn kind_name(kind: &str) -> &'static str {
    match kind {
        "enterprise" => "enterprise",
        "case" => "case",
        "event" => "event",
        "conflict" => "conflict",
        "meeting" => "meeting",
        "roadmap" => "roadmap",
        _ => "unknown",
    }
}

/// A document as stored, sent on as it is: the wire form of a
/// [`VersionedDoc`](corridor_model::sync::VersionedDoc) (`{"version", "kind", "doc"}`) without
/// parsing and rebuilding every document of every page. Stored documents are therefore sent in
/// the shape they were written in: a change to [`Doc`](corridor_model::sync::Doc) that old
/// documents do not read as needs a migration of `sync_doc`, not only new code.
#[derive(Debug, Clone, Serialize)]
pub struct RawChange {
    /// Change version.
    pub version: i64,
    /// Document kind (the tag of [`Doc`](corridor_model::sync::Doc)).
    pub kind: String,
    /// The document's JSON, as written by the server.
    pub doc: Box<serde_json::value::RawValue>,
}

/// A page of [`Storage::pull`].
#[derive(Debug, Clone)]
pub struct PullPage {
    /// The documents, in version order.
    pub docs: Vec<RawChange>,
    /// Whether more documents follow.
    pub more: bool,
    /// The device's last applied sequence number.
    pub last_applied_seq: i64,
    /// The latest change version, read in the same snapshot as the page.
    pub head: i64,
}

/// `region IN (…)` with region codes (validated values, safe to inline).
fn region_filter(column: &str, regions: Option<&[Region]>) -> String {
    match regions {
        None => "TRUE".to_owned(),
        Some(r) => {
            let list: Vec<String> = r.iter().map(|r| format!("'{}'", r.code())).collect();
            if list.is_empty() {
                format!("{column} IS NULL")
            } else {
                format!("({column} IS NULL OR {column} IN ({}))", list.join(", "))
            }
        }
    }
}

fn audience_filter(audiences: &[&str]) -> String {
    let list: Vec<String> = audiences
        .iter()
        .filter(|a| a.chars().all(|c| c.is_ascii_lowercase()))
        .map(|a| format!("'{a}'"))
        .collect();
    format!("audience IN ({})", list.join(", "))
}

fn corrupt(e: impl fmt::Display) -> StorageError {
    StorageError::Corrupt(e.to_string())
}

fn doc_json(doc: &Doc) -> Result<String> {
    // The stored text is the inner document; the kind is its own column.
    let v = serde_json::to_value(doc).map_err(corrupt)?;
    Ok(v.get("doc").map(|d| d.to_string()).unwrap_or_default())
}

fn regions_text(regions: &[Region]) -> String {
    regions
        .iter()
        .map(|r| r.code())
        .collect::<Vec<_>>()
        .join(",")
}

fn parse_regions(s: &str) -> Result<Vec<Region>> {
    s.split(',')
        .filter(|r| !r.is_empty())
        .map(|r| {
            r.parse()
                .map_err(|e: corridor_model::ValidationError| StorageError::Corrupt(e.to_string()))
        })
        .collect()
}

fn parse_role(s: &str) -> Result<Role> {
    Role::from_str(s).map_err(|e| StorageError::Corrupt(e.to_string()))
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

const USER_COLUMNS: &str = "id, username, role, regions, created_at, disabled";

macro_rules! storage_impl {
    ($name:ident, $pool:ty, $kind:literal, $txname:ident, $begin:literal) => {
        /// A push transaction on this engine. Documents written during the push are kept in
        /// memory (later mutations of the batch read them there) and written at the end, many
        /// rows per statement.
        struct $txname {
            tx: sqlx::Transaction<'static, <$pool as PoolDb>::Db>,
            version: i64,
            written: HashMap<(&'static str, uuid::Uuid), Pending>,
            /// Documents read ahead for the batch (`None`: known not to exist).
            read: HashMap<(&'static str, uuid::Uuid), Option<String>>,
        }

        impl $txname {
            /// Writes the documents kept in memory.
            async fn flush(&mut self) -> Result<()> {
                let mut rows: Vec<Pending> = self.written.drain().map(|(_, p)| p).collect();
                rows.sort_by_key(|p| p.version);
                for chunk in rows.chunks(500) {
                    let mut q = sqlx::QueryBuilder::<<$pool as PoolDb>::Db>::new(
                        "INSERT INTO sync_doc (kind, id, region, audience, parent_id, version, doc) ",
                    );
                    q.push_values(chunk, |mut b, p| {
                        b.push_bind(p.kind)
                            .push_bind(p.id.to_string())
                            .push_bind(p.region.clone())
                            .push_bind(p.audience)
                            .push_bind(p.parent.map(|x| x.to_string()))
                            .push_bind(p.version)
                            .push_bind(p.doc.clone());
                    });
                    q.push(
                        " ON CONFLICT (kind, id) DO UPDATE SET region = excluded.region, \
                         audience = excluded.audience, parent_id = excluded.parent_id, \
                         version = excluded.version, doc = excluded.doc",
                    );
                    q.build().execute(&mut *self.tx).await?;
                }
                Ok(())
            }
        }

        #[async_trait]
        impl DocTx for $txname {
            async fn get_raw(&mut self, kind: &str, id: uuid::Uuid) -> Result<Option<String>> {
                if let Some(p) = self.written.get(&(kind_name(kind), id)) {
                    return Ok(Some(p.doc.clone()));
                }
                if let Some(doc) = self.read.get(&(kind_name(kind), id)) {
                    return Ok(doc.clone());
                }
                Ok(sqlx::query_scalar("SELECT doc FROM sync_doc WHERE kind = $1 AND id = $2")
                    .bind(kind)
                    .bind(id.to_string())
                    .fetch_optional(&mut *self.tx)
                    .await?)
            }

            async fn put(&mut self, row: &Write) -> Result<()> {
                self.version += 1;
                let kind = row.doc.kind();
                let id = row.doc.id();
                self.written.insert(
                    (kind, id),
                    Pending {
                        kind,
                        id,
                        region: row.region.map(|r| r.code()),
                        audience: row.audience.code(),
                        parent: row.parent,
                        version: self.version,
                        doc: doc_json(&row.doc)?,
                    },
                );
                Ok(())
            }

            async fn children_raw(&mut self, kind: &str, parent: uuid::Uuid) -> Result<Vec<String>> {
                let rows: Vec<(String, String)> =
                    sqlx::query_as("SELECT id, doc FROM sync_doc WHERE parent_id = $1 AND kind = $2")
                        .bind(parent.to_string())
                        .bind(kind)
                        .fetch_all(&mut *self.tx)
                        .await?;
                let kind = kind_name(kind);
                let mut docs: Vec<String> = rows
                    .into_iter()
                    .filter(|(id, _)| {
                        id.parse()
                            .map_or(true, |id: uuid::Uuid| !self.written.contains_key(&(kind, id)))
                    })
                    .map(|(_, doc)| doc)
                    .collect();
                docs.extend(
                    self.written
                        .values()
                        .filter(|p| p.kind == kind && p.parent == Some(parent))
                        .map(|p| p.doc.clone()),
                );
                Ok(docs)
            }

            async fn ice_owner(&mut self, ice: &str) -> Result<Option<uuid::Uuid>> {
                let id: Option<String> = sqlx::query_scalar("SELECT enterprise_id FROM enterprise_ice WHERE ice = $1")
                    .bind(ice)
                    .fetch_optional(&mut *self.tx)
                    .await?;
                id.map(|i| i.parse().map_err(corrupt)).transpose()
            }

            async fn set_ice_owner(&mut self, ice: &str, id: uuid::Uuid) -> Result<()> {
                sqlx::query("INSERT INTO enterprise_ice (ice, enterprise_id) VALUES ($1, $2)")
                    .bind(ice)
                    .bind(id.to_string())
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn alias(&mut self, id: uuid::Uuid) -> Result<Option<uuid::Uuid>> {
                let id: Option<String> = sqlx::query_scalar("SELECT id FROM id_alias WHERE alias = $1")
                    .bind(id.to_string())
                    .fetch_optional(&mut *self.tx)
                    .await?;
                id.map(|i| i.parse().map_err(corrupt)).transpose()
            }

            async fn set_alias(&mut self, alias: uuid::Uuid, id: uuid::Uuid) -> Result<()> {
                sqlx::query("INSERT INTO id_alias (alias, id) VALUES ($1, $2)")
                    .bind(alias.to_string())
                    .bind(id.to_string())
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn add_attachment_ref(&mut self, hash: &str, region: Region) -> Result<()> {
                sqlx::query("INSERT INTO attachment_ref (hash, region) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(hash)
                    .bind(region.code())
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn content(
                &mut self,
                hash: &str,
                username: &str,
                regions: Option<&[Region]>,
            ) -> Result<Option<u64>> {
                let size: Option<i64> = sqlx::query_scalar(&format!(
                    "SELECT size FROM attachment WHERE hash = $1 AND complete AND (uploaded_by = $2 \
                     OR EXISTS (SELECT 1 FROM attachment_ref r WHERE r.hash = attachment.hash AND {}))",
                    region_filter("r.region", regions)
                ))
                .bind(hash)
                .bind(username)
                .fetch_optional(&mut *self.tx)
                .await?;
                Ok(size.and_then(|s| u64::try_from(s).ok()))
            }

            async fn next_reference(&mut self, year: i32, region: Region) -> Result<i64> {
                Ok(sqlx::query_scalar(
                    "INSERT INTO reference_counter (year, region, next) VALUES ($1, $2, 2) \
                     ON CONFLICT (year, region) DO UPDATE SET next = reference_counter.next + 1 \
                     RETURNING next - 1",
                )
                .bind(year)
                .bind(region.code())
                .fetch_one(&mut *self.tx)
                .await?)
            }
        }

        /// Storage on this engine.
        #[derive(Debug, Clone)]
        pub struct $name {
            pool: $pool,
            /// The push groups' own connection: a push never waits behind reads for one.
            writer: $pool,
            /// Pushes of this instance are written one group at a time, by the task holding
            /// this gate, on the `writer` connection: only one waits on the database's clock
            /// row, and the request pool serves pulls.
            push_gate: Arc<tokio::sync::Mutex<()>>,
            /// Pushes waiting for the gate.
            push_queue: Arc<std::sync::Mutex<Vec<PushJob>>>,
        }

        impl $name {
            /// Applies the pushes of several requests in one transaction.
            async fn push_group(&self, jobs: &[PushJob]) -> Result<Vec<Result<PushResponse>>> {
                let mut tx = self.writer.begin_with($begin).await?;
                // The clock row first: every writer queues here, so versions commit in order
                // and a mutation is validated against the state the previous one left.
                let clock: i64 = sqlx::query_scalar(
                    "UPDATE sync_clock SET version = version WHERE singleton = 1 RETURNING version",
                )
                .fetch_one(&mut *tx)
                .await?;
                let tail = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                    .fetch_optional(&mut *tx)
                    .await?;
                let (mut audit_seq, mut prev_hash) = match tail {
                    Some(r) => (r.try_get::<i64, _>("seq")?, r.try_get::<String, _>("hash")?),
                    None => (0, audit::GENESIS.to_owned()),
                };
                let mut dtx = $txname { tx, version: clock, written: HashMap::new(), read: HashMap::new() };
                // The cases the batch touches, read in one statement per 500.
                let ids: Vec<String> = jobs
                    .iter()
                    .flat_map(|j| j.mutations.iter())
                    .flat_map(|m| m.op.cases())
                    .map(|id| id.to_string())
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect();
                for chunk in ids.chunks(500) {
                    let mut q = sqlx::QueryBuilder::<<$pool as PoolDb>::Db>::new(
                        "SELECT id, doc FROM sync_doc WHERE kind = 'case' AND id IN (",
                    );
                    push_list(&mut q, chunk.iter().cloned());
                    let rows: Vec<(String, String)> = q.build_query_as().fetch_all(&mut *dtx.tx).await?;
                    let mut found: HashMap<String, String> = rows.into_iter().collect();
                    for id in chunk {
                        if let Ok(uuid) = id.parse::<uuid::Uuid>() {
                            dtx.read.insert(("case", uuid), found.remove(id));
                        }
                    }
                }
                // The event ids the batch would create (each must be unused), checked in one
                // statement per 500 rather than one per mutation.
                let events: Vec<String> = jobs
                    .iter()
                    .flat_map(|j| j.mutations.iter())
                    .flat_map(|m| corridor_model::engine::needs(&m.op).fresh)
                    .filter(|(kind, _)| *kind == corridor_model::engine::DocKind::Event)
                    .map(|(_, id)| id.to_string())
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect();
                for chunk in events.chunks(500) {
                    let mut q = sqlx::QueryBuilder::<<$pool as PoolDb>::Db>::new(
                        "SELECT id, doc FROM sync_doc WHERE kind = 'event' AND id IN (",
                    );
                    push_list(&mut q, chunk.iter().cloned());
                    let rows: Vec<(String, String)> = q.build_query_as().fetch_all(&mut *dtx.tx).await?;
                    let mut found: HashMap<String, String> = rows.into_iter().collect();
                    for id in chunk {
                        if let Ok(uuid) = id.parse::<uuid::Uuid>() {
                            dtx.read.insert(("event", uuid), found.remove(id));
                        }
                    }
                }
                // Where each device of the batch stands, in one statement.
                let devices: std::collections::BTreeSet<&str> =
                    jobs.iter().map(|j| j.session.device_id.as_str()).collect();
                let mut q = sqlx::QueryBuilder::<<$pool as PoolDb>::Db>::new(
                    "SELECT id, last_applied_seq FROM device WHERE id IN (",
                );
                push_list(&mut q, devices.iter().map(|d| d.to_string()));
                let stand: HashMap<String, i64> =
                    q.build_query_as().fetch_all(&mut *dtx.tx).await?.into_iter().collect();
                let mut out = Vec::with_capacity(jobs.len());
                // Where each device stands as the batch goes on.
                let mut lasts = stand.clone();
                let mut given: HashMap<(String, i64), MutationResult> = HashMap::new();
                let mut answers: Vec<(String, i64, String)> = Vec::new();
                let mut entries: Vec<AuditEntry> = Vec::new();
                for job in jobs {
                    let session = &job.session;
                    let device = session.device_id.clone();
                    let mut last = match lasts.get(&device) {
                        Some(l) => *l,
                        // Revoked and deleted meanwhile: only this request fails.
                        None => {
                            out.push(Err(StorageError::Corrupt(format!("unknown device {device}"))));
                            continue;
                        }
                    };
                    // Mutations not seen yet must follow the last one applied, without gaps:
                    // otherwise nothing of this request is applied.
                    let mut expected = last + 1;
                    let mut gap = None;
                    for m in job.mutations.iter().filter(|m| m.device_seq > last) {
                        if m.device_seq != expected {
                            gap = Some(StorageError::SequenceGap { expected, got: m.device_seq });
                            break;
                        }
                        expected += 1;
                    }
                    if let Some(e) = gap {
                        out.push(Err(e));
                        continue;
                    }
                    let mut results = Vec::with_capacity(job.mutations.len());
                    for m in &job.mutations {
                        if m.device_seq <= last {
                            let outcome = if let Some(r) = given.get(&(device.clone(), m.device_seq)) {
                                r.outcome.clone()
                            } else {
                                let stored: Option<String> = sqlx::query_scalar(
                                    "SELECT result FROM push_result WHERE device_id = $1 AND device_seq = $2",
                                )
                                .bind(&device)
                                .bind(m.device_seq)
                                .fetch_optional(&mut *dtx.tx)
                                .await?;
                                match stored {
                                    Some(s) => serde_json::from_str::<MutationResult>(&s).map_err(corrupt)?.outcome,
                                    None => Outcome::Applied,
                                }
                            };
                            results.push(MutationResult { mutation_id: m.mutation_id, device_seq: m.device_seq, outcome });
                            continue;
                        }
                        let outcome = match engine::apply(&mut dtx, session, m, job.now).await? {
                            Ok(a) if a.conflicts.is_empty() => Outcome::Applied,
                            Ok(a) => Outcome::Conflict { conflicts: a.conflicts },
                            Err(r) => Outcome::Rejected { code: r.code.as_str().to_owned(), message: r.message },
                        };
                        let result = MutationResult { mutation_id: m.mutation_id, device_seq: m.device_seq, outcome };
                        answers.push((device.clone(), m.device_seq, serde_json::to_string(&result).map_err(corrupt)?));
                        if !matches!(result.outcome, Outcome::Rejected { .. }) {
                            audit_seq += 1;
                            let entry = AuditEntry::new(audit_seq, audit::truncate(job.now), &session.user.username, &device, m, &result.outcome, &prev_hash)?;
                            prev_hash.clone_from(&entry.hash);
                            entries.push(entry);
                        }
                        given.insert((device.clone(), m.device_seq), result.clone());
                        last = m.device_seq;
                        results.push(result);
                    }
                    lasts.insert(device, last);
                    out.push(Ok(PushResponse { results, last_applied_seq: last }));
                }
                dtx.flush().await?;
                let $txname { mut tx, version, .. } = dtx;
                for chunk in answers.chunks(500) {
                    let mut q = sqlx::QueryBuilder::<<$pool as PoolDb>::Db>::new(
                        "INSERT INTO push_result (device_id, device_seq, result) ",
                    );
                    q.push_values(chunk, |mut b, (device, seq, result)| {
                        b.push_bind(device.clone()).push_bind(*seq).push_bind(result.clone());
                    });
                    q.build().execute(&mut *tx).await?;
                }
                for chunk in entries.chunks(500) {
                    let mut q = sqlx::QueryBuilder::<<$pool as PoolDb>::Db>::new(
                        "INSERT INTO audit_log (seq, at, username, device_id, mutation_id, name, outcome, body, prev_hash, hash) ",
                    );
                    q.push_values(chunk, |mut b, e| {
                        b.push_bind(e.seq)
                            .push_bind(e.at)
                            .push_bind(e.username.clone())
                            .push_bind(e.device_id.clone())
                            .push_bind(e.mutation_id.clone())
                            .push_bind(e.name.clone())
                            .push_bind(e.outcome.clone())
                            .push_bind(e.body.clone())
                            .push_bind(e.prev_hash.clone())
                            .push_bind(e.hash.clone());
                    });
                    q.build().execute(&mut *tx).await?;
                }
                // Every device that moved on, in one statement (read above under the clock
                // lock, so nobody else moved them meanwhile).
                let moved: Vec<(&String, &i64)> =
                    lasts.iter().filter(|(d, l)| stand.get(*d) != Some(*l)).collect();
                if !moved.is_empty() {
                    let mut q = sqlx::QueryBuilder::<<$pool as PoolDb>::Db>::new(
                        "UPDATE device SET last_applied_seq = CASE id",
                    );
                    for (device, last) in &moved {
                        q.push(" WHEN ").push_bind((*device).clone()).push(" THEN ").push_bind(**last);
                    }
                    q.push(" ELSE last_applied_seq END WHERE id IN (");
                    push_list(&mut q, moved.iter().map(|(d, _)| (*d).clone()));
                    q.build().execute(&mut *tx).await?;
                }
                sqlx::query("UPDATE sync_clock SET version = $1 WHERE singleton = 1")
                    .bind(version)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(out)
            }


            fn user_from_row(r: &<<$pool as PoolDb>::Db as sqlx::Database>::Row) -> Result<User> {
                Ok(User {
                    id: r.try_get("id")?,
                    username: r.try_get("username")?,
                    role: parse_role(&r.try_get::<String, _>("role")?)?,
                    regions: parse_regions(&r.try_get::<String, _>("regions")?)?,
                    created_at: r.try_get("created_at")?,
                    disabled: r.try_get("disabled")?,
                })
            }
        }

        #[async_trait]
        impl Storage for $name {
            fn kind(&self) -> &'static str {
                $kind
            }

            async fn region_count(&self) -> Result<i64> {
                Ok(sqlx::query_scalar("SELECT COUNT(*) FROM region").fetch_one(&self.pool).await?)
            }

            async fn add_user(&self, username: &str, role: Role, regions: &[Region], password_hash: &str) -> Result<User> {
                let id = uuid::Uuid::now_v7().to_string();
                let row = sqlx::query(&format!(
                    "INSERT INTO app_user (id, username, role, regions, password_hash, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING {USER_COLUMNS}"
                ))
                .bind(&id)
                .bind(username)
                .bind(role.code())
                .bind(regions_text(regions))
                .bind(password_hash)
                .bind(Utc::now())
                .fetch_one(&self.pool)
                .await
                .map_err(|e| {
                    if is_unique_violation(&e) {
                        StorageError::DuplicateUser(username.to_owned())
                    } else {
                        e.into()
                    }
                })?;
                Self::user_from_row(&row)
            }

            async fn users(&self) -> Result<Vec<User>> {
                let rows = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM app_user ORDER BY username"))
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(Self::user_from_row).collect()
            }

            async fn credentials(&self, username: &str) -> Result<Option<Credentials>> {
                let row = sqlx::query(&format!(
                    "SELECT {USER_COLUMNS}, password_hash FROM app_user WHERE username = $1"
                ))
                .bind(username)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|r| {
                    Ok(Credentials { user: Self::user_from_row(&r)?, password_hash: r.try_get("password_hash")? })
                })
                .transpose()
            }

            async fn register_device(&self, user_id: &str, device_id: &str, name: &str, token_hash: &str, now: DateTime<Utc>) -> Result<()> {
                let mut tx = self.pool.begin().await?;
                let existing = sqlx::query("SELECT user_id, revoked_at FROM device WHERE id = $1")
                    .bind(device_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                if let Some(r) = existing {
                    if r.try_get::<Option<DateTime<Utc>>, _>("revoked_at")?.is_some() {
                        return Err(StorageError::DeviceRevoked);
                    }
                    if r.try_get::<String, _>("user_id")? != user_id {
                        return Err(StorageError::DeviceOfAnotherUser);
                    }
                    sqlx::query("UPDATE device SET token_hash = $1, name = $2, last_seen_at = $3 WHERE id = $4")
                        .bind(token_hash)
                        .bind(name)
                        .bind(now)
                        .bind(device_id)
                        .execute(&mut *tx)
                        .await?;
                } else {
                    sqlx::query(
                        "INSERT INTO device (id, user_id, name, token_hash, created_at, last_seen_at) \
                         VALUES ($1, $2, $3, $4, $5, $5)",
                    )
                    .bind(device_id)
                    .bind(user_id)
                    .bind(name)
                    .bind(token_hash)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<Session>> {
                let row = sqlx::query(
                    "SELECT u.id, u.username, u.role, u.regions, u.created_at, u.disabled, \
                     d.id AS device_id, d.revoked_at, d.last_seen_at FROM device d JOIN app_user u ON u.id = d.user_id \
                     WHERE d.token_hash = $1",
                )
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?;
                let Some(r) = row else { return Ok(None) };
                let session = Session {
                    user: Self::user_from_row(&r)?,
                    device_id: r.try_get("device_id")?,
                    revoked: r.try_get::<Option<DateTime<Utc>>, _>("revoked_at")?.is_some(),
                    last_seen_at: r.try_get("last_seen_at")?,
                };
                // Touched at most once a minute: not a write for every request of a sync.
                if !session.revoked
                    && now - session.last_seen_at <= crate::http::SESSION_IDLE
                    && now - session.last_seen_at > chrono::Duration::minutes(1)
                {
                    sqlx::query("UPDATE device SET last_seen_at = $1 WHERE id = $2")
                        .bind(now)
                        .bind(&session.device_id)
                        .execute(&self.pool)
                        .await?;
                }
                Ok(Some(session))
            }

            async fn devices(&self) -> Result<Vec<DeviceRecord>> {
                let rows = sqlx::query(
                    "SELECT d.id, u.username, d.name, d.created_at, d.last_seen_at, d.revoked_at \
                     FROM device d JOIN app_user u ON u.id = d.user_id ORDER BY d.created_at DESC",
                )
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(DeviceRecord {
                            id: r.try_get("id")?,
                            username: r.try_get("username")?,
                            name: r.try_get("name")?,
                            created_at: r.try_get("created_at")?,
                            last_seen_at: r.try_get("last_seen_at")?,
                            revoked_at: r.try_get("revoked_at")?,
                        })
                    })
                    .collect()
            }

            async fn revoke_device(&self, device_id: &str, now: DateTime<Utc>) -> Result<bool> {
                let done = sqlx::query("UPDATE device SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2")
                    .bind(now)
                    .bind(device_id)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn record_login_failure(&self, username: &str, now: DateTime<Utc>) -> Result<()> {
                sqlx::query("INSERT INTO login_failure (username, at) VALUES ($1, $2)")
                    .bind(username)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn login_failures_since(&self, username: &str, since: DateTime<Utc>) -> Result<i64> {
                Ok(sqlx::query_scalar("SELECT COUNT(*) FROM login_failure WHERE username = $1 AND at > $2")
                    .bind(username)
                    .bind(since)
                    .fetch_one(&self.pool)
                    .await?)
            }

            async fn clear_login_failures(&self, username: &str) -> Result<()> {
                sqlx::query("DELETE FROM login_failure WHERE username = $1")
                    .bind(username)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn set_user_regions(&self, username: &str, regions: &[Region]) -> Result<User> {
                let row = sqlx::query(&format!(
                    "UPDATE app_user SET regions = $1 WHERE username = $2 RETURNING {USER_COLUMNS}"
                ))
                .bind(regions_text(regions))
                .bind(username)
                .fetch_optional(&self.pool)
                .await?
                .ok_or_else(|| StorageError::UnknownUser(username.to_owned()))?;
                Self::user_from_row(&row)
            }

            async fn push(&self, session: &Session, mutations: &[Mutation], now: DateTime<Utc>) -> Result<PushResponse> {
                // Group commit: pushes that arrive while one is being written queue here; the
                // next task through the gate writes them all in one transaction (one commit,
                // one wait for the disk), and each gets its own answer.
                let (reply, answer) = tokio::sync::oneshot::channel();
                self.push_queue
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push(PushJob { session: session.clone(), mutations: mutations.to_vec(), now, reply });
                // In a task of its own: a request given up by its client never cancels the
                // group it happens to be writing for others.
                let this = self.clone();
                tokio::spawn(async move {
                    let _gate = this.push_gate.lock().await;
                    // Whole requests, up to GROUP_MUTATIONS mutations (at least one request);
                    // every request has its own task, so whatever stays is taken by a later one.
                    let jobs: Vec<PushJob> = {
                        let mut queue =
                            this.push_queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                        let take = group_size(queue.iter().map(|j| j.mutations.len()));
                        queue.drain(..take).collect()
                    };
                    if jobs.is_empty() {
                        return;
                    }
                    match this.push_group(&jobs).await {
                        Ok(answers) => {
                            for (job, a) in jobs.into_iter().zip(answers) {
                                let _ = job.reply.send(a);
                            }
                        }
                        Err(e) => {
                            let message = e.to_string();
                            for job in jobs {
                                let _ = job.reply.send(Err(StorageError::Batch(message.clone())));
                            }
                        }
                    }
                });
                answer
                    .await
                    .unwrap_or_else(|_| Err(StorageError::Batch("push abandoned".to_owned())))
            }

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

            async fn audit_verify(&self) -> Result<AuditReport> {
                let rows = sqlx::query(
                    "SELECT seq, at, username, device_id, mutation_id, name, outcome, body, prev_hash, hash \
                     FROM audit_log ORDER BY seq",
                )
                .fetch_all(&self.pool)
                .await?;
                let entries = rows
                    .iter()
                    .map(|r| {
                        Ok(AuditEntry {
                            seq: r.try_get("seq")?,
                            at: r.try_get("at")?,
                            username: r.try_get("username")?,
                            device_id: r.try_get("device_id")?,
                            mutation_id: r.try_get("mutation_id")?,
                            name: r.try_get("name")?,
                            outcome: r.try_get("outcome")?,
                            body: r.try_get("body")?,
                            prev_hash: r.try_get("prev_hash")?,
                            hash: r.try_get("hash")?,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                Ok(audit::verify(&entries))
            }

            async fn close(&self) {
                self.pool.close().await;
                self.writer.close().await;
            }
        }
    };
}

/// Binds `items` as a parenthesised list closing an `IN (` the query ends with.
fn push_list<'a, DB>(q: &mut sqlx::QueryBuilder<'a, DB>, items: impl Iterator<Item = String>)
where
    DB: sqlx::Database,
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    let mut sep = q.separated(", ");
    for item in items {
        sep.push_bind(item);
    }
    q.push(")");
}

/// Maps a pool type to its database (for the macro's row type).
pub trait PoolDb {
    /// The database.
    type Db: sqlx::Database;
}
impl PoolDb for sqlx::PgPool {
    type Db = sqlx::Postgres;
}
impl PoolDb for sqlx::SqlitePool {
    type Db = sqlx::Sqlite;
}

storage_impl!(PgStorage, sqlx::PgPool, "postgres", PgDocTx, "BEGIN");
// IMMEDIATE: take SQLite's write lock at once (waiting under busy_timeout) rather than
// upgrading a read transaction later, which SQLite refuses when another writer is active.
storage_impl!(
    SqliteStorage,
    sqlx::SqlitePool,
    "sqlite",
    SqliteDocTx,
    "BEGIN IMMEDIATE"
);

/// Connects to `url` (`postgres://…` or `sqlite:…`; a missing SQLite file is created) and
/// runs the migrations of that engine.
pub async fn connect(url: &str) -> Result<Arc<dyn Storage>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let opts = PgConnectOptions::from_str(url)?;
        // No ping before each use (a round trip per request): a connection lost with a
        // restarted database fails its request, which the devices retry.
        let pool_with = |size: u32| {
            PgPoolOptions::new()
                .max_connections(size)
                .test_before_acquire(false)
                .connect_with(opts.clone())
        };
        let pool = pool_with(pool_size()).await?;
        POSTGRES_MIGRATOR.run(&pool).await?;
        Ok(Arc::new(PgStorage {
            pool,
            writer: pool_with(1).await?,
            push_gate: Arc::default(),
            push_queue: Arc::default(),
        }))
    } else if url.starts_with("sqlite:") {
        let opts = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true)
            .busy_timeout(std::time::Duration::from_secs(10));
        let pool_with = |size: u32| {
            SqlitePoolOptions::new()
                .max_connections(size)
                .connect_with(opts.clone())
        };
        let pool = pool_with(pool_size()).await?;
        SQLITE_MIGRATOR.run(&pool).await?;
        Ok(Arc::new(SqliteStorage {
            pool,
            writer: pool_with(1).await?,
            push_gate: Arc::default(),
            push_queue: Arc::default(),
        }))
    } else {
        Err(StorageError::UnsupportedScheme)
    }
}

/// Connections for requests, per server instance: `CORRIDOR_DB_CONNECTIONS`, else twice this
/// machine's processors plus one (PostgreSQL's rule of thumb for its own processors, right
/// when both run on one machine; set it for a database of its own). More only queue work
/// inside the database, where it waits for a processor anyway and delays the push being
/// committed (BENCHMARKS.md, 500 devices).
fn pool_size() -> u32 {
    let set = std::env::var("CORRIDOR_DB_CONNECTIONS").ok();
    let parsed = set
        .as_deref()
        .and_then(|v| v.parse::<u32>().ok())
        .filter(|n| *n > 0);
    if let (Some(v), None) = (&set, parsed) {
        tracing::warn!(value = %v, "CORRIDOR_DB_CONNECTIONS ignored: not a positive number");
    }
    parsed.unwrap_or_else(|| {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        u32::try_from(cores * 2 + 1).unwrap_or(16)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use corridor_model::sync::VersionedDoc;
    use corridor_model::timeline::{CaseEvent, EventKind, Visibility};

    #[test]
    fn a_group_takes_whole_requests_up_to_its_bound_and_always_one() {
        assert_eq!(group_size(std::iter::empty()), 0);
        assert_eq!(
            group_size([500; 5].into_iter()),
            4,
            "4 × 500 = 2,000 fit, not 5"
        );
        assert_eq!(group_size([1, 2, 3].into_iter()), 3);
        assert_eq!(group_size([1_999, 1, 1].into_iter()), 2);
        // A request alone above the bound (not possible through HTTP) still goes through.
        assert_eq!(group_size([3_000, 1].into_iter()), 1);
        assert_eq!(group_size([0, 0, 2_000, 1].into_iter()), 3);
    }

    /// Pull pages pass stored documents through unparsed: what goes out must read back, on the
    /// device, as the very document that was stored.
    #[test]
    fn a_stored_document_passed_through_reads_back_as_itself() {
        let doc = Doc::Event(CaseEvent {
            id: uuid::Uuid::now_v7(),
            case_id: uuid::Uuid::now_v7(),
            at: Utc::now(),
            author: "s.alaoui".into(),
            kind: EventKind::Note {
                visibility: Visibility::Cgem,
                text: "Relance « urgente » \"citée\" — مراسلة".into(),
            },
        });
        let raw = RawChange {
            version: 42,
            kind: "event".into(),
            doc: serde_json::value::RawValue::from_string(doc_json(&doc).expect("stored form"))
                .expect("JSON"),
        };
        let wire = serde_json::to_string(&raw).expect("serialise");
        let back: VersionedDoc = serde_json::from_str(&wire).expect("a versioned document");
        assert_eq!(back.version, 42);
        assert_eq!(back.doc, doc);
    }
}
