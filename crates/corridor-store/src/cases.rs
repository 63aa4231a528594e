//! Cases and their timeline: opening, reading, and every change to them.
//!
//! Every change is a named [`Mutation`]: [`Store`]'s methods build the operation, the rule
//! engine (through `rules`) validates it against the current local state with the signed-in
//! user as actor, its effects are written and the mutation is appended to the outbox — all in
//! one transaction, so a refused change writes nothing and an accepted one is never lost
//! before the next sync.

use chrono::{DateTime, Utc};
use corridor_model::api::NewCaseForm;
use corridor_model::case::{casablanca_year, format_provisional_reference};
use corridor_model::desk::CaseLink;
use corridor_model::error::required_text;
use corridor_model::mutation::{CaseEdit, CreateCase, Mutation, Op};
use corridor_model::timeline::{CaseEvent, Institution, Visibility};
use corridor_model::{Case, CaseStatus, Enterprise, NewCase, NewEnterprise};
use sqlx::{Sqlite, SqliteConnection};
use uuid::Uuid;

use crate::enterprises::create_enterprise_op;
use crate::rows::{enterprise_by_ice, event_from_row, load_case, sla_of};
use crate::store::{bad_row, load_device, Device};
use crate::{Result, Store, StoreError};

type Tx<'a> = sqlx::Transaction<'a, Sqlite>;

pub use corridor_model::engine::MAX_TEXT;

pub use corridor_model::desk::CaseDetail;

impl Store {
    pub(crate) async fn begin_op(&self) -> Result<(Tx<'static>, Device)> {
        // IMMEDIATE: take the write lock now (waiting for it under busy_timeout) rather than
        // upgrading a read transaction later, which SQLite refuses at once when another
        // connection is still finishing (e.g. rolling back a refused change).
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let device = load_device(&mut tx).await?;
        Ok((tx, device))
    }

    /// Applies `op`, appends it to the outbox, and commits.
    pub(crate) async fn commit_op_in(
        &self,
        mut tx: Tx<'static>,
        device: &Device,
        op: Op,
    ) -> Result<()> {
        apply_and_queue(&mut tx, device, op, Utc::now()).await?;
        crate::fault::point("local_change_before_commit");
        tx.commit().await?;
        Ok(())
    }

    /// Applies several operations and appends them to the outbox, in order, in one commit.
    pub(crate) async fn commit_ops_in(
        &self,
        mut tx: Tx<'static>,
        device: &Device,
        ops: Vec<Op>,
    ) -> Result<()> {
        let now = Utc::now();
        let actor = crate::rules::actor(&mut tx, device).await?;
        for op in ops {
            apply_and_queue_as(&mut tx, device, &actor, op, now).await?;
        }
        crate::fault::point("local_change_before_commit");
        tx.commit().await?;
        Ok(())
    }

    /// Opens a case for an enterprise already recorded.
    pub async fn new_case(&self, new: NewCase) -> Result<Case> {
        let (mut tx, device) = self.begin_op().await?;
        let enterprise = enterprise_by_ice(&mut tx, new.ice.as_str())
            .await?
            .ok_or_else(|| StoreError::UnknownEnterprise(new.ice.to_string()))?;
        let op = create_case_op(&mut tx, &device, &enterprise, new).await?;
        let id = case_id_of(&op);
        self.commit_op_in(tx, &device, op).await?;
        self.case(&id.to_string()).await
    }

