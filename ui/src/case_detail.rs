//! The case screen: header (reference, enterprise, category, priority, amount, both persons in
//! charge, deadlines), the transitions the engine allows this user now (asking a reason where
//! the workflow wants one), assignment, the timeline with the three note visibilities, a note
//! form offering only the visibilities the user may write, and the conflicts with both values;
//! attachments, tags and links come from [`crate::case_relations`].

use corridor_model::case::is_provisional_reference;
use corridor_model::desk::{CaseView, NoteForm, TransitionForm};
use corridor_model::sla::Deadline;
use corridor_model::timeline::Visibility;
use corridor_model::CaseStatus;
use leptos::prelude::*;
use leptos::task::spawn_local_scoped as spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::api;
use crate::app::Desk;
use crate::case_edit::{Assign, Conflicts, EditCase};
use crate::case_relations::{Attachments, Links, Tags};
use crate::cases::status_class;
use crate::i18n::{casablanca, current, error_text, label, mad, t, t_args};
use crate::timeline::TimelineEvent;

/// The case screen (route `/cases/:id`).
#[component]
pub(crate) fn CasePage() -> impl IntoView {
    let desk = expect_context::<Desk>();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let view_ = RwSignal::new(None::<CaseView>);
    let error = RwSignal::new(None::<String>);
    let reload = move || {
        let key = id();
        spawn_local(async move {
            match api::case_view(&key).await {
                Ok(v) => {
                    view_.set(Some(v));
                    error.set(None);
                }
                Err(e) => error.set(Some(error_text(&e))),
            }
        });
    };
    Effect::new(move |_| {
        desk.data.track();
        reload();
    });
    // A change was saved here: reload the case, tell the other screens, show the new count.
    let changed = Callback::new(move |()| {
        desk.touch();
        desk.refresh_sync();
    });

    view! {
        <section class="case-page">
            <A href="/cases" attr:class="back" attr:data-testid="case-back">
                <span class="chevron" aria-hidden="true">"‹"</span>{move || t("case-back")}
            </A>
            <p class="error" role="alert" data-testid="case-error">{move || error.get()}</p>
            {move || view_.get().map(|v| view! { <CaseBody view=v changed=changed /> })}
        </section>
    }
}

#[component]
fn CaseBody(view: CaseView, changed: Callback<()>) -> impl IntoView {
    let case = view.detail.case.clone();
    let key = case.id.to_string();
    let status = case.status;
    let provisional = is_provisional_reference(&case.reference);
    let amount = case.amount_centimes;
    let sla = view.detail.sla.clone();
    let timeline = view.detail.timeline.clone();
    let region = case.region;
    let (key_t, key_n, key_a, key_r) = (key.clone(), key.clone(), key.clone(), key.clone());
    let edit_case = StoredValue::new(case.clone());
    view! {
        <article class="case-detail" data-testid="case-detail" data-status=status.code() data-case-id=key>
            <header class="case-head card">
                <div class="case-title-line">
                    <bdi dir="ltr" class="ref big" data-testid="case-reference">{case.reference.clone()}</bdi>
                    <Show when=move || provisional>
                        <span class="provisional" data-testid="case-provisional" title=move || t("case-provisional")>"P"</span>
                    </Show>
                    <h1 dir="auto" data-testid="case-title">{case.title.clone()}</h1>
                    <span class=status_class(status) data-testid="case-status" data-status=status.code()>{move || label("status", status.code())}</span>
                    <span class=format!("prio {}", case.priority.code())>{move || label("priority", case.priority.code())}</span>
                    <span class="amount" data-testid="case-amount">
                        {move || amount.map_or_else(|| t("case-no-amount"), |c| mad(c, current()))}
                    </span>
                    <Show when=move || view.pending>
                        <span class="pending-badge" data-testid="case-pending" title=move || t("case-pending")>"⇡"</span>
                    </Show>
                </div>
                <p class="case-sub">
                    <span dir="auto">{case.enterprise_name.clone()}</span>
                    " · ICE "<bdi dir="ltr">{case.ice.to_string()}</bdi>
                    " · "<span data-testid="case-category">{move || label("category", case.category.code())}</span>
                    " · "{move || label("region", &region.code())}
                </p>
                <p class="case-sub">
                    <span data-testid="case-cgem">{move || t("case-cgem")}{move || t("colon")}{let a = case.cgem_assignee.clone(); move || a.clone().unwrap_or_else(|| t("case-unassigned"))}</span>
                    " · "
                    <span data-testid="case-cnss">{move || t("case-cnss")}{move || t("colon")}{let a = case.cnss_assignee.clone(); move || a.clone().unwrap_or_else(|| t("case-unassigned"))}</span>
                </p>
                <p class="case-sub deadlines" data-testid="case-deadlines">
                    {move || t("case-deadlines")}{move || t("colon")}
                    <DeadlineBadge name="sla-response" d=sla.response.clone() />
                    " · "
                    <DeadlineBadge name="sla-resolution" d=sla.resolution.clone() />
                    <Show when=move || sla.paused>
                        " · "{move || t("sla-paused")}
                    </Show>
                </p>
                <Transitions key=key_t allowed=view.allowed.transitions.clone() changed=changed />
            </header>
            <div class="case-columns">
                <div class="case-main">
                    <Show when={let c = view.conflicts.clone(); move || !c.is_empty()}>
                        <Conflicts conflicts=view.conflicts.clone() changed=changed />
                    </Show>
                    <section class="card">
                        <h2>{move || t("case-timeline")}</h2>
                        <ol class="timeline" data-testid="timeline">
                            {timeline.into_iter().map(|e| view! { <TimelineEvent event=e /> }).collect_view()}
                        </ol>
                        <Show when={let v = view.allowed.visibilities.clone(); move || !v.is_empty()}>
                            <NoteEditor key=key_n.clone() visibilities=view.allowed.visibilities.clone() changed=changed />
                        </Show>
                    </section>
                </div>
                <aside class="case-side">
                    <section class="card">
                        <h2>{move || t("case-description")}</h2>
                        <p dir="auto" class="description">{if case.description.trim().is_empty() { "—".to_owned() } else { case.description.clone() }}</p>
                    </section>
                    <Show when=move || view.allowed.edit>
                        <EditCase key=key_a.clone() case=edit_case changed=changed />
                        <Assign key=key_a.clone() changed=changed />
                    </Show>
                    <Attachments key=key_r.clone() attachments=view.detail.attachments.clone() editable=view.allowed.edit changed=changed />
                    <Tags key=key_r.clone() tags=case.tags editable=view.allowed.edit changed=changed />
                    <Links key=key_r parent=view.detail.parent.clone() children=view.detail.children.clone()
                        links=view.detail.links.clone() editable=view.allowed.edit changed=changed />
                </aside>
            </div>
        </article>
    }
}

