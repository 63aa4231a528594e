//! Errors of the local store, with stable codes and French messages for the user.

use std::path::PathBuf;

use corridor_model::ValidationError;
use thiserror::Error;

/// What can go wrong with the local store. Messages never contain key material.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The input was refused by the domain rules; nothing was written.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// The change was refused by the corridor's rules (the engine); nothing was written.
    #[error(transparent)]
    Rule(corridor_model::engine::Rejection),
    /// The passphrase does not unlock this store; nothing was modified.
    #[error(
        "Phrase de passe incorrecte : le coffre local n'a pas été ouvert et rien n'a été modifié."
    )]
    WrongPassphrase,
    /// The store is protected by a passphrase and none was given.
    #[error("Ce coffre local est protégé par une phrase de passe : saisissez-la (ou définissez CORRIDOR_PASSPHRASE).")]
    PassphraseRequired,
    /// The passphrase chosen for a new store is too short.
    #[error("La phrase de passe doit comporter au moins {0} caractères.")]
    PassphraseTooShort(usize),
    /// No OS keyring could be used.
    #[error("Aucun trousseau du système n'est disponible ({0}) : protégez le coffre par une phrase de passe (CORRIDOR_PASSPHRASE).")]
    KeyringUnavailable(String),
    /// The keyring has no key for this store (another user account or machine, or deleted).
    #[error("La clé de ce coffre est introuvable dans le trousseau du système : le coffre ne peut pas être ouvert sur ce compte.")]
    KeyMissing,
    /// `init` on a directory that already holds a store.
    #[error("Un coffre local existe déjà dans {0} : il n'a pas été modifié.")]
    AlreadyInitialized(PathBuf),
    /// No store in the directory.
    #[error("Aucun coffre local dans {0} : lancez d'abord « corridor init ».")]
    NotInitialized(PathBuf),
    /// The key file is unreadable or not Corridor's.
    #[error("Le fichier de clé {0} est illisible ou endommagé : il n'a pas été modifié.")]
    CorruptKeyFile(PathBuf),
    /// The database file does not open with its key (corrupt, or not Corridor's).
    #[error("Le fichier {0} n'est pas un coffre Corridor lisible (endommagé ou d'une autre origine) : il n'a pas été modifié.")]
    CorruptDatabase(PathBuf),
    /// No enterprise with this ICE.
    #[error("Aucune entreprise avec l'ICE {0} : enregistrez-la d'abord.")]
    UnknownEnterprise(String),
    /// No case with this reference or id.
    #[error("Aucun dossier « {0} » : vérifiez la référence.")]
    UnknownCase(String),
    /// The workflow refuses this transition.
    #[error(transparent)]
    Transition(#[from] corridor_model::workflow::TransitionError),
    /// The change would change nothing.
    #[error("Aucune modification : les valeurs saisies sont celles du dossier.")]
    NothingToChange,
    /// An attachment over the size limit.
    #[error("Le fichier « {name} » est trop volumineux ({} Mo) : la limite est de {} Mo.", .size.div_ceil(1024 * 1024), .max / (1024 * 1024))]
    AttachmentTooLarge {
        /// File name.
        name: String,
        /// Its size in bytes.
        size: u64,
        /// The limit in bytes.
        max: u64,
    },
    /// An empty file.
    #[error("Le fichier « {0} » est vide : rien n'a été joint.")]
    EmptyAttachment(String),
    /// No such attachment on the case.
    #[error("Aucune pièce jointe « {0} » sur ce dossier.")]
    UnknownAttachment(String),
    /// An attachment file that is missing or does not decrypt to its hash.
    #[error("La pièce jointe « {0} » est endommagée ou manquante sur ce poste.")]
    DamagedAttachment(String),
    /// A passphrase operation on a store whose key is in the keyring.
    #[error(
        "Ce coffre local est protégé par le trousseau du système, pas par une phrase de passe."
    )]
    NotPassphraseProtected,
    /// A refused line of an import file; nothing was imported.
    #[error("Ligne {line} : {message} Rien n'a été importé.")]
    ImportLine {
        /// Line number in the file (1 is the header).
        line: usize,
        /// What was wrong.
        message: String,
    },
    /// An import or export file that cannot be read or written.
    #[error("Fichier {0}")]
    File(String),
    /// No such meeting, action, roadmap item or milestone.
    #[error("Aucun(e) {0} « {1} ».")]
    UnknownItem(&'static str, String),
    /// An id prefix that matches several items.
    #[error("L'identifiant « {0} » désigne plusieurs éléments : saisissez-en davantage.")]
    AmbiguousId(String),
    /// No such conflict, or one already settled.
    #[error("Aucun conflit en attente « {0} » : il n'existe pas ou a déjà été tranché.")]
    UnknownConflict(String),
    /// The disk is full (or refuses to grow a file): the write was rolled back.
    #[error(
        "Le disque de ce poste est plein : rien n'a été enregistré, et ce qui l'était reste \
         intact. Libérez de la place, puis recommencez."
    )]
    DiskFull,
    /// Database failure.
    #[error("Erreur du coffre local : {0}")]
    Database(sqlx::Error),
    /// Schema migration failure.
    #[error("Mise à jour du schéma du coffre local impossible : {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// File-system failure.
    #[error("Erreur d'accès aux fichiers : {0}")]
    Io(std::io::Error),
}

