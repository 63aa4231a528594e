//! The command's error: a stable machine `code`, the French `message` for the person, and the
//! exit status of its [`Kind`].
//!
//! The kind is decided from the code alone ([`Kind::of`]), so the same code always gives the
//! same status, whichever library produced it. Codes of the store, the domain and the server
//! are passed through unchanged; the command's own messages use codes of the same families.

use corridor_model::api::ApiError;
use corridor_model::ValidationError;
use corridor_store::StoreError;
use corridor_sync::SyncError;

/// A failure of a command, as shown to the person or script that ran it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CliError {
    code: String,
    message: String,
}

impl CliError {
    /// An error of the command itself, with one of the codes [`Kind::of`] knows.
    pub(crate) fn new(code: &str, message: impl Into<String>) -> Self {
        CliError {
            code: code.to_owned(),
            message: message.into(),
        }
    }

    /// A file given on the command line that cannot be read or written (status 1).
    pub(crate) fn file(message: impl Into<String>) -> Self {
        Self::new("file", message)
    }

    /// Stable machine code.
    pub(crate) fn code(&self) -> &str {
        &self.code
    }

    /// Message for the person, in French.
    pub(crate) fn message(&self) -> &str {
        &self.message
    }

    /// Exit status of the process for this error.
    pub(crate) fn exit_status(&self) -> u8 {
        Kind::of(self.code()).exit_status()
    }

    /// `{"code": …, "message": …}`, the shape the interface receives too.
    pub(crate) fn to_json(&self) -> String {
        let body = ApiError::new(self.code.clone(), self.message.clone());
        serde_json::to_string(&body).expect("two strings always serialise")
    }
}

impl From<StoreError> for CliError {
    fn from(e: StoreError) -> Self {
        CliError::new(e.code(), e.to_string())
    }
}

impl From<ValidationError> for CliError {
    fn from(e: ValidationError) -> Self {
        CliError::new(e.code(), e.to_string())
    }
}

impl From<SyncError> for CliError {
    fn from(e: SyncError) -> Self {
        CliError::new(e.code(), e.to_string())
    }
}

impl From<serde_json::Error> for CliError {
    fn from(e: serde_json::Error) -> Self {
        CliError::new("output", e.to_string())
    }
}

/// What kind of failure a code is; each kind has its own exit status (clap keeps 2 for usage
/// errors).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// 1: anything else (files, the local database, internal failures).
    Other,
    /// 3: the input, or a rule of the corridor, refused it; nothing was written.
    Refused,
    /// 4: the local store could not be opened (passphrase, key, keyring, missing or damaged).
    Access,
    /// 5: the server (unreachable or failing, refused the session, not logged in).
    Server,
}

impl Kind {
    /// The kind of a code. Unknown codes are [`Kind::Other`].
    pub(crate) fn of(code: &str) -> Kind {
        match code {
            "wrong_passphrase"
            | "passphrase_required"
            | "key_missing"
            | "keyring_unavailable"
            | "not_initialized"
            | "not_passphrase_protected" => Kind::Access,
            c if c.starts_with("corrupt_") => Kind::Access,
            // The sync client's own codes, the server's session refusals, and the server
            // failing (`internal` here is the server's; the command never uses it).
            "server_unreachable"
            | "not_logged_in"
            | "no_session_token"
            | "device_revoked"
            | "unauthenticated"
            | "session_expired"
            | "account_disabled"
            | "password_reset_required"
            | "bad_credentials"
            | "too_many_attempts"
            | "wrong_device"
            | "device_of_another_user"
            | "http"
            | "http_5xx"
            | "internal"
            | "unavailable" => Kind::Server,
            // Domain validation, workflow, the engine's refusals, and the store's.
            "required"
            | "too_long"
            | "forbidden_transition"
            | "reason_required"
            | "open_children"
            | "read_only"
            | "committee_only"
            | "out_of_scope"
            | "already_resolved"
            | "duplicate"
            | "duplicate_ice"
            | "forbidden_visibility"
            | "forbidden_role"
            | "stale_status"
            | "stale"
            | "attachment_too_large"
            | "attachment_size_mismatch"
            | "self_link"
            | "link_cycle"
            | "not_on_agenda"
            | "other_region"
            | "nothing_to_change"
            | "empty_attachment"
            | "ambiguous_id"
            | "import_line"
            | "already_initialized"
            | "passphrase_too_short"
            | "data_dir_required"
            | "password_required" => Kind::Refused,
            c if c.starts_with("invalid_") || c.starts_with("unknown_") => Kind::Refused,
            _ => Kind::Other,
        }
    }

