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
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

code_enum!(
    /// Priority of a case.
    Priority, |s| ValidationError::UnknownCode(crate::Field::Priority, s), {
    /// Low.
    Low = "low" / "Basse",
    /// Normal (default).
    Normal = "normal" / "Normale",
    /// High.
    High = "high" / "Haute",
    /// Urgent.
    Urgent = "urgent" / "Urgente",
});

#[expect(
    clippy::derivable_impls,
    reason = "the enum comes from `code_enum!`, which takes no variant attributes"
)]
impl Default for Priority {
    fn default() -> Self {
        Priority::Normal
    }
}

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
    /// Priority.
    pub priority: Priority,
    /// Amount at stake, in centimes of MAD.
    pub amount_centimes: Option<i64>,
    /// CGEM officer in charge.
    pub cgem_assignee: Option<String>,
    /// CNSS representative in charge.
    pub cnss_assignee: Option<String>,
    /// When it was last resolved or rejected (UTC).
    pub resolved_at: Option<DateTime<Utc>>,
    /// Resolution summary (the reason given when resolving or rejecting).
    pub resolution: Option<String>,
    /// Parent case.
    pub parent_id: Option<Uuid>,
    /// Free tags, sorted.
    #[serde(default)]
    pub tags: Vec<String>,
}

/// Normalises a tag: trimmed, lower case, 1 to 40 characters, no comma.
pub fn parse_tag(input: &str) -> Result<String, ValidationError> {
    let t = input.trim().to_lowercase();
    if t.is_empty() || t.chars().count() > 40 || t.contains(',') {
        return Err(ValidationError::Tag(input.trim().to_owned()));
    }
    Ok(t)
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
    /// Priority (normal unless chosen).
    #[serde(default)]
    pub priority: Priority,
    /// Amount at stake, in centimes of MAD.
    #[serde(default)]
    pub amount_centimes: Option<i64>,
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
            return Err(ValidationError::TooLong(crate::Field::Description, 20_000));
        }
        Ok(NewCase {
            ice: ice.parse()?,
            category: category.parse()?,
            title: required_text(crate::Field::Title, title, 200)?,
            description: description.to_owned(),
            priority: Priority::default(),
            amount_centimes: None,
        })
    }
}

/// The year of an instant in Morocco's legal time (`Africa/Casablanca`), which numbers
/// references: a case opened at 00:30 on 1 January in Casablanca belongs to the new year.
pub fn casablanca_year(at: DateTime<Utc>) -> i32 {
    use chrono::Datelike;
    at.with_timezone(&chrono_tz::Africa::Casablanca).year()
}

/// Formats a final case reference, as the server assigns it: `COR-2026-06-0042`.
pub fn format_reference(year: i32, region: Region, sequence: u32) -> String {
    format!("COR-{year}-{:02}-{sequence:04}", region.number())
}

/// Formats a provisional reference made offline on a device: `COR-2026-06-P0042-1A2B3C`. The
/// `P` marks it provisional; the suffix (from the device id) keeps it unique across devices
/// until the server assigns the final one.
pub fn format_provisional_reference(
    year: i32,
    region: Region,
    sequence: u32,
    device: Uuid,
) -> String {
    let dev = device.simple().to_string();
    let suffix = dev.get(dev.len() - 6..).unwrap_or(&dev).to_uppercase();
    format!("COR-{year}-{:02}-P{sequence:04}-{suffix}", region.number())
}

/// Whether a reference is a device's provisional one (`COR-2026-06-P0001-A1B2C3`), awaiting
/// the final reference the server assigns.
pub fn is_provisional_reference(reference: &str) -> bool {
    reference
        .split('-')
        .nth(3)
        .is_some_and(|part| part.starts_with('P'))
}

/// Parses an amount in dirhams as typed (`1 234,56`, `1234.5`, `800`) into centimes.
pub fn parse_mad(input: &str) -> Result<i64, ValidationError> {
    let bad = || ValidationError::Amount(input.trim().to_owned());
    let cleaned: String = input
        .trim()
        .trim_end_matches("MAD")
        .trim_end_matches("DH")
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{202f}' && *c != '\u{a0}')
        .map(|c| if c == ',' { '.' } else { c })
        .collect();
    let (whole, frac) = cleaned.split_once('.').unwrap_or((&cleaned, ""));
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 2
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    let frac: i64 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
    whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(frac))
        .ok_or_else(bad)
}

/// Formats centimes as French-style dirhams: `1 234,56 MAD`.
pub fn format_mad(centimes: i64) -> String {
    let sign = if centimes < 0 { "-" } else { "" };
    let abs = centimes.unsigned_abs();
    let whole = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push('\u{202f}');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped},{:02} MAD", abs % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provisional_references_are_told_from_final_ones() {
        let r = Region::from_number(6).expect("region");
        let device = Uuid::now_v7();
        assert!(is_provisional_reference(&format_provisional_reference(
            2026, r, 42, device
        )));
        assert!(!is_provisional_reference(&format_reference(2026, r, 42)));
        assert!(!is_provisional_reference("COR-2026"));
    }

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
            ValidationError::Required(crate::Field::Title)
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
    fn amounts_in_dirhams_become_centimes() {
        assert_eq!(parse_mad("1 234,56"), Ok(123_456));
        assert_eq!(parse_mad("800"), Ok(80_000));
        assert_eq!(parse_mad("12.5 MAD"), Ok(1_250));
        for bad in ["", "-5", "1,234,5", "12,345", "abc", "1.2.3"] {
            assert_eq!(
                parse_mad(bad).expect_err(bad).code(),
                "invalid_amount",
                "{bad}"
            );
        }
        assert_eq!(format_mad(123_456), "1\u{202f}234,56 MAD");
        assert_eq!(format_mad(5), "0,05 MAD");
    }

    #[test]
    fn provisional_references_carry_the_device() {
        let r = Region::from_number(6).expect("MA-06");
        let dev = Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
        assert_eq!(
            format_provisional_reference(2026, r, 7, dev),
            "COR-2026-06-P0007-ABCDEF"
        );
    }

    #[test]
    fn tags_are_normalised() {
        assert_eq!(parse_tag(" Ramadan "), Ok("ramadan".to_owned()));
        for bad in ["", "a,b", &"x".repeat(41)] {
            assert_eq!(parse_tag(bad).expect_err(bad).code(), "invalid_tag");
        }
    }

    #[test]
    fn references_are_zero_padded() {
        let r = Region::from_number(6).expect("MA-06");
        assert_eq!(format_reference(2026, r, 42), "COR-2026-06-0042");
    }
}
