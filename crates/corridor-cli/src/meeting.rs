//! Meetings of a region's corridor: schedule, add participants and cases to the agenda,
//! record decisions (also written in each case's timeline), minutes and action items.
//!
//! Regions, instants (typed in Casablanca time) and dates are validated before the store is
//! opened; every command prints the meeting as it is afterwards.

use std::path::Path;

use clap::Subcommand;
use corridor_model::meeting::{parse_date, parse_local_datetime};
use corridor_model::Region;

use crate::error::CliError;
use crate::open;
use crate::output::{casablanca, print_json, print_meeting, say};

/// `corridor meeting …`.
#[derive(Debug, Subcommand)]
pub(crate) enum MeetingCmd {
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

/// Runs one `meeting` command.
pub(crate) async fn run(dir: &Path, cmd: MeetingCmd, json: bool) -> Result<(), CliError> {
    let m = match cmd {
        MeetingCmd::New {
            region,
            at,
            title,
            place,
        } => {
            let region: Region = region.parse()?;
            let at = parse_local_datetime(&at)?;
            let store = open(dir).await?;
            let m = store
                .create_meeting(region, &title, at, place.as_deref())
                .await?;
            store.close().await;
            m
        }
        MeetingCmd::List => {
            let store = open(dir).await?;
            let list = store.list_meetings().await?;
            store.close().await;
            if json {
                return print_json(&list);
            }
            for m in &list {
                say!(
                    "{}  {}  {}  {} ({} dossier(s))",
                    m.id,
                    casablanca(m.at),
                    m.region,
                    m.title,
                    m.agenda_len
                );
            }
            return Ok(());
        }
        MeetingCmd::Show { id } => {
            let store = open(dir).await?;
            let m = store.meeting(&id).await?;
            store.close().await;
            m
        }
        MeetingCmd::Participant { id, name } => {
            let store = open(dir).await?;
            let m = store.add_participant(&id, &name).await?;
            store.close().await;
            m
        }
        MeetingCmd::AddCase { id, case } => {
            let store = open(dir).await?;
            let m = store.add_agenda_case(&id, &case).await?;
            store.close().await;
            m
        }
        MeetingCmd::Decide { id, case, text } => {
            let store = open(dir).await?;
            let m = store.record_decision(&id, &case, &text).await?;
            store.close().await;
            m
        }
        MeetingCmd::Minutes { id, text } => {
            let store = open(dir).await?;
            let m = store.set_minutes(&id, &text).await?;
            store.close().await;
            m
        }
        MeetingCmd::Action {
            id,
            text,
            owner,
            due,
        } => {
            let due = due.as_deref().map(parse_date).transpose()?;
            let store = open(dir).await?;
            let m = store.add_action(&id, &text, &owner, due).await?;
            store.close().await;
            m
        }
        MeetingCmd::ActionDone { id, action } => {
            let store = open(dir).await?;
            let m = store.complete_action(&id, &action).await?;
            store.close().await;
            m
        }
    };
    if json {
        print_json(&m)
    } else {
        print_meeting(&m);
        Ok(())
    }
}
