//! Attachment contents, by SHA-256: uploaded in chunks that resume where they stopped, checked
//! against their hash when complete, downloaded in chunks from any offset.
//!
//! - `GET /v1/attachments/{hash}/status`: `{size, received, complete}` — complete when the
//!   caller sent it whole or may see a case it is attached to, the progress of the caller's own
//!   upload otherwise; 404 in every other case, as for an unknown content.
//! - `PUT /v1/attachments/{hash}?size=N&offset=M`: the bytes from `offset` of the caller's own
//!   upload (each user sends their own copy: a hash alone proves nothing); the last chunk
//!   completes it, and a content that does not hash to `hash` is thrown away (422). Uploads
//!   expire after a day; each user has quotas (413 `quota_exceeded`); a content no case refers
//!   to, which nobody sent in the last week, is dropped (its uploader never pushed the
//!   attachment, or its case went).
//! - `GET /v1/attachments/{hash}?offset=M`: bytes from `offset` (one stored chunk at most), the
//!   total size in `x-corridor-size`. Only for users who may see a case the file is attached
//!   to.
//!
//! The timeline event of an attachment (mutation `attach_file`) travels with the sync and does
//! not wait for the content: a device uploads its files before it pushes, and fetches the files
//! of the attachments it receives after it pulls.

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use corridor_model::api::{ApiError, Role};
use corridor_model::sync::AttachmentStatus;
use serde::Deserialize;

use crate::error::AppError;
use crate::http::{query_params, AppState, Caller};
use crate::storage::{Chunk, ChunkWrite, Quota, StorageError, UploadLimits};

/// Largest attachment accepted.
pub const MAX_ATTACHMENT: i64 = corridor_model::engine::MAX_ATTACHMENT as i64;
/// Largest chunk accepted in one request (and served in one answer).
pub const MAX_CHUNK: usize = 4 * 1024 * 1024;

fn valid_hash(hash: &str) -> Result<String, AppError> {
    let h = hash.to_ascii_lowercase();
    if h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(h)
    } else {
        Err(AppError::bad_request(
            "Empreinte de fichier invalide : 64 caractères hexadécimaux (SHA-256).",
        ))
    }
}

fn unknown() -> AppError {
    AppError::new(
        StatusCode::NOT_FOUND,
        "unknown_attachment",
        "Pièce jointe inconnue du serveur, ou d'un dossier qui n'est pas de votre ressort.",
    )
}

/// `GET /v1/attachments/{hash}/status`.
#[utoipa::path(get, path = "/v1/attachments/{hash}/status", security(("bearer" = [])),
    params(("hash" = String, Path, description = "SHA-256 of the content, hex", pattern = "^[0-9a-fA-F]{64}$")),
    responses(
        (status = 200, description = "Size announced, bytes received, complete", body = AttachmentStatus),
        (status = 400, description = "Not a SHA-256"),
        (status = 401, description = "No valid session", body = ApiError),
        (status = 403, description = "This device was revoked", body = ApiError),
        (status = 404, description = "Unknown content"),
))]
pub(crate) async fn status(
    State(s): State<AppState>,
    Caller(session): Caller,
    Path(hash): Path<String>,
) -> Result<Json<AttachmentStatus>, AppError> {
    let hash = valid_hash(&hash)?;
    s.storage
        .attachment_status(&hash, &session.user.username, session.scope().as_deref())
        .await?
        .map(Json)
        .ok_or_else(unknown)
}

/// Query of [`upload`].
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UploadQuery {
    size: i64,
    offset: i64,
}

