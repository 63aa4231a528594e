//! Store benchmarks on a generated corpus: 100,000 cases and 1,000,000 timeline events in
//! realistic French and Arabic, in an encrypted store and in an unencrypted twin.
//!
//! Run with `cargo xtask bench` (or `cargo bench -p corridor-store --features bench --bench
//! corpus`). The corpus is generated once into `target/bench-corpus/` and reused. The run prints
//! (and writes to `target/bench-report.md`) p50/p95 of: full-text search, filtered first page,
//! case detail; the bulk-load and mutation-import rates; and the encrypted/plain ratio. Then
//! criterion measures the same operations. `CORRIDOR_BENCH_CASES` scales the corpus down for a
//! quick look (events are always 10 per case).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use corridor_model::{CaseCategory, CaseStatus, NewEnterprise, Priority, Region};
use corridor_store::{CaseFilter, Passphrase, SlaBand, Store};
use criterion::Criterion;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::{QueryBuilder, Sqlite};
use uuid::Uuid;

const PASS: &str = "benchmark passphrase";
const CORPUS_VERSION: &str = "corpus-v4";

const FR_TITLES: &[&str] = &[
    "Indemnités journalières de maladie bloquées",
    "Allocation de maternité non versée",
    "Allocations familiales suspendues",
    "Indemnité pour perte d'emploi refusée",
    "Droits AMO fermés pour cotisations impayées",
    "Erreur de déclaration EDI sur Damancom",
    "Adhésion Damancom impossible",
    "Paiement en ligne rejeté",
    "Demande d'échéancier sur 36 mois",
    "Remise des majorations de retard",
    "Frais de recouvrement contestés",
    "Redressement suite à contrôle",
    "Immatriculation d'un salarié en attente",
    "Affiliation de l'employeur à régulariser",
    "Bordereau de déclaration des salaires rejeté",
    "Sous-déclaration signalée",
    "Litige sur le montant des cotisations",
    "Pension de retraite bloquée",
];
const AR_TITLES: &[&str] = &[
    "التعويضات اليومية عن المرض متوقفة",
    "تعويضات الأمومة لم تصرف",
    "التعويضات العائلية معلقة",
    "طلب جدولة الديون على ستة وثلاثين شهرا",
    "خطأ في التصريح عبر ضمانكم",
    "نزاع حول مبلغ الاشتراكات",
    "تسجيل أجير في انتظار المعالجة",
];
const FR_SENTENCES: &[&str] = &[
    "L'employeur signale un blocage depuis plusieurs semaines.",
    "Le dossier a été transmis à l'agence CNSS de rattachement.",
    "Les attestations de salaire ont été fournies.",
    "Relance téléphonique effectuée auprès de l'employeur.",
    "La CNSS demande un relevé de compte actualisé.",
    "Réunion prévue avec le représentant régional.",
    "Les majorations de retard font l'objet d'une demande de remise.",
    "Le salarié concerné est en arrêt maladie prolongé.",
    "Un échéancier a été proposé par l'entreprise.",
    "Le contrôle a conclu à une sous-déclaration contestée.",
];
const AR_SENTENCES: &[&str] = &[
    "قدم المشغل جميع الوثائق المطلوبة.",
    "تمت إحالة الملف إلى الوكالة الجهوية للضمان الاجتماعي.",
    "طلب الصندوق كشف حساب محين.",
    "اجتماع مرتقب مع الممثل الجهوي.",
];
const NAMES: &[&str] = &[
    "Atlas",
    "Sahara",
    "Rif",
    "Souss",
    "Tafilalet",
    "Oasis",
    "Marjane",
    "Anfa",
    "Saïss",
    "Moulouya",
    "Doukkala",
    "Tadla",
    "Chaouia",
    "Gharb",
    "Haouz",
    "Zagora",
    "Ifrane",
    "Dakhla",
];
const TRADES: &[&str] = &[
    "Textile",
    "Agro Export",
    "Logistique",
    "BTP",
    "Cuir Artisanat",
    "Pêche",
    "Transport",
    "Conserverie",
    "Imprimerie",
    "Services",
    "Hôtellerie",
    "Mines",
];
const USERS: &[&str] = &[
    "k.alaoui",
    "r.bennani",
    "s.elidrissi",
    "m.tazi",
    "a.berrada",
    "n.chraibi",
];

