//! Reading cases, enterprises and events from the local tables, and appending an event.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use corridor_model::sla::{self, SlaPolicy, SlaReport};
use corridor_model::sync::CaseDoc;
use corridor_model::timeline::{CaseEvent, EventKind};
use corridor_model::{Case, CaseStatus, Enterprise, EnterpriseDetails};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};
use uuid::Uuid;

use crate::{Result, StoreError};

pub(crate) const CASE_SELECT: &str =
    "SELECT c.id, c.reference, c.enterprise_id, e.name AS enterprise_name, \
     e.ice, c.category, c.title, c.description, c.status, c.region, c.opened_at, c.priority, \
     c.amount_centimes, c.cgem_assignee, c.cnss_assignee, c.resolved_at, c.resolution, \
     c.parent_id, c.tags FROM case_file c JOIN enterprise e ON e.id = c.enterprise_id";

pub(crate) async fn insert_event(
    conn: &mut SqliteConnection,
    id: Uuid,
    case_id: Uuid,
    author: &str,
    at: DateTime<Utc>,
    kind: &EventKind,
) -> Result<()> {
    let body = serde_json::to_value(kind).map_err(std::io::Error::other)?;
    let name = body
        .get("kind")
        .and_then(|k| k.as_str())
        .unwrap_or("unknown")
        .to_owned();
    sqlx::query(
        "INSERT INTO case_event (id, case_id, at, author, kind, body) VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(id.to_string())
    .bind(case_id.to_string())
    .bind(at.to_rfc3339())
    .bind(author)
    .bind(name)
    .bind(body.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub(crate) async fn load_case(conn: &mut SqliteConnection, key: &str) -> Result<Case> {
    // A reference copied from one of the interface's messages carries non-breaking hyphens
    // (U+2011, which keep it on one line): it names the same case.
    let key = key.trim().replace('\u{2011}', "-");
    let key = key.as_str();
    let row = sqlx::query(&format!("{CASE_SELECT} WHERE c.id = ? OR c.reference = ?"))
        .bind(key.to_lowercase())
        .bind(key.to_uppercase())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::UnknownCase(key.to_owned()))?;
    case_from_row(&row)
}

/// A case as the engine sees it: the case, its field versions and writers, its links.
pub(crate) async fn load_case_doc(
    conn: &mut SqliteConnection,
    id: Uuid,
) -> Result<Option<CaseDoc>> {
    let Some(row) = sqlx::query(&format!("{CASE_SELECT_VERSIONS} WHERE c.id = ?"))
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let links: Vec<String> =
        sqlx::query_scalar("SELECT other_id FROM case_link WHERE case_id = ? ORDER BY other_id")
            .bind(id.to_string())
            .fetch_all(&mut *conn)
            .await?;
    Ok(Some(CaseDoc {
        case: case_from_row(&row)?,
        field_versions: serde_json::from_str(&row.try_get::<String, _>("field_versions")?)
            .map_err(bad_row)?,
        field_writers: serde_json::from_str(&row.try_get::<String, _>("field_writers")?)
            .map_err(bad_row)?,
        links: links
            .iter()
            .map(|l| l.parse().map_err(bad_row))
            .collect::<Result<_>>()?,
    }))
}

/// The case list's columns plus the field versions and writers.
pub(crate) const CASE_SELECT_VERSIONS: &str =
    "SELECT c.id, c.reference, c.enterprise_id, e.name AS enterprise_name, \
     e.ice, c.category, c.title, c.description, c.status, c.region, c.opened_at, c.priority, \
     c.amount_centimes, c.cgem_assignee, c.cnss_assignee, c.resolved_at, c.resolution, \
     c.parent_id, c.tags, c.field_versions, c.field_writers FROM case_file c \
     JOIN enterprise e ON e.id = c.enterprise_id";

/// An enterprise by id.
pub(crate) async fn enterprise_by_id(
    conn: &mut SqliteConnection,
    id: Uuid,
) -> Result<Option<Enterprise>> {
    let row = sqlx::query(&format!("{ENTERPRISE_SELECT} WHERE id = ?"))
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(enterprise_from_row).transpose()
}

pub(crate) const ENTERPRISE_SELECT: &str =
    "SELECT id, name, ice, cnss, city, region, created_at, rc, legal_form, sector, size, \
     cgem_member, contacts, version, writer FROM enterprise";

pub(crate) async fn enterprise_by_ice(
    conn: &mut SqliteConnection,
    ice: &str,
) -> Result<Option<Enterprise>> {
    let row = sqlx::query(&format!("{ENTERPRISE_SELECT} WHERE ice = ?"))
        .bind(ice)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(enterprise_from_row).transpose()
}

pub(crate) fn opt_parse<T: std::str::FromStr>(row: &SqliteRow, col: &str) -> Result<Option<T>>
where
    T::Err: std::fmt::Display,
{
    let s: Option<String> = row.try_get(col)?;
    s.map(|s| s.parse().map_err(bad_row)).transpose()
}

pub(crate) fn enterprise_from_row(row: &SqliteRow) -> Result<Enterprise> {
    Ok(Enterprise {
        id: parse(row, "id")?,
        name: row.try_get("name")?,
        ice: parse(row, "ice")?,
        cnss: opt_parse(row, "cnss")?,
        city: row.try_get("city")?,
        region: parse(row, "region")?,
        details: EnterpriseDetails {
            rc: row.try_get("rc")?,
            legal_form: row.try_get("legal_form")?,
            sector: row.try_get("sector")?,
            size: opt_parse(row, "size")?,
            cgem_member: row.try_get("cgem_member")?,
            contacts: serde_json::from_str(&row.try_get::<String, _>("contacts")?)
                .map_err(bad_row)?,
        },
        created_at: parse::<DateTime<Utc>>(row, "created_at")?,
        version: row.try_get("version")?,
        writer: opt_parse(row, "writer")?,
    })
}

pub(crate) fn case_from_row(row: &SqliteRow) -> Result<Case> {
    Ok(Case {
        id: parse(row, "id")?,
        reference: row.try_get("reference")?,
        enterprise_id: parse(row, "enterprise_id")?,
        enterprise_name: row.try_get("enterprise_name")?,
        ice: parse(row, "ice")?,
        category: parse(row, "category")?,
        title: row.try_get("title")?,
        description: row.try_get("description")?,
        status: parse(row, "status")?,
        region: parse(row, "region")?,
        opened_at: parse::<DateTime<Utc>>(row, "opened_at")?,
        priority: parse(row, "priority")?,
        amount_centimes: row.try_get("amount_centimes")?,
        cgem_assignee: row.try_get("cgem_assignee")?,
        cnss_assignee: row.try_get("cnss_assignee")?,
        resolved_at: opt_parse(row, "resolved_at")?,
        resolution: row.try_get("resolution")?,
        parent_id: opt_parse(row, "parent_id")?,
        tags: serde_json::from_str(&row.try_get::<String, _>("tags")?).map_err(bad_row)?,
    })
}

pub(crate) fn event_from_row(row: &SqliteRow) -> Result<CaseEvent> {
    let body: String = row.try_get("body")?;
    Ok(CaseEvent {
        id: parse(row, "id")?,
        case_id: parse(row, "case_id")?,
        at: parse::<DateTime<Utc>>(row, "at")?,
        author: row.try_get("author")?,
        kind: serde_json::from_str(&body).map_err(bad_row)?,
    })
}

/// The case list's SQL, for the search module.
pub(crate) const CASE_SELECT_SQL: &str = CASE_SELECT;

/// A stored value that no longer parses means the file was altered outside Corridor.
pub(crate) fn bad_row(e: impl std::fmt::Display) -> StoreError {
    StoreError::Database(sqlx::Error::Decode(e.to_string().into()))
}

pub(crate) fn parse<T: FromStr>(row: &SqliteRow, col: &str) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    let s: String = row.try_get(col)?;
    s.parse().map_err(bad_row)
}

/// The (instant, new status) of a `status_changed` event row (columns `at` and `body`).
pub(crate) fn status_change(row: &SqliteRow) -> Result<Option<(DateTime<Utc>, CaseStatus)>> {
    let body: String = row.try_get("body")?;
    Ok(match serde_json::from_str(&body).map_err(bad_row)? {
        EventKind::StatusChanged { to, .. } => Some((parse::<DateTime<Utc>>(row, "at")?, to)),
        _ => None,
    })
}

/// Evaluates the deadlines of `case` at `now` from its status history.
pub(crate) async fn sla_of(
    conn: &mut SqliteConnection,
    case: &Case,
    now: DateTime<Utc>,
) -> Result<SlaReport> {
    let rows = sqlx::query(
        "SELECT at, body FROM case_event WHERE case_id = ? AND kind = 'status_changed' ORDER BY id",
    )
    .bind(case.id.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let mut history = Vec::with_capacity(rows.len());
    for row in &rows {
        history.extend(status_change(row)?);
    }
    Ok(sla::evaluate(
        &SlaPolicy::default(),
        case.category,
        case.priority,
        &history,
        now,
    ))
}
