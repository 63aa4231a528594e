//! Lists filtered by deadline state: the store keeps each case's outlook and answers with one
//! query; checked here, on a real SQLCipher file, against the model's full evaluation of every
//! case at moments ahead (so that the clock can be moved without waiting), including after a
//! case changed once its outlook was kept.

use chrono::{DateTime, Duration, Utc};
use corridor_model::mutation::CaseEdit;
use corridor_model::sla::{self, SlaPolicy};
use corridor_model::timeline::EventKind;
use corridor_model::{CaseCategory, CaseStatus, NewCase, NewEnterprise, Priority};
use corridor_store::{CaseFilter, Passphrase, SlaBand, Store};

async fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::create(
        dir.path(),
        Some(Passphrase::new("correct horse battery".to_owned())),
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
    (dir, store)
}

/// A case of `category`, walked through `steps` (reasons given where the workflow asks).
async fn case(store: &Store, category: &str, priority: Priority, steps: &[CaseStatus]) -> String {
    let r = store
        .new_case(NewCase::parse("001561191000066", category, "Dossier", "").expect("valid"))
        .await
        .expect("case")
        .reference;
    if priority != Priority::Normal {
        store
            .edit_case(
                &r,
                CaseEdit {
                    priority: Some(priority),
                    ..CaseEdit::default()
                },
            )
            .await
            .expect("priority");
    }
    for to in steps {
        store
            .transition(&r, *to, Some("Motif consigné".to_owned()))
            .await
            .expect("allowed step");
    }
    r
}

/// A case's category, priority and status history, from its timeline.
type Clock = (CaseCategory, Priority, Vec<(DateTime<Utc>, CaseStatus)>);

async fn clock(store: &Store, r: &str) -> Clock {
    let d = store.case_detail(r).await.expect("detail");
    let history = d
        .timeline
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::StatusChanged { to, .. } => Some((e.at, *to)),
            _ => None,
        })
        .collect();
    (d.case.category, d.case.priority, history)
}

/// The references in `band` at `at`, as the model evaluates each case from its timeline.
async fn expected(store: &Store, refs: &[String], band: SlaBand, at: DateTime<Utc>) -> Vec<String> {
    let mut out = Vec::new();
    for r in refs {
        let (category, priority, history) = clock(store, r).await;
        let report = sla::evaluate(&SlaPolicy::default(), category, priority, &history, at);
        if band.contains(report.worst()) {
            out.push(r.clone());
        }
    }
    out.sort();
    out
}

async fn listed(store: &Store, band: SlaBand, at: DateTime<Utc>) -> Vec<String> {
    let filter = CaseFilter {
        sla: Some(band),
        ..CaseFilter::default()
    };
    let mut refs: Vec<String> = store
        .find_cases_at(&filter, at)
        .await
        .expect("list")
        .into_iter()
        .map(|c| c.reference)
        .collect();
    refs.sort();
    refs
}

async fn check_moments(store: &Store, refs: &[String], when: &str) {
    let now = Utc::now();
    let mut seen = std::collections::BTreeSet::new();
    let mut moments: Vec<DateTime<Utc>> = [1, 30, 60, 70, 100, 300, 1_000, 5_000]
        .into_iter()
        .map(|h| now + Duration::hours(h))
        .collect();
    // And a minute after each case turns near or breached, whatever the time of day the test
    // runs at (deadlines end at midnight in Casablanca).
    for r in refs {
        let (category, priority, history) = clock(store, r).await;
        let o = sla::outlook(&SlaPolicy::default(), category, priority, &history);
        moments.extend(
            [o.near_from, o.breached_after]
                .into_iter()
                .flatten()
                .map(|t| t + Duration::minutes(1)),
        );
    }
    for at in moments {
        let hours = (at - now).num_minutes() as f64 / 60.0;
        for band in [SlaBand::Breached, SlaBand::Near, SlaBand::Ok] {
            let want = expected(store, refs, band, at).await;
            assert_eq!(
                listed(store, band, at).await,
                want,
                "{band:?} {hours:.1} h ahead, {when}"
            );
            if !want.is_empty() {
                seen.insert(format!("{band:?}"));
            }
        }
    }
    // The moments chosen reach every band (else the comparison proves little).
    assert_eq!(seen.len(), 3, "bands met {when}: {seen:?}");
}

#[tokio::test]
async fn deadline_filters_agree_with_the_model_and_follow_changes() {
    let (_dir, store) = store().await;
    use CaseStatus::*;
    let started = [Submitted];
    let refs = vec![
        case(&store, "other", Priority::Normal, &[]).await,
        case(&store, "e_services", Priority::Normal, &started).await,
        case(&store, "e_services", Priority::Urgent, &started).await,
        case(&store, "dispute", Priority::Low, &[Submitted, Qualified]).await,
        case(
            &store,
            "blocked_benefit",
            Priority::High,
            &[
                Submitted,
                Qualified,
                TransmittedToCnss,
                InProgress,
                AwaitingEmployer,
            ],
        )
        .await,
        case(
            &store,
            "affiliation",
            Priority::Normal,
            &[Submitted, Rejected],
        )
        .await,
        case(
            &store,
            "debt_schedule",
            Priority::Urgent,
            &[
                Submitted,
                Qualified,
                TransmittedToCnss,
                InProgress,
                Resolved,
            ],
        )
        .await,
    ];
    check_moments(&store, &refs, "as created").await;

    // Changes after the outlooks were kept: a priority, a category, a step, a pause ended.
    store
        .edit_case(
            &refs[1],
            CaseEdit {
                priority: Some(Priority::Urgent),
                ..CaseEdit::default()
            },
        )
        .await
        .expect("priority");
    store
        .edit_case(
            &refs[3],
            CaseEdit {
                category: Some(CaseCategory::EServices),
                ..CaseEdit::default()
            },
        )
        .await
        .expect("category");
    store
        .transition(&refs[2], Qualified, None)
        .await
        .expect("qualified");
    store
        .transition(&refs[4], InProgress, None)
        .await
        .expect("back from the employer");
    check_moments(&store, &refs, "after the changes").await;
}

#[tokio::test]
async fn a_deadline_filter_pages_in_the_lists_order() {
    let (_dir, store) = store().await;
    let mut refs = Vec::new();
    for _ in 0..7 {
        refs.push(
            case(
                &store,
                "e_services",
                Priority::Urgent,
                &[CaseStatus::Submitted],
            )
            .await,
        );
    }
    let _draft = case(&store, "other", Priority::Normal, &[]).await;
    let later = Utc::now() + Duration::days(5);
    let page = |offset| CaseFilter {
        sla: Some(SlaBand::Breached),
        limit: Some(3),
        offset,
        ..CaseFilter::default()
    };
    let mut paged = Vec::new();
    for offset in [0, 3, 6, 9] {
        paged.extend(
            store
                .find_cases_at(&page(offset), later)
                .await
                .expect("page")
                .into_iter()
                .map(|c| c.reference),
        );
    }
    refs.reverse();
    assert_eq!(
        paged, refs,
        "newest first, each breached case once, the draft never"
    );
}
