//! Sync figures (`cargo xtask bench`, or `cargo bench -p corridor-e2e --bench sync`), against
//! the real server code on a loopback port over PostgreSQL, with real encrypted device stores:
//!
//! 1. a fresh device pulling 100,000 cases with 1,000,000 events (rows per second);
//! 2. push throughput into PostgreSQL (mutations per second, 4 devices pushing batches of 500);
//! 3. the round trip of a sync carrying 10 changes (p50 / p95);
//! 4. 500 simulated devices syncing concurrently (each pushes a change and pulls, about once a
//!    second with random phases; latency p50 / p95 / p99 of the push and of the pull).
//!
//! The corpus is written once into the database `corridor_bench_sync` (kept between runs; drop
//! it after a schema change) straight as server documents, then every figure goes through HTTP.
//! Figures are printed and written to `target/bench-sync.md`; nothing here asserts a timing.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use corridor_model::api::LoginRequest;
use corridor_model::mutation::{Mutation, Op};
use corridor_model::sync::{CaseDoc, PullRequest, PushRequest};
use corridor_model::timeline::{CaseEvent, EventKind, Visibility};
use corridor_model::{Case, CaseCategory, CaseStatus, Enterprise, Ice, Priority, Region};
use corridor_server::storage::Actor;
use corridor_store::{Passphrase, Store, SyncSession};
use corridor_sync::{ServerClient, SyncOptions};
use sqlx::Connection;
use uuid::Uuid;

/// The server's allocator (`corridor-server` uses it too), since the server runs in this process.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const CASES: u128 = 100_000;
const EVENTS_PER_CASE: u128 = 10;
const ENTERPRISES: u128 = 1_000;
const PASSWORD: &str = "mot de passe du banc d'essai";
const DB: &str = "corridor_bench_sync";

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    (pct(&v, 0.50), pct(&v, 0.95), pct(&v, 0.99))
}

async fn database() -> String {
    let admin = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let mut c = sqlx::PgConnection::connect(&admin)
        .await
        .expect("PostgreSQL (cargo xtask bench provides one)");
    let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(DB)
        .fetch_optional(&mut c)
        .await
        .expect("query");
    if exists.is_none() {
        sqlx::query(&format!("CREATE DATABASE {DB}"))
            .execute(&mut c)
            .await
            .expect("create database");
    }
    let (base, _) = admin.rsplit_once('/').expect("URL with a database");
    format!("{base}/{DB}")
}

fn ice(n: u128) -> Ice {
    format!("{:015}", 1_000_000_000 * 97 + n * 97)
        .parse()
        .expect("multiple of 97")
}

/// kind, id, audience, parent, version, document.
type DocRow = (String, String, String, Option<String>, i64, String);

async fn insert(c: &mut sqlx::PgConnection, rows: &mut Vec<DocRow>) {
    let (mut k, mut i, mut a, mut p, mut v, mut d) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    for (kind, id, aud, parent, ver, doc) in std::mem::take(rows) {
        k.push(kind);
        i.push(id);
        a.push(aud);
        p.push(parent);
        v.push(ver);
        d.push(doc);
    }
    sqlx::query(
        "INSERT INTO sync_doc (kind, id, region, audience, parent_id, version, doc) \
         SELECT k, i, 'MA-06', a, p, v, d FROM UNNEST($1::text[], $2::text[], $3::text[], \
         $4::text[], $5::bigint[], $6::text[]) AS t(k, i, a, p, v, d)",
    )
    .bind(k)
    .bind(i)
    .bind(a)
    .bind(p)
    .bind(v)
    .bind(d)
    .execute(c)
    .await
    .expect("insert");
}

