//! The rules of an enterprise's record: who may change it (a writer of cases in its region),
//! what a valid record is (the name required, contacts each valid, texts bounded), and a
//! change over someone else's newer version refused as stale, never applied over it.

use uuid::Uuid;

use super::cases::Applier;
use super::meetings::stale;
use super::{required, Rejection, Write, MAX_NAME, MAX_TITLE};
use crate::mutation::EnterpriseEdit;
use crate::{Contact, Enterprise, Field};

/// The base key of an enterprise's editable fields.
pub const ENTERPRISE: &str = "enterprise";

/// An optional text: trimmed, empty means none, bounded.
fn optional(field: Field, value: Option<&str>) -> Result<Option<String>, Rejection> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => required(field, v, MAX_TITLE).map(Some),
    }
}

impl Applier<'_> {
    pub(super) fn update_enterprise(
        &mut self,
        id: Uuid,
        edit: &EnterpriseEdit,
    ) -> Result<(), Rejection> {
        let actor = self.ctx.actor;
        actor.writes_cases()?;
        let id = self.view.aliases.get(&id).copied().unwrap_or(id);
        let current = self
            .view
            .enterprises
            .get(&id)
            .ok_or_else(Rejection::unknown_enterprise)?;
        if !actor.sees(Some(current.region)) {
            return Err(Rejection::out_of_scope(current.region));
        }
        let d = &edit.details;
        let contacts = d
            .contacts
            .iter()
            .map(|c| {
                Ok(Contact::parse(
                    &c.name,
                    c.role.as_deref(),
                    c.phone.as_deref(),
                    c.email.as_deref(),
                )?)
            })
            .collect::<Result<Vec<_>, Rejection>>()?;
        if contacts.len() > MAX_NAME {
            return Err(crate::ValidationError::TooLong(Field::Contacts, MAX_NAME).into());
        }
        let mut next: Enterprise = current.clone();
        next.name = required(Field::EnterpriseName, &edit.name, MAX_TITLE)?;
        next.cnss.clone_from(&edit.cnss);
        next.city = optional(Field::City, edit.city.as_deref())?;
        next.details = crate::EnterpriseDetails {
            rc: optional(Field::TradeRegister, d.rc.as_deref())?,
            legal_form: optional(Field::LegalForm, d.legal_form.as_deref())?,
            sector: optional(Field::Sector, d.sector.as_deref())?,
            size: d.size,
            cgem_member: d.cgem_member,
            contacts,
        };
        if next == *current {
            return Ok(());
        }
        if self.is_stale(ENTERPRISE, current.version, current.writer) {
            return Err(stale("enterprise"));
        }
        let (mut v, mut w) = (next.version, next.writer);
        self.bump_version(&mut v, &mut w);
        (next.version, next.writer) = (v, w);
        self.fx.writes.push(Write::enterprise(next));
        Ok(())
    }
}
