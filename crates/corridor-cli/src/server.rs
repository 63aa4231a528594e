//! The outbox and the corridor server: log in and out, sync, settle conflicts, read the
//! server's refusals, check the session and the server.
//!
//! These are top-level commands (`corridor sync`, not `corridor server sync`): [`ServerCmd`]
//! is flattened into the command line. The session's token is kept in the encrypted store and
//! never printed; failures to reach the server or refused sessions exit with status 5.

use std::path::Path;

use clap::Subcommand;
use corridor_model::sync::ConflictChoice;
use corridor_sync::{Progress, ServerClient};

use crate::error::CliError;
use crate::output::{print_json, report, say};
use crate::{open, stdin_line};

/// Commands about the outbox and the server.
#[derive(Debug, Subcommand)]
pub(crate) enum ServerCmd {
    /// Mutations waiting to be sent to the server.
    Outbox,
    /// Log in to the corridor server: registers this device; the token is kept in the
    /// encrypted store, never printed. Password: one line of standard input
    /// (--password-stdin) or CORRIDOR_PASSWORD.
    Login {
        /// Server base URL (https://…, or http:// to this machine).
        #[arg(long, env = "CORRIDOR_SERVER_URL")]
        server: String,
        /// Login name.
        #[arg(long)]
        user: String,
        /// Read the password from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Forget the session with the server (local data stays).
    Logout,
    /// Synchronise with the server: send the changes made here, receive the others'.
    Sync,
    /// Conflicting edits waiting for a person to choose.
    #[command(subcommand)]
    Conflicts(ConflictsCmd),
    /// Changes the server refused, and why.
    Rejections,
    /// The session with the server, checked against it.
    Whoami,
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

/// `corridor conflicts …`.
#[derive(Debug, Subcommand)]
pub(crate) enum ConflictsCmd {
    /// Conflicts waiting (with --all, the settled ones too).
    List {
        /// Include settled conflicts.
        #[arg(long)]
        all: bool,
    },
    /// Settle a conflict: keep the current value, or take the one kept aside.
    Resolve {
        /// Conflict id (or its first 8 characters or more).
        id: String,
        /// current or proposed.
        #[arg(long)]
        keep: String,
    },
}

/// Runs one command of the outbox and the server.
pub(crate) async fn run(dir: &Path, cmd: ServerCmd, json: bool) -> Result<(), CliError> {
    match cmd {
        ServerCmd::Outbox => outbox(dir, json).await,
        ServerCmd::Login {
            server,
            user,
            password_stdin,
        } => login(dir, &server, &user, password_stdin, json).await,
        ServerCmd::Logout => {
            let (store, out) = corridor_sync::sign_out(open(dir).await?).await;
            if let Some(s) = store {
                s.close().await;
            }
            let out = out?;
            let line = match (out.was_signed_in, out.server_told) {
                (false, _) => "Aucune session en cours.",
                (true, true) => "Déconnecté. Les données locales restent sur ce poste.",
                (true, false) => {
                    "Déconnecté de ce poste (serveur injoignable : la session y expirera d'elle-même). \
                     Les données locales restent sur ce poste."
                }
            };
            report(
                json,
                &serde_json::json!({"logged_out": out.was_signed_in, "server_told": out.server_told}),
                line,
            )
        }
        ServerCmd::Sync => sync(dir, json).await,
        ServerCmd::Conflicts(ConflictsCmd::List { all }) => conflicts(dir, all, json).await,
        ServerCmd::Conflicts(ConflictsCmd::Resolve { id, keep }) => {
            let choice: ConflictChoice = keep.parse()?;
            let store = open(dir).await?;
            let c = store.resolve_conflict(&id, choice).await?;
            store.close().await;
            report(
                json,
                &c,
                &format!(
                    "Conflit tranché sur le champ {} : la décision sera envoyée à la prochaine synchronisation.",
                    c.field
                ),
            )
        }
        ServerCmd::Rejections => {
            let store = open(dir).await?;
            let list = store.rejections().await?;
            store.close().await;
            if json {
                return print_json(&list);
            }
            if list.is_empty() {
                say!("Aucune modification refusée.");
            }
            for r in &list {
                say!(
                    "n° {}  {}  {} — {}",
                    r.device_seq,
                    r.name,
                    r.code,
                    r.message
                );
            }
            Ok(())
        }
        ServerCmd::Whoami => whoami(dir, json).await,
        ServerCmd::Ping { server } => {
            let client = ServerClient::new(&server)?;
            let status = client.status().await;
            if !status.reachable {
                return Err(CliError::new(
                    "server_unreachable",
                    format!("Le serveur {} ne répond pas.", status.url),
                ));
            }
            let line = format!(
                "Serveur connecté : {} (version {})",
                status.url,
                status.version.clone().unwrap_or_default()
            );
            report(json, &status, &line)
        }
    }
}

async fn outbox(dir: &Path, json: bool) -> Result<(), CliError> {
    let store = open(dir).await?;
    let pending = store.outbox().await?;
    store.close().await;
    if json {
        return print_json(&pending);
    }
    for m in &pending {
        say!(
            "{:>6}  {}  {}",
            m.device_seq,
            m.authored_at.to_rfc3339(),
            m.op.name()
        );
    }
    say!("{} modification(s) en attente d'envoi.", pending.len());
    Ok(())
}

async fn login(
    dir: &Path,
    server: &str,
    user: &str,
    password_stdin: bool,
    json: bool,
) -> Result<(), CliError> {
    let password = if password_stdin {
        stdin_line()?
    } else {
        std::env::var("CORRIDOR_PASSWORD").map_err(|_| {
            CliError::new(
                "password_required",
                "Mot de passe absent : --password-stdin ou CORRIDOR_PASSWORD.",
            )
        })?
    };
    let store = open(dir).await?;
    let (store, signed) =
        corridor_sync::sign_in(store, server, user, password, &corridor_sync::host_name()).await;
    if let Some(s) = store {
        s.close().await;
    }
    let session = signed?;
    let line = format!(
        "Connecté à {} en tant que {} ({}).",
        session.server_url, session.username, session.role
    );
    report(json, &session, &line)
}

async fn whoami(dir: &Path, json: bool) -> Result<(), CliError> {
    let store = open(dir).await?;
    let Some(session) = store.session().await? else {
        store.close().await;
        return Err(CliError::new(
            "not_logged_in",
            "Aucune session : connectez-vous avec « corridor login ».",
        ));
    };
    let (store, me) = corridor_sync::who_am_i(store).await;
    if let Some(s) = store {
        s.close().await;
    }
    let me = me?;
    if json {
        return print_json(&me);
    }
    let regions: Vec<String> = me.regions.iter().map(|r| r.code()).collect();
    say!(
        "{} ({}) sur {} — régions : {}",
        me.username,
        me.role,
        session.server_url,
        regions.join(", ")
    );
    Ok(())
}

async fn sync(dir: &Path, json: bool) -> Result<(), CliError> {
    let store = open(dir).await?;
    let interactive = !json && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let (store, result) = corridor_sync::sync(store, |p| {
        if let (true, Progress::Pulled { done, behind, .. }) = (interactive, p) {
            if behind > 0 {
                eprint!("\rréception… {done} éléments reçus");
            }
        }
    })
    .await;
    if interactive {
        eprint!("\r\x1b[K");
    }
    let rejections = match &store {
        Some(s) => s.rejections().await?,
        None => Vec::new(),
    };
    if let Some(s) = store {
        s.close().await;
    }
    let r = result?;
    if json {
        return print_json(&r);
    }
    say!(
        "Synchronisé : {} envoyée(s), {} reçue(s), {} refusée(s), {} conflit(s).",
        r.pushed,
        r.pulled,
        r.rejected,
        r.conflicts
    );
    for rj in rejections.iter().take(r.rejected) {
        say!("  refusée : {} — {}", rj.name, rj.message);
    }
    if r.uploaded + r.downloaded > 0 {
        say!(
            "Pièces jointes : {} envoyée(s), {} reçue(s).",
            r.uploaded,
            r.downloaded
        );
    }
    for f in &r.content_failures {
        say!(
            "  pièce jointe {} non transmise : {}",
            f.hash.get(..12).unwrap_or(&f.hash),
            f.message
        );
    }
    let waiting = r.contents_waiting - r.content_failures.len().min(r.contents_waiting);
    if waiting > 0 {
        say!("{waiting} pièce(s) jointe(s) pas encore disponible(s) sur le serveur.");
    }
    if r.removed > 0 {
        say!(
            "{} dossier(s) retiré(s) de ce poste (régions qui ne sont plus les vôtres).",
            r.removed
        );
    }
    if r.open_conflicts > 0 {
        say!(
            "{} conflit(s) à trancher : « corridor conflicts list ».",
            r.open_conflicts
        );
    }
    Ok(())
}

async fn conflicts(dir: &Path, all: bool, json: bool) -> Result<(), CliError> {
    let store = open(dir).await?;
    let list = store.conflicts(all).await?;
    store.close().await;
    if json {
        let items: Vec<_> = list
            .iter()
            .map(|(reference, c)| serde_json::json!({"reference": reference, "conflict": c}))
            .collect();
        return print_json(&items);
    }
    if list.is_empty() {
        say!("Aucun conflit en attente.");
    }
    for (reference, c) in &list {
        let state = match &c.resolution {
            Some(r) => format!("tranché par {} ({:?})", r.by, r.choice).to_lowercase(),
            None => "en attente".to_owned(),
        };
        say!(
            "{}  {reference}  champ {} — actuelle : {}  proposée par {} : {}  [{state}]",
            &c.id.to_string()[..13],
            c.field,
            c.current,
            c.author,
            c.proposed
        );
    }
    Ok(())
}
