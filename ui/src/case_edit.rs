//! Changing a case from its screen: its fields (title, description, amount, priority,
//! category), the persons in charge, and the conflicts
//! between two edits of a field (both values side by side, one kept).

use corridor_model::desk::CaseEditForm;
use corridor_model::sync::{Conflict, ConflictChoice};
use corridor_model::timeline::Institution;
use corridor_model::{Case, CaseCategory, Priority};
use leptos::prelude::*;
use leptos::task::spawn_local_scoped as spawn_local;

use crate::api;
use crate::i18n::{current, error_text, label, t, t_args};

/// Edits the title, description, amount and priority; only the fields changed are sent.
#[component]
pub(crate) fn EditCase(
    key: String,
    #[prop(into)] case: StoredValue<Case>,
    changed: Callback<()>,
) -> impl IntoView {
    let case = case.get_value();
    let open = RwSignal::new(false);
    let amount_text = |c: Option<i64>| {
        c.map(|c| crate::i18n::mad_plain(c, current()))
            .unwrap_or_default()
    };
    let original = StoredValue::new((
        case.title.clone(),
        case.description.clone(),
        amount_text(case.amount_centimes),
        case.priority,
        case.category,
    ));
    let title = RwSignal::new(case.title.clone());
    let description = RwSignal::new(case.description.clone());
    let amount = RwSignal::new(amount_text(case.amount_centimes));
    let priority = RwSignal::new(case.priority.code().to_owned());
    let category = RwSignal::new(case.category.code().to_owned());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let key = StoredValue::new(key);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (t0, d0, a0, p0, c0) = original.get_value();
        let changed_or_none = |now: String, before: &str| (now != before).then_some(now);
        let form = CaseEditForm {
            title: changed_or_none(title.get_untracked(), &t0),
            description: changed_or_none(description.get_untracked(), &d0),
            amount: changed_or_none(amount.get_untracked(), &a0),
            priority: changed_or_none(priority.get_untracked(), p0.code()),
            category: changed_or_none(category.get_untracked(), c0.code()),
        };
        if form == CaseEditForm::default() {
            open.set(false);
            return;
        }
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match api::edit_case(key.get_value(), form).await {
                Ok(()) => {
                    open.set(false);
                    changed.run(());
                }
                Err(e) => error.set(Some(error_text(&e))),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="card edit">
            <Show when=move || open.get() fallback=move || view! {
                <button data-testid="case-edit" on:click=move |_| open.set(true)>{move || t("case-edit")}</button>
            }>
                <form class="edit-form" on:submit=submit aria-busy=move || busy.get().to_string()>
                    <h2>{move || t("case-edit")}</h2>
                    <label for="edit-title">{move || t("col-title")}</label>
                    <input id="edit-title" dir="auto" data-testid="edit-title" prop:value=move || title.get()
                        on:input=move |ev| title.set(event_target_value(&ev)) />
                    <label for="edit-description">{move || t("case-description")}</label>
                    <textarea id="edit-description" dir="auto" rows="3" data-testid="edit-description" prop:value=move || description.get()
                        on:input=move |ev| description.set(event_target_value(&ev))></textarea>
                    <label for="edit-amount">{move || t("case-amount-mad")}</label>
                    <input id="edit-amount" dir="ltr" inputmode="decimal" data-testid="edit-amount" prop:value=move || amount.get()
                        on:input=move |ev| amount.set(event_target_value(&ev)) />
                    <label for="edit-priority">{move || t("col-priority")}</label>
                    <select id="edit-priority" data-testid="edit-priority" prop:value=move || priority.get()
                        on:change=move |ev| priority.set(event_target_value(&ev))>
                        {Priority::ALL.iter().map(|p| view! { <option value=p.code()>{move || label("priority", p.code())}</option> }).collect_view()}
                    </select>
                    <label for="edit-category">{move || t("col-category")}</label>
                    <select id="edit-category" data-testid="edit-category" prop:value=move || category.get()
                        on:change=move |ev| category.set(event_target_value(&ev))>
                        {CaseCategory::ALL.iter().map(|c| view! { <option value=c.code()>{move || label("category", c.code())}</option> }).collect_view()}
                    </select>
                    <div class="actions">
                        <button type="submit" class="primary" data-testid="edit-submit" disabled=move || busy.get()>{move || t("save")}</button>
                        <button type="button" on:click=move |_| open.set(false)>{move || t("cancel")}</button>
                    </div>
                    <p class="error" role="alert" data-testid="edit-error">{move || error.get()}</p>
                </form>
            </Show>
        </section>
    }
}

