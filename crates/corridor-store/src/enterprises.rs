//! Enterprises: recording them (one at a time or a whole import, all or nothing), listing and
//! finding them (name, ICE, city, contacts; Arabic as people type it).

use chrono::Utc;
use corridor_model::api::CaseRow;
use corridor_model::desk::{EnterpriseView, ImportLine, ImportPreview};
use corridor_model::error::Coded;
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

    /// What importing this CSV would do, line by line: the file's own errors (format, ICE
    /// check digits, duplicates in the file) and what the rules would refuse (an ICE already
    /// recorded, a region outside the user's), each with its line. Nothing is kept: every
    /// line is tried in one transaction that is rolled back.
    pub async fn preview_enterprise_import(&self, csv: &str) -> Result<ImportPreview> {
        let read = crate::exchange::read_enterprise_csv(csv.as_bytes())?;
        let (mut tx, device) = self.begin_op().await?;
        let now = Utc::now();
        let actor = crate::rules::actor(&mut tx, &device).await?;
        let mut lines = Vec::with_capacity(read.len());
        for l in read {
            let error = match l.parsed {
                Err(message) => Some(message),
                Ok(e) => {
                    sqlx::query("SAVEPOINT import_line")
                        .execute(&mut *tx)
                        .await?;
                    let tried = apply_and_queue_as(
                        &mut tx,
                        &device,
                        &actor,
                        create_enterprise_op(Uuid::now_v7(), e),
                        now,
                    )
                    .await;
                    sqlx::query("ROLLBACK TO import_line")
                        .execute(&mut *tx)
                        .await?;
                    tried.err().map(|err| err.to_api())
                }
            };
            lines.push(ImportLine {
                line: l.line,
                name: l.name,
                ice: l.ice,
                region: l.region,
                error,
            });
        }
        tx.rollback().await?;
        let errors = lines.iter().filter(|l| l.error.is_some()).count();
        Ok(ImportPreview { lines, errors })
    }

    /// The enterprise with this id and its cases, newest first.
    pub async fn enterprise_view(&self, id: &str) -> Result<EnterpriseView> {
        let id: Uuid = id
            .trim()
            .parse()
            .map_err(|_| StoreError::UnknownEnterprise(id.trim().to_owned()))?;
        let enterprise = self.enterprise(id).await.map_err(|e| match e {
            StoreError::Database(sqlx::Error::RowNotFound) => {
                StoreError::UnknownEnterprise(id.to_string())
            }
            other => other,
        })?;
        let filter = crate::CaseFilter {
            enterprise: Some(id),
            ..crate::CaseFilter::default()
        };
        let cases = self
            .find_cases(&filter)
            .await?
            .into_iter()
            .map(CaseRow::from)
            .collect();
        Ok(EnterpriseView { enterprise, cases })
    }

    /// Changes an enterprise's record (name, CNSS number, city, details, contacts); the engine
    /// validates it, and the server refuses it if someone else changed the record since this
    /// device last pulled it.
    pub async fn update_enterprise(
        &self,
        id: Uuid,
        edit: corridor_model::mutation::EnterpriseEdit,
    ) -> Result<Enterprise> {
        let (tx, device) = self.begin_op().await?;
        self.commit_op_in(tx, &device, Op::UpdateEnterprise { id, edit })
            .await?;
        self.enterprise(id).await
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
