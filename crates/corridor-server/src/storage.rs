//! The server's storage: one [`Storage`] trait, implemented for PostgreSQL ([`PgStorage`]) and
//! SQLite ([`SqliteStorage`]).
//!
//! Both implementations run the same SQL text (placeholders `$1…`, `ON CONFLICT`, `RETURNING`
//! work on both engines), generated from one macro so that they cannot drift; the engines differ
//! only in their schema files (`migrations/server/{postgres,sqlite}`) and column types, which
//! sqlx maps to the same Rust types. The same test scenarios run against both.

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

use crate::auth::Role;

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
    /// Closes the pool.
    async fn close(&self);
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
    ($name:ident, $pool:ty, $kind:literal) => {
        /// Storage on this engine.
        #[derive(Debug, Clone)]
        pub struct $name {
            pool: $pool,
        }

        impl $name {
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
                     d.id AS device_id, d.revoked_at FROM device d JOIN app_user u ON u.id = d.user_id \
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
                };
                if !session.revoked {
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

            async fn close(&self) {
                self.pool.close().await;
            }
        }
    };
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

storage_impl!(PgStorage, sqlx::PgPool, "postgres");
storage_impl!(SqliteStorage, sqlx::SqlitePool, "sqlite");

/// Connects to `url` (`postgres://…` or `sqlite:…`; a missing SQLite file is created) and
/// runs the migrations of that engine.
pub async fn connect(url: &str) -> Result<Arc<dyn Storage>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let opts = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .connect_with(opts)
            .await?;
        POSTGRES_MIGRATOR.run(&pool).await?;
        Ok(Arc::new(PgStorage { pool }))
    } else if url.starts_with("sqlite:") {
        let opts = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true)
            .busy_timeout(std::time::Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(opts)
            .await?;
        SQLITE_MIGRATOR.run(&pool).await?;
        Ok(Arc::new(SqliteStorage { pool }))
    } else {
        Err(StorageError::UnsupportedScheme)
    }
}
