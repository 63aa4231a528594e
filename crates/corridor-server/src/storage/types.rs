//! The storage's vocabulary: its error, the records it returns (users, devices, sessions, chunk
//! writes, pull pages) and how long a session lives.
//!
//! This module does no I/O and uses nothing of the rest of the storage, of the sync glue or of
//! the HTTP layer (of this crate, only [`Role`]), so that all of them — [`crate::sync`],
//! [`crate::audit`], the handlers and the engine modules of the storage — can name these types
//! without a dependency cycle.

use std::fmt;

use chrono::{DateTime, Utc};
use corridor_model::sync::AttachmentStatus;
use corridor_model::Region;
use serde::Serialize;

use crate::auth::Role;

/// Storage failures.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The URL is neither `postgres://` nor `sqlite:`.
    #[error("unsupported database URL scheme (expected postgres:// or sqlite:)")]
    UnsupportedScheme,
    /// A username already taken.
    #[error("the username {0:?} is already taken")]
    DuplicateUser(String),
    /// The device was revoked: it cannot log in again.
    #[error("this device was revoked")]
    DeviceRevoked,
    /// The device belongs to another user.
    #[error("this device is registered to another user")]
    DeviceOfAnotherUser,
    /// A push skipped sequence numbers of the device.
    #[error("sequence gap: expected device_seq {expected}, got {got}")]
    SequenceGap {
        /// The next sequence number the server expects.
        expected: i64,
        /// The one it got.
        got: i64,
    },
    /// A grouped push failed as a whole (nothing of it was written).
    #[error("push not written: {0}")]
    Batch(String),
    /// The audit key named by the environment cannot be used.
    #[error("{0}")]
    AuditKey(String),
    /// No such user.
    #[error("unknown user {0:?}")]
    UnknownUser(String),
    /// A stored value that does not parse.
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// Database failure.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Migration failure.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// The result of a storage operation.
pub(super) type Result<T, E = StorageError> = std::result::Result<T, E>;

/// A stored value that does not parse.
pub(super) fn corrupt(e: impl fmt::Display) -> StorageError {
    StorageError::Corrupt(e.to_string())
}

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    /// Id.
    pub id: String,
    /// Login name.
    pub username: String,
    /// Role.
    pub role: Role,
    /// Regions (empty for the committee and admins, who see every region).
    pub regions: Vec<Region>,
    /// Created at.
    pub created_at: DateTime<Utc>,
    /// Disabled accounts cannot log in, and their sessions are refused.
    pub disabled: bool,
    /// Set when one of the user's devices was revoked: no new login before an administrator
    /// sets a new password (`corridor-server user password`).
    pub password_reset_required: bool,
}

/// A user and their password hash.
#[derive(Clone)]
pub struct Credentials {
    /// The user.
    pub user: User,
    /// Argon2id PHC string.
    pub password_hash: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// A registered device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceRecord {
    /// Device id (made by the device).
    pub id: String,
    /// Its user.
    pub username: String,
    /// Name given at login.
    pub name: String,
    /// Registered at.
    pub created_at: DateTime<Utc>,
    /// Last authenticated request.
    pub last_seen_at: DateTime<Utc>,
    /// Revoked at.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Who makes an account change: the audit entry written in the change's own transaction names
/// them, so that no change is ever kept without its entry (nor an entry without its change).
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    /// The user signed in, or `console:<system user>` for an administration command.
    pub username: &'a str,
    /// Their device; empty for the console.
    pub device_id: &'a str,
    /// The client address of an HTTP request, kept in the entry's details.
    pub address: Option<&'a str>,
}

impl<'a> Actor<'a> {
    /// An administration command run on the server's host by `name`.
    pub fn console(name: &'a str) -> Self {
        Self {
            username: name,
            device_id: "",
            address: None,
        }
    }

    /// A signed-in user's device, calling from `address`.
    pub fn device(username: &'a str, device_id: &'a str, address: &'a str) -> Self {
        Self {
            username,
            device_id,
            address: Some(address),
        }
    }
}

/// Who is calling, from a bearer token.
#[derive(Debug, Clone)]
pub struct Session {
    /// The user.
    pub user: User,
    /// The device.
    pub device_id: String,
    /// Whether the device was revoked.
    pub revoked: bool,
    /// When the device last authenticated before this request.
    pub last_seen_at: DateTime<Utc>,
    /// When the session's token was issued (its login).
    pub issued_at: DateTime<Utc>,
}

impl Session {
    /// The regions the session's user reads (`None`: every region, for the committee and
    /// administrators).
    pub fn scope(&self) -> Option<Vec<Region>> {
        match self.user.role {
            Role::Committee | Role::Admin => None,
            Role::CgemOfficer | Role::CnssRep => Some(self.user.regions.clone()),
        }
    }
}

/// A session unused for this long has expired: the device must log in again.
pub const SESSION_IDLE: chrono::Duration = chrono::Duration::days(14);

