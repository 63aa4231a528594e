//! Every error the core can hand the interface is said in every language: for one value of
//! each error of every layer (the domain, the workflow, the engine, the store, the sync client,
//! the server, the shell), `error-<code>` exists in each locale and formats with the values
//! the error carries, without a missing argument.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::PathBuf;

use corridor_model::api::ApiError;
use corridor_model::engine::{Code, Rejection};
use corridor_model::error::Coded;
use corridor_model::workflow::TransitionError;
use corridor_model::{CaseStatus, Field, ValidationError};
use corridor_store::StoreError;
use corridor_sync::SyncError;
use fluent_bundle::{FluentArgs, FluentBundle, FluentResource, FluentValue};

use super::ERROR_ARGS;

const LOCALES: [&str; 3] = ["fr", "ar", "en"];

fn bundle(lang: &str) -> FluentBundle<FluentResource> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("locales")
        .join(lang)
        .join("main.ftl");
    let text = std::fs::read_to_string(&path).expect("read ftl");
    let res = FluentResource::try_new(text).expect("ftl parses");
    let mut bundle = FluentBundle::new(vec![lang.parse().expect("language id")]);
    bundle.set_use_isolating(false);
    bundle.add_resource(res).expect("no duplicate key");
    bundle
}

/// `error-<code>` of `e` in `lang`, formatted with the error's arguments; panics on a missing
/// key or a missing argument.
fn say(bundle: &FluentBundle<FluentResource>, lang: &str, e: &ApiError) -> String {
    let key = format!("error-{}", e.code);
    let msg = bundle
        .get_message(&key)
        .unwrap_or_else(|| panic!("{lang} lacks {key} ({})", e.message));
    let pattern = msg.value().expect("a value");
    let mut args = FluentArgs::new();
    for (k, v) in &e.args {
        assert!(
            ERROR_ARGS.contains(&k.as_str()),
            "{}: argument {k} is not one the interface passes on",
            e.code
        );
        args.set(Cow::Owned(k.clone()), FluentValue::from(v.clone()));
    }
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, Some(&args), &mut errors);
    assert!(
        errors.is_empty(),
        "{lang}: {key} with {:?}: {errors:?}",
        e.args
    );
    text.into_owned()
}

/// One value of every variant of the domain's validation errors (the match fails to compile
/// when a variant is added, so that it is added here too).
fn validation_errors() -> Vec<ValidationError> {
    let all = vec![
        ValidationError::IceFormat("12".into()),
        ValidationError::IceChecksum("001561191000067".into()),
        ValidationError::CnssFormat("1".into()),
        ValidationError::UnknownRegion("MA-99".into()),
        ValidationError::UnknownCategory("x".into(), "a, b"),
        ValidationError::UnknownStatus("x".into()),
        ValidationError::UnknownCode(Field::Sort, "x".into()),
        ValidationError::Amount("abc".into()),
        ValidationError::Phone("1".into()),
        ValidationError::Email("x".into()),
        ValidationError::DateTime("x".into()),
        ValidationError::Date("x".into()),
        ValidationError::Progress("140".into()),
        ValidationError::Tag("a,b".into()),
        ValidationError::Required(Field::Title),
        ValidationError::TooLong(Field::Note, 20_000),
    ];
    for e in &all {
        match e {
            ValidationError::IceFormat(_)
            | ValidationError::IceChecksum(_)
            | ValidationError::CnssFormat(_)
            | ValidationError::UnknownRegion(_)
            | ValidationError::UnknownCategory(..)
            | ValidationError::UnknownStatus(_)
            | ValidationError::UnknownCode(..)
            | ValidationError::Amount(_)
            | ValidationError::Phone(_)
            | ValidationError::Email(_)
            | ValidationError::DateTime(_)
            | ValidationError::Date(_)
            | ValidationError::Progress(_)
            | ValidationError::Tag(_)
            | ValidationError::Required(_)
            | ValidationError::TooLong(..) => {}
        }
    }
    all
}

