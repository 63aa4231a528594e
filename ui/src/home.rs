//! Home: my cases, deadlines near or breached, and the state of the work on this device
//! (waiting to be sent, refused by the server, conflicts), each one click from the case.

use corridor_model::api::CaseRow;
use corridor_model::desk::CaseQuery;
use leptos::prelude::*;
use leptos::task::spawn_local_scoped as spawn_local;
use leptos_router::components::A;

use crate::api;
use crate::app::Desk;
use crate::i18n::{error_text, label, t, t_args};

/// Rows shown per card.
const CARD_ROWS: u32 = 8;

/// The home screen.
#[component]
pub(crate) fn HomePage() -> impl IntoView {
    let desk = expect_context::<Desk>();
    let mine = RwSignal::new(Vec::<CaseRow>::new());
    let late = RwSignal::new(Vec::<CaseRow>::new());
    let error = RwSignal::new(None::<String>);

    Effect::new(move |_| {
        desk.data.track();
        let user = desk.sync.get().and_then(|s| s.session).map(|s| s.username);
        spawn_local(async move {
            let mine_q = CaseQuery {
                assignee: user.clone(),
                limit: Some(CARD_ROWS),
                ..CaseQuery::default()
            };
            let mut rows = Vec::new();
            if user.is_some() {
                match api::list_cases(mine_q).await {
                    Ok(r) => rows = r,
                    Err(e) => error.set(Some(error_text(&e))),
                }
            }
            mine.set(rows);
            // The deadlines of my cases (every case's deadline is evaluated from its history:
            // over a whole region's cases that would be the slow part of the home screen).
            let mut all = Vec::new();
            for band in ["breached", "near"].into_iter().filter(|_| user.is_some()) {
                let q = CaseQuery {
                    assignee: user.clone(),
                    sla: Some(band.to_owned()),
                    sort: Some("priority".to_owned()),
                    limit: Some(CARD_ROWS),
                    ..CaseQuery::default()
                };
                match api::list_cases(q).await {
                    Ok(r) => all.extend(r),
                    Err(e) => error.set(Some(error_text(&e))),
                }
            }
            late.set(all);
        });
    });

    let work = move || desk.sync.get().and_then(|s| s.work);
    let refused = move || {
        let mut all = work().map(|w| w.refused).unwrap_or_default();
        all.truncate(5);
        all
    };
    let signed_in = move || desk.sync.get().is_some_and(|s| s.session.is_some());
    let notices = move || {
        let mut all = desk.sync.get().map(|s| s.notices).unwrap_or_default();
        all.reverse();
        all
    };
    view! {
        <section class="home" data-testid="home-page">
            <h1>{move || t("home-title")}</h1>
            <p class="error" role="alert">{move || error.get()}</p>
            <Show when=move || !signed_in()>
                <p class="notice" data-testid="home-sign-in-hint">
                    {move || t("home-sign-in-hint")}" "
                    <A href="/settings">{move || t("nav-settings")}</A>
                </p>
            </Show>
            <div class="cards">
                <Show when=move || !notices().is_empty()>
                    <article class="card" data-testid="home-notices">
                        <h2>{move || t("home-notices")}</h2>
                        <ul class="case-links">
                            <For each=notices key=|n| n.seq let:n>
                                <li data-testid="notice" data-kind=n.kind.code()>
                                    <span class="notice-kind">{move || crate::i18n::try_t(&format!("notice-{}", n.kind.code())).unwrap_or_default()}</span>" "
                                    <A href=format!("/cases/{}", n.case_id)>
                                        <bdi dir="ltr" class="ref">{n.reference.clone()}</bdi>" "
                                        <span dir="auto">{n.title.clone()}</span>
                                    </A>
                                </li>
                            </For>
                        </ul>
                    </article>
                </Show>
                <article class="card" data-testid="home-mine">
                    <h2>{move || t("home-my-cases")}</h2>
                    <CaseList rows=mine empty="home-no-cases" />
                </article>
                <article class="card" data-testid="home-deadlines">
                    <h2>{move || t("home-deadlines")}</h2>
                    <CaseList rows=late empty="home-no-deadlines" />
                </article>
                <article class="card" data-testid="home-sync">
                    <h2>{move || t("home-sync")}</h2>
                    <ul class="facts">
                        <li data-testid="home-pending">{move || t_args("home-pending", &[("count", work().map_or(0, |w| w.pending).to_string())])}</li>
                        <li data-testid="home-conflicts">{move || t_args("home-conflicts", &[("count", work().map_or(0, |w| w.conflicts).to_string())])}</li>
                        <li data-testid="home-last-sync">{move || work().and_then(|w| w.last_sync).map_or_else(|| t("sync-never"), |at| t_args("sync-last", &[("when", crate::i18n::casablanca_str(&at))]))}</li>
                        <li data-testid="home-refused">{move || t_args("home-refused", &[("count", work().map_or(0, |w| w.refused.len()).to_string())])}</li>
                    </ul>
                    <ul class="refused">
                        <For each=refused
                            key=|r| (r.name.clone(), r.at.clone()) let:r>
                            {
                                // Said again when the language changes.
                                let name = r.name.clone();
                                let reason = r.reason();
                                view! {
                                    <li data-testid="refused-change">
                                        <strong>{move || crate::i18n::change_name(&name)}</strong>
                                        " — "
                                        <span dir="auto">{move || error_text(&reason)}</span>
                                    </li>
                                }
                            }
                        </For>
                    </ul>
                </article>
            </div>
        </section>
    }
}

/// A short list of cases, each a link to its screen.
#[component]
fn CaseList(rows: RwSignal<Vec<CaseRow>>, empty: &'static str) -> impl IntoView {
    view! {
        <Show when=move || !rows.get().is_empty()
            fallback=move || view! { <p class="empty-small">{move || crate::i18n::try_t(empty).unwrap_or_default()}</p> }>
            <ul class="case-links">
                <For each=move || rows.get() key=|c| c.id.clone() let:c>
                    <li>
                        <A href=format!("/cases/{}", c.id)>
                            <bdi dir="ltr" class="ref">{c.reference.clone()}</bdi>" "
                            <span dir="auto">{c.title.clone()}</span>
                        </A>
                        " "<span class=crate::cases::status_class(c.status)>{move || label("status", c.status.code())}</span>
                    </li>
                </For>
            </ul>
        </Show>
    }
}
