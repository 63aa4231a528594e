//! The timeline of a case: status changes, assignments, edits, notes (the three visibilities
//! each with one colour, symbol and label), tags, attachments, links, decisions. Icons are
//! inline SVG, so they look the same everywhere without any symbol font.

use corridor_model::timeline::{CaseEvent, EventKind, Visibility};
use leptos::prelude::*;

use crate::i18n::{casablanca, label, t, t_args};

/// The icon of an event kind.
#[derive(Debug, Clone, Copy)]
enum Icon {
    Opened,
    Status,
    Person,
    Pencil,
    Tag,
    Clip,
    Decision,
    Link,
    Check,
    Shared,
    Diamond,
    Square,
}

impl Icon {
    /// The SVG path (20×20 box, stroked with the text's colour).
    fn path(self) -> &'static str {
        match self {
            Icon::Opened => "M10 3 17 10 10 17 3 10Z",
            Icon::Status => "M4 10h10M10 5l5 5-5 5",
            Icon::Person => "M10 10a3.5 3.5 0 1 0 0-7 3.5 3.5 0 0 0 0 7ZM3.5 17.5c.8-3.4 3.4-5 6.5-5s5.7 1.6 6.5 5",
            Icon::Pencil => "M4 16l1-4 8-8 3 3-8 8ZM11.5 5.5l3 3",
            Icon::Tag => "M3 3h7l7 7-7 7-7-7ZM7 7.5a.5.5 0 1 0 0-1 .5.5 0 0 0 0 1",
            Icon::Clip => "M13 6v7.5a3 3 0 0 1-6 0V5a2 2 0 0 1 4 0v8a1 1 0 0 1-2 0V7",
            Icon::Decision => "M10 3v14M5 17h10M4 6h12M4 6l-2 5h4ZM16 6l-2 5h4Z",
            Icon::Link => "M8.5 11.5a3 3 0 0 0 4.2 0l2.8-2.8a3 3 0 0 0-4.2-4.2l-1 1M11.5 8.5a3 3 0 0 0-4.2 0l-2.8 2.8a3 3 0 0 0 4.2 4.2l1-1",
            Icon::Check => "M4 10.5l4 4 8-9",
            Icon::Shared => "M3 7h13l-3.5-3.5M17 13H4l3.5 3.5",
            Icon::Diamond => "M10 4 16 10 10 16 4 10Z",
            Icon::Square => "M5 5h10v10H5Z",
        }
    }

    /// Solid shapes are filled; the others are line drawings.
    fn filled(self) -> bool {
        matches!(self, Icon::Diamond | Icon::Square)
    }

    fn view(self) -> impl IntoView {
        view! {
            <svg class="icon ev-icon" viewBox="0 0 20 20" width="14" height="14" aria-hidden="true" focusable="false">
                <path d=self.path() fill=if self.filled() { "currentColor" } else { "none" } stroke="currentColor" stroke-width="1.6" stroke-linecap="round" stroke-linejoin="round" />
            </svg>
        }
    }
}

fn visibility_icon(v: Visibility) -> Icon {
    match v {
        Visibility::Shared => Icon::Shared,
        Visibility::Cgem => Icon::Diamond,
        Visibility::Cnss => Icon::Square,
    }
}

/// One event of the timeline: an icon, when and who, and what happened; notes carry their
/// visibility's colour, symbol and label.
#[component]
pub(crate) fn TimelineEvent(event: CaseEvent) -> impl IntoView {
    let at = casablanca(&event.at);
    let author = event.author.clone();
    let (icon, visibility, text): (
        Icon,
        Option<Visibility>,
        Box<dyn Fn() -> String + Send + Sync>,
    ) = match event.kind {
        EventKind::Created => (Icon::Opened, None, Box::new(|| t("event-created"))),
        EventKind::StatusChanged { from, to, reason } => (
            Icon::Status,
            None,
            Box::new(move || {
                let line = t_args(
                    "event-status",
                    &[
                        ("from", label("status", from.code())),
                        ("to", label("status", to.code())),
                    ],
                );
                reason
                    .as_ref()
                    .map_or(line.clone(), |r| format!("{line} — {r}"))
            }),
        ),
        EventKind::Assigned {
            institution, to, ..
        } => (
            Icon::Person,
            None,
            Box::new(move || {
                t_args(
                    "event-assigned",
                    &[
                        ("side", label("institution", institution.code())),
                        ("to", to.clone().unwrap_or_else(|| t("case-unassigned"))),
                    ],
                )
            }),
        ),
        EventKind::Edited { fields } => (
            Icon::Pencil,
            None,
            Box::new(move || {
                t_args(
                    "event-edited",
                    &[(
                        "fields",
                        fields
                            .iter()
                            .map(|f| crate::i18n::field_name(f))
                            .collect::<Vec<_>>()
                            .join(", "),
                    )],
                )
            }),
        ),
        EventKind::Note { visibility, text } => (
            Icon::Opened,
            Some(visibility),
            Box::new(move || text.clone()),
        ),
        EventKind::Tagged { added, removed } => (
            Icon::Tag,
            None,
            Box::new(move || {
                let changes = added
                    .iter()
                    .map(|a| format!("+{a}"))
                    .chain(removed.iter().map(|r| format!("−{r}")))
                    .collect::<Vec<_>>()
                    .join(" ");
                t_args("event-tagged-detail", &[("changes", changes)])
            }),
        ),
        EventKind::Attachment { name, .. } => (
            Icon::Clip,
            None,
            Box::new(move || t_args("event-attachment", &[("name", name.clone())])),
        ),
        EventKind::Decision { text, .. } => (
            Icon::Decision,
            None,
            Box::new(move || format!("{} — {text}", t("event-decision"))),
        ),
        EventKind::Linked { parent, .. } => (
            Icon::Link,
            None,
            Box::new(move || {
                t(if parent {
                    "event-linked-parent"
                } else {
                    "event-linked"
                })
            }),
        ),
        EventKind::ConflictResolved { field, .. } => (
            Icon::Check,
            None,
            Box::new(move || {
                t_args(
                    "event-conflict",
                    &[("field", crate::i18n::field_name(&field))],
                )
            }),
        ),
    };
    match visibility {
        Some(v) => view! {
            <li class=format!("event note {}", v.code()) data-testid="timeline-event" data-visibility=v.code()>
                <span class="vis-badge" data-visibility=v.code()>
                    {visibility_icon(v).view()}" "{move || label("visibility", v.code())}
                </span>
                <span class="meta"><bdi dir="ltr" class="nowrap">{at}</bdi>" · "<bdi>{author}</bdi></span>
                <p dir="auto" class="note-text">{text}</p>
            </li>
        }
        .into_any(),
        None => view! {
            <li class="event" data-testid="timeline-event">
                {icon.view()}
                <span class="meta"><bdi dir="ltr" class="nowrap">{at}</bdi>" · "<bdi>{author}</bdi></span>
                <span dir="auto">{text}</span>
            </li>
        }
        .into_any(),
    }
}