/// A valid ICE (mod 97) from a 13-digit base.
fn ice(base: u64) -> String {
    let cd = (97 - (base * 100) % 97) % 97;
    format!("{:015}", base * 100 + cd)
}

fn text(rng: &mut StdRng, arabic: bool, sentences: usize) -> String {
    (0..sentences)
        .map(|_| {
            if arabic && rng.gen_bool(0.5) {
                AR_SENTENCES[rng.gen_range(0..AR_SENTENCES.len())]
            } else {
                FR_SENTENCES[rng.gen_range(0..FR_SENTENCES.len())]
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

struct Corpus {
    store: Store,
    references: Vec<String>,
    load_rows_per_s: f64,
}

fn corpus_cases() -> usize {
    std::env::var("CORRIDOR_BENCH_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)
}

fn corpus_dir(kind: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"),
        PathBuf::from,
    );
    target
        .join("bench-corpus")
        .join(format!("{kind}-{}", corpus_cases()))
}

async fn open_or_build(kind: &str) -> Corpus {
    let dir = corpus_dir(kind);
    let marker = dir.join(CORPUS_VERSION);
    let encrypted = kind == "encrypted";
    if marker.exists() {
        let store = if encrypted {
            Store::open(&dir, Some(Passphrase::new(PASS.to_owned())))
                .await
                .expect("open corpus")
        } else {
            Store::open_unencrypted_for_bench(&dir)
                .await
                .expect("open corpus")
        };
        let references = sqlx::query_scalar("SELECT reference FROM case_file ORDER BY id")
            .fetch_all(store.pool_for_bench())
            .await
            .expect("references");
        let rate = std::fs::read_to_string(&marker)
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0.0);
        return Corpus {
            store,
            references,
            load_rows_per_s: rate,
        };
    }
    let _ = std::fs::remove_dir_all(&dir);
    let store = if encrypted {
        Store::create(&dir, Some(Passphrase::new(PASS.to_owned())))
            .await
            .expect("create")
    } else {
        Store::create_unencrypted_for_bench(&dir)
            .await
            .expect("create")
    };
    let started = Instant::now();
    let (references, rows) = load(&store, corpus_cases()).await;
    let rate = rows as f64 / started.elapsed().as_secs_f64();
    std::fs::write(&marker, format!("{rate}")).expect("marker");
    Corpus {
        store,
        references,
        load_rows_per_s: rate,
    }
}

/// Bulk-loads enterprises, cases, events and the search index; returns references and rows.
async fn load(store: &Store, cases: usize) -> (Vec<String>, usize) {
    let pool = store.pool_for_bench();
    let mut rng = StdRng::seed_from_u64(2026);
    let enterprises = (cases / 50).max(12);
    let mut tx = pool.begin().await.expect("tx");
    let mut ent = Vec::with_capacity(enterprises);
    for chunk in (0..enterprises).collect::<Vec<_>>().chunks(2_000) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO enterprise (id, name, ice, city, region, created_at) ",
        );
        q.push_values(chunk, |mut b, i| {
            let id = Uuid::now_v7();
            let region =
                Region::from_number(u8::try_from(i % 12 + 1).expect("region")).expect("region");
            let name = format!(
                "{} {} {}",
                NAMES[i % NAMES.len()],
                TRADES[(i / NAMES.len()) % TRADES.len()],
                i
            );
            ent.push((id, region));
            b.push_bind(id.to_string())
                .push_bind(name)
                .push_bind(ice(1_000_000_000 + *i as u64))
                .push_bind("Casablanca")
                .push_bind(region.code())
                .push_bind(Utc::now().to_rfc3339());
        });
        q.build().execute(&mut *tx).await.expect("enterprises");
    }
    let start = Utc
        .with_ymd_and_hms(2024, 12, 1, 8, 0, 0)
        .single()
        .expect("start");
    let mut references = Vec::with_capacity(cases);
    let mut rows = enterprises;
    let statuses = [
        CaseStatus::Submitted,
        CaseStatus::Qualified,
        CaseStatus::TransmittedToCnss,
        CaseStatus::InProgress,
        CaseStatus::AwaitingCnss,
        CaseStatus::InProgress,
        CaseStatus::Resolved,
        CaseStatus::Closed,
    ];
    for chunk_start in (0..cases).step_by(2_000) {
        let chunk_end = (chunk_start + 2_000).min(cases);
        let mut case_rows = Vec::new();
        let mut events = Vec::new();
        for n in chunk_start..chunk_end {
            let (eid, region) = ent[rng.gen_range(0..ent.len())];
            let id = Uuid::now_v7();
            let arabic = rng.gen_bool(0.2);
            let title = if arabic {
                AR_TITLES[rng.gen_range(0..AR_TITLES.len())].to_owned()
            } else {
                FR_TITLES[rng.gen_range(0..FR_TITLES.len())].to_owned()
            };
            let opened = start + chrono::Duration::minutes(rng.gen_range(0..(2 * 365 * 24 * 60)));
            let steps = rng.gen_range(0..statuses.len());
            let sentences = rng.gen_range(1..4);
            let status = if steps == 0 {
                CaseStatus::Draft
            } else {
                statuses[steps - 1]
            };
            let reference = format!("COR-{}-{:02}-{:06}", 2025, region.number(), n + 1);
            references.push(reference.clone());
            case_rows.push((
                id,
                reference,
                eid,
                CaseCategory::ALL[rng.gen_range(0..CaseCategory::ALL.len())],
                title,
                text(&mut rng, arabic, sentences),
                status,
                region,
                opened,
                [
                    Priority::Low,
                    Priority::Normal,
                    Priority::Normal,
                    Priority::High,
                    Priority::Urgent,
                ][rng.gen_range(0..5)],
            ));
            // Ten events per case: creation, its status history, the rest notes and assignments.
            let mut at = opened;
            let mut prev = CaseStatus::Draft;
            events.push((
                Uuid::now_v7(),
                id,
                at,
                "created".to_owned(),
                r#"{"kind":"created"}"#.to_owned(),
            ));
            for s in statuses.iter().take(steps) {
                at += chrono::Duration::hours(rng.gen_range(1..72));
                let body = format!(
                    r#"{{"kind":"status_changed","from":"{}","to":"{}","reason":null}}"#,
                    prev.code(),
                    s.code()
                );
                events.push((Uuid::now_v7(), id, at, "status_changed".to_owned(), body));
                prev = *s;
            }
            for k in steps..9 {
                at += chrono::Duration::hours(rng.gen_range(1..48));
                if k % 3 == 0 {
                    let body = format!(
                        r#"{{"kind":"assigned","institution":"cnss","from":null,"to":"{}"}}"#,
                        USERS[rng.gen_range(0..USERS.len())]
                    );
                    events.push((Uuid::now_v7(), id, at, "assigned".to_owned(), body));
                } else {
                    let note = serde_json::json!({"kind": "note", "visibility": "shared", "text": text(&mut rng, arabic, 2)});
                    events.push((Uuid::now_v7(), id, at, "note".to_owned(), note.to_string()));
                }
            }
        }
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO case_file (id, reference, enterprise_id, category, title, description, status, region, opened_at, priority) ",
        );
        q.push_values(&case_rows, |mut b, c| {
            b.push_bind(c.0.to_string())
                .push_bind(&c.1)
                .push_bind(c.2.to_string())
                .push_bind(c.3.code())
                .push_bind(&c.4)
                .push_bind(&c.5)
                .push_bind(c.6.code())
                .push_bind(c.7.code())
                .push_bind(c.8.to_rfc3339())
                .push_bind(c.9.code());
        });
        q.build().execute(&mut *tx).await.expect("cases");
        for ev in events.chunks(5_000) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO case_event (id, case_id, at, author, kind, body) ",
            );
            q.push_values(ev, |mut b, e| {
                b.push_bind(e.0.to_string())
                    .push_bind(e.1.to_string())
                    .push_bind(e.2.to_rfc3339())
                    .push_bind(USERS[e.0.as_u128() as usize % USERS.len()])
                    .push_bind(&e.3)
                    .push_bind(&e.4);
            });
            q.build().execute(&mut *tx).await.expect("events");
        }
        rows += case_rows.len() + events.len();
    }
    tx.commit().await.expect("commit");
    // The search index as a device builds it at the end of a first pull.
    store
        .rebuild_search_index_for_bench()
        .await
        .expect("search index");
    sqlx::query("ANALYZE").execute(pool).await.expect("analyze");
    (references, rows)
}

