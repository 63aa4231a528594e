//! The server's storage: one [`Storage`] trait, implemented for PostgreSQL ([`PgStorage`]) and
//! SQLite ([`SqliteStorage`]).
//!
//! Both implementations run the same SQL text (placeholders `$1…`, `ON CONFLICT`, `RETURNING`
//! work on both engines), generated from the same macros so that they cannot drift; the engines
//! differ only in their schema files (`migrations/server/{postgres,sqlite}`) and column types,
//! which sqlx maps to the same Rust types. The same test scenarios run against both.
//!
//! [`Storage`] is the sum of one trait per responsibility, each implemented for both engines by
//! a macro in its own module; callers hold an `Arc<dyn Storage>` and call every method on it.
//!
//! | module        | what                                                        |
//! |---------------|-------------------------------------------------------------|
//! | `types`       | the error, the records, the session policy                  |
//! | `sql`         | SQL text shared by the engines: filters, bound lists        |
//! | `engine`      | the storage struct of each engine, `for_each_engine!`       |
//! | `doc_tx`      | the document transaction of a push ([`crate::sync::DocTx`]) |
//! | `push`        | [`Push`]: group commit of pushes                            |
//! | `pull`        | [`Pull`]: pull pages, statistics reads                      |
//! | `accounts`    | [`Accounts`]: users, devices, sessions, login throttling    |
//! | `attachments` | [`Attachments`]: attachment contents in chunks              |
//! | `audit`       | [`Audit`]: reading the audit chain back                     |
//! | this one      | the traits, the rest of [`Storage`], [`connect`]            |
//!
//! Dependencies go one way: `types` and `sql` use no other module of the storage; `engine` uses
//! `types`; `doc_tx` uses those three and [`crate::sync`]; the responsibility modules use those,
//! and this one for their trait; this one uses only `types` and `engine`. [`crate::sync`] and
//! [`crate::audit`] use only `types` of the storage.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use corridor_model::mutation::Mutation;
use corridor_model::sync::{AttachmentStatus, PushResponse};
use corridor_model::Region;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};

use crate::audit::AuditReport;
use crate::auth::Role;

mod accounts;
mod attachments;
mod audit;
mod doc_tx;
mod engine;
mod pull;
mod push;
mod sql;
pub(crate) mod types;

pub use engine::{PgStorage, PoolDb, SqliteStorage};
pub use types::{
    Actor, Chunk, ChunkWrite, Credentials, DeviceRecord, LoginCounts, PullPage, Quota, RawChange,
    Session, StorageError, UploadLimits, User, SESSION_IDLE, SESSION_MAX,
};

use engine::for_each_engine;
use types::Result;

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/server/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator =
    sqlx::migrate!("../../migrations/server/postgres");

/// Everything the server keeps.
#[async_trait]
pub trait Storage: Accounts + Push + Pull + Attachments + Audit + Send + Sync + fmt::Debug {
    /// `postgres` or `sqlite`.
    fn kind(&self) -> &'static str;
    /// Number of regions of the reference table (12 when migrated and reachable).
    async fn region_count(&self) -> Result<i64>;
    /// Closes the pool.
    async fn close(&self);
}

