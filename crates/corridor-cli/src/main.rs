//! `corridor`: the headless face of the desktop backend (scripting, bulk work, tests).
//!
//! Every command validates its input before opening the store, so a refused input writes
//! nothing. The store's passphrase is read from `CORRIDOR_PASSPHRASE`, never from the command
//! line. This file holds the command line, the helpers shared by the commands (data directory,
//! passphrase, opening the store) and the dispatch; each group of commands has its module, and
//! [`output`] prints for all of them.
//!
//! # Errors and exit status
//!
//! An error is printed on stderr as `erreur : {message}` in French or, with `--json`, as one
//! object `{"code": "…", "message": "…"}` whose code is stable. The exit status says what kind
//! of failure it was ([`error::Kind`], decided from the code):
//!
//! | Status | Failure |
//! |--------|---------|
//! | 0 | none |
//! | 1 | anything else: files, the local database, internal failures |
//! | 2 | usage: unknown command or option, missing argument (clap's own status) |
//! | 3 | the input or a rule refused it: `invalid_*`, `unknown_*`, `required`, `too_long`, `nothing_to_change`, `forbidden_transition`, the engine's refusals (`out_of_scope`, `stale`…); nothing was written |
//! | 4 | access to the local store: `wrong_passphrase`, `passphrase_required`, `key_missing`, `keyring_unavailable`, `not_initialized`, `not_passphrase_protected`, `corrupt_*` |
//! | 5 | the server: `server_unreachable`, `not_logged_in`, a refused or expired session (`bad_credentials`, `unauthenticated`, `session_expired`, `device_revoked`…), the server failing (`http`, `http_5xx`, `internal`, `unavailable`) |

mod case;
mod enterprise;
mod error;
mod export;
mod meeting;
mod output;
mod passphrase;
mod roadmap;
mod server;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use corridor_model::timeline::Institution;
use corridor_model::ValidationError;
use corridor_store::{keyring_available, Passphrase, Store, StoreError};

use crate::error::CliError;
use crate::output::{print_json, say};

/// The exit statuses, for `corridor --help` (the table of this file's documentation).
const EXIT_STATUS_HELP: &str = "\
Exit status:
  0  success
  1  anything else: files, the local database, internal failures
  2  usage: unknown command or option, missing argument
  3  the input or a rule refused it (invalid value, unknown case, nothing to change, forbidden step); nothing was written
  4  the local store cannot be opened: wrong or missing passphrase, key or keyring missing, no store, damaged store
  5  the server: unreachable or failing, session refused or expired, not logged in

