//! The fields a validation error can name. An error carries the field's code, never its French
//! name, so that the interface says it in the user's language (`field-<code>` in its
//! translation files) while the CLI and the server keep the French label.

use std::fmt;

macro_rules! fields {
    ($($(#[$vm:meta])* $v:ident = $code:literal / $fr:literal),+ $(,)?) => {
        /// A field named by a validation error.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Field {
            $($(#[$vm])* $v),+
        }

        impl Field {
            /// Every field.
            pub const ALL: &'static [Field] = &[$(Field::$v),+];

            /// Stable code (`title`, `enterprise_name`, …): the interface's translation key
            /// is `field-<code>`.
            pub fn code(self) -> &'static str {
                match self { $(Field::$v => $code),+ }
            }

            /// Name in French, as the CLI and the server's messages say it.
            pub fn label_fr(self) -> &'static str {
                match self { $(Field::$v => $fr),+ }
            }
        }
    };
}

fields! {
    /// A case's or a roadmap item's title.
    Title = "title" / "titre",
    /// A description.
    Description = "description" / "description",
    /// A case's priority.
    Priority = "priority" / "priorité",
    /// A note's text.
    Note = "note" / "note",
    /// The reason given for a transition.
    Reason = "reason" / "motif",
    /// The name of an enterprise.
    EnterpriseName = "enterprise_name" / "nom de l'entreprise",
    /// An enterprise's city.
    City = "city" / "ville",
    /// The trade register number.
    TradeRegister = "trade_register" / "registre du commerce",
    /// The legal form.
    LegalForm = "legal_form" / "forme juridique",
    /// The sector of activity.
    Sector = "sector" / "secteur",
    /// An enterprise's contacts.
    Contacts = "contacts" / "contacts",
    /// A contact's name.
    ContactName = "contact_name" / "nom du contact",
    /// An enterprise's size class.
    SizeClass = "size_class" / "taille (tpe, pme ou ge)",
    /// A case's assignee.
    Assignee = "assignee" / "responsable",
    /// An attachment's file name.
    FileName = "file_name" / "nom du fichier",
    /// An attachment's type.
    FileType = "file_type" / "type du fichier",
    /// A meeting's title.
    MeetingTitle = "meeting_title" / "titre de la réunion",
    /// A meeting's place.
    Place = "place" / "lieu",
    /// A meeting participant.
    Participant = "participant" / "participant",
    /// A decision's text.
    Decision = "decision" / "décision",
    /// A meeting's minutes.
    Minutes = "minutes" / "compte rendu",
    /// An action item's text.
    Action = "action" / "action",
    /// Who carries an action item.
    ActionOwner = "action_owner" / "responsable de l'action",
    /// Which institution carries an action (cgem, cnss or joint).
    ActionSide = "action_side" / "porteur (cgem, cnss ou joint)",
    /// A roadmap item's name.
    Project = "project" / "projet",
    /// A roadmap item's status.
    RoadmapStatus = "roadmap_status" / "statut (planned, in_progress, blocked ou done)",
    /// A roadmap milestone.
    Milestone = "milestone" / "jalon",
    /// A note's visibility.
    Visibility = "visibility" / "visibilité",
    /// An institution.
    Institution = "institution" / "institution",
    /// The choice that settles a conflict.
    Choice = "choice" / "choix",
    /// A user name.
    User = "user" / "utilisateur",
    /// A user's role.
    Role = "role" / "rôle (cgem_officer, cnss_rep, committee ou admin)",
    /// The order of a list.
    Sort = "sort" / "tri (newest, oldest, priority, reference ou title)",
    /// A deadline filter.
    Deadline = "deadline" / "délai (breached, near ou ok)",
    /// An export format.
    ExportFormat = "export_format" / "format (csv ou xlsx)",
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label_fr())
    }
}

#[cfg(test)]
mod tests {
    use super::Field;

    #[test]
    fn codes_are_distinct_snake_case_keys() {
        let mut seen = std::collections::BTreeSet::new();
        for f in Field::ALL {
            assert!(seen.insert(f.code()), "{} twice", f.code());
            assert!(
                f.code().chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{} is not a key",
                f.code()
            );
        }
    }
}
