//! Deadline states in lists. Each case's [`SlaOutlook`] (its worst deadline state as the clock
//! moves, until its history changes) is kept in `case_deadline`; triggers mark a case stale
//! when it is added or its status history, category or priority change, and [`refresh`]
//! computes the stale ones again. A list filtered by deadline state is then one query, however
//! many cases the store holds, instead of an evaluation of every case.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use corridor_model::sla::{self, SlaOutlook, SlaPolicy, SlaState};
use corridor_model::{CaseCategory, CaseStatus, Priority};
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};

use crate::lists::SlaBand;
use crate::rows::{parse, status_change};
use crate::Result;

/// Outlooks written per statement.
const BATCH: usize = 400;

/// Up to this many stale cases, their events are read through the index.
const FEW: i64 = 2_000;

/// Nanoseconds since 1970 of an instant (what `case_deadline` keeps; exact, so that the SQL
/// comparison is the model's).
fn nanos(t: DateTime<Utc>) -> i64 {
    t.timestamp_nanos_opt().unwrap_or(i64::MAX)
}

/// Brings the outlook of every stale case up to date, under the write lock (a change landing
/// meanwhile waits, and marks its case stale again after).
pub(crate) async fn refresh(pool: &SqlitePool) -> Result<()> {
    refresh_with(pool, FEW).await
}

async fn refresh_with(pool: &SqlitePool, few: i64) -> Result<()> {
    let stale: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM case_deadline_stale)")
        .fetch_one(pool)
        .await?;
    if !stale {
        return Ok(());
    }
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let stale: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM case_deadline_stale")
        .fetch_one(&mut *tx)
        .await?;
    // A few stale cases: their events through the (case, event) index. Many (a first pull,
    // an upgrade): one pass over the timeline in file order, much faster than a lookup per
    // event in an encrypted file (each a page read and decrypted out of order).
    let events = if stale <= few {
        sqlx::query(
            "SELECT e.id, e.case_id, e.at, e.body FROM case_deadline_stale s \
             JOIN case_event e ON e.case_id = s.case_id AND e.kind = 'status_changed'",
        )
        .fetch_all(&mut *tx)
        .await?
    } else {
        sqlx::query(
            "SELECT e.id, e.case_id, e.at, e.body FROM case_event e NOT INDEXED \
             WHERE e.kind = 'status_changed' \
             AND e.case_id IN (SELECT case_id FROM case_deadline_stale)",
        )
        .fetch_all(&mut *tx)
        .await?
    };
    let mut histories: HashMap<String, Vec<(String, DateTime<Utc>, CaseStatus)>> = HashMap::new();
    for row in &events {
        if let Some((at, to)) = status_change(row)? {
            histories.entry(row.try_get("case_id")?).or_default().push((
                row.try_get("id")?,
                at,
                to,
            ));
        }
    }
    let cases = sqlx::query(
        "SELECT c.id, c.category, c.priority FROM case_deadline_stale s \
         JOIN case_file c ON c.id = s.case_id",
    )
    .fetch_all(&mut *tx)
    .await?;
    let policy = SlaPolicy::default();
    let mut outlooks = Vec::with_capacity(cases.len());
    for row in &cases {
        let id: String = row.try_get("id")?;
        // In the timeline's order (event ids grow with time), as the case screen has it.
        let mut events = histories.remove(&id).unwrap_or_default();
        events.sort_by(|a, b| a.0.cmp(&b.0));
        let history: Vec<(DateTime<Utc>, CaseStatus)> =
            events.into_iter().map(|(_, at, to)| (at, to)).collect();
        let category: CaseCategory = parse(row, "category")?;
        let priority: Priority = parse(row, "priority")?;
        outlooks.push((id, sla::outlook(&policy, category, priority, &history)));
    }
    for chunk in outlooks.chunks(BATCH) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO case_deadline (case_id, floor, near_from, breached_after) ",
        );
        q.push_values(chunk, |mut b, (id, o): &(String, SlaOutlook)| {
            b.push_bind(id.clone())
                .push_bind(o.floor.code())
                .push_bind(o.near_from.map(nanos))
                .push_bind(o.breached_after.map(nanos));
        });
        q.push(
            " ON CONFLICT (case_id) DO UPDATE SET floor = excluded.floor, \
             near_from = excluded.near_from, breached_after = excluded.breached_after",
        );
        q.build().execute(&mut *tx).await?;
    }
    sqlx::query("DELETE FROM case_deadline_stale")
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The join that gives a case list its outlooks (alias `d`).
pub(crate) const JOIN: &str = " JOIN case_deadline d ON d.case_id = c.id";

