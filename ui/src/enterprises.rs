//! The enterprises known on this device: a list with search as you type (name, ICE, city,
//! contacts; Arabic as people type it), each one click from its screen, and the CSV import.

use corridor_model::Enterprise;
use leptos::prelude::*;
use leptos::task::spawn_local_scoped as spawn_local;

use leptos_router::components::A;

use crate::api;
use crate::app::Desk;
use crate::enterprise_import::ImportEnterprises;
use crate::i18n::{error_text, label, t, t_count};

/// The enterprises screen.
#[component]
pub(crate) fn EnterprisesPage() -> impl IntoView {
    let desk = expect_context::<Desk>();
    let query = RwSignal::new(String::new());
    let rows = RwSignal::new(Vec::<Enterprise>::new());
    let loading = RwSignal::new(true);
    let error = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        desk.data.track();
        let q = query.get();
        loading.set(true);
        spawn_local(async move {
            match api::list_enterprises(&q).await {
                // Only the answer for what the box holds now is shown.
                Ok(list) if query.get_untracked() == q => {
                    rows.set(list);
                    error.set(None);
                }
                Ok(_) => {}
                Err(e) => error.set(Some(error_text(&e))),
            }
            loading.set(false);
        });
    });
    view! {
        <section class="enterprises" data-testid="enterprises-page" aria-busy=move || loading.get().to_string()>
            <div class="page-head">
                <h1>{move || t("nav-enterprises")}</h1>
                <span class="count" data-testid="enterprise-count">{move || t_count("enterprises-count", rows.with(Vec::len))}</span>
            </div>
            <div class="filters">
                <div class="filter wide-filter">
                    <label for="enterprise-search">{move || t("enterprises-search")}</label>
                    <input id="enterprise-search" type="search" data-testid="enterprise-search"
                        dir=move || if crate::i18n::current() == "ar" { "rtl" } else { "auto" }
                        prop:value=move || query.get() on:input=move |ev| query.set(event_target_value(&ev)) />
                </div>
            </div>
            <p class="error" role="alert">{move || error.get()}</p>
            <ImportEnterprises done=Callback::new(move |()| desk.touch()) />
            <Show when=move || !rows.with(Vec::is_empty)
                fallback=move || view! { <p class="empty" data-testid="enterprises-empty">{move || if loading.get() { t("loading") } else { t("enterprises-empty") }}</p> }>
                <table class="grid" data-testid="enterprise-table">
                    <thead>
                        <tr>
                            <th scope="col">{move || t("enterprise-name")}</th>
                            <th scope="col">"ICE"</th>
                            <th scope="col">{move || t("enterprise-cnss")}</th>
                            <th scope="col">{move || t("enterprise-city")}</th>
                            <th scope="col">{move || t("col-region")}</th>
                        </tr>
                    </thead>
                    <tbody>
                        <For each=move || rows.get() key=|e| e.id let:e>
                            <tr data-testid="enterprise-row">
                                <td dir="auto" data-testid="enterprise-name">
                                    <A href=format!("/enterprises/{}", e.id)>{e.name.clone()}</A>
                                </td>
                                <td><bdi dir="ltr">{e.ice.to_string()}</bdi></td>
                                <td><bdi dir="ltr">{e.cnss.as_ref().map(|c| c.as_str().to_owned()).unwrap_or_default()}</bdi></td>
                                <td dir="auto">{e.city.clone().unwrap_or_default()}</td>
                                <td>{move || label("region", &e.region.code())}</td>
                            </tr>
                        </For>
                    </tbody>
                </table>
            </Show>
        </section>
    }
}
