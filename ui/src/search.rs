//! The global search of the top bar: cases found as the user types (French without accents,
//! Arabic as people type it), each with its snippet as the text was written, the matches
//! marked. Ctrl+K puts the cursor in it.

use corridor_model::api::{snippet_parts, SearchHitRow};
use leptos::prelude::*;
use leptos::task::spawn_local_scoped as spawn_local;

use crate::api;
use crate::i18n::{error_text, t};
use leptos_router::hooks::use_navigate;

/// The search box and its results.
#[component]
pub(crate) fn GlobalSearch() -> impl IntoView {
    let query = RwSignal::new(String::new());
    let hits = RwSignal::new(Vec::<SearchHitRow>::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let input = NodeRef::<leptos::html::Input>::new();
    // What the box holds now (the box is the truth: text entered through an input method —
    // Arabic keyboards, WebDriver — does not always fire one `input` event per character).
    let typed = move || input.get_untracked().map(|i| i.value()).unwrap_or_default();

    let _ctrl_k = window_event_listener(leptos::ev::keydown, move |e| {
        if e.ctrl_key() && e.key().eq_ignore_ascii_case("k") {
            e.prevent_default();
            if let Some(i) = input.get() {
                let _ = i.focus();
            }
        }
    });

    // Searches until the answer is for what the box holds: an answer for an older text is
    // dropped and the current text searched instead, so answers out of order or a lost event
    // never leave results of another query on screen.
    let search = move || {
        let q = typed();
        query.set(q.clone());
        if q.trim().is_empty() {
            hits.set(Vec::new());
            busy.set(false);
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let mut q = q;
            loop {
                let answer = api::search_cases(&q).await;
                let now = typed();
                if now != q {
                    if now.trim().is_empty() {
                        return;
                    }
                    q = now;
                    continue;
                }
                match answer {
                    Ok(list) => {
                        hits.set(list);
                        error.set(None);
                    }
                    Err(e) => error.set(Some(error_text(&e))),
                }
                busy.set(false);
                return;
            }
        });
    };
    let navigate = use_navigate();
    let open_case = Callback::new(move |href: String| navigate(&href, Default::default()));
    let on_input = move |_: leptos::ev::Event| search();
    let on_keyup = move |_: leptos::ev::KeyboardEvent| {
        if typed() != query.get_untracked() {
            search();
        }
    };

    view! {
        <div class="search" role="search" aria-busy=move || busy.get().to_string()>
            <label for="global-search" class="visually-hidden">{move || t("search-label")}</label>
            <input
                id="global-search"
                type="search"
                node_ref=input
                data-testid="global-search"
                placeholder=move || t("search-placeholder")
                autocomplete="off"
                dir=move || if crate::i18n::current() == "ar" { "rtl" } else { "auto" }
                on:input=on_input
                on:keyup=on_keyup
            />
            <Show when=move || !query.get().trim().is_empty()>
                <div class="search-results" data-testid="search-results">
                    <p class="error" role="alert">{move || error.get()}</p>
                    <p class="search-count" role="status">
                        {move || {
                            let n = hits.with(Vec::len);
                            if busy.get() {
                                t("search-busy")
                            } else if n == 0 {
                                t("search-none")
                            } else {
                                crate::i18n::t_count("search-count", n)
                            }
                        }}
                    </p>
                    <ul>
                        <For
                            each=move || hits.get()
                            // Keyed by the snippet too: the same case found by a longer text
                            // has other marks, and a row with the same key is not redrawn.
                            key=|h| (h.case.id.clone(), h.snippet.clone())
                            children=move |h: SearchHitRow| {
                                let id = h.case.id.clone();
                                let reference = h.case.reference.clone();
                                let href = format!("/cases/{id}");
                                let open = move |_| {
                                    open_case.run(href.clone());
                                    query.set(String::new());
                                    if let Some(i) = input.get_untracked() {
                                        i.set_value("");
                                    }
                                };
                                view! {
                                    <li data-testid="search-result" data-case-id=id on:click=open>
                                        <bdi dir="ltr" class="ref">{reference}</bdi>
                                        <Snippet hit=h />
                                    </li>
                                }
                            }
                        />
                    </ul>
                </div>
            </Show>
        </div>
    }
}

/// The title of a hit and, when the match is elsewhere, the snippet; matches marked. (A
/// snippet that is the title itself marks the title instead of repeating it.)
#[component]
fn Snippet(hit: SearchHitRow) -> impl IntoView {
    let parts = snippet_parts(&hit.snippet);
    let plain: String = parts.iter().map(|(t, _)| t.as_str()).collect();
    let marked = |parts: Vec<(String, bool)>| {
        parts
            .into_iter()
            .map(|(text, matched)| {
                // Plain text between the marks, not spans: in an Arabic run WebKitGTK paints
                // a mark's background over the words of a neighbouring span.
                if matched {
                    view! { <mark>{text}</mark> }.into_any()
                } else {
                    text.into_any()
                }
            })
            .collect_view()
    };
    if plain == hit.case.title {
        view! {
            <span class="title" dir="auto" data-testid="search-snippet">{marked(parts)}</span>
        }
        .into_any()
    } else {
        view! {
            <span class="title" dir="auto">{hit.case.title}</span>
            <span class="snippet" dir="auto" data-testid="search-snippet">{marked(parts)}</span>
        }
        .into_any()
    }
}
