//! Files of the profile, readable by their owner only.
//!
//! The data directory and its `attachments/` folder are `0700`, and every file the store writes
//! — the key file, the database (SQLite gives its journal the database's mode), the sealed
//! attachments — is `0600`, whatever the process's umask. Opening a store tightens an older
//! profile the same way. A new file reaches its final name by a rename, and the directory is
//! synced after it, so that a crash leaves either the old file or the new one, never neither.
//! (Elsewhere than Unix the profile lives in the user's own folder, protected by its ACLs;
//! these calls change nothing there.)

use std::fs;
use std::io::Write;
use std::path::Path;

/// Makes `dir` (and its parents) if missing and leaves it owner-only.
pub(crate) fn dir(dir: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Makes `path` owner-only if it exists.
pub(crate) fn tighten(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        match fs::set_permissions(path, fs::Permissions::from_mode(0o600)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Creates `path` empty and owner-only when it does not exist (SQLite then uses it as is).
pub(crate) fn touch(path: &Path) -> std::io::Result<()> {
    match open_new(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => tighten(path),
        Err(e) => Err(e),
    }
}

fn open_new(path: &Path) -> std::io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Writes `bytes` to the new file `path` (owner-only, synced); refuses an existing one.
pub(crate) fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let written = (|| {
        let mut f = open_new(path)?;
        f.write_all(bytes)?;
        f.sync_all()
    })();
    if written.is_err() {
        let _ = fs::remove_file(path);
    }
    written
}

/// Writes `bytes` to `tmp` (owner-only, synced), renames it to `path` and syncs the directory.
/// `tmp` must be a name no other writer uses at the same time.
pub(crate) fn write_atomic(tmp: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let _ = fs::remove_file(tmp);
    if let Err(e) = write_new(tmp, bytes).and_then(|()| fs::rename(tmp, path)) {
        let _ = fs::remove_file(tmp);
        return Err(e);
    }
    sync_parent(path)
}

/// Syncs the directory holding `path`, so that a rename into it survives a crash.
pub(crate) fn sync_parent(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    if let Some(parent) = path.parent() {
        fs::File::open(parent)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(p: &Path) -> u32 {
        fs::metadata(p).expect("metadata").permissions().mode() & 0o777
    }

    #[test]
    fn files_and_folders_are_owner_only_whatever_they_were() {
        let root = tempfile::tempdir().expect("tempdir");
        let d = root.path().join("profil");
        fs::create_dir(&d).expect("dir");
        fs::set_permissions(&d, fs::Permissions::from_mode(0o755)).expect("chmod");
        dir(&d).expect("private dir");
        assert_eq!(mode(&d), 0o700);

        let f = d.join("cle.json");
        write_atomic(&d.join("cle.json.tmp"), &f, b"{}").expect("write");
        assert_eq!(mode(&f), 0o600);
        assert!(!d.join("cle.json.tmp").exists());
        assert_eq!(fs::read(&f).expect("read"), b"{}");

        let db = d.join("base");
        fs::write(&db, b"").expect("write");
        fs::set_permissions(&db, fs::Permissions::from_mode(0o644)).expect("chmod");
        touch(&db).expect("touch");
        assert_eq!(mode(&db), 0o600, "an existing file is tightened");
        let fresh = d.join("neuve");
        touch(&fresh).expect("touch");
        assert_eq!(mode(&fresh), 0o600);
        tighten(&d.join("absente")).expect("a missing file is fine");
    }
}
