//! A PostgreSQL for the server tests: `DATABASE_URL` when set, else the one listening on
//! 127.0.0.1:5432, else a throwaway cluster started in a temporary directory (installing
//! Debian's `postgresql` package if needed) and stopped when dropped.

use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use anyhow::{bail, Context, Result};

use crate::util::{as_root, is_root, run};

/// A PostgreSQL server the tests may create databases on.
pub(crate) struct Postgres {
    /// Admin URL (database `postgres`).
    pub(crate) url: String,
    cluster: Option<Cluster>,
}

struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    as_postgres: bool,
}

impl Postgres {
    /// URL without any password, for printing.
    pub(crate) fn display_url(&self) -> String {
        match self.url.split_once('@') {
            Some((_, host)) if self.url.contains(':') => format!("postgres://…@{host}"),
            _ => self.url.clone(),
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if let Some(c) = &self.cluster {
            let _ = c
                .pg_ctl(&[
                    "stop",
                    "-m",
                    "immediate",
                    "-D",
                    &c.dir.display().to_string(),
                ])
                .status();
            let _ = std::fs::remove_dir_all(&c.dir);
            println!("==> throwaway PostgreSQL stopped");
        }
    }
}

impl Cluster {
    fn pg_ctl(&self, args: &[&str]) -> Command {
        self.tool("pg_ctl", args)
    }

    fn tool(&self, name: &str, args: &[&str]) -> Command {
        let path = self.bin.join(name);
        let mut c = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        };
        c.args(args);
        c
    }
}

fn reachable(port: u16) -> bool {
    TcpStream::connect_timeout(
        &SocketAddr::from(([127, 0, 0, 1], port)),
        Duration::from_secs(1),
    )
    .is_ok()
}

fn find_bin() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop()
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Finds or starts a PostgreSQL.
pub(crate) fn ensure() -> Result<Postgres> {
    if let Ok(url) = std::env::var("DATABASE_URL") {
        return Ok(Postgres { url, cluster: None });
    }
    if reachable(5432) {
        return Ok(Postgres {
            url: "postgres://postgres@127.0.0.1:5432/postgres".to_owned(),
            cluster: None,
        });
    }
    let bin = match find_bin() {
        Some(b) => b,
        None => {
            run("apt-get update", as_root("apt-get").args(["update", "-q"]))?;
            run(
                "apt-get install postgresql",
                as_root("apt-get")
                    .args([
                        "install",
                        "-y",
                        "-q",
                        "--no-install-recommends",
                        "postgresql",
                    ])
                    .env("DEBIAN_FRONTEND", "noninteractive"),
            )?;
            find_bin().context("initdb not found after installing postgresql")?
        }
    };
    // initdb refuses to run as root: run the cluster as the `postgres` user then.
    let as_postgres = is_root();
    let dir = std::env::temp_dir().join(format!("corridor-pg-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    if as_postgres {
        run(
            "chown",
            Command::new("chown").args(["postgres:postgres", &dir.display().to_string()]),
        )?;
    }
    let cluster = Cluster {
        bin,
        dir,
        as_postgres,
    };
    let d = cluster.dir.display().to_string();
    run(
        "initdb",
        &mut cluster.tool(
            "initdb",
            &[
                "-D",
                &d,
                "-U",
                "postgres",
                "-A",
                "trust",
                "--no-sync",
                "-E",
                "UTF8",
            ],
        ),
    )?;
    let port = free_port()?;
    let opts = format!("-p {port} -k {d} -c listen_addresses=127.0.0.1 -c fsync=off");
    let log = format!("{d}/server.log");
    let pg = Postgres {
        url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
        cluster: Some(cluster),
    };
    let c = pg.cluster.as_ref().context("cluster")?;
    run(
        "pg_ctl start",
        &mut c.pg_ctl(&["start", "-w", "-D", &d, "-l", &log, "-o", &opts]),
    )?;
    if !reachable(port) {
        bail!("the throwaway PostgreSQL did not start (see {log})");
    }
    println!("==> throwaway PostgreSQL on port {port}");
    Ok(pg)
}
