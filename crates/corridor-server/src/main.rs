//! `corridor-server`: the central corridor server and its administration commands.

use std::io::BufRead;
use std::net::SocketAddr;

use anyhow::{bail, Context};
use chrono::Utc;
use clap::{Parser, Subcommand};
use corridor_model::Region;
use corridor_server::auth::{self, Role};
use corridor_server::storage::Actor;
use tokio::net::TcpListener;

/// mimalloc rather than glibc's allocator: the server allocates many small buffers per request
/// on several threads, where glibc's allocator took about a tenth of the processor under load
/// (BENCHMARKS.md, 500 devices).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Central corridor server of the CGEM–CNSS mediation corridor.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// Database URL: `postgres://user@host/db` in production, `sqlite:FILE` embedded.
    #[arg(
        long,
        env = "CORRIDOR_DATABASE_URL",
        default_value = "sqlite:corridor-server.db",
        hide_env_values = true
    )]
    database_url: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Migrate the database and serve the HTTP API.
    Serve {
        /// Address to listen on (`127.0.0.1:0` picks a free port, printed at start).
        #[arg(long, env = "CORRIDOR_BIND", default_value = "127.0.0.1:8787")]
        bind: SocketAddr,
        /// Allow plain HTTP on a non-loopback address (only behind a TLS-terminating proxy).
        #[arg(long)]
        allow_plain_http: bool,
        /// Serve HTTPS with this certificate chain (PEM), reloaded when it changes
        /// (every CORRIDOR_TLS_RELOAD_SECS, default 60).
        #[arg(long, env = "CORRIDOR_TLS_CERT", requires = "tls_key")]
        tls_cert: Option<std::path::PathBuf>,
        /// The certificate's private key (PEM).
        #[arg(long, env = "CORRIDOR_TLS_KEY", requires = "tls_cert")]
        tls_key: Option<std::path::PathBuf>,
    },
    /// Migrate the database and exit.
    Migrate,
    /// User accounts.
    #[command(subcommand)]
    User(UserCmd),
    /// Registered devices.
    #[command(subcommand)]
    Device(DeviceCmd),
    /// Create demonstration users, enterprises and cases (password of the demo accounts from
    /// CORRIDOR_PASSWORD, or generated and printed once).
    SeedDemo,
    /// The audit log.
    #[command(subcommand)]
    Audit(AuditCmd),
}

