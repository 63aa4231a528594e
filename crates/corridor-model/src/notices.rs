//! What a sync changed for the signed-in user, worth a desktop notification: a case newly in
//! their charge, one of their deadlines turned near or breached.
//!
//! The desk takes a [`Watched`] picture of the user's cases before and after a sync; the
//! difference ([`notices`]) is what is shown, so a deadline that was already near does not
//! notify again at every sync.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::sla::SlaState;

/// A case as the notifications watch it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Watched {
    /// Case id.
    pub id: Uuid,
    /// Reference.
    pub reference: String,
    /// Title.
    pub title: String,
    /// Whether the signed-in user is in charge of it (on either side).
    pub mine: bool,
    /// The worst state of its running deadlines.
    pub sla: SlaState,
}

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// The case was put in the user's charge.
    Assigned,
    /// One of its deadlines is near.
    DeadlineNear,
    /// One of its deadlines passed.
    DeadlineBreached,
}

impl NoticeKind {
    /// Every kind.
    pub const ALL: [NoticeKind; 3] = [
        NoticeKind::Assigned,
        NoticeKind::DeadlineNear,
        NoticeKind::DeadlineBreached,
    ];

    /// Stable code (`notice-<code>` in the interface's translations).
    pub fn code(self) -> &'static str {
        match self {
            Self::Assigned => "assigned",
            Self::DeadlineNear => "deadline_near",
            Self::DeadlineBreached => "deadline_breached",
        }
    }
}

/// One notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// Increasing number, so the interface tells new notices from those it already showed.
    pub seq: u64,
    /// What happened.
    pub kind: NoticeKind,
    /// The case.
    pub case_id: Uuid,
    /// Its reference.
    pub reference: String,
    /// Its title.
    pub title: String,
}

/// The notices between two pictures of the user's cases (`seq` left at 0 for the caller to
/// number): cases that became the user's, and the user's cases whose deadlines turned near
/// or breached. A case seen for the first time counts as "before: not mine, on time".
pub fn notices(before: &[Watched], after: &[Watched]) -> Vec<Notice> {
    let mut out = Vec::new();
    for now in after.iter().filter(|w| w.mine) {
        let was = before.iter().find(|b| b.id == now.id);
        let was_mine = was.is_some_and(|b| b.mine);
        let was_sla = was.map(|b| b.sla);
        let mut push = |kind| {
            out.push(Notice {
                seq: 0,
                kind,
                case_id: now.id,
                reference: now.reference.clone(),
                title: now.title.clone(),
            });
        };
        if !was_mine {
            push(NoticeKind::Assigned);
        }
        match now.sla {
            SlaState::Breached if was_sla != Some(SlaState::Breached) => {
                push(NoticeKind::DeadlineBreached);
            }
            SlaState::Near if !matches!(was_sla, Some(SlaState::Near | SlaState::Breached)) => {
                push(NoticeKind::DeadlineNear);
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(n: u128, mine: bool, sla: SlaState) -> Watched {
        Watched {
            id: Uuid::from_u128(n),
            reference: format!("COR-2026-06-{n:04}"),
            title: format!("Dossier {n}"),
            mine,
            sla,
        }
    }

    fn kinds(list: &[Notice]) -> Vec<(u128, NoticeKind)> {
        list.iter().map(|n| (n.case_id.as_u128(), n.kind)).collect()
    }

    #[test]
    fn a_case_put_in_my_charge_notifies_once() {
        let before = [w(1, false, SlaState::OnTime)];
        let after = [w(1, true, SlaState::OnTime)];
        assert_eq!(
            kinds(&notices(&before, &after)),
            [(1, NoticeKind::Assigned)]
        );
        assert!(
            notices(&after, &after).is_empty(),
            "nothing new, nothing said"
        );
        // A case received by this sync, already mine.
        assert_eq!(
            kinds(&notices(&[], &[w(2, true, SlaState::NotStarted)])),
            [(2, NoticeKind::Assigned)]
        );
        // Someone else's case says nothing.
        assert!(notices(&[], &[w(3, false, SlaState::Breached)]).is_empty());
    }

    #[test]
    fn my_deadlines_notify_when_they_turn_near_then_breached() {
        let on_time = [w(1, true, SlaState::OnTime)];
        let near = [w(1, true, SlaState::Near)];
        let breached = [w(1, true, SlaState::Breached)];
        assert_eq!(
            kinds(&notices(&on_time, &near)),
            [(1, NoticeKind::DeadlineNear)]
        );
        assert!(notices(&near, &near).is_empty());
        assert_eq!(
            kinds(&notices(&near, &breached)),
            [(1, NoticeKind::DeadlineBreached)]
        );
        assert_eq!(
            kinds(&notices(&on_time, &breached)),
            [(1, NoticeKind::DeadlineBreached)],
            "straight to breached: one notice, not two"
        );
        assert!(notices(&breached, &breached).is_empty());
        assert!(
            notices(&breached, &near).is_empty(),
            "a deadline reset after a breach is not news"
        );
        assert!(notices(&near, &[w(1, true, SlaState::Met)]).is_empty());
    }

    #[test]
    fn a_new_case_of_mine_already_late_says_both() {
        assert_eq!(
            kinds(&notices(
                &[w(1, false, SlaState::Near)],
                &[w(1, true, SlaState::Breached)]
            )),
            [(1, NoticeKind::Assigned), (1, NoticeKind::DeadlineBreached)]
        );
    }
}
