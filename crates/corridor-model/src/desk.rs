//! Transport types of the desktop's screens: what the shell's commands take and return beyond
//! the first-run types of [`crate::api`].
//!
//! The store and the sync client produce these; the interface only displays them. Rules (what
//! may be done) come from [`crate::engine::allowed`], computed by the store for the signed-in
//! user, never recomputed in the interface.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::api::{ApiError, Role};
use crate::engine::Allowed;
use crate::sla::SlaReport;
use crate::sync::Conflict;
use crate::timeline::{CaseEvent, Visibility};
use crate::{Case, CaseStatus, Region};

/// Header naming the case (id or reference) of the shell's `attach_file` command, whose body
/// is the file's raw content.
pub const ATTACH_CASE_HEADER: &str = "x-corridor-case";
/// Header carrying the attached file's name, percent-encoded (names may be Arabic).
pub const ATTACH_NAME_HEADER: &str = "x-corridor-name";

/// An attachment of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// SHA-256 of the content (hex).
    pub hash: String,
    /// Original file name.
    pub name: String,
    /// MIME type.
    pub mime: String,
    /// Size in bytes.
    pub size: u64,
    /// Timeline event that added it.
    pub event_id: Uuid,
}

/// Another case named by a case: its id (what screens link to: it never changes) and its
/// reference (what people read: provisional until the server assigns the final one).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CaseLink {
    /// Case id.
    pub id: Uuid,
    /// Reference.
    pub reference: String,
}

impl std::fmt::Display for CaseLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reference)
    }
}

/// A case with its timeline and relations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseDetail {
    /// The case.
    #[serde(flatten)]
    pub case: Case,
    /// Its timeline, oldest first.
    pub timeline: Vec<CaseEvent>,
    /// Its parent case, if it has one.
    #[serde(default)]
    pub parent: Option<CaseLink>,
    /// Its child cases, by reference.
    pub children: Vec<CaseLink>,
    /// Linked cases, by reference.
    pub links: Vec<CaseLink>,
    /// Its deadlines, evaluated now.
    pub sla: SlaReport,
    /// Its attachments.
    pub attachments: Vec<Attachment>,
}

/// Everything the case screen shows: the case, what this user may do with it now, and the
/// conflicts waiting on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseView {
    /// The case and its timeline.
    pub detail: CaseDetail,
    /// What the signed-in user may do (from the engine).
    pub allowed: Allowed,
    /// Unresolved conflicts of this case.
    pub conflicts: Vec<Conflict>,
    /// Whether the case has changes not yet accepted by the server.
    pub pending: bool,
}

/// A status change asked from the case screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransitionForm {
    /// Case id or reference.
    pub case: String,
    /// Target status.
    pub to: CaseStatus,
    /// Reason, where the workflow asks one.
    pub reason: Option<String>,
}

/// A note added from the case screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteForm {
    /// Case id or reference.
    pub case: String,
    /// Who may read it.
    pub visibility: Visibility,
    /// The text.
    pub text: String,
}

/// The sign-in form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInForm {
    /// Address of the corridor server.
    pub server_url: String,
    /// Login name.
    pub username: String,
    /// Password (never stored, never logged).
    pub password: String,
}

/// Who is signed in on this device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    /// Server address.
    pub server_url: String,
    /// Login name.
    pub username: String,
    /// Role.
    pub role: Role,
    /// Regions the user works in.
    pub regions: Vec<Region>,
}

/// Phase of the background synchronisation, as the top bar shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncPhase {
    /// Signed in and the last sync succeeded.
    Online,
    /// The server cannot be reached (or nobody is signed in): work goes on locally.
    Offline,
    /// A sync is running.
    Syncing,
    /// The last sync failed for another reason (see `error`).
    Error,
}

impl SyncPhase {
    /// Stable code (the `data-state` of the top bar's indicator).
    pub fn code(self) -> &'static str {
        match self {
            SyncPhase::Online => "online",
            SyncPhase::Offline => "offline",
            SyncPhase::Syncing => "syncing",
            SyncPhase::Error => "error",
        }
    }
}

/// A change the server refused, as listed for the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedChange {
    /// Name of the change (`transition_case`, `add_note`, …).
    pub name: String,
    /// The server's code.
    pub code: String,
    /// The server's reason, in French.
    pub message: String,
    /// The values of the reason, for its translation (see [`ApiError::args`]).
    #[serde(default)]
    pub args: std::collections::BTreeMap<String, String>,
    /// When the answer came (RFC 3339).
    pub at: String,
}

impl RefusedChange {
    /// The server's reason as an error the interface translates.
    pub fn reason(&self) -> ApiError {
        ApiError::new(&self.code, &self.message).with_args(self.args.clone())
    }
}

