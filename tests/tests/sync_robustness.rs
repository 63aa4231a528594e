//! The sync contract under stress, end to end against the real server process: bad input to
//! every endpoint, concurrent pushers with a concurrent puller, the server killed (SIGKILL)
//! during a push and during a pull, random offline work on several devices, and the audit log.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use corridor_e2e::devices::{open_case, Device, World, PASSWORD};
use corridor_model::mutation::CaseEdit;
use corridor_model::sync::{PullRequest, PullResponse};
use corridor_model::timeline::{Institution, Visibility};
use corridor_model::CaseStatus;
use corridor_sync::{Progress, ServerClient, SyncOptions};
use proptest::prelude::*;

/// Every document the user may see, by (kind, id), with its version: a full pull from zero.
async fn server_view(url: &str, token: &str) -> BTreeMap<(String, String), i64> {
    let client = ServerClient::new(url).expect("client");
    let mut seen = BTreeMap::new();
    let mut cursor = None;
    loop {
        let page = client
            .pull(
                token,
                &PullRequest {
                    cursor,
                    limit: Some(5_000),
                },
            )
            .await
            .expect("pull");
        for c in &page.changes {
            seen.insert((c.doc.kind().to_owned(), c.doc.id().to_string()), c.version);
        }
        cursor = Some(page.cursor);
        if !page.more {
            let versions: std::collections::BTreeSet<i64> = seen.values().copied().collect();
            assert_eq!(
                versions.len(),
                seen.len(),
                "every change has its own version"
            );
            return seen;
        }
    }
}

async fn head(url: &str, token: &str) -> (i64, usize) {
    let client = ServerClient::new(url).expect("client");
    let page: PullResponse = client
        .pull(token, &PullRequest::default())
        .await
        .expect("pull");
    (page.head, page.changes.len())
}

