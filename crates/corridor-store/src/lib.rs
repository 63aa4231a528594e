//! Corridor's encrypted local case store.
//!
//! One SQLCipher database per profile in a data directory, opened through sqlx. The database
//! key is 32 random bytes that never touch the disk in clear: either held by the OS keyring
//! (Secret Service, Keychain, Credential Manager) or wrapped (XChaCha20-Poly1305) by a key
//! derived from a passphrase with Argon2id. See [`keys`] for the key file and its guarantees.
//!
//! Guarantees:
//! - no file of the data directory holds case data in clear, nor starts with the SQLite
//!   header; the directory and every file in it are owner-only (`private`);
//! - a wrong passphrase or a missing keyring entry is reported before the database is opened,
//!   so nothing is modified;
//! - every write is one transaction; a refused input writes nothing;
//! - every change is a named mutation, appended to the outbox in the transaction that applies
//!   it locally (see [`cases`](crate::Store::outbox)).

mod attachments;
mod cases;
mod cipher;
mod deadlines;
mod desk;
mod docs;
mod enterprises;
pub mod error;
mod exchange;
pub mod fault;
mod index;
pub mod keys;
mod lists;
mod meetings;
mod private;
mod rebase;
mod rows;
mod rules;
mod search;
mod session;
mod store;
mod sync;

pub use attachments::{Attachment, DEFAULT_MAX_ATTACHMENT};
pub use cases::{CaseDetail, MAX_TEXT};
pub use error::StoreError;
pub use exchange::{
    parse_enterprise_csv, read_enterprise_csv, CsvLine, ExportFormat, ENTERPRISE_COLUMNS,
};
pub use keys::{keyring_available, Passphrase, Protection};
pub use lists::{CaseCounts, CaseFilter, CaseSort, SlaBand};
pub use meetings::MeetingSummary;
pub use search::{fts_query, SearchHit, RANKED_MATCHES};
pub use session::SyncSession;
pub use store::{Device, Store, DATABASE_FILE};
pub use sync::{PullTally, PushTally, Rejection};

/// Result type of the store.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
