//! The sync contract under stress, end to end against the real server process: concurrent
//! pushers through two instances with a concurrent puller, the server killed (SIGKILL) during a
//! push and during a pull, and random offline work on several devices that must converge.
//! (Hostile input is in `hostile_input.rs`; attachments, replays, the audit log, the demo data
//! and the CLI's sync in `sync_services.rs`.)

use std::collections::BTreeMap;
use std::sync::Arc;

use corridor_e2e::devices::{open_case, Device, World};
use corridor_e2e::views::server_view;
use corridor_model::mutation::CaseEdit;
use corridor_model::sync::PullRequest;
use corridor_model::timeline::{Institution, Visibility};
use corridor_model::CaseStatus;
use corridor_sync::{ServerClient, SyncOptions};
use proptest::prelude::*;

/// Concurrent pushers through two server instances, and a puller that must miss nothing.
async fn concurrent_pushers_and_a_puller(postgres: bool) {
    let w = World::new(postgres).await;
    w.user("comite", "committee", "");
    const PUSHERS: usize = 5;
    const ROUNDS: u64 = 4;
    const NOTES: usize = 15;
    // Two server instances over the same database (the server is stateless): half the
    // devices sync through the second one, the puller reads from the first.
    let second = corridor_e2e::ServerProcess::start(&w.db, w.work.path());
    let mut pushers = Vec::new();
    for i in 0..PUSHERS {
        let name = format!("officier{i}");
        w.user(&name, "cgem_officer", "MA-06");
        let url = if i % 2 == 0 {
            &w.server.url
        } else {
            &second.url
        };
        pushers.push(Device::login(url, &name).await);
    }
    let reader = Device::login(&w.server.url, "comite").await;
    let token = reader.token().await;
    let url = w.server.url.clone();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    // The puller follows the head in small pages while the pushers write.
    let puller = {
        let stop = stop.clone();
        let url = url.clone();
        let token = token.clone();
        tokio::spawn(async move {
            let client = ServerClient::new(&url).expect("client");
            let mut seen: BTreeMap<(String, String), i64> = BTreeMap::new();
            let mut cursor: Option<String> = None;
            let mut last = 0;
            loop {
                let done = stop.load(std::sync::atomic::Ordering::SeqCst);
                let page = client
                    .pull(
                        &token,
                        &PullRequest {
                            cursor: cursor.clone(),
                            limit: Some(7),
                        },
                    )
                    .await
                    .expect("pull");
                for c in &page.changes {
                    assert!(c.version > last, "versions only grow along the cursor");
                    last = c.version;
                    seen.insert((c.doc.kind().to_owned(), c.doc.id().to_string()), c.version);
                }
                cursor = Some(page.cursor.clone());
                if done && !page.more {
                    return seen;
                }
            }
        })
    };
    let mut tasks = Vec::new();
    for (i, mut d) in pushers.into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            for round in 0..ROUNDS {
                let n = 100 * i as u64 + round;
                let case = open_case(&d, n, "MA-06", &format!("Dossier {n}")).await;
                for k in 0..NOTES {
                    d.store()
                        .add_note(&case, Visibility::Shared, &format!("Note {k}"))
                        .await
                        .expect("note");
                }
                d.sync_with(
                    &SyncOptions {
                        // Several mutations per push: long enough transactions to overlap.
                        push_batch: 8,
                        ..SyncOptions::default()
                    },
                    |_| {},
                )
                .await
                .expect("sync");
            }
            d
        }));
    }
    for t in tasks {
        t.await.expect("pusher");
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let seen = puller.await.expect("puller");
    let truth = server_view(&url, &token).await;
    assert_eq!(
        truth.len(),
        PUSHERS * ROUNDS as usize * (3 + NOTES),
        "enterprise, case, creation event, notes"
    );
    assert_eq!(seen, truth, "the puller missed no change");
    assert_eq!(
        server_view(&second.url, &token).await,
        truth,
        "both instances serve the same state"
    );
    drop(second);
    // Pushes grouped into shared transactions still chain one audit entry per mutation.
    let audit = w.admin(&["audit", "verify"]);
    let mutations = PUSHERS * ROUNDS as usize * (2 + NOTES);
    assert!(
        audit.contains(&format!("({mutations} changes applied")),
        "{audit}"
    );
    w.finish().await;
}

