//! The case list: filters, sorts, pages, and the counts of the committee view.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use corridor_model::desk::CaseQuery;
use corridor_model::sla::SlaState;
use corridor_model::{Case, CaseCategory, CaseStatus, Priority, Region, ValidationError};
use serde::Serialize;
use sqlx::{QueryBuilder, Sqlite};

use crate::rows::{case_from_row, CASE_SELECT};
use crate::{Result, Store};

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
    /// Only cases of this enterprise.
    pub enterprise: Option<uuid::Uuid>,
    /// Only cases whose worst deadline is in this SLA band.
    pub sla: Option<SlaBand>,
    /// Order of the list (default: newest first).
    pub sort: CaseSort,
    /// Page size (default: everything).
    pub limit: Option<u32>,
    /// Rows to skip.
    pub offset: u32,
}

impl TryFrom<&CaseQuery> for CaseFilter {
    type Error = ValidationError;
    /// Parses the codes of a query; an unknown code is refused with its name.
    fn try_from(q: &CaseQuery) -> std::result::Result<Self, ValidationError> {
        fn opt<T: std::str::FromStr<Err = ValidationError>>(
            s: Option<&String>,
        ) -> std::result::Result<Option<T>, ValidationError> {
            s.map(|s| s.trim())
                .filter(|s| !s.is_empty())
                .map(str::parse)
                .transpose()
        }
        Ok(CaseFilter {
            status: opt(q.status.as_ref())?,
            region: opt(q.region.as_ref())?,
            category: opt(q.category.as_ref())?,
            priority: opt(q.priority.as_ref())?,
            assignee: q
                .assignee
                .as_deref()
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(str::to_owned),
            tag: q
                .tag
                .as_deref()
                .filter(|t| !t.trim().is_empty())
                .map(corridor_model::case::parse_tag)
                .transpose()?,
            enterprise: None,
            sla: opt(q.sla.as_ref())?,
            sort: opt(q.sort.as_ref())?.unwrap_or_default(),
            limit: q.limit,
            offset: q.offset,
        })
    }
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
                corridor_model::Field::Sort,
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
                corridor_model::Field::Deadline,
                other.to_owned(),
            )),
        }
    }
}

impl SlaBand {
    /// Whether a case whose worst deadline state is `state` belongs to the band.
    pub fn contains(self, state: SlaState) -> bool {
        match self {
            Self::Breached => state == SlaState::Breached,
            Self::Near => state == SlaState::Near,
            Self::Ok => !matches!(state, SlaState::Breached | SlaState::Near),
        }
    }
}

impl Store {
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

    /// Every case, newest first.
    pub async fn list_cases(&self) -> Result<Vec<Case>> {
        self.find_cases(&CaseFilter::default()).await
    }

    /// Brings the deadline outlooks of the cases changed since the last time up to date (done
    /// by a list filtered by deadline state when needed; the app also does it after a sync, so
    /// that the first such list after a large pull does not wait for it).
    pub async fn refresh_deadlines(&self) -> Result<()> {
        crate::deadlines::refresh(self.pool()).await
    }

    /// The cases matching `filter`, in its order.
    pub async fn find_cases(&self, filter: &CaseFilter) -> Result<Vec<Case>> {
        self.find_cases_at(filter, Utc::now()).await
    }

    /// The cases matching `filter` with deadline states as the clock will read at `now` (a
    /// look ahead: which cases will be breached by Monday).
    pub async fn find_cases_at(
        &self,
        filter: &CaseFilter,
        now: DateTime<Utc>,
    ) -> Result<Vec<Case>> {
        let mut q = QueryBuilder::<Sqlite>::new(CASE_SELECT);
        if filter.sla.is_some() {
            crate::deadlines::refresh(self.pool()).await?;
            q.push(crate::deadlines::JOIN);
        }
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
        if let Some(e) = filter.enterprise {
            q.push(" AND c.enterprise_id = ").push_bind(e.to_string());
        }
        if let Some(a) = &filter.assignee {
            q.push(" AND (c.cgem_assignee = ").push_bind(a.clone());
            q.push(" OR c.cnss_assignee = ")
                .push_bind(a.clone())
                .push(")");
        }
        if let Some(band) = filter.sla {
            crate::deadlines::push_band(&mut q, band, now);
        }
        q.push(filter.sort.sql());
        q.push(" LIMIT ")
            .push_bind(filter.limit.map_or(-1, i64::from));
        q.push(" OFFSET ").push_bind(i64::from(filter.offset));
        let rows = q.build().fetch_all(self.pool()).await?;
        rows.iter().map(case_from_row).collect()
    }
}
