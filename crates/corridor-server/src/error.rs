//! The API's error: an HTTP status, a stable code and a French message, as JSON
//! `{"code": …, "message": …}`. Database and internal errors are logged, never shown.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use corridor_model::api::ApiError;

use crate::storage::StorageError;

/// An error answered to a client.
#[derive(Debug)]
pub struct AppError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable code.
    pub code: &'static str,
    /// Message for the user, in French.
    pub message: String,
    /// The values the message carries, for the device's translation of `code`.
    pub args: Vec<(&'static str, String)>,
}

impl AppError {
    /// An error with this status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        AppError {
            status,
            code,
            message: message.into(),
            args: Vec::new(),
        }
    }

    /// The same error carrying one more value of its message.
    #[must_use]
    pub fn arg(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.args.push((name, value.into()));
        self
    }

    /// 400: a malformed or invalid request.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// 401: no valid token.
    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Session absente ou expirée : reconnectez-vous.",
        )
    }

    /// 403: the device was revoked.
    pub fn revoked() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "device_revoked",
            "Ce poste a été révoqué par un administrateur : ses données locales doivent être effacées.",
        )
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let body = ApiError::new(self.code, self.message).with_args(self.args);
        (self.status, Json(body)).into_response()
    }
}

impl From<StorageError> for AppError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::DeviceRevoked => Self::revoked(),
            StorageError::DeviceOfAnotherUser => Self::new(
                StatusCode::CONFLICT,
                "device_of_another_user",
                "Ce poste est enregistré au nom d'un autre utilisateur.",
            ),
            StorageError::DuplicateUser(u) => Self::new(
                StatusCode::CONFLICT,
                "duplicate_user",
                format!("L'identifiant « {u} » est déjà pris."),
            ),
            other => {
                tracing::error!(error = %other, "storage failure");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Erreur interne du serveur : réessayez plus tard.",
                )
            }
        }
    }
}
