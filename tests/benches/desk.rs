//! Desktop figures (`cargo xtask bench`, after the store corpus is built): the real app,
//! driven through tauri-driver under Xvfb, on a copy of the encrypted 100,000-case corpus of
//! `corridor-store`'s benchmark (`target/bench-corpus/encrypted-*`).
//!
//! 1. launch to the first interactive screen: from asking tauri-driver for a session (which
//!    starts the app) to the home screen shown, the store unlocked by `CORRIDOR_PASSPHRASE`
//!    (an upper bound: the driver's own start-up is inside);
//! 2. a filter change in the case list to the rows painted (the change event, the query, the
//!    new rows in the DOM, then the next animation frame), p50 / p95 over 60 changes;
//! 3. a keystroke in the global search to its results painted, p50 / p95 over 60 queries;
//! 4. the memory of all the app's processes (PSS of the shell and its WebKit processes) idle
//!    on the home screen.
//!
//! `CORRIDOR_BENCH_CSS` appends style rules to the page before the measures of 2 and 3 (to
//! try a style change without rebuilding the app).
//!
//! `CORRIDOR_APP_BINARY` measures another build (`target/release/corridor-desktop` after
//! `trunk build --release` and `cargo build --release -p corridor-desktop`). Figures are printed
//! and written to `target/bench-desk.md`; nothing here asserts a timing.

#[path = "../tests/desktop/support.rs"]
#[allow(
    dead_code,
    reason = "the test helpers serve the tests too; the bench uses a few"
)]
mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use thirtyfour::prelude::*;

use support::{tid, wait, Driver};

const CORPUS_PASS: &str = "benchmark passphrase";
/// Filter changes and search keystrokes measured each (a p95 of 60 rests on its 3 slowest).
const SAMPLES: usize = 60;

fn corpus() -> Option<PathBuf> {
    let root = corridor_e2e::workspace_root().join("target/bench-corpus");
    let mut found: Vec<PathBuf> = std::fs::read_dir(&root)
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("encrypted-"))
        })
        .collect();
    found.sort();
    found.pop()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read corpus") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

fn percentiles(mut ms: Vec<f64>) -> (f64, f64) {
    ms.sort_by(f64::total_cmp);
    let at = |p: f64| ms[((ms.len() as f64 - 1.0) * p).round() as usize];
    (at(0.5), at(0.95))
}

/// Runs `action` (a script changing the page) and returns the milliseconds until the element
/// `watched` was busy (`busy`, a script expression, held) and no longer is, and the next frame
/// was painted.
async fn until_painted(d: &WebDriver, watched: &str, busy: &str, action: &str) -> f64 {
    let script = format!(
        "const done = arguments[arguments.length - 1];\
         const target = document.querySelector({watched:?});\
         const t0 = performance.now();\
         let seen = false;\
         const obs = new MutationObserver(() => {{ const busy = ({busy}); if (busy) seen = true;\
           if (!seen || busy) return; obs.disconnect(); const t1 = performance.now();\
           requestAnimationFrame(() => {{ window.__benchSplit = t1 - t0; done(performance.now() - t0); }}); }});\
         obs.observe(target, {{ childList: true, subtree: true, characterData: true, attributes: true }});\
         setTimeout(() => {{ obs.disconnect(); done(-1); }}, 10000);\
         {action}"
    );
    d.execute_async(&script, Vec::new())
        .await
        .expect("measure")
        .convert::<f64>()
        .expect("ms")
}

/// Of the last measure, the milliseconds until the DOM held the answer (before the frame).
async fn split(d: &WebDriver) -> f64 {
    d.execute("return window.__benchSplit;", Vec::new())
        .await
        .expect("split")
        .convert::<f64>()
        .expect("ms")
}

/// Milliseconds of one command called straight from the page (the IPC round trip, the store,
/// the JSON both ways; no rendering).
async fn command_ms(d: &WebDriver, command: &str, args: &str) -> f64 {
    let script = format!(
        "const done = arguments[arguments.length - 1];\
         const t0 = performance.now();\
         window.__TAURI__.core.invoke({command:?}, {args})\
           .then(() => done(performance.now() - t0), () => done(-1));"
    );
    d.execute_async(&script, Vec::new())
        .await
        .expect("command")
        .convert::<f64>()
        .expect("ms")
}