/// Users, their devices and sessions, and the failed logins that throttle sign-in. Every change
/// to an account is written with its audit entry, by `by`, in one transaction.
#[async_trait]
pub trait Accounts: Send + Sync {
    /// Creates a user (audited as `add_user`).
    async fn add_user(
        &self,
        username: &str,
        role: Role,
        regions: &[Region],
        password_hash: &str,
        by: &Actor<'_>,
    ) -> Result<User>;
    /// Every user, by name.
    async fn users(&self) -> Result<Vec<User>>;
    /// A user with their password hash.
    async fn credentials(&self, username: &str) -> Result<Option<Credentials>>;
    /// Registers a device for a user with a new token hash (re-login replaces the token).
    /// Refuses a revoked device, and a device of another user. Audited as `login`.
    async fn register_device(
        &self,
        user_id: &str,
        device_id: &str,
        name: &str,
        token_hash: &str,
        now: DateTime<Utc>,
        by: &Actor<'_>,
    ) -> Result<()>;
    /// The session of a token hash, touching `last_seen_at`.
    async fn session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<Session>>;
    /// Whether the device is registered and revoked.
    async fn is_device_revoked(&self, device_id: &str) -> Result<bool>;
    /// Every device, newest first.
    async fn devices(&self) -> Result<Vec<DeviceRecord>>;
    /// Revokes a device (and requires a new password of its user before any new login); false
    /// when there is no such device (and nothing is written). Audited as `revoke_device`.
    async fn revoke_device(
        &self,
        device_id: &str,
        now: DateTime<Utc>,
        by: &Actor<'_>,
    ) -> Result<bool>;
    /// Records a login attempt before its password is checked, so that parallel guesses count.
    async fn record_login_attempt(
        &self,
        id: &str,
        username: &str,
        address: &str,
        now: DateTime<Utc>,
    ) -> Result<()>;
    /// The attempts recorded of `username` and from `address` since `since`, and of everyone
    /// since `global_since`.
    async fn login_counts(
        &self,
        username: &str,
        address: &str,
        since: DateTime<Utc>,
        global_since: DateTime<Utc>,
    ) -> Result<LoginCounts>;
    /// Removes one attempt (it succeeded, or it was refused before its check).
    async fn forget_login_attempt(&self, id: &str) -> Result<()>;
    /// Forgets the failed attempts of a username (after a successful login).
    async fn clear_login_failures(&self, username: &str) -> Result<()>;
    /// Removes the attempts older than `before`; how many.
    async fn prune_login_attempts(&self, before: DateTime<Utc>) -> Result<u64>;
    /// Disables or enables an account. A disabled account cannot log in and its sessions are
    /// refused; its devices keep their data. Audited as `disable_user` or `enable_user`.
    async fn set_user_disabled(
        &self,
        username: &str,
        disabled: bool,
        by: &Actor<'_>,
    ) -> Result<User>;
    /// Sets a user's password (an Argon2id hash): the reset requirement is lifted and every
    /// session of the user ends (each device signs in again with the new password). Audited as
    /// `set_password`.
    async fn set_password(
        &self,
        username: &str,
        password_hash: &str,
        by: &Actor<'_>,
    ) -> Result<User>;
    /// Ends the session of a device (logout): its token is refused from now on. Audited as
    /// `logout`.
    async fn end_session(&self, device_id: &str, by: &Actor<'_>) -> Result<()>;
    /// Changes a user's regions (audited as `set_regions`).
    async fn set_user_regions(
        &self,
        username: &str,
        regions: &[Region],
        by: &Actor<'_>,
    ) -> Result<User>;
}

/// Writing what devices push.
#[async_trait]
pub trait Push: Send + Sync {
    /// Applies the mutations of the session's device, in order, in one transaction: those
    /// already applied get their first answer again; the others are applied or refused.
    async fn push(
        &self,
        session: &Session,
        mutations: &[Mutation],
        now: DateTime<Utc>,
    ) -> Result<PushResponse>;
}

/// Reading documents back: for the devices, and for the committee's statistics.
#[async_trait]
pub trait Pull: Send + Sync {
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
}

/// Attachment contents, by hash, uploaded and downloaded in chunks.
#[async_trait]
pub trait Attachments: Send + Sync {
    /// What `username` may know of a content: complete when they hold it (sent it whole) or
    /// may see a case it is attached to (`regions`, `None` for all); the progress of their own
    /// upload otherwise; `None` — as for an unknown content — in every other case.
    async fn attachment_status(
        &self,
        hash: &str,
        username: &str,
        regions: Option<&[Region]>,
    ) -> Result<Option<AttachmentStatus>>;
    /// Stores a chunk of `username`'s upload of a content at its offset (which must be what they
    /// sent so far), within their quotas; the last chunk completes it once the bytes match
    /// `hash`, and makes them a holder of the content. Uploads older than `limits.expiry` are
    /// dropped first.
    async fn attachment_put_chunk(
        &self,
        chunk: Chunk<'_>,
        username: &str,
        limits: &UploadLimits,
        now: DateTime<Utc>,
    ) -> Result<ChunkWrite>;
    /// Whether a case of `regions` (`None`: any) has this content attached.
    async fn attachment_visible(&self, hash: &str, regions: Option<&[Region]>) -> Result<bool>;
    /// The total size and the bytes of a complete attachment from `offset` (to the end of the
    /// stored chunk holding it); `None` when not (yet) complete.
    async fn attachment_chunk(&self, hash: &str, offset: i64) -> Result<Option<(i64, Vec<u8>)>>;
}

/// The audit log, as stored.
#[async_trait]
pub trait Audit: Send + Sync {
    /// Checks the audit log's hash chain, and its seals when the server has the audit key.
    async fn audit_verify(&self) -> Result<AuditReport>;
    /// Appends an account event that changes nothing else (a failed login; see
    /// [`AuditEntry::event`](crate::audit::AuditEntry::event)) to the chain, in the order of
    /// every other entry. An account change writes its own entry, in its transaction.
    async fn audit_event(
        &self,
        username: &str,
        device_id: &str,
        name: &str,
        details: &serde_json::Value,
    ) -> Result<()>;
}

/// The rest of [`Storage`] on an engine: its name, the health check and closing.
macro_rules! storage_impl {
    ($name:ident, $pool:ty, $kind:literal, $txname:ident, $begin:literal) => {
        #[async_trait]
        impl Storage for $name {
            fn kind(&self) -> &'static str {
                $kind
            }

            async fn region_count(&self) -> Result<i64> {
                Ok(sqlx::query_scalar("SELECT COUNT(*) FROM region")
                    .fetch_one(&self.pool)
                    .await?)
            }

            async fn close(&self) {
                self.pool.close().await;
                self.writer.close().await;
            }
        }
    };
}

for_each_engine!(storage_impl);

/// Connects to `url` (`postgres://…` or `sqlite:…`; a missing SQLite file is created) and
/// runs the migrations of that engine. The audit key comes from `CORRIDOR_AUDIT_KEY_FILE`
/// when set (an unreadable or malformed key is an error, never ignored).
pub async fn connect(url: &str) -> Result<Arc<dyn Storage>> {
    let audit_key = crate::audit::AuditKey::from_env()
        .map_err(StorageError::AuditKey)?
        .map(Arc::new);
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
            audit_key: audit_key.clone(),
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
            audit_key: audit_key.clone(),
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
