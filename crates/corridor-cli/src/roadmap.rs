//! The permanent committee's joint roadmap: projects, their status, progress and milestones.
//!
//! Owners, statuses, percentages and milestone dates are validated before the store is
//! opened; every command prints the project as it is afterwards.

use std::path::Path;

use clap::Subcommand;
use corridor_model::meeting::{parse_date, Owner, RoadmapStatus};
use corridor_model::ValidationError;

use crate::error::CliError;
use crate::output::{print_json, print_roadmap_item};
use crate::{open, parse_opt};

/// `corridor roadmap …`.
#[derive(Debug, Subcommand)]
pub(crate) enum RoadmapCmd {
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

/// Runs one `roadmap` command.
pub(crate) async fn run(dir: &Path, cmd: RoadmapCmd, json: bool) -> Result<(), CliError> {
    let item = match cmd {
        RoadmapCmd::Add {
            title,
            owner,
            description,
        } => {
            let owner: Owner = owner.parse()?;
            let store = open(dir).await?;
            let item = store.add_roadmap_item(&title, &description, owner).await?;
            store.close().await;
            item
        }
        RoadmapCmd::List => {
            let store = open(dir).await?;
            let items = store.roadmap().await?;
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
            let progress = progress.as_deref().map(parse_progress).transpose()?;
            let milestone = milestone
                .map(|m| match m.rsplit_once('@') {
                    Some((title, date)) => parse_date(date).map(|d| (title.to_owned(), Some(d))),
                    None => Ok((m, None)),
                })
                .transpose()?;
            let store = open(dir).await?;
            let item = store
                .update_roadmap_item(&id, status, progress, milestone, milestone_done.as_deref())
                .await?;
            store.close().await;
            item
        }
    };
    if json {
        print_json(&item)
    } else {
        print_roadmap_item(&item);
        Ok(())
    }
}

/// A percentage from 0 to 100, `40` or `40 %`.
fn parse_progress(p: &str) -> Result<u8, ValidationError> {
    p.trim()
        .trim_end_matches('%')
        .trim()
        .parse::<u8>()
        .ok()
        .filter(|n| *n <= 100)
        .ok_or_else(|| ValidationError::Progress(p.to_owned()))
}
