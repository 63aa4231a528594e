//! The frame of the desk: the navigation rail (right-hand side in Arabic) and the top bar
//! (global search, sync state, the signed-in user, language, lock).

use corridor_model::desk::SyncPhase;
use leptos::prelude::*;
use leptos::task::spawn_local_scoped as spawn_local;
use leptos_fluent::I18n;
use leptos_router::components::A;

use crate::api;
use crate::app::Desk;
use crate::i18n::{casablanca_str, t, t_args};
use crate::search::GlobalSearch;

/// The navigation rail.
#[component]
pub(crate) fn NavRail() -> impl IntoView {
    let item = |href: &'static str, id: &'static str, icon: &'static str, label: fn() -> String| {
        view! {
            <A href=href attr:data-testid=id attr:class="nav-item">
                <span class="nav-icon" aria-hidden="true">{icon}</span>
                <span class="nav-label">{label}</span>
            </A>
        }
    };
    view! {
        <nav class="rail" aria-label=move || t("nav-label")>
            <span class="rail-brand" aria-hidden="true">"C"</span>
            {item("/", "nav-home", "⌂", || t("nav-home"))}
            {item("/cases", "nav-cases", "▤", || t("nav-cases"))}
            {item("/enterprises", "nav-enterprises", "▦", || t("nav-enterprises"))}
            {item("/meetings", "nav-meetings", "◷", || t("nav-meetings"))}
            {item("/committee", "nav-committee", "◈", || t("nav-committee"))}
            <span class="spacer"></span>
            {item("/settings", "nav-settings", "⚙", || t("nav-settings"))}
        </nav>
    }
}

/// The top bar.
#[component]
pub(crate) fn TopBar() -> impl IntoView {
    let desk = expect_context::<Desk>();
    let user = move || {
        desk.sync
            .get()
            .and_then(|s| s.session)
            .map_or_else(|| t("not-signed-in"), |s| s.username)
    };
    let lock = move |_| {
        spawn_local(async move {
            desk.lock().await;
        });
    };
    view! {
        <header class="topbar">
            <GlobalSearch />
            <span class="spacer"></span>
            <SyncIndicator />
            <span class="user" data-testid="current-user" dir="auto">{user}</span>
            <LanguageSelect />
            <button class="lock-button" data-testid="lock-button" title=move || t("lock-title") on:click=lock>
                <svg class="icon" viewBox="0 0 16 16" aria-hidden="true"><rect x="3" y="7" width="10" height="8" rx="1.5" fill="currentColor"/><path d="M5 7V5a3 3 0 0 1 6 0v2" fill="none" stroke="currentColor" stroke-width="1.6"/></svg>
                " "{move || t("lock")}
            </button>
        </header>
    }
}

/// Online / offline / syncing / error, the changes waiting, and "sync now".
#[component]
fn SyncIndicator() -> impl IntoView {
    let desk = expect_context::<Desk>();
    let busy = RwSignal::new(false);
    let phase = move || {
        if busy.get() {
            return SyncPhase::Syncing;
        }
        desk.sync.get().map_or(SyncPhase::Offline, |s| s.phase)
    };
    let label = move || match phase() {
        SyncPhase::Online => t("sync-online"),
        SyncPhase::Offline => t("sync-offline"),
        SyncPhase::Syncing => match desk.sync.get().and_then(|s| s.progress) {
            Some(n) if n > 0 => format!(
                "{} · {}",
                t("sync-syncing"),
                t_args("sync-received", &[("count", n.to_string())])
            ),
            _ => t("sync-syncing"),
        },
        SyncPhase::Error => t("sync-error"),
    };
    let pending = move || {
        desk.sync
            .get()
            .and_then(|s| s.work)
            .map_or(0, |w| w.pending)
    };
    let title = move || {
        let s = desk.sync.get();
        let last = s
            .as_ref()
            .and_then(|s| s.work.as_ref())
            .and_then(|w| w.last_sync.clone())
            .map_or_else(
                || t("sync-never"),
                |at| t_args("sync-last", &[("when", casablanca_str(&at))]),
            );
        match s.and_then(|s| s.error) {
            Some(e) => format!("{last} — {}", crate::i18n::error_text(&e)),
            None => last,
        }
    };
    let sync_now = move |_| {
        busy.set(true);
        spawn_local(async move {
            let _ = api::sync_now().await;
            busy.set(false);
            desk.refresh_sync();
        });
    };
    view! {
        <span class="sync-status" data-testid="sync-status" data-state=move || phase().code()
            role="status" aria-live="polite" title=title>
            <span class="dot" aria-hidden="true"></span>
            <span>{label}</span>
            {move || {
                let percent = (phase() == SyncPhase::Syncing)
                    .then(|| desk.sync.get().and_then(|s| s.percent))
                    .flatten()?;
                Some(view! {
                    <progress class="sync-progress" data-testid="sync-progress" max="100"
                        value=percent.to_string() aria-label=move || t("sync-progress")>
                        {format!("{percent} %")}
                    </progress>
                })
            }}
            <Show when=move || { pending() > 0 }>
                <span class="pending" data-testid="sync-pending">
                    {move || format!("· {}", t_args("sync-pending", &[("count", pending().to_string())]))}
                </span>
            </Show>
        </span>
        <button class="icon-button" data-testid="sync-now" on:click=sync_now
            disabled=move || busy.get() aria-busy=move || busy.get().to_string() title=move || t("sync-now")>
            <span aria-hidden="true">"⟳"</span>
            <span class="visually-hidden">{move || t("sync-now")}</span>
        </button>
    }
}

/// The language of the interface (`fr`, `ar`, `en`); the choice persists.
#[component]
pub(crate) fn LanguageSelect() -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let on_change = move |ev: leptos::ev::Event| {
        let code = event_target_value(&ev);
        if let Some(lang) = i18n.languages.iter().find(|l| l.id == code) {
            i18n.language.set(lang);
        }
    };
    view! {
        <label for="language-select" class="visually-hidden">{move || t("language")}</label>
        <select id="language-select" class="language" data-testid="language-select"
            prop:value=move || i18n.language.get().id on:change=on_change>
            <option value="fr">"Français"</option>
            <option value="ar">"العربية"</option>
            <option value="en">"English"</option>
        </select>
    }
}
