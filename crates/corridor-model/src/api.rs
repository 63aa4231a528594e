//! Transport types between the desktop shell and its interface.
//!
//! Both sides compile this module, so a command's arguments and results cannot drift apart.
//! Errors cross the boundary as [`ApiError`]: a stable `code` the interface may branch on and
//! a `message` already written for the user.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{CaseCategory, Region};

/// An error as the interface receives it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// Stable machine code (`invalid_ice`, `wrong_passphrase`, …).
    pub code: String,
    /// Message for the user, in French.
    pub message: String,
    /// The values the message carries, by name (`field`, `value`, `max`, `from`, `region`, …;
    /// fields, statuses and regions by their codes), for an interface that says the error in
    /// another language: its translation of `code` takes these arguments.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub args: BTreeMap<String, String>,
}

impl ApiError {
    /// An error with its code and French message, without arguments.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError {
            code: code.into(),
            message: message.into(),
            args: BTreeMap::new(),
        }
    }

    /// The same error carrying these arguments.
    #[must_use]
    pub fn with_args<K: Into<String>>(
        mut self,
        args: impl IntoIterator<Item = (K, String)>,
    ) -> Self {
        self.args
            .extend(args.into_iter().map(|(k, v)| (k.into(), v)));
        self
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<crate::ValidationError> for ApiError {
    fn from(e: crate::ValidationError) -> Self {
        crate::error::Coded::to_api(&e)
    }
}

impl From<crate::engine::Rejection> for ApiError {
    fn from(e: crate::engine::Rejection) -> Self {
        crate::error::Coded::to_api(&e)
    }
}

/// How the local store is protected, as shown on the unlock screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StoreState {
    /// No store yet in the data directory: the user chooses how to protect it.
    New,
    /// The store's key is in the OS keyring; unlocking needs no input.
    Keyring,
    /// The store's key is wrapped by a passphrase the user must type.
    Passphrase,
    /// The store is open.
    Unlocked,
}

/// Lock state of the local store plus what the interface needs to offer the right choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreStatus {
    /// Current state.
    pub state: StoreState,
    /// Whether an OS keyring can hold a new store's key on this machine.
    pub keyring_available: bool,
    /// Whether the store can be unlocked without input (keyring, or a configured passphrase).
    pub automatic: bool,
}

/// What the unlock screen sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnlockRequest {
    /// The passphrase, or `None` to use the OS keyring.
    pub passphrase: Option<String>,
}

/// The "new case" form, as typed. The enterprise is found by ICE; when it is not known yet,
/// `enterprise_name` and `region` record it in the same transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCaseForm {
    /// ICE of the enterprise.
    pub ice: String,
    /// Name of the enterprise, required when the ICE is not known yet.
    pub enterprise_name: String,
    /// Region code, required when the ICE is not known yet.
    pub region: String,
    /// Category code.
    pub category: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Priority code (empty: normal).
    #[serde(default)]
    pub priority: String,
    /// Amount at stake in MAD as typed (`12 450,00`), empty when none.
    #[serde(default)]
    pub amount: String,
}

impl NewCaseForm {
    /// The validated case (ICE check digits, category, title, priority, amount); the
    /// enterprise's name and region are checked only when the ICE is not known yet.
    pub fn parse(&self) -> Result<crate::NewCase, crate::ValidationError> {
        let mut new =
            crate::NewCase::parse(&self.ice, &self.category, &self.title, &self.description)?;
        if !self.priority.trim().is_empty() {
            new.priority = self.priority.trim().parse()?;
        }
        if !self.amount.trim().is_empty() {
            new.amount_centimes = Some(crate::case::parse_mad(&self.amount)?);
        }
        Ok(new)
    }
}

/// A line of the case list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseRow {
    /// Case id.
    pub id: String,
    /// Human reference.
    pub reference: String,
    /// Title.
    pub title: String,
    /// Enterprise name.
    pub enterprise_name: String,
    /// Category.
    pub category: CaseCategory,
    /// Status code.
    pub status: crate::CaseStatus,
    /// Region.
    pub region: Region,
    /// Opened at, RFC 3339 UTC.
    pub opened_at: String,
    /// Priority.
    pub priority: crate::Priority,
    /// CGEM officer in charge.
    pub cgem_assignee: Option<String>,
    /// CNSS representative in charge.
    pub cnss_assignee: Option<String>,
}

impl From<crate::Case> for CaseRow {
    fn from(c: crate::Case) -> Self {
        CaseRow {
            id: c.id.to_string(),
            reference: c.reference,
            title: c.title,
            enterprise_name: c.enterprise_name,
            category: c.category,
            status: c.status,
            region: c.region,
            opened_at: c.opened_at.to_rfc3339(),
            priority: c.priority,
            cgem_assignee: c.cgem_assignee,
            cnss_assignee: c.cnss_assignee,
        }
    }
}

/// One search result as the interface shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchHitRow {
    /// The case.
    pub case: CaseRow,
    /// Extract around the match as the text was written, matches marked `[` and `]`.
    pub snippet: String,
}

