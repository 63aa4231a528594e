//! `cargo xtask`: the project's two front doors.
//!
//! - `cargo xtask run`: installs what is missing, builds the interface and the desktop app,
//!   starts a corridor server on SQLite on loopback and launches the app pointed at it; stops
//!   the server when the app closes.
//! - `cargo xtask test`: installs what is missing, then formatting, clippy, every test (the
//!   server's against a real PostgreSQL and SQLite, the keyring's against a real Secret
//!   Service), the API fuzzed from its OpenAPI description (schemathesis), builds the interface
//!   and the app, runs the end-to-end tests under Xvfb, and prints a summary with test counts.
//!
//! Only std and anyhow, so that it compiles in seconds on a fresh machine.

mod postgres;
mod setup;
mod util;

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};

use util::{cargo, cargo_bin, root, run, run_counting, Counts};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("run") => cmd_run(&args[1..]),
        Some("test") => cmd_test(&args[1..]),
        Some("setup") => setup::ensure_tools(),
        Some("bench") => cmd_bench(&args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask <command>\n\n\
                 commands:\n  \
                 run    build everything and launch the desktop app against a local server\n  \
                 test   formatting, clippy, all tests (PostgreSQL, SQLite, keyring, E2E)\n  \
                 bench  store benchmarks on a generated corpus (report in target/bench-report.md)\n  \
                 setup  only install the missing tools and packages"
            );
            std::process::exit(2);
        }
    }
}

/// Builds the interface into `ui/dist` (the desktop crate embeds it at compile time).
fn build_ui() -> Result<()> {
    let mut trunk = Command::new("trunk");
    trunk.arg("build").current_dir(root().join("ui"));
    run("trunk build (ui)", &mut trunk)
}

/// Runs the benchmarks (extra arguments go to criterion, e.g. `--quick`).
fn cmd_bench(args: &[String]) -> Result<()> {
    run(
        "cargo bench",
        cargo()
            .args([
                "bench",
                "-p",
                "corridor-store",
                "--features",
                "bench",
                "--bench",
                "corpus",
                "--",
            ])
            .args(args),
    )?;
    // The sync figures need PostgreSQL (the same one the tests use, or a throwaway cluster).
    let pg = postgres::ensure()?;
    run(
        "cargo bench (sync)",
        cargo()
            .args(["bench", "-p", "corridor-e2e", "--bench", "sync"])
            .env("DATABASE_URL", &pg.url),
    )?;
    drop(pg);
    // The desktop figures: the real app (the build the tests drive) on a copy of the store
    // corpus built above, under Xvfb.
    build_ui()?;
    run("cargo build", cargo().args(["build", "--workspace"]))?;
    run(
        "cargo bench (desk)",
        Command::new("xvfb-run")
            .args(["-a", "-s", "-screen 0 1280x800x24"])
            .args([
                cargo_bin().as_str(),
                "bench",
                "--profile",
                "dev",
                "-p",
                "corridor-e2e",
                "--bench",
                "desk",
            ])
            .env("NO_AT_BRIDGE", "1")
            .current_dir(root()),
    )?;
    println!(
        "==> figures written to target/bench-report.md, target/bench-sync.md and \
         target/bench-desk.md (see BENCHMARKS.md)"
    );
    Ok(())
}

/// Password of the demo accounts that `cargo xtask run` creates on its local server.
const DEMO_PASSWORD: &str = "corridor-demo";

fn cmd_run(args: &[String]) -> Result<()> {
    let port: u16 = match args {
        [flag, p] if flag == "--port" => p.parse().context("--port takes a number")?,
        [] => 8787,
        _ => bail!("usage: cargo xtask run [--port N]"),
    };
    setup::ensure_tools()?;
    build_ui()?;
    run("cargo build", cargo().args(["build", "--workspace"]))?;
    let dev = root().join("target").join("corridor-dev");
    std::fs::create_dir_all(&dev)?;
    let bin = root().join("target").join("debug");
    let url = format!("http://127.0.0.1:{port}");
    let db = format!("sqlite:{}", dev.join("server.db").display());
    // First start: the demo corridor (users, enterprises, cases in every status), so that one
    // command shows a working desk. The password is fixed and printed: it is a local sandbox.
    if !dev.join("server.db").exists() {
        println!("==> first start: seeding the demo data");
        run(
            "corridor-server seed-demo",
            Command::new(bin.join("corridor-server"))
                .args(["--database-url", &db, "seed-demo"])
                .env("CORRIDOR_PASSWORD", DEMO_PASSWORD),
        )?;
    }
    println!(
        "==> corridor-server on {url} (SQLite: {})\n==> sign in (Paramètres) as \
         demo.officier.casa, demo.cnss.casa or demo.comite, password \"{DEMO_PASSWORD}\"",
        dev.join("server.db").display()
    );
    let mut server = Command::new(bin.join("corridor-server"))
        .args(["--database-url", &db])
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .spawn()
        .context("starting corridor-server")?;

    let data_dir =
        std::env::var_os("CORRIDOR_DATA_DIR").map_or_else(|| dev.join("data"), PathBuf::from);
    let mut app = Command::new(bin.join("corridor-desktop"));
    app.env("CORRIDOR_SERVER_URL", &url)
        .env("CORRIDOR_DATA_DIR", &data_dir);
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none()
        && std::env::var_os("CORRIDOR_PASSPHRASE").is_none()
    {
        println!(
            "==> no D-Bus session (so no OS keyring): the development profile is protected by \
             the passphrase \"corridor-dev\" (set CORRIDOR_PASSPHRASE to choose another)"
        );
        app.env("CORRIDOR_PASSPHRASE", "corridor-dev");
    }
    println!("==> corridor-desktop (data: {})", data_dir.display());
    let status = app.status().context("starting corridor-desktop");
    util::terminate(&mut server);
    println!("==> corridor-server stopped");
    let status = status?;
    if !status.success() {
        bail!("corridor-desktop exited with {status}");
    }
    Ok(())
}

