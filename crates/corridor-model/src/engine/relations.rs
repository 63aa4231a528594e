//! The rules of a case's relations: the documents attached to it (content the actor holds or
//! may see, its real size, within the limits) and its links to other cases (parent, child or
//! related; never itself, never a cycle).

use uuid::Uuid;

use super::cases::Applier;
use super::{required, Code, Rejection, Write, MAX_ATTACHMENT, MAX_FILE_NAME};
use crate::timeline::EventKind;
use crate::Field;

impl Applier<'_> {
    pub(super) fn attach(
        &mut self,
        case_id: Uuid,
        event_id: Uuid,
        hash: &str,
        name: &str,
        mime: &str,
        size: u64,
    ) -> Result<(), Rejection> {
        let case = self.writable_case(case_id)?;
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Rejection::new(
                Code::InvalidHash,
                "Empreinte de pièce jointe invalide.",
            ));
        }
        let name = required(Field::FileName, name, MAX_FILE_NAME)?;
        let mime = required(Field::FileType, mime, MAX_FILE_NAME)?;
        if size > MAX_ATTACHMENT {
            return Err(Rejection::new(
                Code::AttachmentTooLarge,
                format!(
                    "Pièce jointe « {name} » trop volumineuse : la limite est de {} Mo.",
                    MAX_ATTACHMENT / (1024 * 1024)
                ),
            )
            .arg("name", name)
            .arg("max_mb", (MAX_ATTACHMENT / (1024 * 1024)).to_string()));
        }
        let hash = hash.to_ascii_lowercase();
        let Some(content) = self.view.content else {
            return Err(Rejection::new(
                Code::UnknownAttachment,
                format!("Le contenu de la pièce jointe « {name} » n'a pas été reçu."),
            )
            .arg("name", name));
        };
        if content.size != size {
            return Err(Rejection::new(
                Code::AttachmentSizeMismatch,
                format!(
                    "La taille annoncée de la pièce jointe « {name} » ({size} octets) n'est pas \
                     celle de son contenu ({} octets).",
                    content.size
                ),
            )
            .arg("name", name)
            .arg("size", size.to_string())
            .arg("actual", content.size.to_string()));
        }
        self.fx.attachment = Some((hash.clone(), case.case.region));
        let kind = EventKind::Attachment {
            hash,
            name,
            mime,
            size,
        };
        let e = self.event(event_id, case_id, kind);
        self.fx.writes.push(Write::event(case.case.region, e));
        Ok(())
    }

    pub(super) fn link(
        &mut self,
        case_id: Uuid,
        event_id: Uuid,
        other_id: Uuid,
        parent: bool,
    ) -> Result<(), Rejection> {
        if case_id == other_id {
            return Err(Rejection::new(
                Code::SelfLink,
                "Un dossier ne peut pas être lié à lui-même.",
            ));
        }
        let mut case = self.writable_case(case_id)?;
        let mut other = self.writable_case(other_id)?;
        if parent {
            if other_id == case_id || self.view.ancestors.contains(&case_id) {
                return Err(Rejection::new(
                    Code::LinkCycle,
                    "Lien refusé : ce dossier deviendrait son propre ancêtre.",
                ));
            }
            if case.case.parent_id == Some(other_id) {
                return Ok(());
            }
            case.case.parent_id = Some(other_id);
        } else {
            if case.links.contains(&other_id) {
                return Ok(());
            }
            case.links.push(other_id);
            if !other.links.contains(&case_id) {
                other.links.push(case_id);
                self.fx.writes.push(Write::case(other));
            }
        }
        self.push_case_and_event(
            case,
            event_id,
            EventKind::Linked {
                other: other_id,
                parent,
            },
        );
        Ok(())
    }
}
