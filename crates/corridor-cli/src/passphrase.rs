//! The store's passphrase: change it (the store is re-keyed; the old passphrase stops
//! working).
//!
//! Neither passphrase is ever taken from the command line: the current one comes from
//! `CORRIDOR_PASSPHRASE`, the new one from `CORRIDOR_NEW_PASSPHRASE` or standard input.

use std::path::Path;

use clap::Subcommand;
use corridor_store::{Passphrase, Store, StoreError};

use crate::error::CliError;
use crate::output::report;
use crate::{env_passphrase, stdin_line};

/// `corridor passphrase …`.
#[derive(Debug, Subcommand)]
pub(crate) enum PassphraseCmd {
    /// Change it: the current one from CORRIDOR_PASSPHRASE, the new one from
    /// CORRIDOR_NEW_PASSPHRASE or, failing that, one line of standard input.
    Change,
}

/// Runs one `passphrase` command.
pub(crate) async fn run(dir: &Path, cmd: PassphraseCmd, json: bool) -> Result<(), CliError> {
    match cmd {
        PassphraseCmd::Change => {
            let old = env_passphrase().ok_or(StoreError::PassphraseRequired)?;
            let new = match std::env::var("CORRIDOR_NEW_PASSPHRASE") {
                Ok(p) if !p.is_empty() => p,
                _ => stdin_line()?,
            };
            Store::change_passphrase(dir, old, Passphrase::new(new)).await?;
            report(
                json,
                &serde_json::json!({"changed": true}),
                "Phrase de passe changée. Utilisez désormais la nouvelle pour ouvrir ce coffre.",
            )
        }
    }
}