#[tokio::test]
async fn bad_input_to_every_endpoint_gets_a_clear_4xx_and_changes_nothing() {
    let w = World::new(false).await;
    w.user("a.officier", "cgem_officer", "MA-06");
    w.user("r.rabat", "cgem_officer", "MA-04");
    let mut a = Device::login(&w.server.url, "a.officier").await;
    let r = Device::login(&w.server.url, "r.rabat").await;
    let case = open_case(&a, 1, "MA-06", "Dossier").await;
    a.sync().await.expect("sync");
    let token = a.token().await;
    let before = head(&w.server.url, &token).await;
    let audit_before = w.admin(&["audit", "verify"]);

    let http = reqwest::Client::new();
    let post = |path: &str, token: Option<&str>, body: Vec<u8>| {
        let mut req = http
            .post(format!("{}{path}", w.server.url))
            .header("content-type", "application/json")
            .body(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send()
    };
    let device = a.store().device().await.expect("device").id;
    let mutation = |name: &str, args: serde_json::Value, seq: i64| {
        serde_json::json!({"mutations": [{
            "mutation_id": uuid::Uuid::now_v7(), "device_id": device, "device_seq": seq,
            "name": name, "args": args, "authored_at": "2026-11-29T10:00:00Z", "author": "x"
        }]})
        .to_string()
        .into_bytes()
    };
    let last: i64 = 2; // enterprise + case pushed by the sync above
    let edit = serde_json::json!({"case_id": case, "event_id": uuid::Uuid::now_v7(), "edit": {"title": "x"}});
    // (path, token, body, expected status, words of the message)
    type Case<'a> = (&'a str, Option<&'a str>, Vec<u8>, u16, &'a str);
    let cases: Vec<Case<'_>> = vec![
        (
            "/v1/sync/push",
            None,
            b"{}".to_vec(),
            401,
            "Session absente",
        ),
        (
            "/v1/sync/pull",
            None,
            b"{}".to_vec(),
            401,
            "Session absente",
        ),
        (
            "/v1/sync/push",
            Some("cor_faux"),
            b"{}".to_vec(),
            401,
            "Session absente",
        ),
        (
            "/v1/sync/push",
            Some(&token),
            b"{pas du json".to_vec(),
            400,
            "Requête invalide",
        ),
        (
            "/v1/sync/push",
            Some(&token),
            br#"{"mutations": 5}"#.to_vec(),
            400,
            "Requête invalide",
        ),
        (
            "/v1/sync/push",
            Some(&token),
            mutation("edit_case", edit.clone(), last + 5),
            409,
            "Modifications manquantes",
        ),
        (
            "/v1/sync/pull",
            Some(&token),
            br#"{"cursor": "n'importe quoi"}"#.to_vec(),
            400,
            "Curseur",
        ),
        (
            "/v1/sync/pull",
            Some(&token),
            br#"{"limit": 0}"#.to_vec(),
            400,
            "Taille de page",
        ),
        (
            "/v1/sync/pull",
            Some(&token),
            br#"{"cursor": null, "extra": 1}"#.to_vec(),
            400,
            "Requête invalide",
        ),
    ];
    for (path, tok, body, status, message) in cases {
        let resp = post(path, tok, body).await.expect("request");
        assert_eq!(resp.status().as_u16(), status, "{path} {message}");
        let text = resp.text().await.unwrap_or_default();
        assert!(text.contains(message), "{path}: {text}");
    }
    // An oversize body is refused from its announced length, before it is read (a raw
    // request: the server answers and closes while a client would still be sending).
    {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let addr = w.server.url.trim_start_matches("http://").to_owned();
        let mut tcp = tokio::net::TcpStream::connect(&addr)
            .await
            .expect("connect");
        let head = format!(
            "POST /v1/sync/push HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            9 * 1024 * 1024
        );
        tcp.write_all(head.as_bytes()).await.expect("send head");
        let mut answer = vec![0u8; 256];
        let n = tcp.read(&mut answer).await.expect("read");
        let answer = String::from_utf8_lossy(&answer[..n]);
        assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    }
    // The limit is the server's own (8 MB), not the framework's default (2 MB): a 3 MB body
    // is read and judged on its content.
    {
        let pad = "x".repeat(3 * 1024 * 1024);
        let body = format!(r#"{{"mutations": [], "pad": "{pad}"}}"#).into_bytes();
        let resp = post("/v1/sync/push", Some(&token), body)
            .await
            .expect("request");
        assert_eq!(
            resp.status().as_u16(),
            400,
            "read, then refused for its content"
        );
        assert!(resp
            .text()
            .await
            .unwrap_or_default()
            .contains("Requête invalide"));
    }

    // Another device's mutations under this token.
    let foreign = mutation("edit_case", edit.clone(), last + 1);
    let foreign = String::from_utf8(foreign)
        .expect("utf8")
        .replace(&device.to_string(), &uuid::Uuid::now_v7().to_string());
    let resp = post("/v1/sync/push", Some(&token), foreign.into_bytes())
        .await
        .expect("request");
    assert_eq!(resp.status().as_u16(), 403);

    // Another region's case: the mutation is answered "refused", nothing is written.
    let rabat = r.store();
    let other_device = rabat.device().await.expect("device").id;
    let rtoken = r.token().await;
    let body = serde_json::json!({"mutations": [{
        "mutation_id": uuid::Uuid::now_v7(), "device_id": other_device, "device_seq": 1,
        "name": "edit_case", "args": edit, "authored_at": "2026-11-29T10:00:00Z", "author": "r"
    }]});
    let resp = post(
        "/v1/sync/push",
        Some(&rtoken),
        body.to_string().into_bytes(),
    )
    .await
    .expect("request");
    assert_eq!(resp.status().as_u16(), 200);
    let answer: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(answer["results"][0]["outcome"], "rejected");
    assert_eq!(answer["results"][0]["code"], "unknown_case");
    assert_eq!(server_view(&w.server.url, &rtoken).await.len(), 0);

    // Mutations this server cannot read (an unknown operation, malformed arguments) are
    // refused one by one with the reason, so that they never block the device's later ones.
    for (seq, (name, args)) in [
        ("delete_everything", serde_json::json!({})),
        ("edit_case", serde_json::json!({"case_id": 12})),
    ]
    .into_iter()
    .enumerate()
    {
        let seq = last + 1 + i64::try_from(seq).expect("seq");
        let resp = post("/v1/sync/push", Some(&token), mutation(name, args, seq))
            .await
            .expect("request");
        assert_eq!(resp.status().as_u16(), 200, "{name}");
        let answer: serde_json::Value = resp.json().await.expect("json");
        assert_eq!(answer["results"][0]["outcome"], "rejected", "{name}");
        assert_eq!(
            answer["results"][0]["code"], "unreadable_mutation",
            "{name}"
        );
        assert_eq!(
            answer["last_applied_seq"], seq,
            "{name}: its number is used"
        );
    }
    assert_eq!(
        head(&w.server.url, &token).await.1,
        before.1,
        "nothing written"
    );
    let after = w.admin(&["audit", "verify"]);
    assert_eq!(
        applied(&after),
        applied(&audit_before),
        "no change applied by refused input: {after}"
    );

    // A session unused for more than 30 days has expired.
    {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&w.db).await.expect("db");
        sqlx::query("UPDATE device SET last_seen_at = $1 WHERE id = $2")
            .bind(chrono::Utc::now() - chrono::Duration::days(40))
            .bind(other_device.to_string())
            .execute(&mut c)
            .await
            .expect("age the session");
        c.close().await.expect("close");
    }
    let resp = post("/v1/sync/pull", Some(&rtoken), b"{}".to_vec())
        .await
        .expect("request");
    assert_eq!(resp.status().as_u16(), 401);
    assert!(resp
        .text()
        .await
        .unwrap_or_default()
        .contains("Session expirée"));

    // A revoked device's token is refused with the reason.
    let id = device.to_string();
    w.admin(&["device", "revoke", &id]);
    let resp = post("/v1/sync/pull", Some(&token), b"{}".to_vec())
        .await
        .expect("request");
    assert_eq!(resp.status().as_u16(), 403);
    assert!(resp.text().await.unwrap_or_default().contains("révoqué"));
    w.finish().await;
}

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

