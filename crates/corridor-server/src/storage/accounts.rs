//! Accounts: users, their devices and the sessions of their tokens, and the failed logins that
//! throttle sign-in.
//!
//! A device is registered to one user for good: a revoked device, or one of another user, is
//! refused. Only token hashes are stored. A session's `last_seen_at` is touched at most once a
//! minute, and never for a revoked or expired ([`SESSION_IDLE`]) session.
//!
//! Every account change (a user added, disabled or enabled, a password, regions, a device
//! registered at login, revoked or signed out) is one transaction with its audit entry
//! (`audit.rs`): the server never keeps a change the log does not show. The throttling's
//! attempts are bookkeeping, not account changes: one statement each.

use std::str::FromStr;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use corridor_model::Region;
use sqlx::Row;

use crate::auth::Role;

// The engine types that `for_each_engine!` names when it instantiates the macro below.
use super::engine::{for_each_engine, PgStorage, PoolDb, SqliteStorage};
use super::types::{
    Actor, Credentials, DeviceRecord, LoginCounts, Result, Session, StorageError, User,
    SESSION_IDLE,
};
use super::Accounts;

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

const USER_COLUMNS: &str =
    "id, username, role, regions, created_at, disabled, password_reset_required";

/// The token hash of a device whose session ended: unique (the column is), and never the
/// SHA-256 hex of any token (it starts with a dash).
const ENDED_TOKEN: &str = "'-ended-' || id";

