//! Keying each SQLCipher connection from key material that is wiped after use.
//!
//! sqlx could send the key as the `key` pragma, but it keeps pragma values as ordinary strings
//! in its connect options (cloned into the pool for its whole life) and formats them into a new
//! statement string at every connection: copies of the key that nothing wipes. Instead, the
//! pool's connect options hold no key at all; each new connection is keyed here, through
//! SQLCipher's `sqlite3_key` on the connection's own handle, from a buffer that is zeroed when
//! the store is dropped. The pragmas that read the database file come after the key.
//!
//! This is the crate's one place with `unsafe` code: a single FFI call, argued below.
#![allow(unsafe_code)]

use std::os::raw::c_int;

use sqlx::{Executor, SqliteConnection};
use zeroize::Zeroizing;

/// Length of the raw key text `x'<64 hex digits>'`.
pub(crate) const KEY_TEXT_LEN: usize = 2 + 64 + 1;

/// The key as SQLCipher's raw-key text (`x'…'`: used as the key itself, without PBKDF2).
pub(crate) type KeyText = Zeroizing<[u8; KEY_TEXT_LEN]>;

/// Settings of every connection that read the database file, so that they must follow the key.
/// Rollback journal, not WAL: every commit is complete in the database file, and closing a
/// connection never rewrites it. (sqlx 0.8 may close the last pooled connection after
/// `Pool::close` returns; with WAL that late close checkpoints and changes files a caller
/// believed at rest.)
const FILE_PRAGMAS: &str = "PRAGMA cache_size = -65536; PRAGMA journal_mode = DELETE;";

/// Prepares a new connection: keys it (when the store is encrypted), then applies the settings
/// that read the file. A wrong key shows as SQLite's "not a database" (code 26) here.
pub(crate) async fn prepare(
    conn: &mut SqliteConnection,
    key: Option<&KeyText>,
) -> Result<(), sqlx::Error> {
    if let Some(key) = key {
        apply_key(conn, key).await?;
    }
    conn.execute(FILE_PRAGMAS).await?;
    Ok(())
}

async fn apply_key(
    conn: &mut SqliteConnection,
    key: &[u8; KEY_TEXT_LEN],
) -> Result<(), sqlx::Error> {
    let mut handle = conn.lock_handle().await?;
    let db = handle.as_raw_handle();
    let len = c_int::try_from(key.len()).expect("67 fits in a C int");
    // SAFETY: `db` is this connection's open `sqlite3` handle, opened by sqlx with
    // `SQLITE_OPEN_NOMUTEX` (any thread may call, one at a time); the lock taken above keeps
    // sqlx's worker thread off it for the duration of the call, so no other call uses it
    // concurrently. `key` points to `len` initialised bytes that outlive the call; SQLCipher
    // copies them into its own codec context (and wipes its copy once the key is derived) and
    // keeps no pointer to ours. The handle's `sqlite3` type is the one of the `libsqlite3-sys`
    // that declares `sqlite3_key` (the compiler checks it: one version in the lock file).
    // The text `x'<64 hex>'` of 67 bytes is taken as a raw key, without PBKDF2, exactly as the
    // `key` pragma passed it before (so stores made then still open).
    let rc = unsafe { libsqlite3_sys::sqlite3_key(db.as_ptr(), key.as_ptr().cast(), len) };
    if rc == libsqlite3_sys::SQLITE_OK {
        Ok(())
    } else {
        Err(sqlx::Error::Protocol(format!(
            "SQLCipher refused to key the connection (code {rc})"
        )))
    }
}
