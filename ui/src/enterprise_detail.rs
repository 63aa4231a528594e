//! One enterprise (route `/enterprises/:id`): its identity (ICE, CNSS number, RC, legal
//! form, sector, size, CGEM membership, city, region), its contacts and its cases; the record
//! is changed with [`crate::enterprise_edit`].

use corridor_model::desk::{EnterpriseForm, EnterpriseView};
use leptos::prelude::*;
use leptos::task::spawn_local_scoped as spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::api;
use crate::app::Desk;
use crate::cases::status_class;
use crate::enterprise_edit::EditEnterprise;
use crate::i18n::{error_text, label, t};

/// The enterprise screen.
#[component]
pub(crate) fn EnterprisePage() -> impl IntoView {
    let desk = expect_context::<Desk>();
    let params = use_params_map();
    let view_ = RwSignal::new(None::<EnterpriseView>);
    let error = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        desk.data.track();
        let id = params.with(|p| p.get("id").unwrap_or_default());
        spawn_local(async move {
            match api::enterprise_view(&id).await {
                Ok(v) => {
                    view_.set(Some(v));
                    error.set(None);
                }
                Err(e) => error.set(Some(error_text(&e))),
            }
        });
    });
    view! {
        <section class="enterprise-page" data-testid="enterprise-page">
            <A href="/enterprises" attr:class="back" attr:data-testid="enterprise-back">
                <span class="chevron" aria-hidden="true">"‹"</span>{move || t("enterprise-back")}
            </A>
            <p class="error" role="alert" data-testid="enterprise-error">{move || error.get()}</p>
            {move || view_.get().map(|v| view! { <EnterpriseBody view=v changed=Callback::new(move |()| desk.touch()) /> })}
        </section>
    }
}

/// A labelled fact, shown only when known.
fn fact(key: &'static str, value: Option<String>, ltr: bool) -> impl IntoView {
    value.filter(|v| !v.trim().is_empty()).map(|v| {
        view! {
            <div class="fact">
                <dt>{move || t(key)}</dt>
                <dd>{if ltr { view! { <bdi dir="ltr">{v}</bdi> }.into_any() } else { view! { <span dir="auto">{v}</span> }.into_any() }}</dd>
            </div>
        }
    })
}

#[component]
fn EnterpriseBody(view: EnterpriseView, changed: Callback<()>) -> impl IntoView {
    let e = view.enterprise;
    let form = EnterpriseForm::of(&e);
    let id = e.id.to_string();
    let d = e.details.clone();
    let region = e.region;
    let size = d.size;
    let member = d.cgem_member;
    view! {
        <article class="card enterprise-head" data-testid="enterprise-detail" data-enterprise-id=e.id.to_string()>
            <h1 dir="auto" data-testid="enterprise-title">{e.name.clone()}</h1>
            <dl class="facts-grid">
                {fact("enterprise-ice", Some(e.ice.to_string()), true)}
                {fact("enterprise-cnss", e.cnss.as_ref().map(|c| c.as_str().to_owned()), true)}
                {fact("enterprise-rc", d.rc.clone(), false)}
                {fact("enterprise-legal-form", d.legal_form.clone(), false)}
                {fact("enterprise-sector", d.sector.clone(), false)}
                {fact("enterprise-city", e.city.clone(), false)}
                <div class="fact">
                    <dt>{move || t("col-region")}</dt>
                    <dd>{move || label("region", &region.code())}</dd>
                </div>
                {size.map(|s| view! {
                    <div class="fact">
                        <dt>{move || t("enterprise-size")}</dt>
                        <dd>{move || label("size", s.code())}</dd>
                    </div>
                })}
                <div class="fact">
                    <dt>{move || t("enterprise-cgem-member")}</dt>
                    <dd data-testid="enterprise-member">{move || t(if member { "yes" } else { "no" })}</dd>
                </div>
            </dl>
        </article>
        <div class="case-columns">
            <section class="card" data-testid="enterprise-cases">
                <h2>{move || t("enterprise-cases")}" "<small>{view.cases.len()}</small></h2>
                {if view.cases.is_empty() {
                    view! { <p class="empty-small">{move || t("enterprise-no-cases")}</p> }.into_any()
                } else {
                    view! {
                        <ul class="case-links">
                            {view.cases.into_iter().map(|c| {
                                let status = c.status;
                                view! {
                                    <li data-testid="enterprise-case">
                                        <A href=format!("/cases/{}", c.id)>
                                            <bdi dir="ltr" class="ref">{c.reference.clone()}</bdi>" "
                                            <span dir="auto">{c.title.clone()}</span>
                                        </A>
                                        " "<span class=status_class(status)>{move || label("status", status.code())}</span>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </section>
            <section class="card" data-testid="enterprise-contacts">
                <h2>{move || t("enterprise-contacts")}</h2>
                {if d.contacts.is_empty() {
                    view! { <p class="empty-small">{move || t("enterprise-no-contacts")}</p> }.into_any()
                } else {
                    view! {
                        <ul class="contacts">
                            {d.contacts.into_iter().map(|c| view! {
                                <li data-testid="enterprise-contact">
                                    <strong dir="auto">{c.name.clone()}</strong>
                                    {c.role.clone().map(|r| view! { " · "<span dir="auto">{r}</span> })}
                                    {c.phone.clone().map(|p| view! { <br /><bdi dir="ltr">{p}</bdi> })}
                                    {c.email.map(|m| view! { <br /><bdi dir="ltr">{m}</bdi> })}
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </section>
        </div>
        <EditEnterprise id=id form=form changed=changed />
    }
}