#[tokio::test]
async fn concurrent_pushers_and_puller_on_sqlite() {
    concurrent_pushers_and_a_puller(false).await;
}

#[tokio::test]
async fn concurrent_pushers_and_puller_on_postgres() {
    concurrent_pushers_and_a_puller(true).await;
}

/// The server's crash point variable (see `corridor-server/src/fault.rs`).
const FAULT: &str = "CORRIDOR_SERVER_FAULT_POINT";

/// How many mutations the server's audit log says it applied.
fn applied(w: &World) -> usize {
    let audit = w.admin(&["audit", "verify"]);
    audit
        .split('(')
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count in {audit}"))
}

/// The server stops dead (abort, as a kill or a power cut would) at a crash point it reaches
/// by itself: inside a push's transaction before it commits, after a commit before the answer,
/// with a pulled page read but not sent. Each time it is started again; the device's next sync
/// completes and every change is applied exactly once.
async fn killed_mid_push_and_mid_pull(postgres: bool) {
    let mut w = World::with_env(postgres, &[(FAULT, "push_before_commit#2")]).await;
    w.user("a.officier", "cgem_officer", "MA-06");
    let mut a = Device::login(&w.server.url, "a.officier").await;
    let mut total = 0;
    for n in 0..40 {
        let case = open_case(&a, n, "MA-06", &format!("Dossier {n}")).await;
        a.store()
            .add_note(&case, Visibility::Shared, "Appel de l'employeur")
            .await
            .expect("note");
        total += 3;
    }
    let fast_fail = SyncOptions {
        push_batch: 10,
        pull_page: 15,
        backoff: vec![],
        ..SyncOptions::default()
    };
    // Dead inside the second batch's transaction: that batch is rolled back.
    let first = a.sync_with(&fast_fail, |_| {}).await;
    assert!(first.is_err(), "the server died during the push");
    w.restart_with(&[(FAULT, "push_after_commit#1")]);
    assert_eq!(applied(&w), 10, "only the first batch was committed");
    assert_eq!(a.store().outbox().await.expect("outbox").len(), total - 10);
    // Dead after committing the next batch, before answering it: the device does not know.
    let second = a.sync_with(&fast_fail, |_| {}).await;
    assert!(second.is_err(), "the server died before answering");
    w.restart_with(&[]);
    assert_eq!(applied(&w), 20, "the second batch was committed");
    assert_eq!(a.store().outbox().await.expect("outbox").len(), total - 10);
    // The device sends it again: answered as applied, not applied twice.
    a.sync().await.expect("the next sync completes");
    assert!(a.store().outbox().await.expect("outbox").is_empty());
    assert_eq!(applied(&w), total, "every mutation applied exactly once");

    // Dead with the second page of a fresh device's first pull read, not sent.
    w.restart_with(&[(FAULT, "pull_before_answer#2")]);
    let mut b = Device::login(&w.server.url, "a.officier").await;
    let first = b.sync_with(&fast_fail, |_| {}).await;
    assert!(first.is_err(), "the server died during the pull");
    w.restart_with(&[]);
    b.sync().await.expect("the next sync completes");
    assert_eq!(
        a.snapshot().await,
        b.snapshot().await,
        "nothing lost, nothing doubled"
    );
    assert_eq!(applied(&w), total);
    w.finish().await;
}

#[tokio::test]
async fn server_killed_mid_sync_on_sqlite() {
    killed_mid_push_and_mid_pull(false).await;
}

#[tokio::test]
async fn server_killed_mid_sync_on_postgres() {
    killed_mid_push_and_mid_pull(true).await;
}

