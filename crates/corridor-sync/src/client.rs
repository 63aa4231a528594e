//! [`ServerClient`]: the corridor server's API (health, login, logout, push, pull,
//! attachments), retrying with backoff when the network or the server fails, never following a
//! redirect, and turning every refusal into the server's `{code, message}`.

use std::time::Duration;

use corridor_model::api::{ApiError, Health, LoginRequest, LoginResponse, ServerStatus};
use corridor_model::sync::{
    AttachmentStatus, PullRequest, PullResponse, PushRequest, PushResponse,
};
use serde::Serialize;

use crate::{address, SyncError};

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

/// The certificate authorities of `CORRIDOR_CA_FILE` (PEM, one or more), trusted besides the
/// public ones: for a corridor server whose certificate comes from the organisation's own
/// authority. A file that cannot be read or holds no certificate is an error, never ignored.
fn extra_roots() -> Result<Vec<reqwest::Certificate>, SyncError> {
    let Some(path) = std::env::var_os("CORRIDOR_CA_FILE").filter(|p| !p.is_empty()) else {
        return Ok(Vec::new());
    };
    let shown = std::path::Path::new(&path).display().to_string();
    let pem = std::fs::read(&path).map_err(|_| SyncError::CaFile(shown.clone()))?;
    match reqwest::Certificate::from_pem_bundle(&pem) {
        Ok(roots) if !roots.is_empty() => Ok(roots),
        _ => Err(SyncError::CaFile(shown)),
    }
}

impl ServerClient {
    /// A client for the server at `base_url` (e.g. `http://127.0.0.1:8787`).
    pub fn new(base_url: &str) -> Result<Self, SyncError> {
        let base = address::parse_server_url(base_url)?;
        // Never follow a redirect: it would send the password or the token elsewhere.
        let mut http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(2))
            // On idle time, not total time: a large page or chunk on a slow link keeps going
            // as long as bytes keep coming.
            .read_timeout(Duration::from_secs(30))
            .user_agent(concat!("corridor/", env!("CARGO_PKG_VERSION")));
        for root in extra_roots()? {
            http = http.add_root_certificate(root);
        }
        let http = http.build()?;
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

    /// `POST /v1/logout`: ends the session of `token` on the server.
    pub async fn logout(&self, token: &str) -> Result<(), SyncError> {
        let resp = self
            .http
            .post(format!("{}/v1/logout", self.base))
            .bearer_auth(token)
            .send()
            .await?;
        if resp.status().is_success() {
            return Ok(());
        }
        Self::answer::<()>(resp).await
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
            return Err(SyncError::Refused(
                ApiError::new(
                    "redirect",
                    format!(
                        "Le serveur a demandé une redirection vers « {to} », refusée : vérifiez \
                     l'adresse du serveur (elle doit être la sienne, en https://)."
                    ),
                )
                .with_args([("location", to)]),
            ));
        }
        match resp.json::<ApiError>().await {
            Ok(e) => Err(SyncError::Refused(e)),
            // The body limit answers before any handler, without a body.
            Err(_) if status == reqwest::StatusCode::PAYLOAD_TOO_LARGE => {
                Err(SyncError::Refused(ApiError::new(
                    "payload_too_large",
                    "Envoi trop volumineux pour le serveur.",
                )))
            }
            Err(_) => Err(SyncError::Refused(
                ApiError::new(
                    if status.is_server_error() {
                        "http_5xx"
                    } else {
                        "http"
                    },
                    format!("Le serveur a répondu {status}."),
                )
                .with_args([("status", status.as_u16().to_string())]),
            )),
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