/// Where the launch went, in the page's own clock: from the app's process start to the page's
/// start (the shell, the window, WebKit's processes), then each file and command the page
/// fetched (resource timing: name, start and end, in ms after the process start), then the
/// home screen.
async fn launch_steps(d: &WebDriver, app_start: Option<f64>, shown_at: f64) -> String {
    let page = d
        .execute(
            "return JSON.stringify({ origin: performance.timeOrigin, \
               res: performance.getEntriesByType('resource')\
                 .map(e => [e.name, e.startTime, e.responseEnd]) });",
            Vec::new(),
        )
        .await
        .expect("resource timing")
        .convert::<String>()
        .expect("json");
    let page: serde_json::Value = serde_json::from_str(&page).expect("timing json");
    let origin = page["origin"].as_f64().unwrap_or_default();
    let zero = app_start.unwrap_or(origin);
    let mut steps = vec![format!("page start {:.0}", origin - zero)];
    for entry in page["res"].as_array().into_iter().flatten() {
        let name = entry[0].as_str().unwrap_or("?");
        let name = name.rsplit('/').next().unwrap_or(name);
        let name: String = name.chars().take(24).collect();
        let start = entry[1].as_f64().unwrap_or_default() + origin - zero;
        let end = entry[2].as_f64().unwrap_or_default() + origin - zero;
        steps.push(format!("{name} {start:.0}–{end:.0}"));
    }
    steps.push(format!("home screen {:.0}", shown_at - zero));
    steps.join(" · ")
}

/// One process of the app, idle: its name, its PSS (kB) and the mappings that hold most of it
/// (file name or `[anon]`, `[heap]`…, kB), largest first.
struct ProcessMemory {
    name: String,
    pss_kb: u64,
    largest: Vec<(String, u64)>,
}

/// PSS of the process `pid` and of its descendants, by mapping (`/proc/<pid>/smaps`).
fn pss_tree(pid: u32) -> (u64, Vec<ProcessMemory>) {
    let mut all: Vec<(u32, u32, String)> = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(p) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{p}/stat")) else {
            continue;
        };
        let name = stat
            .split('(')
            .nth(1)
            .and_then(|s| s.split(')').next())
            .unwrap_or_default()
            .to_owned();
        let ppid = stat
            .rsplit(')')
            .next()
            .and_then(|s| s.split_whitespace().nth(1))
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        all.push((p, ppid, name));
    }
    let mut tree = vec![pid];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        tree.extend(
            all.iter()
                .filter(|(_, pp, _)| *pp == parent)
                .map(|(p, _, _)| *p),
        );
        i += 1;
    }
    let mut total = 0;
    let mut processes = Vec::new();
    for p in tree {
        let Ok(text) = std::fs::read_to_string(format!("/proc/{p}/smaps")) else {
            continue;
        };
        let mut by_mapping: std::collections::BTreeMap<String, u64> = Default::default();
        let mut current = String::new();
        for line in text.lines() {
            if let Some(kb) = line.strip_prefix("Pss:") {
                let kb: u64 = kb
                    .split_whitespace()
                    .next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                *by_mapping.entry(current.clone()).or_default() += kb;
            } else if line.split_whitespace().next().is_some_and(|range| {
                range.contains('-') && range.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
            }) {
                // A mapping's first line: range, perms, offset, dev, inode, then its path.
                current = line.split_whitespace().nth(5).map_or_else(
                    || "[anon]".to_owned(),
                    |path| path.rsplit('/').next().unwrap_or(path).to_owned(),
                );
            }
        }
        let pss_kb = by_mapping.values().sum();
        let mut largest: Vec<(String, u64)> = by_mapping.into_iter().collect();
        largest.sort_by_key(|m| std::cmp::Reverse(m.1));
        largest.truncate(6);
        let name = all
            .iter()
            .find(|(q, _, _)| *q == p)
            .map(|(_, _, n)| n.clone())
            .unwrap_or_default();
        total += pss_kb;
        processes.push(ProcessMemory {
            name,
            pss_kb,
            largest,
        });
    }
    (total, processes)
}

/// When the process `pid` started, in epoch milliseconds: its age (the system's uptime less
/// its start, both in hundredths of a second) taken from the clock now.
fn started_at_epoch_ms(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let ticks: f64 = stat
        .rsplit(')')
        .next()?
        .split_whitespace()
        .nth(19)?
        .parse()
        .ok()?;
    let uptime: f64 = std::fs::read_to_string("/proc/uptime")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs_f64();
    Some((now - (uptime - ticks / 100.0)) * 1000.0)
}