/// Writes the corpus as server documents, in batches, unless it is already there.
async fn seed(url: &str) -> i64 {
    let mut c = sqlx::PgConnection::connect(url).await.expect("connect");
    let have: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sync_doc")
        .fetch_one(&mut c)
        .await
        .expect("count");
    let want = (ENTERPRISES + CASES + CASES * EVENTS_PER_CASE) as i64;
    if have >= want {
        return have;
    }
    println!("writing the corpus ({want} documents, once)…");
    let started = Instant::now();
    sqlx::query("TRUNCATE sync_doc")
        .execute(&mut c)
        .await
        .expect("truncate");
    let region = Region::from_number(6).expect("MA-06");
    let t0 = Utc
        .with_ymd_and_hms(2025, 1, 1, 8, 0, 0)
        .single()
        .expect("date");
    let mut version = 0i64;
    let mut rows: Vec<DocRow> = Vec::new();
    for e in 0..ENTERPRISES {
        version += 1;
        let doc = Enterprise {
            id: Uuid::from_u128(e + 1),
            name: format!("Entreprise {e}"),
            ice: ice(e),
            cnss: None,
            city: Some("Casablanca".into()),
            region,
            details: Default::default(),
            created_at: t0,
            version: 0,
            writer: None,
        };
        rows.push((
            "enterprise".into(),
            doc.id.to_string(),
            "all".into(),
            None,
            version,
            serde_json::to_string(&doc).expect("json"),
        ));
    }
    insert(&mut c, &mut rows).await;
    for n in 0..CASES {
        let id = Uuid::from_u128((1 << 64) + n);
        let e = n % ENTERPRISES;
        let at = t0 + chrono::Duration::minutes(n as i64);
        version += 1;
        let case = CaseDoc {
            case: Case {
                id,
                reference: format!("COR-2025-06-{:06}", n + 1),
                enterprise_id: Uuid::from_u128(e + 1),
                enterprise_name: format!("Entreprise {e}"),
                ice: ice(e),
                category: CaseCategory::ALL[(n % 8) as usize],
                title: format!("Dossier {n} : prestations bloquées"),
                description: "Indemnités journalières non versées depuis trois mois.".into(),
                status: CaseStatus::ALL[(n % 10) as usize],
                region,
                opened_at: at,
                priority: Priority::Normal,
                amount_centimes: Some(1_250_000),
                cgem_assignee: Some("k.alaoui".into()),
                cnss_assignee: None,
                resolved_at: None,
                resolution: None,
                parent_id: None,
                tags: vec![],
            },
            field_versions: BTreeMap::new(),
            field_writers: BTreeMap::new(),
            links: vec![],
        };
        rows.push((
            "case".into(),
            id.to_string(),
            "all".into(),
            None,
            version,
            serde_json::to_string(&case).expect("json"),
        ));
        for k in 0..EVENTS_PER_CASE {
            version += 1;
            let kind = if k == 0 {
                EventKind::Created
            } else {
                EventKind::Note {
                    visibility: Visibility::Shared,
                    text: format!("Relance {k} de l'employeur, pièces transmises à la CNSS."),
                }
            };
            let ev = CaseEvent {
                id: if k == 0 {
                    id
                } else {
                    Uuid::from_u128((2 << 64) + n * EVENTS_PER_CASE + k)
                },
                case_id: id,
                at: at + chrono::Duration::hours(k as i64),
                author: "k.alaoui".into(),
                kind,
            };
            rows.push((
                "event".into(),
                ev.id.to_string(),
                "all".into(),
                Some(id.to_string()),
                version,
                serde_json::to_string(&ev).expect("json"),
            ));
        }
        if rows.len() >= 5_000 {
            insert(&mut c, &mut rows).await;
        }
    }
    insert(&mut c, &mut rows).await;
    sqlx::query("UPDATE sync_clock SET version = $1")
        .bind(version)
        .execute(&mut c)
        .await
        .expect("clock");
    sqlx::query("ANALYZE sync_doc")
        .execute(&mut c)
        .await
        .expect("analyze");
    println!("corpus written in {:.0} s", started.elapsed().as_secs_f64());
    version
}