/// The work recorded on this device, as the store knows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalWork {
    /// Changes recorded here and not yet accepted by the server.
    pub pending: usize,
    /// Conflicts waiting for a person on this device.
    pub conflicts: usize,
    /// Changes the server refused, newest first.
    pub refused: Vec<RefusedChange>,
    /// End of the last pull (RFC 3339).
    pub last_sync: Option<String>,
}

/// The state of the work on this device: saved locally, waiting, synced, refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncState {
    /// Current phase.
    pub phase: SyncPhase,
    /// Who is signed in, if anyone.
    pub session: Option<SessionView>,
    /// Pending, conflicts, refused, last sync (`None` while the store is locked).
    pub work: Option<LocalWork>,
    /// Documents received so far by the running sync.
    pub progress: Option<usize>,
    /// How far the running pull is, in percent, when known.
    #[serde(default)]
    pub percent: Option<u8>,
    /// Why the last sync failed.
    pub error: Option<ApiError>,
    /// The server revoked this device and its data was wiped.
    pub revoked: bool,
    /// What the last syncs brought for the signed-in user (newest last, a few kept).
    #[serde(default)]
    pub notices: Vec<crate::notices::Notice>,
}

/// One line of an enterprise import, as the preview shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportLine {
    /// Line number in the file (the header is line 1).
    pub line: usize,
    /// Name as written.
    pub name: String,
    /// ICE as written.
    pub ice: String,
    /// Region as written.
    pub region: String,
    /// Why the line would be refused (`None`: it would be recorded).
    pub error: Option<ApiError>,
}

/// What an enterprise import would do: every line with its verdict. Nothing is imported while
/// any line is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportPreview {
    /// The lines, in file order.
    pub lines: Vec<ImportLine>,
    /// How many lines are refused.
    pub errors: usize,
}

/// An enterprise with its cases, for its screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnterpriseView {
    /// The enterprise.
    pub enterprise: crate::Enterprise,
    /// Its cases, newest first.
    pub cases: Vec<crate::api::CaseRow>,
}

/// A contact as typed in the enterprise form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactForm {
    /// Full name.
    pub name: String,
    /// Role.
    pub role: String,
    /// Phone, as typed.
    pub phone: String,
    /// Email.
    pub email: String,
}

/// The enterprise form, as typed (empty texts mean "none").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnterpriseForm {
    /// Company name.
    pub name: String,
    /// CNSS affiliation number.
    pub cnss: String,
    /// City.
    pub city: String,
    /// Trade register.
    pub rc: String,
    /// Legal form.
    pub legal_form: String,
    /// Sector.
    pub sector: String,
    /// Size code (`tpe`, `pme`, `ge`) or empty.
    pub size: String,
    /// CGEM member.
    pub cgem_member: bool,
    /// Contacts; a line left entirely empty is dropped.
    pub contacts: Vec<ContactForm>,
}

impl EnterpriseForm {
    /// The form of an enterprise as it is (to edit it).
    pub fn of(e: &crate::Enterprise) -> Self {
        let d = &e.details;
        let text = |s: &Option<String>| s.clone().unwrap_or_default();
        EnterpriseForm {
            name: e.name.clone(),
            cnss: e
                .cnss
                .as_ref()
                .map(|c| c.as_str().to_owned())
                .unwrap_or_default(),
            city: text(&e.city),
            rc: text(&d.rc),
            legal_form: text(&d.legal_form),
            sector: text(&d.sector),
            size: d.size.map(|s| s.code().to_owned()).unwrap_or_default(),
            cgem_member: d.cgem_member,
            contacts: d
                .contacts
                .iter()
                .map(|c| ContactForm {
                    name: c.name.clone(),
                    role: text(&c.role),
                    phone: text(&c.phone),
                    email: text(&c.email),
                })
                .collect(),
        }
    }

