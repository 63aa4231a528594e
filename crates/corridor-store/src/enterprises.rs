//! Enterprises: recording them (one at a time or a whole import, all or nothing), listing and
//! finding them (name, ICE, city, contacts; Arabic as people type it).

use chrono::Utc;
use corridor_model::mutation::{CreateEnterprise, Op};
use corridor_model::{Enterprise, NewEnterprise};
use uuid::Uuid;

use crate::cases::apply_and_queue_as;
use crate::rows::{enterprise_by_ice, enterprise_from_row, ENTERPRISE_SELECT};
use crate::{Result, Store, StoreError};

impl Store {
    /// Records an enterprise. Refuses a second enterprise with the same ICE.
    pub async fn add_enterprise(&self, new: NewEnterprise) -> Result<Enterprise> {
        let (tx, device) = self.begin_op().await?;
        let id = Uuid::now_v7();
        self.commit_op_in(tx, &device, create_enterprise_op(id, new))
            .await?;
        self.enterprise(id).await
    }

    async fn enterprise(&self, id: Uuid) -> Result<Enterprise> {
        let row = sqlx::query(&format!("{ENTERPRISE_SELECT} WHERE id = ?"))
            .bind(id.to_string())
            .fetch_one(self.pool())
            .await?;
        enterprise_from_row(&row)
    }

    /// Records many enterprises in one transaction: all of them or none. Each row carries the
    /// line number it came from, which any refusal names.
    pub async fn import_enterprises(&self, rows: Vec<(usize, NewEnterprise)>) -> Result<usize> {
        let (mut tx, device) = self.begin_op().await?;
        let now = Utc::now();
        let count = rows.len();
        let actor = crate::rules::actor(&mut tx, &device).await?;
        for (line, e) in rows {
            let op = create_enterprise_op(Uuid::now_v7(), e);
            apply_and_queue_as(&mut tx, &device, &actor, op, now)
                .await
                .map_err(|err| StoreError::ImportLine {
                    line,
                    message: err.to_string(),
                })?;
        }
        tx.commit().await?;
        Ok(count)
    }

    /// Every enterprise, by name.
    pub async fn list_enterprises(&self) -> Result<Vec<Enterprise>> {
        let rows = sqlx::query(&format!("{ENTERPRISE_SELECT} ORDER BY name"))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(enterprise_from_row).collect()
    }

    /// The enterprises whose name, ICE, CNSS number, city, RC, sector or contacts match every
    /// word typed — French without accents, Arabic as people type it (see
    /// [`corridor_model::arabic`]), ICE by its first digits — by name, at most `limit`. Enterprises
    /// are few (thousands): they are matched in memory, as the user types.
    pub async fn search_enterprises(&self, query: &str, limit: usize) -> Result<Vec<Enterprise>> {
        let terms = corridor_model::arabic::Term::parse(query);
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self
            .list_enterprises()
            .await?
            .into_iter()
            .filter(|e| corridor_model::arabic::matches_all(&terms, &searchable(e)))
            .take(limit)
            .collect())
    }

    /// The enterprise with this ICE.
    pub async fn enterprise_by_ice(&self, ice: &str) -> Result<Enterprise> {
        let mut conn = self.pool().acquire().await?;
        enterprise_by_ice(&mut conn, ice)
            .await?
            .ok_or_else(|| StoreError::UnknownEnterprise(ice.to_owned()))
    }
}

pub(crate) fn create_enterprise_op(id: Uuid, e: NewEnterprise) -> Op {
    Op::CreateEnterprise(CreateEnterprise { id, enterprise: e })
}

/// What enterprise search looks at.
pub(crate) fn searchable(e: &Enterprise) -> String {
    let d = &e.details;
    let mut parts: Vec<&str> = vec![&e.name, e.ice.as_str()];
    parts.extend(e.cnss.as_ref().map(|c| c.as_str()));
    parts.extend(
        [&e.city, &d.rc, &d.sector, &d.legal_form]
            .into_iter()
            .flatten()
            .map(String::as_str),
    );
    for c in &d.contacts {
        parts.push(&c.name);
        parts.extend(
            [&c.role, &c.email]
                .into_iter()
                .flatten()
                .map(String::as_str),
        );
    }
    parts.join(" ")
}
