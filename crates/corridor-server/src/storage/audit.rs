//! Reading the audit log back, to check its hash chain ([`crate::audit::verify`]).
//!
//! The entries are written by the push group, in its transaction (`push.rs`); this module only
//! reads them, in `seq` order, and never changes them.

use async_trait::async_trait;
use sqlx::Row;

use crate::audit::{self, AuditEntry, AuditReport};

// The engine types that `for_each_engine!` names when it instantiates the macro below.
use super::engine::{for_each_engine, PgStorage, SqliteStorage};
use super::types::Result;
use super::Audit;

/// The audit log of an engine: its [`Audit`].
macro_rules! audit_impl {
    ($name:ident, $pool:ty, $kind:literal, $txname:ident, $begin:literal) => {
        #[async_trait]
        impl Audit for $name {
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
        }
    };
}

for_each_engine!(audit_impl);
