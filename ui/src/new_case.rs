//! The "new case" form: the enterprise found by name or ICE among those known, or recorded
//! inline (its ICE checked at each keystroke by the model's rule); category, title,
//! description, priority and amount. Saved on this device (offline too) and sent at the next
//! sync.

use corridor_model::api::NewCaseForm;
use corridor_model::{CaseCategory, Enterprise, Ice, IceInput, Priority, Region};
use leptos::prelude::*;
use leptos::task::spawn_local_scoped as spawn_local;

use crate::api;
use crate::i18n::{error_text, label, t, t_args};

/// How many known enterprises the search offers.
const SUGGESTIONS: usize = 8;

/// What the ICE field says under it as the user types.
fn ice_hint(input: &str) -> Option<(&'static str, String)> {
    match Ice::check_typing(input) {
        IceInput::Empty => None,
        IceInput::Incomplete { digits } => Some((
            "hint",
            t_args("ice-incomplete", &[("n", digits.to_string())]),
        )),
        IceInput::Valid(_) => Some(("ok", t("ice-valid"))),
        IceInput::Invalid(corridor_model::ValidationError::IceChecksum(_)) => {
            Some(("bad", t("ice-bad-checksum")))
        }
        IceInput::Invalid(_) => Some(("bad", t("ice-bad-format"))),
    }
}