    /// Opens a case from the interface's form: the enterprise is found by ICE or, when new,
    /// recorded from the form in the same transaction (two mutations, one commit).
    pub async fn new_case_from_form(&self, form: NewCaseForm) -> Result<Case> {
        let new = form.parse()?;
        let (mut tx, device) = self.begin_op().await?;
        let enterprise = match enterprise_by_ice(&mut tx, new.ice.as_str()).await? {
            Some(e) => e,
            None => {
                let ne = NewEnterprise::parse(
                    &form.enterprise_name,
                    &form.ice,
                    &form.region,
                    None,
                    None,
                )?;
                let id = Uuid::now_v7();
                let op = create_enterprise_op(id, ne);
                apply_and_queue(&mut tx, &device, op, Utc::now()).await?;
                enterprise_by_ice(&mut tx, new.ice.as_str())
                    .await?
                    .ok_or_else(|| StoreError::UnknownEnterprise(new.ice.to_string()))?
            }
        };
        let op = create_case_op(&mut tx, &device, &enterprise, new).await?;
        let id = case_id_of(&op);
        self.commit_op_in(tx, &device, op).await?;
        self.case(&id.to_string()).await
    }

    /// The case with this reference or id.
    pub async fn case(&self, key: &str) -> Result<Case> {
        let mut conn = self.pool().acquire().await?;
        load_case(&mut conn, key).await
    }

    /// What the user of this device may do on a case now — the transitions (with whether a
    /// reason is asked), the note visibilities, whether it may be edited — from the rules the
    /// store and the server apply, so that the interface offers only what will be accepted.
    pub async fn allowed(&self, key: &str) -> Result<corridor_model::engine::Allowed> {
        let mut conn = self.pool().acquire().await?;
        let id = load_case(&mut conn, key).await?.id;
        let case = crate::rows::load_case_doc(&mut conn, id)
            .await?
            .ok_or_else(|| StoreError::UnknownCase(key.to_owned()))?;
        let children: Vec<String> =
            sqlx::query_scalar("SELECT status FROM case_file WHERE parent_id = ?")
                .bind(id.to_string())
                .fetch_all(&mut *conn)
                .await?;
        let open = children
            .iter()
            .filter(|s| s.parse().is_ok_and(corridor_model::workflow::is_open))
            .count();
        let actor = crate::rules::current_actor(&mut conn).await?;
        Ok(corridor_model::engine::allowed(&actor, &case, open))
    }

    /// The case with this reference or id, its timeline and relations.
    pub async fn case_detail(&self, key: &str) -> Result<CaseDetail> {
        let mut conn = self.pool().acquire().await?;
        let case = load_case(&mut conn, key).await?;
        let id = case.id.to_string();
        let rows = sqlx::query(
            "SELECT id, case_id, at, author, body FROM case_event WHERE case_id = ? ORDER BY id",
        )
        .bind(&id)
        .fetch_all(&mut *conn)
        .await?;
        let timeline = rows.iter().map(event_from_row).collect::<Result<_>>()?;
        // Sorted here: with no ORDER BY the planner always takes the parent_id index.
        let mut children = case_links(
            &mut conn,
            "SELECT id, reference FROM case_file WHERE parent_id = ?",
            &id,
        )
        .await?;
        children.sort_by(|a, b| a.reference.cmp(&b.reference));
        let links = case_links(
            &mut conn,
            "SELECT c.id, c.reference FROM case_link l JOIN case_file c ON c.id = l.other_id \
             WHERE l.case_id = ? ORDER BY c.reference",
            &id,
        )
        .await?;
        let parent = match case.parent_id {
            Some(p) => case_links(
                &mut conn,
                "SELECT id, reference FROM case_file WHERE id = ?",
                &p.to_string(),
            )
            .await?
            .pop(),
            None => None,
        };
        let sla = sla_of(&mut conn, &case, Utc::now()).await?;
        drop(conn);
        let attachments = self.attachments(&id).await?;
        Ok(CaseDetail {
            case,
            timeline,
            parent,
            children,
            links,
            sla,
            attachments,
        })
    }

    /// Edits fields of a case.
    pub async fn edit_case(&self, key: &str, edit: CaseEdit) -> Result<Case> {
        let (mut tx, device) = self.begin_op().await?;
        let case = load_case(&mut tx, key).await?;
        let op = Op::EditCase {
            case_id: case.id,
            event_id: Uuid::now_v7(),
            edit,
        };
        self.commit_op_in(tx, &device, op).await?;
        self.case(&case.id.to_string()).await
    }