fn store_errors() -> Vec<StoreError> {
    let path = PathBuf::from("/profil");
    let all = vec![
        StoreError::Validation(ValidationError::Required(Field::EnterpriseName)),
        StoreError::Rule(Rejection::new(Code::Stale, "x").arg("what", "minutes")),
        StoreError::WrongPassphrase,
        StoreError::PassphraseRequired,
        StoreError::PassphraseTooShort(12),
        StoreError::KeyringUnavailable("no dbus".into()),
        StoreError::KeyMissing,
        StoreError::AlreadyInitialized(path.clone()),
        StoreError::NotInitialized(path.clone()),
        StoreError::CorruptKeyFile(path.clone()),
        StoreError::CorruptDatabase(path),
        StoreError::UnknownEnterprise("001561191000066".into()),
        StoreError::UnknownCase("CAS-2026-06-00001".into()),
        StoreError::Transition(TransitionError::OpenChildren(2)),
        StoreError::NothingToChange,
        StoreError::AttachmentTooLarge {
            name: "pv.pdf".into(),
            size: 60 << 20,
            max: 50 << 20,
        },
        StoreError::EmptyAttachment("vide.pdf".into()),
        StoreError::UnknownAttachment("pv.pdf".into()),
        StoreError::DamagedAttachment("pv.pdf".into()),
        StoreError::NotPassphraseProtected,
        StoreError::ImportLine {
            line: 4,
            message: "x".into(),
        },
        StoreError::File("x".into()),
        StoreError::UnknownItem("réunion", "abc".into()),
        StoreError::AmbiguousId("ab".into()),
        StoreError::UnknownConflict("ab".into()),
        StoreError::DiskFull,
        StoreError::Database(sqlx::Error::RowNotFound),
        StoreError::Migration(sqlx::migrate::MigrateError::VersionMissing(1)),
        StoreError::Io(std::io::Error::other("disk full")),
    ];
    for e in &all {
        match e {
            StoreError::Validation(_)
            | StoreError::Rule(_)
            | StoreError::WrongPassphrase
            | StoreError::PassphraseRequired
            | StoreError::PassphraseTooShort(_)
            | StoreError::KeyringUnavailable(_)
            | StoreError::KeyMissing
            | StoreError::AlreadyInitialized(_)
            | StoreError::NotInitialized(_)
            | StoreError::CorruptKeyFile(_)
            | StoreError::CorruptDatabase(_)
            | StoreError::UnknownEnterprise(_)
            | StoreError::UnknownCase(_)
            | StoreError::Transition(_)
            | StoreError::NothingToChange
            | StoreError::AttachmentTooLarge { .. }
            | StoreError::EmptyAttachment(_)
            | StoreError::UnknownAttachment(_)
            | StoreError::DamagedAttachment(_)
            | StoreError::NotPassphraseProtected
            | StoreError::ImportLine { .. }
            | StoreError::File(_)
            | StoreError::UnknownItem(..)
            | StoreError::AmbiguousId(_)
            | StoreError::UnknownConflict(_)
            | StoreError::DiskFull
            | StoreError::Database(_)
            | StoreError::Migration(_)
            | StoreError::Io(_) => {}
        }
    }
    all
}

/// Codes answered by the server or made by the sync client and the shell, without values
/// unless given. The server's codes are strings at their call sites: keep this list in step
/// with `corridor-server` (`AppError::new`) and `src-tauri` (`CommandError`).
fn other_codes() -> Vec<ApiError> {
    let plain = [
        // Sync client and session.
        "invalid_server_url",
        "server_unreachable",
        "not_logged_in",
        "device_revoked",
        "payload_too_large",
        "no_session_token",
        // Server.
        "bad_request",
        "unauthenticated",
        "device_of_another_user",
        "duplicate_user",
        "internal",
        "session_expired",
        "account_disabled",
        "too_many_attempts",
        "bad_credentials",
        "password_reset_required",
        "quota_exceeded",
        "attachment_not_uploaded",
        "hash_mismatch",
        "size_mismatch",
        "wrong_offset",
        "sequence_gap",
        "unavailable",
        "wrong_device",
        "read_only",
        "unknown_attachment",
        // Desktop shell.
        "locked",
        "file_write",
        "open_failed",
        "notify_failed",
        // Enterprise import.
        "malformed_line",
    ];
    let mut out: Vec<ApiError> = plain.iter().map(|c| ApiError::new(*c, "x")).collect();
    let with = |code: &str, args: &[(&str, &str)]| {
        ApiError::new(code, "x").with_args(args.iter().map(|(k, v)| (*k, (*v).to_owned())))
    };
    out.push(with("attachment_too_large", &[("max_mb", "50")]));
    out.push(with("invalid_sequence", &[("seq", "0")]));
    out.push(with(
        "redirect",
        &[("location", "https://ailleurs.example")],
    ));
    out.push(with("http", &[("status", "418")]));
    out.push(with("http_5xx", &[("status", "502")]));
    out.push(with(
        "duplicate_in_file",
        &[("ice", "002136093000040"), ("line", "2")],
    ));
    out
}