/// Adds to `q` the condition "the worst state at `now` is in `band`": the SQL form of
/// [`SlaOutlook::worst_at`] (the store's tests check both agree with the model's evaluation).
pub(crate) fn push_band(q: &mut QueryBuilder<'_, Sqlite>, band: SlaBand, now: DateTime<Utc>) {
    let now = nanos(now);
    let breached = |q: &mut QueryBuilder<'_, Sqlite>| {
        q.push("(d.floor = ")
            .push_bind(SlaState::Breached.code())
            .push(" OR COALESCE(d.breached_after < ")
            .push_bind(now)
            .push(", 0))");
    };
    let near = |q: &mut QueryBuilder<'_, Sqlite>| {
        q.push("(d.floor = ")
            .push_bind(SlaState::Near.code())
            .push(" OR COALESCE(d.near_from <= ")
            .push_bind(now)
            .push(", 0))");
    };
    q.push(" AND ");
    match band {
        SlaBand::Breached => breached(q),
        SlaBand::Near => {
            q.push("NOT ");
            breached(q);
            q.push(" AND ");
            near(q);
        }
        SlaBand::Ok => {
            q.push("NOT ");
            breached(q);
            q.push(" AND NOT ");
            near(q);
        }
    }
}

#[cfg(test)]
mod tests {
    use corridor_model::{CaseStatus, NewCase, NewEnterprise};

    use super::*;
    use crate::Store;

    async fn kept(pool: &SqlitePool) -> Vec<(String, String, Option<i64>, Option<i64>)> {
        sqlx::query_as(
            "SELECT case_id, floor, near_from, breached_after FROM case_deadline ORDER BY case_id",
        )
        .fetch_all(pool)
        .await
        .expect("outlooks")
    }

    async fn all_stale(pool: &SqlitePool) {
        sqlx::query("DELETE FROM case_deadline")
            .execute(pool)
            .await
            .expect("clear");
        sqlx::query("INSERT OR IGNORE INTO case_deadline_stale (case_id) SELECT id FROM case_file")
            .execute(pool)
            .await
            .expect("stale");
    }

    /// The pass over the whole timeline (many stale cases) and the lookups by index (a few)
    /// keep the same outlooks.
    #[tokio::test]
    async fn both_ways_of_reading_the_histories_agree() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::create(
            dir.path(),
            Some(crate::Passphrase::new("phrase de passe".to_owned())),
        )
        .await
        .expect("create");
        store
            .add_enterprise(
                NewEnterprise::parse("Atlas Textile SARL", "001561191000066", "MA-06", None, None)
                    .expect("valid"),
            )
            .await
            .expect("enterprise");
        use CaseStatus::*;
        let walks: [&[CaseStatus]; 4] = [
            &[],
            &[Submitted],
            &[Submitted, Qualified],
            &[
                Submitted,
                Qualified,
                TransmittedToCnss,
                InProgress,
                AwaitingEmployer,
            ],
        ];
        for steps in walks {
            let r = store
                .new_case(NewCase::parse("001561191000066", "other", "Dossier", "").expect("valid"))
                .await
                .expect("case")
                .reference;
            for to in steps {
                store
                    .transition(&r, *to, Some("Motif".to_owned()))
                    .await
                    .expect("step");
            }
        }
        let pool = store.pool();
        all_stale(pool).await;
        refresh_with(pool, 0).await.expect("one pass");
        let by_pass = kept(pool).await;
        all_stale(pool).await;
        refresh_with(pool, i64::MAX).await.expect("by index");
        assert_eq!(kept(pool).await, by_pass);
        assert_eq!(by_pass.len(), 4);
        let floors: Vec<&str> = by_pass.iter().map(|r| r.1.as_str()).collect();
        assert!(floors.contains(&"not_started") && floors.contains(&"on_time"));
        assert_eq!(
            by_pass.iter().filter(|r| r.3.is_some()).count(),
            2,
            "two cases run their clock"
        );
    }
}
