//! A case's documents and relations: attachments (added by picking or dropping files, opened
//! with the system's viewer, saved as a copy), tags, and links to other cases (parent,
//! children, related). Every change is one command; the engine decides what is accepted.

use corridor_model::desk::{Attachment, CaseLink};
use leptos::prelude::*;
use leptos::task::spawn_local_scoped as spawn_local;
use leptos_router::components::A;

use crate::api;
use crate::i18n::{error_text, t, t_args};

fn files_of(list: Option<web_sys::FileList>) -> Vec<web_sys::File> {
    list.map(|l| (0..l.length()).filter_map(|i| l.get(i)).collect())
        .unwrap_or_default()
}

/// Size in kilobytes, as the locale writes it.
fn kb(size: u64) -> String {
    t_args("size-kb", &[("kb", size.div_ceil(1024).to_string())])
}

/// The attachments of a case, and (when the user may edit it) a picker and a drop zone.
#[component]
pub(crate) fn Attachments(
    key: String,
    attachments: Vec<Attachment>,
    editable: bool,
    changed: Callback<()>,
) -> impl IntoView {
    let key = StoredValue::new(key);
    let busy = RwSignal::new(false);
    let status = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let over = RwSignal::new(false);
    let count = attachments.len();
    let add = move |files: Vec<web_sys::File>| {
        if files.is_empty() {
            return;
        }
        busy.set(true);
        error.set(None);
        status.set(None);
        spawn_local(async move {
            let mut added = 0;
            for file in files {
                match api::attach_file(&key.get_value(), &file).await {
                    Ok(_) => added += 1,
                    Err(e) => {
                        error.set(Some(format!("{} — {}", file.name(), error_text(&e))));
                        break;
                    }
                }
            }
            busy.set(false);
            if added > 0 {
                changed.run(());
            }
        });
    };
    let open = move |hash: String| {
        error.set(None);
        spawn_local(async move {
            match api::open_attachment(key.get_value(), hash).await {
                Ok(_) => status.set(Some(t("attachment-opened"))),
                Err(e) => error.set(Some(error_text(&e))),
            }
        });
    };
    let save = move |hash: String| {
        error.set(None);
        spawn_local(async move {
            match api::save_attachment(key.get_value(), hash, t("attachment-save-title")).await {
                Ok(Some(path)) => status.set(Some(t_args("attachment-saved", &[("path", path)]))),
                Ok(None) => {}
                Err(e) => error.set(Some(error_text(&e))),
            }
        });
    };
    view! {
        <section class="card" data-testid="attachments" aria-busy=move || busy.get().to_string()>
            <h2>{move || t("case-attachments")}" "<small>{count}</small></h2>
            {if attachments.is_empty() {
                view! { <p class="empty-small">{move || t("case-no-attachments")}</p> }.into_any()
            } else {
                view! {
                    <ul class="attachments">
                        {attachments.into_iter().map(|a| {
                            let (h_open, h_save) = (a.hash.clone(), a.hash.clone());
                            let name = a.name.clone();
                            view! {
                                <li data-testid="attachment" data-hash=a.hash>
                                    <span dir="auto" class="attachment-name" data-testid="attachment-name">{a.name.clone()}</span>
                                    " "<small>{move || kb(a.size)}</small>
                                    <span class="attachment-actions">
                                        <button type="button" class="small" data-testid="attachment-open"
                                            aria-label=move || t_args("attachment-open-named", &[("name", name.clone())])
                                            on:click=move |_| open(h_open.clone())>{move || t("attachment-open")}</button>
                                        <button type="button" class="small" data-testid="attachment-save"
                                            on:click=move |_| save(h_save.clone())>{move || t("attachment-save")}</button>
                                    </span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <Show when=move || editable>
                <div class="dropzone" class:over=move || over.get() data-testid="attachment-drop"
                    on:dragover=move |ev: leptos::ev::DragEvent| { ev.prevent_default(); over.set(true); }
                    on:dragleave=move |_| over.set(false)
                    on:drop=move |ev: leptos::ev::DragEvent| {
                        ev.prevent_default();
                        over.set(false);
                        add(files_of(ev.data_transfer().and_then(|d| d.files())));
                    }>
                    <input id="attachment-input" type="file" multiple class="visually-hidden" data-testid="attachment-input"
                        disabled=move || busy.get()
                        on:change=move |ev| {
                            let input: web_sys::HtmlInputElement = event_target(&ev);
                            add(files_of(input.files()));
                            input.set_value("");
                        } />
                    // The label is the visible button: the native control's own words are the
                    // system's, not the user's language.
                    <label for="attachment-input" class="file-button" data-testid="attachment-add">{move || t("attachment-add")}</label>
                    <small>{move || t("attachment-drop")}</small>
                </div>
            </Show>
            <p class="status" role="status" data-testid="attachment-status">
                {move || busy.get().then(|| t("attachment-adding")).or_else(|| status.get())}
            </p>
            <p class="error" role="alert" data-testid="attachment-error">{move || error.get()}</p>
        </section>
    }
}

/// The tags of a case; with the right to edit, one to add and a remove button on each.
#[component]
pub(crate) fn Tags(
    key: String,
    tags: Vec<String>,
    editable: bool,
    changed: Callback<()>,
) -> impl IntoView {
    let key = StoredValue::new(key);
    let new_tag = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let send = move |add: Vec<String>, remove: Vec<String>| {
        error.set(None);
        spawn_local(async move {
            match api::tag_case(key.get_value(), add, remove).await {
                Ok(()) => {
                    new_tag.set(String::new());
                    changed.run(());
                }
                Err(e) => error.set(Some(error_text(&e))),
            }
        });
    };
    let empty = tags.is_empty();
    view! {
        <section class="card" data-testid="tags">
            <h2>{move || t("case-tags")}</h2>
            <Show when=move || empty>
                <p class="empty-small">{move || t("case-no-tags")}</p>
            </Show>
            <p class="tags">
                {tags.into_iter().map(|tag| {
                    let (shown, named, removed) = (tag.clone(), tag.clone(), tag.clone());
                    view! {
                        <span class="tag" data-testid="tag" data-tag=tag>
                            <span dir="auto">{shown}</span>
                            <Show when=move || editable>
                                <button type="button" class="tag-remove" data-testid="tag-remove"
                                    aria-label={let n = named.clone(); move || t_args("tag-remove", &[("tag", n.clone())])}
                                    on:click={let r = removed.clone(); move |_| send(Vec::new(), vec![r.clone()])}>"×"</button>
                            </Show>
                        </span>
                    }
                }).collect_view()}
            </p>
            <Show when=move || editable>
                <form class="inline-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                    ev.prevent_default();
                    send(vec![new_tag.get_untracked()], Vec::new());
                }>
                    <label for="tag-input">{move || t("tag-new")}</label>
                    <input id="tag-input" dir="auto" data-testid="tag-input" maxlength="40"
                        prop:value=move || new_tag.get() on:input=move |ev| new_tag.set(event_target_value(&ev)) />
                    <button type="submit" data-testid="tag-add">{move || t("tag-add")}</button>
                </form>
            </Show>
            <p class="error" role="alert" data-testid="tag-error">{move || error.get()}</p>
        </section>
    }
}

fn case_link(link: CaseLink, testid: &'static str) -> impl IntoView {
    view! {
        <li data-testid=testid>
            <A href=format!("/cases/{}", link.id)><bdi dir="ltr" class="ref">{link.reference.clone()}</bdi></A>
        </li>
    }
}

/// The parent, the children and the related cases, each one click away; with the right to
/// edit, a form to link another case by its reference.
#[component]
pub(crate) fn Links(
    key: String,
    parent: Option<CaseLink>,
    children: Vec<CaseLink>,
    links: Vec<CaseLink>,
    editable: bool,
    changed: Callback<()>,
) -> impl IntoView {
    let key = StoredValue::new(key);
    let other = RwSignal::new(String::new());
    let as_parent = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let empty = parent.is_none() && children.is_empty() && links.is_empty();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        spawn_local(async move {
            match api::link_case(
                key.get_value(),
                other.get_untracked(),
                as_parent.get_untracked(),
            )
            .await
            {
                Ok(()) => {
                    other.set(String::new());
                    as_parent.set(false);
                    changed.run(());
                }
                Err(e) => error.set(Some(error_text(&e))),
            }
        });
    };
    view! {
        <section class="card" data-testid="links">
            <h2>{move || t("case-links")}</h2>
            <Show when=move || empty>
                <p class="empty-small">{move || t("case-no-links")}</p>
            </Show>
            {parent.map(|p| view! {
                <h3>{move || t("link-parent")}</h3>
                <ul class="links">{case_link(p, "link-parent")}</ul>
            })}
            {(!children.is_empty()).then(|| view! {
                <h3>{move || t("case-children")}</h3>
                <ul class="links">{children.into_iter().map(|r| case_link(r, "link-child")).collect_view()}</ul>
            })}
            {(!links.is_empty()).then(|| view! {
                <h3>{move || t("link-related")}</h3>
                <ul class="links">{links.into_iter().map(|r| case_link(r, "link-related")).collect_view()}</ul>
            })}
            <Show when=move || editable>
                <form class="link-form" on:submit=submit>
                    <label for="link-other">{move || t("link-other")}</label>
                    <input id="link-other" dir="ltr" data-testid="link-other" placeholder="COR-…"
                        prop:value=move || other.get() on:input=move |ev| other.set(event_target_value(&ev)) />
                    <label class="check">
                        <input type="checkbox" data-testid="link-as-parent" prop:checked=move || as_parent.get()
                            on:change=move |ev| as_parent.set(event_target_checked(&ev)) />
                        {move || t("link-as-parent")}
                    </label>
                    <button type="submit" data-testid="link-submit">{move || t("link-submit")}</button>
                </form>
            </Show>
            <p class="error" role="alert" data-testid="link-error">{move || error.get()}</p>
        </section>
    }
}
