//! Validation errors of the domain.
//!
//! Every variant has a stable machine code (for the interface and scripts, which never match
//! on text) and a message in French, the working language of both institutions, that says what
//! was wrong and how to correct it.

use thiserror::Error;

use crate::field::Field;

/// An input that the domain refuses, with a message a corridor officer understands.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ValidationError {
    /// The ICE is not 15 digits.
    #[error("ICE « {0} » invalide : il doit comporter exactement 15 chiffres.")]
    IceFormat(String),
    /// The ICE has 15 digits but its check digits do not match (mod 97).
    #[error("ICE « {0} » invalide : la clé de contrôle ne correspond pas (vérifiez la saisie).")]
    IceChecksum(String),
    /// The CNSS employer affiliation number is not 7 digits.
    #[error("Numéro d'affiliation CNSS « {0} » invalide : il doit comporter 7 chiffres.")]
    CnssFormat(String),
    /// The region code is not one of MA-01..MA-12.
    #[error("Région « {0} » inconnue : utilisez un code de MA-01 à MA-12.")]
    UnknownRegion(String),
    /// The category code is unknown.
    #[error("Catégorie « {0} » inconnue : {1}.")]
    UnknownCategory(String, &'static str),
    /// The status code is unknown.
    #[error("Statut « {0} » inconnu.")]
    UnknownStatus(String),
    /// A code that is not one of the accepted values (field name, value).
    #[error("Valeur « {1} » inconnue pour le champ {0}.")]
    UnknownCode(Field, String),
    /// An amount in dirhams that does not parse.
    #[error("Montant « {0} » invalide : saisissez des dirhams, par exemple 12 500,00.")]
    Amount(String),
    /// A phone number that is not one.
    #[error(
        "Numéro de téléphone « {0} » invalide : par exemple 06 12 34 56 78 ou +212 6 12 34 56 78."
    )]
    Phone(String),
    /// An email address that is not one.
    #[error("Adresse e-mail « {0} » invalide.")]
    Email(String),
    /// A date and time that does not parse or does not exist in Casablanca time.
    #[error(
        "Date et heure « {0} » invalides : par exemple 2026-12-03 10:00 (heure de Casablanca)."
    )]
    DateTime(String),
    /// A date that does not parse.
    #[error("Date « {0} » invalide : par exemple 2026-12-31.")]
    Date(String),
    /// A percentage over 100.
    #[error("Avancement « {0} » invalide : un pourcentage de 0 à 100.")]
    Progress(String),
    /// A tag that is empty, too long or holds a comma.
    #[error("Étiquette « {0} » invalide : de 1 à 40 caractères, sans virgule.")]
    Tag(String),
    /// A required text field is empty.
    #[error("Le champ « {0} » est obligatoire.")]
    Required(Field),
    /// A text field is longer than allowed.
    #[error("Le champ « {0} » dépasse {1} caractères.")]
    TooLong(Field, usize),
}

impl ValidationError {
    /// Stable machine code of the error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::IceFormat(_) | Self::IceChecksum(_) => "invalid_ice",
            Self::CnssFormat(_) => "invalid_cnss_number",
            Self::UnknownRegion(_) => "unknown_region",
            Self::UnknownCategory(..) => "unknown_category",
            Self::UnknownStatus(_) => "unknown_status",
            Self::UnknownCode(..) => "unknown_code",
            Self::Amount(_) => "invalid_amount",
            Self::Phone(_) => "invalid_phone",
            Self::Email(_) => "invalid_email",
            Self::DateTime(_) => "invalid_datetime",
            Self::Date(_) => "invalid_date",
            Self::Progress(_) => "invalid_progress",
            Self::Tag(_) => "invalid_tag",
            Self::Required(_) => "required",
            Self::TooLong(..) => "too_long",
        }
    }

    /// The values the message carries, by name, for the interface's translations
    /// (`error-<code>` with these arguments). Fields are given by their code.
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            Self::IceFormat(v) => vec![("value", v.clone()), ("problem", "format".into())],
            Self::IceChecksum(v) => vec![("value", v.clone()), ("problem", "checksum".into())],
            Self::CnssFormat(v)
            | Self::UnknownRegion(v)
            | Self::UnknownCategory(v, _)
            | Self::UnknownStatus(v)
            | Self::Amount(v)
            | Self::Phone(v)
            | Self::Email(v)
            | Self::DateTime(v)
            | Self::Date(v)
            | Self::Progress(v)
            | Self::Tag(v) => vec![("value", v.clone())],
            Self::UnknownCode(field, v) => {
                vec![("field", field.code().into()), ("value", v.clone())]
            }
            Self::Required(field) => vec![("field", field.code().into())],
            Self::TooLong(field, max) => {
                vec![("field", field.code().into()), ("max", max.to_string())]
            }
        }
    }
}

/// An error with a stable machine code and a message for the user: the domain's validation
/// errors, the workflow's, the rule engine's refusals, the store's and the server's errors all
/// implement it, so every layer hands the interface and scripts the same shape,
/// `{code, message}` ([`crate::api::ApiError`]).
pub trait Coded: std::fmt::Display {
    /// The stable code (`invalid_ice`, `forbidden_transition`, `wrong_passphrase`, …).
    fn code(&self) -> &'static str;

    /// The values the message carries, by name (a field, a status, a region by its code; a
    /// file name, a number as written), so that the interface can say it in its language.
    fn args(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }

    /// The error as the interface receives it.
    fn to_api(&self) -> crate::api::ApiError {
        crate::api::ApiError::new(self.code(), self.to_string()).with_args(self.args())
    }
}

impl Coded for ValidationError {
    fn code(&self) -> &'static str {
        ValidationError::code(self)
    }

    fn args(&self) -> Vec<(&'static str, String)> {
        ValidationError::args(self)
    }
}

impl Coded for crate::workflow::TransitionError {
    fn code(&self) -> &'static str {
        crate::workflow::TransitionError::code(self)
    }

    fn args(&self) -> Vec<(&'static str, String)> {
        crate::workflow::TransitionError::args(self)
    }
}

impl Coded for crate::engine::Rejection {
    fn code(&self) -> &'static str {
        self.code.as_str()
    }

    fn args(&self) -> Vec<(&'static str, String)> {
        self.args.clone()
    }
}

/// Checks that a trimmed text field is present and not longer than `max` characters.
pub fn required_text(field: Field, value: &str, max: usize) -> Result<String, ValidationError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(ValidationError::Required(field));
    }
    if value.chars().count() > max {
        return Err(ValidationError::TooLong(field, max));
    }
    Ok(value.to_owned())
}