/// SQLite's codes for a write the disk refused: `SQLITE_FULL` (no space left) and
/// `SQLITE_IOERR_WRITE` (a write failed — past a file size limit, for one).
const SQLITE_DISK_REFUSED: [&str; 2] = ["13", "778"];

/// Whether an I/O error says the disk is full (or a quota or file size limit is reached).
fn disk_full(e: &std::io::Error) -> bool {
    use std::io::ErrorKind;
    matches!(
        e.kind(),
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded | ErrorKind::FileTooLarge
    )
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        let full = match &e {
            sqlx::Error::Database(db) => db
                .code()
                .is_some_and(|c| SQLITE_DISK_REFUSED.contains(&c.as_ref())),
            sqlx::Error::Io(io) => disk_full(io),
            _ => false,
        };
        if full {
            StoreError::DiskFull
        } else {
            StoreError::Database(e)
        }
    }
}

impl From<std::io::Error> for StoreError {
    fn from(e: std::io::Error) -> Self {
        if disk_full(&e) {
            StoreError::DiskFull
        } else {
            StoreError::Io(e)
        }
    }
}

impl StoreError {
    /// Stable machine code of the error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Validation(v) => v.code(),
            Self::Rule(r) => r.code.as_str(),
            Self::WrongPassphrase => "wrong_passphrase",
            Self::PassphraseRequired => "passphrase_required",
            Self::PassphraseTooShort(_) => "passphrase_too_short",
            Self::KeyringUnavailable(_) => "keyring_unavailable",
            Self::KeyMissing => "key_missing",
            Self::AlreadyInitialized(_) => "already_initialized",
            Self::NotInitialized(_) => "not_initialized",
            Self::CorruptKeyFile(_) => "corrupt_key_file",
            Self::CorruptDatabase(_) => "corrupt_database",
            Self::UnknownEnterprise(_) => "unknown_enterprise",
            Self::UnknownCase(_) => "unknown_case",
            Self::Transition(t) => t.code(),
            Self::NothingToChange => "nothing_to_change",
            Self::AttachmentTooLarge { .. } => "attachment_too_large",
            Self::EmptyAttachment(_) => "empty_attachment",
            Self::UnknownAttachment(_) => "unknown_attachment",
            Self::DamagedAttachment(_) => "damaged_attachment",
            Self::NotPassphraseProtected => "not_passphrase_protected",
            Self::ImportLine { .. } => "import_line",
            Self::File(_) => "file",
            Self::UnknownItem(..) => "unknown_item",
            Self::AmbiguousId(_) => "ambiguous_id",
            Self::UnknownConflict(_) => "unknown_conflict",
            Self::DiskFull => "disk_full",
            Self::Database(_) | Self::Migration(_) => "database",
            Self::Io(_) => "io",
        }
    }
}

impl StoreError {
    /// The values the message carries, by name, for the interface's translation of the code.
    /// Paths, database and file-system details are left out: the French message keeps them
    /// for whoever reads a log.
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            Self::Validation(v) => v.args(),
            Self::Rule(r) => r.args.clone(),
            Self::Transition(t) => t.args(),
            Self::PassphraseTooShort(n) => vec![("min", n.to_string())],
            Self::UnknownEnterprise(ice) => vec![("ice", ice.clone())],
            Self::UnknownCase(v)
            | Self::UnknownAttachment(v)
            | Self::AmbiguousId(v)
            | Self::UnknownConflict(v) => vec![("value", v.clone())],
            Self::EmptyAttachment(name) | Self::DamagedAttachment(name) => {
                vec![("name", name.clone())]
            }
            Self::AttachmentTooLarge { name, size, max } => vec![
                ("name", name.clone()),
                ("size_mb", size.div_ceil(1024 * 1024).to_string()),
                ("max_mb", (max / (1024 * 1024)).to_string()),
            ],
            Self::ImportLine { line, .. } => vec![("line", line.to_string())],
            Self::UnknownItem(_, v) => vec![("value", v.clone())],
            Self::WrongPassphrase
            | Self::PassphraseRequired
            | Self::KeyringUnavailable(_)
            | Self::KeyMissing
            | Self::AlreadyInitialized(_)
            | Self::NotInitialized(_)
            | Self::CorruptKeyFile(_)
            | Self::CorruptDatabase(_)
            | Self::NothingToChange
            | Self::NotPassphraseProtected
            | Self::File(_)
            | Self::DiskFull
            | Self::Database(_)
            | Self::Migration(_)
            | Self::Io(_) => Vec::new(),
        }
    }
}

impl corridor_model::error::Coded for StoreError {
    fn code(&self) -> &'static str {
        StoreError::code(self)
    }

    fn args(&self) -> Vec<(&'static str, String)> {
        StoreError::args(self)
    }
}