Errors are printed on stderr in French; with --json as {\"code\": \"…\", \"message\": \"…\"}.";

/// Corridor CGEM–CNSS: the local case store from the command line.
#[derive(Debug, Parser)]
#[command(name = "corridor", version, about, after_help = EXIT_STATUS_HELP)]
struct Cli {
    /// Data directory of the profile (default: the platform's data directory).
    #[arg(long, env = "CORRIDOR_DATA_DIR", global = true)]
    data_dir: Option<PathBuf>,
    /// Print what the command creates or shows as JSON (lists as arrays).
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create the encrypted store (passphrase from CORRIDOR_PASSPHRASE, else the OS keyring).
    Init {
        /// Name recorded as the author of changes made here (default: $USER).
        #[arg(long)]
        user: Option<String>,
        /// Institution of that user: cgem or cnss.
        #[arg(long, default_value = "cgem")]
        institution: String,
    },
    /// Enterprises.
    #[command(subcommand)]
    Enterprise(enterprise::EnterpriseCmd),
    /// Cases.
    #[command(subcommand)]
    Case(case::CaseCmd),
    /// The store's passphrase.
    #[command(subcommand)]
    Passphrase(passphrase::PassphraseCmd),
    /// Meetings of a region's corridor.
    #[command(subcommand)]
    Meeting(meeting::MeetingCmd),
    /// The permanent committee's joint roadmap.
    #[command(subcommand)]
    Roadmap(roadmap::RoadmapCmd),
    /// Export data to a file.
    #[command(subcommand)]
    Export(export::ExportCmd),
    /// Full-text search over cases (accent-insensitive, prefixes).
    Search {
        /// Words to look for.
        query: String,
        /// Most results to show.
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    // The outbox and the server: outbox, login, logout, sync, conflicts, rejections, whoami,
    // ping (top-level commands, in this order).
    #[command(flatten)]
    Server(server::ServerCmd),
}

/// The passphrase from `CORRIDOR_PASSPHRASE` (unset or empty: none, the keyring is used).
fn env_passphrase() -> Option<Passphrase> {
    std::env::var("CORRIDOR_PASSPHRASE")
        .ok()
        .filter(|p| !p.is_empty())
        .map(Passphrase::new)
}

/// The profile's data directory: `--data-dir`, `CORRIDOR_DATA_DIR` or the platform's.
fn data_dir(cli: Option<PathBuf>) -> Result<PathBuf, CliError> {
    cli.or_else(|| dirs::data_dir().map(|d| d.join("corridor")))
        .ok_or_else(|| {
            CliError::new(
                "data_dir_required",
                "Aucun dossier de données : précisez --data-dir.",
            )
        })
}

/// Opens the store of `dir` with the passphrase of the environment (or the keyring).
async fn open(dir: &Path) -> Result<Store, StoreError> {
    Store::open(dir, env_passphrase()).await
}

/// One line of standard input, without its line ending.
fn stdin_line() -> Result<String, CliError> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| CliError::new("io", e.to_string()))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// Parses an optional code with the domain's French error.
fn parse_opt<T: std::str::FromStr<Err = ValidationError>>(
    s: Option<&str>,
) -> Result<Option<T>, CliError> {
    Ok(s.map(str::parse).transpose()?)
}

/// `corridor init`: creates the store and records who works on it.
async fn init(
    dir: &Path,
    user: Option<String>,
    institution: &str,
    json: bool,
) -> Result<(), CliError> {
    let institution: Institution = institution.parse()?;
    let pass = env_passphrase();
    if pass.is_none()
        && !tokio::task::spawn_blocking(keyring_available)
            .await
            .unwrap_or(false)
    {
        return Err(StoreError::KeyringUnavailable("aucun service de secrets".to_owned()).into());
    }
    let keyring = pass.is_none();
    let store = Store::create(dir, pass).await?;
    let device = store.device().await?;
    let user = user.unwrap_or(device.user);
    store.set_identity(&user, institution).await?;
    store.close().await;
    if json {
        return print_json(&serde_json::json!({
            "data_dir": dir,
            "protection": if keyring { "keyring" } else { "passphrase" },
        }));
    }
    say!(
        "Coffre local créé dans {} ({}).",
        dir.display(),
        if keyring {
            "clé dans le trousseau du système"
        } else {
            "protégé par phrase de passe"
        }
    );
    Ok(())
}

async fn run(cli: Cli) -> Result<(), CliError> {
    let dir = data_dir(cli.data_dir)?;
    let json = cli.json;
    match cli.command {
        Command::Init { user, institution } => init(&dir, user, &institution, json).await,
        Command::Enterprise(cmd) => enterprise::run(&dir, cmd, json).await,
        Command::Case(cmd) => case::run(&dir, cmd, json).await,
        Command::Passphrase(cmd) => passphrase::run(&dir, cmd, json).await,
        Command::Meeting(cmd) => meeting::run(&dir, cmd, json).await,
        Command::Roadmap(cmd) => roadmap::run(&dir, cmd, json).await,
        Command::Export(cmd) => export::run(&dir, cmd).await,
        Command::Search { query, limit } => case::search(&dir, &query, limit, json).await,
        Command::Server(cmd) => server::run(&dir, cmd, json).await,
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.json;
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if json {
                eprintln!("{}", e.to_json());
            } else {
                eprintln!("erreur : {}", output::clean(e.message()));
            }
            ExitCode::from(e.exit_status())
        }
    }
}
