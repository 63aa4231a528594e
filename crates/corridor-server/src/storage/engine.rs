//! The two engines: the storage struct of each ([`PgStorage`], [`SqliteStorage`]), the state it
//! holds, and `for_each_engine!`, the one place that names each engine and its parameters.
//!
//! Every responsibility of the storage (the document transaction, push, pull, accounts,
//! attachments, audit) is a macro in its own module, which that module instantiates for both
//! engines with `for_each_engine!`: both engines therefore run the same code and the same SQL
//! text, and an engine added or changed here is added or changed everywhere at once.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use corridor_model::mutation::Mutation;
use corridor_model::sync::PushResponse;

use super::types::{Result, Session};

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

/// Invokes the macro `$m` once per engine, with its parameters: the storage struct, the pool
/// type, the name [`Storage::kind`](super::Storage::kind) gives, the document transaction type
/// (`doc_tx.rs`) and the statement that begins a write transaction. Every engine macro takes
/// these five, in this order, and uses those it needs.
macro_rules! for_each_engine {
    ($m:ident) => {
        $m!(PgStorage, sqlx::PgPool, "postgres", PgDocTx, "BEGIN");
        // IMMEDIATE: take SQLite's write lock at once (waiting under busy_timeout) rather than
        // upgrading a read transaction later, which SQLite refuses when another writer is active.
        $m!(
            SqliteStorage,
            sqlx::SqlitePool,
            "sqlite",
            SqliteDocTx,
            "BEGIN IMMEDIATE"
        );
    };
}
pub(super) use for_each_engine;

/// A push waiting for the gate, and where its answer goes.
#[derive(Debug)]
pub(super) struct PushJob {
    pub(super) session: Session,
    pub(super) mutations: Vec<Mutation>,
    /// When the request arrived (the group may be written a little later).
    pub(super) now: DateTime<Utc>,
    pub(super) reply: tokio::sync::oneshot::Sender<Result<PushResponse>>,
}

/// The storage struct of an engine: its pools and its push queue.
macro_rules! storage_struct {
    ($name:ident, $pool:ty, $kind:literal, $txname:ident, $begin:literal) => {
        /// Storage on this engine.
        #[derive(Debug, Clone)]
        pub struct $name {
            pub(super) pool: $pool,
            /// The push groups' own connection: a push never waits behind reads for one.
            pub(super) writer: $pool,
            /// Pushes of this instance are written one group at a time, by the task holding
            /// this gate, on the `writer` connection: only one waits on the database's clock
            /// row, and the request pool serves pulls.
            pub(super) push_gate: Arc<tokio::sync::Mutex<()>>,
            /// Pushes waiting for the gate.
            pub(super) push_queue: Arc<std::sync::Mutex<Vec<PushJob>>>,
            /// The key sealing the audit log's entries, when the server has one.
            pub(super) audit_key: Option<Arc<crate::audit::AuditKey>>,
        }
    };
}

for_each_engine!(storage_struct);
