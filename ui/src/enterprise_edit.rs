//! Changing an enterprise's record from its screen: name, CNSS number, city, trade register,
//! legal form, sector, size, CGEM membership and contacts. The model validates the form, the
//! engine decides who may, and the server refuses a change made over a newer version (it is
//! then listed on the home screen with the server's reason).

use corridor_model::desk::{ContactForm, EnterpriseForm};
use corridor_model::SizeClass;
use leptos::prelude::*;
use leptos::task::spawn_local_scoped as spawn_local;

use crate::api;
use crate::i18n::{error_text, label, t};

fn text_field(
    id: &'static str,
    key: &'static str,
    value: RwSignal<EnterpriseForm>,
    get: fn(&EnterpriseForm) -> String,
    set: fn(&mut EnterpriseForm, String),
    ltr: bool,
) -> impl IntoView {
    view! {
        <label for=id>{move || t(key)}</label>
        <input id=id data-testid=id dir=if ltr { "ltr" } else { "auto" }
            prop:value=move || value.with(get)
            on:input=move |ev| value.update(|f| set(f, event_target_value(&ev))) />
    }
}

/// The edit form of an enterprise (closed: a button). `changed` runs after a save.
#[component]
pub(crate) fn EditEnterprise(
    id: String,
    form: EnterpriseForm,
    changed: Callback<()>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let value = RwSignal::new(form);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let id = StoredValue::new(id);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        error.set(None);
        let form = value.get_untracked();
        spawn_local(async move {
            match api::update_enterprise(id.get_value(), form).await {
                Ok(()) => {
                    open.set(false);
                    changed.run(());
                }
                Err(e) => error.set(Some(error_text(&e))),
            }
            busy.set(false);
        });
    };
    // Only adding or removing a contact redraws the list (typing keeps the focus).
    let count = Memo::new(move |_| value.with(|f| f.contacts.len()));
    let contact = move |i: usize, part: &'static str| {
        let get = move |f: &EnterpriseForm| {
            f.contacts.get(i).map_or_else(String::new, |c| match part {
                "name" => c.name.clone(),
                "role" => c.role.clone(),
                "phone" => c.phone.clone(),
                _ => c.email.clone(),
            })
        };
        let id = format!("contact-{part}-{i}");
        view! {
            <label for=id.clone()>{move || t(match part {
                "name" => "contact-name",
                "role" => "contact-role",
                "phone" => "contact-phone",
                _ => "contact-email",
            })}</label>
            <input id=id data-testid=format!("contact-{part}") dir=if part == "name" || part == "role" { "auto" } else { "ltr" }
                prop:value=move || value.with(get)
                on:input=move |ev| {
                    let v = event_target_value(&ev);
                    value.update(|f| {
                        if let Some(c) = f.contacts.get_mut(i) {
                            match part {
                                "name" => c.name = v,
                                "role" => c.role = v,
                                "phone" => c.phone = v,
                                _ => c.email = v,
                            }
                        }
                    });
                } />
        }
    };
    view! {
        <section class="card edit" data-testid="enterprise-edit-card">
            <Show when=move || open.get() fallback=move || view! {
                <button data-testid="enterprise-edit" on:click=move |_| open.set(true)>{move || t("enterprise-edit")}</button>
            }>
                <form class="edit-form" on:submit=submit aria-busy=move || busy.get().to_string()>
                    <h2>{move || t("enterprise-edit")}</h2>
                    {text_field("ent-name", "enterprise-name", value, |f| f.name.clone(), |f, v| f.name = v, false)}
                    {text_field("ent-cnss", "enterprise-cnss", value, |f| f.cnss.clone(), |f, v| f.cnss = v, true)}
                    {text_field("ent-city", "enterprise-city", value, |f| f.city.clone(), |f, v| f.city = v, false)}
                    {text_field("ent-rc", "enterprise-rc", value, |f| f.rc.clone(), |f, v| f.rc = v, false)}
                    {text_field("ent-legal-form", "enterprise-legal-form", value, |f| f.legal_form.clone(), |f, v| f.legal_form = v, false)}
                    {text_field("ent-sector", "enterprise-sector", value, |f| f.sector.clone(), |f, v| f.sector = v, false)}
                    <label for="ent-size">{move || t("enterprise-size")}</label>
                    <select id="ent-size" data-testid="ent-size" prop:value=move || value.with(|f| f.size.clone())
                        on:change=move |ev| value.update(|f| f.size = event_target_value(&ev))>
                        <option value="">"—"</option>
                        {[SizeClass::Tpe, SizeClass::Pme, SizeClass::Ge].into_iter().map(|s| view! {
                            <option value=s.code()>{move || label("size", s.code())}</option>
                        }).collect_view()}
                    </select>
                    <label class="check">
                        <input type="checkbox" data-testid="ent-member" prop:checked=move || value.with(|f| f.cgem_member)
                            on:change=move |ev| value.update(|f| f.cgem_member = event_target_checked(&ev)) />
                        {move || t("enterprise-cgem-member")}
                    </label>
                    <h3>{move || t("enterprise-contacts")}</h3>
                    {move || (0..count.get()).map(|i| view! {
                        <fieldset class="contact-form" data-testid="contact-form">
                            <legend>{move || t("contact-legend")}" "{i + 1}</legend>
                            {contact(i, "name")}
                            {contact(i, "role")}
                            {contact(i, "phone")}
                            {contact(i, "email")}
                            <button type="button" class="small" data-testid="contact-remove"
                                on:click=move |_| value.update(|f| { if i < f.contacts.len() { f.contacts.remove(i); } })>
                                {move || t("contact-remove")}
                            </button>
                        </fieldset>
                    }).collect_view()}
                    <button type="button" data-testid="contact-add"
                        on:click=move |_| value.update(|f| f.contacts.push(ContactForm::default()))>{move || t("contact-add")}</button>
                    <div class="actions">
                        <button type="submit" class="primary" data-testid="enterprise-save" disabled=move || busy.get()>{move || t("save")}</button>
                        <button type="button" on:click=move |_| open.set(false)>{move || t("cancel")}</button>
                    </div>
                    <p class="error" role="alert" data-testid="enterprise-edit-error">{move || error.get()}</p>
                </form>
            </Show>
        </section>
    }
}
