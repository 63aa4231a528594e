//! Client of the central corridor server, and the sync loop of a device.
//!
//! [`ServerClient`] speaks the API (health, login, push, pull), retrying with backoff when the
//! network or the server fails; [`sync`] runs one sync of a [`Store`]: push the outbox in
//! batches, then pull pages until the cursor reaches the server's head. Each step commits on
//! its own, so a sync interrupted anywhere is completed by the next one (the server answers a
//! mutation pushed twice with its first answer, and the cursor moves with the page it covers).

mod address;
mod session;

use std::time::Duration;

use corridor_model::api::{ApiError, Health, LoginRequest, LoginResponse, ServerStatus};
use corridor_model::sync::{
    AttachmentStatus, PullRequest, PullResponse, PushRequest, PushResponse,
};
use corridor_store::{Store, StoreError};
use serde::Serialize;
use thiserror::Error;

pub use session::{host_name, sign_in, view as session_view};

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

/// Delays between attempts of a request that failed transiently.
pub const BACKOFF: [Duration; 4] = [
    Duration::from_millis(200),
    Duration::from_millis(800),
    Duration::from_secs(2),
    Duration::from_secs(5),
];

/// A client of one corridor server.
#[derive(Debug, Clone)]
pub struct ServerClient {
    base: String,
    http: reqwest::Client,
    backoff: Vec<Duration>,
}

impl ServerClient {
    /// A client for the server at `base_url` (e.g. `http://127.0.0.1:8787`).
    pub fn new(base_url: &str) -> Result<Self, SyncError> {
        let base = address::parse_server_url(base_url)?;
        // Never follow a redirect: it would send the password or the token elsewhere.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(2))
            .timeout(Duration::from_secs(60))
            .user_agent(concat!("corridor/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(ServerClient {
            base,
            http,
            backoff: BACKOFF.to_vec(),
        })
    }

    /// The same client with other delays between retries (none: fail at once).
    pub fn with_backoff(mut self, backoff: Vec<Duration>) -> Self {
        self.backoff = backoff;
        self
    }

    /// The server's base URL.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// `GET /v1/health`.
    pub async fn health(&self) -> Result<Health, SyncError> {
        let url = format!("{}/v1/health", self.base);
        Ok(self
            .http
            .get(url)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?)
    }

    /// `POST /v1/login`: registers this device and returns the session's token.
    pub async fn login(&self, req: &LoginRequest) -> Result<LoginResponse, SyncError> {
        let resp = self
            .http
            .post(format!("{}/v1/login", self.base))
            .json(req)
            .send()
            .await?;
        Self::answer(resp).await
    }

    /// `GET /v1/me` with a token: whether the session is still valid.
    pub async fn me(&self, token: &str) -> Result<LoginResponse, SyncError> {
        let resp = self
            .http
            .get(format!("{}/v1/me", self.base))
            .bearer_auth(token)
            .send()
            .await?;
        Self::answer(resp).await
    }

    /// `POST /v1/sync/push` (retried on transient failures: the server applies a mutation once
    /// however many times it is pushed).
    pub async fn push(&self, token: &str, req: &PushRequest) -> Result<PushResponse, SyncError> {
        self.post_json(token, "/v1/sync/push", req).await
    }

    /// `POST /v1/sync/pull` (retried on transient failures).
    pub async fn pull(&self, token: &str, req: &PullRequest) -> Result<PullResponse, SyncError> {
        self.post_json(token, "/v1/sync/pull", req).await
    }

    /// An authenticated JSON `POST`, retried on transient failures.
    async fn post_json<B: Serialize, T: serde::de::DeserializeOwned>(
        &self,
        token: &str,
        path: &str,
        body: &B,
    ) -> Result<T, SyncError> {
        self.retrying(|| async {
            let resp = self
                .http
                .post(format!("{}{path}", self.base))
                .bearer_auth(token)
                .json(body)
                .send()
                .await?;
            Self::answer(resp).await
        })
        .await
    }

    /// `GET /v1/attachments/{hash}/status`; `None` when the server has none of it.
    pub async fn attachment_status(
        &self,
        token: &str,
        hash: &str,
    ) -> Result<Option<AttachmentStatus>, SyncError> {
        let r = self
            .retrying(|| async {
                let resp = self
                    .http
                    .get(format!("{}/v1/attachments/{hash}/status", self.base))
                    .bearer_auth(token)
                    .send()
                    .await?;
                Self::answer::<AttachmentStatus>(resp).await
            })
            .await;
        match r {
            Err(SyncError::Refused(e)) if e.code == "unknown_attachment" => Ok(None),
            other => other.map(Some),
        }
    }

    /// `PUT /v1/attachments/{hash}?size=&offset=`: one chunk of an upload.
    pub async fn upload_chunk(
        &self,
        token: &str,
        hash: &str,
        size: u64,
        offset: u64,
        bytes: &[u8],
    ) -> Result<AttachmentStatus, SyncError> {
        self.retrying(|| async {
            let resp = self
                .http
                .put(format!(
                    "{}/v1/attachments/{hash}?size={size}&offset={offset}",
                    self.base
                ))
                .bearer_auth(token)
                .body(bytes.to_vec())
                .send()
                .await?;
            Self::answer(resp).await
        })
        .await
    }