/// The accounts of an engine: its [`Accounts`].
macro_rules! accounts_impl {
    ($name:ident, $pool:ty, $kind:literal, $txname:ident, $begin:literal) => {
        impl $name {
            fn user_from_row(r: &<<$pool as PoolDb>::Db as sqlx::Database>::Row) -> Result<User> {
                Ok(User {
                    id: r.try_get("id")?,
                    username: r.try_get("username")?,
                    role: parse_role(&r.try_get::<String, _>("role")?)?,
                    regions: parse_regions(&r.try_get::<String, _>("regions")?)?,
                    created_at: r.try_get("created_at")?,
                    disabled: r.try_get("disabled")?,
                    password_reset_required: r.try_get("password_reset_required")?,
                })
            }
        }

        #[async_trait]
        impl Accounts for $name {
            async fn add_user(&self, username: &str, role: Role, regions: &[Region], password_hash: &str, by: &Actor<'_>) -> Result<User> {
                let id = uuid::Uuid::now_v7().to_string();
                let mut tx = self.begin_audited().await?;
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
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| {
                    if is_unique_violation(&e) {
                        StorageError::DuplicateUser(username.to_owned())
                    } else {
                        e.into()
                    }
                })?;
                let user = Self::user_from_row(&row)?;
                let details = serde_json::json!({
                    "user": user.username, "role": user.role.code(), "regions": regions_text(&user.regions),
                });
                self.append_event(&mut tx, by, "add_user", details).await?;
                tx.commit().await?;
                Ok(user)
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

            async fn register_device(&self, user_id: &str, device_id: &str, name: &str, token_hash: &str, now: DateTime<Utc>, by: &Actor<'_>) -> Result<()> {
                let mut tx = self.begin_audited().await?;
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
                    sqlx::query("UPDATE device SET token_hash = $1, name = $2, last_seen_at = $3, token_issued_at = $3 WHERE id = $4")
                        .bind(token_hash)
                        .bind(name)
                        .bind(now)
                        .bind(device_id)
                        .execute(&mut *tx)
                        .await?;
                } else {
                    sqlx::query(
                        "INSERT INTO device (id, user_id, name, token_hash, created_at, last_seen_at, token_issued_at) \
                         VALUES ($1, $2, $3, $4, $5, $5, $5)",
                    )
                    .bind(device_id)
                    .bind(user_id)
                    .bind(name)
                    .bind(token_hash)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                self.append_event(&mut tx, by, "login", serde_json::json!({ "device_name": name })).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<Session>> {
                let row = sqlx::query(
                    "SELECT u.id, u.username, u.role, u.regions, u.created_at, u.disabled, u.password_reset_required, \
                     d.id AS device_id, d.revoked_at, d.last_seen_at, d.created_at AS device_created_at, d.token_issued_at \
                     FROM device d JOIN app_user u ON u.id = d.user_id \
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
                    issued_at: match r.try_get::<Option<DateTime<Utc>>, _>("token_issued_at")? {
                        Some(at) => at,
                        None => r.try_get("device_created_at")?,
                    },
                };
                // Touched at most once a minute: not a write for every request of a sync.
                if !session.revoked
                    && now - session.last_seen_at <= SESSION_IDLE
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

            async fn is_device_revoked(&self, device_id: &str) -> Result<bool> {
                Ok(sqlx::query("SELECT 1 FROM device WHERE id = $1 AND revoked_at IS NOT NULL")
                    .bind(device_id)
                    .fetch_optional(&self.pool)
                    .await?
                    .is_some())
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

            async fn revoke_device(&self, device_id: &str, now: DateTime<Utc>, by: &Actor<'_>) -> Result<bool> {
                let mut tx = self.begin_audited().await?;
                let done = sqlx::query("UPDATE device SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2")
                    .bind(now)
                    .bind(device_id)
                    .execute(&mut *tx)
                    .await?;
                // Whoever holds the revoked device may know the password: a new one first.
                sqlx::query(
                    "UPDATE app_user SET password_reset_required = TRUE \
                     WHERE id = (SELECT user_id FROM device WHERE id = $1)",
                )
                .bind(device_id)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                self.append_event(&mut tx, by, "revoke_device", serde_json::json!({ "device": device_id })).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn record_login_attempt(&self, id: &str, username: &str, address: &str, now: DateTime<Utc>) -> Result<()> {
                sqlx::query("INSERT INTO login_attempt (id, username, address, at) VALUES ($1, $2, $3, $4)")
                    .bind(id)
                    .bind(username)
                    .bind(address)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn login_counts(
                &self,
                username: &str,
                address: &str,
                since: DateTime<Utc>,
                global_since: DateTime<Utc>,
            ) -> Result<LoginCounts> {
                let r = sqlx::query(
                    "SELECT \
                     (SELECT COUNT(*) FROM login_attempt WHERE username = $1 AND at > $3) AS by_user, \
                     (SELECT COUNT(*) FROM login_attempt WHERE address = $2 AND at > $3) AS by_address, \
                     (SELECT COUNT(*) FROM login_attempt WHERE at > $4) AS global",
                )
                .bind(username)
                .bind(address)
                .bind(since)
                .bind(global_since)
                .fetch_one(&self.pool)
                .await?;
                Ok(LoginCounts {
                    user: r.try_get("by_user")?,
                    address: r.try_get("by_address")?,
                    global: r.try_get("global")?,
                })
            }

            async fn forget_login_attempt(&self, id: &str) -> Result<()> {
                sqlx::query("DELETE FROM login_attempt WHERE id = $1")
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn clear_login_failures(&self, username: &str) -> Result<()> {
                sqlx::query("DELETE FROM login_attempt WHERE username = $1")
                    .bind(username)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn prune_login_attempts(&self, before: DateTime<Utc>) -> Result<u64> {
                Ok(sqlx::query("DELETE FROM login_attempt WHERE at < $1")
                    .bind(before)
                    .execute(&self.pool)
                    .await?
                    .rows_affected())
            }

            async fn set_user_disabled(&self, username: &str, disabled: bool, by: &Actor<'_>) -> Result<User> {
                let mut tx = self.begin_audited().await?;
                let row = sqlx::query(&format!(
                    "UPDATE app_user SET disabled = $1 WHERE username = $2 RETURNING {USER_COLUMNS}"
                ))
                .bind(disabled)
                .bind(username)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| StorageError::UnknownUser(username.to_owned()))?;
                let user = Self::user_from_row(&row)?;
                let name = if disabled { "disable_user" } else { "enable_user" };
                self.append_event(&mut tx, by, name, serde_json::json!({ "user": user.username })).await?;
                tx.commit().await?;
                Ok(user)
            }

            async fn set_password(&self, username: &str, password_hash: &str, by: &Actor<'_>) -> Result<User> {
                let mut tx = self.begin_audited().await?;
                let row = sqlx::query(&format!(
                    "UPDATE app_user SET password_hash = $1, password_reset_required = FALSE \
                     WHERE username = $2 RETURNING {USER_COLUMNS}"
                ))
                .bind(password_hash)
                .bind(username)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| StorageError::UnknownUser(username.to_owned()))?;
                let user = Self::user_from_row(&row)?;
                // Every token of the user stops working; the devices keep their data.
                sqlx::query(&format!("UPDATE device SET token_hash = {ENDED_TOKEN} WHERE user_id = $1"))
                    .bind(&user.id)
                    .execute(&mut *tx)
                    .await?;
                self.append_event(&mut tx, by, "set_password", serde_json::json!({ "user": user.username })).await?;
                tx.commit().await?;
                Ok(user)
            }

            async fn end_session(&self, device_id: &str, by: &Actor<'_>) -> Result<()> {
                let mut tx = self.begin_audited().await?;
                sqlx::query(&format!("UPDATE device SET token_hash = {ENDED_TOKEN} WHERE id = $1"))
                    .bind(device_id)
                    .execute(&mut *tx)
                    .await?;
                self.append_event(&mut tx, by, "logout", serde_json::json!({ "device": device_id })).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn set_user_regions(&self, username: &str, regions: &[Region], by: &Actor<'_>) -> Result<User> {
                let mut tx = self.begin_audited().await?;
                let row = sqlx::query(&format!(
                    "UPDATE app_user SET regions = $1 WHERE username = $2 RETURNING {USER_COLUMNS}"
                ))
                .bind(regions_text(regions))
                .bind(username)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| StorageError::UnknownUser(username.to_owned()))?;
                let user = Self::user_from_row(&row)?;
                let details = serde_json::json!({ "user": user.username, "regions": regions_text(&user.regions) });
                self.append_event(&mut tx, by, "set_regions", details).await?;
                tx.commit().await?;
                Ok(user)
            }
        }
    };
}

for_each_engine!(accounts_impl);