    /// Moves a case in the workflow.
    pub async fn transition(
        &self,
        key: &str,
        to: CaseStatus,
        reason: Option<String>,
    ) -> Result<Case> {
        let (mut tx, device) = self.begin_op().await?;
        let case = load_case(&mut tx, key).await?;
        let op = Op::TransitionCase {
            case_id: case.id,
            event_id: Uuid::now_v7(),
            from: case.status,
            to,
            reason: reason
                .map(|r| r.trim().to_owned())
                .filter(|r| !r.is_empty()),
        };
        self.commit_op_in(tx, &device, op).await?;
        self.case(&case.id.to_string()).await
    }

    /// Assigns (or, with `None`, unassigns) the person in charge on one side.
    pub async fn assign(
        &self,
        key: &str,
        institution: Institution,
        assignee: Option<String>,
    ) -> Result<Case> {
        let (mut tx, device) = self.begin_op().await?;
        let case = load_case(&mut tx, key).await?;
        let assignee = assignee
            .map(|a| required_text(corridor_model::Field::Assignee, &a, 100))
            .transpose()?;
        let op = Op::AssignCase {
            case_id: case.id,
            event_id: Uuid::now_v7(),
            institution,
            assignee,
        };
        self.commit_op_in(tx, &device, op).await?;
        self.case(&case.id.to_string()).await
    }

    /// Adds a note to a case's timeline.
    pub async fn add_note(
        &self,
        key: &str,
        visibility: Visibility,
        text: &str,
    ) -> Result<CaseEvent> {
        let (mut tx, device) = self.begin_op().await?;
        let case = load_case(&mut tx, key).await?;
        let event_id = Uuid::now_v7();
        let op = Op::AddNote {
            case_id: case.id,
            event_id,
            visibility,
            text: text.to_owned(),
        };
        self.commit_op_in(tx, &device, op).await?;
        let row = sqlx::query("SELECT id, case_id, at, author, body FROM case_event WHERE id = ?")
            .bind(event_id.to_string())
            .fetch_one(self.pool())
            .await?;
        event_from_row(&row)
    }

    /// Adds and removes tags.
    pub async fn tag(&self, key: &str, add: Vec<String>, remove: Vec<String>) -> Result<Case> {
        let (mut tx, device) = self.begin_op().await?;
        let case = load_case(&mut tx, key).await?;
        let op = Op::TagCase {
            case_id: case.id,
            event_id: Uuid::now_v7(),
            add,
            remove,
        };
        self.commit_op_in(tx, &device, op).await?;
        self.case(&case.id.to_string()).await
    }

    /// Links two cases; with `parent`, `other` becomes the parent of `key`.
    pub async fn link(&self, key: &str, other: &str, parent: bool) -> Result<Case> {
        let (mut tx, device) = self.begin_op().await?;
        let case = load_case(&mut tx, key).await?;
        let other = load_case(&mut tx, other).await?;
        let op = Op::LinkCases {
            case_id: case.id,
            event_id: Uuid::now_v7(),
            other_id: other.id,
            parent,
        };
        self.commit_op_in(tx, &device, op).await?;
        self.case(&case.id.to_string()).await
    }

    /// Mutations waiting to be pushed, in order.
    pub async fn outbox(&self) -> Result<Vec<Mutation>> {
        let bodies: Vec<String> = sqlx::query_scalar("SELECT body FROM outbox ORDER BY device_seq")
            .fetch_all(self.pool())
            .await?;
        bodies
            .iter()
            .map(|b| serde_json::from_str(b).map_err(bad_row))
            .collect()
    }
}

/// Applies `op` through the rule engine inside `tx`, as this device's user, and appends it to
/// the outbox.
pub(crate) async fn apply_and_queue(
    tx: &mut SqliteConnection,
    device: &Device,
    op: Op,
    now: DateTime<Utc>,
) -> Result<()> {
    let actor = crate::rules::actor(tx, device).await?;
    apply_and_queue_as(tx, device, &actor, op, now).await
}

