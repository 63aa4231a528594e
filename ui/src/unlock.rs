//! The unlock screen: creates the local store on first use, opens it otherwise. With the key in
//! the OS keyring (or a passphrase configured for the session) it unlocks by itself when the
//! app starts; after a lock it waits for "Déverrouiller" (an empty field then means that key).

use corridor_model::api::{StoreState, StoreStatus, UnlockRequest};
use leptos::prelude::*;
use leptos::task::spawn_local_scoped as spawn_local;

use crate::api;
use crate::i18n::{error_text, t};

/// Unlock or create the local store; calls `on_unlocked` once it is open.
#[component]
pub(crate) fn UnlockScreen(on_unlocked: Callback<()>) -> impl IntoView {
    let status = RwSignal::new(None::<StoreStatus>);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let passphrase = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());

    let attempt = move |req: UnlockRequest| {
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match api::unlock(req).await {
                Ok(()) => on_unlocked.run(()),
                Err(e) => error.set(Some(error_text(&e))),
            }
            busy.set(false);
        });
    };

    // After a lock (the user's, or the automatic one) nothing opens by itself: a lock that
    // took the key back at once would lock nothing.
    let relocked = expect_context::<crate::app::Desk>()
        .relocked
        .get_untracked();
    spawn_local(async move {
        match api::store_status().await {
            Ok(s) if s.state == StoreState::Unlocked => on_unlocked.run(()),
            Ok(s) => {
                let automatic = s.automatic && !relocked;
                status.set(Some(s));
                if automatic {
                    attempt(UnlockRequest { passphrase: None });
                }
            }
            Err(e) => error.set(Some(error_text(&e))),
        }
    });

    let is_new = move || status.get().is_some_and(|s| s.state == StoreState::New);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if is_new() && passphrase.get() != confirm.get() {
            error.set(Some(t("passphrase-mismatch")));
            return;
        }
        // A store that opens without typing: an empty field asks for its own key.
        let typed = passphrase.get();
        let keyless = typed.is_empty() && status.get().is_some_and(|s| s.automatic);
        attempt(UnlockRequest {
            passphrase: (!keyless).then_some(typed),
        });
    };

    view! {
        <section class="unlock card" data-testid="unlock-screen" aria-busy=move || busy.get().to_string()>
            <h1>{move || if is_new() { t("unlock-create-title") } else { t("unlock-title") }}</h1>
            <p class="hint">
                {move || if is_new() { t("unlock-create-hint") } else { t("unlock-hint") }}
            </p>
            <Show when=move || status.get().is_some_and(|s| s.automatic)>
                <p class="hint" data-testid="unlock-automatic">
                    {move || if relocked { t("unlock-automatic-locked") } else { t("unlock-automatic") }}
                </p>
            </Show>
            <form on:submit=submit>
                <label for="passphrase">{move || t("passphrase")}</label>
                <input
                    id="passphrase"
                    type="password"
                    autocomplete="current-password"
                    data-testid="unlock-passphrase"
                    prop:value=move || passphrase.get()
                    on:input=move |ev| passphrase.set(event_target_value(&ev))
                />
                <Show when=is_new>
                    <label for="passphrase-confirm">{move || t("passphrase-confirm")}</label>
                    <input
                        id="passphrase-confirm"
                        type="password"
                        autocomplete="new-password"
                        data-testid="unlock-confirm"
                        prop:value=move || confirm.get()
                        on:input=move |ev| confirm.set(event_target_value(&ev))
                    />
                </Show>
                <div class="actions">
                    <button type="submit" class="primary" data-testid="unlock-submit" disabled=move || busy.get()>
                        {move || if is_new() { t("unlock-create") } else { t("unlock-submit") }}
                    </button>
                    <Show when=move || is_new() && status.get().is_some_and(|s| s.keyring_available)>
                        <button
                            type="button"
                            data-testid="unlock-keyring"
                            disabled=move || busy.get()
                            on:click=move |_| attempt(UnlockRequest { passphrase: None })
                        >
                            {move || t("unlock-keyring")}
                        </button>
                    </Show>
                </div>
            </form>
            <p class="error" role="alert" data-testid="unlock-error">{move || error.get()}</p>
        </section>
    }
}