/// `PUT /v1/attachments/{hash}?size=N&offset=M`.
#[utoipa::path(put, path = "/v1/attachments/{hash}", security(("bearer" = [])),
    params(
        ("hash" = String, Path, description = "SHA-256 of the content, hex", pattern = "^[0-9a-fA-F]{64}$"),
        ("size" = i64, Query, description = "Total size in bytes (25 MB at most)", minimum = 1, maximum = 26214400),
        ("offset" = i64, Query, description = "Where this chunk starts: the bytes received so far", minimum = 0, maximum = 26214399),
    ),
    responses(
        (status = 200, description = "Stored; where the upload stands", body = AttachmentStatus),
        (status = 401, description = "No valid session", body = ApiError),
        (status = 400, description = "Empty, oversized (4 MB) or out-of-bounds chunk, or a size announced over 25 MB"),
        (status = 403, description = "Read-only role"),
        (status = 409, description = "Wrong offset, or another size announced first"),
        (status = 413, description = "Over the user's upload quota"),
        (status = 422, description = "The complete content does not match its hash (thrown away)"),
))]
pub(crate) async fn upload(
    State(s): State<AppState>,
    Caller(session): Caller,
    Path(hash): Path<String>,
    query: Result<Query<UploadQuery>, QueryRejection>,
    body: Bytes,
) -> Result<Json<AttachmentStatus>, AppError> {
    let hash = valid_hash(&hash)?;
    let q = query_params(query)?;
    if matches!(session.user.role, Role::Committee | Role::Admin) {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            "read_only",
            "Votre rôle permet de consulter les dossiers, pas de les modifier.",
        ));
    }
    if q.size <= 0 {
        return Err(AppError::bad_request(format!(
            "Taille de pièce jointe invalide ({}) : un nombre d'octets positif.",
            q.size
        )));
    }
    if q.size > MAX_ATTACHMENT {
        // The announced size is a parameter out of bounds (the body is a chunk): 400.
        return Err(AppError::new(
            StatusCode::BAD_REQUEST,
            "attachment_too_large",
            format!(
                "Pièce jointe refusée : {} octets, la limite est de {} Mo.",
                q.size,
                MAX_ATTACHMENT / (1024 * 1024)
            ),
        )
        .arg("max_mb", (MAX_ATTACHMENT / (1024 * 1024)).to_string()));
    }
    if body.is_empty() || body.len() > MAX_CHUNK {
        return Err(AppError::bad_request(format!(
            "Morceau de fichier vide ou trop grand (au plus {} Mo).",
            MAX_CHUNK / (1024 * 1024)
        )));
    }
    let end = q.offset.saturating_add(body.len() as i64);
    if q.offset < 0 || end > q.size {
        return Err(AppError::bad_request(
            "Morceau de fichier hors des limites annoncées.",
        ));
    }
    match s
        .storage
        .attachment_put_chunk(
            Chunk {
                hash: &hash,
                size: q.size,
                offset: q.offset,
                data: &body,
            },
            &session.user.username,
            &UploadLimits::from_env(),
            Utc::now(),
        )
        .await?
    {
        ChunkWrite::Stored(status) => Ok(Json(status)),
        ChunkWrite::WrongOffset { expected } => Err(AppError::new(
            StatusCode::CONFLICT,
            "wrong_offset",
            format!("Reprise au mauvais endroit : le serveur attend l'octet {expected}."),
        )),
        ChunkWrite::SizeMismatch { size } => Err(AppError::new(
            StatusCode::CONFLICT,
            "size_mismatch",
            format!("Ce fichier est déjà annoncé avec une taille de {size} octets."),
        )),
        ChunkWrite::QuotaExceeded(quota) => Err(AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "quota_exceeded",
            match quota {
                Quota::Pending(max) => format!(
                    "Trop de pièces jointes en cours d'envoi ({} Mo au plus à la fois) : \
                     laissez les envois en cours se terminer.",
                    max / (1024 * 1024)
                ),
                Quota::Daily(max) => format!(
                    "Quota d'envoi atteint ({} Mo par 24 heures) : la pièce jointe partira \
                     plus tard.",
                    max / (1024 * 1024)
                ),
            },
        )),
        ChunkWrite::HashMismatch => Err(AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "hash_mismatch",
            "Le contenu reçu ne correspond pas à son empreinte : envoi annulé, recommencez.",
        )),
    }
}

/// Query of [`download`].
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DownloadQuery {
    #[serde(default)]
    offset: i64,
}

/// `GET /v1/attachments/{hash}?offset=M`.
#[utoipa::path(get, path = "/v1/attachments/{hash}", security(("bearer" = [])),
    params(
        ("hash" = String, Path, description = "SHA-256 of the content, hex", pattern = "^[0-9a-fA-F]{64}$"),
        ("offset" = i64, Query, description = "First byte wanted", minimum = 0, maximum = 26214399),
    ),
    responses(
        (status = 200, description = "Bytes from the offset (total size in x-corridor-size)"),
        (status = 400, description = "Not a SHA-256, or an offset out of bounds", body = ApiError),
        (status = 401, description = "No valid session", body = ApiError),
        (status = 403, description = "This device was revoked", body = ApiError),
        (status = 404, description = "Unknown, out of the caller's regions, or not uploaded yet"),
))]
pub(crate) async fn download(
    State(s): State<AppState>,
    Caller(session): Caller,
    Path(hash): Path<String>,
    query: Result<Query<DownloadQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let hash = valid_hash(&hash)?;
    let q = query_params(query)?;
    if !s
        .storage
        .attachment_visible(&hash, session.scope().as_deref())
        .await?
    {
        return Err(unknown());
    }
    let (size, bytes) = s
        .storage
        .attachment_chunk(&hash, q.offset)
        .await
        .map_err(|e| match e {
            StorageError::Corrupt(_) => AppError::bad_request("Position de lecture invalide."),
            other => other.into(),
        })?
        .ok_or_else(|| {
            AppError::new(
                StatusCode::NOT_FOUND,
                "attachment_not_uploaded",
                "Le fichier n'est pas encore arrivé sur le serveur : réessayez après la prochaine synchronisation de son auteur.",
            )
        })?;
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    headers.insert("x-corridor-size", HeaderValue::from(size));
    Ok((headers, bytes).into_response())
}