/// Kills the server process with SIGKILL from another thread after `delay`.
fn kill_later(pid: u32, delay: Duration) {
    std::thread::spawn(move || {
        std::thread::sleep(delay);
        let _ = std::process::Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status();
    });
}

async fn killed_mid_push_and_mid_pull(postgres: bool) {
    let mut w = World::new(postgres).await;
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
    // Killed during the push: after the second batch, the next request meets a dying server.
    let pid = w.server.pid();
    let mut batches = 0;
    let first = a
        .sync_with(&fast_fail, |p| {
            if let Progress::Pushed(_) = p {
                batches += 1;
                if batches == 2 {
                    kill_later(pid, Duration::from_millis(3));
                }
            }
        })
        .await;
    assert!(first.is_err(), "the server died during the sync");
    assert!(!a.store().outbox().await.expect("outbox").is_empty());
    w.restart();
    let r = a.sync().await.expect("the next sync completes");
    assert!(a.store().outbox().await.expect("outbox").is_empty());
    let audit = w.admin(&["audit", "verify"]);
    assert!(
        audit.contains(&format!("({total} changes applied")),
        "every mutation applied exactly once: {audit} (last sync pushed {})",
        r.pushed
    );

    // Killed during a pull of a fresh device of the same user.
    let mut b = Device::login(&w.server.url, "a.officier").await;
    let pid = w.server.pid();
    let mut pages = 0;
    let first = b
        .sync_with(&fast_fail, |p| {
            if let Progress::Pulled { .. } = p {
                pages += 1;
                if pages == 2 {
                    kill_later(pid, Duration::from_millis(2));
                }
            }
        })
        .await;
    assert!(first.is_err(), "the server died during the pull");
    w.restart();
    b.sync().await.expect("the next sync completes");
    assert_eq!(
        a.snapshot().await,
        b.snapshot().await,
        "nothing lost, nothing doubled"
    );
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

#[tokio::test]
async fn attachment_contents_travel_by_hash_resumably_within_limits() {
    use sha2::Digest;
    let w = World::new(false).await;
    w.user("a.officier", "cgem_officer", "MA-06");
    w.user("b.officier", "cgem_officer", "MA-06");
    w.user("r.rabat", "cgem_officer", "MA-04");
    let mut a = Device::login(&w.server.url, "a.officier").await;
    let mut b = Device::login(&w.server.url, "b.officier").await;
    let r = Device::login(&w.server.url, "r.rabat").await;
    let case = open_case(&a, 1, "MA-06", "Dossier").await;
    // 2.5 MiB of varied bytes: three chunks of 1 MiB on the way up.
    let content: Vec<u8> = (0..2_621_440u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let hash = hex::encode(sha2::Sha256::digest(&content));
    let size = content.len() as u64;
    a.store()
        .attach(&case, "releve.xlsx", &content, 25 << 20)
        .await
        .expect("attach");
    let token = a.token().await;
    let client = ServerClient::new(&w.server.url).expect("client");

    // An upload cut after its first chunk...
    assert_eq!(
        client
            .attachment_status(&token, &hash)
            .await
            .expect("status"),
        None
    );
    let s = client
        .upload_chunk(&token, &hash, size, 0, &content[..1 << 20])
        .await
        .expect("first chunk");
    assert_eq!((s.received, s.complete), (1 << 20, false));
    // ...cannot restart elsewhere than where the server stands...
    let err = client
        .upload_chunk(&token, &hash, size, 0, &content[..10])
        .await
        .expect_err("wrong offset");
    assert!(err.to_string().contains("l'octet 1048576"), "{err}");
    // ...and the sync resumes it from there.
    let report = a.sync().await.expect("sync");
    assert_eq!(report.uploaded, 1);
    let s = client
        .attachment_status(&token, &hash)
        .await
        .expect("status")
        .expect("known");
    assert_eq!((s.received, s.complete), (size as i64, true));

    // Another device of the region gets it; another region's user cannot read it.
    let report = b.sync().await.expect("sync b");
    assert_eq!(report.downloaded, 1, "{report:?}");
    let (_, got) = b
        .store()
        .attachment_content(&case, &hash)
        .await
        .expect("content");
    assert_eq!(got, content);
    let rtoken = r.token().await;
    let err = client
        .download_chunk(&rtoken, &hash, 0)
        .await
        .expect_err("other region");
    assert!(err.to_string().contains("Pièce jointe inconnue"), "{err}");
    // Reading from an offset (a download resumed).
    let tail = client
        .download_chunk(&token, &hash, size - 100)
        .await
        .expect("tail")
        .expect("complete");
    assert_eq!(tail, content[content.len() - 100..]);

    // Bad contents: a content that does not match its hash, an oversize announcement.
    let fake = "ab".repeat(32);
    let err = client
        .upload_chunk(&token, &fake, 5, 0, b"hello")
        .await
        .expect_err("hash mismatch");
    assert!(err.to_string().contains("ne correspond pas"), "{err}");
    assert_eq!(
        client
            .attachment_status(&token, &fake)
            .await
            .expect("status"),
        None,
        "thrown away"
    );
    let err = client
        .upload_chunk(&token, &fake, 26 << 20, 0, b"hello")
        .await
        .expect_err("too large");
    assert!(err.to_string().contains("limite est de 25 Mo"), "{err}");
    w.finish().await;
}

#[tokio::test]
async fn a_push_repeated_after_a_lost_answer_is_applied_once() {
    let w = World::new(false).await;
    w.user("a.officier", "cgem_officer", "MA-06");
    let a = Device::login(&w.server.url, "a.officier").await;
    let case = open_case(&a, 1, "MA-06", "Dossier").await;
    a.store()
        .transition(&case, CaseStatus::Draft, None)
        .await
        .expect_err("draft to draft is refused locally");
    a.store()
        .add_note(&case, Visibility::Shared, "Une seule fois")
        .await
        .expect("note");
    let token = a.token().await;
    let client = ServerClient::new(&w.server.url).expect("client");
    let batch = corridor_model::sync::PushRequest {
        mutations: a.store().outbox().await.expect("outbox"),
    };
    assert_eq!(batch.mutations.len(), 3);
    // The answer is "lost": the device sends the same batch again, then a part of it.
    let first = client.push(&token, &batch).await.expect("push");
    let view = server_view(&w.server.url, &token).await;
    let again = client.push(&token, &batch).await.expect("push again");
    assert_eq!(again, first, "the same answers again");
    let tail = corridor_model::sync::PushRequest {
        mutations: batch.mutations[2..].to_vec(),
    };
    let part = client.push(&token, &tail).await.expect("push tail");
    assert_eq!(part.results[..], first.results[2..]);
    assert_eq!(
        server_view(&w.server.url, &token).await,
        view,
        "nothing written twice"
    );
    assert!(w.admin(&["audit", "verify"]).contains("(3 changes applied"));
    w.finish().await;
}

#[tokio::test]
async fn the_audit_chain_verifies_and_tampering_is_found() {
    let w = World::new(false).await;
    w.user("a.officier", "cgem_officer", "MA-06");
    let mut a = Device::login(&w.server.url, "a.officier").await;
    let case = open_case(&a, 1, "MA-06", "Dossier").await;
    a.store()
        .transition(&case, CaseStatus::Submitted, None)
        .await
        .expect("submit");
    a.sync().await.expect("sync");
    assert!(w.admin(&["audit", "verify"]).contains("(3 changes applied"));
    // Alter an entry behind the server's back (the triggers refuse it; drop them first).
    let db = w.work.path().join("server.db");
    let url = format!("sqlite:{}", db.display());
    {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&url).await.expect("db");
        sqlx::query("DROP TRIGGER audit_log_no_update")
            .execute(&mut c)
            .await
            .expect("drop trigger");
        sqlx::query("UPDATE audit_log SET username = 'intrus' WHERE seq = 2")
            .execute(&mut c)
            .await
            .expect("tamper");
        c.close().await.expect("close");
    }
    let out = corridor_e2e::devices::admin(&w.db, w.work.path(), &["audit", "verify"], None);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("entry 2"), "{err}");
    w.finish().await;
}

