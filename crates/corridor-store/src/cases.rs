//! Enterprises, cases and their timeline.
//!
//! Every change is a named [`Mutation`]: [`Store`]'s methods build the operation, [`apply`]
//! validates it against the current local state and writes its effects, and the mutation is
//! appended to the outbox — all in one transaction, so a refused change writes nothing and an
//! accepted one is never lost before the next sync. [`apply`] is also what the sync client will
//! use to re-apply pending mutations on top of the server's state.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use corridor_model::api::NewCaseForm;
use corridor_model::case::{casablanca_year, format_provisional_reference};
use corridor_model::error::required_text;
use corridor_model::mutation::{CaseEdit, CreateCase, CreateEnterprise, Mutation, Op};
use corridor_model::sla::{self, SlaPolicy, SlaReport, SlaState};
use corridor_model::timeline::{CaseEvent, EventKind, Institution, Visibility};
use corridor_model::{
    Case, CaseCategory, CaseStatus, Enterprise, NewCase, NewEnterprise, Priority, Region,
    ValidationError,
};
use serde::Serialize;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};
use uuid::Uuid;

use crate::rows::{
    case_from_row, enterprise_by_ice, enterprise_from_row, event_from_row, load_case, CASE_SELECT,
    ENTERPRISE_SELECT,
};
use crate::store::{bad_row, load_device, parse, Device};
use crate::{Result, Store, StoreError};

type Tx<'a> = sqlx::Transaction<'a, Sqlite>;

pub use corridor_model::engine::MAX_TEXT;

/// Filters of the case list. Empty filters match everything.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    /// Only this status.
    pub status: Option<CaseStatus>,
    /// Only this region.
    pub region: Option<Region>,
    /// Only this category.
    pub category: Option<CaseCategory>,
    /// Only this priority.
    pub priority: Option<Priority>,
    /// Only cases assigned to this person (either side).
    pub assignee: Option<String>,
    /// Only cases with this tag.
    pub tag: Option<String>,
    /// Only cases whose worst deadline is in this SLA band.
    pub sla: Option<SlaBand>,
    /// Order of the list (default: newest first).
    pub sort: CaseSort,
    /// Page size (default: everything).
    pub limit: Option<u32>,
    /// Rows to skip.
    pub offset: u32,
}

/// Orders of the case list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CaseSort {
    /// Newest first.
    #[default]
    Newest,
    /// Oldest first.
    Oldest,
    /// Most urgent first, then newest.
    Priority,
    /// By reference.
    Reference,
    /// By title (case-insensitive).
    Title,
}

impl std::str::FromStr for CaseSort {
    type Err = ValidationError;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s.trim() {
            "newest" => Ok(Self::Newest),
            "oldest" => Ok(Self::Oldest),
            "priority" => Ok(Self::Priority),
            "reference" => Ok(Self::Reference),
            "title" => Ok(Self::Title),
            other => Err(ValidationError::UnknownCode(
                "tri (newest, oldest, priority, reference ou title)",
                other.to_owned(),
            )),
        }
    }
}

impl CaseSort {
    fn sql(self) -> &'static str {
        match self {
            Self::Newest => " ORDER BY c.opened_at DESC, c.id DESC",
            Self::Oldest => " ORDER BY c.opened_at, c.id",
            Self::Priority => {
                " ORDER BY CASE c.priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 \
                 WHEN 'normal' THEN 2 ELSE 3 END, c.opened_at DESC, c.id DESC"
            }
            Self::Reference => " ORDER BY c.reference",
            Self::Title => " ORDER BY c.title COLLATE NOCASE, c.id",
        }
    }
}

/// Numbers of cases by status, region and category.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CaseCounts {
    /// All cases.
    pub total: i64,
    /// By status code.
    pub by_status: BTreeMap<String, i64>,
    /// By region code.
    pub by_region: BTreeMap<String, i64>,
    /// By category code.
    pub by_category: BTreeMap<String, i64>,
}