/// The absolute lifetime of a session, however much it is used (OWASP ASVS 3.3.2): the user
/// types their password again at least this often. Work waiting on the device stays.
pub const SESSION_MAX: chrono::Duration = chrono::Duration::days(30);

/// The login attempts that count against the throttling budgets, each including the attempt
/// being made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LoginCounts {
    /// Failed or pending attempts of the username in the window.
    pub user: i64,
    /// Failed or pending attempts from the client address in the window.
    pub address: i64,
    /// Failed or pending attempts of everyone in the last minute.
    pub global: i64,
}

/// A chunk of an upload: where it goes and its bytes.
#[derive(Debug, Clone, Copy)]
pub struct Chunk<'a> {
    /// SHA-256 of the whole content, hex.
    pub hash: &'a str,
    /// The whole content's size, as announced.
    pub size: i64,
    /// Where these bytes start.
    pub offset: i64,
    /// The bytes.
    pub data: &'a [u8],
}

/// What [`Attachments::attachment_put_chunk`](super::Attachments::attachment_put_chunk) did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChunkWrite {
    /// Stored; where the upload stands.
    Stored(AttachmentStatus),
    /// The chunk does not start where the server stands.
    WrongOffset {
        /// Bytes the server has.
        expected: i64,
    },
    /// The hash was announced with another size.
    SizeMismatch {
        /// The size announced first.
        size: i64,
    },
    /// The complete content does not hash to its name: thrown away.
    HashMismatch,
    /// The upload would pass one of the user's quotas: nothing stored.
    QuotaExceeded(Quota),
}

/// The quotas of [`UploadLimits`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quota {
    /// Bytes of uploads in progress.
    Pending(i64),
    /// Bytes sent in the last 24 hours.
    Daily(i64),
}

/// Bounds on what one user may upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadLimits {
    /// Bytes of a user's uploads in progress, all contents together.
    pub pending_bytes: i64,
    /// Bytes of contents a user completed in the last 24 hours.
    pub daily_bytes: i64,
    /// An upload not completed within this time is dropped.
    pub expiry: chrono::Duration,
    /// A content no case refers to, sent whole by its last holder longer ago than this, is
    /// dropped (its uploader pushed no attachment naming it, or the case went).
    pub orphan_after: chrono::Duration,
}

impl Default for UploadLimits {
    fn default() -> Self {
        UploadLimits {
            pending_bytes: 100 * 1024 * 1024,
            daily_bytes: 2 * 1024 * 1024 * 1024,
            expiry: chrono::Duration::hours(24),
            orphan_after: chrono::Duration::days(7),
        }
    }
}

impl UploadLimits {
    /// The defaults, overridable by `CORRIDOR_UPLOAD_PENDING_BYTES`,
    /// `CORRIDOR_UPLOAD_DAILY_BYTES` and `CORRIDOR_UPLOAD_ORPHAN_SECS` (positive integers).
    pub fn from_env() -> Self {
        let var = |name: &str| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.trim().parse::<i64>().ok())
                .filter(|v| *v > 0)
        };
        let d = UploadLimits::default();
        UploadLimits {
            pending_bytes: var("CORRIDOR_UPLOAD_PENDING_BYTES").unwrap_or(d.pending_bytes),
            daily_bytes: var("CORRIDOR_UPLOAD_DAILY_BYTES").unwrap_or(d.daily_bytes),
            expiry: d.expiry,
            orphan_after: var("CORRIDOR_UPLOAD_ORPHAN_SECS")
                .map_or(d.orphan_after, chrono::Duration::seconds),
        }
    }
}

/// A document as stored, sent on as it is: the wire form of a
/// [`VersionedDoc`](corridor_model::sync::VersionedDoc) (`{"version", "kind", "doc"}`) without
/// parsing and rebuilding every document of every page. Stored documents are therefore sent in
/// the shape they were written in: a change to [`Doc`](corridor_model::sync::Doc) that old
/// documents do not read as needs a migration of `sync_doc`, not only new code.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RawChange {
    /// Change version.
    pub version: i64,
    /// Document kind (the tag of [`Doc`](corridor_model::sync::Doc)).
    #[schema(pattern = "^(enterprise|case|event|conflict|meeting|roadmap)$")]
    pub kind: String,
    /// The document's JSON, as written by the server: an enterprise, a case, a timeline event,
    /// a conflict, a meeting or a roadmap item.
    #[schema(value_type = Object)]
    pub doc: Box<serde_json::value::RawValue>,
}

/// A page of [`Pull::pull`](super::Pull::pull).
#[derive(Debug, Clone)]
pub struct PullPage {
    /// The documents, in version order.
    pub docs: Vec<RawChange>,
    /// Whether more documents follow.
    pub more: bool,
    /// The device's last applied sequence number.
    pub last_applied_seq: i64,
    /// The latest change version, read in the same snapshot as the page.
    pub head: i64,
}
