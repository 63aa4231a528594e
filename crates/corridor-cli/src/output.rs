//! What the command prints: JSON for scripts, and lines in French for people.
//!
//! Text for people goes through [`say!`], which strips control characters (other than newline
//! and tab) with [`clean`]: titles, notes and names come from other users through the server,
//! and must not move the cursor, rewrite earlier lines or retitle the terminal. JSON output is
//! escaped by `serde_json` and printed as it is. Instants are shown in `Africa/Casablanca`.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, Utc};
use corridor_model::case::format_mad;
use corridor_model::meeting::{Meeting, RoadmapItem};
use corridor_model::timeline::EventKind;
use corridor_model::{Case, Enterprise};
use corridor_store::CaseDetail;

use crate::error::CliError;

/// Prints one line for people (like `println!`), its control characters stripped.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::output::print_line(&format!($($arg)*))
    };
}
pub(crate) use say;

/// Whether `c` is removed from text printed for people.
fn is_stripped(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

/// `s` without its control characters, newline and tab excepted (C0, DEL and C1: escape
/// sequences, carriage returns, backspaces, bells).
pub(crate) fn clean(s: &str) -> Cow<'_, str> {
    if s.chars().any(is_stripped) {
        Cow::Owned(s.chars().filter(|c| !is_stripped(*c)).collect())
    } else {
        Cow::Borrowed(s)
    }
}

/// Prints `line` and a newline on stdout, cleaned. Use [`say!`].
pub(crate) fn print_line(line: &str) {
    println!("{}", clean(line));
}

/// Prints `value` as pretty JSON on stdout.
pub(crate) fn print_json(value: &impl serde::Serialize) -> Result<(), CliError> {
    let s = serde_json::to_string_pretty(value)?;
    println!("{s}");
    Ok(())
}

/// Prints `value` as JSON, or `line` for people.
pub(crate) fn report(
    json: bool,
    value: &impl serde::Serialize,
    line: &str,
) -> Result<(), CliError> {
    if json {
        print_json(value)
    } else {
        print_line(line);
        Ok(())
    }
}

/// An instant in Casablanca time, `03/12/2026 10:00`.
pub(crate) fn casablanca(t: DateTime<Utc>) -> String {
    t.with_timezone(&chrono_tz::Africa::Casablanca)
        .format("%d/%m/%Y %H:%M")
        .to_string()
}

/// ` pour le 31/12/2026`, or nothing without a date.
fn due_text(due: Option<NaiveDate>) -> String {
    due.map(|d| format!(" pour le {}", d.format("%d/%m/%Y")))
        .unwrap_or_default()
}

/// One line of a case list.
pub(crate) fn print_case_line(c: &Case) {
    say!(
        "{}  {:<26}  {}  {:<34}  {}",
        c.reference,
        c.status.label_fr(),
        c.region,
        c.category.label_fr(),
        c.title
    );
}

/// An enterprise with its details and contacts.
pub(crate) fn print_enterprise(e: &Enterprise) {
    say!(
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
            say!("  {label} : {v}");
        }
    }
    say!(
        "  Membre CGEM : {}",
        if d.cgem_member { "oui" } else { "non" }
    );
    for c in &d.contacts {
        let extra: Vec<&str> = [c.role.as_deref(), c.phone.as_deref(), c.email.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        say!("  Contact : {} ({})", c.name, extra.join(", "));
    }
}