/// [`apply_and_queue`] with the actor already known (many changes in one transaction).
pub(crate) async fn apply_and_queue_as(
    tx: &mut SqliteConnection,
    device: &Device,
    actor: &corridor_model::engine::Actor,
    op: Op,
    now: DateTime<Utc>,
) -> Result<()> {
    let m = crate::rules::author(tx, device, actor, op, now).await?;
    let body = serde_json::to_string(&m).map_err(std::io::Error::other)?;
    sqlx::query("INSERT INTO outbox (device_seq, mutation_id, name, body, authored_at) VALUES (?, ?, ?, ?, ?)")
        .bind(m.device_seq)
        .bind(m.mutation_id.to_string())
        .bind(m.op.name())
        .bind(body)
        .bind(now.to_rfc3339())
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// The cases a query returns as `(id, reference)` rows, bound to one id.
async fn case_links(conn: &mut SqliteConnection, sql: &str, id: &str) -> Result<Vec<CaseLink>> {
    let rows: Vec<(String, String)> = sqlx::query_as(sql).bind(id).fetch_all(&mut *conn).await?;
    rows.into_iter()
        .map(|(id, reference)| {
            Ok(CaseLink {
                id: id.parse().map_err(bad_row)?,
                reference,
            })
        })
        .collect()
}

async fn create_case_op(
    tx: &mut Tx<'_>,
    device: &Device,
    enterprise: &Enterprise,
    new: NewCase,
) -> Result<Op> {
    let year = casablanca_year(Utc::now());
    let seq: i64 = sqlx::query_scalar(
        "INSERT INTO reference_counter (year, region, next) VALUES (?, ?, 2) \
         ON CONFLICT (year, region) DO UPDATE SET next = next + 1 RETURNING next - 1",
    )
    .bind(year)
    .bind(enterprise.region.code())
    .fetch_one(&mut **tx)
    .await?;
    Ok(Op::CreateCase(CreateCase {
        id: Uuid::now_v7(),
        reference: format_provisional_reference(
            year,
            enterprise.region,
            u32::try_from(seq).unwrap_or(u32::MAX),
            device.id,
        ),
        enterprise_id: enterprise.id,
        category: new.category,
        title: new.title,
        description: new.description,
        priority: new.priority,
        amount_centimes: new.amount_centimes,
        region: enterprise.region,
    }))
}

/// The case an operation is about, if any.
fn case_of(op: &Op) -> Option<Uuid> {
    op.cases().first().copied()
}

fn case_id_of(op: &Op) -> Uuid {
    case_of(op).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use corridor_model::timeline::Visibility;
    use corridor_model::{NewCase, NewEnterprise};

    use crate::{Passphrase, Store};

    #[tokio::test]
    async fn the_schema_refuses_to_edit_or_delete_timeline_events() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::create(
            dir.path(),
            Some(Passphrase::new("correct horse battery".to_owned())),
        )
        .await
        .expect("create");
        let ice = "001561191000066";
        store
            .add_enterprise(NewEnterprise::parse("Atlas", ice, "MA-06", None, None).expect("valid"))
            .await
            .expect("enterprise");
        let case = store
            .new_case(NewCase::parse(ice, "other", "Titre", "").expect("valid"))
            .await
            .expect("case");
        store
            .add_note(&case.reference, Visibility::Shared, "Note")
            .await
            .expect("note");
        for sql in [
            "UPDATE case_event SET author = 'x'",
            "DELETE FROM case_event",
        ] {
            let err = sqlx::query(sql).execute(store.pool()).await.expect_err(sql);
            assert!(err.to_string().contains("append-only"), "{err}");
        }
        assert_eq!(
            store
                .case_detail(&case.reference)
                .await
                .expect("detail")
                .timeline
                .len(),
            2
        );
    }
}