/// Sets the person in charge on one side.
#[component]
pub(crate) fn Assign(key: String, changed: Callback<()>) -> impl IntoView {
    let side = RwSignal::new("cgem".to_owned());
    let who = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let key = StoredValue::new(key);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let institution = if side.get_untracked() == "cnss" {
            Institution::Cnss
        } else {
            Institution::Cgem
        };
        spawn_local(async move {
            match api::assign(key.get_value(), institution, who.get_untracked()).await {
                Ok(()) => {
                    who.set(String::new());
                    changed.run(());
                }
                Err(e) => error.set(Some(error_text(&e))),
            }
        });
    };
    view! {
        <form class="card assign" on:submit=submit>
            <h2>{move || t("case-assign")}</h2>
            <label for="assign-side">{move || t("col-assignees")}</label>
            <select id="assign-side" data-testid="assign-side" prop:value=move || side.get() on:change=move |ev| side.set(event_target_value(&ev))>
                <option value="cgem">{move || label("institution", "cgem")}</option>
                <option value="cnss">{move || label("institution", "cnss")}</option>
            </select>
            <label for="assign-who">{move || t("case-assign-hint")}</label>
            <input id="assign-who" dir="ltr" data-testid="assign-who" prop:value=move || who.get() on:input=move |ev| who.set(event_target_value(&ev)) />
            <div class="actions">
                <button type="submit" data-testid="assign-submit">{move || t("case-assign")}</button>
            </div>
            <p class="error" role="alert">{move || error.get()}</p>
        </form>
    }
}

/// Conflicts of the case: both values side by side and a choice.
#[component]
pub(crate) fn Conflicts(conflicts: Vec<Conflict>, changed: Callback<()>) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let choose = move |id: String, choice: ConflictChoice| {
        spawn_local(async move {
            match api::resolve_conflict(id, choice).await {
                Ok(()) => changed.run(()),
                Err(e) => error.set(Some(error_text(&e))),
            }
        });
    };
    // Values as the user reads them: coded fields by their label, amounts in MAD.
    let show = |field: &str, v: &serde_json::Value| match (field, v) {
        (_, serde_json::Value::Null) => "—".to_owned(),
        ("priority" | "category", serde_json::Value::String(code)) => label(field, code),
        ("amount_centimes", serde_json::Value::Number(n)) => n
            .as_i64()
            .map_or_else(|| n.to_string(), |c| crate::i18n::mad(c, current())),
        (_, serde_json::Value::String(s)) => s.clone(),
        (_, other) => other.to_string(),
    };
    view! {
        <section class="card conflicts" data-testid="conflicts">
            <h2>{move || t("conflicts-title")}</h2>
            {conflicts.into_iter().map(|c| {
                let id = c.id.to_string();
                let id2 = id.clone();
                let id_attr = id.clone();
                let field = c.field.clone();
                let author = c.author.clone();
                view! {
                    <div class="conflict-item" data-testid="conflict-item" data-conflict-id=id_attr>
                        <p class="conflict-field">{move || t_args("conflict-field", &[("field", crate::i18n::field_name(&field))])}</p>
                        <div class="conflict-values">
                            <div class="value current">
                                <span class="label">{move || t("conflict-current")}</span>
                                <p dir="auto" data-testid="conflict-current">{let (f, v) = (c.field.clone(), c.current.clone()); move || show(&f, &v)}</p>
                                <button data-testid="conflict-keep-current" on:click=move |_| choose(id.clone(), ConflictChoice::Current)>{move || t("conflict-keep-current")}</button>
                            </div>
                            <div class="value proposed">
                                <span class="label">{move || t_args("conflict-proposed", &[("author", author.clone())])}</span>
                                <p dir="auto" data-testid="conflict-proposed">{let (f, v) = (c.field.clone(), c.proposed); move || show(&f, &v)}</p>
                                <button data-testid="conflict-keep-proposed" on:click=move |_| choose(id2.clone(), ConflictChoice::Proposed)>{move || t("conflict-keep-proposed")}</button>
                            </div>
                        </div>
                    </div>
                }
            }).collect_view()}
            <p class="error" role="alert">{move || error.get()}</p>
        </section>
    }
}