#[tokio::test]
async fn seeded_demo_data_syncs_to_each_role_within_its_rights() {
    let w = World::new(false).await;
    let out =
        std::process::Command::new(corridor_e2e::binary("corridor-server", "corridor-server"))
            .args(["--database-url", &w.db, "seed-demo"])
            .env("CORRIDOR_PASSWORD", PASSWORD)
            .current_dir(w.work.path())
            .output()
            .expect("seed-demo");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("8 enterprises, 10 cases"));
    let again = corridor_e2e::devices::admin(&w.db, w.work.path(), &["seed-demo"], None);
    assert!(!again.status.success(), "seeding twice is refused");

    let mut rep = Device::login(&w.server.url, "demo.cnss.casa").await;
    rep.sync().await.expect("sync");
    let snap = rep.snapshot().await;
    let cases = snap["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 5, "Casablanca-Settat only");
    assert!(cases.iter().all(|c| c["case"]["region"] == "MA-06"));
    let statuses: std::collections::BTreeSet<&str> = cases
        .iter()
        .filter_map(|c| c["case"]["status"].as_str())
        .collect();
    assert!(statuses.len() >= 4, "cases at several steps: {statuses:?}");
    let internal = snap.to_string().contains("Note interne CGEM");
    assert!(!internal, "CGEM internal notes stay with the CGEM");

    let mut committee = Device::login(&w.server.url, "demo.comite").await;
    committee.sync().await.expect("sync");
    let snap = committee.snapshot().await;
    assert_eq!(
        snap["cases"].as_array().map(Vec::len),
        Some(10),
        "every region"
    );
    assert!(!snap.to_string().contains("Note interne CGEM"));
    // The committee reads; its changes are refused on its device, by the same rule the
    // server applies...
    let any = snap["cases"][0]["case"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let err = committee
        .store()
        .add_note(&any, Visibility::Shared, "Avis du comité")
        .await
        .expect_err("read only");
    assert_eq!(err.code(), "read_only");
    assert!(committee.store().outbox().await.expect("outbox").is_empty());
    // ...and by the server, to a client that skips the device's check.
    let token = committee.token().await;
    let device = committee.store().device().await.expect("device").id;
    let crafted = serde_json::json!({"mutations": [{
        "mutation_id": uuid::Uuid::now_v7(),
        "device_id": device,
        "device_seq": 1,
        "name": "add_note",
        "args": {"case_id": any, "event_id": uuid::Uuid::now_v7(), "visibility": "shared",
                 "text": "Avis du comité"},
        "authored_at": chrono::Utc::now(),
        "author": "demo.comite",
    }]});
    let answer: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/v1/sync/push", w.server.url))
        .bearer_auth(&token)
        .json(&crafted)
        .send()
        .await
        .expect("push")
        .json()
        .await
        .expect("json");
    assert_eq!(answer["results"][0]["code"], "read_only", "{answer}");

    // Figures for the committee.
    let stats: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/v1/stats", w.server.url))
        .bearer_auth(&token)
        .send()
        .await
        .expect("stats")
        .json()
        .await
        .expect("json");
    assert_eq!(stats["total"], 10);
    assert_eq!(stats["by_region"]["MA-06"]["cases"], 5);
    assert_eq!(stats["by_status"]["closed"], 1);
    assert!(
        stats["by_region"]["MA-06"]["median_days_to_resolve"].is_number()
            || stats["by_region"]["MA-04"]["median_days_to_resolve"].is_number()
    );
    assert!(stats["sla_by_region"]
        .as_object()
        .is_some_and(|m| !m.is_empty()));
    w.finish().await;
}

#[tokio::test]
async fn the_cli_syncs_and_settles_conflicts() {
    let w = World::new(false).await;
    w.user("a.officier", "cgem_officer", "MA-06");
    let data = tempfile::tempdir().expect("tempdir");
    let run = |args: &[&str]| {
        std::process::Command::new(corridor_e2e::binary("corridor-cli", "corridor"))
            .arg("--data-dir")
            .arg(data.path())
            .args(args)
            .env("CORRIDOR_PASSPHRASE", "phrase de passe e2e")
            .env("CORRIDOR_PASSWORD", PASSWORD)
            .output()
            .expect("corridor")
    };
    assert!(run(&["init"]).status.success());
    let login = run(&["login", "--server", &w.server.url, "--user", "a.officier"]);
    assert!(
        login.status.success(),
        "{}",
        String::from_utf8_lossy(&login.stderr)
    );
    let out = run(&[
        "enterprise",
        "add",
        "--name",
        "Atlas",
        "--ice",
        "001561191000066",
        "--region",
        "MA-06",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["--json", "sync"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["pushed"], 1);
    assert_eq!(report["rejected"], 0);
    let out = run(&["sync"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Synchronisé : 0 envoyée(s)"), "{text}");
    let out = run(&["conflicts", "list"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Aucun conflit"));
    let out = run(&[
        "conflicts",
        "resolve",
        "0192abcd-0000",
        "--keep",
        "proposed",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Aucun conflit en attente"));
    w.finish().await;
}

/// The number of changes applied that `audit verify` reports.
fn applied(audit: &str) -> &str {
    audit
        .split('(')
        .nth(1)
        .and_then(|rest| rest.split(" changes applied").next())
        .unwrap_or_else(|| panic!("no count in {audit:?}"))
}
