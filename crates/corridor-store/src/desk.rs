//! What the desktop's screens read in one call: a case with what the signed-in user may do
//! with it, and the state of the work recorded on this device.

use chrono::Utc;
use corridor_model::desk::{CaseView, LocalWork, RefusedChange};
use corridor_model::engine::DocKind;
use corridor_model::notices::Watched;

use crate::rows::sla_of;
use crate::{CaseFilter, Result, Store};

impl Store {
    /// The case with this reference or id, what the signed-in user may do with it now (asked of
    /// the engine), its open conflicts and whether changes of it wait to be sent.
    pub async fn case_view(&self, key: &str) -> Result<CaseView> {
        let detail = self.case_detail(key).await?;
        let allowed = self.allowed(&detail.case.id.to_string()).await?;
        let id = detail.case.id;
        let conflicts = self
            .conflicts(false)
            .await?
            .into_iter()
            .map(|(_, c)| c)
            .filter(|c| c.case_id == id)
            .collect();
        let pending = self
            .outbox()
            .await?
            .iter()
            .any(|m| m.op.documents().contains(&(DocKind::Case, id)));
        Ok(CaseView {
            detail,
            allowed,
            conflicts,
            pending,
        })
    }

    /// The cases `user` is in charge of (either side), with the worst state of their running
    /// deadlines now: the picture the desk compares before and after a sync to tell the user
    /// what changed for them ([`corridor_model::notices::notices`]).
    pub async fn watch(&self, user: &str) -> Result<Vec<Watched>> {
        let filter = CaseFilter {
            assignee: Some(user.to_owned()),
            ..CaseFilter::default()
        };
        let cases = self.find_cases(&filter).await?;
        let now = Utc::now();
        let mut conn = self.pool().acquire().await?;
        let mut out = Vec::with_capacity(cases.len());
        for case in cases {
            let sla = sla_of(&mut conn, &case, now).await?.worst();
            out.push(Watched {
                id: case.id,
                reference: case.reference,
                title: case.title,
                mine: true,
                sla,
            });
        }
        Ok(out)
    }

    /// Changes waiting, conflicts, refused changes and the last sync.
    pub async fn local_work(&self) -> Result<LocalWork> {
        let mut conn = self.pool().acquire().await?;
        let pending: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox")
            .fetch_one(&mut *conn)
            .await?;
        let conflicts: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM case_conflict WHERE resolved = 0")
                .fetch_one(&mut *conn)
                .await?;
        let last_sync: Option<String> =
            sqlx::query_scalar("SELECT last_sync_at FROM sync_state WHERE singleton = 1")
                .fetch_optional(&mut *conn)
                .await?
                .flatten();
        drop(conn);
        let refused: Vec<RefusedChange> = self
            .rejections()
            .await?
            .into_iter()
            .map(|r| RefusedChange {
                name: r.name,
                code: r.code,
                message: r.message,
                args: r.args,
                at: r.at,
            })
            .collect();
        Ok(LocalWork {
            pending: usize::try_from(pending).unwrap_or(0),
            conflicts: usize::try_from(conflicts).unwrap_or(0),
            refused,
            last_sync,
        })
    }
}