#[derive(Debug, Subcommand)]
enum AuditCmd {
    /// Check the hash chain of the audit log, and its seals with the audit key
    /// (CORRIDOR_AUDIT_KEY_FILE); fails at the first broken entry, naming it.
    Verify,
    /// Write a new audit key to a new file (owner-only), for CORRIDOR_AUDIT_KEY_FILE.
    NewKey {
        /// The file to create.
        #[arg(long)]
        out: std::path::PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum UserCmd {
    /// Create a user. The password comes from one line of standard input
    /// (`--password-stdin`) or from CORRIDOR_PASSWORD.
    Add {
        /// Login name.
        #[arg(long)]
        username: String,
        /// cgem_officer, cnss_rep, committee or admin.
        #[arg(long)]
        role: String,
        /// Regions, comma-separated (MA-06,MA-04); required for officers and representatives.
        #[arg(long, default_value = "")]
        regions: String,
        /// Read the password from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users.
    List,
    /// Change the regions of a user (their devices drop the cases of regions they lose).
    Regions {
        /// Login name.
        #[arg(long)]
        username: String,
        /// Regions, comma-separated (MA-06,MA-04).
        #[arg(long)]
        regions: String,
    },
    /// Disable an account: it cannot log in, its sessions are refused; its devices keep their
    /// data (revoke a device to wipe it).
    Disable {
        /// Login name.
        #[arg(long)]
        username: String,
    },
    /// Enable a disabled account again.
    Enable {
        /// Login name.
        #[arg(long)]
        username: String,
    },
    /// Set a new password (from `--password-stdin` or CORRIDOR_PASSWORD): every session of the
    /// user ends, and a login blocked by a revoked device is allowed again.
    Password {
        /// Login name.
        #[arg(long)]
        username: String,
        /// Read the password from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Debug, Subcommand)]
enum DeviceCmd {
    /// List devices.
    List,
    /// Revoke a device: its next request is refused and it wipes its local store; its user
    /// logs in again only after `user password`.
    Revoke {
        /// Device id.
        id: String,
    },
}

fn read_password(from_stdin: bool) -> anyhow::Result<zeroize::Zeroizing<String>> {
    let password = zeroize::Zeroizing::new(if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the password")?;
        let password = line.trim_end_matches(['\r', '\n']).to_owned();
        zeroize::Zeroize::zeroize(&mut line);
        password
    } else {
        std::env::var("CORRIDOR_PASSWORD")
            .context("give the password with --password-stdin or CORRIDOR_PASSWORD")?
    });
    if password.chars().count() < 10 {
        bail!("the password must have at least 10 characters");
    }
    if password.len() > corridor_server::login::MAX_PASSWORD_BYTES {
        bail!(
            "the password must have at most {} bytes",
            corridor_server::login::MAX_PASSWORD_BYTES
        );
    }
    Ok(password)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "corridor_server=info,tower_http=info".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let cli = Cli::parse();
    let storage = corridor_server::connect(&cli.database_url)
        .await
        .context("opening the database")?;
    tracing::info!(database = storage.kind(), "database migrated");
    match cli.command {
        Command::Migrate => {}
        Command::Serve {
            bind,
            allow_plain_http,
            tls_cert,
            tls_key,
        } => {
            let tls = tls_cert
                .zip(tls_key)
                .map(|(cert, key)| corridor_server::tls::TlsFiles::new(cert, key));
            anyhow::ensure!(
                tls.is_some() || bind.ip().is_loopback() || allow_plain_http,
                "refusing plain HTTP on {bind}: bind to loopback, give a certificate \
                 (--tls-cert, --tls-key), or pass --allow-plain-http behind a TLS-terminating proxy"
            );
            // The certificate is loaded before the port is taken: a wrong pair stops here.
            let loaded = match &tls {
                Some(files) => Some(files.load().await?),
                None => None,
            };
            // A mistyped proxy list would silently count every office as one: refuse it.
            corridor_server::client_address::TrustedProxies::from_env()
                .map_err(anyhow::Error::msg)?;
            let listener = TcpListener::bind(bind)
                .await
                .with_context(|| format!("binding {bind}"))?;
            let addr = listener.local_addr()?;
            let scheme = if tls.is_some() { "https" } else { "http" };
            // Tests and scripts read this line to learn the port.
            println!("corridor-server listening on {scheme}://{addr}");
            match tls.zip(loaded) {
                Some((files, loaded)) => {
                    corridor_server::tls::serve_tls(
                        listener,
                        storage.clone(),
                        files,
                        loaded,
                        shutdown_signal(),
                    )
                    .await?;
                }
                None => {
                    corridor_server::serve(listener, storage.clone(), shutdown_signal()).await?;
                }
            }
            tracing::info!("stopped");
        }
        Command::User(UserCmd::Add {
            username,
            role,
            regions,
            password_stdin,
        }) => {
            let role: Role = role
                .parse()
                .map_err(|e: corridor_model::ValidationError| anyhow::anyhow!("{e}"))?;
            let regions = parse_regions(&regions)?;
            if matches!(role, Role::CgemOfficer | Role::CnssRep) && regions.is_empty() {
                bail!("an officer or representative needs at least one region (--regions MA-06)");
            }
            let username = username.trim().to_owned();
            if username.is_empty() || username.len() > 64 {
                bail!("the username must have 1 to 64 characters");
            }
            let password = read_password(password_stdin)?;
            let hash = tokio::task::spawn_blocking(move || auth::hash_password(&password)).await?;
            let user = storage
                .add_user(
                    &username,
                    role,
                    &regions,
                    &hash,
                    &Actor::console(&console()),
                )
                .await?;
            println!(
                "created {} ({}, {})",
                user.username,
                user.role,
                region_list(&user.regions)
            );
        }
        Command::User(UserCmd::List) => {
            for u in storage.users().await? {
                println!(
                    "{:<24} {:<14} {}{}{}",
                    u.username,
                    u.role,
                    region_list(&u.regions),
                    if u.disabled { " (disabled)" } else { "" },
                    if u.password_reset_required {
                        " (new password required)"
                    } else {
                        ""
                    }
                );
            }
        }
        Command::User(UserCmd::Regions { username, regions }) => {
            let regions = parse_regions(&regions)?;
            let user = storage
                .set_user_regions(username.trim(), &regions, &Actor::console(&console()))
                .await?;
            println!(
                "{} now covers {}",
                user.username,
                region_list(&user.regions)
            );
        }
        Command::User(UserCmd::Disable { username }) => {
            let user = storage
                .set_user_disabled(username.trim(), true, &Actor::console(&console()))
                .await?;
            println!("{} disabled", user.username);
        }
        Command::User(UserCmd::Enable { username }) => {
            let user = storage
                .set_user_disabled(username.trim(), false, &Actor::console(&console()))
                .await?;
            println!("{} enabled", user.username);
        }
        Command::User(UserCmd::Password {
            username,
            password_stdin,
        }) => {
            let password = read_password(password_stdin)?;
            let hash = tokio::task::spawn_blocking(move || auth::hash_password(&password)).await?;
            let user = storage
                .set_password(username.trim(), &hash, &Actor::console(&console()))
                .await?;
            println!(
                "new password set for {}; their devices sign in again",
                user.username
            );
        }
        Command::SeedDemo => {
            let password = match std::env::var("CORRIDOR_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    let (token, _) = auth::new_token();
                    let p = token.trim_start_matches("cor_")[..16].to_owned();
                    println!("demo password (shown once): {p}");
                    p
                }
            };
            let hash = tokio::task::spawn_blocking(move || auth::hash_password(&password)).await?;
            let summary = corridor_server::demo::seed(storage.as_ref(), &hash)
                .await
                .context("seeding the demo data (already seeded?)")?;
            for (name, role) in &summary.users {
                println!("user {name} ({role})");
            }
            println!(
                "{} enterprises, {} cases",
                summary.enterprises, summary.cases
            );
        }
        Command::Audit(AuditCmd::Verify) => {
            let report = storage.audit_verify().await?;
            if let Some((seq, why)) = report.broken {
                bail!(
                    "audit log broken at entry {seq} of {}: {why}",
                    report.entries
                );
            }
            let seals = match report.sealed {
                None => "seals not checked: no audit key (CORRIDOR_AUDIT_KEY_FILE)".to_owned(),
                Some(n) if report.unsealed > 0 => format!(
                    "{n} sealed entries checked with the audit key, {} from before the key",
                    report.unsealed
                ),
                Some(n) => format!("{n} sealed entries checked with the audit key"),
            };
            println!(
                "audit log intact: {} entries ({} changes applied, {} refused, {} account events; {seals})",
                report.entries, report.applied, report.refused, report.events
            );
        }
        Command::Audit(AuditCmd::NewKey { out }) => {
            let key = corridor_server::audit::AuditKey::generate();
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options
                .open(&out)
                .with_context(|| format!("creating {}", out.display()))?;
            std::io::Write::write_all(&mut file, key.as_bytes())?;
            file.sync_all()?;
            println!(
                "audit key written to {} (owner-only): give it to the server with \
                 CORRIDOR_AUDIT_KEY_FILE, and keep a copy away from the database",
                out.display()
            );
        }
        Command::Device(DeviceCmd::List) => {
            for d in storage.devices().await? {
                let state = d.revoked_at.map_or_else(
                    || "active".to_owned(),
                    |t| format!("revoked {}", t.to_rfc3339()),
                );
                println!(
                    "{}  {:<20} {:<24} last seen {}  {state}",
                    d.id,
                    d.username,
                    d.name,
                    d.last_seen_at.to_rfc3339()
                );
            }
        }
        Command::Device(DeviceCmd::Revoke { id }) => {
            if !storage
                .revoke_device(id.trim(), Utc::now(), &Actor::console(&console()))
                .await?
            {
                bail!("no device {id}");
            }
            println!("revoked {id}; its user needs a new password (user password) to log in again");
        }
    }
    storage.close().await;
    Ok(())
}

/// Who runs an administration command, for the audit log: the console and the system user.
fn console() -> String {
    format!(
        "console:{}",
        std::env::var("USER")
            .or_else(|_| std::env::var("USERNAME"))
            .unwrap_or_else(|_| "?".to_owned())
    )
}

fn parse_regions(text: &str) -> anyhow::Result<Vec<Region>> {
    text.split(',')
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::parse)
        .collect::<Result<_, _>>()
        .map_err(|e: corridor_model::ValidationError| anyhow::anyhow!("{e}"))
}

fn region_list(regions: &[Region]) -> String {
    if regions.is_empty() {
        "all regions".to_owned()
    } else {
        regions
            .iter()
            .map(|r| r.code())
            .collect::<Vec<_>>()
            .join(",")
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
