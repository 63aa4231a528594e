//! The application frame: top bar with the server indicator, then the unlock screen or the
//! case list.

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::{api, cases::CasesPage, search::GlobalSearch, unlock::UnlockScreen};

/// How often the server indicator is refreshed.
const SERVER_POLL: Duration = Duration::from_secs(3);

/// Root component.
#[component]
pub(crate) fn App() -> impl IntoView {
    let unlocked = RwSignal::new(false);
    view! {
        <div class="shell">
            <header class="topbar">
                <span class="brand">"Corridor"<small>" CGEM–CNSS"</small></span>
                <Show when=move || unlocked.get()>
                    <GlobalSearch />
                </Show>
                <span class="spacer"></span>
                <ServerIndicator />
            </header>
            <main class="content">
                <Show
                    when=move || unlocked.get()
                    fallback=move || view! { <UnlockScreen on_unlocked=Callback::new(move |()| unlocked.set(true)) /> }
                >
                    <CasesPage />
                </Show>
            </main>
        </div>
    }
}

/// Online / offline indicator of the corridor server, refreshed every few seconds.
#[component]
fn ServerIndicator() -> impl IntoView {
    // None until the first answer.
    let reachable = RwSignal::new(None::<bool>);
    let refresh = move || {
        spawn_local(async move {
            let ok = api::server_status().await.is_ok_and(|s| s.reachable);
            reachable.set(Some(ok));
        });
    };
    refresh();
    set_interval(refresh, SERVER_POLL);
    let state = move || match reachable.get() {
        None => "checking",
        Some(true) => "online",
        Some(false) => "offline",
    };
    view! {
        <span
            class="server-status"
            data-testid="server-status"
            data-state=state
            role="status"
            aria-live="polite"
        >
            <span class="dot" aria-hidden="true"></span>
            {move || match reachable.get() {
                None => "Vérification du serveur…",
                Some(true) => "Serveur connecté",
                Some(false) => "Hors ligne",
            }}
        </span>
    }
}
