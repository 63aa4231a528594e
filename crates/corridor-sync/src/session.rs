//! Signing a device in to a corridor server: the one path the CLI and the desktop share.

use corridor_model::api::{ApiError, LoginRequest};
use corridor_model::desk::SessionView;
use corridor_store::{Store, SyncSession};

use crate::{ServerClient, SyncError};

/// Longest device name sent to the server.
const MAX_DEVICE_NAME: usize = 100;

/// Signs this device in to the server at `server_url` as `username` and keeps the session in
/// the store (the token is stored encrypted; the password is never kept). The server answers
/// with the user's role and regions, which the engine uses from then on.
pub async fn sign_in(
    store: &Store,
    server_url: &str,
    username: &str,
    password: String,
    device_name: &str,
) -> Result<SessionView, SyncError> {
    let client = ServerClient::new(server_url)?;
    let device = store.device().await?;
    let req = LoginRequest {
        username: username.trim().to_owned(),
        password,
        device_id: device.id,
        device_name: device_name.trim().chars().take(MAX_DEVICE_NAME).collect(),
    };
    let resp = client.login(&req).await?;
    let token = resp.token.clone().ok_or_else(|| {
        SyncError::Refused(ApiError {
            code: "no_session_token".to_owned(),
            message: "Réponse du serveur sans jeton de session.".to_owned(),
        })
    })?;
    let session = SyncSession {
        server_url: client.base_url().to_owned(),
        username: resp.username.clone(),
        role: resp.role,
        regions: resp.regions.clone(),
        token: zeroize::Zeroizing::new(token),
    };
    store.set_session(&session).await?;
    Ok(view(&session))
}

/// This machine's name, for the device list of the server.
pub fn host_name() -> String {
    std::env::var("COMPUTERNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().chars().take(MAX_DEVICE_NAME).collect::<String>())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "poste".to_owned())
}

/// The session as the interface shows it (without its token).
pub fn view(session: &SyncSession) -> SessionView {
    SessionView {
        server_url: session.server_url.clone(),
        username: session.username.clone(),
        role: session.role,
        regions: session.regions.clone(),
    }
}

impl SyncError {
    /// The stable code of this failure.
    pub fn code(&self) -> &str {
        match self {
            SyncError::InvalidUrl(_) => "invalid_server_url",
            SyncError::Refused(refusal) => refusal.code.as_str(),
            SyncError::Unreachable(_) => "server_unreachable",
            SyncError::NotLoggedIn => "not_logged_in",
            SyncError::Revoked => "device_revoked",
            SyncError::Store(s) => s.code(),
        }
    }

    /// The failure as the interface receives it.
    pub fn to_api(&self) -> ApiError {
        ApiError {
            code: self.code().to_owned(),
            message: self.to_string(),
        }
    }
}