/// A snippet cut into plain and matched parts (`true`: a match), for display.
pub fn snippet_parts(snippet: &str) -> Vec<(String, bool)> {
    let mut parts = Vec::new();
    let mut rest = snippet;
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find(']').map(|c| open + c) else {
            break;
        };
        if open > 0 {
            parts.push((rest[..open].to_owned(), false));
        }
        parts.push((rest[open + 1..close].to_owned(), true));
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        parts.push((rest.to_owned(), false));
    }
    parts
}

/// Reachability of the central corridor server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerStatus {
    /// Server base URL.
    pub url: String,
    /// Whether `/v1/health` answered OK.
    pub reachable: bool,
    /// Server version when reachable.
    pub version: Option<String>,
}

/// Body of `GET /v1/health`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// `ok` when the server and its database answer.
    pub status: String,
    /// `sqlite` or `postgres`.
    pub database: String,
    /// Server version.
    pub version: String,
}

/// What a user may do on the corridor server.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// CGEM corridor officer: the cases of their regions.
    CgemOfficer,
    /// CNSS regional representative: the cases of their regions.
    CnssRep,
    /// Permanent committee: every region, read-only.
    Committee,
    /// Administrator.
    Admin,
}

impl Role {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::CgemOfficer => "cgem_officer",
            Self::CnssRep => "cnss_rep",
            Self::Committee => "committee",
            Self::Admin => "admin",
        }
    }

    /// The institution of the role (committee members and admins count as CGEM locally).
    pub fn institution(self) -> crate::timeline::Institution {
        match self {
            Self::CnssRep => crate::timeline::Institution::Cnss,
            _ => crate::timeline::Institution::Cgem,
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

impl std::str::FromStr for Role {
    type Err = crate::ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "cgem_officer" => Ok(Self::CgemOfficer),
            "cnss_rep" => Ok(Self::CnssRep),
            "committee" => Ok(Self::Committee),
            "admin" => Ok(Self::Admin),
            other => Err(crate::ValidationError::UnknownCode(
                crate::Field::Role,
                other.to_owned(),
            )),
        }
    }
}

/// Body of `POST /v1/login`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Login name (64 characters at most, not blank).
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 64, pattern = r"\S")
    )]
    pub username: String,
    /// Password (1 024 bytes at most: 256 characters of any script always fit).
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 256))]
    pub password: String,
    /// The device's id (UUID made by the device).
    pub device_id: uuid::Uuid,
    /// A name for the device (host name; 100 characters at most, not blank).
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 100, pattern = r"\S")
    )]
    pub device_name: String,
}

/// Answer of `POST /v1/login` (with the token) and `GET /v1/me` (without).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginResponse {
    /// Bearer token (only at login).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// Login name.
    pub username: String,
    /// Role.
    pub role: Role,
    /// Regions (empty: every region).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>, example = json!(["MA-06", "MA-04"])))]
    pub regions: Vec<Region>,
}

#[cfg(test)]
mod tests {
    use super::{snippet_parts, NewCaseForm};

    #[test]
    fn the_new_case_form_takes_a_priority_and_an_amount() {
        let form = NewCaseForm {
            ice: "001561191000066".to_owned(),
            enterprise_name: String::new(),
            region: String::new(),
            category: "debt_schedule".to_owned(),
            title: "Échéancier".to_owned(),
            description: String::new(),
            priority: "urgent".to_owned(),
            amount: "12 450,50".to_owned(),
        };
        let new = form.parse().expect("valid");
        assert_eq!(new.priority, crate::Priority::Urgent);
        assert_eq!(new.amount_centimes, Some(1_245_050));
        let plain = NewCaseForm {
            priority: String::new(),
            amount: " ".to_owned(),
            ..form.clone()
        };
        let new = plain.parse().expect("valid");
        assert_eq!(
            new.priority,
            crate::Priority::Normal,
            "normal unless chosen"
        );
        assert_eq!(new.amount_centimes, None);
        let bad = NewCaseForm {
            amount: "douze mille".to_owned(),
            ..form.clone()
        };
        assert!(bad.parse().unwrap_err().to_string().contains("douze mille"));
        let bad = NewCaseForm {
            priority: "énorme".to_owned(),
            ..form
        };
        assert!(bad.parse().is_err());
    }

    #[test]
    fn snippets_split_into_plain_and_matched_parts() {
        assert_eq!(
            snippet_parts("…طلب [إعادة] التسجيل في [الضمان]"),
            vec![
                ("…طلب ".to_owned(), false),
                ("إعادة".to_owned(), true),
                (" التسجيل في ".to_owned(), false),
                ("الضمان".to_owned(), true),
            ]
        );
        assert_eq!(
            snippet_parts("sans marque"),
            vec![("sans marque".to_owned(), false)]
        );
        assert_eq!(
            snippet_parts("crochet [ouvert"),
            vec![("crochet [ouvert".to_owned(), false)]
        );
    }
}
