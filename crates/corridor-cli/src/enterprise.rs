//! Enterprises: record one, edit one, show one, list them, import a CSV file (all lines or
//! none).
//!
//! Every field is validated before the store is opened, so a refused enterprise writes
//! nothing.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use corridor_model::desk::{ContactForm, EnterpriseForm};
use corridor_model::{Contact, Ice, NewEnterprise};
use corridor_store::parse_enterprise_csv;

use crate::error::CliError;
use crate::output::{print_enterprise, print_json, say};
use crate::{open, parse_opt};

/// `corridor enterprise …`.
#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant, reason = "parsed once per process")]
pub(crate) enum EnterpriseCmd {
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
    /// Edit an enterprise's record (only the fields given change; the change syncs as an
    /// `update_enterprise`, refused if someone changed the record meanwhile).
    Edit {
        /// Its ICE.
        ice: String,
        /// Company name.
        #[arg(long)]
        name: Option<String>,
        /// CNSS affiliation number (7 digits; empty to remove).
        #[arg(long)]
        cnss: Option<String>,
        /// City (empty to remove).
        #[arg(long)]
        city: Option<String>,
        /// Registre du commerce (empty to remove).
        #[arg(long)]
        rc: Option<String>,
        /// Legal form (empty to remove).
        #[arg(long)]
        legal_form: Option<String>,
        /// Sector of activity (empty to remove).
        #[arg(long)]
        sector: Option<String>,
        /// Size class: tpe, pme or ge (empty to remove).
        #[arg(long)]
        size: Option<String>,
        /// CGEM member: yes or no.
        #[arg(long)]
        cgem_member: Option<bool>,
        /// The contacts, replacing all of them, as "Name|Role|Phone|Email" (repeatable).
        #[arg(long = "contact")]
        contacts: Vec<String>,
        /// Remove every contact.
        #[arg(long, conflicts_with = "contacts")]
        no_contacts: bool,
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

/// Runs one `enterprise` command.
pub(crate) async fn run(dir: &Path, cmd: EnterpriseCmd, json: bool) -> Result<(), CliError> {
    match cmd {
        EnterpriseCmd::Add {
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
        } => {
            let mut new =
                NewEnterprise::parse(&name, &ice, &region, cnss.as_deref(), city.as_deref())?;
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
                let contact = Contact::parse(name.unwrap_or_default(), role, phone, email)?;
                new.details.contacts.push(contact);
            }
            let store = open(dir).await?;
            let e = store.add_enterprise(new).await?;
            store.close().await;
            if json {
                print_json(&e)?;
            } else {
                say!(
                    "Entreprise enregistrée : {} (ICE {}, {})",
                    e.name,
                    e.ice,
                    e.region
                );
            }
        }
        EnterpriseCmd::Edit {
            ice,
            name,
            cnss,
            city,
            rc,
            legal_form,
            sector,
            size,
            cgem_member,
            contacts,
            no_contacts,
        } => {
            let ice: Ice = ice.parse()?;
            let store = open(dir).await?;
            let result = async {
                let e = store.enterprise_by_ice(ice.as_str()).await?;
                let mut form = EnterpriseForm::of(&e);
                for (field, value) in [
                    (&mut form.name, name),
                    (&mut form.cnss, cnss),
                    (&mut form.city, city),
                    (&mut form.rc, rc),
                    (&mut form.legal_form, legal_form),
                    (&mut form.sector, sector),
                    (&mut form.size, size),
                ] {
                    if let Some(v) = value {
                        *field = v;
                    }
                }
                if let Some(member) = cgem_member {
                    form.cgem_member = member;
                }
                if no_contacts {
                    form.contacts.clear();
                } else if !contacts.is_empty() {
                    form.contacts = contacts.iter().map(|c| contact_form(c)).collect();
                }
                let edit = form.parse()?;
                Ok::<_, CliError>(store.update_enterprise(e.id, edit).await?)
            }
            .await;
            store.close().await;
            let e = result?;
            if json {
                print_json(&e)?;
            } else {
                say!(
                    "Entreprise modifiée : {} (ICE {}) — la modification sera envoyée à la \
                     prochaine synchronisation.",
                    e.name,
                    e.ice
                );
            }
        }
        EnterpriseCmd::Show { ice } => {
            let ice: Ice = ice.parse()?;
            let store = open(dir).await?;
            let e = store.enterprise_by_ice(ice.as_str()).await?;
            store.close().await;
            if json {
                print_json(&e)?;
            } else {
                print_enterprise(&e);
            }
        }
        EnterpriseCmd::Import { file } => {
            let f = std::fs::File::open(&file).map_err(|e| {
                CliError::file(format!("Fichier « {} » illisible : {e}", file.display()))
            })?;
            let rows = parse_enterprise_csv(f)?;
            let store = open(dir).await?;
            let n = store.import_enterprises(rows.clone()).await?;
            store.close().await;
            if json {
                print_json(&rows.into_iter().map(|(_, e)| e).collect::<Vec<_>>())?;
            } else {
                say!("{n} entreprise(s) importée(s).");
            }
        }
        EnterpriseCmd::List => {
            let store = open(dir).await?;
            let list = store.list_enterprises().await?;
            store.close().await;
            if json {
                print_json(&list)?;
            } else {
                for e in &list {
                    say!("{}  {}  {}", e.ice, e.region, e.name);
                }
            }
        }
    }
    Ok(())
}

/// A contact given as "Name|Role|Phone|Email" (empty or missing parts allowed), as the form
/// holds it (the form's parser checks it).
fn contact_form(text: &str) -> ContactForm {
    let mut parts = text.split('|').map(|p| p.trim().to_owned());
    ContactForm {
        name: parts.next().unwrap_or_default(),
        role: parts.next().unwrap_or_default(),
        phone: parts.next().unwrap_or_default(),
        email: parts.next().unwrap_or_default(),
    }
}
