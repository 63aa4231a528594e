//! Exports to a file: the cases (all, or those of a status or region) as CSV or XLSX.
//!
//! The format and filters are validated before the store is opened; the file is written only
//! once the cases are read.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use corridor_store::{CaseFilter, ExportFormat, Store};

use crate::error::CliError;
use crate::output::say;
use crate::{open, parse_opt};

/// `corridor export …`.
#[derive(Debug, Subcommand)]
pub(crate) enum ExportCmd {
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

/// Runs one `export` command.
pub(crate) async fn run(dir: &Path, cmd: ExportCmd) -> Result<(), CliError> {
    match cmd {
        ExportCmd::Cases {
            format,
            out,
            status,
            region,
        } => {
            let format: ExportFormat = format.parse()?;
            let filter = CaseFilter {
                status: parse_opt(status.as_deref())?,
                region: parse_opt(region.as_deref())?,
                ..CaseFilter::default()
            };
            let store = open(dir).await?;
            let cases = store.find_cases(&filter).await?;
            store.close().await;
            Store::export_cases(&cases, format, &out)?;
            say!(
                "{} dossier(s) exporté(s) dans {}.",
                cases.len(),
                out.display()
            );
        }
    }
    Ok(())
}
