//! The store: opening the encrypted database and the enterprise and case tables.

use std::path::{Path, PathBuf};
use std::time::Duration;

use corridor_model::timeline::Institution;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{ConnectOptions, Connection, Row, SqlitePool};
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
        crate::private::dir(dir)?;
        let d = dir.to_owned();
        let new_key = blocking(move || keys::create(&d, passphrase.as_ref())).await?;
        let db = dir.join(DATABASE_FILE);
        let opened = async {
            let store = Self::connect(dir, &new_key.key, true).await?;
            MIGRATOR.run(&store.pool).await?;
            crate::index::upgrade_index(&store.pool).await?;
            ensure_device(&store.pool).await?;
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
        crate::index::upgrade_index(&store.pool).await?;
        ensure_device(&store.pool).await?;
        store.sweep_attachment_files().await?;
        Ok(store)
    }

    /// Changes the passphrase of the store in `dir` (checked against `old` first). The data is
    /// not re-encrypted: only the sealed key is replaced, atomically.
    pub async fn change_passphrase(dir: &Path, old: Passphrase, new: Passphrase) -> Result<()> {
        let d = dir.to_owned();
        blocking(move || keys::change_passphrase(&d, &old, &new)).await
    }

    /// Locks the store: closes every connection and drops the key material they hold. Opening
    /// it again needs the passphrase (or the keyring).
    pub async fn lock(self) {
        self.close().await;
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
        Self::connect_with_key(dir, Some(key), create).await
    }

    /// Connects with `key`, or — benchmarks only — without encryption.
    async fn connect_with_key(
        dir: &Path,
        key: Option<&DatabaseKey>,
        create: bool,
    ) -> Result<Store> {
        let path = dir.join(DATABASE_FILE);
        if !create && !path.exists() {
            return Err(StoreError::NotInitialized(dir.to_owned()));
        }
        // Owner-only before SQLite opens it (its journal takes the same mode); a profile made
        // by an older version is tightened here.
        crate::private::dir(dir)?;
        crate::private::touch(&path)?;
        crate::private::tighten(&crate::keys::key_path(dir))?;
        if dir.join(crate::attachments::DIR).exists() {
            crate::private::dir(&dir.join(crate::attachments::DIR))?;
        }
        // SQLCipher encrypts with OpenSSL's libcrypto. Initialised by default, libcrypto frees its
        // state at process exit while a connection's thread may still be ending and using it (a
        // crash on exit, seen in the tests); initialised here first, without that exit handler.
        openssl_sys::init();
        // No key in the connect options (sqlx would keep and format copies of it that nothing
        // wipes): each connection is keyed by `cipher::prepare` from a buffer wiped with the
        // store, and the pragmas that read the file follow the key there. `foreign_keys` is a
        // setting of the connection alone and reads nothing, so it may come first.
        let options = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(create)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .disable_statement_logging();
        let key_text = key.map(DatabaseKey::key_text);
        let refused = |e: sqlx::Error| match e {
            sqlx::Error::Database(ref db) if db.code().as_deref() == Some("26") => {
                StoreError::CorruptDatabase(path.clone())
            }
            other => StoreError::from(other),
        };
        // One connection first, to say at once that the key does not open the file (the pool
        // retries a failing connection until its timeout and then reports only the timeout).
        let mut first = options.connect().await.map_err(refused)?;
        let prepared = crate::cipher::prepare(&mut first, key_text.as_deref()).await;
        let _ = first.close().await;
        prepared.map_err(refused)?;
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .after_connect(move |conn, _| {
                let key_text = key_text.clone();
                Box::pin(async move { crate::cipher::prepare(conn, key_text.as_deref()).await })
            })
            .connect_with(options)
            .await
            .map_err(refused)?;
        Ok(Store {
            pool,
            dir: dir.to_owned(),
        })
    }

    /// Benchmarks only: an unencrypted store with the same schema, to measure what encryption
    /// costs. Never used by the application.
    #[cfg(feature = "bench")]
    #[doc(hidden)]
    pub async fn create_unencrypted_for_bench(dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(dir)?;
        let store = Self::connect_with_key(dir, None, true).await?;
        MIGRATOR.run(&store.pool).await?;
        crate::index::upgrade_index(&store.pool).await?;
        ensure_device(&store.pool).await?;
        Ok(store)
    }

    /// Benchmarks only: reopens a store made by [`Store::create_unencrypted_for_bench`].
    #[cfg(feature = "bench")]
    #[doc(hidden)]
    pub async fn open_unencrypted_for_bench(dir: &Path) -> Result<Store> {
        let store = Self::connect_with_key(dir, None, false).await?;
        MIGRATOR.run(&store.pool).await?;
        Ok(store)
    }

    /// Benchmarks only: builds the search index of a corpus loaded in bulk, as a first pull
    /// does.
    #[cfg(feature = "bench")]
    #[doc(hidden)]
    pub async fn rebuild_search_index_for_bench(&self) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        crate::index::rebuild_search(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Benchmarks only: the pool, to load a generated corpus in bulk.
    #[cfg(feature = "bench")]
    #[doc(hidden)]
    pub fn pool_for_bench(&self) -> &SqlitePool {
        &self.pool
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Closes every connection (the pool's copies of the key pragma go with them).
    pub async fn close(self) {
        self.pool.close().await;
    }

    /// The pool (for the sibling modules).
    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// This device's identity.
    pub async fn device(&self) -> Result<Device> {
        let mut conn = self.pool.acquire().await?;
        load_device(&mut conn).await
    }

    /// Sets who uses this device (recorded as the author of their changes).
    pub async fn set_identity(&self, user: &str, institution: Institution) -> Result<Device> {
        let user = corridor_model::error::required_text(corridor_model::Field::User, user, 100)?;
        sqlx::query("UPDATE device SET user_name = ?, institution = ?")
            .bind(user)
            .bind(institution.code())
            .execute(&self.pool)
            .await?;
        self.device().await
    }
}

/// The device this store belongs to, and its user.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Device {
    /// Device id (UUIDv7).
    pub id: Uuid,
    /// User name recorded as author.
    pub user: String,
    /// The user's institution.
    pub institution: Institution,
}

/// Makes the device row on first open.
async fn ensure_device(pool: &SqlitePool) -> Result<()> {
    let user = std::env::var("USER")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "local".to_owned());
    sqlx::query(
        "INSERT INTO device (singleton, id, user_name, institution, next_seq) \
         VALUES (1, ?, ?, 'cgem', 1) ON CONFLICT (singleton) DO NOTHING",
    )
    .bind(Uuid::now_v7().to_string())
    .bind(user)
    .execute(pool)
    .await?;
    Ok(())
}

