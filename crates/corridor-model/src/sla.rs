//! Service levels: a response deadline and a resolution deadline per case, computed from its
//! status history in Morocco's legal time.
//!
//! - The clock starts when the case is first submitted (a draft is still being prepared).
//! - **Response** is met when the case is first qualified (or rejected); **resolution** when it
//!   is first resolved or rejected.
//! - Each deadline is the end of the day (23:59:59, `Africa/Casablanca`) N calendar days after
//!   the start, N depending on the category and the priority ([`SlaPolicy`]). Day boundaries
//!   come from the tz database, so the Ramadan change of offset is handled.
//! - The clock pauses while the case awaits the employer: each pause pushes both deadlines back
//!   by its length.
//! - A running deadline is *near* once 75 % of its time is used, *breached* once passed.

use chrono::{DateTime, Days, NaiveTime, TimeZone, Utc};
use chrono_tz::Africa::Casablanca;
use serde::{Deserialize, Serialize};

use crate::{CaseCategory, CaseStatus, Priority};

/// Share of the allowed time after which a running deadline is "near".
pub const NEAR_RATIO: f64 = 0.75;

/// State of one deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaState {
    /// The clock has not started (draft).
    NotStarted,
    /// Running, within the first 75 % of the allowed time.
    OnTime,
    /// Running, past 75 % of the allowed time.
    Near,
    /// Passed without being met.
    Breached,
    /// Met in time.
    Met,
    /// Met after the deadline.
    MetLate,
}

impl SlaState {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::NotStarted => "not_started",
            Self::OnTime => "on_time",
            Self::Near => "near",
            Self::Breached => "breached",
            Self::Met => "met",
            Self::MetLate => "met_late",
        }
    }

    /// Label in French.
    pub fn label_fr(self) -> &'static str {
        match self {
            Self::NotStarted => "Non démarré",
            Self::OnTime => "Dans les délais",
            Self::Near => "Échéance proche",
            Self::Breached => "Dépassé",
            Self::Met => "Respecté",
            Self::MetLate => "Respecté en retard",
        }
    }
}

/// One deadline of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadline {
    /// When it falls due (UTC), pauses included; `None` before the clock starts.
    pub due_at: Option<DateTime<Utc>>,
    /// When it was met.
    pub met_at: Option<DateTime<Utc>>,
    /// Its state at the time of evaluation.
    pub state: SlaState,
}

/// Both deadlines of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaReport {
    /// First response (qualification).
    pub response: Deadline,
    /// Resolution.
    pub resolution: Deadline,
    /// Whether the clock is paused now (awaiting the employer).
    pub paused: bool,
    /// Total paused time so far, in seconds.
    pub paused_seconds: i64,
}

impl SlaReport {
    /// The worst state of the two running deadlines (for filters and badges).
    pub fn worst(&self) -> SlaState {
        use SlaState::*;
        let rank = |s: SlaState| match s {
            Breached => 4,
            Near => 3,
            OnTime => 2,
            MetLate => 1,
            Met | NotStarted => 0,
        };
        if rank(self.response.state) >= rank(self.resolution.state) {
            self.response.state
        } else {
            self.resolution.state
        }
    }
}

/// Calendar days allowed per category and priority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaPolicy {
    /// Days to the first response, by priority (low, normal, high, urgent).
    pub response_days: [u32; 4],
    /// Days to resolution at normal priority, by category (in [`CaseCategory::ALL`] order).
    pub resolution_days: [u32; 8],
}

impl Default for SlaPolicy {
    /// The corridor's starting policy (administrators will tune it on the server).
    fn default() -> Self {
        SlaPolicy {
            response_days: [5, 3, 2, 1],
            // blocked_benefit, e_services, debt_schedule, inspection, affiliation,
            // salary_declaration, dispute, other
            resolution_days: [15, 10, 30, 45, 15, 20, 60, 30],
        }
    }
}

fn priority_index(p: Priority) -> usize {
    match p {
        Priority::Low => 0,
        Priority::Normal => 1,
        Priority::High => 2,
        Priority::Urgent => 3,
    }
}

impl SlaPolicy {
    /// Days allowed to respond.
    pub fn response(&self, priority: Priority) -> u32 {
        self.response_days[priority_index(priority)]
    }