const QUERIES: &[&str] = &[
    "indemnites",
    "Damancom",
    "echeancier",
    "majorations retard",
    "maternite",
    "pension",
    "redressement",
    "sous-declaration",
    "التعويضات",
    "الضمان",
    "ضمانكم",
    "Fes",
    "Souss Agro",
    "attestations salaire",
    "immatriculation",
    "perte emploi",
    "AMO",
    "relevé compte",
    "litige",
    "Tafilalet",
];

fn percentiles(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    let at =
        |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1e3;
    (at(0.50), at(0.95))
}

struct Figures {
    fts: (f64, f64),
    page: (f64, f64),
    detail: (f64, f64),
    /// First page of a deadline filter (the outlooks already kept).
    deadline: (f64, f64),
}

/// Milliseconds of the first deadline-filtered page after the corpus opened: the outlook of
/// every case computed and kept (what a first pull leaves to do).
async fn first_deadline_page(c: &Corpus) -> f64 {
    let filter = CaseFilter {
        sla: Some(SlaBand::Breached),
        limit: Some(50),
        ..CaseFilter::default()
    };
    // Every case stale, as after a first pull (the corpus is reused between runs).
    sqlx::query(
        "INSERT INTO case_deadline_stale (case_id) SELECT id FROM case_file WHERE true \
         ON CONFLICT DO NOTHING",
    )
    .execute(c.store.pool_for_bench())
    .await
    .expect("mark stale");
    let t = Instant::now();
    std::hint::black_box(c.store.find_cases(&filter).await.expect("deadline page"));
    t.elapsed().as_secs_f64() * 1000.0
}

