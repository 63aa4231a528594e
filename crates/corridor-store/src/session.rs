//! The session with the corridor server: URL, user and bearer token, kept in the encrypted
//! database. Logging in also makes the server's user the author of this device's changes.

use chrono::Utc;
use corridor_model::api::Role;
use corridor_model::Region;
use serde::Serialize;
use sqlx::Row;
use zeroize::Zeroizing;

use crate::store::{bad_row, parse};
use crate::{Result, Store};

/// A session with the corridor server.
#[derive(Clone, Serialize)]
pub struct SyncSession {
    /// Server base URL.
    pub server_url: String,
    /// Login name.
    pub username: String,
    /// Role.
    pub role: Role,
    /// Regions.
    pub regions: Vec<Region>,
    /// Bearer token (never printed: skipped by `Debug` and serialisation).
    #[serde(skip)]
    pub token: Zeroizing<String>,
}

impl std::fmt::Debug for SyncSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncSession")
            .field("server_url", &self.server_url)
            .field("username", &self.username)
            .field("role", &self.role)
            .field("regions", &self.regions)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Records a session after a successful login, and makes its user the author of this
    /// device's changes.
    pub async fn set_session(&self, session: &SyncSession) -> Result<()> {
        let regions: Vec<String> = session.regions.iter().map(|r| r.code()).collect();
        // IMMEDIATE: take the write lock now (waiting for it under busy_timeout) rather than
        // upgrading a read transaction later, which SQLite refuses at once when another
        // connection is still finishing (e.g. rolling back a refused change).
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query(
            "INSERT INTO sync_session (singleton, server_url, username, role, regions, token, logged_in_at) \
             VALUES (1, ?, ?, ?, ?, ?, ?) ON CONFLICT (singleton) DO UPDATE SET server_url = excluded.server_url, \
             username = excluded.username, role = excluded.role, regions = excluded.regions, \
             token = excluded.token, logged_in_at = excluded.logged_in_at",
        )
        .bind(&session.server_url)
        .bind(&session.username)
        .bind(session.role.code())
        .bind(regions.join(","))
        .bind(session.token.as_str())
        .bind(Utc::now().to_rfc3339())
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE device SET user_name = ?, institution = ?")
            .bind(&session.username)
            .bind(session.role.institution().code())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The current session, if logged in.
    pub async fn session(&self) -> Result<Option<SyncSession>> {
        let row =
            sqlx::query("SELECT server_url, username, role, regions, token FROM sync_session")
                .fetch_optional(self.pool())
                .await?;
        row.map(|r| {
            let regions: String = r.try_get("regions")?;
            Ok(SyncSession {
                server_url: r.try_get("server_url")?,
                username: r.try_get("username")?,
                role: parse(&r, "role")?,
                regions: regions
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(|s| s.parse().map_err(bad_row))
                    .collect::<Result<_>>()?,
                token: Zeroizing::new(r.try_get("token")?),
            })
        })
        .transpose()
    }

    /// Forgets the session (logout). Local data stays.
    pub async fn clear_session(&self) -> Result<bool> {
        let done = sqlx::query("DELETE FROM sync_session")
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() > 0)
    }
}
