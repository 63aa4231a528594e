//! The unlock screen: creates the local store on first use, opens it otherwise. With the key in
//! the OS keyring (or a passphrase configured for the session) it unlocks by itself.

use corridor_model::api::{StoreState, StoreStatus, UnlockRequest};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;

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
                Err(e) => error.set(Some(e.message)),
            }
            busy.set(false);
        });
    };

    spawn_local(async move {
        match api::store_status().await {
            Ok(s) if s.state == StoreState::Unlocked => on_unlocked.run(()),
            Ok(s) => {
                let automatic = s.automatic;
                status.set(Some(s));
                if automatic {
                    attempt(UnlockRequest { passphrase: None });
                }
            }
            Err(e) => error.set(Some(e.message)),
        }
    });

    let is_new = move || status.get().is_some_and(|s| s.state == StoreState::New);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if is_new() && passphrase.get() != confirm.get() {
            error.set(Some(
                "Les deux phrases de passe ne correspondent pas.".to_owned(),
            ));
            return;
        }
        attempt(UnlockRequest {
            passphrase: Some(passphrase.get()),
        });
    };

    view! {
        <section class="unlock card" data-testid="unlock-screen" aria-busy=move || busy.get().to_string()>
            <h1>{move || if is_new() { "Créer votre coffre local" } else { "Déverrouiller le coffre local" }}</h1>
            <p class="hint">
                {move || if is_new() {
                    "Vos dossiers sont chiffrés sur ce poste. Choisissez une phrase de passe d'au moins 8 caractères : elle vous sera demandée à chaque ouverture."
                } else {
                    "Saisissez la phrase de passe de ce poste pour accéder à vos dossiers."
                }}
            </p>
            <Show when=move || status.get().is_some_and(|s| s.automatic)>
                <p class="hint" data-testid="unlock-automatic">"Ouverture automatique…"</p>
            </Show>
            <form on:submit=submit>
                <label for="passphrase">"Phrase de passe"</label>
                <input
                    id="passphrase"
                    type="password"
                    autocomplete="current-password"
                    data-testid="unlock-passphrase"
                    prop:value=move || passphrase.get()
                    on:input=move |ev| passphrase.set(event_target_value(&ev))
                />
                <Show when=is_new>
                    <label for="passphrase-confirm">"Confirmez la phrase de passe"</label>
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
                        {move || if is_new() { "Créer le coffre" } else { "Déverrouiller" }}
                    </button>
                    <Show when=move || is_new() && status.get().is_some_and(|s| s.keyring_available)>
                        <button
                            type="button"
                            data-testid="unlock-keyring"
                            disabled=move || busy.get()
                            on:click=move |_| attempt(UnlockRequest { passphrase: None })
                        >
                            "Utiliser le trousseau du système"
                        </button>
                    </Show>
                </div>
            </form>
            <p class="error" role="alert" data-testid="unlock-error">{move || error.get()}</p>
        </section>
    }
}