    /// The process exit status of this kind.
    pub(crate) fn exit_status(self) -> u8 {
        match self {
            Kind::Other => 1,
            Kind::Refused => 3,
            Kind::Access => 4,
            Kind::Server => 5,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use corridor_model::engine::{Code, Rejection};
    use corridor_model::workflow::TransitionError;
    use corridor_model::CaseStatus;

    use super::*;

    fn kind(e: impl Into<CliError>) -> Kind {
        Kind::of(&e.into().code)
    }

    #[test]
    fn every_validation_error_is_a_refused_input() {
        for e in [
            ValidationError::IceFormat("1".into()),
            ValidationError::IceChecksum("1".into()),
            ValidationError::CnssFormat("1".into()),
            ValidationError::UnknownRegion("MA-13".into()),
            ValidationError::UnknownCategory("x".into(), "y"),
            ValidationError::UnknownStatus("x".into()),
            ValidationError::UnknownCode(corridor_model::Field::Choice, "x".into()),
            ValidationError::Amount("x".into()),
            ValidationError::Phone("x".into()),
            ValidationError::Email("x".into()),
            ValidationError::DateTime("x".into()),
            ValidationError::Date("x".into()),
            ValidationError::Progress("x".into()),
            ValidationError::Tag("x".into()),
            ValidationError::Required(corridor_model::Field::Title),
            ValidationError::TooLong(corridor_model::Field::Title, 3),
        ] {
            let code = e.code();
            assert_eq!(kind(e), Kind::Refused, "{code}");
        }
    }

    #[test]
    fn every_rule_of_the_engine_is_a_refused_input() {
        // Every code of the engine (a new one is checked without being listed here) but the
        // two only a server answers with (a mutation it could not read, one its device
        // withdrew), which never reach the CLI as a failure of its own command.
        let own = Code::ALL
            .iter()
            .copied()
            .filter(|c| !matches!(c, Code::UnreadableMutation | Code::Withdrawn));
        for code in own.chain([Code::Invalid("invalid_ice")]) {
            let e = StoreError::Rule(Rejection::new(code, "refusé"));
            assert_eq!(kind(e), Kind::Refused, "{code}");
        }
    }

    #[test]
    fn store_errors_are_classified_by_what_failed() {
        let path = PathBuf::from("/profil");
        let refused = [
            StoreError::NothingToChange,
            StoreError::UnknownCase("COR".into()),
            StoreError::UnknownEnterprise("1".into()),
            StoreError::UnknownItem("réunion", "x".into()),
            StoreError::UnknownAttachment("x".into()),
            StoreError::UnknownConflict("x".into()),
            StoreError::AmbiguousId("01".into()),
            StoreError::EmptyAttachment("x".into()),
            StoreError::AttachmentTooLarge {
                name: "x".into(),
                size: 2,
                max: 1,
            },
            StoreError::ImportLine {
                line: 2,
                message: "x".into(),
            },
            StoreError::AlreadyInitialized(path.clone()),
            StoreError::PassphraseTooShort(12),
            StoreError::Transition(TransitionError::ReasonRequired {
                from: CaseStatus::Submitted,
                to: CaseStatus::Rejected,
            }),
            StoreError::Transition(TransitionError::OpenChildren(1)),
        ];
        for e in refused {
            let code = e.code();
            assert_eq!(kind(e), Kind::Refused, "{code}");
        }
        let access = [
            StoreError::WrongPassphrase,
            StoreError::PassphraseRequired,
            StoreError::KeyMissing,
            StoreError::KeyringUnavailable("aucun".into()),
            StoreError::NotInitialized(path.clone()),
            StoreError::CorruptKeyFile(path.clone()),
            StoreError::CorruptDatabase(path),
            StoreError::NotPassphraseProtected,
        ];
        for e in access {
            let code = e.code();
            assert_eq!(kind(e), Kind::Access, "{code}");
        }
        for e in [
            StoreError::Io(std::io::Error::other("disque plein")),
            StoreError::DiskFull,
            StoreError::File("illisible".into()),
            StoreError::DamagedAttachment("x".into()),
        ] {
            let code = e.code();
            assert_eq!(kind(e), Kind::Other, "{code}");
        }
    }

    #[test]
    fn sync_errors_keep_the_servers_code_and_are_server_failures() {
        let refused = |code: &str| {
            SyncError::Refused(ApiError::new(
                code.to_owned(),
                "Session absente ou expirée : reconnectez-vous.",
            ))
        };
        let e = CliError::from(refused("session_expired"));
        assert_eq!(e.code(), "session_expired");
        assert_eq!(
            e.message(),
            "Session absente ou expirée : reconnectez-vous."
        );
        for code in [
            "unauthenticated",
            "bad_credentials",
            "too_many_attempts",
            "wrong_device",
            "device_of_another_user",
            "http_5xx",
            "unavailable",
        ] {
            assert_eq!(kind(refused(code)), Kind::Server, "{code}");
        }
        assert_eq!(kind(SyncError::NotLoggedIn), Kind::Server);
        assert_eq!(kind(SyncError::Revoked), Kind::Server);
        assert_eq!(Kind::of("server_unreachable"), Kind::Server);
        assert_eq!(kind(SyncError::InvalidUrl("ftp://x".into())), Kind::Refused);
        let store = CliError::from(SyncError::Store(StoreError::WrongPassphrase));
        assert_eq!(store.code(), "wrong_passphrase");
        assert_eq!(store.exit_status(), 4);
    }

    #[test]
    fn each_kind_has_its_exit_status_and_unknown_codes_are_other() {
        assert_eq!(Kind::of("database").exit_status(), 1);
        assert_eq!(Kind::of("io").exit_status(), 1);
        assert_eq!(Kind::of("output").exit_status(), 1);
        assert_eq!(Kind::of("sequence_gap").exit_status(), 1);
        assert_eq!(Kind::of("").exit_status(), 1);
        assert_eq!(Kind::of("invalid_ice").exit_status(), 3);
        assert_eq!(Kind::of("wrong_passphrase").exit_status(), 4);
        assert_eq!(Kind::of("not_logged_in").exit_status(), 5);
    }

    #[test]
    fn the_json_form_is_code_and_message() {
        let e = CliError::new("nothing_to_change", "Rien à « modifier ».");
        let v: serde_json::Value = serde_json::from_str(&e.to_json()).expect("json");
        assert_eq!(
            v,
            serde_json::json!({"code": "nothing_to_change", "message": "Rien à « modifier »."})
        );
    }
}