/// One step of the random scenario.
#[derive(Debug, Clone)]
enum Step {
    Open(usize),
    Title(usize, usize, String),
    Move(usize, usize, CaseStatus),
    Note(usize, usize, bool),
    Tag(usize, usize, u8),
    Assign(usize, usize, u8),
    /// A meeting scheduled by a device (officers and the representative).
    Meeting(usize),
    /// Minutes written on a device's first meeting.
    Minutes(usize, u8),
    /// A case put on a device's first meeting's agenda.
    Agenda(usize, usize),
    /// An action added to a device's first meeting.
    Action(usize),
    /// The committee member (device 3) adds a roadmap item or moves its first one.
    Roadmap(u8),
    Sync(usize),
}

fn step() -> impl Strategy<Value = Step> {
    let dev = 0..3usize;
    let case = 0..6usize;
    prop_oneof![
        dev.clone().prop_map(Step::Open),
        (dev.clone(), case.clone(), "[a-zé ]{1,12}").prop_map(|(d, c, t)| Step::Title(d, c, t)),
        (
            dev.clone(),
            case.clone(),
            prop::sample::select(CaseStatus::ALL.to_vec())
        )
            .prop_map(|(d, c, s)| Step::Move(d, c, s)),
        (dev.clone(), case.clone(), any::<bool>()).prop_map(|(d, c, s)| Step::Note(d, c, s)),
        (dev.clone(), case.clone(), 0..4u8).prop_map(|(d, c, t)| Step::Tag(d, c, t)),
        (dev.clone(), case.clone(), 0..3u8).prop_map(|(d, c, a)| Step::Assign(d, c, a)),
        dev.clone().prop_map(Step::Meeting),
        (dev.clone(), 0..3u8).prop_map(|(d, t)| Step::Minutes(d, t)),
        (dev.clone(), case).prop_map(|(d, c)| Step::Agenda(d, c)),
        dev.clone().prop_map(Step::Action),
        (0..4u8).prop_map(Step::Roadmap),
        dev.prop_map(Step::Sync),
        (0..4usize).prop_map(Step::Sync),
    ]
}

/// Ids of the cases a device knows, in a stable order.
async fn known(d: &Device) -> Vec<String> {
    let mut ids: Vec<String> = d
        .store()
        .list_cases()
        .await
        .expect("cases")
        .into_iter()
        .map(|c| c.id.to_string())
        .collect();
    ids.sort();
    ids
}

