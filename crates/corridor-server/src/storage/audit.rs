//! The audit log as stored: reading it back to check its chain and seals
//! ([`crate::audit::verify`]), and appending account events.
//!
//! Mutations' entries are written by the push group, in its transaction (`push.rs`); account
//! events are appended here, in the transaction of the account change they record
//! (`accounts.rs` calls `append_event`), or alone for an event that changes nothing (a failed
//! login). Both take the clock row first, so entries are numbered and
//! chained in one order whoever writes them. Nothing here changes an entry.

use async_trait::async_trait;
use chrono::Utc;
use sqlx::Row;

use crate::audit::{self, AuditEntry, AuditReport};

// The engine types that `for_each_engine!` names when it instantiates the macro below.
use super::engine::{for_each_engine, PgStorage, PoolDb, SqliteStorage};
use super::types::{Actor, Result};
use super::Audit;

/// The audit log of an engine: its [`Audit`].
macro_rules! audit_impl {
    ($name:ident, $pool:ty, $kind:literal, $txname:ident, $begin:literal) => {
        impl $name {
            /// Begins a write transaction that will append an account event: the clock row is
            /// taken first, as a push group takes it, so that entries are numbered and chained
            /// in one order whoever writes them and no two writers take locks in opposite orders.
            pub(super) async fn begin_audited(&self) -> Result<sqlx::Transaction<'static, <$pool as PoolDb>::Db>> {
                let mut tx = self.pool.begin_with($begin).await?;
                sqlx::query("UPDATE sync_clock SET version = version WHERE singleton = 1")
                    .execute(&mut *tx)
                    .await?;
                Ok(tx)
            }

            /// Appends the account event `name` by `by` in the caller's transaction (the
            /// caller's change and its entry commit together, or neither does), begun by
            /// `begin_audited`. The client address, when there is one, joins the details.
            pub(super) async fn append_event(
                &self,
                conn: &mut <<$pool as PoolDb>::Db as sqlx::Database>::Connection,
                by: &Actor<'_>,
                name: &str,
                mut details: serde_json::Value,
            ) -> Result<()> {
                if let (Some(address), Some(map)) = (by.address, details.as_object_mut()) {
                    map.insert("address".to_owned(), address.into());
                }
                let tail = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                    .fetch_optional(&mut *conn)
                    .await?;
                let (seq, prev) = match tail {
                    Some(r) => (r.try_get::<i64, _>("seq")?, r.try_get::<String, _>("hash")?),
                    None => (0, audit::GENESIS.to_owned()),
                };
                let e = AuditEntry::event(seq + 1, Utc::now(), by.username, by.device_id, name, &details, &prev)
                    .sealed(self.audit_key.as_deref());
                crate::fault::point("account_before_audit");
                sqlx::query(
                    "INSERT INTO audit_log (seq, at, username, device_id, mutation_id, name, outcome, body, prev_hash, hash, mac) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(e.seq)
                .bind(e.at)
                .bind(&e.username)
                .bind(&e.device_id)
                .bind(&e.mutation_id)
                .bind(&e.name)
                .bind(&e.outcome)
                .bind(&e.body)
                .bind(&e.prev_hash)
                .bind(&e.hash)
                .bind(&e.mac)
                .execute(&mut *conn)
                .await?;
                Ok(())
            }
        }

        #[async_trait]
        impl Audit for $name {
            async fn audit_verify(&self) -> Result<AuditReport> {
                let rows = sqlx::query(
                    "SELECT seq, at, username, device_id, mutation_id, name, outcome, body, prev_hash, hash, mac \
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
                            mac: r.try_get("mac")?,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                Ok(audit::verify(&entries, self.audit_key.as_deref()))
            }

            async fn audit_event(
                &self,
                username: &str,
                device_id: &str,
                name: &str,
                details: &serde_json::Value,
            ) -> Result<()> {
                let mut tx = self.begin_audited().await?;
                let by = Actor { username, device_id, address: None };
                self.append_event(&mut tx, &by, name, details.clone()).await?;
                tx.commit().await?;
                Ok(())
            }
        }
    };
}

for_each_engine!(audit_impl);