pub(crate) async fn load_device(conn: &mut sqlx::SqliteConnection) -> Result<Device> {
    let row = sqlx::query("SELECT id, user_name, institution FROM device")
        .fetch_one(&mut *conn)
        .await?;
    Ok(Device {
        id: parse(&row, "id")?,
        user: row.try_get("user_name")?,
        institution: parse(&row, "institution")?,
    })
}

pub(crate) use crate::rows::{bad_row, parse};

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::Acquire;

    fn pass() -> Passphrase {
        Passphrase::new("correct horse battery".to_owned())
    }

    #[tokio::test]
    async fn the_key_is_not_in_the_connect_options_and_every_connection_is_keyed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::create(dir.path(), Some(pass()))
            .await
            .expect("create");
        let key = keys::unlock(dir.path(), Some(&pass())).expect("unlock");
        let text = key.key_text();
        let hex = std::str::from_utf8(&text[2..text.len() - 1]).expect("hex");
        let options = format!("{:?}", store.pool.connect_options()).to_lowercase();
        assert!(!options.contains(hex), "the key is in the pool's options");

        // The pool's every connection (held all at once, so each is a connection of its own)
        // reads the encrypted file and has the settings that follow the key.
        let mut held = Vec::new();
        for _ in 0..4 {
            held.push(store.pool.acquire().await.expect("connection"));
        }
        for conn in &mut held {
            let conn = conn.acquire().await.expect("connection");
            let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
                .fetch_one(&mut *conn)
                .await
                .expect("journal mode");
            assert_eq!(mode, "delete");
            let cache: i64 = sqlx::query_scalar("PRAGMA cache_size")
                .fetch_one(&mut *conn)
                .await
                .expect("cache size");
            assert_eq!(cache, -65536);
            let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
                .fetch_one(&mut *conn)
                .await
                .expect("foreign keys");
            assert_eq!(fk, 1);
            let tables: i64 = sqlx::query_scalar("SELECT count(*) FROM sqlite_master")
                .fetch_one(&mut *conn)
                .await
                .expect("schema readable");
            assert!(tables > 0);
        }
    }
}