struct Sim {
    device: Uuid,
    token: String,
    seq: i64,
    cursor: Option<String>,
}

async fn register(storage: &Arc<dyn corridor_server::Storage>, user_id: &str) -> Sim {
    let device = Uuid::now_v7();
    let (token, hash) = corridor_server::auth::new_token();
    storage
        .register_device(
            user_id,
            &device.to_string(),
            "banc",
            &hash,
            Utc::now(),
            &Actor::console("console:bench"),
        )
        .await
        .expect("register");
    Sim {
        device,
        token,
        seq: 0,
        cursor: None,
    }
}

/// What a simulated device reads of a pull page: the cursor, and how many changes came.
#[derive(serde::Deserialize)]
struct PageHead {
    changes: Vec<serde::de::IgnoredAny>,
    cursor: String,
}

/// A pull as a simulated device makes it: the same request (gzip accepted, as the real client
/// does), but the documents are only counted — a real device parses and stores them on its own
/// processor, which here would compete with the server being measured.
async fn light_pull(http: &reqwest::Client, base: &str, sim: &Sim) -> PageHead {
    http.post(format!("{base}/v1/sync/pull"))
        .bearer_auth(&sim.token)
        .json(&PullRequest {
            cursor: sim.cursor.clone(),
            limit: Some(1_000),
        })
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .expect("pull")
        .json()
        .await
        .expect("page")
}

fn note(sim: &mut Sim, case: u128) -> Mutation {
    sim.seq += 1;
    Mutation {
        mutation_id: Uuid::now_v7(),
        device_id: sim.device,
        device_seq: sim.seq,
        op: Op::AddNote {
            case_id: Uuid::from_u128((1 << 64) + case % CASES),
            event_id: Uuid::now_v7(),
            visibility: Visibility::Shared,
            text: "Point d'étape avec la direction régionale.".into(),
        },
        base: BTreeMap::new(),
        authored_at: Utc::now(),
        author: "bench".into(),
    }
}

/// Figures 1 and 3: a fresh encrypted device pulls everything, then (with `roundtrip`) syncs
/// 10 changes at a time.
async fn device_figures(base: &str, docs: i64, roundtrip: bool, report: &mut String) {
    // 1. A fresh device pulls everything.
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::create(dir.path(), Some(Passphrase::new("phrase du banc".into())))
        .await
        .expect("store");
    let client = ServerClient::new(base).expect("client");
    let device = store.device().await.expect("device");
    let login = client
        .login(&LoginRequest {
            username: "bench.officier".into(),
            password: PASSWORD.into(),
            device_id: device.id,
            device_name: "banc".into(),
        })
        .await
        .expect("login");
    store
        .set_session(&SyncSession {
            server_url: base.to_owned(),
            username: login.username,
            role: login.role,
            regions: login.regions,
            token: zeroize::Zeroizing::new(login.token.expect("token")),
        })
        .await
        .expect("session");
    let options = SyncOptions {
        pull_page: 5_000,
        ..SyncOptions::default()
    };
    let started = Instant::now();
    let (store, result) = corridor_sync::sync_with(store, &options, |_| {}).await;
    let pulled = result.expect("pull").pulled;
    let secs = started.elapsed().as_secs_f64();
    let store = store.expect("store");
    let line = format!(
        "fresh device pull: {pulled} documents ({docs} on the server) in {secs:.1} s = {:.0} rows/s",
        pulled as f64 / secs
    );
    println!("{line}");
    report.push_str(&format!(
        "| fresh device pull ({pulled} rows into SQLCipher) | {:.0} rows/s ({secs:.1} s) | ≥ 25,000 rows/s |\n",
        pulled as f64 / secs
    ));

    if !roundtrip {
        store.close().await;
        return;
    }
    // 3. Round trip of a sync carrying 10 changes (after catching up).
    let (store, r) = corridor_sync::sync_with(store, &options, |_| {}).await;
    r.expect("catch up");
    let mut store = store.expect("store");
    let mut times = Vec::new();
    for _ in 0..60 {
        // A case of the upper part of the corpus, which the other figures leave alone, picked
        // at random: its timeline keeps a usual length however many runs the database saw
        // (a case's search row holds its notes and is rebuilt when the case changes).
        let pick = 60_000 + (Uuid::now_v7().as_u128() & 0xffff_ffff) % 40_000;
        let case = Uuid::from_u128((1 << 64) + pick).to_string();
        for k in 0..10 {
            store
                .add_note(&case, Visibility::Shared, &format!("Changement {k}"))
                .await
                .expect("note");
        }
        let started = Instant::now();
        let (s, r) = corridor_sync::sync_with(store, &options, |_| {}).await;
        let r = r.expect("sync");
        assert_eq!(r.pushed, 10);
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        store = s.expect("store");
    }
    let (p50, p95, _) = ms(times);
    println!("10-change sync round trip: p50 {p50:.1} ms, p95 {p95:.1} ms");
    report.push_str(&format!(
        "| 10-change sync round trip (push + pull, SQLCipher device) | p50 {p50:.1} ms, p95 {p95:.1} ms | p95 ≤ 50 ms |\n"
    ));
    store.close().await;
}

