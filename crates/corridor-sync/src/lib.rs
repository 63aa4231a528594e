//! Client of the central corridor server, and the sync loop of a device.
//!
//! [`ServerClient`] speaks the API (health, login, logout, push, pull, attachments), retrying
//! with backoff when the network or the server fails; [`sign_in`], [`sign_out`] and
//! [`who_am_i`] manage the device's session; [`sync`] runs one sync of a [`Store`]: push the outbox in
//! batches, then pull pages until the cursor reaches the server's head. Each step commits on
//! its own, so a sync interrupted anywhere is completed by the next one (the server answers a
//! mutation pushed twice with its first answer, and the cursor moves with the page it covers).

mod address;
mod client;
mod session;

use std::time::Duration;

use corridor_model::api::ApiError;
use corridor_model::sync::{AttachmentStatus, PullRequest, PushRequest};
use corridor_store::{Store, StoreError};
use serde::Serialize;
use thiserror::Error;

pub use client::{ServerClient, BACKOFF};
pub use session::{host_name, sign_in, sign_out, view as session_view, who_am_i, SignedOut};

/// Failures talking to the server.
#[derive(Debug, Error)]
pub enum SyncError {
    /// The URL is not an `http(s)` URL, or plain HTTP to another host than this machine.
    #[error(
        "Adresse du serveur invalide : « {0} » (https://…, ou http:// seulement vers ce poste)."
    )]
    InvalidUrl(String),
    /// The server refused the request and said why (`{code, message}`).
    #[error("{}", .0.message)]
    Refused(ApiError),
    /// `CORRIDOR_CA_FILE` names a file that holds no readable certificate.
    #[error(
        "Le fichier d'autorités de certification « {0} » (CORRIDOR_CA_FILE) est illisible ou ne \
         contient aucun certificat."
    )]
    CaFile(String),
    /// The server could not be reached or answered badly.
    #[error("Le serveur Corridor ne répond pas : {0}")]
    Unreachable(#[from] reqwest::Error),
    /// Not logged in.
    #[error("Ce poste n'est connecté à aucun serveur : lancez d'abord « corridor login ».")]
    NotLoggedIn,
    /// The device was revoked: the local store was wiped.
    #[error(
        "Ce poste a été révoqué par un administrateur : ses données locales ont été effacées."
    )]
    Revoked,
    /// The local store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SyncError {
    /// Whether trying again later may succeed (network failure, server error or overload).
    pub fn is_transient(&self) -> bool {
        match self {
            SyncError::Unreachable(_) => true,
            SyncError::Refused(e) => {
                matches!(e.code.as_str(), "http_5xx" | "internal" | "unavailable")
            }
            _ => false,
        }
    }
}

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    /// Mutations pushed and applied.
    pub pushed: usize,
    /// Documents pulled.
    pub pulled: usize,
    /// Mutations the server refused.
    pub rejected: usize,
    /// Mutations applied with field edits kept aside as conflicts.
    pub conflicts: usize,
    /// Cases removed from this device (regions the user lost).
    pub removed: usize,
    /// Conflicts waiting for a person on this device.
    pub open_conflicts: usize,
    /// Attachment contents sent to the server.
    pub uploaded: usize,
    /// Attachment contents received.
    pub downloaded: usize,
    /// Attachment contents not on the server yet (their author has not synced them), or not
    /// sent or received this time.
    pub contents_waiting: usize,
    /// The contents that failed this time, each on its own, with the reason.
    pub content_failures: Vec<ContentFailure>,
}

/// An attachment's content that could not be sent or received (the rest of the sync went on).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContentFailure {
    /// The content's SHA-256.
    pub hash: String,
    /// The failure's stable code.
    pub code: String,
    /// What happened, in French.
    pub message: String,
}

impl ContentFailure {
    fn of(hash: &str, e: &SyncError) -> Self {
        ContentFailure {
            hash: hash.to_owned(),
            code: e.code().to_owned(),
            message: e.to_string(),
        }
    }
}

/// Bytes per attachment chunk sent: small enough to go through a slow link (20 kB/s) well
/// within the server's 30 s per request.
pub const UPLOAD_CHUNK: usize = 256 * 1024;

/// How far a sync is, for progress displays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Mutations pushed so far.
    Pushed(usize),
    /// Documents pulled so far, and the cursor's distance to the head when known.
    Pulled {
        /// Documents so far.
        done: usize,
        /// Change versions still ahead of the cursor.
        behind: i64,
        /// Change versions between where this pull started and the head (at least `behind`).
        total: i64,
    },
}

impl Progress {
    /// How far the pull is, in percent (`None` while pushing, or with nothing to pull).
    pub fn percent(self) -> Option<u8> {
        match self {
            Progress::Pulled { behind, total, .. } if total > 0 => {
                let done = (total - behind.clamp(0, total)) * 100 / total;
                u8::try_from(done).ok()
            }
            _ => None,
        }
    }
}

