//! `corridor`: the headless face of the desktop backend (scripting, bulk work, tests).
//!
//! Every command validates its input before opening the store, so a refused input writes
//! nothing. Errors are printed in French on stderr with a non-zero exit status; the store's
//! passphrase is read from `CORRIDOR_PASSPHRASE`, never from the command line.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use corridor_model::{Case, NewCase, NewEnterprise};
use corridor_store::{keyring_available, Passphrase, Store, StoreError};

/// Corridor CGEM–CNSS: the local case store from the command line.
#[derive(Debug, Parser)]
#[command(name = "corridor", version, about)]
struct Cli {
    /// Data directory of the profile (default: the platform's data directory).
    #[arg(long, env = "CORRIDOR_DATA_DIR", global = true)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create the encrypted store (passphrase from CORRIDOR_PASSPHRASE, else the OS keyring).
    Init,
    /// Enterprises.
    #[command(subcommand)]
    Enterprise(EnterpriseCmd),
    /// Cases.
    #[command(subcommand)]
    Case(CaseCmd),
    /// Check whether the corridor server answers.
    Ping {
        /// Server base URL.
        #[arg(
            long,
            env = "CORRIDOR_SERVER_URL",
            default_value = "http://127.0.0.1:8787"
        )]
        server: String,
    },
}

#[derive(Debug, Subcommand)]
enum EnterpriseCmd {
    /// Record an enterprise.
    Add {
        /// Company name.
        #[arg(long)]
        name: String,
        /// ICE (15 digits).
        #[arg(long)]
        ice: String,
        /// Region code, MA-01..MA-12.
        #[arg(long)]
        region: String,
        /// CNSS affiliation number (7 digits).
        #[arg(long)]
        cnss: Option<String>,
        /// City.
        #[arg(long)]
        city: Option<String>,
        /// Print the enterprise as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List enterprises.
    List {
        /// Print a JSON array.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum CaseCmd {
    /// Open a case for a recorded enterprise.
    New {
        /// ICE of the enterprise.
        #[arg(long)]
        ice: String,
        /// Category code (blocked_benefit, e_services, debt_schedule, …).
        #[arg(long)]
        category: String,
        /// Title.
        #[arg(long)]
        title: String,
        /// Description.
        #[arg(long, default_value = "")]
        description: String,
        /// Print the case as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List cases, newest first.
    List {
        /// Print a JSON array.
        #[arg(long)]
        json: bool,
    },
}

fn passphrase() -> Option<Passphrase> {
    std::env::var("CORRIDOR_PASSPHRASE")
        .ok()
        .filter(|p| !p.is_empty())
        .map(Passphrase::new)
}

fn data_dir(cli: Option<PathBuf>) -> Result<PathBuf, String> {
    cli.or_else(|| dirs::data_dir().map(|d| d.join("corridor")))
        .ok_or_else(|| "Aucun dossier de données : précisez --data-dir.".to_owned())
}

fn print_json(value: &impl serde::Serialize) -> Result<(), String> {
    let s = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    println!("{s}");
    Ok(())
}

fn print_case_line(c: &Case) {
    println!(
        "{}  {:<26}  {}  {:<34}  {}",
        c.reference,
        c.status.label_fr(),
        c.region,
        c.category.label_fr(),
        c.title
    );
}

async fn open(dir: &Path) -> Result<Store, StoreError> {
    Store::open(dir, passphrase()).await
}

async fn run(cli: Cli) -> Result<(), String> {
    let dir = data_dir(cli.data_dir)?;
    let err = |e: StoreError| e.to_string();
    match cli.command {
        Command::Init => {
            let pass = passphrase();
            if pass.is_none()
                && !tokio::task::spawn_blocking(keyring_available)
                    .await
                    .unwrap_or(false)
            {
                return Err(
                    StoreError::KeyringUnavailable("aucun service de secrets".to_owned())
                        .to_string(),
                );
            }
            let keyring = pass.is_none();
            Store::create(&dir, pass).await.map_err(err)?.close().await;
            println!(
                "Coffre local créé dans {} ({}).",
                dir.display(),
                if keyring {
                    "clé dans le trousseau du système"
                } else {
                    "protégé par phrase de passe"
                }
            );
        }
        Command::Enterprise(EnterpriseCmd::Add {
            name,
            ice,
            region,
            cnss,
            city,
            json,
        }) => {
            let new = NewEnterprise::parse(&name, &ice, &region, cnss.as_deref(), city.as_deref())
                .map_err(|e| e.to_string())?;
            let store = open(&dir).await.map_err(err)?;
            let e = store.add_enterprise(new).await.map_err(err)?;
            store.close().await;
            if json {
                print_json(&e)?;
            } else {
                println!(
                    "Entreprise enregistrée : {} (ICE {}, {})",
                    e.name, e.ice, e.region
                );
            }
        }
        Command::Enterprise(EnterpriseCmd::List { json }) => {
            let store = open(&dir).await.map_err(err)?;
            let list = store.list_enterprises().await.map_err(err)?;
            store.close().await;
            if json {
                print_json(&list)?;
            } else {
                for e in &list {
                    println!("{}  {}  {}", e.ice, e.region, e.name);
                }
            }
        }
        Command::Case(CaseCmd::New {
            ice,
            category,
            title,
            description,
            json,
        }) => {
            let new =
                NewCase::parse(&ice, &category, &title, &description).map_err(|e| e.to_string())?;
            let store = open(&dir).await.map_err(err)?;
            let case = store.new_case(new).await.map_err(err)?;
            store.close().await;
            if json {
                print_json(&case)?;
            } else {
                println!("Dossier ouvert : {} — {}", case.reference, case.title);
            }
        }
        Command::Case(CaseCmd::List { json }) => {
            let store = open(&dir).await.map_err(err)?;
            let cases = store.list_cases().await.map_err(err)?;
            store.close().await;
            if json {
                print_json(&cases)?;
            } else if cases.is_empty() {
                println!("Aucun dossier. Ouvrez-en un avec « corridor case new ».");
            } else {
                cases.iter().for_each(print_case_line);
            }
        }
        Command::Ping { server } => {
            let client = corridor_sync::ServerClient::new(&server).map_err(|e| e.to_string())?;
            let status = client.status().await;
            if !status.reachable {
                return Err(format!("Le serveur {} ne répond pas.", status.url));
            }
            println!(
                "Serveur connecté : {} (version {})",
                status.url,
                status.version.unwrap_or_default()
            );
        }
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("erreur : {message}");
            ExitCode::FAILURE
        }
    }
}
