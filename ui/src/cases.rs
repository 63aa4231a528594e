//! The case list and the "new case" form.

use chrono::{DateTime, Utc};
use corridor_model::api::{CaseRow, NewCaseForm};
use corridor_model::{CaseCategory, CaseStatus, Region};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;

/// Formats an RFC 3339 instant in Morocco's legal time.
fn casablanca(rfc3339: &str) -> String {
    rfc3339
        .parse::<DateTime<Utc>>()
        .map(|t| {
            t.with_timezone(&chrono_tz::Africa::Casablanca)
                .format("%d/%m/%Y %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

fn status_class(s: CaseStatus) -> &'static str {
    match s {
        CaseStatus::Draft => "badge draft",
        CaseStatus::Submitted | CaseStatus::Qualified | CaseStatus::TransmittedToCnss => {
            "badge open"
        }
        CaseStatus::InProgress => "badge progress",
        CaseStatus::AwaitingEmployer | CaseStatus::AwaitingCnss => "badge waiting",
        CaseStatus::Resolved | CaseStatus::Closed => "badge done",
        CaseStatus::Rejected => "badge rejected",
    }
}

/// The cases of the local store, with the form to open a new one.
#[component]
pub(crate) fn CasesPage() -> impl IntoView {
    let cases = RwSignal::new(Vec::<CaseRow>::new());
    let loading = RwSignal::new(true);
    let error = RwSignal::new(None::<String>);
    let show_form = RwSignal::new(false);

    let reload = move || {
        loading.set(true);
        spawn_local(async move {
            match api::list_cases().await {
                Ok(list) => {
                    cases.set(list);
                    error.set(None);
                }
                Err(e) => error.set(Some(e.message)),
            }
            loading.set(false);
        });
    };
    reload();

    view! {
        <section class="cases" data-testid="cases-page" aria-busy=move || loading.get().to_string()>
            <div class="page-head">
                <h1>"Dossiers"</h1>
                <span class="count" data-testid="case-count">
                    {move || format!("{} dossier(s)", cases.get().len())}
                </span>
                <span class="spacer"></span>
                <button class="primary" data-testid="new-case-button" on:click=move |_| show_form.set(true)>
                    "Nouveau dossier"
                </button>
            </div>
            <p class="error" role="alert">{move || error.get()}</p>
            <Show when=move || show_form.get()>
                <NewCase
                    on_done=Callback::new(move |created: bool| {
                        show_form.set(false);
                        if created {
                            reload();
                        }
                    })
                />
            </Show>
            <Show
                when=move || !cases.get().is_empty()
                fallback=move || view! {
                    <p class="empty" data-testid="cases-empty">
                        {move || if loading.get() { "Chargement…" } else {
                            "Aucun dossier pour l'instant. Cliquez sur « Nouveau dossier » pour enregistrer la demande d'un employeur."
                        }}
                    </p>
                }
            >
                <table class="grid" data-testid="case-table">
                    <thead>
                        <tr>
                            <th scope="col">"Référence"</th>
                            <th scope="col">"Titre"</th>
                            <th scope="col">"Entreprise"</th>
                            <th scope="col">"Catégorie"</th>
                            <th scope="col">"Statut"</th>
                            <th scope="col">"Région"</th>
                            <th scope="col">"Ouvert le"</th>
                        </tr>
                    </thead>
                    <tbody>
                        <For each=move || cases.get() key=|c| c.id.clone() let:c>
                            <tr data-testid="case-row" data-case-id=c.id.clone()>
                                <td><bdi dir="ltr" class="ref">{c.reference.clone()}</bdi></td>
                                <td data-testid="case-title" dir="auto">{c.title.clone()}</td>
                                <td dir="auto">{c.enterprise_name.clone()}</td>
                                <td>{c.category.label_fr()}</td>
                                <td><span class=status_class(c.status) data-status=c.status.code()>{c.status.label_fr()}</span></td>
                                <td title=c.region.name_fr()><bdi dir="ltr">{c.region.code()}</bdi></td>
                                <td><bdi dir="ltr">{casablanca(&c.opened_at)}</bdi></td>
                            </tr>
                        </For>
                    </tbody>
                </table>
            </Show>
        </section>
    }
}

/// The "new case" form. `on_done(true)` after a case was created, `on_done(false)` on cancel.
#[component]
fn NewCase(on_done: Callback<bool>) -> impl IntoView {
    let ice = RwSignal::new(String::new());
    let enterprise = RwSignal::new(String::new());
    let region = RwSignal::new("MA-06".to_owned());
    let category = RwSignal::new(CaseCategory::BlockedBenefit.code().to_owned());
    let title = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = NewCaseForm {
            ice: ice.get(),
            enterprise_name: enterprise.get(),
            region: region.get(),
            category: category.get(),
            title: title.get(),
            description: description.get(),
        };
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match api::create_case(form).await {
                Ok(_) => on_done.run(true),
                Err(e) => error.set(Some(e.message)),
            }
            busy.set(false);
        });
    };

    view! {
        <form class="card new-case" data-testid="new-case-form" on:submit=submit aria-busy=move || busy.get().to_string()>
            <h2>"Nouveau dossier"</h2>
            <div class="fields">
                <div class="field">
                    <label for="nc-ice">"ICE de l'entreprise"</label>
                    <input id="nc-ice" dir="ltr" inputmode="numeric" maxlength="20" data-testid="new-case-ice"
                        prop:value=move || ice.get() on:input=move |ev| ice.set(event_target_value(&ev)) />
                </div>
                <div class="field">
                    <label for="nc-enterprise">"Raison sociale (si nouvelle entreprise)"</label>
                    <input id="nc-enterprise" data-testid="new-case-enterprise"
                        prop:value=move || enterprise.get() on:input=move |ev| enterprise.set(event_target_value(&ev)) />
                </div>
                <div class="field">
                    <label for="nc-region">"Région"</label>
                    <select id="nc-region" data-testid="new-case-region"
                        prop:value=move || region.get() on:change=move |ev| region.set(event_target_value(&ev))>
                        {Region::all().map(|r| view! {
                            <option value=r.code() selected=r.number() == 6>{format!("{} — {}", r.code(), r.name_fr())}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="nc-category">"Catégorie"</label>
                    <select id="nc-category" data-testid="new-case-category"
                        prop:value=move || category.get() on:change=move |ev| category.set(event_target_value(&ev))>
                        {CaseCategory::ALL.iter().map(|c| view! {
                            <option value=c.code()>{c.label_fr()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field wide">
                    <label for="nc-title">"Titre"</label>
                    <input id="nc-title" data-testid="new-case-title"
                        prop:value=move || title.get() on:input=move |ev| title.set(event_target_value(&ev)) />
                </div>
                <div class="field wide">
                    <label for="nc-description">"Description"</label>
                    <textarea id="nc-description" rows="3" data-testid="new-case-description"
                        prop:value=move || description.get() on:input=move |ev| description.set(event_target_value(&ev))></textarea>
                </div>
            </div>
            <p class="error" role="alert" data-testid="new-case-error">{move || error.get()}</p>
            <div class="actions">
                <button type="submit" class="primary" data-testid="new-case-submit" disabled=move || busy.get()>"Enregistrer"</button>
                <button type="button" data-testid="new-case-cancel" on:click=move |_| on_done.run(false)>"Annuler"</button>
            </div>
        </form>
    }
}