/// The "new case" form. `on_done(true)` after a case was created, `on_done(false)` on cancel.
#[component]
pub(crate) fn NewCase(on_done: Callback<bool>) -> impl IntoView {
    let find = RwSignal::new(String::new());
    let found = RwSignal::new(Vec::<Enterprise>::new());
    let asked = StoredValue::new(0u64);
    let chosen = RwSignal::new(None::<Enterprise>);
    let ice = RwSignal::new(String::new());
    let enterprise = RwSignal::new(String::new());
    let region = RwSignal::new("MA-06".to_owned());
    let category = RwSignal::new(CaseCategory::BlockedBenefit.code().to_owned());
    let title = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let priority = RwSignal::new(Priority::Normal.code().to_owned());
    let amount = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);

    // Known enterprises matching what is typed (name, ICE, city, contacts; Arabic as typed);
    // an answer to an older query is dropped.
    let search = move |q: String| {
        find.set(q.clone());
        let n = asked.get_value() + 1;
        asked.set_value(n);
        if q.trim().is_empty() {
            found.set(Vec::new());
            return;
        }
        spawn_local(async move {
            if let Ok(mut list) = api::list_enterprises(&q).await {
                if asked.get_value() == n {
                    list.truncate(SUGGESTIONS);
                    found.set(list);
                }
            }
        });
    };
    let choose = move |e: Enterprise| {
        found.set(Vec::new());
        find.set(String::new());
        chosen.set(Some(e));
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (ice_v, name_v, region_v) = match chosen.get_untracked() {
            Some(e) => (e.ice.to_string(), e.name.clone(), e.region.code()),
            None => (
                ice.get_untracked(),
                enterprise.get_untracked(),
                region.get_untracked(),
            ),
        };
        let form = NewCaseForm {
            ice: ice_v,
            enterprise_name: name_v,
            region: region_v,
            category: category.get_untracked(),
            title: title.get_untracked(),
            description: description.get_untracked(),
            priority: priority.get_untracked(),
            amount: amount.get_untracked(),
        };
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match api::create_case(form).await {
                Ok(_) => on_done.run(true),
                Err(e) => error.set(Some(error_text(&e))),
            }
            busy.set(false);
        });
    };

    view! {
        <form class="card new-case" data-testid="new-case-form" on:submit=submit aria-busy=move || busy.get().to_string()>
            <h2>{move || t("new-case-title")}</h2>
            <fieldset class="enterprise-pick">
                <legend>{move || t("new-case-enterprise-legend")}</legend>
                {move || match chosen.get() {
                    Some(e) => view! {
                        <p class="chosen" data-testid="new-case-chosen">
                            <strong dir="auto">{e.name.clone()}</strong>
                            " · ICE "<bdi dir="ltr">{e.ice.to_string()}</bdi>
                            " · "{label("region", &e.region.code())}
                            " "<button type="button" class="small" data-testid="new-case-change"
                                on:click=move |_| chosen.set(None)>{t("new-case-change")}</button>
                        </p>
                    }.into_any(),
                    None => view! {
                        <div class="field wide">
                            <label for="nc-find">{t("new-case-find")}</label>
                            <input id="nc-find" dir="auto" autocomplete="off" data-testid="new-case-find"
                                prop:value=move || find.get() on:input=move |ev| search(event_target_value(&ev)) />
                            <ul class="suggestions" data-testid="new-case-suggestions">
                                {move || found.get().into_iter().map(|e| {
                                    let pick = e.clone();
                                    view! {
                                        <li>
                                            <button type="button" class="suggestion" data-testid="new-case-suggestion"
                                                on:click=move |_| choose(pick.clone())>
                                                <span dir="auto">{e.name.clone()}</span>
                                                " · ICE "<bdi dir="ltr">{e.ice.to_string()}</bdi>
                                                {e.city.map(|c| view! { " · "<span dir="auto">{c}</span> })}
                                            </button>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                            <p class="hint">{t("new-case-or-new")}</p>
                        </div>
                        <div class="fields">
                            <div class="field">
                                <label for="nc-ice">{t("new-case-ice")}</label>
                                <input id="nc-ice" dir="ltr" inputmode="numeric" maxlength="20" data-testid="new-case-ice"
                                    aria-describedby="nc-ice-check"
                                    prop:value=move || ice.get() on:input=move |ev| ice.set(event_target_value(&ev)) />
                                <small id="nc-ice-check" data-testid="new-case-ice-check"
                                    data-state=move || ice_hint(&ice.get()).map_or("empty", |(s, _)| s)
                                    class=move || format!("ice-check {}", ice_hint(&ice.get()).map_or("", |(s, _)| s))>
                                    {move || ice_hint(&ice.get()).map(|(_, m)| m)}
                                </small>
                            </div>
                            <div class="field">
                                <label for="nc-enterprise">{t("new-case-enterprise")}</label>
                                <input id="nc-enterprise" dir="auto" data-testid="new-case-enterprise"
                                    prop:value=move || enterprise.get() on:input=move |ev| enterprise.set(event_target_value(&ev)) />
                            </div>
                            <div class="field">
                                <label for="nc-region">{t("col-region")}</label>
                                <select id="nc-region" data-testid="new-case-region"
                                    prop:value=move || region.get() on:change=move |ev| region.set(event_target_value(&ev))>
                                    {Region::all().map(|r| {
                                        let code = r.code();
                                        let value = code.clone();
                                        view! {
                                            <option value=value selected=r.number() == 6>{move || format!("{} — {}", code, label("region", &code))}</option>
                                        }
                                    }).collect_view()}
                                </select>
                            </div>
                        </div>
                    }.into_any(),
                }}
            </fieldset>
            <div class="fields">
                <div class="field">
                    <label for="nc-category">{move || t("col-category")}</label>
                    <select id="nc-category" data-testid="new-case-category"
                        prop:value=move || category.get() on:change=move |ev| category.set(event_target_value(&ev))>
                        {CaseCategory::ALL.iter().map(|c| view! {
                            <option value=c.code()>{move || label("category", c.code())}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="nc-priority">{move || t("col-priority")}</label>
                    <select id="nc-priority" data-testid="new-case-priority"
                        prop:value=move || priority.get() on:change=move |ev| priority.set(event_target_value(&ev))>
                        {Priority::ALL.iter().map(|p| view! {
                            <option value=p.code() selected=*p == Priority::Normal>{move || label("priority", p.code())}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="nc-amount">{move || t("case-amount-mad")}</label>
                    <input id="nc-amount" dir="ltr" inputmode="decimal" data-testid="new-case-amount"
                        prop:value=move || amount.get() on:input=move |ev| amount.set(event_target_value(&ev)) />
                </div>
                <div class="field wide">
                    <label for="nc-title">{move || t("col-title")}</label>
                    <input id="nc-title" dir="auto" data-testid="new-case-title"
                        prop:value=move || title.get() on:input=move |ev| title.set(event_target_value(&ev)) />
                </div>
                <div class="field wide">
                    <label for="nc-description">{move || t("new-case-description")}</label>
                    <textarea id="nc-description" dir="auto" rows="3" data-testid="new-case-description"
                        prop:value=move || description.get() on:input=move |ev| description.set(event_target_value(&ev))></textarea>
                </div>
            </div>
            <p class="error" role="alert" data-testid="new-case-error">{move || error.get()}</p>
            <div class="actions">
                <button type="submit" class="primary" data-testid="new-case-submit" disabled=move || busy.get()>{move || t("save")}</button>
                <button type="button" data-testid="new-case-cancel" on:click=move |_| on_done.run(false)>{move || t("cancel")}</button>
            </div>
        </form>
    }
}
