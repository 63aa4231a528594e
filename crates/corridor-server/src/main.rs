//! `corridor-server`: the central corridor server and its administration commands.

use std::net::SocketAddr;

use anyhow::Context;
use clap::{Parser, Subcommand};
use corridor_server::Db;
use tokio::net::TcpListener;

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
    },
    /// Migrate the database and exit.
    Migrate,
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
    let db = Db::connect(&cli.database_url)
        .await
        .context("opening the database")?;
    tracing::info!(database = db.kind(), "database migrated");
    match cli.command {
        Command::Migrate => Ok(()),
        Command::Serve {
            bind,
            allow_plain_http,
        } => {
            anyhow::ensure!(
                bind.ip().is_loopback() || allow_plain_http,
                "refusing plain HTTP on {bind}: bind to loopback, or pass --allow-plain-http \
                 behind a TLS-terminating proxy"
            );
            let listener = TcpListener::bind(bind)
                .await
                .with_context(|| format!("binding {bind}"))?;
            let addr = listener.local_addr()?;
            // Tests and scripts read this line to learn the port.
            println!("corridor-server listening on http://{addr}");
            corridor_server::serve(listener, db, shutdown_signal()).await?;
            tracing::info!("stopped");
            Ok(())
        }
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
