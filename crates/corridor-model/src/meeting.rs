//! Meetings of a region's corridor (CGEM officers and CNSS representatives), and the permanent
//! committee's joint roadmap.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Region, ValidationError};

/// A meeting and everything recorded in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meeting {
    /// Id (UUIDv7).
    pub id: Uuid,
    /// Region.
    pub region: Region,
    /// Title.
    pub title: String,
    /// When it takes place (UTC).
    pub at: DateTime<Utc>,
    /// Where.
    pub place: Option<String>,
    /// Who attends.
    pub participants: Vec<String>,
    /// The cases to discuss, in order.
    pub agenda: Vec<AgendaItem>,
    /// Minutes.
    pub minutes: Option<String>,
    /// Version of the minutes, counted by the server (for stale edits).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub minutes_version: i64,
    /// The device that wrote that version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minutes_writer: Option<Uuid>,
    /// Action items.
    pub actions: Vec<ActionItem>,
}

/// A case on a meeting's agenda.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgendaItem {
    /// The case.
    pub case_id: Uuid,
    /// Its reference.
    pub reference: String,
    /// Its title.
    pub title: String,
    /// The decision taken in the meeting, if any.
    pub decision: Option<String>,
}

/// Something someone must do after a meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionItem {
    /// Id.
    pub id: Uuid,
    /// What to do.
    pub text: String,
    /// Who.
    pub owner: String,
    /// By when (Casablanca date).
    pub due: Option<NaiveDate>,
    /// Done.
    pub done: bool,
}

/// Who carries a roadmap item.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Owner {
    /// CGEM.
    Cgem,
    /// CNSS.
    Cnss,
    /// Both institutions.
    Joint,
}

impl std::str::FromStr for Owner {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "cgem" => Ok(Self::Cgem),
            "cnss" => Ok(Self::Cnss),
            "joint" => Ok(Self::Joint),
            other => Err(ValidationError::UnknownCode(
                crate::Field::ActionSide,
                other.to_owned(),
            )),
        }
    }
}

/// Status of a roadmap item.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoadmapStatus {
    /// Not started.
    Planned,
    /// Under way.
    InProgress,
    /// Stuck.
    Blocked,
    /// Finished.
    Done,
}

impl std::str::FromStr for RoadmapStatus {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "planned" => Ok(Self::Planned),
            "in_progress" => Ok(Self::InProgress),
            "blocked" => Ok(Self::Blocked),
            "done" => Ok(Self::Done),
            other => Err(ValidationError::UnknownCode(
                crate::Field::RoadmapStatus,
                other.to_owned(),
            )),
        }
    }
}

/// A milestone of a roadmap item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Milestone {
    /// Id.
    pub id: Uuid,
    /// What.
    pub title: String,
    /// By when.
    pub due: Option<NaiveDate>,
    /// Reached.
    pub done: bool,
}

/// An item of the permanent committee's joint roadmap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoadmapItem {
    /// Id.
    pub id: Uuid,
    /// Project.
    pub title: String,
    /// Description.
    pub description: String,
    /// Who carries it.
    pub owner: Owner,
    /// Status.
    pub status: RoadmapStatus,
    /// Progress, 0 to 100.
    pub progress: u8,
    /// Version of the status and progress, counted by the server (for stale edits).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub version: i64,
    /// The device that wrote that version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub writer: Option<Uuid>,
    /// Milestones, in order.
    pub milestones: Vec<Milestone>,
}

fn is_zero(v: &i64) -> bool {
    *v == 0
}

/// Parses a meeting time typed in Morocco's legal time (`2026-12-03 10:00`, or RFC 3339 with an
/// explicit offset) into UTC. A local time that does not exist or is ambiguous (clock change)
/// is refused.
pub fn parse_local_datetime(input: &str) -> Result<DateTime<Utc>, ValidationError> {
    let t = input.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(dt.with_timezone(&Utc));
    }
    let naive = ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(t, f).ok())
        .ok_or_else(|| ValidationError::DateTime(t.to_owned()))?;
    chrono_tz::Africa::Casablanca
        .from_local_datetime(&naive)
        .single()
        .map(|d| d.with_timezone(&Utc))
        .ok_or_else(|| ValidationError::DateTime(t.to_owned()))
}

/// Parses a date (`2026-12-31` or `31/12/2026`).
pub fn parse_date(input: &str) -> Result<NaiveDate, ValidationError> {
    let t = input.trim();
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(t, "%d/%m/%Y"))
        .map_err(|_| ValidationError::Date(t.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meeting_times_are_read_in_casablanca_time() {
        assert_eq!(
            parse_local_datetime("2026-12-03 10:00"),
            Ok("2026-12-03T09:00:00Z".parse().expect("utc"))
        );
        // During Ramadan 2026 Morocco is at UTC+0.
        assert_eq!(
            parse_local_datetime("03/03/2026 10:00"),
            Ok("2026-03-03T10:00:00Z".parse().expect("utc"))
        );
        assert_eq!(
            parse_local_datetime("demain").expect_err("bad").code(),
            "invalid_datetime"
        );
        assert_eq!(
            parse_date("31/12/2026"),
            Ok(NaiveDate::from_ymd_opt(2026, 12, 31).expect("date"))
        );
        assert!(parse_date("2026-13-01").is_err());
    }
}