async fn random_scenario(steps: Vec<Step>) {
    let w = World::new(false).await;
    w.user("o1", "cgem_officer", "MA-06");
    w.user("o2", "cgem_officer", "MA-06");
    w.user("r1", "cnss_rep", "MA-06");
    w.user("c1", "committee", "");
    let mut devices = vec![
        Device::login(&w.server.url, "o1").await,
        Device::login(&w.server.url, "o2").await,
        Device::login(&w.server.url, "r1").await,
        Device::login(&w.server.url, "c1").await,
    ];
    let mut pushed = 0;
    let mut enterprises = 0u64;
    for s in steps {
        match s {
            Step::Open(d) => {
                if d < 2 {
                    enterprises += 1;
                    open_case(&devices[d], enterprises, "MA-06", "Dossier").await;
                }
            }
            Step::Sync(d) => {
                let r = devices[d].sync().await.expect("sync");
                pushed += r.pushed;
            }
            Step::Meeting(d) => {
                let when = corridor_model::meeting::parse_local_datetime("2026-12-03 10:00")
                    .expect("time");
                let _ = devices[d]
                    .store()
                    .create_meeting("MA-06".parse().expect("region"), "Réunion", when, None)
                    .await;
            }
            Step::Minutes(..) | Step::Agenda(..) | Step::Action(_) => {
                let (Step::Minutes(d, _) | Step::Agenda(d, _) | Step::Action(d)) = s else {
                    continue;
                };
                let store = devices[d].store();
                let Some(meeting) = store
                    .list_meetings()
                    .await
                    .expect("meetings")
                    .first()
                    .map(|m| m.id.to_string())
                else {
                    continue;
                };
                let _ = match s {
                    Step::Minutes(_, t) => store
                        .set_minutes(&meeting, &format!("Compte rendu {t}"))
                        .await
                        .map(|_| ()),
                    Step::Agenda(_, c) => {
                        let ids = known(&devices[d]).await;
                        let Some(id) = ids.get(c % ids.len().max(1)) else {
                            continue;
                        };
                        store.add_agenda_case(&meeting, id).await.map(|_| ())
                    }
                    _ => store
                        .add_action(&meeting, "Relancer l'employeur", "K. Alaoui", None)
                        .await
                        .map(|_| ()),
                };
            }
            Step::Roadmap(p) => {
                let store = devices[3].store();
                let _ = match store.roadmap().await.expect("roadmap").first() {
                    None => store
                        .add_roadmap_item("Chantier", "", corridor_model::meeting::Owner::Joint)
                        .await
                        .map(|_| ()),
                    Some(item) => store
                        .update_roadmap_item(&item.id.to_string(), None, Some(p * 25), None, None)
                        .await
                        .map(|_| ()),
                };
            }
            Step::Title(d, c, _)
            | Step::Move(d, c, _)
            | Step::Note(d, c, _)
            | Step::Tag(d, c, _)
            | Step::Assign(d, c, _) => {
                let ids = known(&devices[d]).await;
                let Some(id) = ids.get(c % ids.len().max(1)) else {
                    continue;
                };
                let store = devices[d].store();
                // Refusals by the local rules are part of the game: they write nothing.
                let _ = match s {
                    Step::Title(_, _, t) => store
                        .edit_case(
                            id,
                            CaseEdit {
                                title: Some(t),
                                ..CaseEdit::default()
                            },
                        )
                        .await
                        .map(|_| ()),
                    Step::Move(_, _, to) => store
                        .transition(id, to, Some("motif".into()))
                        .await
                        .map(|_| ()),
                    Step::Note(_, _, shared) => store
                        .add_note(
                            id,
                            if shared {
                                Visibility::Shared
                            } else if d == 2 {
                                Visibility::Cnss
                            } else {
                                Visibility::Cgem
                            },
                            "note",
                        )
                        .await
                        .map(|_| ()),
                    Step::Tag(_, _, t) => store
                        .tag(id, vec![format!("t{t}")], vec![format!("t{}", (t + 1) % 4)])
                        .await
                        .map(|_| ()),
                    Step::Assign(_, _, a) => store
                        .assign(id, Institution::Cgem, Some(format!("agent{a}")))
                        .await
                        .map(|_| ()),
                    _ => Ok(()),
                };
            }
        }
    }
    // Everyone syncs until quiet: every device equals the server.
    for _ in 0..2 {
        for d in devices.iter_mut() {
            pushed += d.sync().await.expect("sync").pushed;
        }
    }
    let fresh_officer = Device::login(&w.server.url, "o1").await;
    let mut fresh_officer = fresh_officer;
    fresh_officer.sync().await.expect("fresh");
    let truth = fresh_officer.snapshot().await;
    assert_eq!(
        devices[0].snapshot().await,
        truth,
        "officer 1 equals the server"
    );
    assert_eq!(
        devices[1].snapshot().await,
        truth,
        "officer 2 equals the server"
    );
    let mut fresh_rep = Device::login(&w.server.url, "r1").await;
    fresh_rep.sync().await.expect("fresh rep");
    assert_eq!(
        devices[2].snapshot().await,
        fresh_rep.snapshot().await,
        "the representative equals the server"
    );
    let mut fresh_committee = Device::login(&w.server.url, "c1").await;
    fresh_committee.sync().await.expect("fresh committee");
    assert_eq!(
        devices[3].snapshot().await,
        fresh_committee.snapshot().await,
        "the committee member equals the server"
    );
    for d in &devices {
        assert!(d.store().outbox().await.expect("outbox").is_empty());
    }
    // Every accepted mutation was applied exactly once: one audit entry each.
    let audit = w.admin(&["audit", "verify"]);
    assert!(
        audit.contains(&format!("({pushed} changes applied")),
        "{audit} vs {pushed} pushed"
    );
    w.finish().await;
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]
    /// N devices × random offline mutations × random sync interleavings.
    #[test]
    fn random_offline_work_converges(steps in prop::collection::vec(step(), 10..40)) {
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        rt.block_on(random_scenario(steps));
    }
}
