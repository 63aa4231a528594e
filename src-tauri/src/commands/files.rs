//! Attachments: add one from the bytes of a file the user picked or dropped, open one with
//! the system's viewer, save a copy where the user chooses.
//!
//! The webview never reads the disk: it sends the content of the file the user chose, and
//! files leave the encrypted store only through [`open_attachment`] (into the profile's
//! owner-only `open/` folder, emptied at start and at lock) and [`save_attachment`] (to the
//! path the user picked in the system dialog).

use std::path::{Path, PathBuf};

use corridor_model::api::ApiError;
use corridor_model::desk::{Attachment, ATTACH_CASE_HEADER, ATTACH_NAME_HEADER};
use corridor_store::DEFAULT_MAX_ATTACHMENT;
use percent_encoding::percent_decode_str;
use tauri::ipc::{InvokeBody, Request};
use tauri::{AppHandle, Manager, State};
use tauri_plugin_dialog::DialogExt;
use tauri_plugin_opener::OpenerExt;

use super::{open_store, Result};
use crate::error::CommandError;
use crate::AppState;

/// Attaches the file whose content is the raw body of the call; the case and the file name
/// travel in headers. The store checks the size, hashes and seals the content, and records
/// the `attach_file` mutation in one transaction.
#[tauri::command]
pub(crate) async fn attach_file(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<Attachment> {
    let InvokeBody::Raw(content) = request.body() else {
        return Err(bad_request("le contenu du fichier manque"));
    };
    let case = header(&request, ATTACH_CASE_HEADER)?;
    let name = header(&request, ATTACH_NAME_HEADER)?;
    let store = open_store(&state).await?;
    Ok(store
        .attach(&case, &name, content, DEFAULT_MAX_ATTACHMENT)
        .await?)
}

fn header(request: &Request<'_>, name: &str) -> Result<String> {
    let raw = request
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| bad_request(name))?;
    percent_decode_str(raw)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| bad_request(name))
}

fn bad_request(what: &str) -> CommandError {
    CommandError(ApiError::new(
        "bad_request",
        format!("Demande incomplète de l'interface ({what})."),
    ))
}

/// Where opened attachments are written: inside the profile, owner-only.
pub(crate) fn open_dir(profile: &Path) -> PathBuf {
    profile.join("open")
}

/// Empties the folder of opened attachments (at start and at lock: decrypted copies do not
/// outlive the session that opened them).
pub(crate) fn clear_opened(profile: &Path) {
    let dir = open_dir(profile);
    if dir.exists() {
        if let Err(e) = std::fs::remove_dir_all(&dir) {
            eprintln!("corridor: could not empty {}: {e}", dir.display());
        }
    }
}

/// A file name that stays inside its folder, whatever the server sent.
fn safe_name(name: &str) -> String {
    Path::new(name)
        .file_name()
        .and_then(|n| n.to_str())
        .filter(|n| !n.trim().is_empty() && *n != "." && *n != "..")
        .map_or_else(|| "piece-jointe".to_owned(), str::to_owned)
}

/// Writes `content` to `path`, readable by the owner only, and flushes it.
fn write_private(path: &Path, content: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(content)?;
    file.sync_all()
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

fn io_error(e: &std::io::Error, path: &Path) -> CommandError {
    CommandError(ApiError::new(
        "file_write",
        format!("Impossible d'écrire le fichier {} : {e}", path.display()),
    ))
}

/// Decrypts the attachment into the profile's `open/` folder and hands it to the system's
/// viewer. Returns the path written.
#[tauri::command]
pub(crate) async fn open_attachment(
    app: AppHandle,
    state: State<'_, AppState>,
    case: String,
    hash: String,
) -> Result<String> {
    let store = open_store(&state).await?;
    let (attachment, content) = store.attachment_content(&case, &hash).await?;
    let folder: String = attachment
        .hash
        .chars()
        .filter(char::is_ascii_hexdigit)
        .take(16)
        .collect();
    let dir = open_dir(&state.dir).join(folder);
    create_private_dir(&dir).map_err(|e| io_error(&e, &dir))?;
    let path = dir.join(safe_name(&attachment.name));
    write_private(&path, &content).map_err(|e| io_error(&e, &path))?;
    let shown = path.display().to_string();
    app.opener()
        .open_path(shown.clone(), None::<&str>)
        .map_err(|e| {
            CommandError(ApiError::new(
                "open_failed",
                format!("Aucune application n'a pu ouvrir le fichier : {e}"),
            ))
        })?;
    Ok(shown)
}

/// Asks where to save a copy (the system's dialog, titled `title` in the user's language, the
/// file's name offered), then writes the decrypted content there. `None` when the user
/// cancelled.
#[tauri::command]
pub(crate) async fn save_attachment(
    app: AppHandle,
    state: State<'_, AppState>,
    case: String,
    hash: String,
    title: String,
) -> Result<Option<String>> {
    let store = open_store(&state).await?;
    let (attachment, content) = store.attachment_content(&case, &hash).await?;
    let Some(path) = ask_save_path(&app, &title, &safe_name(&attachment.name), None).await? else {
        return Ok(None);
    };
    write_private(&path, &content).map_err(|e| io_error(&e, &path))?;
    Ok(Some(path.display().to_string()))
}

/// Asks the user where to save a file (the system's dialog titled `title`, `name` offered,
/// optionally only files with this extension); `None` when the user cancelled.
pub(crate) async fn ask_save_path(
    app: &AppHandle,
    title: &str,
    name: &str,
    extension: Option<&str>,
) -> Result<Option<PathBuf>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let mut dialog = app.dialog().file().set_title(title).set_file_name(name);
    // The user's documents folder (else their home) rather than wherever the app was started.
    let path = app.path();
    if let Some(dir) = [path.document_dir(), path.home_dir()]
        .into_iter()
        .flatten()
        .find(|d| d.is_dir())
    {
        dialog = dialog.set_directory(dir);
    }
    if let Some(ext) = extension {
        dialog = dialog.add_filter(ext, &[ext]);
    }
    dialog.save_file(move |path| {
        let _ = tx.send(path);
    });
    let Some(chosen) = rx.await.ok().flatten() else {
        return Ok(None);
    };
    chosen.into_path().map(Some).map_err(|e| {
        CommandError(ApiError::new(
            "file_write",
            format!("Emplacement invalide : {e}"),
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_the_server_cannot_leave_the_folder() {
        assert_eq!(safe_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_name("/tmp/x.pdf"), "x.pdf");
        assert_eq!(safe_name(".."), "piece-jointe");
        assert_eq!(safe_name(""), "piece-jointe");
        assert_eq!(safe_name("attestation CNSS.pdf"), "attestation CNSS.pdf");
        assert_eq!(safe_name("شهادة.pdf"), "شهادة.pdf");
    }

    #[cfg(unix)]
    #[test]
    fn opened_copies_are_owner_only_and_cleared() {
        use std::os::unix::fs::PermissionsExt;
        let profile = tempfile::tempdir().expect("tempdir");
        let dir = open_dir(profile.path()).join("abcd");
        create_private_dir(&dir).expect("dir");
        let file = dir.join("a.txt");
        write_private(&file, b"secret").expect("write");
        let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&file), 0o600);
        clear_opened(profile.path());
        assert!(!open_dir(profile.path()).exists());
    }
}
