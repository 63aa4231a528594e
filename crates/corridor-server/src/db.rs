//! Database connection and migrations, for PostgreSQL and SQLite.

use std::fmt;
use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{PgPool, SqlitePool};

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/server/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator =
    sqlx::migrate!("../../migrations/server/postgres");

/// Errors opening the server database.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The URL is neither `postgres://` nor `sqlite:`.
    #[error("unsupported database URL scheme (expected postgres:// or sqlite:)")]
    UnsupportedScheme,
    /// Connection failure.
    #[error("database connection failed: {0}")]
    Connect(#[from] sqlx::Error),
    /// Migration failure.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// The server's database: one of the two supported engines.
#[derive(Clone)]
pub enum Db {
    /// PostgreSQL (production).
    Postgres(PgPool),
    /// SQLite (embedded default).
    Sqlite(SqlitePool),
}

impl fmt::Debug for Db {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print connection options: they may carry a password.
        write!(f, "Db({})", self.kind())
    }
}

impl Db {
    /// Connects to `url` (`postgres://…` or `sqlite:…`; a missing SQLite file is created) and
    /// runs the migrations of that engine.
    pub async fn connect(url: &str) -> Result<Db, DbError> {
        let db = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url)?;
            Db::Postgres(
                PgPoolOptions::new()
                    .max_connections(16)
                    .connect_with(opts)
                    .await?,
            )
        } else if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .foreign_keys(true)
                .busy_timeout(std::time::Duration::from_secs(10));
            Db::Sqlite(
                SqlitePoolOptions::new()
                    .max_connections(8)
                    .connect_with(opts)
                    .await?,
            )
        } else {
            return Err(DbError::UnsupportedScheme);
        };
        db.migrate().await?;
        Ok(db)
    }

    async fn migrate(&self) -> Result<(), DbError> {
        match self {
            Db::Postgres(p) => POSTGRES_MIGRATOR.run(p).await?,
            Db::Sqlite(p) => SQLITE_MIGRATOR.run(p).await?,
        }
        Ok(())
    }

    /// `postgres` or `sqlite`.
    pub fn kind(&self) -> &'static str {
        match self {
            Db::Postgres(_) => "postgres",
            Db::Sqlite(_) => "sqlite",
        }
    }

    /// Number of regions of the reference table: answers only when the database is reachable
    /// and migrated.
    pub async fn region_count(&self) -> Result<i64, sqlx::Error> {
        const Q: &str = "SELECT COUNT(*) FROM region";
        match self {
            Db::Postgres(p) => sqlx::query_scalar(Q).fetch_one(p).await,
            Db::Sqlite(p) => sqlx::query_scalar(Q).fetch_one(p).await,
        }
    }

    /// Closes the pool.
    pub async fn close(&self) {
        match self {
            Db::Postgres(p) => p.close().await,
            Db::Sqlite(p) => p.close().await,
        }
    }
}