/// The app's process: the newest one of that name (an earlier run's app may still be ending,
/// and reading its start once made a 0.5 s launch a 20 s one).
fn app_pid() -> Option<u32> {
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .filter_map(|e| {
            let p = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let comm = std::fs::read_to_string(format!("/proc/{p}/comm")).ok()?;
            if comm.trim() != "corridor-deskto" && comm.trim() != "corridor-desktop" {
                return None;
            }
            Some((started_at_epoch_ms(p)?, p))
        })
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, p)| p)
}

#[tokio::main]
async fn main() {
    let Some(source) = corpus() else {
        eprintln!(
            "no store corpus in target/bench-corpus: run `cargo xtask bench` (it builds it first)"
        );
        return;
    };
    let cases: String = source
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_prefix("encrypted-"))
        .unwrap_or("?")
        .to_owned();
    let profile = tempfile::tempdir().expect("tempdir");
    copy_dir(&source, profile.path());
    // What the unlock costs inside the launch: the passphrase's key derivation (Argon2id,
    // deliberately slow) and the store's opening, measured apart on the same copy.
    let started = Instant::now();
    corridor_store::Store::open(
        profile.path(),
        Some(corridor_store::Passphrase::new(CORPUS_PASS.to_owned())),
    )
    .await
    .expect("open the corpus")
    .close()
    .await;
    let unlock = started.elapsed();
    let driver = Driver::start_with(
        profile.path(),
        "http://127.0.0.1:9",
        &[
            ("CORRIDOR_PASSPHRASE", CORPUS_PASS),
            ("CORRIDOR_SYNC_INTERVAL", "3600"),
        ],
    )
    .await;

    // 1. Launch to the first interactive screen.
    let started = Instant::now();
    let d = driver.session().await;
    // The moment the home screen appears, in the page's clock (epoch milliseconds): no
    // polling interval in it.
    let shown_at = d
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             const found = () => document.querySelector(\"[data-testid='home-page']\");\
             if (found()) { done(Date.now()); return; }\
             const obs = new MutationObserver(() => { if (found()) { obs.disconnect(); done(Date.now()); } });\
             obs.observe(document, { childList: true, subtree: true });",
            Vec::new(),
        )
        .await
        .expect("home screen")
        .convert::<f64>()
        .expect("epoch ms");
    let launch = started.elapsed();
    // From the app's process start (the kernel's record, to 10 ms) to the home screen: the
    // app's own launch, without the drivers' start-up.
    let app_start = app_pid().and_then(started_at_epoch_ms);
    let app_launch = app_start.map(|t0| (shown_at - t0) / 1000.0);
    let launch_steps = launch_steps(&d, app_start, shown_at).await;

    // 4. Idle memory, on the home screen.
    tokio::time::sleep(Duration::from_secs(10)).await;
    let memory = app_pid().map(pss_tree);

    // A style change tried without rebuilding the app (`CORRIDOR_BENCH_CSS`: rules appended
    // to the page before the measures below).
    if let Ok(css) = std::env::var("CORRIDOR_BENCH_CSS") {
        d.execute(
            "const s = document.createElement('style'); s.textContent = arguments[0]; \
             document.head.appendChild(s);",
            vec![serde_json::Value::String(css)],
        )
        .await
        .expect("inject the style");
    }

    // 2. Filter changes at this scale.
    wait(&d, "nav-cases").await.click().await.expect("cases");
    wait(&d, "case-table").await;
    let mut filter = Vec::new();
    let mut filter_command = Vec::new();
    let mut filter_dom = Vec::new();
    let statuses = [
        "in_progress",
        "submitted",
        "resolved",
        "",
        "awaiting_cnss",
        "qualified",
    ];
    for i in 0..SAMPLES {
        let value = statuses[i % statuses.len()];
        let ms = until_painted(
            &d,
            "[data-testid='cases-page']",
            "document.querySelector(\"[data-testid='cases-page']\").getAttribute('aria-busy') === 'true'",
            &format!(
                "const s = document.querySelector(\"[data-testid='filter-status']\");\
                 s.value = {value:?}; s.dispatchEvent(new Event('change', {{ bubbles: true }}));"
            ),
        )
        .await;
        if ms >= 0.0 {
            filter.push(ms);
            filter_dom.push(split(&d).await);
        }
        let query =
            format!("{{ query: {{ status: {value:?}, sort: 'newest', limit: 101, offset: 0 }} }}");
        let query = if value.is_empty() {
            "{ query: { sort: 'newest', limit: 101, offset: 0 } }".to_owned()
        } else {
            query
        };
        let ms = command_ms(&d, "list_cases", &query).await;
        if ms >= 0.0 {
            filter_command.push(ms);
        }
    }

    // 3. Keystrokes in the global search.
    let queries = ["indem", "alloc", "mater", "famil", "retra", "pensi"];
    let mut search = Vec::new();
    let mut search_command = Vec::new();
    let mut search_dom = Vec::new();
    d.find(tid("global-search"))
        .await
        .expect("search")
        .send_keys("i")
        .await
        .expect("type");
    wait(&d, "search-results").await;
    for i in 0..SAMPLES {
        let q = queries[i % queries.len()];
        let ms = until_painted(
            &d,
            "[role='search']",
            "document.querySelector(\"[role='search']\").getAttribute('aria-busy') === 'true'",
            &format!(
                "const s = document.querySelector(\"[data-testid='global-search']\");\
                 s.value = {q:?}; s.dispatchEvent(new Event('input', {{ bubbles: true }}));"
            ),
        )
        .await;
        if ms >= 0.0 {
            search.push(ms);
            search_dom.push(split(&d).await);
        }
        let ms = command_ms(&d, "search_cases", &format!("{{ query: {q:?} }}")).await;
        if ms >= 0.0 {
            search_command.push(ms);
        }
    }
    d.quit().await.expect("quit");

    let build = match std::env::var("CORRIDOR_APP_BINARY") {
        Ok(path) if path.contains("/release/") => "release build of the app",
        Ok(_) => "the app given by CORRIDOR_APP_BINARY",
        Err(_) => "debug build of the app, as the tests drive it",
    };
    let (f50, f95) = percentiles(filter.clone());
    let (s50, s95) = percentiles(search.clone());
    let (fc50, fc95) = percentiles(filter_command.clone());
    let (fd50, fd95) = percentiles(filter_dom.clone());
    let (sd50, sd95) = percentiles(search_dom.clone());
    let (sc50, sc95) = percentiles(search_command.clone());
    let mut report = format!(
        "# Desktop figures ({cases} cases, {build})\n\n\
         | figure | value |\n|---|---|\n\
         | launch to the home screen (session start, app start, unlock) | {:.2} s |\n\
         | of which the app's own, from its process start | {} |\n\
         | its steps, ms after the process start | {launch_steps} |\n\
         | the store's unlock alone (Argon2id key derivation and opening), measured apart | {:.2} s |\n\
         | filter change to rows painted (p50 / p95, {} samples) | {f50:.1} / {f95:.1} ms |\n\
         | search keystroke to results painted (p50 / p95, {} samples) | {s50:.1} / {s95:.1} ms |\n\
         | of which until the rows are in the page, before the frame (p50 / p95) | {fd50:.1} / {fd95:.1} ms |\n\
         | of which until the results are in the page, before the frame (p50 / p95) | {sd50:.1} / {sd95:.1} ms |\n\
         | of which the `list_cases` command alone, from the page (p50 / p95) | {fc50:.1} / {fc95:.1} ms |\n\
         | of which the `search_cases` command alone, from the page (p50 / p95) | {sc50:.1} / {sc95:.1} ms |\n",
        launch.as_secs_f64(),
        app_launch.map_or("?".to_owned(), |s| format!("{s:.2} s")),
        unlock.as_secs_f64(),
        filter.len(),
        search.len(),
    );
    if let Some((total, processes)) = memory {
        let mb = |kb: u64| kb as f64 / 1024.0;
        let detail = processes
            .iter()
            .map(|p| format!("{} {:.0} MB", p.name, mb(p.pss_kb)))
            .collect::<Vec<_>>()
            .join(", ");
        report.push_str(&format!(
            "| idle memory, all the app's processes (PSS) | {:.0} MB ({detail}) |\n",
            mb(total)
        ));
        for p in &processes {
            let largest = p
                .largest
                .iter()
                .map(|(m, kb)| format!("{m} {:.1}", mb(*kb)))
                .collect::<Vec<_>>()
                .join(" · ");
            report.push_str(&format!(
                "| of which {}, its largest mappings (MB) | {largest} |\n",
                p.name
            ));
        }
    }
    println!("{report}");
    let out = corridor_e2e::workspace_root().join("target/bench-desk.md");
    std::fs::write(&out, report).expect("write report");
}