/// How a sync runs.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Mutations per push request.
    pub push_batch: usize,
    /// Bytes of mutations per push request (well under the server's body limit; a batch the
    /// server still finds too large is halved).
    pub push_bytes: usize,
    /// Documents per pull page.
    pub pull_page: usize,
    /// Delays between retries of a failed request.
    pub backoff: Vec<Duration>,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            push_batch: 200,
            push_bytes: 1024 * 1024,
            pull_page: 2_000,
            backoff: BACKOFF.to_vec(),
        }
    }
}

/// Runs one sync of `store` with the server it is logged in to. A revoked device gets
/// [`SyncError::Revoked`] and its store is wiped (hence `store` is taken by value and
/// returned when it survives).
pub async fn sync(
    store: Store,
    progress: impl FnMut(Progress),
) -> (Option<Store>, Result<SyncReport, SyncError>) {
    sync_with(store, &SyncOptions::default(), progress).await
}

/// [`sync`] with explicit options.
pub async fn sync_with(
    store: Store,
    options: &SyncOptions,
    mut progress: impl FnMut(Progress),
) -> (Option<Store>, Result<SyncReport, SyncError>) {
    let result = run(&store, options, &mut progress).await;
    session::settle(store, result).await
}

async fn run(
    store: &Store,
    options: &SyncOptions,
    progress: &mut impl FnMut(Progress),
) -> Result<SyncReport, SyncError> {
    let session = store.session().await?.ok_or(SyncError::NotLoggedIn)?;
    let client = ServerClient::new(&session.server_url)?.with_backoff(options.backoff.clone());
    let token = session.token.as_str();
    let mut report = SyncReport::default();
    // Contents first, so that the attachments pushed next can be fetched at once by others.
    for (hash, size) in store.pending_uploads().await? {
        match upload(&client, token, store, &hash, size).await {
            Ok(()) => report.uploaded += 1,
            // One content the server refuses (damaged here, too large, over the quota, a role
            // that may not upload): recorded, and the rest of the sync goes on; the attachment
            // stays listed here and is tried again next time.
            Err(e) if concerns_one_content(&e) => {
                report.contents_waiting += 1;
                report.content_failures.push(ContentFailure::of(&hash, &e));
            }
            Err(e) => return Err(e),
        }
    }
    let mut limit = options.push_batch;
    loop {
        let batch = store.outbox_batch(limit, options.push_bytes).await?;
        if batch.is_empty() {
            break;
        }
        let sent = batch.len();
        let answer = match client.push(token, &PushRequest { mutations: batch }).await {
            // Too large for this server: the same mutations in smaller requests.
            Err(SyncError::Refused(e)) if e.code == "payload_too_large" && sent > 1 => {
                limit = sent / 2;
                continue;
            }
            other => other?,
        };
        // The server has applied the batch; its answer is not recorded here yet.
        fault_point("after_push_answer");
        let tally = store
            .record_push(&answer.results, answer.last_applied_seq)
            .await?;
        fault_point("after_push_recorded");
        report.pushed += tally.applied + tally.conflicts;
        report.rejected += tally.rejected;
        report.conflicts += tally.conflicts;
        progress(Progress::Pushed(report.pushed + report.rejected));
        if answer.results.is_empty() {
            break;
        }
    }
    // Pages are fetched one ahead: the next page travels while this one is written (each
    // page commits with its own cursor, so an interruption still resumes in order).
    let start = store.sync_cursor().await?;
    let start_version = start
        .as_deref()
        .and_then(corridor_model::sync::Cursor::decode)
        .map_or(0, |c| c.version);
    let mut page = client
        .pull(
            token,
            &PullRequest {
                cursor: start,
                limit: Some(options.pull_page),
            },
        )
        .await?;
    let mut total = 0;
    loop {
        let next = page.more.then(|| {
            let client = client.clone();
            let token = token.to_owned();
            let req = PullRequest {
                cursor: Some(page.cursor.clone()),
                limit: Some(options.pull_page),
            };
            tokio::spawn(async move { client.pull(&token, &req).await })
        });
        fault_point("before_page_applied");
        let tally = store.apply_pull(&page).await?;
        fault_point("after_page_applied");
        report.pulled += tally.pulled;
        report.removed += tally.removed_cases;
        let behind = corridor_model::sync::Cursor::decode(&page.cursor)
            .map_or(0, |c| (page.head - c.version).max(0));
        // The head moves when others write meanwhile: the total grows with it.
        total = (page.head - start_version).max(total).max(behind);
        progress(Progress::Pulled {
            done: report.pulled,
            behind,
            total,
        });
        match next {
            Some(fetch) => {
                page = fetch.await.map_err(|e| {
                    SyncError::Store(StoreError::Io(std::io::Error::other(e.to_string())))
                })??;
            }
            None => break,
        }
    }
    for (hash, size) in store.missing_contents().await? {
        match download(&client, token, store, &hash, size).await {
            Ok(true) => report.downloaded += 1,
            Ok(false) => report.contents_waiting += 1,
            Err(e) if concerns_one_content(&e) => {
                report.contents_waiting += 1;
                report.content_failures.push(ContentFailure::of(&hash, &e));
            }
            Err(e) => return Err(e),
        }
    }
    report.open_conflicts = store.conflicts(false).await?.len();
    Ok(report)
}