/// A case with its deadlines, links, attachments and timeline.
pub(crate) fn print_detail(d: &CaseDetail) {
    let c = &d.case;
    say!("{} — {}", c.reference, c.title);
    say!("  Entreprise : {} (ICE {})", c.enterprise_name, c.ice);
    say!(
        "  Statut : {}   Priorité : {}   Région : {} {}",
        c.status.label_fr(),
        c.priority.label_fr(),
        c.region,
        c.region.name_fr()
    );
    say!("  Catégorie : {}", c.category.label_fr());
    if let Some(a) = c.amount_centimes {
        say!("  Montant en jeu : {}", format_mad(a));
    }
    say!(
        "  Responsables : CGEM {} / CNSS {}",
        c.cgem_assignee.as_deref().unwrap_or("—"),
        c.cnss_assignee.as_deref().unwrap_or("—")
    );
    if let Some(r) = &c.resolution {
        say!("  Résolution : {r}");
    }
    if !c.tags.is_empty() {
        say!("  Étiquettes : {}", c.tags.join(", "));
    }
    for (name, d) in [
        ("Réponse", &d.sla.response),
        ("Résolution", &d.sla.resolution),
    ] {
        let due = d.due_at.map_or_else(|| "—".to_owned(), casablanca);
        say!("  Délai de {name} : {due} ({})", d.state.label_fr());
    }
    if d.sla.paused {
        say!("  Délais suspendus : en attente de l'employeur.");
    }
    if !c.description.is_empty() {
        say!("\n{}\n", c.description);
    }
    let refs = |l: &[corridor_model::desk::CaseLink]| {
        l.iter()
            .map(|c| c.reference.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(p) = &d.parent {
        say!("  Dossier parent : {p}");
    }
    if !d.children.is_empty() {
        say!("  Dossiers enfants : {}", refs(&d.children));
    }
    if !d.links.is_empty() {
        say!("  Dossiers liés : {}", refs(&d.links));
    }
    if !d.attachments.is_empty() {
        say!("Pièces jointes :");
        for a in &d.attachments {
            say!(
                "  {}  {} ({}, {} octets)",
                &a.hash[..12],
                a.name,
                a.mime,
                a.size
            );
        }
    }
    say!("Historique :");
    for e in &d.timeline {
        say!(
            "  {}  {:<14} {}",
            casablanca(e.at),
            e.author,
            event_text(&e.kind)
        );
    }
}

/// What an event of the timeline did, in French.
fn event_text(kind: &EventKind) -> String {
    match kind {
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
    }
}

/// A meeting with its agenda, decisions, minutes and action items.
pub(crate) fn print_meeting(m: &Meeting) {
    say!(
        "{} — {} ({} {})",
        m.title,
        casablanca(m.at),
        m.region,
        m.region.name_fr()
    );
    say!("  Id : {}", m.id);
    if let Some(p) = &m.place {
        say!("  Lieu : {p}");
    }
    if !m.participants.is_empty() {
        say!("  Participants : {}", m.participants.join(", "));
    }
    say!("Ordre du jour :");
    for (i, a) in m.agenda.iter().enumerate() {
        say!("  {}. {} — {}", i + 1, a.reference, a.title);
        if let Some(d) = &a.decision {
            say!("     Décision : {d}");
        }
    }
    if let Some(minutes) = &m.minutes {
        say!("Compte rendu :\n{minutes}");
    }
    for a in &m.actions {
        say!(
            "  [{}] {} — {}{} ({})",
            if a.done { "x" } else { " " },
            a.text,
            a.owner,
            due_text(a.due),
            a.id
        );
    }
}

/// A project of the roadmap with its milestones.
pub(crate) fn print_roadmap_item(i: &RoadmapItem) {
    say!(
        "{}  [{:?}] {} % — {} ({:?})",
        i.id,
        i.status,
        i.progress,
        i.title,
        i.owner
    );
    for m in &i.milestones {
        say!(
            "    [{}] {}{} ({})",
            if m.done { "x" } else { " " },
            m.title,
            due_text(m.due),
            m.id
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_stripped_but_newlines_and_tabs_kept() {
        assert_eq!(
            clean("Titre\x1b[2J\x1b]0;pirate\x07 normal\r\x08\x7f\u{9b}31m"),
            "Titre[2J]0;pirate normal31m"
        );
        assert_eq!(clean("ligne 1\nligne\t2"), "ligne 1\nligne\t2");
        assert!(matches!(
            clean("Dossier « Atlas » — déjà propre, عربي"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn instants_are_shown_in_casablanca_time() {
        let t = DateTime::parse_from_rfc3339("2026-12-03T09:00:00Z")
            .expect("instant")
            .with_timezone(&Utc);
        assert_eq!(casablanca(t), "03/12/2026 10:00");
    }
}