#[component]
fn DeadlineBadge(name: &'static str, d: Deadline) -> impl IntoView {
    let state = d.state;
    let due = d.due_at;
    view! {
        <span class=format!("sla {}", state.code()) data-sla=state.code()>
            {move || crate::i18n::try_t(name).unwrap_or_default()}{move || t("colon")}{move || label("sla", state.code())}
            {move || due.map(|at| format!(" ({})", t_args("sla-due", &[("when", casablanca(&at))])))}
        </span>
    }
}

/// The transitions the engine allows now; one asking a reason opens a small form.
#[component]
fn Transitions(
    key: String,
    allowed: Vec<(CaseStatus, bool)>,
    changed: Callback<()>,
) -> impl IntoView {
    let asking = RwSignal::new(None::<CaseStatus>);
    let reason = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let key = StoredValue::new(key);
    let go = move |to: CaseStatus, reason: Option<String>| {
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let form = TransitionForm {
                case: key.get_value(),
                to,
                reason,
            };
            match api::transition(form).await {
                Ok(()) => {
                    asking.set(None);
                    changed.run(());
                }
                Err(e) => error.set(Some(error_text(&e))),
            }
            busy.set(false);
        });
    };
    let empty = allowed.is_empty();
    view! {
        <div class="transitions" data-testid="transitions" aria-busy=move || busy.get().to_string()>
            <span class="label">{move || t("case-actions")}</span>
            {allowed.into_iter().map(|(to, needs_reason)| {
                let id = format!("transition-{}", to.code());
                view! {
                    <button class="transition" data-testid=id disabled=move || busy.get()
                        on:click=move |_| if needs_reason { reason.set(String::new()); asking.set(Some(to)); } else { go(to, None); }>
                        <span class="chevron" aria-hidden="true">"›"</span>" "{move || label("status", to.code())}
                    </button>
                }
            }).collect_view()}
            <Show when=move || empty>
                <span class="empty-small" data-testid="no-transitions">{move || t("case-no-actions")}</span>
            </Show>
            {move || asking.get().map(|to| view! {
                <form class="reason-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                    ev.prevent_default();
                    go(to, Some(reason.get_untracked()));
                }>
                    <label for="transition-reason">{move || t("transition-reason")}" — "{move || label("status", to.code())}</label>
                    <p class="hint">{move || t("transition-reason-hint")}</p>
                    <textarea id="transition-reason" dir="auto" rows="2" data-testid="transition-reason"
                        prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))></textarea>
                    <div class="actions">
                        <button type="submit" class="primary" data-testid="transition-confirm" disabled=move || busy.get()>{move || t("transition-confirm")}</button>
                        <button type="button" on:click=move |_| asking.set(None)>{move || t("cancel")}</button>
                    </div>
                </form>
            })}
            <p class="error" role="alert" data-testid="transition-error">{move || error.get()}</p>
        </div>
    }
}

/// Adds a note; offers only the visibilities the engine allows this user.
#[component]
fn NoteEditor(key: String, visibilities: Vec<Visibility>, changed: Callback<()>) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let first = visibilities.first().copied().unwrap_or(Visibility::Shared);
    let visibility = RwSignal::new(first.code().to_owned());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let key = StoredValue::new(key);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(v) = visibility.get_untracked().parse::<Visibility>() else {
            return;
        };
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let form = NoteForm {
                case: key.get_value(),
                visibility: v,
                text: text.get_untracked(),
            };
            match api::add_note(form).await {
                Ok(()) => {
                    text.set(String::new());
                    changed.run(());
                }
                Err(e) => error.set(Some(error_text(&e))),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="note-editor" on:submit=submit aria-busy=move || busy.get().to_string()>
            <label for="note-text">{move || t("note-label")}</label>
            <textarea id="note-text" dir="auto" rows="3" data-testid="note-text"
                prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
            <div class="actions">
                <label for="note-visibility" class="inline">{move || t("note-visibility")}</label>
                <select id="note-visibility" data-testid="note-visibility" prop:value=move || visibility.get()
                    on:change=move |ev| visibility.set(event_target_value(&ev))>
                    {visibilities.into_iter().map(|v| view! {
                        <option value=v.code()>{move || label("visibility", v.code())}</option>
                    }).collect_view()}
                </select>
                <button type="submit" class="primary" data-testid="note-submit" disabled=move || busy.get()>{move || t("note-submit")}</button>
            </div>
            <p class="error" role="alert" data-testid="note-error">{move || error.get()}</p>
        </form>
    }
}