async fn sample(c: &Corpus, rounds: usize) -> Figures {
    let mut fts = Vec::new();
    let mut page = Vec::new();
    let mut detail = Vec::new();
    let mut deadline = Vec::new();
    let mut rng = StdRng::seed_from_u64(7);
    for i in 0..rounds {
        let t = Instant::now();
        let hits = c
            .store
            .search(QUERIES[i % QUERIES.len()], 20)
            .await
            .expect("search");
        fts.push(t.elapsed());
        std::hint::black_box(hits);

        let filter = CaseFilter {
            status: Some(
                [
                    CaseStatus::InProgress,
                    CaseStatus::Submitted,
                    CaseStatus::Resolved,
                ][i % 3],
            ),
            region: Region::from_number(u8::try_from(i % 12 + 1).expect("n")),
            limit: Some(50),
            ..CaseFilter::default()
        };
        let t = Instant::now();
        std::hint::black_box(c.store.find_cases(&filter).await.expect("page"));
        page.push(t.elapsed());

        let r = &c.references[rng.gen_range(0..c.references.len())];
        let t = Instant::now();
        std::hint::black_box(c.store.case_detail(r).await.expect("detail"));
        detail.push(t.elapsed());

        let filter = CaseFilter {
            sla: Some([SlaBand::Breached, SlaBand::Near, SlaBand::Ok][i % 3]),
            region: (i % 2 == 0)
                .then(|| Region::from_number(u8::try_from(i % 12 + 1).expect("n")))
                .flatten(),
            limit: Some(50),
            ..CaseFilter::default()
        };
        let t = Instant::now();
        std::hint::black_box(c.store.find_cases(&filter).await.expect("deadline page"));
        deadline.push(t.elapsed());
    }
    Figures {
        fts: percentiles(fts),
        page: percentiles(page),
        detail: percentiles(detail),
        deadline: percentiles(deadline),
    }
}