    /// `GET /v1/attachments/{hash}?offset=`: bytes from `offset`; `None` while the content has
    /// not reached the server.
    pub async fn download_chunk(
        &self,
        token: &str,
        hash: &str,
        offset: u64,
    ) -> Result<Option<Vec<u8>>, SyncError> {
        self.retrying(|| async {
            let resp = self
                .http
                .get(format!(
                    "{}/v1/attachments/{hash}?offset={offset}",
                    self.base
                ))
                .bearer_auth(token)
                .send()
                .await?;
            if resp.status().is_success() {
                return Ok(Some(resp.bytes().await?.to_vec()));
            }
            match Self::answer::<()>(resp).await {
                Err(SyncError::Refused(e)) if e.code == "attachment_not_uploaded" => Ok(None),
                Err(e) => Err(e),
                Ok(()) => Ok(None),
            }
        })
        .await
    }

    async fn retrying<T, F, Fut>(&self, mut f: F) -> Result<T, SyncError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, SyncError>>,
    {
        let mut attempt = 0;
        loop {
            match f().await {
                Err(e) if e.is_transient() && attempt < self.backoff.len() => {
                    tokio::time::sleep(self.backoff[attempt]).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// Decodes a success, or the server's `{code, message}` refusal.
    async fn answer<T: serde::de::DeserializeOwned>(
        resp: reqwest::Response,
    ) -> Result<T, SyncError> {
        if resp.status().is_success() {
            return Ok(resp.json().await?);
        }
        let status = resp.status();
        if status.is_redirection() {
            let to = resp
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .unwrap_or("?")
                .to_owned();
            return Err(SyncError::Refused(ApiError {
                code: "redirect".to_owned(),
                message: format!(
                    "Le serveur a demandé une redirection vers « {to} », refusée : vérifiez \
                     l'adresse du serveur (elle doit être la sienne, en https://)."
                ),
            }));
        }
        match resp.json::<ApiError>().await {
            Ok(e) => Err(SyncError::Refused(e)),
            // The body limit answers before any handler, without a body.
            Err(_) if status == reqwest::StatusCode::PAYLOAD_TOO_LARGE => {
                Err(SyncError::Refused(ApiError {
                    code: "payload_too_large".to_owned(),
                    message: "Envoi trop volumineux pour le serveur.".to_owned(),
                }))
            }
            Err(_) => Err(SyncError::Refused(ApiError {
                code: if status.is_server_error() {
                    "http_5xx"
                } else {
                    "http"
                }
                .to_owned(),
                message: format!("Le serveur a répondu {status}."),
            })),
        }
    }

    /// Reachability of the server, never an error: an unreachable server is a status.
    pub async fn status(&self) -> ServerStatus {
        let health = self.health().await.ok().filter(|h| h.status == "ok");
        ServerStatus {
            url: self.base.clone(),
            reachable: health.is_some(),
            version: health.map(|h| h.version),
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
    /// Attachment contents not on the server yet (their author has not synced them).
    pub contents_waiting: usize,
}

/// Bytes per attachment chunk sent.
pub const UPLOAD_CHUNK: usize = 1024 * 1024;

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
    },
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
    match run(&store, options, &mut progress).await {
        Err(SyncError::Refused(e)) if e.code == "device_revoked" => match store.wipe().await {
            Ok(()) => (None, Err(SyncError::Revoked)),
            Err(w) => (None, Err(SyncError::Store(w))),
        },
        other => (Some(store), other),
    }
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
            // A content the server refuses for good (damaged here, too large): the rest of the
            // sync goes on; the attachment stays listed here.
            Err(SyncError::Refused(e))
                if matches!(
                    e.code.as_str(),
                    "hash_mismatch" | "attachment_too_large" | "size_mismatch"
                ) =>
            {
                report.contents_waiting += 1;
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
        let tally = store
            .record_push(&answer.results, answer.last_applied_seq)
            .await?;
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
    let mut page = client
        .pull(
            token,
            &PullRequest {
                cursor: store.sync_cursor().await?,
                limit: Some(options.pull_page),
            },
        )
        .await?;
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
        let tally = store.apply_pull(&page).await?;
        report.pulled += tally.pulled;
        report.removed += tally.removed_cases;
        let behind = corridor_model::sync::Cursor::decode(&page.cursor)
            .map_or(0, |c| (page.head - c.version).max(0));
        progress(Progress::Pulled {
            done: report.pulled,
            behind,
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
        if download(&client, token, store, &hash, size).await? {
            report.downloaded += 1;
        } else {
            report.contents_waiting += 1;
        }
    }
    report.open_conflicts = store.conflicts(false).await?.len();
    Ok(report)
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
}