struct Step {
    name: &'static str,
    seconds: u64,
    ok: bool,
    counts: Option<Counts>,
}

fn cmd_test(args: &[String]) -> Result<()> {
    let skip_e2e = args.iter().any(|a| a == "--no-e2e");
    let started = Instant::now();
    let mut steps: Vec<Step> = Vec::new();
    let mut record = |name: &'static str, f: &mut dyn FnMut() -> Result<Option<Counts>>| {
        let t = Instant::now();
        let result = f();
        let ok = result
            .as_ref()
            .is_ok_and(|c| c.as_ref().is_none_or(|c| c.failed == 0));
        if let Err(e) = &result {
            eprintln!("!! {name}: {e:#}");
        }
        steps.push(Step {
            name,
            seconds: t.elapsed().as_secs(),
            ok,
            counts: result.ok().flatten(),
        });
        ok
    };

    let mut go = record("install tools", &mut || {
        setup::ensure_tools().map(|()| None)
    });
    go = go && record("build ui (trunk)", &mut || build_ui().map(|()| None));
    go = go
        && record("cargo fmt --check", &mut || {
            run("fmt", cargo().args(["fmt", "--all", "--check"])).map(|()| None)
        });
    go = go
        && record("cargo clippy -D warnings", &mut || {
            run(
                "clippy",
                cargo().args([
                    "clippy",
                    "--workspace",
                    "--all-targets",
                    "--all-features",
                    "--",
                    "-D",
                    "warnings",
                ]),
            )
            .map(|()| None)
        });
    let pg = if go { Some(postgres::ensure()?) } else { None };
    if let Some(pg) = &pg {
        println!("==> PostgreSQL for the tests: {}", pg.display_url());
        go = record("cargo test (workspace)", &mut || {
            run_counting(
                cargo()
                    .args(["test", "--workspace", "--no-fail-fast"])
                    .env("DATABASE_URL", &pg.url),
            )
            .map(Some)
        }) && go;
        go = record("keyring tests (Secret Service)", &mut || {
            let script = "set -e; export XDG_DATA_HOME=$(mktemp -d); \
                 echo -n corridor | gnome-keyring-daemon --unlock --components=secrets >/dev/null; \
                 exec cargo test --workspace --test keyring -- --ignored";
            run_counting(
                Command::new("dbus-run-session")
                    .args(["--", "sh", "-c", script])
                    .current_dir(root()),
            )
            .map(Some)
        }) && go;
    }
    drop(pg);
    if go {
        // The real server fuzzed from its OpenAPI description (schemathesis, bounded).
        go = record("API fuzzing (schemathesis)", &mut || {
            run_counting(cargo().args([
                "test",
                "--workspace",
                "--test",
                "api_schema",
                "--",
                "--ignored",
            ]))
            .map(Some)
        }) && go;
    }
    if go && !skip_e2e {
        // `--workspace` everywhere: the same feature set as the test build, so nothing is
        // compiled twice.
        go = record("build app and server", &mut || {
            run("cargo build", cargo().args(["build", "--workspace"])).map(|()| None)
        });
        go = go
            && record("end-to-end (WebDriver, Xvfb)", &mut || {
                run_counting(
                    Command::new("xvfb-run")
                        .args(["-a", "-s", "-screen 0 1280x800x24"])
                        .args([
                            cargo_bin().as_str(),
                            "test",
                            "--workspace",
                            "--test",
                            "desktop",
                        ])
                        .args(["--", "--ignored", "--test-threads=1"])
                        .env("NO_AT_BRIDGE", "1")
                        .current_dir(root()),
                )
                .map(Some)
            });
    }

    let mut total = Counts::default();
    println!("\n================ cargo xtask test: summary ================");
    for s in &steps {
        let counts = s.counts.map_or_else(String::new, |c| {
            total.add(c);
            format!(
                "  {} passed, {} failed, {} ignored",
                c.passed, c.failed, c.ignored
            )
        });
        println!(
            "{:<4} {:<34} {:>5}s{counts}",
            if s.ok { "ok" } else { "FAIL" },
            s.name,
            s.seconds
        );
    }
    println!("total time: {}s", started.elapsed().as_secs());
    println!("{} passed, {} failed", total.passed, total.failed);
    if !go || steps.iter().any(|s| !s.ok) {
        bail!("cargo xtask test failed");
    }
    Ok(())
}