/// The engine's refusals as its rules build them: the arguments each code carries.
fn engine_args(code: Code) -> BTreeMap<&'static str, &'static str> {
    let pairs: &[(&str, &str)] = match code {
        Code::OutOfScope => &[("region", "MA-06")],
        Code::UnknownCase => &[("id", "0190")],
        Code::Duplicate => &[("id", "0190"), ("kind", "event")],
        Code::DuplicateIce => &[("ice", "001561191000066")],
        Code::ForbiddenRole => &[
            ("from", "in_progress"),
            ("to", "resolved"),
            ("institution", "cnss"),
        ],
        Code::StaleStatus => &[
            ("reference", "CAS-2026-06-00001"),
            ("status", "closed"),
            ("from", "resolved"),
            ("to", "in_progress"),
        ],
        Code::Stale => &[("what", "enterprise")],
        Code::AttachmentTooLarge => &[("name", "pv.pdf"), ("max_mb", "50")],
        Code::UnknownAttachment => &[("name", "pv.pdf")],
        Code::AttachmentSizeMismatch => &[("name", "pv.pdf"), ("size", "10"), ("actual", "12")],
        Code::OtherRegion => &[
            ("reference", "CAS-2026-06-00001"),
            ("region", "MA-06"),
            ("meeting_region", "MA-01"),
        ],
        Code::InvalidValue => &[("field", "title")],
        Code::UnreadableMutation => &[("name", "set_moon")],
        _ => &[],
    };
    pairs.iter().copied().collect()
}

fn every_error() -> Vec<ApiError> {
    let mut all: Vec<ApiError> = validation_errors().iter().map(Coded::to_api).collect();
    for e in [
        TransitionError::Forbidden {
            from: CaseStatus::Draft,
            to: CaseStatus::Closed,
        },
        TransitionError::ReasonRequired {
            from: CaseStatus::InProgress,
            to: CaseStatus::Rejected,
        },
        TransitionError::OpenChildren(3),
    ] {
        all.push(e.to_api());
    }
    for code in Code::ALL {
        let args = engine_args(*code);
        all.push(
            Rejection::new(*code, "x")
                .with_args(args.into_iter().map(|(k, v)| (k, v.to_owned())).collect())
                .to_api(),
        );
    }
    all.extend(store_errors().iter().map(Coded::to_api));
    all.push(SyncError::NotLoggedIn.to_api());
    all.push(SyncError::Revoked.to_api());
    all.push(SyncError::InvalidUrl("ftp://x".into()).to_api());
    all.push(SyncError::CaFile("/etc/corridor/ca.pem".into()).to_api());
    all.push(SyncError::Store(StoreError::PassphraseTooShort(12)).to_api());
    all.extend(other_codes());
    all
}

#[test]
fn every_error_of_every_layer_is_said_in_every_language() {
    let errors = every_error();
    assert!(errors.len() > 90, "the samples are built: {}", errors.len());
    for lang in LOCALES {
        let bundle = bundle(lang);
        for e in &errors {
            let text = say(&bundle, lang, e);
            assert!(!text.trim().is_empty(), "{lang}: error-{} is empty", e.code);
        }
    }
}

#[test]
fn the_arguments_select_the_right_words() {
    let fr = bundle("fr");
    let ice = |e: ValidationError| say(&fr, "fr", &e.to_api());
    assert!(ice(ValidationError::IceChecksum("001561191000067".into())).contains("clé de contrôle"));
    assert!(ice(ValidationError::IceFormat("12".into())).contains("15 chiffres"));
    let stale = |what: &str| {
        say(
            &fr,
            "fr",
            &Rejection::new(Code::Stale, "x").arg("what", what).to_api(),
        )
    };
    assert!(stale("enterprise").starts_with("La fiche de l'entreprise"));
    assert!(stale("minutes").starts_with("Le compte rendu"));
    let ar = bundle("ar");
    assert_ne!(
        say(
            &ar,
            "ar",
            &ValidationError::IceChecksum("1".into()).to_api()
        ),
        say(&ar, "ar", &ValidationError::IceFormat("1".into()).to_api()),
        "Arabic tells a wrong check digit from a wrong length"
    );
}

#[test]
fn every_field_and_every_kind_of_change_has_a_name() {
    for lang in LOCALES {
        let bundle = bundle(lang);
        for f in Field::ALL {
            assert!(
                bundle.has_message(&format!("field-{}", f.code())),
                "{lang} lacks field-{}",
                f.code()
            );
        }
        for name in corridor_model::mutation::Op::NAMES {
            assert!(
                bundle.has_message(&format!("change-{name}")),
                "{lang} lacks change-{name}"
            );
        }
    }
}
