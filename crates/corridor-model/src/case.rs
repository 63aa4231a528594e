//! Cases ("dossiers"): what an employer brings to the corridor, and its codes.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::required_text;
use crate::{Ice, Region, ValidationError};

macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident, $err:expr, { $($(#[$vm:meta])* $v:ident = $code:literal / $fr:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vm])* $v),+
        }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [$name] = &[$($name::$v),+];

            /// Stable code, as stored and exchanged.
            pub fn code(self) -> &'static str {
                match self { $($name::$v => $code),+ }
            }

            /// Label in French.
            pub fn label_fr(self) -> &'static str {
                match self { $($name::$v => $fr),+ }
            }
        }

        impl FromStr for $name {
            type Err = ValidationError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s.trim() {
                    $($code => Ok($name::$v),)+
                    _ => Err($err(s.to_owned())),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

const CATEGORY_HELP: &str = "blocked_benefit, e_services, debt_schedule, inspection, \
affiliation, salary_declaration, dispute ou other";

code_enum!(
    /// Category of a case (starting set of the corridor).
    CaseCategory, |s| ValidationError::UnknownCategory(s, CATEGORY_HELP), {
    /// Prestations bloquées.
    BlockedBenefit = "blocked_benefit" / "Prestations bloquées",
    /// Services électroniques / Damancom.
    EServices = "e_services" / "Services électroniques / Damancom",
    /// Recouvrement et échéancier.
    DebtSchedule = "debt_schedule" / "Recouvrement et échéancier",
    /// Contrôle et redressement.
    Inspection = "inspection" / "Contrôle et redressement",
    /// Immatriculation / affiliation.
    Affiliation = "affiliation" / "Immatriculation / affiliation",
    /// Déclaration des salaires.
    SalaryDeclaration = "salary_declaration" / "Déclaration des salaires",
    /// Litige / différend.
    Dispute = "dispute" / "Litige / différend",
    /// Autre.
    Other = "other" / "Autre",
});

code_enum!(
    /// Status of a case in the corridor workflow.
    CaseStatus, ValidationError::UnknownStatus, {
    /// Being prepared by the officer.
    Draft = "draft" / "Brouillon",
    /// Submitted for qualification.
    Submitted = "submitted" / "Soumis",
    /// Qualified by CGEM.
    Qualified = "qualified" / "Qualifié",
    /// Transmitted to the CNSS.
    TransmittedToCnss = "transmitted_to_cnss" / "Transmis à la CNSS",
    /// Being worked.
    InProgress = "in_progress" / "En cours",
    /// Waiting on the employer (SLA paused).
    AwaitingEmployer = "awaiting_employer" / "En attente de l'employeur",
    /// Waiting on the CNSS.
    AwaitingCnss = "awaiting_cnss" / "En attente de la CNSS",
    /// Resolved.
    Resolved = "resolved" / "Résolu",
    /// Rejected.
    Rejected = "rejected" / "Rejeté",
    /// Closed.
    Closed = "closed" / "Clôturé",
});

/// A case as stored and listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    /// UUIDv7 made by the device that opened it.
    pub id: Uuid,
    /// Human reference, `COR-<year>-<region number>-<sequence>`.
    pub reference: String,
    /// The enterprise the case is about.
    pub enterprise_id: Uuid,
    /// Name of that enterprise (denormalised for lists).
    pub enterprise_name: String,
    /// ICE of that enterprise.
    pub ice: Ice,
    /// Category.
    pub category: CaseCategory,
    /// Short title.
    pub title: String,
    /// Longer description.
    pub description: String,
    /// Workflow status.
    pub status: CaseStatus,
    /// Region (that of the enterprise).
    pub region: Region,
    /// When the case was opened (UTC).
    pub opened_at: DateTime<Utc>,
}

/// A validated request to open a case for an enterprise known by its ICE.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCase {
    /// ICE of the enterprise.
    pub ice: Ice,
    /// Category.
    pub category: CaseCategory,
    /// Short title.
    pub title: String,
    /// Longer description (may be empty).
    pub description: String,
}

impl NewCase {
    /// Validates raw input.
    pub fn parse(
        ice: &str,
        category: &str,
        title: &str,
        description: &str,
    ) -> Result<Self, ValidationError> {
        let description = description.trim();
        if description.chars().count() > 20_000 {
            return Err(ValidationError::TooLong("description", 20_000));
        }
        Ok(NewCase {
            ice: ice.parse()?,
            category: category.parse()?,
            title: required_text("titre", title, 200)?,
            description: description.to_owned(),
        })
    }
}

/// The year of an instant in Morocco's legal time (`Africa/Casablanca`), which numbers
/// references: a case opened at 00:30 on 1 January in Casablanca belongs to the new year.
pub fn casablanca_year(at: DateTime<Utc>) -> i32 {
    use chrono::Datelike;
    at.with_timezone(&chrono_tz::Africa::Casablanca).year()
}

/// Formats a case reference: `COR-2026-06-0042`.
pub fn format_reference(year: i32, region: Region, sequence: u32) -> String {
    format!("COR-{year}-{:02}-{sequence:04}", region.number())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_match_serde() {
        for c in CaseCategory::ALL {
            assert_eq!(c.code().parse::<CaseCategory>(), Ok(*c));
            assert_eq!(
                serde_json::to_string(c).expect("json"),
                format!("\"{}\"", c.code())
            );
        }
        for s in CaseStatus::ALL {
            assert_eq!(s.code().parse::<CaseStatus>(), Ok(*s));
            assert_eq!(
                serde_json::to_string(s).expect("json"),
                format!("\"{}\"", s.code())
            );
        }
        assert_eq!(CaseStatus::ALL.len(), 10);
        assert_eq!(CaseCategory::ALL.len(), 8);
    }

    #[test]
    fn unknown_category_lists_the_valid_codes() {
        let err = "pension".parse::<CaseCategory>().expect_err("unknown");
        assert!(err.to_string().contains("pension"));
        assert!(err.to_string().contains("blocked_benefit"));
    }

    #[test]
    fn new_case_validates_every_field() {
        let ok = NewCase::parse("001561191000066", "blocked_benefit", " IJ maternité ", "")
            .expect("valid");
        assert_eq!(ok.title, "IJ maternité");
        assert_eq!(
            NewCase::parse("001561191000067", "other", "t", "")
                .expect_err("ice")
                .code(),
            "invalid_ice"
        );
        assert_eq!(
            NewCase::parse("001561191000066", "other", "   ", "").expect_err("title"),
            ValidationError::Required("titre")
        );
    }

    #[test]
    fn reference_year_follows_casablanca_time() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().expect("rfc3339");
        // 23:30 UTC on 31 December is 00:30 on 1 January in Casablanca (UTC+1).
        assert_eq!(casablanca_year(at("2025-12-31T23:30:00Z")), 2026);
        assert_eq!(casablanca_year(at("2025-12-31T22:30:00Z")), 2025);
    }

    #[test]
    fn references_are_zero_padded() {
        let r = Region::from_number(6).expect("MA-06");
        assert_eq!(format_reference(2026, r, 42), "COR-2026-06-0042");
    }
}
