//! The case list (filters as selects, sorting, pages of [`PAGE`] rows, keyboard navigation)
//! and the "new case" form.

use corridor_model::api::CaseRow;
use corridor_model::desk::CaseQuery;
use corridor_model::{CaseCategory, CaseStatus, Priority, Region};
use leptos::prelude::*;
use leptos::task::spawn_local_scoped as spawn_local;
use leptos_router::hooks::use_navigate;

use crate::api;
use crate::app::Desk;
use crate::i18n::{casablanca_str, error_text, label, t};
use crate::new_case::NewCase;

/// Rows per page (a screen holds about fifteen; fifty keep a page change rare and the
/// painting of a page short at any number of cases).
const PAGE: u32 = 50;

/// Badge class of a status (colour plus a symbol, never colour alone).
pub(crate) fn status_class(s: CaseStatus) -> &'static str {
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

fn some(v: String) -> Option<String> {
    Some(v).filter(|v| !v.is_empty())
}

/// The cases of the local store, with the form to open a new one.
#[component]
pub(crate) fn CasesPage() -> impl IntoView {
    let desk = expect_context::<Desk>();
    let cases = RwSignal::new(Vec::<CaseRow>::new());
    let loading = RwSignal::new(true);
    let error = RwSignal::new(None::<String>);
    let show_form = RwSignal::new(false);
    let status = RwSignal::new(String::new());
    let region = RwSignal::new(String::new());
    let category = RwSignal::new(String::new());
    let priority = RwSignal::new(String::new());
    let sla = RwSignal::new(String::new());
    let assignee = RwSignal::new(String::new());
    let tag = RwSignal::new(String::new());
    let sort = RwSignal::new("newest".to_owned());
    let page = RwSignal::new(0u32);
    let selected = RwSignal::new(0usize);
    let any_filter = move || {
        !(status.get().is_empty()
            && region.get().is_empty()
            && category.get().is_empty()
            && priority.get().is_empty()
            && sla.get().is_empty()
            && assignee.get().trim().is_empty()
            && tag.get().trim().is_empty())
    };

    // What the filters ask, without the page (the export takes every page).
    let filters = move || CaseQuery {
        status: some(status.get()),
        region: some(region.get()),
        category: some(category.get()),
        priority: some(priority.get()),
        sla: some(sla.get()),
        assignee: some(assignee.get().trim().to_owned()),
        tag: some(tag.get().trim().to_owned()),
        sort: some(sort.get()),
        limit: None,
        offset: 0,
    };
    let export_status = RwSignal::new(None::<String>);
    let export = move |format: &'static str| {
        let query = filters();
        export_status.set(None);
        spawn_local(async move {
            match api::export_cases(query, format, t("export-title")).await {
                Ok(Some(path)) => {
                    export_status.set(Some(crate::i18n::t_args("export-done", &[("path", path)])));
                }
                Ok(None) => {}
                Err(e) => error.set(Some(error_text(&e))),
            }
        });
    };

    Effect::new(move |_| {
        desk.data.track();
        let query = CaseQuery {
            limit: Some(PAGE + 1),
            offset: page.get() * PAGE,
            ..filters()
        };
        loading.set(true);
        spawn_local(async move {
            match api::list_cases(query).await {
                Ok(list) => {
                    cases.set(list);
                    error.set(None);
                }
                Err(e) => error.set(Some(error_text(&e))),
            }
            selected.set(0);
            loading.set(false);
        });
    });
    let shown_len = move || cases.with(|c| c.len().min(PAGE as usize));
    // Rows keyed by position, case, status and language: a row is drawn once with plain
    // texts (no reactive cell), and drawn again when any of those changes.
    let numbered = move || {
        let lang = crate::i18n::current();
        cases.with(|c| {
            c.iter()
                .take(PAGE as usize)
                .cloned()
                .enumerate()
                .map(|(i, row)| (i, row, lang))
                .collect::<Vec<(usize, CaseRow, &'static str)>>()
        })
    };
    let more = move || cases.with(|c| c.len() > PAGE as usize);
    let id_at = move |i: usize| cases.with(|c| c.get(i).map(|r| r.id.clone()));

    // Keyboard: ↑/↓ or k/j move the selection, Enter opens (not while typing in a field).
    let navigate = use_navigate();
    let on_key = move |e: leptos::ev::KeyboardEvent| {
        let n = shown_len();
        if n == 0 {
            return;
        }
        match e.key().as_str() {
            "ArrowDown" | "j" => {
                e.prevent_default();
                selected.update(|s| *s = (*s + 1).min(n - 1));
            }
            "ArrowUp" | "k" => {
                e.prevent_default();
                selected.update(|s| *s = s.saturating_sub(1));
            }
            "Enter" => {
                if let Some(id) = id_at(selected.get_untracked()) {
                    navigate(&format!("/cases/{id}"), Default::default());
                }
            }
            _ => {}
        }
    };

    let navigate_row = use_navigate();
    let open_clicked = move |e: leptos::ev::MouseEvent| {
        use wasm_bindgen::JsCast;
        let row = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|el| el.closest("tr[data-case-id]").ok().flatten());
        if let Some(id) = row.and_then(|r| r.get_attribute("data-case-id")) {
            navigate_row(&format!("/cases/{id}"), Default::default());
        }
    };

    let filter_select = move |id: &'static str,
                              key: &'static str,
                              sig: RwSignal<String>,
                              options: Vec<(String, String)>| {
        view! {
            <div class="filter">
                <label for=id>{move || crate::i18n::try_t(key).unwrap_or_default()}</label>
                <select id=id data-testid=id prop:value=move || sig.get()
                    on:change=move |ev| { sig.set(event_target_value(&ev)); page.set(0); }>
                    <option value="">{move || t("filter-all")}</option>
                    {options.into_iter().map(|(v, l)| view! { <option value=v>{l}</option> }).collect_view()}
                </select>
            </div>
        }
    };
    let statuses: Vec<(String, String)> = CaseStatus::ALL
        .iter()
        .map(|s| (s.code().to_owned(), label("status", s.code())))
        .collect();
    let regions: Vec<(String, String)> = Region::all()
        .map(|r| {
            (
                r.code(),
                format!("{} — {}", r.code(), label("region", &r.code())),
            )
        })
        .collect();
    let categories: Vec<(String, String)> = CaseCategory::ALL
        .iter()
        .map(|c| (c.code().to_owned(), label("category", c.code())))
        .collect();
    let priorities: Vec<(String, String)> = Priority::ALL
        .iter()
        .map(|p| (p.code().to_owned(), label("priority", p.code())))
        .collect();
    let bands: Vec<(String, String)> = ["breached", "near", "ok"]
        .iter()
        .map(|b| ((*b).to_owned(), label("sla-band", b)))
        .collect();

    view! {
        <section class="cases" data-testid="cases-page" aria-busy=move || loading.get().to_string()>
            <div class="page-head">
                <h1>{move || t("cases-title")}</h1>
                <span class="count" data-testid="case-count">
                    {move || crate::i18n::t_count("cases-count", shown_len())}
                </span>
                <span class="spacer"></span>
                <button data-testid="export-csv" on:click=move |_| export("csv")>{move || t("export-csv")}</button>
                <button data-testid="export-xlsx" on:click=move |_| export("xlsx")>{move || t("export-xlsx")}</button>
                <button class="primary" data-testid="new-case-button" on:click=move |_| show_form.set(true)>
                    {move || t("cases-new")}
                </button>
            </div>
            <p class="status" role="status" data-testid="export-status">{move || export_status.get()}</p>
            <div class="filters" role="group" aria-label=move || t("sort")>
                {filter_select("filter-status", "filter-status", status, statuses)}
                {filter_select("filter-region", "filter-region", region, regions)}
                {filter_select("filter-category", "filter-category", category, categories)}
                {filter_select("filter-priority", "filter-priority", priority, priorities)}
                {filter_select("filter-sla", "filter-sla", sla, bands)}
                <div class="filter">
                    <label for="filter-assignee">{move || t("filter-assignee")}</label>
                    <input id="filter-assignee" dir="ltr" data-testid="filter-assignee" prop:value=move || assignee.get()
                        on:change=move |ev| { assignee.set(event_target_value(&ev)); page.set(0); } />
                </div>
                <div class="filter">
                    <label for="filter-tag">{move || t("filter-tag")}</label>
                    <input id="filter-tag" dir="auto" data-testid="filter-tag" prop:value=move || tag.get()
                        on:change=move |ev| { tag.set(event_target_value(&ev)); page.set(0); } />
                </div>
                <div class="filter">
                    <label for="case-sort">{move || t("sort")}</label>
                    <select id="case-sort" data-testid="case-sort" prop:value=move || sort.get()
                        on:change=move |ev| sort.set(event_target_value(&ev))>
                        <option value="newest">{move || t("sort-newest")}</option>
                        <option value="oldest">{move || t("sort-oldest")}</option>
                        <option value="priority">{move || t("sort-priority")}</option>
                        <option value="reference">{move || t("sort-reference")}</option>
                        <option value="title">{move || t("sort-title")}</option>
                    </select>
                </div>
                <Show when=any_filter>
                    <button class="link" data-testid="filter-clear" on:click=move |_| {
                        for s in [status, region, category, priority, sla, assignee, tag] { s.set(String::new()); }
                        page.set(0);
                    }>{move || t("filter-clear")}</button>
                </Show>
            </div>
            <p class="error" role="alert">{move || error.get()}</p>
            <Show when=move || show_form.get()>
                <NewCase
                    on_done=Callback::new(move |created: bool| {
                        show_form.set(false);
                        if created {
                            desk.touch();
                            desk.refresh_sync();
                        }
                    })
                />
            </Show>
            <Show
                when=move || { shown_len() > 0 }
                fallback=move || view! {
                    <p class="empty" data-testid="cases-empty">
                        {move || if loading.get() { t("loading") } else if any_filter() { t("cases-none-match") } else { t("cases-empty") }}
                    </p>
                }
            >
                <p class="hint keyboard-hint">{move || t("keyboard-hint")}</p>
                <table class="grid" data-testid="case-table" tabindex="0" on:keydown=on_key.clone()>
                    <thead>
                        <tr>
                            <SortHeader column="col-reference" orders={&[("reference", "ascending")]} sort=sort />
                            <SortHeader column="col-title" orders={&[("title", "ascending")]} sort=sort />
                            <th scope="col">{move || t("col-enterprise")}</th>
                            <th scope="col">{move || t("col-category")}</th>
                            <th scope="col">{move || t("col-status")}</th>
                            <SortHeader column="col-priority" orders={&[("priority", "descending")]} sort=sort />
                            <th scope="col">{move || t("col-region")}</th>
                            <SortHeader column="col-opened" orders={&[("newest", "descending"), ("oldest", "ascending")]} sort=sort />
                        </tr>
                    </thead>
                    // One click handler for every row: the row's case id says which to open.
                    <tbody on:click=open_clicked.clone()>
                        <For each=numbered key=|(i, c, lang)| (*i, c.id.clone(), c.status, *lang) let:row>
                            <CaseLine index=row.0 case=row.1 selected=selected />
                        </For>
                    </tbody>
                </table>
                <div class="pager">
                    <button data-testid="page-prev" aria-label=move || t("page-prev") disabled=move || page.get() == 0 on:click=move |_| page.update(|p| *p = p.saturating_sub(1))><span class="chevron" aria-hidden="true">"‹"</span></button>
                    <span>{move || (page.get() + 1).to_string()}</span>
                    <button data-testid="page-next" aria-label=move || t("page-next") disabled=move || !more() on:click=move |_| page.update(|p| *p += 1)><span class="chevron" aria-hidden="true">"›"</span></button>
                </div>
            </Show>
        </section>
    }
}

