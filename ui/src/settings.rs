//! Settings: the corridor account (sign in and out), language, the automatic lock delay, and
//! this device (where its data lives).

use corridor_model::desk::SignInForm;
use leptos::prelude::*;
use leptos::task::spawn_local_scoped as spawn_local;

use crate::api;
use crate::app::Desk;
use crate::i18n::{error_text, label, t, t_args};

/// Local-storage key of the lock delay, in minutes.
const LOCK_KEY: &str = "corridor-lock-minutes";
/// Default lock delay, in minutes.
const DEFAULT_LOCK_MINUTES: u32 = 10;

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

/// The automatic lock delay the user chose, in minutes (1 to 240; default 10).
pub(crate) fn lock_delay() -> u32 {
    storage()
        .and_then(|s| s.get_item(LOCK_KEY).ok().flatten())
        .and_then(|v| v.parse::<u32>().ok())
        .filter(|m| (1..=240).contains(m))
        .unwrap_or(DEFAULT_LOCK_MINUTES)
}

/// The settings screen.
#[component]
pub(crate) fn SettingsPage() -> impl IntoView {
    let desk = expect_context::<Desk>();
    let info = RwSignal::new(None::<api::AppInfo>);
    let server = RwSignal::new(String::new());
    let user = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let minutes = RwSignal::new(lock_delay().to_string());
    spawn_local(async move {
        if let Ok(i) = api::app_info().await {
            if server.get_untracked().is_empty() {
                server.set(i.default_server.clone());
            }
            info.set(Some(i));
        }
    });
    let session = move || desk.sync.get().and_then(|s| s.session);

    let sign_in = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = SignInForm {
            server_url: server.get_untracked(),
            username: user.get_untracked(),
            password: password.get_untracked(),
        };
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match api::sign_in(form).await {
                Ok(_) => {
                    password.set(String::new());
                    desk.refresh_sync();
                }
                Err(e) => error.set(Some(error_text(&e))),
            }
            busy.set(false);
        });
    };
    let sign_out = move |_| {
        spawn_local(async move {
            match api::sign_out().await {
                Ok(()) => desk.refresh_sync(),
                Err(e) => error.set(Some(error_text(&e))),
            }
        });
    };
    let save_minutes = move |ev: leptos::ev::Event| {
        let v = event_target_value(&ev);
        minutes.set(v.clone());
        if let (Some(s), Ok(m)) = (storage(), v.parse::<u32>()) {
            if (1..=240).contains(&m) {
                let _ = s.set_item(LOCK_KEY, &m.to_string());
            }
        }
    };

    view! {
        <section class="settings" data-testid="settings-page">
            <h1>{move || t("settings-title")}</h1>
            <section class="card">
                <h2>{move || t("settings-account")}</h2>
                <Show
                    when=move || session().is_some()
                    fallback=move || view! {
                        <form class="sign-in" data-testid="sign-in-form" on:submit=sign_in aria-busy=move || busy.get().to_string()>
                            <label for="sign-in-server">{move || t("settings-server")}</label>
                            <input id="sign-in-server" dir="ltr" data-testid="sign-in-server" prop:value=move || server.get()
                                on:input=move |ev| server.set(event_target_value(&ev)) />
                            <label for="sign-in-user">{move || t("settings-user")}</label>
                            <input id="sign-in-user" dir="ltr" autocomplete="username" data-testid="sign-in-user" prop:value=move || user.get()
                                on:input=move |ev| user.set(event_target_value(&ev)) />
                            <label for="sign-in-password">{move || t("settings-password")}</label>
                            <input id="sign-in-password" type="password" autocomplete="current-password" data-testid="sign-in-password"
                                prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev)) />
                            <div class="actions">
                                <button type="submit" class="primary" data-testid="sign-in-submit" disabled=move || busy.get()>{move || t("sign-in")}</button>
                            </div>
                            <p class="error" role="alert" data-testid="sign-in-error">{move || error.get()}</p>
                        </form>
                    }
                >
                    {move || session().map(|s| {
                        let regions = s.regions.iter().map(|r| label("region", &r.code())).collect::<Vec<_>>().join(", ");
                        view! {
                            <p data-testid="signed-in">{move || t_args("signed-in-as", &[("user", s.username.clone()), ("role", label("role", s.role.code())), ("server", s.server_url.clone())])}</p>
                            <p>{move || t_args("settings-regions", &[("regions", regions.clone())])}</p>
                            <button data-testid="sign-out" on:click=sign_out>{move || t("sign-out")}</button>
                        }
                    })}
                </Show>
            </section>
            <section class="card">
                <h2>{move || t("settings-lock")}</h2>
                <label for="lock-minutes">{move || t("settings-lock-delay")}</label>
                <input id="lock-minutes" type="number" min="1" max="240" data-testid="lock-minutes"
                    prop:value=move || minutes.get() on:change=save_minutes />
            </section>
            <Show when=move || info.get().is_some_and(|i| i.passphrase_protected)>
                <ChangePassphrase />
            </Show>
            <section class="card">
                <h2>{move || t("settings-device")}</h2>
                {move || info.get().map(|i| view! {
                    <p data-testid="data-dir">{move || t_args("settings-data-dir", &[("dir", i.data_dir.clone())])}</p>
                    <p>{move || t_args("settings-version", &[("version", i.version.clone())])}</p>
                })}
            </section>
        </section>
    }
}

/// Replaces the passphrase of the local store (the current one is asked first).
#[component]
fn ChangePassphrase() -> impl IntoView {
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let done = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        done.set(false);
        if new.get_untracked() != confirm.get_untracked() {
            error.set(Some(t("passphrase-mismatch")));
            return;
        }
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match api::change_passphrase(current.get_untracked(), new.get_untracked()).await {
                Ok(()) => {
                    for s in [current, new, confirm] {
                        s.set(String::new());
                    }
                    done.set(true);
                }
                Err(e) => error.set(Some(error_text(&e))),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="card">
            <h2>{move || t("settings-passphrase")}</h2>
            <form class="sign-in" data-testid="passphrase-form" on:submit=submit aria-busy=move || busy.get().to_string()>
                <label for="passphrase-current">{move || t("passphrase-current")}</label>
                <input id="passphrase-current" type="password" autocomplete="current-password" data-testid="passphrase-current"
                    prop:value=move || current.get() on:input=move |ev| current.set(event_target_value(&ev)) />
                <label for="passphrase-new">{move || t("passphrase-new")}</label>
                <input id="passphrase-new" type="password" autocomplete="new-password" data-testid="passphrase-new"
                    prop:value=move || new.get() on:input=move |ev| new.set(event_target_value(&ev)) />
                <label for="passphrase-new-confirm">{move || t("passphrase-confirm")}</label>
                <input id="passphrase-new-confirm" type="password" autocomplete="new-password" data-testid="passphrase-new-confirm"
                    prop:value=move || confirm.get() on:input=move |ev| confirm.set(event_target_value(&ev)) />
                <div class="actions">
                    <button type="submit" class="primary" data-testid="passphrase-submit" disabled=move || busy.get()>{move || t("passphrase-change")}</button>
                </div>
                <p class="status" role="status" data-testid="passphrase-done">{move || done.get().then(|| t("passphrase-changed"))}</p>
                <p class="error" role="alert" data-testid="passphrase-error">{move || error.get()}</p>
            </form>
        </section>
    }
}