/// SLA bands of the case-list filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaBand {
    /// A deadline has passed.
    Breached,
    /// A deadline is near.
    Near,
    /// Neither.
    Ok,
}

impl std::str::FromStr for SlaBand {
    type Err = ValidationError;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s.trim() {
            "breached" => Ok(Self::Breached),
            "near" => Ok(Self::Near),
            "ok" => Ok(Self::Ok),
            other => Err(ValidationError::UnknownCode(
                "délai (breached, near ou ok)",
                other.to_owned(),
            )),
        }
    }
}

impl SlaBand {
    fn contains(self, state: SlaState) -> bool {
        match self {
            Self::Breached => state == SlaState::Breached,
            Self::Near => state == SlaState::Near,
            Self::Ok => !matches!(state, SlaState::Breached | SlaState::Near),
        }
    }
}

/// A case with its timeline and relations.
#[derive(Debug, Clone, Serialize)]
pub struct CaseDetail {
    /// The case.
    #[serde(flatten)]
    pub case: Case,
    /// Its timeline, oldest first.
    pub timeline: Vec<CaseEvent>,
    /// References of its child cases.
    pub children: Vec<String>,
    /// References of linked cases.
    pub links: Vec<String>,
    /// Its deadlines, evaluated now.
    pub sla: SlaReport,
    /// Its attachments.
    pub attachments: Vec<crate::Attachment>,
}

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
        for op in ops {
            apply_and_queue(&mut tx, device, op, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

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
        for (line, e) in rows {
            let op = create_enterprise_op(Uuid::now_v7(), e);
            apply_and_queue(&mut tx, &device, op, now)
                .await
                .map_err(|err| StoreError::ImportLine {
                    line,
                    message: err.to_string(),
                })?;
        }
        tx.commit().await?;
        Ok(count)
    }

    /// Numbers of cases by status, region and category (for the committee view).
    pub async fn counts(&self) -> Result<CaseCounts> {
        let mut counts = CaseCounts::default();
        for (column, map) in [
            ("status", &mut counts.by_status),
            ("region", &mut counts.by_region),
            ("category", &mut counts.by_category),
        ] {
            let rows: Vec<(String, i64)> = sqlx::query_as(&format!(
                "SELECT {column}, COUNT(*) FROM case_file GROUP BY {column}"
            ))
            .fetch_all(self.pool())
            .await?;
            map.extend(rows);
        }
        counts.total = counts.by_status.values().sum();
        Ok(counts)
    }

    /// Every enterprise, by name.
    pub async fn list_enterprises(&self) -> Result<Vec<Enterprise>> {
        let rows = sqlx::query(&format!("{ENTERPRISE_SELECT} ORDER BY name"))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(enterprise_from_row).collect()
    }

    /// The enterprise with this ICE.
    pub async fn enterprise_by_ice(&self, ice: &str) -> Result<Enterprise> {
        let mut conn = self.pool().acquire().await?;
        enterprise_by_ice(&mut conn, ice)
            .await?
            .ok_or_else(|| StoreError::UnknownEnterprise(ice.to_owned()))
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
        let new = NewCase::parse(&form.ice, &form.category, &form.title, &form.description)?;
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

    /// Every case, newest first.
    pub async fn list_cases(&self) -> Result<Vec<Case>> {
        self.find_cases(&CaseFilter::default()).await
    }

    /// The cases matching `filter`, newest first.
    pub async fn find_cases(&self, filter: &CaseFilter) -> Result<Vec<Case>> {
        let mut q = QueryBuilder::<Sqlite>::new(CASE_SELECT);
        q.push(" WHERE 1 = 1");
        if let Some(s) = filter.status {
            q.push(" AND c.status = ").push_bind(s.code());
        }
        if let Some(r) = filter.region {
            q.push(" AND c.region = ").push_bind(r.code());
        }
        if let Some(c) = filter.category {
            q.push(" AND c.category = ").push_bind(c.code());
        }
        if let Some(p) = filter.priority {
            q.push(" AND c.priority = ").push_bind(p.code());
        }
        if let Some(t) = &filter.tag {
            q.push(" AND EXISTS (SELECT 1 FROM json_each(c.tags) WHERE value = ")
                .push_bind(t.clone())
                .push(")");
        }
        if let Some(a) = &filter.assignee {
            q.push(" AND (c.cgem_assignee = ").push_bind(a.clone());
            q.push(" OR c.cnss_assignee = ")
                .push_bind(a.clone())
                .push(")");
        }
        q.push(filter.sort.sql());
        let Some(band) = filter.sla else {
            q.push(" LIMIT ")
                .push_bind(filter.limit.map_or(-1, i64::from));
            q.push(" OFFSET ").push_bind(i64::from(filter.offset));
            let rows = q.build().fetch_all(self.pool()).await?;
            return rows.iter().map(case_from_row).collect();
        };
        // SLA states depend on the history and the clock: evaluated here, then paged.
        let rows = q.build().fetch_all(self.pool()).await?;
        let cases: Vec<Case> = rows.iter().map(case_from_row).collect::<Result<_>>()?;
        let mut conn = self.pool().acquire().await?;
        let now = Utc::now();
        let mut out = Vec::new();
        for c in cases {
            if band.contains(sla_of(&mut conn, &c, now).await?.worst()) {
                out.push(c);
            }
        }
        let limit = filter.limit.map_or(usize::MAX, |l| l as usize);
        Ok(out
            .into_iter()
            .skip(filter.offset as usize)
            .take(limit)
            .collect())
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
        let mut children: Vec<String> =
            sqlx::query_scalar("SELECT reference FROM case_file WHERE parent_id = ?")
                .bind(&id)
                .fetch_all(&mut *conn)
                .await?;
        children.sort();
        let links = sqlx::query_scalar(
            "SELECT c.reference FROM case_link l JOIN case_file c ON c.id = l.other_id \
             WHERE l.case_id = ? ORDER BY c.reference",
        )
        .bind(&id)
        .fetch_all(&mut *conn)
        .await?;
        let sla = sla_of(&mut conn, &case, Utc::now()).await?;
        drop(conn);
        let attachments = self.attachments(&id).await?;
        Ok(CaseDetail {
            case,
            timeline,
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
            .map(|a| required_text("responsable", &a, 100))
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

/// Applies `op` through the rule engine inside `tx` and appends it to the outbox.
pub(crate) async fn apply_and_queue(
    tx: &mut SqliteConnection,
    device: &Device,
    op: Op,
    now: DateTime<Utc>,
) -> Result<()> {
    let m = crate::rules::author(tx, device, op, now).await?;
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

fn create_enterprise_op(id: Uuid, e: NewEnterprise) -> Op {
    Op::CreateEnterprise(CreateEnterprise { id, enterprise: e })
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
        priority: Priority::Normal,
        amount_centimes: None,
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

/// Evaluates the deadlines of `case` at `now` from its status history.
async fn sla_of(conn: &mut SqliteConnection, case: &Case, now: DateTime<Utc>) -> Result<SlaReport> {
    let rows = sqlx::query(
        "SELECT at, body FROM case_event WHERE case_id = ? AND kind = 'status_changed' ORDER BY id",
    )
    .bind(case.id.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let mut history = Vec::with_capacity(rows.len());
    for row in &rows {
        let body: String = row.try_get("body")?;
        if let EventKind::StatusChanged { to, .. } = serde_json::from_str(&body).map_err(bad_row)? {
            history.push((parse::<DateTime<Utc>>(row, "at")?, to));
        }
    }
    Ok(sla::evaluate(
        &SlaPolicy::default(),
        case.category,
        case.priority,
        &history,
        now,
    ))
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
