//! Cases: open, list, count, show, move through the workflow, assign, edit, note, tag, attach
//! files, link; and the full-text search over them.
//!
//! Codes, amounts and tags are validated before the store is opened, so a refused input
//! writes nothing; the store checks the rest (workflow, rules) in the transaction that would
//! write.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use corridor_model::case::parse_tag;
use corridor_model::desk::{CaseEditForm, CaseQuery};
use corridor_model::timeline::{Institution, Visibility};
use corridor_model::{CaseStatus, NewCase};
use corridor_store::{CaseFilter, StoreError, DEFAULT_MAX_ATTACHMENT};

use crate::error::CliError;
use crate::open;
use crate::output::{print_case_line, print_detail, print_json, report, say};

/// `corridor case …`.
#[derive(Debug, Subcommand)]
pub(crate) enum CaseCmd {
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
        /// Category (blocked_benefit, e_services, debt_schedule, …).
        #[arg(long)]
        category: Option<String>,
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

/// Runs one `case` command.
pub(crate) async fn run(dir: &Path, cmd: CaseCmd, json: bool) -> Result<(), CliError> {
    match cmd {
        CaseCmd::New {
            ice,
            category,
            title,
            description,
        } => {
            let new = NewCase::parse(&ice, &category, &title, &description)?;
            let store = open(dir).await?;
            let case = store.new_case(new).await?;
            store.close().await;
            if json {
                print_json(&case)?;
            } else {
                say!("Dossier ouvert : {} — {}", case.reference, case.title);
            }
        }
        CaseCmd::List {
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
        } => {
            let filter = CaseFilter::try_from(&CaseQuery {
                status,
                region,
                category,
                priority,
                assignee,
                tag,
                sla,
                sort,
                limit,
                offset,
            })?;
            let store = open(dir).await?;
            let cases = store.find_cases(&filter).await?;
            store.close().await;
            if json {
                print_json(&cases)?;
            } else if cases.is_empty() {
                say!("Aucun dossier. Ouvrez-en un avec « corridor case new ».");
            } else {
                cases.iter().for_each(print_case_line);
            }
        }
        CaseCmd::Stats => stats(dir, json).await?,
        CaseCmd::Show { case } => {
            let store = open(dir).await?;
            let detail = store.case_detail(&case).await?;
            store.close().await;
            if json {
                print_json(&detail)?;
            } else {
                print_detail(&detail);
            }
        }
        CaseCmd::Transition { case, to, reason } => {
            let to: CaseStatus = to.parse()?;
            let store = open(dir).await?;
            let c = store.transition(&case, to, reason).await?;
            store.close().await;
            report(
                json,
                &c,
                &format!("{} : {}", c.reference, c.status.label_fr()),
            )?;
        }
        CaseCmd::Assign { case, cgem, cnss } => {
            let (institution, who) = match (cgem, cnss) {
                (Some(u), _) => (Institution::Cgem, u),
                (None, Some(u)) => (Institution::Cnss, u),
                (None, None) => {
                    return Err(CliError::new("required", "Précisez --cgem ou --cnss."));
                }
            };
            let who = Some(who).filter(|w| !w.trim().is_empty());
            let store = open(dir).await?;
            let c = store.assign(&case, institution, who).await?;
            store.close().await;
            let line = format!(
                "{} : CGEM {} / CNSS {}",
                c.reference,
                c.cgem_assignee.as_deref().unwrap_or("—"),
                c.cnss_assignee.as_deref().unwrap_or("—")
            );
            report(json, &c, &line)?;
        }
        CaseCmd::Edit {
            case,
            title,
            description,
            amount,
            priority,
            category,
        } => {
            let edit = CaseEditForm {
                title,
                description,
                amount,
                priority,
                category,
            }
            .parse()?;
            if edit.fields().is_empty() {
                return Err(CliError::new(
                    "nothing_to_change",
                    "Rien à modifier : précisez --title, --description, --amount ou --priority.",
                ));
            }
            let store = open(dir).await?;
            let c = store.edit_case(&case, edit).await?;
            store.close().await;
            report(json, &c, &format!("{} modifié.", c.reference))?;
        }
        CaseCmd::Note {
            case,
            text,
            visibility,
        } => {
            let visibility: Visibility = visibility.parse()?;
            let store = open(dir).await?;
            let event = store.add_note(&case, visibility, &text).await?;
            store.close().await;
            report(
                json,
                &event,
                &format!("Note ajoutée ({}).", visibility.label_fr()),
            )?;
        }
        CaseCmd::Link {
            case,
            other,
            parent,
        } => {
            let store = open(dir).await?;
            let c = store.link(&case, &other, parent).await?;
            store.close().await;
            report(json, &c, &format!("{} lié à {other}.", c.reference))?;
        }
        CaseCmd::Tag { case, add, remove } => {
            for t in add.iter().chain(&remove) {
                parse_tag(t)?;
            }
            let store = open(dir).await?;
            let c = store.tag(&case, add, remove).await?;
            store.close().await;
            report(
                json,
                &c,
                &format!("{} : {}", c.reference, c.tags.join(", ")),
            )?;
        }
        CaseCmd::Attach { case, file } => attach(dir, &case, &file, json).await?,
        CaseCmd::Attachment { case, hash, out } => {
            let store = open(dir).await?;
            let (a, content) = store.attachment_content(&case, &hash).await?;
            store.close().await;
            std::fs::write(&out, content).map_err(|e| {
                CliError::file(format!(
                    "Écriture de « {} » impossible : {e}",
                    out.display()
                ))
            })?;
            let line = format!(
                "{} écrit dans {} ({} octets).",
                a.name,
                out.display(),
                a.size
            );
            report(json, &a, &line)?;
        }
    }
    Ok(())
}

/// `case stats`: numbers of cases by status, region and category.
async fn stats(dir: &Path, json: bool) -> Result<(), CliError> {
    let store = open(dir).await?;
    let counts = store.counts().await?;
    store.close().await;
    if json {
        return print_json(&counts);
    }
    say!("{} dossier(s)", counts.total);
    for (title, map) in [
        ("Par statut", &counts.by_status),
        ("Par région", &counts.by_region),
        ("Par catégorie", &counts.by_category),
    ] {
        say!("{title} :");
        for (k, v) in map {
            say!("  {k:<22} {v}");
        }
    }
    Ok(())
}

/// `case attach`: the size is checked before the file is read and the store opened.
async fn attach(dir: &Path, case: &str, file: &Path, json: bool) -> Result<(), CliError> {
    let unreadable = |e: std::io::Error| {
        CliError::file(format!("Fichier « {} » illisible : {e}", file.display()))
    };
    let meta = std::fs::metadata(file).map_err(unreadable)?;
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
        .into());
    }
    let content = std::fs::read(file).map_err(unreadable)?;
    let store = open(dir).await?;
    let a = store
        .attach(case, &name, &content, DEFAULT_MAX_ATTACHMENT)
        .await?;
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
    )
}

/// `corridor search`: full-text search over cases.
pub(crate) async fn search(
    dir: &Path,
    query: &str,
    limit: u32,
    json: bool,
) -> Result<(), CliError> {
    let store = open(dir).await?;
    let hits = store.search(query, limit).await?;
    store.close().await;
    if json {
        return print_json(&hits);
    }
    if hits.is_empty() {
        say!("Aucun résultat pour « {query} ».");
    } else {
        for h in &hits {
            say!("{}  {}\n    {}", h.case.reference, h.case.title, h.snippet);
        }
    }
    Ok(())
}
