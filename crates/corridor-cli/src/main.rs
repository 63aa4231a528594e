//! `corridor`: the headless face of the desktop backend (scripting, bulk work, tests).
//!
//! Every command validates its input before opening the store, so a refused input writes
//! nothing. Errors are printed in French on stderr with a non-zero exit status; the store's
//! passphrase is read from `CORRIDOR_PASSPHRASE`, never from the command line.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use corridor_model::case::{format_mad, parse_mad};
use corridor_model::meeting::{
    parse_date, parse_local_datetime, Meeting, Owner, RoadmapItem, RoadmapStatus,
};
use corridor_model::mutation::CaseEdit;
use corridor_model::timeline::{EventKind, Institution, Visibility};
use corridor_model::{
    Case, CaseStatus, Contact, Ice, NewCase, NewEnterprise, Region, ValidationError,
};
use corridor_store::{
    keyring_available, parse_enterprise_csv, CaseDetail, CaseFilter, ExportFormat, Passphrase,
    Store, StoreError, SyncSession, DEFAULT_MAX_ATTACHMENT,
};

/// Corridor CGEM–CNSS: the local case store from the command line.
#[derive(Debug, Parser)]
#[command(name = "corridor", version, about)]
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
    Enterprise(EnterpriseCmd),
    /// Cases.
    #[command(subcommand)]
    Case(CaseCmd),
    /// The store's passphrase.
    #[command(subcommand)]
    Passphrase(PassphraseCmd),
    /// Meetings of a region's corridor.
    #[command(subcommand)]
    Meeting(MeetingCmd),
    /// The permanent committee's joint roadmap.
    #[command(subcommand)]
    Roadmap(RoadmapCmd),
    /// Export data to a file.
    #[command(subcommand)]
    Export(ExportCmd),
    /// Full-text search over cases (accent-insensitive, prefixes).
    Search {
        /// Words to look for.
        query: String,
        /// Most results to show.
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
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

#[derive(Debug, Subcommand)]
enum ConflictsCmd {
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

#[derive(Debug, Subcommand)]
enum MeetingCmd {
    /// Schedule a meeting.
    New {
        /// Region (MA-01..MA-12).
        #[arg(long)]
        region: String,
        /// Date and time in Casablanca time, e.g. "2026-12-03 10:00".
        #[arg(long)]
        at: String,
        /// Title.
        #[arg(long)]
        title: String,
        /// Place.
        #[arg(long)]
        place: Option<String>,
    },
    /// Meetings, latest first.
    List,
    /// Show a meeting.
    Show {
        /// Meeting id (or its first 8+ characters).
        id: String,
    },
    /// Add a participant.
    Participant {
        /// Meeting id.
        id: String,
        /// Name.
        name: String,
    },
    /// Put a case on the agenda.
    AddCase {
        /// Meeting id.
        id: String,
        /// Case reference or id.
        case: String,
    },
    /// Record the decision on a case of the agenda (also written in the case's timeline).
    Decide {
        /// Meeting id.
        id: String,
        /// Case reference or id.
        case: String,
        /// The decision.
        #[arg(long)]
        text: String,
    },
    /// Set the minutes.
    Minutes {
        /// Meeting id.
        id: String,
        /// The minutes.
        #[arg(long)]
        text: String,
    },
    /// Add an action item.
    Action {
        /// Meeting id.
        id: String,
        /// What to do.
        #[arg(long)]
        text: String,
        /// Who.
        #[arg(long)]
        owner: String,
        /// By when (2026-12-31).
        #[arg(long)]
        due: Option<String>,
    },
    /// Mark an action item done.
    ActionDone {
        /// Meeting id.
        id: String,
        /// Action id.
        action: String,
    },
}

#[derive(Debug, Subcommand)]
enum RoadmapCmd {
    /// Add a project to the roadmap.
    Add {
        /// Title.
        #[arg(long)]
        title: String,
        /// Who carries it: cgem, cnss or joint.
        #[arg(long)]
        owner: String,
        /// Description.
        #[arg(long, default_value = "")]
        description: String,
    },
    /// The roadmap.
    List,
    /// Update a project: status, progress, milestones.
    Update {
        /// Project id (or its first 8+ characters).
        id: String,
        /// planned, in_progress, blocked or done.
        #[arg(long)]
        status: Option<String>,
        /// Progress in percent.
        #[arg(long)]
        progress: Option<String>,
        /// Add a milestone: "Title" or "Title@2026-12-31".
        #[arg(long)]
        milestone: Option<String>,
        /// Mark this milestone (id) reached.
        #[arg(long)]
        milestone_done: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum ExportCmd {
    /// Export cases (all, or those of a status / region).
    Cases {
        /// csv or xlsx.
        #[arg(long)]
        format: String,
        /// The file to write.
        #[arg(long)]
        out: PathBuf,
        /// Only this status.
        #[arg(long)]
        status: Option<String>,
        /// Only this region.
        #[arg(long)]
        region: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum PassphraseCmd {
    /// Change it: the current one from CORRIDOR_PASSPHRASE, the new one from
    /// CORRIDOR_NEW_PASSPHRASE or, failing that, one line of standard input.
    Change,
}

#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant, reason = "parsed once per process")]
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
        /// Registre du commerce (number and court city).
        #[arg(long)]
        rc: Option<String>,
        /// Legal form (SARL, SA…).
        #[arg(long)]
        legal_form: Option<String>,
        /// Sector of activity.
        #[arg(long)]
        sector: Option<String>,
        /// Size class: tpe, pme or ge.
        #[arg(long)]
        size: Option<String>,
        /// The enterprise is a CGEM member.
        #[arg(long)]
        cgem_member: bool,
        /// A contact, as "Name|Role|Phone|Email" (repeatable; empty parts allowed).
        #[arg(long = "contact")]
        contacts: Vec<String>,
    },
    /// Show an enterprise.
    Show {
        /// Its ICE.
        ice: String,
    },
    /// Import enterprises from a CSV file (columns name,ice,cnss,rc,region,city,size): all lines
    /// or none.
    Import {
        /// The CSV file.
        file: PathBuf,
    },
    /// List enterprises.
    List,
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
    },
    /// List cases, newest first.
    List {
        /// Only this status.
        #[arg(long)]
        status: Option<String>,
        /// Only this region (MA-01..MA-12).
        #[arg(long)]
        region: Option<String>,
        /// Only this category.
        #[arg(long)]
        category: Option<String>,
        /// Only this priority (low, normal, high, urgent).
        #[arg(long)]
        priority: Option<String>,
        /// Only cases assigned to this person.
        #[arg(long)]
        assignee: Option<String>,
        /// Only cases whose deadlines are: breached, near or ok.
        #[arg(long)]
        sla: Option<String>,
        /// Only cases with this tag.
        #[arg(long)]
        tag: Option<String>,
        /// Order: newest (default), oldest, priority, reference or title.
        #[arg(long)]
        sort: Option<String>,
        /// Page size.
        #[arg(long)]
        limit: Option<u32>,
        /// Rows to skip (with --limit: the page).
        #[arg(long, default_value_t = 0)]
        offset: u32,
    },
    /// Numbers of cases by status, region and category.
    Stats,
    /// Show a case with its timeline.
    Show {
        /// Reference or id.
        case: String,
    },
    /// Move a case in the workflow.
    Transition {
        /// Reference or id.
        case: String,
        /// Target status.
        #[arg(long)]
        to: String,
        /// Reason (required to reject, resolve, reopen or put on hold).
        #[arg(long)]
        reason: Option<String>,
    },
    /// Assign the CGEM officer or the CNSS representative in charge.
    Assign {
        /// Reference or id.
        case: String,
        /// CGEM officer.
        #[arg(long, conflicts_with = "cnss", required_unless_present = "cnss")]
        cgem: Option<String>,
        /// CNSS representative.
        #[arg(long)]
        cnss: Option<String>,
    },
    /// Edit fields of a case.
    Edit {
        /// Reference or id.
        case: String,
        /// New title.
        #[arg(long)]
        title: Option<String>,
        /// New description.
        #[arg(long)]
        description: Option<String>,
        /// Amount at stake in MAD (e.g. 12500,00).
        #[arg(long)]
        amount: Option<String>,
        /// Priority (low, normal, high, urgent).
        #[arg(long)]
        priority: Option<String>,
    },
    /// Add a note to a case's timeline.
    Note {
        /// Reference or id.
        case: String,
        /// Text of the note.
        #[arg(long)]
        text: String,
        /// Who may read it: shared, cgem or cnss.
        #[arg(long, default_value = "shared")]
        visibility: String,
    },
    /// Add or remove tags.
    Tag {
        /// Reference or id.
        case: String,
        /// Tag to add (repeatable).
        #[arg(long = "add")]
        add: Vec<String>,
        /// Tag to remove (repeatable).
        #[arg(long = "remove")]
        remove: Vec<String>,
    },
    /// Attach a file to a case (stored encrypted; 25 MB at most).
    Attach {
        /// Reference or id.
        case: String,
        /// The file.
        file: PathBuf,
    },
    /// Write an attachment of a case to a file.
    Attachment {
        /// Reference or id.
        case: String,
        /// Its hash (or the first 8+ characters of it).
        hash: String,
        /// Where to write it.
        #[arg(long)]
        out: PathBuf,
    },
    /// Link two cases; with --parent, OTHER becomes the parent of CASE.
    Link {
        /// Reference or id.
        case: String,
        /// The other case.
        other: String,
        /// Make OTHER the parent of CASE.
        #[arg(long)]
        parent: bool,
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

#[allow(clippy::needless_pass_by_value, reason = "shaped for map_err(verr)")]
fn verr(e: ValidationError) -> String {
    e.to_string()
}

fn print_meeting(m: &Meeting) {
    let local =
        m.at.with_timezone(&chrono_tz::Africa::Casablanca)
            .format("%d/%m/%Y %H:%M");
    println!(
        "{} — {} ({} {})",
        m.title,
        local,
        m.region,
        m.region.name_fr()
    );
    println!("  Id : {}", m.id);
    if let Some(p) = &m.place {
        println!("  Lieu : {p}");
    }
    if !m.participants.is_empty() {
        println!("  Participants : {}", m.participants.join(", "));
    }
    println!("Ordre du jour :");
    for (i, a) in m.agenda.iter().enumerate() {
        println!("  {}. {} — {}", i + 1, a.reference, a.title);
        if let Some(d) = &a.decision {
            println!("     Décision : {d}");
        }
    }
    if let Some(minutes) = &m.minutes {
        println!("Compte rendu :\n{minutes}");
    }
    for a in &m.actions {
        let due = a
            .due
            .map(|d| format!(" pour le {}", d.format("%d/%m/%Y")))
            .unwrap_or_default();
        println!(
            "  [{}] {} — {}{due} ({})",
            if a.done { "x" } else { " " },
            a.text,
            a.owner,
            a.id
        );
    }
}

async fn meeting_command(dir: &Path, cmd: MeetingCmd, json: bool) -> Result<(), String> {
    let err = |e: StoreError| e.to_string();
    let (m, json) = match cmd {
        MeetingCmd::New {
            region,
            at,
            title,
            place,
        } => {
            let region: Region = region.parse().map_err(verr)?;
            let at = parse_local_datetime(&at).map_err(verr)?;
            let store = open(dir).await.map_err(err)?;
            let m = store
                .create_meeting(region, &title, at, place.as_deref())
                .await
                .map_err(err)?;
            store.close().await;
            (m, json)
        }
        MeetingCmd::List => {
            let store = open(dir).await.map_err(err)?;
            let list = store.list_meetings().await.map_err(err)?;
            store.close().await;
            if json {
                return print_json(&list);
            }
            for m in &list {
                let local =
                    m.at.with_timezone(&chrono_tz::Africa::Casablanca)
                        .format("%d/%m/%Y %H:%M");
                println!(
                    "{}  {local}  {}  {} ({} dossier(s))",
                    m.id, m.region, m.title, m.agenda_len
                );
            }
            return Ok(());
        }
        MeetingCmd::Show { id } => {
            let store = open(dir).await.map_err(err)?;
            let m = store.meeting(&id).await.map_err(err)?;
            store.close().await;
            (m, json)
        }
        MeetingCmd::Participant { id, name } => {
            let store = open(dir).await.map_err(err)?;
            let m = store.add_participant(&id, &name).await.map_err(err)?;
            store.close().await;
            (m, json)
        }
        MeetingCmd::AddCase { id, case } => {
            let store = open(dir).await.map_err(err)?;
            let m = store.add_agenda_case(&id, &case).await.map_err(err)?;
            store.close().await;
            (m, json)
        }
        MeetingCmd::Decide { id, case, text } => {
            let store = open(dir).await.map_err(err)?;
            let m = store
                .record_decision(&id, &case, &text)
                .await
                .map_err(err)?;
            store.close().await;
            (m, json)
        }
        MeetingCmd::Minutes { id, text } => {
            let store = open(dir).await.map_err(err)?;
            let m = store.set_minutes(&id, &text).await.map_err(err)?;
            store.close().await;
            (m, json)
        }
        MeetingCmd::Action {
            id,
            text,
            owner,
            due,
        } => {
            let due = due.as_deref().map(parse_date).transpose().map_err(verr)?;
            let store = open(dir).await.map_err(err)?;
            let m = store
                .add_action(&id, &text, &owner, due)
                .await
                .map_err(err)?;
            store.close().await;
            (m, json)
        }
        MeetingCmd::ActionDone { id, action } => {
            let store = open(dir).await.map_err(err)?;
            let m = store.complete_action(&id, &action).await.map_err(err)?;
            store.close().await;
            (m, json)
        }
    };
    if json {
        print_json(&m)
    } else {
        print_meeting(&m);
        Ok(())
    }
}

fn print_roadmap_item(i: &RoadmapItem) {
    println!(
        "{}  [{:?}] {} % — {} ({:?})",
        i.id, i.status, i.progress, i.title, i.owner
    );
    for m in &i.milestones {
        let due = m
            .due
            .map(|d| format!(" pour le {}", d.format("%d/%m/%Y")))
            .unwrap_or_default();
        println!(
            "    [{}] {}{due} ({})",
            if m.done { "x" } else { " " },
            m.title,
            m.id
        );
    }
}

async fn roadmap_command(dir: &Path, cmd: RoadmapCmd, json: bool) -> Result<(), String> {
    let err = |e: StoreError| e.to_string();
    let (item, json) = match cmd {
        RoadmapCmd::Add {
            title,
            owner,
            description,
        } => {
            let owner: Owner = owner.parse().map_err(verr)?;
            let store = open(dir).await.map_err(err)?;
            let item = store
                .add_roadmap_item(&title, &description, owner)
                .await
                .map_err(err)?;
            store.close().await;
            (item, json)
        }
        RoadmapCmd::List => {
            let store = open(dir).await.map_err(err)?;
            let items = store.roadmap().await.map_err(err)?;
            store.close().await;
            if json {
                return print_json(&items);
            }
            items.iter().for_each(print_roadmap_item);
            return Ok(());
        }
        RoadmapCmd::Update {
            id,
            status,
            progress,
            milestone,
            milestone_done,
        } => {
            let status: Option<RoadmapStatus> = parse_opt(status.as_deref())?;
            let progress = progress
                .map(|p| {
                    p.trim()
                        .trim_end_matches('%')
                        .trim()
                        .parse::<u8>()
                        .ok()
                        .filter(|n| *n <= 100)
                        .ok_or(p)
                })
                .transpose()
                .map_err(|p| verr(ValidationError::Progress(p)))?;
            let milestone = milestone
                .map(|m| match m.rsplit_once('@') {
                    Some((title, date)) => parse_date(date).map(|d| (title.to_owned(), Some(d))),
                    None => Ok((m, None)),
                })
                .transpose()
                .map_err(verr)?;
            let store = open(dir).await.map_err(err)?;
            let item = store
                .update_roadmap_item(&id, status, progress, milestone, milestone_done.as_deref())
                .await
                .map_err(err)?;
            store.close().await;
            (item, json)
        }
    };
    if json {
        print_json(&item)
    } else {
        print_roadmap_item(&item);
        Ok(())
    }
}

/// This machine's name, for the device list of the server.
fn host_name() -> String {
    std::env::var("COMPUTERNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().chars().take(100).collect::<String>())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "poste".to_owned())
}

/// Parses an optional code with the domain's French error.
fn parse_opt<T: std::str::FromStr<Err = ValidationError>>(
    s: Option<&str>,
) -> Result<Option<T>, String> {
    s.map(str::parse)
        .transpose()
        .map_err(|e: ValidationError| e.to_string())
}

/// Prints `value` as JSON, or `line` for people.
fn report(json: bool, value: &impl serde::Serialize, line: &str) -> Result<(), String> {
    if json {
        print_json(value)
    } else {
        println!("{line}");
        Ok(())
    }
}

fn casablanca(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&chrono_tz::Africa::Casablanca)
        .format("%d/%m/%Y %H:%M")
        .to_string()
}

fn print_detail(d: &CaseDetail) {
    let c = &d.case;
    println!("{} — {}", c.reference, c.title);
    println!("  Entreprise : {} (ICE {})", c.enterprise_name, c.ice);
    println!(
        "  Statut : {}   Priorité : {}   Région : {} {}",
        c.status.label_fr(),
        c.priority.label_fr(),
        c.region,
        c.region.name_fr()
    );
    println!("  Catégorie : {}", c.category.label_fr());
    if let Some(a) = c.amount_centimes {
        println!("  Montant en jeu : {}", format_mad(a));
    }
    println!(
        "  Responsables : CGEM {} / CNSS {}",
        c.cgem_assignee.as_deref().unwrap_or("—"),
        c.cnss_assignee.as_deref().unwrap_or("—")
    );
    if let Some(r) = &c.resolution {
        println!("  Résolution : {r}");
    }
    if !c.tags.is_empty() {
        println!("  Étiquettes : {}", c.tags.join(", "));
    }
    for (name, d) in [
        ("Réponse", &d.sla.response),
        ("Résolution", &d.sla.resolution),
    ] {
        let due = d.due_at.map_or_else(|| "—".to_owned(), casablanca);
        println!("  Délai de {name} : {due} ({})", d.state.label_fr());
    }
    if d.sla.paused {
        println!("  Délais suspendus : en attente de l'employeur.");
    }
    if !c.description.is_empty() {
        println!("\n{}\n", c.description);
    }
    if !d.children.is_empty() {
        println!("  Dossiers enfants : {}", d.children.join(", "));
    }
    if !d.links.is_empty() {
        println!("  Dossiers liés : {}", d.links.join(", "));
    }
    if !d.attachments.is_empty() {
        println!("Pièces jointes :");
        for a in &d.attachments {
            println!(
                "  {}  {} ({}, {} octets)",
                &a.hash[..12],
                a.name,
                a.mime,
                a.size
            );
        }
    }
    println!("Historique :");
    for e in &d.timeline {
        let what = match &e.kind {
            EventKind::Created => "Dossier ouvert".to_owned(),
            EventKind::StatusChanged { from, to, reason } => format!(
                "{} → {}{}",
                from.label_fr(),
                to.label_fr(),
                reason
                    .as_ref()
                    .map(|r| format!(" : {r}"))
                    .unwrap_or_default()
            ),
            EventKind::Assigned {
                institution, to, ..
            } => format!(
                "Responsable {} : {}",
                institution.code().to_uppercase(),
                to.as_deref().unwrap_or("aucun")
            ),
            EventKind::Edited { fields } => format!("Modifié : {}", fields.join(", ")),
            EventKind::Note { visibility, text } => {
                format!("Note ({}) : {text}", visibility.label_fr())
            }
            EventKind::Tagged { added, removed } => format!(
                "Étiquettes : {}{}",
                added.iter().map(|t| format!("+{t} ")).collect::<String>(),
                removed.iter().map(|t| format!("-{t} ")).collect::<String>()
            ),
            EventKind::Decision { text, .. } => format!("Décision de réunion : {text}"),
            EventKind::Attachment { name, size, .. } => {
                format!("Pièce jointe : {name} ({size} octets)")
            }
            EventKind::Linked { parent, .. } => {
                if *parent {
                    "Rattaché à un dossier parent".to_owned()
                } else {
                    "Lié à un autre dossier".to_owned()
                }
            }
            EventKind::ConflictResolved { field, value, .. } => {
                format!("Conflit tranché : {field} = {value}")
            }
        };
        println!("  {}  {:<14} {what}", casablanca(e.at), e.author);
    }
}

async fn open(dir: &Path) -> Result<Store, StoreError> {
    Store::open(dir, passphrase()).await
}

async fn run(cli: Cli) -> Result<(), String> {
    let dir = data_dir(cli.data_dir)?;
    let json = cli.json;
    let err = |e: StoreError| e.to_string();
    match cli.command {
        Command::Init { user, institution } => {
            let institution: Institution = institution
                .parse()
                .map_err(|e: ValidationError| e.to_string())?;
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
            let store = Store::create(&dir, pass).await.map_err(err)?;
            let device = store.device().await.map_err(err)?;
            let user = user.unwrap_or(device.user);
            store.set_identity(&user, institution).await.map_err(err)?;
            store.close().await;
            if json {
                return print_json(&serde_json::json!({
                    "data_dir": dir,
                    "protection": if keyring { "keyring" } else { "passphrase" },
                }));
            }
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
            rc,
            legal_form,
            sector,
            size,
            cgem_member,
            contacts,
        }) => {
            let mut new =
                NewEnterprise::parse(&name, &ice, &region, cnss.as_deref(), city.as_deref())
                    .map_err(|e| e.to_string())?;
            let text = |s: Option<String>| s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
            new.details.rc = text(rc);
            new.details.legal_form = text(legal_form);
            new.details.sector = text(sector);
            new.details.size = parse_opt(size.as_deref())?;
            new.details.cgem_member = cgem_member;
            for c in &contacts {
                let mut parts = c.split('|').map(str::trim);
                let (name, role, phone, email) =
                    (parts.next(), parts.next(), parts.next(), parts.next());
                let contact = Contact::parse(name.unwrap_or_default(), role, phone, email)
                    .map_err(|e| e.to_string())?;
                new.details.contacts.push(contact);
            }
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
        Command::Enterprise(EnterpriseCmd::Show { ice }) => {
            let ice: Ice = ice.parse().map_err(|e: ValidationError| e.to_string())?;
            let store = open(&dir).await.map_err(err)?;
            let e = store.enterprise_by_ice(ice.as_str()).await.map_err(err)?;
            store.close().await;
            if json {
                print_json(&e)?;
            } else {
                println!(
                    "{} — ICE {} — {} {}",
                    e.name,
                    e.ice,
                    e.region,
                    e.region.name_fr()
                );
                let d = &e.details;
                for (label, v) in [
                    ("CNSS", e.cnss.as_ref().map(|c| c.as_str().to_owned())),
                    ("RC", d.rc.clone()),
                    ("Forme juridique", d.legal_form.clone()),
                    ("Secteur", d.sector.clone()),
                    ("Taille", d.size.map(|s| s.code().to_uppercase())),
                    ("Ville", e.city.clone()),
                ] {
                    if let Some(v) = v {
                        println!("  {label} : {v}");
                    }
                }
                println!(
                    "  Membre CGEM : {}",
                    if d.cgem_member { "oui" } else { "non" }
                );
                for c in &d.contacts {
                    let extra: Vec<&str> =
                        [c.role.as_deref(), c.phone.as_deref(), c.email.as_deref()]
                            .into_iter()
                            .flatten()
                            .collect();
                    println!("  Contact : {} ({})", c.name, extra.join(", "));
                }
            }
        }
        Command::Enterprise(EnterpriseCmd::Import { file }) => {
            let f = std::fs::File::open(&file)
                .map_err(|e| format!("Fichier « {} » illisible : {e}", file.display()))?;
            let rows = parse_enterprise_csv(f).map_err(err)?;
            let store = open(&dir).await.map_err(err)?;
            let n = store.import_enterprises(rows.clone()).await.map_err(err)?;
            store.close().await;
            if json {
                print_json(&rows.into_iter().map(|(_, e)| e).collect::<Vec<_>>())?;
            } else {
                println!("{n} entreprise(s) importée(s).");
            }
        }
        Command::Export(ExportCmd::Cases {
            format,
            out,
            status,
            region,
        }) => {
            let format: ExportFormat =
                format.parse().map_err(|e: ValidationError| e.to_string())?;
            let filter = CaseFilter {
                status: parse_opt(status.as_deref())?,
                region: parse_opt(region.as_deref())?,
                ..CaseFilter::default()
            };
            let store = open(&dir).await.map_err(err)?;
            let cases = store.find_cases(&filter).await.map_err(err)?;
            store.close().await;
            Store::export_cases(&cases, format, &out).map_err(err)?;
            println!(
                "{} dossier(s) exporté(s) dans {}.",
                cases.len(),
                out.display()
            );
        }
        Command::Meeting(cmd) => meeting_command(&dir, cmd, json).await?,
        Command::Roadmap(cmd) => roadmap_command(&dir, cmd, json).await?,
        Command::Case(CaseCmd::Stats) => {
            let store = open(&dir).await.map_err(err)?;
            let counts = store.counts().await.map_err(err)?;
            store.close().await;
            if json {
                print_json(&counts)?;
            } else {
                println!("{} dossier(s)", counts.total);
                for (title, map) in [
                    ("Par statut", &counts.by_status),
                    ("Par région", &counts.by_region),
                    ("Par catégorie", &counts.by_category),
                ] {
                    println!("{title} :");
                    for (k, v) in map {
                        println!("  {k:<22} {v}");
                    }
                }
            }
        }
        Command::Enterprise(EnterpriseCmd::List) => {
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
        Command::Case(CaseCmd::List {
            status,
            region,
            category,
            priority,
            assignee,
            sla,
            tag,
            sort,
            limit,
            offset,
        }) => {
            let filter = CaseFilter {
                tag: tag
                    .as_deref()
                    .map(corridor_model::case::parse_tag)
                    .transpose()
                    .map_err(verr)?,
                status: parse_opt(status.as_deref())?,
                region: parse_opt(region.as_deref())?,
                category: parse_opt(category.as_deref())?,
                priority: parse_opt(priority.as_deref())?,
                assignee,
                sla: parse_opt(sla.as_deref())?,
                sort: parse_opt(sort.as_deref())?.unwrap_or_default(),
                limit,
                offset,
            };
            let store = open(&dir).await.map_err(err)?;
            let cases = store.find_cases(&filter).await.map_err(err)?;
            store.close().await;
            if json {
                print_json(&cases)?;
            } else if cases.is_empty() {
                println!("Aucun dossier. Ouvrez-en un avec « corridor case new ».");
            } else {
                cases.iter().for_each(print_case_line);
            }
        }
        Command::Case(CaseCmd::Show { case }) => {
            let store = open(&dir).await.map_err(err)?;
            let detail = store.case_detail(&case).await.map_err(err)?;
            store.close().await;
            if json {
                print_json(&detail)?;
            } else {
                print_detail(&detail);
            }
        }
        Command::Case(CaseCmd::Transition { case, to, reason }) => {
            let to: CaseStatus = to.parse().map_err(|e: ValidationError| e.to_string())?;
            let store = open(&dir).await.map_err(err)?;
            let c = store.transition(&case, to, reason).await.map_err(err)?;
            store.close().await;
            report(
                json,
                &c,
                &format!("{} : {}", c.reference, c.status.label_fr()),
            )?;
        }
        Command::Case(CaseCmd::Assign { case, cgem, cnss }) => {
            let (institution, who) = match (cgem, cnss) {
                (Some(u), _) => (Institution::Cgem, u),
                (None, Some(u)) => (Institution::Cnss, u),
                (None, None) => return Err("Précisez --cgem ou --cnss.".to_owned()),
            };
            let who = Some(who).filter(|w| !w.trim().is_empty());
            let store = open(&dir).await.map_err(err)?;
            let c = store.assign(&case, institution, who).await.map_err(err)?;
            store.close().await;
            let line = format!(
                "{} : CGEM {} / CNSS {}",
                c.reference,
                c.cgem_assignee.as_deref().unwrap_or("—"),
                c.cnss_assignee.as_deref().unwrap_or("—")
            );
            report(json, &c, &line)?;
        }
        Command::Case(CaseCmd::Edit {
            case,
            title,
            description,
            amount,
            priority,
        }) => {
            let edit = CaseEdit {
                title,
                description,
                amount_centimes: amount
                    .map(|a| {
                        if a.trim().is_empty() {
                            Ok(None)
                        } else {
                            parse_mad(&a).map(Some)
                        }
                    })
                    .transpose()
                    .map_err(|e| e.to_string())?,
                priority: parse_opt(priority.as_deref())?,
            };
            if edit.fields().is_empty() {
                return Err(
                    "Rien à modifier : précisez --title, --description, --amount ou --priority."
                        .to_owned(),
                );
            }
            let store = open(&dir).await.map_err(err)?;
            let c = store.edit_case(&case, edit).await.map_err(err)?;
            store.close().await;
            report(json, &c, &format!("{} modifié.", c.reference))?;
        }
        Command::Case(CaseCmd::Note {
            case,
            text,
            visibility,
        }) => {
            let visibility: Visibility = visibility
                .parse()
                .map_err(|e: ValidationError| e.to_string())?;
            let store = open(&dir).await.map_err(err)?;
            let event = store
                .add_note(&case, visibility, &text)
                .await
                .map_err(err)?;
            store.close().await;
            report(
                json,
                &event,
                &format!("Note ajoutée ({}).", visibility.label_fr()),
            )?;
        }
        Command::Case(CaseCmd::Link {
            case,
            other,
            parent,
        }) => {
            let store = open(&dir).await.map_err(err)?;
            let c = store.link(&case, &other, parent).await.map_err(err)?;
            store.close().await;
            report(json, &c, &format!("{} lié à {other}.", c.reference))?;
        }
        Command::Case(CaseCmd::Tag { case, add, remove }) => {
            for t in add.iter().chain(&remove) {
                corridor_model::case::parse_tag(t).map_err(verr)?;
            }
            let store = open(&dir).await.map_err(err)?;
            let c = store.tag(&case, add, remove).await.map_err(err)?;
            store.close().await;
            report(
                json,
                &c,
                &format!("{} : {}", c.reference, c.tags.join(", ")),
            )?;
        }
        Command::Case(CaseCmd::Attach { case, file }) => {
            let meta = std::fs::metadata(&file)
                .map_err(|e| format!("Fichier « {} » illisible : {e}", file.display()))?;
            let name = file
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("fichier")
                .to_owned();
            if meta.len() > DEFAULT_MAX_ATTACHMENT {
                return Err(StoreError::AttachmentTooLarge {
                    name,
                    size: meta.len(),
                    max: DEFAULT_MAX_ATTACHMENT,
                }
                .to_string());
            }
            let content = std::fs::read(&file)
                .map_err(|e| format!("Fichier « {} » illisible : {e}", file.display()))?;
            let store = open(&dir).await.map_err(err)?;
            let a = store
                .attach(&case, &name, &content, DEFAULT_MAX_ATTACHMENT)
                .await
                .map_err(err)?;
            store.close().await;
            report(
                json,
                &a,
                &format!(
                    "Pièce jointe ajoutée : {} ({} octets, {})",
                    a.name,
                    a.size,
                    &a.hash[..12]
                ),
            )?;
        }
        Command::Case(CaseCmd::Attachment { case, hash, out }) => {
            let store = open(&dir).await.map_err(err)?;
            let (a, content) = store.attachment_content(&case, &hash).await.map_err(err)?;
            store.close().await;
            std::fs::write(&out, content)
                .map_err(|e| format!("Écriture de « {} » impossible : {e}", out.display()))?;
            let line = format!(
                "{} écrit dans {} ({} octets).",
                a.name,
                out.display(),
                a.size
            );
            report(json, &a, &line)?;
        }
        Command::Passphrase(PassphraseCmd::Change) => {
            let old = passphrase().ok_or_else(|| StoreError::PassphraseRequired.to_string())?;
            let new = match std::env::var("CORRIDOR_NEW_PASSPHRASE") {
                Ok(p) if !p.is_empty() => p,
                _ => {
                    let mut line = String::new();
                    std::io::stdin()
                        .read_line(&mut line)
                        .map_err(|e| e.to_string())?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            Store::change_passphrase(&dir, old, Passphrase::new(new))
                .await
                .map_err(err)?;
            report(
                json,
                &serde_json::json!({"changed": true}),
                "Phrase de passe changée. Utilisez désormais la nouvelle pour ouvrir ce coffre.",
            )?;
        }
        Command::Search { query, limit } => {
            let store = open(&dir).await.map_err(err)?;
            let hits = store.search(&query, limit).await.map_err(err)?;
            store.close().await;
            if json {
                print_json(&hits)?;
            } else if hits.is_empty() {
                println!("Aucun résultat pour « {query} ».");
            } else {
                for h in &hits {
                    println!("{}  {}\n    {}", h.case.reference, h.case.title, h.snippet);
                }
            }
        }
        Command::Outbox => {
            let store = open(&dir).await.map_err(err)?;
            let pending = store.outbox().await.map_err(err)?;
            store.close().await;
            if json {
                print_json(&pending)?;
            } else {
                for m in &pending {
                    println!(
                        "{:>6}  {}  {}",
                        m.device_seq,
                        m.authored_at.to_rfc3339(),
                        m.op.name()
                    );
                }
                println!("{} modification(s) en attente d'envoi.", pending.len());
            }
        }
        Command::Login {
            server,
            user,
            password_stdin,
        } => {
            let client = corridor_sync::ServerClient::new(&server).map_err(|e| e.to_string())?;
            let password = if password_stdin {
                let mut line = String::new();
                std::io::stdin()
                    .read_line(&mut line)
                    .map_err(|e| e.to_string())?;
                line.trim_end_matches(['\r', '\n']).to_owned()
            } else {
                std::env::var("CORRIDOR_PASSWORD").map_err(|_| {
                    "Mot de passe absent : --password-stdin ou CORRIDOR_PASSWORD.".to_owned()
                })?
            };
            let store = open(&dir).await.map_err(err)?;
            let device = store.device().await.map_err(err)?;
            let req = corridor_model::api::LoginRequest {
                username: user.trim().to_owned(),
                password,
                device_id: device.id,
                device_name: host_name(),
            };
            let resp = client.login(&req).await.map_err(|e| e.to_string())?;
            let token = resp
                .token
                .clone()
                .ok_or("Réponse du serveur sans jeton de session.")?;
            let session = SyncSession {
                server_url: client.base_url().to_owned(),
                username: resp.username.clone(),
                role: resp.role,
                regions: resp.regions.clone(),
                token: zeroize::Zeroizing::new(token),
            };
            store.set_session(&session).await.map_err(err)?;
            store.close().await;
            let line = format!(
                "Connecté à {} en tant que {} ({}).",
                session.server_url, session.username, session.role
            );
            report(json, &session, &line)?;
        }
        Command::Logout => {
            let store = open(&dir).await.map_err(err)?;
            let was = store.clear_session().await.map_err(err)?;
            store.close().await;
            let line = if was {
                "Déconnecté. Les données locales restent sur ce poste."
            } else {
                "Aucune session en cours."
            };
            report(json, &serde_json::json!({"logged_out": was}), line)?;
        }
        Command::Whoami => {
            let store = open(&dir).await.map_err(err)?;
            let session = store.session().await.map_err(err)?;
            store.close().await;
            let session =
                session.ok_or("Aucune session : connectez-vous avec « corridor login ».")?;
            let client =
                corridor_sync::ServerClient::new(&session.server_url).map_err(|e| e.to_string())?;
            let me = client.me(&session.token).await.map_err(|e| e.to_string())?;
            if json {
                print_json(&me)?;
            } else {
                let regions: Vec<String> = me.regions.iter().map(|r| r.code()).collect();
                println!(
                    "{} ({}) sur {} — régions : {}",
                    me.username,
                    me.role,
                    session.server_url,
                    regions.join(", ")
                );
            }
        }
        Command::Sync => {
            let store = open(&dir).await.map_err(err)?;
            let interactive = !json && std::io::IsTerminal::is_terminal(&std::io::stderr());
            let (store, result) = corridor_sync::sync(store, |p| {
                if let (true, corridor_sync::Progress::Pulled { done, behind }) = (interactive, p) {
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
                Some(s) => s.rejections().await.map_err(err)?,
                None => Vec::new(),
            };
            if let Some(s) = store {
                s.close().await;
            }
            let r = result.map_err(|e| e.to_string())?;
            if json {
                return print_json(&r);
            }
            println!(
                "Synchronisé : {} envoyée(s), {} reçue(s), {} refusée(s), {} conflit(s).",
                r.pushed, r.pulled, r.rejected, r.conflicts
            );
            for rj in rejections.iter().take(r.rejected) {
                println!("  refusée : {} — {}", rj.name, rj.message);
            }
            if r.uploaded + r.downloaded > 0 {
                println!(
                    "Pièces jointes : {} envoyée(s), {} reçue(s).",
                    r.uploaded, r.downloaded
                );
            }
            if r.contents_waiting > 0 {
                println!(
                    "{} pièce(s) jointe(s) pas encore disponible(s) sur le serveur.",
                    r.contents_waiting
                );
            }
            if r.removed > 0 {
                println!(
                    "{} dossier(s) retiré(s) de ce poste (régions qui ne sont plus les vôtres).",
                    r.removed
                );
            }
            if r.open_conflicts > 0 {
                println!(
                    "{} conflit(s) à trancher : « corridor conflicts list ».",
                    r.open_conflicts
                );
            }
        }
        Command::Conflicts(ConflictsCmd::List { all }) => {
            let store = open(&dir).await.map_err(err)?;
            let list = store.conflicts(all).await.map_err(err)?;
            store.close().await;
            if json {
                let items: Vec<_> = list
                    .iter()
                    .map(
                        |(reference, c)| serde_json::json!({"reference": reference, "conflict": c}),
                    )
                    .collect();
                return print_json(&items);
            }
            if list.is_empty() {
                println!("Aucun conflit en attente.");
            }
            for (reference, c) in &list {
                let state = match &c.resolution {
                    Some(r) => format!("tranché par {} ({:?})", r.by, r.choice).to_lowercase(),
                    None => "en attente".to_owned(),
                };
                println!(
                    "{}  {reference}  champ {} — actuelle : {}  proposée par {} : {}  [{state}]",
                    &c.id.to_string()[..13],
                    c.field,
                    c.current,
                    c.author,
                    c.proposed
                );
            }
        }
        Command::Conflicts(ConflictsCmd::Resolve { id, keep }) => {
            let choice: corridor_model::sync::ConflictChoice =
                keep.parse().map_err(|e: ValidationError| e.to_string())?;
            let store = open(&dir).await.map_err(err)?;
            let c = store.resolve_conflict(&id, choice).await.map_err(err)?;
            store.close().await;
            report(
                json,
                &c,
                &format!(
                    "Conflit tranché sur le champ {} : la décision sera envoyée à la prochaine synchronisation.",
                    c.field
                ),
            )?;
        }
        Command::Rejections => {
            let store = open(&dir).await.map_err(err)?;
            let list = store.rejections().await.map_err(err)?;
            store.close().await;
            if json {
                return print_json(&list);
            }
            if list.is_empty() {
                println!("Aucune modification refusée.");
            }
            for r in &list {
                println!(
                    "n° {}  {}  {} — {}",
                    r.device_seq, r.name, r.code, r.message
                );
            }
        }
        Command::Ping { server } => {
            let client = corridor_sync::ServerClient::new(&server).map_err(|e| e.to_string())?;
            let status = client.status().await;
            if !status.reachable {
                return Err(format!("Le serveur {} ne répond pas.", status.url));
            }
            let line = format!(
                "Serveur connecté : {} (version {})",
                status.url,
                status.version.clone().unwrap_or_default()
            );
            report(json, &status, &line)?;
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