/// A column header that sorts the table by the store's orders for it: a click takes the first,
/// the next click the next one (newest / oldest). `aria-sort` says which is in force.
#[component]
fn SortHeader(
    column: &'static str,
    orders: &'static [(&'static str, &'static str)],
    sort: RwSignal<String>,
) -> impl IntoView {
    let current = move || orders.iter().position(|(code, _)| *code == sort.get());
    let aria = move || current().map_or("none", |i| orders[i].1);
    // A faint ↕ on the sortable headers not in force, so that they read as sortable.
    let arrow = move || match aria() {
        "ascending" => "▲",
        "descending" => "▼",
        _ => "↕",
    };
    let click = move |_| {
        let next = current().map_or(0, |i| (i + 1) % orders.len());
        sort.set(orders[next].0.to_owned());
    };
    view! {
        <th scope="col" aria-sort=aria>
            <button class="th-sort" data-testid=format!("sort-{column}") data-sort-state=aria title=move || t("sort") on:click=click>
                {move || t(column)}<span class="sort-arrow" class:idle=move || aria() == "none" aria-hidden="true">{arrow}</span>
            </button>
        </th>
    }
}

/// One row of the case table, drawn with plain texts in the current language (the table
/// draws it again when the language changes); a click (or Enter when selected) opens the case.
#[component]
fn CaseLine(index: usize, case: CaseRow, selected: RwSignal<usize>) -> impl IntoView {
    let c = case;
    let status = c.status;
    let prio = c.priority;
    let region = c.region.code();
    let region_name = label("region", &region);
    view! {
        <tr data-testid="case-row" data-case-id=c.id
            class:selected=move || selected.get() == index
            aria-selected=move || (selected.get() == index).to_string()>
            <td><bdi dir="ltr" class="ref" data-testid="case-ref">{c.reference}</bdi></td>
            <td data-testid="case-title" dir="auto">{c.title}</td>
            <td dir="auto">{c.enterprise_name}</td>
            <td>{label("category", c.category.code())}</td>
            <td><span class=status_class(status) data-status=status.code()>{label("status", status.code())}</span></td>
            <td><span class=format!("prio {}", prio.code())>{label("priority", prio.code())}</span></td>
            <td title=region_name><bdi dir="ltr">{region}</bdi></td>
            <td><bdi dir="ltr" class="nowrap">{casablanca_str(&c.opened_at)}</bdi></td>
        </tr>
    }
}