#[tokio::main]
async fn main() {
    let url = database().await;
    let storage = corridor_server::connect(&url)
        .await
        .expect("server storage");
    let docs = seed(&url).await;
    let user = match storage.credentials("bench.officier").await.expect("user") {
        Some(c) => c.user,
        None => {
            let hash = corridor_server::auth::hash_password(PASSWORD);
            storage
                .add_user(
                    "bench.officier",
                    corridor_server::auth::Role::CgemOfficer,
                    &[Region::from_number(6).expect("MA-06")],
                    &hash,
                    &Actor::console("console:bench"),
                )
                .await
                .expect("user")
        }
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(corridor_server::serve(listener, storage.clone(), async {
        let _ = stop_rx.await;
    }));
    let mut report = String::from("| figure | value | target |\n|---|---|---|\n");
    // CORRIDOR_BENCH_ONLY=pull,push,roundtrip,devices selects figures (default: all).
    let only = std::env::var("CORRIDOR_BENCH_ONLY").unwrap_or_default();
    let want = |f: &str| only.is_empty() || only.split(',').any(|o| o == f);

    if want("pull") || want("roundtrip") {
        device_figures(&base, docs, want("roundtrip"), &mut report).await;
    }

    // 2. Push throughput into PostgreSQL: 4 devices, batches of 500.
    if want("push") {
        let mut tasks = Vec::new();
        let started = Instant::now();
        for d in 0..4u128 {
            let mut sim = register(&storage, &user.id).await;
            let base = base.clone();
            tasks.push(tokio::spawn(async move {
                let client = ServerClient::new(&base).expect("client");
                let mut n = 0usize;
                for b in 0..10u128 {
                    let mutations = (0..500u128)
                        .map(|i| note(&mut sim, d * 10_000 + b * 500 + i))
                        .collect();
                    let r = client
                        .push(&sim.token, &PushRequest { mutations })
                        .await
                        .expect("push");
                    n += r.results.len();
                }
                n
            }));
        }
        let mut pushed = 0;
        for t in tasks {
            pushed += t.await.expect("pusher");
        }
        let secs = started.elapsed().as_secs_f64();
        println!(
            "push into PostgreSQL: {pushed} mutations in {secs:.1} s = {:.0} mutations/s",
            pushed as f64 / secs
        );
        report.push_str(&format!(
        "| push throughput into PostgreSQL (4 devices × batches of 500) | {:.0} mutations/s | ≥ 5,000 /s |\n",
        pushed as f64 / secs
    ));
    }

    // 4. 500 simulated devices, each syncing about once a second for 15 s.
    // Every device once a second (a burst far beyond the corridor's real rhythm), then every
    // ten seconds.
    let client = ServerClient::new(&base).expect("client");
    // The simulated devices run on threads of their own, as they would be other machines:
    // their work does not queue in front of the server's tasks.
    let clients = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("client runtime");
    for (period, rounds) in [(1_000u64, 10u128), (10_000, 3)] {
        // CORRIDOR_BENCH_PERIOD=1 (or 10) keeps one rhythm only.
        let keep = std::env::var("CORRIDOR_BENCH_PERIOD")
            .map_or(true, |p| p.parse::<u64>().ok() == Some(period / 1000));
        if !want("devices") || !keep {
            continue;
        }
        let mut sims = Vec::new();
        for _ in 0..500 {
            let mut sim = register(&storage, &user.id).await;
            // Start from the head, as a device that has caught up.
            let page = client
                .pull(
                    &sim.token,
                    &PullRequest {
                        cursor: None,
                        limit: Some(1),
                    },
                )
                .await
                .expect("pull");
            sim.cursor = Some(format!("v{}:MA-06", page.head));
            sims.push(sim);
        }
        let push_lat = Arc::new(std::sync::Mutex::new(Vec::new()));
        let pull_lat = Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let started = Instant::now();
        let mut tasks = Vec::new();
        for (i, mut sim) in sims.into_iter().enumerate() {
            let base = base.clone();
            let (push_lat, pull_lat, seen) = (push_lat.clone(), pull_lat.clone(), seen.clone());
            tasks.push(clients.spawn(async move {
                let client = ServerClient::new(&base).expect("client");
                let http = reqwest::Client::new();
                tokio::time::sleep(Duration::from_millis((i as u64 * 997) % period)).await;
                for round in 0..rounds {
                    let mutations = vec![note(&mut sim, i as u128 * 100 + round)];
                    let t = Instant::now();
                    client
                        .push(&sim.token, &PushRequest { mutations })
                        .await
                        .expect("push");
                    push_lat
                        .lock()
                        .expect("lock")
                        .push(t.elapsed().as_secs_f64() * 1000.0);
                    let t = Instant::now();
                    let page = light_pull(&http, &base, &sim).await;
                    pull_lat
                        .lock()
                        .expect("lock")
                        .push(t.elapsed().as_secs_f64() * 1000.0);
                    seen.fetch_add(page.changes.len(), std::sync::atomic::Ordering::Relaxed);
                    sim.cursor = Some(page.cursor);
                    tokio::time::sleep(Duration::from_millis(period)).await;
                }
            }));
        }
        for t in tasks {
            t.await.expect("device");
        }
        let secs = started.elapsed().as_secs_f64();
        let pushes = push_lat.lock().expect("lock").clone();
        let n = pushes.len();
        let (a50, a95, a99) = ms(pushes);
        let (b50, b95, b99) = ms(pull_lat.lock().expect("lock").clone());
        let per_pull = seen.load(std::sync::atomic::Ordering::Relaxed) as f64 / n.max(1) as f64;
        println!(
            "500 devices, one sync every {period} ms each, {n} syncs in {secs:.0} s: push p50 {a50:.1} / p95 {a95:.1} / p99 {a99:.1} ms; pull p50 {b50:.1} / p95 {b95:.1} / p99 {b99:.1} ms; {per_pull:.0} changes per pull"
        );
        report.push_str(&format!(
        "| 500 devices, each syncing every {} s ({n} syncs in {secs:.0} s) | push p99 {a99:.1} ms (p50 {a50:.1}); pull p99 {b99:.1} ms (p50 {b50:.1}) | p99 ≤ 50 ms |\n",
            period / 1000
        ));
    }

    clients.shutdown_background();
    let _ = stop_tx.send(());
    let _ = server.await;
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("root")
        .join("target/bench-sync.md");
    std::fs::write(&out, &report).expect("report");
    println!("\n{report}\nwritten to {}", out.display());
}