    /// Days allowed to resolve: the category's days, halved when urgent, ×¾ when high, ×1½
    /// when low (at least one day).
    pub fn resolution(&self, category: CaseCategory, priority: Priority) -> u32 {
        let i = CaseCategory::ALL
            .iter()
            .position(|c| *c == category)
            .unwrap_or(7);
        let d = self.resolution_days[i];
        let scaled = match priority {
            Priority::Urgent => d / 2,
            Priority::High => d * 3 / 4,
            Priority::Normal => d,
            Priority::Low => d * 3 / 2,
        };
        scaled.max(1)
    }
}

/// The end of the Casablanca day `days` days after `start`'s Casablanca date, in UTC.
pub fn end_of_day_after(start: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    let date = start.with_timezone(&Casablanca).date_naive() + Days::new(u64::from(days));
    let end = date.and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or_default());
    // 23:59:59 always exists and is unambiguous in Morocco (changes happen at 02:00/03:00).
    Casablanca
        .from_local_datetime(&end)
        .earliest()
        .map_or(start, |t| t.with_timezone(&Utc))
}

/// Evaluates both deadlines of a case at `now`. `history` is the case's status changes in
/// order, as (instant, new status); the case starts in `draft`.
pub fn evaluate(
    policy: &SlaPolicy,
    category: CaseCategory,
    priority: Priority,
    history: &[(DateTime<Utc>, CaseStatus)],
    now: DateTime<Utc>,
) -> SlaReport {
    let start = history
        .iter()
        .find(|(_, s)| *s == CaseStatus::Submitted)
        .map(|(t, _)| *t);
    let responded = history
        .iter()
        .find(|(_, s)| matches!(s, CaseStatus::Qualified | CaseStatus::Rejected))
        .map(|(t, _)| *t);
    let resolved = history
        .iter()
        .find(|(_, s)| matches!(s, CaseStatus::Resolved | CaseStatus::Rejected))
        .map(|(t, _)| *t);
    // Paused time: intervals spent in awaiting_employer, up to `now`.
    let mut paused = chrono::Duration::zero();
    let mut paused_since = None;
    for (t, s) in history {
        if let Some(since) = paused_since.take() {
            paused += *t - since;
        }
        if *s == CaseStatus::AwaitingEmployer {
            paused_since = Some(*t);
        }
    }
    let paused_now = paused_since.is_some();
    if let Some(since) = paused_since {
        paused += (now - since).max(chrono::Duration::zero());
    }
    let deadline = |days: u32, met: Option<DateTime<Utc>>| -> Deadline {
        let Some(start) = start else {
            return Deadline {
                due_at: None,
                met_at: None,
                state: SlaState::NotStarted,
            };
        };
        let base_due = end_of_day_after(start, days);
        let due = base_due + paused;
        let state = match met {
            Some(m) if m <= due => SlaState::Met,
            Some(_) => SlaState::MetLate,
            None if now > due => SlaState::Breached,
            None => {
                let allowed = (base_due - start).num_seconds().max(1) as f64;
                let used = ((now - start) - paused).num_seconds() as f64;
                if used / allowed >= NEAR_RATIO {
                    SlaState::Near
                } else {
                    SlaState::OnTime
                }
            }
        };
        Deadline {
            due_at: Some(due),
            met_at: met,
            state,
        }
    };
    SlaReport {
        response: deadline(policy.response(priority), responded),
        resolution: deadline(policy.resolution(category, priority), resolved),
        paused: paused_now,
        paused_seconds: paused.num_seconds(),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use CaseStatus::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().expect("rfc3339")
    }

    #[test]
    fn deadlines_end_at_midnight_casablanca_time_around_ramadan() {
        // 2026: Morocco is at UTC+1, and at UTC+0 during Ramadan (about 15 Feb – 22 Mar).
        let start = t("2026-01-10T09:00:00Z");
        assert_eq!(
            end_of_day_after(start, 3),
            t("2026-01-13T22:59:59Z"),
            "UTC+1 outside Ramadan"
        );
        let in_ramadan = t("2026-03-01T09:00:00Z");
        assert_eq!(
            end_of_day_after(in_ramadan, 3),
            t("2026-03-04T23:59:59Z"),
            "UTC+0 in Ramadan"
        );
    }

    #[test]
    fn a_draft_has_no_running_clock() {
        let r = evaluate(
            &SlaPolicy::default(),
            CaseCategory::Other,
            Priority::Normal,
            &[],
            t("2026-05-01T00:00:00Z"),
        );
        assert_eq!(r.worst(), SlaState::NotStarted);
        assert_eq!(r.response.due_at, None);
    }

    #[test]
    fn states_move_from_on_time_to_near_to_breached_and_met() {
        let p = SlaPolicy::default();
        let h = [(t("2026-05-04T08:00:00Z"), Submitted)];
        let at = |s| evaluate(&p, CaseCategory::EServices, Priority::Normal, &h, t(s));
        // Response: 3 days → due 2026-05-07 23:59:59 Casablanca (UTC+1) = 22:59:59Z.
        assert_eq!(at("2026-05-05T08:00:00Z").response.state, SlaState::OnTime);
        assert_eq!(at("2026-05-07T12:00:00Z").response.state, SlaState::Near);
        assert_eq!(
            at("2026-05-07T23:30:00Z").response.state,
            SlaState::Breached
        );
        assert_eq!(
            at("2026-05-07T23:30:00Z").response.due_at,
            Some(t("2026-05-07T22:59:59Z"))
        );
        let h2 = [h[0], (t("2026-05-06T10:00:00Z"), Qualified)];
        let r = evaluate(
            &p,
            CaseCategory::EServices,
            Priority::Normal,
            &h2,
            t("2026-06-30T00:00:00Z"),
        );
        assert_eq!(r.response.state, SlaState::Met);
        assert_eq!(r.resolution.state, SlaState::Breached, "10 days long gone");
    }

    #[test]
    fn awaiting_the_employer_pauses_the_clock() {
        let p = SlaPolicy::default();
        let h = [
            (t("2026-05-04T08:00:00Z"), Submitted),
            (t("2026-05-04T09:00:00Z"), Qualified),
            (t("2026-05-04T10:00:00Z"), TransmittedToCnss),
            (t("2026-05-04T11:00:00Z"), InProgress),
            (t("2026-05-05T11:00:00Z"), AwaitingEmployer),
        ];
        let r = evaluate(
            &p,
            CaseCategory::EServices,
            Priority::Normal,
            &h,
            t("2026-05-25T11:00:00Z"),
        );
        assert!(r.paused);
        assert_eq!(r.paused_seconds, 20 * 86_400);
        assert_eq!(
            r.resolution.state,
            SlaState::OnTime,
            "20 paused days do not count"
        );
        assert_eq!(
            r.resolution.due_at,
            Some(t("2026-05-14T22:59:59Z") + chrono::Duration::days(20))
        );
    }

    #[test]
    fn policy_scales_with_priority() {
        let p = SlaPolicy::default();
        assert_eq!(p.resolution(CaseCategory::Dispute, Priority::Urgent), 30);
        assert_eq!(p.resolution(CaseCategory::Dispute, Priority::Low), 90);
        assert_eq!(p.response(Priority::Urgent), 1);
    }

    proptest! {
        /// The deadline shift equals the sum of the time spent awaiting the employer.
        #[test]
        fn pauses_add_up(steps in prop::collection::vec((1i64..200_000, any::<bool>()), 1..30)) {
            let start = t("2026-02-01T08:00:00Z");
            let mut history = vec![(start, Submitted)];
            let mut now = start;
            let mut expected = 0i64;
            let mut waiting = false;
            for (secs, toggle) in steps {
                now += chrono::Duration::seconds(secs);
                if waiting {
                    expected += secs;
                }
                if toggle {
                    waiting = !waiting;
                    history.push((now, if waiting { AwaitingEmployer } else { InProgress }));
                }
            }
            let end = now + chrono::Duration::seconds(7);
            if waiting {
                expected += 7;
            }
            let r = evaluate(&SlaPolicy::default(), CaseCategory::Other, Priority::Normal, &history, end);
            prop_assert_eq!(r.paused_seconds, expected);
            prop_assert_eq!(r.paused, waiting);
            // 30 days after 1 February 2026, at midnight in Casablanca: 3 March, in Ramadan
            // (UTC+0) — stated, not computed by the code under test.
            let base = t("2026-03-03T23:59:59Z");
            prop_assert_eq!(r.resolution.due_at, Some(base + chrono::Duration::seconds(expected)));
        }
    }
}