/// A crash point between two steps of a sync (the store's own, [`corridor_store::fault`], with
/// the same variable and feature).
fn fault_point(name: &str) {
    corridor_store::fault::point(name);
}

/// Whether a failure concerns one attachment's content alone, so that the rest of the sync
/// may go on: a refusal of that content, or this device failing to read or store it — not the
/// session (refused, revoked) nor the network or the server failing (which the rest would meet
/// too).
fn concerns_one_content(e: &SyncError) -> bool {
    match e {
        SyncError::Refused(r) => {
            !e.is_transient()
                && !matches!(
                    r.code.as_str(),
                    "device_revoked" | "unauthenticated" | "session_expired" | "account_disabled"
                )
        }
        SyncError::Store(_) => true,
        _ => false,
    }
}

/// Sends a content from where the server stands.
async fn upload(
    client: &ServerClient,
    token: &str,
    store: &Store,
    hash: &str,
    size: u64,
) -> Result<(), SyncError> {
    let mut offset = match client.attachment_status(token, hash).await? {
        Some(s) if s.complete => {
            store.mark_uploaded(hash).await?;
            return Ok(());
        }
        Some(s) => u64::try_from(s.received).unwrap_or_default(),
        None => 0,
    };
    let content = store.upload_content(hash).await?;
    while offset < size {
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(content.len());
        let end = (start + UPLOAD_CHUNK).min(content.len());
        let status = match client
            .upload_chunk(token, hash, size, offset, &content[start..end])
            .await
        {
            Ok(s) => s,
            // Someone else (or an earlier attempt) moved the upload on: resume from there.
            Err(SyncError::Refused(e)) if e.code == "wrong_offset" => client
                .attachment_status(token, hash)
                .await?
                .unwrap_or(AttachmentStatus {
                    size: 0,
                    received: 0,
                    complete: false,
                }),
            Err(e) => return Err(e),
        };
        if status.complete {
            break;
        }
        fault_point("mid_upload");
        offset = u64::try_from(status.received).unwrap_or_default();
    }
    store.mark_uploaded(hash).await?;
    Ok(())
}

/// Fetches a content from where the last attempt stopped; false when the server does not have
/// it yet.
async fn download(
    client: &ServerClient,
    token: &str,
    store: &Store,
    hash: &str,
    size: u64,
) -> Result<bool, SyncError> {
    let mut offset = store.downloaded(hash).await?;
    while offset < size {
        let Some(bytes) = client.download_chunk(token, hash, offset).await? else {
            return Ok(false);
        };
        if bytes.is_empty() {
            break;
        }
        store.save_download_chunk(hash, offset, &bytes).await?;
        fault_point("mid_download");
        offset += bytes.len() as u64;
    }
    store.finish_download(hash).await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_urls_are_accepted() {
        assert!(ServerClient::new("ftp://x").is_err());
        assert!(
            ServerClient::new("http://corridor.cgem.ma").is_err(),
            "plain HTTP only to loopback"
        );
        assert!(ServerClient::new("https://corridor.cgem.ma").is_ok());
        assert_eq!(
            ServerClient::new("http://127.0.0.1:1/")
                .expect("valid")
                .base_url(),
            "http://127.0.0.1:1"
        );
    }

    #[tokio::test]
    async fn a_closed_port_is_reported_unreachable() {
        // Bind then drop a listener to get a loopback port nobody listens on.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("port")
            .port();
        let status = ServerClient::new(&format!("http://127.0.0.1:{port}"))
            .expect("client")
            .status()
            .await;
        assert!(!status.reachable);
        assert_eq!(status.version, None);
    }

    #[test]
    fn progress_in_percent() {
        let pulled = |behind, total| Progress::Pulled {
            done: 0,
            behind,
            total,
        };
        assert_eq!(pulled(750, 1000).percent(), Some(25));
        assert_eq!(pulled(0, 1000).percent(), Some(100));
        assert_eq!(pulled(1000, 1000).percent(), Some(0));
        // Nothing to pull, or pushing: no figure to show.
        assert_eq!(pulled(0, 0).percent(), None);
        assert_eq!(Progress::Pushed(3).percent(), None);
    }
}