/// Rate of the real import path (validated mutations, outbox), in enterprises per second.
async fn import_rate() -> f64 {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::create(dir.path(), Some(Passphrase::new(PASS.to_owned())))
        .await
        .expect("create");
    let rows: Vec<(usize, NewEnterprise)> = (0..5_000)
        .map(|i| {
            let e = NewEnterprise::parse(
                &format!("Entreprise {i}"),
                &ice(2_000_000_000 + i as u64),
                "MA-06",
                None,
                None,
            )
            .expect("valid");
            (i + 2, e)
        })
        .collect();
    let t = Instant::now();
    store.import_enterprises(rows).await.expect("import");
    5_000.0 / t.elapsed().as_secs_f64()
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let t = Instant::now();
    let enc = rt.block_on(open_or_build("encrypted"));
    let plain = rt.block_on(open_or_build("plain"));
    eprintln!(
        "corpus ready in {:.1}s ({} cases)",
        t.elapsed().as_secs_f64(),
        enc.references.len()
    );
    let rounds = 400;
    let first_e = rt.block_on(first_deadline_page(&enc));
    let first_p = rt.block_on(first_deadline_page(&plain));
    let fe = rt.block_on(sample(&enc, rounds));
    let fp = rt.block_on(sample(&plain, rounds));
    let import = rt.block_on(import_rate());
    let ratio = |a: (f64, f64), b: (f64, f64)| a.0 / b.0;
    let report = format!(
        "# Store benchmark ({} cases, {} events, {rounds} samples each)\n\n\
         | operation | SQLCipher p50 | SQLCipher p95 | plain p50 | plain p95 | ratio (p50) |\n\
         |---|---|---|---|---|---|\n\
         | full-text search (20 results) | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms | {:.2}× |\n\
         | filtered first page (50) | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms | {:.2}× |\n\
         | case detail (timeline, SLA) | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms | {:.2}× |\n\
         | deadline filter, first page (50) | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms | {:.2}× |\n\n\
         First deadline filter after opening (every case's outlook computed and kept): \
         {first_e:.0} ms encrypted, {first_p:.0} ms plain.\n\
         Bulk load of the corpus: {:.0} rows/s encrypted, {:.0} rows/s plain (measured when generated).\n\
         Enterprise import through validated mutations (5,000 rows, one transaction): {:.0} rows/s.\n",
        enc.references.len(),
        enc.references.len() * 10,
        fe.fts.0, fe.fts.1, fp.fts.0, fp.fts.1, ratio(fe.fts, fp.fts),
        fe.page.0, fe.page.1, fp.page.0, fp.page.1, ratio(fe.page, fp.page),
        fe.detail.0, fe.detail.1, fp.detail.0, fp.detail.1, ratio(fe.detail, fp.detail),
        fe.deadline.0, fe.deadline.1, fp.deadline.0, fp.deadline.1, ratio(fe.deadline, fp.deadline),
        enc.load_rows_per_s, plain.load_rows_per_s, import,
    );
    println!("{report}");
    let target = corpus_dir("x")
        .parent()
        .and_then(Path::parent)
        .map(Path::to_owned)
        .expect("target");
    std::fs::write(target.join("bench-report.md"), &report).expect("report");

    let mut c = Criterion::default()
        .configure_from_args()
        .sample_size(30)
        .measurement_time(Duration::from_secs(3));
    for (kind, corpus) in [("encrypted", &enc), ("plain", &plain)] {
        let mut i = 0usize;
        c.bench_function(&format!("fts/{kind}"), |b| {
            b.iter(|| {
                i += 1;
                rt.block_on(corpus.store.search(QUERIES[i % QUERIES.len()], 20))
                    .expect("search")
            });
        });
        let filter = CaseFilter {
            status: Some(CaseStatus::InProgress),
            region: Region::from_number(6),
            limit: Some(50),
            ..CaseFilter::default()
        };
        c.bench_function(&format!("first_page/{kind}"), |b| {
            b.iter(|| rt.block_on(corpus.store.find_cases(&filter)).expect("page"));
        });
        let mut j = 0usize;
        c.bench_function(&format!("case_detail/{kind}"), |b| {
            b.iter(|| {
                j += 7919;
                let r = &corpus.references[j % corpus.references.len()];
                rt.block_on(corpus.store.case_detail(r)).expect("detail")
            });
        });
    }
    c.final_summary();
}
