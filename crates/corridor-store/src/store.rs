//! The store: opening the encrypted database and the enterprise and case tables.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use corridor_model::api::NewCaseForm;
use corridor_model::case::{casablanca_year, format_reference};
use corridor_model::{Case, Enterprise, NewCase, NewEnterprise, ValidationError};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow};
use sqlx::{ConnectOptions, Row, SqlitePool};
use uuid::Uuid;

use crate::keys::{self, DatabaseKey, Passphrase, Protection};
use crate::{Result, StoreError};

/// Name of the encrypted database in the data directory.
pub const DATABASE_FILE: &str = "corridor.db";

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/local");

/// An open, unlocked local store.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
    dir: PathBuf,
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::Io(std::io::Error::other(e)))?
}

impl Store {
    /// How the store in `dir` is protected, or `None` when `dir` has no store yet.
    pub fn protection(dir: &Path) -> Result<Option<Protection>> {
        keys::protection(dir)
    }

    /// Creates a new store in `dir` (made if missing), its key sealed by `passphrase` or, with
    /// `None`, held by the OS keyring. Refuses a directory that already holds a store.
    pub async fn create(dir: &Path, passphrase: Option<Passphrase>) -> Result<Store> {
        std::fs::create_dir_all(dir)?;
        let d = dir.to_owned();
        let new_key = blocking(move || keys::create(&d, passphrase.as_ref())).await?;
        let db = dir.join(DATABASE_FILE);
        let opened = async {
            let store = Self::connect(dir, &new_key.key, true).await?;
            MIGRATOR.run(&store.pool).await?;
            new_key.commit(dir)?;
            Ok::<_, StoreError>(store)
        }
        .await;
        match opened {
            Ok(store) => Ok(store),
            Err(e) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
                }
                new_key.abandon();
                Err(e)
            }
        }
    }

    /// Opens the existing store in `dir`. A wrong or missing passphrase, or a missing keyring
    /// entry, is reported before the database file is opened: nothing is modified.
    pub async fn open(dir: &Path, passphrase: Option<Passphrase>) -> Result<Store> {
        let d = dir.to_owned();
        let key = blocking(move || keys::unlock(&d, passphrase.as_ref())).await?;
        let store = Self::connect(dir, &key, false).await?;
        MIGRATOR.run(&store.pool).await?;
        Ok(store)
    }

    /// Opens the store in `dir`, creating it first when there is none.
    pub async fn open_or_create(dir: &Path, passphrase: Option<Passphrase>) -> Result<Store> {
        if Self::protection(dir)?.is_some() {
            Self::open(dir, passphrase).await
        } else {
            Self::create(dir, passphrase).await
        }
    }

    async fn connect(dir: &Path, key: &DatabaseKey, create: bool) -> Result<Store> {
        let path = dir.join(DATABASE_FILE);
        if !create && !path.exists() {
            return Err(StoreError::NotInitialized(dir.to_owned()));
        }
        let pragma = key.pragma_value();
        // `key` must be the first statement on every connection: sqlx sends it first
        // (it reserves the slot), and statement logging is off so it is never logged.
        let options = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(create)
            .pragma("key", pragma.as_str().to_owned())
            .pragma("cache_size", "-65536")
            // Rollback journal, not WAL: every commit is complete in the database file, and
            // closing a connection never rewrites it. (sqlx 0.8 may close the last pooled
            // connection after `Pool::close` returns; with WAL that late close checkpoints and
            // changes files a caller believed at rest.)
            .journal_mode(SqliteJournalMode::Delete)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .disable_statement_logging();
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|e| match e {
                sqlx::Error::Database(ref db) if db.code().as_deref() == Some("26") => {
                    StoreError::CorruptDatabase(path.clone())
                }
                other => StoreError::Database(other),
            })?;
        Ok(Store {
            pool,
            dir: dir.to_owned(),
        })
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Closes every connection (the pool's copies of the key pragma go with them).
    pub async fn close(self) {
        self.pool.close().await;
    }

    /// Records an enterprise. Refuses a second enterprise with the same ICE.
    pub async fn add_enterprise(&self, new: NewEnterprise) -> Result<Enterprise> {
        let mut tx = self.pool.begin().await?;
        let e = insert_enterprise(&mut tx, new).await?;
        tx.commit().await?;
        Ok(e)
    }

    /// Every enterprise, by name.
    pub async fn list_enterprises(&self) -> Result<Vec<Enterprise>> {
        let rows = sqlx::query(
            "SELECT id, name, ice, cnss, city, region, created_at FROM enterprise ORDER BY name",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(enterprise_from_row).collect()
    }

    /// Opens a case for an enterprise already recorded.
    pub async fn new_case(&self, new: NewCase) -> Result<Case> {
        let mut tx = self.pool.begin().await?;
        let enterprise = enterprise_by_ice(&mut tx, new.ice.as_str())
            .await?
            .ok_or_else(|| StoreError::UnknownEnterprise(new.ice.to_string()))?;
        let case = insert_case(&mut tx, &enterprise, new).await?;
        tx.commit().await?;
        Ok(case)
    }

    /// Opens a case from the interface's form: the enterprise is found by ICE or, when new,
    /// recorded from the form in the same transaction.
    pub async fn new_case_from_form(&self, form: NewCaseForm) -> Result<Case> {
        let new = NewCase::parse(&form.ice, &form.category, &form.title, &form.description)?;
        let mut tx = self.pool.begin().await?;
        let enterprise = match enterprise_by_ice(&mut tx, new.ice.as_str()).await? {
            Some(e) => e,
            None => {
                let ne = NewEnterprise::parse(
                    &form.enterprise_name,
                    &form.ice,
                    &form.region,
                    None,
                    None,
                )?;
                insert_enterprise(&mut tx, ne).await?
            }
        };
        let case = insert_case(&mut tx, &enterprise, new).await?;
        tx.commit().await?;
        Ok(case)
    }

    /// Every case, newest first.
    pub async fn list_cases(&self) -> Result<Vec<Case>> {
        let rows = sqlx::query(CASE_SELECT).fetch_all(&self.pool).await?;
        rows.iter().map(case_from_row).collect()
    }
}

type Tx<'a> = sqlx::Transaction<'a, sqlx::Sqlite>;

const CASE_SELECT: &str = "SELECT c.id, c.reference, c.enterprise_id, e.name AS enterprise_name, \
     e.ice, c.category, c.title, c.description, c.status, c.region, c.opened_at \
     FROM case_file c JOIN enterprise e ON e.id = c.enterprise_id \
     ORDER BY c.opened_at DESC, c.id DESC";

async fn insert_enterprise(tx: &mut Tx<'_>, new: NewEnterprise) -> Result<Enterprise> {
    if enterprise_by_ice(tx, new.ice.as_str()).await?.is_some() {
        return Err(StoreError::DuplicateIce(new.ice.to_string()));
    }
    let e = Enterprise {
        id: Uuid::now_v7(),
        name: new.name,
        ice: new.ice,
        cnss: new.cnss,
        city: new.city,
        region: new.region,
        created_at: Utc::now(),
    };
    sqlx::query(
        "INSERT INTO enterprise (id, name, ice, cnss, city, region, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(e.id.to_string())
    .bind(&e.name)
    .bind(e.ice.as_str())
    .bind(e.cnss.as_ref().map(|c| c.as_str().to_owned()))
    .bind(&e.city)
    .bind(e.region.code())
    .bind(e.created_at.to_rfc3339())
    .execute(&mut **tx)
    .await?;
    Ok(e)
}

async fn enterprise_by_ice(tx: &mut Tx<'_>, ice: &str) -> Result<Option<Enterprise>> {
    let row = sqlx::query(
        "SELECT id, name, ice, cnss, city, region, created_at FROM enterprise WHERE ice = ?",
    )
    .bind(ice)
    .fetch_optional(&mut **tx)
    .await?;
    row.as_ref().map(enterprise_from_row).transpose()
}

async fn insert_case(tx: &mut Tx<'_>, enterprise: &Enterprise, new: NewCase) -> Result<Case> {
    let opened_at = Utc::now();
    let year = casablanca_year(opened_at);
    let seq: i64 = sqlx::query_scalar(
        "INSERT INTO reference_counter (year, region, next) VALUES (?, ?, 2) \
         ON CONFLICT (year, region) DO UPDATE SET next = next + 1 RETURNING next - 1",
    )
    .bind(year)
    .bind(enterprise.region.code())
    .fetch_one(&mut **tx)
    .await?;
    let case = Case {
        id: Uuid::now_v7(),
        reference: format_reference(
            year,
            enterprise.region,
            u32::try_from(seq).unwrap_or(u32::MAX),
        ),
        enterprise_id: enterprise.id,
        enterprise_name: enterprise.name.clone(),
        ice: enterprise.ice.clone(),
        category: new.category,
        title: new.title,
        description: new.description,
        status: corridor_model::CaseStatus::Draft,
        region: enterprise.region,
        opened_at,
    };
    sqlx::query(
        "INSERT INTO case_file (id, reference, enterprise_id, category, title, description, \
         status, region, opened_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(case.id.to_string())
    .bind(&case.reference)
    .bind(case.enterprise_id.to_string())
    .bind(case.category.code())
    .bind(&case.title)
    .bind(&case.description)
    .bind(case.status.code())
    .bind(case.region.code())
    .bind(case.opened_at.to_rfc3339())
    .execute(&mut **tx)
    .await?;
    Ok(case)
}

/// A stored value that no longer parses means the file was altered outside Corridor.
fn bad_row(e: impl std::fmt::Display) -> StoreError {
    StoreError::Database(sqlx::Error::Decode(e.to_string().into()))
}

fn parse<T: FromStr>(row: &SqliteRow, col: &str) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    let s: String = row.try_get(col)?;
    s.parse().map_err(bad_row)
}

fn enterprise_from_row(row: &SqliteRow) -> Result<Enterprise> {
    let cnss: Option<String> = row.try_get("cnss")?;
    Ok(Enterprise {
        id: parse(row, "id")?,
        name: row.try_get("name")?,
        ice: parse(row, "ice")?,
        cnss: cnss
            .map(|c| c.parse())
            .transpose()
            .map_err(|e: ValidationError| bad_row(e))?,
        city: row.try_get("city")?,
        region: parse(row, "region")?,
        created_at: parse::<DateTime<Utc>>(row, "created_at")?,
    })
}

fn case_from_row(row: &SqliteRow) -> Result<Case> {
    Ok(Case {
        id: parse(row, "id")?,
        reference: row.try_get("reference")?,
        enterprise_id: parse(row, "enterprise_id")?,
        enterprise_name: row.try_get("enterprise_name")?,
        ice: parse(row, "ice")?,
        category: parse(row, "category")?,
        title: row.try_get("title")?,
        description: row.try_get("description")?,
        status: parse(row, "status")?,
        region: parse(row, "region")?,
        opened_at: parse::<DateTime<Utc>>(row, "opened_at")?,
    })
}
