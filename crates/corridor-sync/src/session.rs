//! The device's session with a corridor server — signing in, signing out, asking who it is —
//! the one path the CLI and the desktop share.
//!
//! Every call that can meet a revoked device takes the store by value, like [`crate::sync`]:
//! a `403 device_revoked` on any of them wipes the store ([`settle`]) and answers
//! [`SyncError::Revoked`]; the store comes back only when it survives.

use corridor_model::api::{ApiError, LoginRequest, LoginResponse};
use corridor_model::desk::SessionView;
use corridor_store::{Store, SyncSession};

use crate::{ServerClient, SyncError};

/// Longest device name sent to the server.
const MAX_DEVICE_NAME: usize = 100;

/// Wipes the store when `result` is the server's `device_revoked` refusal (on any call, the
/// sign-in included): the answer becomes [`SyncError::Revoked`] and no store comes back.
pub(crate) async fn settle<T>(
    store: Store,
    result: Result<T, SyncError>,
) -> (Option<Store>, Result<T, SyncError>) {
    match result {
        Err(SyncError::Refused(e)) if e.code == "device_revoked" => match store.wipe().await {
            Ok(()) => (None, Err(SyncError::Revoked)),
            Err(w) => (None, Err(SyncError::Store(w))),
        },
        other => (Some(store), other),
    }
}

/// Signs this device in to the server at `server_url` as `username` and keeps the session in
/// the store (the token is stored encrypted; the password is never kept). The server answers
/// with the user's role and regions, which the engine uses from then on. A revoked device is
/// wiped.
pub async fn sign_in(
    store: Store,
    server_url: &str,
    username: &str,
    password: String,
    device_name: &str,
) -> (Option<Store>, Result<SessionView, SyncError>) {
    let result = sign_in_kept(&store, server_url, username, password, device_name).await;
    settle(store, result).await
}

async fn sign_in_kept(
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
        SyncError::Refused(ApiError::new(
            "no_session_token",
            "Réponse du serveur sans jeton de session.",
        ))
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

/// What [`sign_out`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct SignedOut {
    /// Whether there was a session to end.
    pub was_signed_in: bool,
    /// Whether the server ended it too (false when it could not be reached: the token then
    /// lapses with the session's lifetime).
    pub server_told: bool,
}

/// Signs this device out: the server ends the session's token when it can be reached, and the
/// store forgets the session in any case. Local data and the changes waiting stay.
pub async fn sign_out(store: Store) -> (Option<Store>, Result<SignedOut, SyncError>) {
    let result = async {
        let Some(session) = store.session().await? else {
            return Ok(SignedOut {
                was_signed_in: false,
                server_told: false,
            });
        };
        let told = match ServerClient::new(&session.server_url)?
            .logout(&session.token)
            .await
        {
            Ok(()) => true,
            // Already ended there (expired, password changed): nothing more to tell it.
            Err(SyncError::Refused(e))
                if matches!(
                    e.code.as_str(),
                    "unauthenticated" | "session_expired" | "account_disabled"
                ) =>
            {
                true
            }
            Err(SyncError::Refused(e)) if e.code == "device_revoked" => {
                return Err(SyncError::Refused(e));
            }
            Err(_) => false,
        };
        store.clear_session().await?;
        Ok(SignedOut {
            was_signed_in: true,
            server_told: told,
        })
    }
    .await;
    settle(store, result).await
}

/// Who the server says this device's session belongs to (`GET /v1/me`). A revoked device is
/// wiped.
pub async fn who_am_i(store: Store) -> (Option<Store>, Result<LoginResponse, SyncError>) {
    let result = async {
        let session = store.session().await?.ok_or(SyncError::NotLoggedIn)?;
        ServerClient::new(&session.server_url)?
            .me(&session.token)
            .await
    }
    .await;
    settle(store, result).await
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
            SyncError::CaFile(_) => "invalid_ca_file",
            SyncError::Refused(refusal) => refusal.code.as_str(),
            SyncError::Unreachable(_) => "server_unreachable",
            SyncError::NotLoggedIn => "not_logged_in",
            SyncError::Revoked => "device_revoked",
            SyncError::Store(s) => s.code(),
        }
    }

    /// The failure as the interface receives it.
    pub fn to_api(&self) -> ApiError {
        let args = match self {
            SyncError::Refused(e) => return e.clone(),
            SyncError::Store(s) => s.args(),
            SyncError::InvalidUrl(_)
            | SyncError::CaFile(_)
            | SyncError::Unreachable(_)
            | SyncError::NotLoggedIn
            | SyncError::Revoked => Vec::new(),
        };
        ApiError::new(self.code(), self.to_string()).with_args(args)
    }
}
