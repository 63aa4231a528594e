//! Importing enterprises from a CSV file: the file picked, every line shown with its verdict
//! (the store tries each one against the rules and keeps nothing), then — only when no line
//! is refused — all of them recorded in one transaction.

use corridor_model::desk::ImportPreview;
use leptos::prelude::*;
use leptos::task::spawn_local_scoped as spawn_local;

use crate::api;
use crate::i18n::{error_text, t, t_args, t_count};

/// The import panel of the enterprises screen. `done` runs after an import.
#[component]
pub(crate) fn ImportEnterprises(done: Callback<()>) -> impl IntoView {
    let csv = StoredValue::new(String::new());
    let file_name = RwSignal::new(String::new());
    let preview = RwSignal::new(None::<ImportPreview>);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let status = RwSignal::new(None::<String>);
    let pick = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(file) = input.files().and_then(|l| l.get(0)) else {
            return;
        };
        input.set_value("");
        busy.set(true);
        error.set(None);
        status.set(None);
        preview.set(None);
        spawn_local(async move {
            file_name.set(file.name());
            let result = match api::file_text(&file).await {
                Ok(text) => {
                    csv.set_value(text.clone());
                    api::preview_import(text).await
                }
                Err(e) => Err(e),
            };
            match result {
                Ok(p) => preview.set(Some(p)),
                Err(e) => error.set(Some(error_text(&e))),
            }
            busy.set(false);
        });
    };
    let confirm = move |_| {
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match api::import_enterprises(csv.get_value()).await {
                Ok(n) => {
                    preview.set(None);
                    status.set(Some(t_count("import-done", n)));
                    done.run(());
                }
                Err(e) => error.set(Some(error_text(&e))),
            }
            busy.set(false);
        });
    };
    let errors = move || preview.with(|p| p.as_ref().map_or(0, |p| p.errors));
    view! {
        <section class="card import" data-testid="enterprise-import" aria-busy=move || busy.get().to_string()>
            <h2>{move || t("import-title")}</h2>
            <p class="hint">{move || t("import-hint")}</p>
            <input id="import-file" type="file" accept=".csv,text/csv" class="visually-hidden"
                data-testid="import-file" on:change=pick />
            <label for="import-file" class="file-button" data-testid="import-pick">{move || t("import-pick")}</label>
            {move || preview.get().map(|p| {
                let total = p.lines.len();
                view! {
                    <p data-testid="import-summary" data-errors=p.errors.to_string()>
                        {move || t_args("import-summary", &[("file", file_name.get()), ("lines", total.to_string()), ("errors", errors().to_string())])}
                    </p>
                    <table class="grid import-lines">
                        <thead>
                            <tr>
                                <th scope="col">{move || t("import-line")}</th>
                                <th scope="col">{move || t("enterprise-name")}</th>
                                <th scope="col">"ICE"</th>
                                <th scope="col">{move || t("col-region")}</th>
                                <th scope="col">{move || t("import-verdict")}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {p.lines.into_iter().map(|l| {
                                let ok = l.error.is_none();
                                view! {
                                    <tr data-testid="import-row" data-ok=ok.to_string() class:refused=!ok>
                                        <td>{l.line}</td>
                                        <td dir="auto">{l.name}</td>
                                        <td><bdi dir="ltr">{l.ice}</bdi></td>
                                        <td><bdi dir="ltr">{l.region}</bdi></td>
                                        <td dir="auto" data-testid="import-verdict">{match l.error {
                                            Some(e) => error_text(&e),
                                            None => t("import-ok"),
                                        }}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                    <div class="actions">
                        <button type="button" class="primary" data-testid="import-confirm"
                            disabled={move || busy.get() || errors() > 0 || total == 0}
                            on:click=confirm>{move || t_count("import-confirm", total)}</button>
                        <button type="button" data-testid="import-cancel" on:click=move |_| preview.set(None)>{move || t("cancel")}</button>
                    </div>
                }
            })}
            <p class="status" role="status" data-testid="import-status">{move || status.get()}</p>
            <p class="error" role="alert" data-testid="import-error">{move || error.get()}</p>
        </section>
    }
}