    /// The change, validated (CNSS number, size, each contact's phone and email).
    pub fn parse(&self) -> Result<crate::mutation::EnterpriseEdit, crate::ValidationError> {
        let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let contacts = self
            .contacts
            .iter()
            .filter(|c| {
                ![&c.name, &c.role, &c.phone, &c.email]
                    .iter()
                    .all(|f| f.trim().is_empty())
            })
            .map(|c| {
                crate::Contact::parse(
                    &c.name,
                    opt(&c.role).as_deref(),
                    opt(&c.phone).as_deref(),
                    opt(&c.email).as_deref(),
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(crate::mutation::EnterpriseEdit {
            name: crate::error::required_text(crate::Field::EnterpriseName, &self.name, 200)?,
            cnss: opt(&self.cnss).map(|c| c.parse()).transpose()?,
            city: opt(&self.city),
            details: crate::EnterpriseDetails {
                rc: opt(&self.rc),
                legal_form: opt(&self.legal_form),
                sector: opt(&self.sector),
                size: opt(&self.size).map(|s| s.parse()).transpose()?,
                cgem_member: self.cgem_member,
                contacts,
            },
        })
    }
}

/// Filters, order and page of the case list, as codes (the CLI's flags, the table's chips).
/// Empty fields match everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseQuery {
    /// Status code.
    pub status: Option<String>,
    /// Region code (`MA-06`) or number.
    pub region: Option<String>,
    /// Category code.
    pub category: Option<String>,
    /// Priority code.
    pub priority: Option<String>,
    /// Person in charge (either side).
    pub assignee: Option<String>,
    /// Tag.
    pub tag: Option<String>,
    /// SLA band: `breached`, `near` or `ok`.
    pub sla: Option<String>,
    /// Order: `newest` (default), `oldest`, `priority`, `reference`, `title`.
    pub sort: Option<String>,
    /// Page size.
    pub limit: Option<u32>,
    /// Rows to skip.
    #[serde(default)]
    pub offset: u32,
}

/// Changes to a case's fields as typed (the CLI's flags, the case screen's form); absent fields
/// stay as they are, an empty amount clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseEditForm {
    /// New title.
    pub title: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New amount in MAD as typed (`12 450,00`), or empty to clear it.
    pub amount: Option<String>,
    /// New priority code.
    pub priority: Option<String>,
    /// New category code.
    #[serde(default)]
    pub category: Option<String>,
}

impl CaseEditForm {
    /// The edit, with the amount and the priority parsed (an invalid one is refused, naming
    /// what was typed).
    pub fn parse(&self) -> Result<crate::mutation::CaseEdit, crate::ValidationError> {
        Ok(crate::mutation::CaseEdit {
            title: self.title.clone(),
            description: self.description.clone(),
            amount_centimes: self
                .amount
                .as_deref()
                .map(|a| {
                    if a.trim().is_empty() {
                        Ok(None)
                    } else {
                        crate::case::parse_mad(a).map(Some)
                    }
                })
                .transpose()?,
            priority: self
                .priority
                .as_deref()
                .map(str::parse::<crate::Priority>)
                .transpose()?,
            category: self
                .category
                .as_deref()
                .map(str::parse::<crate::CaseCategory>)
                .transpose()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_enterprise_form_validates_contacts_and_numbers() {
        let mut form = EnterpriseForm {
            name: " Atlas Textile SARL ".to_owned(),
            cnss: "1234567".to_owned(),
            size: "pme".to_owned(),
            contacts: vec![
                ContactForm {
                    name: "Karim Alaoui".to_owned(),
                    role: "DRH".to_owned(),
                    phone: "06 12 34 56 78".to_owned(),
                    email: String::new(),
                },
                ContactForm::default(),
            ],
            ..EnterpriseForm::default()
        };
        let edit = form.parse().expect("valid");
        assert_eq!(edit.name, "Atlas Textile SARL");
        assert_eq!(edit.details.size, Some(crate::SizeClass::Pme));
        assert_eq!(edit.details.contacts.len(), 1, "the empty line is dropped");
        assert_eq!(
            edit.details.contacts[0].phone.as_deref(),
            Some("+212612345678")
        );
        assert_eq!(edit.city, None);
        form.contacts[0].phone = "12".to_owned();
        assert_eq!(form.parse().unwrap_err().code(), "invalid_phone");
        form.contacts[0].phone = String::new();
        form.cnss = "12".to_owned();
        assert_eq!(form.parse().unwrap_err().code(), "invalid_cnss_number");
        form.cnss = String::new();
        form.name = "  ".to_owned();
        assert_eq!(form.parse().unwrap_err().code(), "required");
    }

    #[test]
    fn an_edit_form_parses_amounts_and_priorities_and_refuses_bad_ones() {
        let form = CaseEditForm {
            amount: Some("12 450,50".to_owned()),
            priority: Some("high".to_owned()),
            ..CaseEditForm::default()
        };
        let edit = form.parse().expect("valid");
        assert_eq!(edit.amount_centimes, Some(Some(1_245_050)));
        assert_eq!(edit.priority, Some(crate::Priority::High));
        assert_eq!(edit.title, None, "absent fields stay absent");
        let clear = CaseEditForm {
            amount: Some("  ".to_owned()),
            ..CaseEditForm::default()
        };
        assert_eq!(clear.parse().expect("clear").amount_centimes, Some(None));
        let bad = CaseEditForm {
            amount: Some("douze".to_owned()),
            ..CaseEditForm::default()
        };
        assert!(bad.parse().unwrap_err().to_string().contains("douze"));
        let bad = CaseEditForm {
            priority: Some("énorme".to_owned()),
            ..CaseEditForm::default()
        };
        assert!(bad.parse().is_err());
        let category = CaseEditForm {
            category: Some("debt_schedule".to_owned()),
            ..CaseEditForm::default()
        };
        assert_eq!(
            category.parse().expect("valid").category,
            Some(crate::CaseCategory::DebtSchedule)
        );
        let bad = CaseEditForm {
            category: Some("divers".to_owned()),
            ..CaseEditForm::default()
        };
        assert!(bad.parse().is_err());
    }
}
