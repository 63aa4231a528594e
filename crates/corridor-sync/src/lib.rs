//! Client of the central corridor server.
//!
//! For now it answers one question, "is the corridor server reachable?", through
//! `GET /v1/health`; login, push and pull of the sync contract (architecture.md) come next and
//! will read and write the outbox of [`corridor_store`].

use std::time::Duration;

use corridor_model::api::{ApiError, Health, LoginRequest, LoginResponse, ServerStatus};
use thiserror::Error;

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
}

/// A client of one corridor server.
#[derive(Debug, Clone)]
pub struct ServerClient {
    base: String,
    http: reqwest::Client,
}

impl ServerClient {
    /// A client for the server at `base_url` (e.g. `http://127.0.0.1:8787`).
    pub fn new(base_url: &str) -> Result<Self, SyncError> {
        let base = base_url.trim().trim_end_matches('/').to_owned();
        let loopback = ["http://127.", "http://localhost", "http://[::1]"];
        if !(base.starts_with("https://") || loopback.iter().any(|p| base.starts_with(p))) {
            return Err(SyncError::InvalidUrl(base_url.to_owned()));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(2))
            .timeout(Duration::from_secs(5))
            .user_agent(concat!("corridor/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(ServerClient { base, http })
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

    /// Decodes a success, or the server's `{code, message}` refusal.
    async fn answer<T: serde::de::DeserializeOwned>(
        resp: reqwest::Response,
    ) -> Result<T, SyncError> {
        if resp.status().is_success() {
            return Ok(resp.json().await?);
        }
        let status = resp.status();
        match resp.json::<ApiError>().await {
            Ok(e) => Err(SyncError::Refused(e)),
            Err(_) => Err(SyncError::Refused(ApiError {
                code: "http".to_owned(),
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
