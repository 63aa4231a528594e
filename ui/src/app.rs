//! The application: translations, then the unlock screen or the desk (navigation rail, top
//! bar, one route per screen). The desk also runs the automatic lock and keeps the sync state
//! that every screen reads.

use std::time::Duration;

use corridor_model::desk::SyncState;
use leptos::prelude::*;
use leptos::task::spawn_local_scoped as spawn_local;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::api;
use crate::case_detail::CasePage;
use crate::cases::CasesPage;
use crate::frame::{NavRail, TopBar};
use crate::home::HomePage;
use crate::i18n::{t, I18nProvider};
use crate::settings::{lock_delay, SettingsPage};
use crate::unlock::UnlockScreen;

/// How often the sync state is read.
const SYNC_POLL: Duration = Duration::from_secs(2);

/// What every screen of the desk shares.
#[derive(Clone, Copy)]
pub(crate) struct Desk {
    /// The last sync state read from the shell.
    pub(crate) sync: RwSignal<Option<SyncState>>,
    /// Bumped when data may have changed (a sync received documents, a change was saved):
    /// screens that list data reload on it.
    pub(crate) data: RwSignal<u64>,
    /// Whether the store is open.
    pub(crate) unlocked: RwSignal<bool>,
    /// Whether the store was locked (by the user or after inactivity) since the app started:
    /// the unlock screen then waits to be asked, even for a store that opens without typing.
    pub(crate) relocked: RwSignal<bool>,
    /// Number of the last notice shown as a desktop notification (`None` until the first
    /// read: notices older than this run of the interface are not shown again).
    pub(crate) notified: StoredValue<Option<u64>>,
}

impl Desk {
    /// Tells the screens that data changed.
    pub(crate) fn touch(&self) {
        self.data.update(|n| *n += 1);
    }

    /// Locks the store (the key leaves the shell's memory) and shows the unlock screen, which
    /// then waits to be asked. Returns whether the store was locked.
    pub(crate) async fn lock(&self) -> bool {
        let locked = api::lock().await.is_ok();
        if locked {
            self.relocked.set(true);
            self.unlocked.set(false);
        }
        locked
    }

    /// Re-reads the sync state now.
    pub(crate) fn refresh_sync(&self) {
        let me = *self;
        spawn_local(async move { me.read_sync().await });
    }

    async fn read_sync(&self) {
        let Ok(s) = api::sync_state().await else {
            return;
        };
        // The store opened or closed, or a sync ended: what the screens show may have changed.
        let seen = |s: &SyncState| s.work.as_ref().map(|w| w.last_sync.clone());
        let changed = self.sync.with_untracked(|b| b.as_ref().map(seen)) != Some(seen(&s));
        if s.revoked && s.work.is_none() {
            self.unlocked.set(false);
        }
        self.notify(&s.notices);
        self.sync.set(Some(s));
        if changed {
            self.touch();
        }
    }
}

impl Desk {
    /// Shows the notices not shown yet as desktop notifications, in the user's language.
    fn notify(&self, notices: &[corridor_model::notices::Notice]) {
        let last = notices.last().map_or(0, |n| n.seq);
        let Some(shown) = self.notified.get_value() else {
            self.notified.set_value(Some(last));
            return;
        };
        for n in notices.iter().filter(|n| n.seq > shown) {
            let title =
                crate::i18n::try_t(&format!("notice-{}", n.kind.code())).unwrap_or_default();
            let body = format!("{} — {}", n.reference, n.title);
            // Without a notification service the home screen still lists it.
            spawn_local(async move {
                let _ = api::notify(title, body).await;
            });
        }
        self.notified.set_value(Some(last.max(shown)));
    }
}

/// Root component.
#[component]
pub(crate) fn App() -> impl IntoView {
    view! {
        <I18nProvider>
            <Router>
                <Shell />
            </Router>
        </I18nProvider>
    }
}

#[component]
fn Shell() -> impl IntoView {
    let desk = Desk {
        sync: RwSignal::new(None),
        data: RwSignal::new(0),
        unlocked: RwSignal::new(false),
        relocked: RwSignal::new(false),
        notified: StoredValue::new(None),
    };
    provide_context(desk);
    let auto_locked = RwSignal::new(false);

    // The sync state, every few seconds while unlocked.
    set_interval(
        move || {
            if desk.unlocked.get_untracked() {
                desk.refresh_sync();
            }
        },
        SYNC_POLL,
    );

    // Automatic lock: any key, click or pointer move counts as activity.
    let last_activity = StoredValue::new(js_sys::Date::now());
    let active = move || last_activity.set_value(js_sys::Date::now());
    let _k = window_event_listener(leptos::ev::keydown, move |_| active());
    let _m = window_event_listener(leptos::ev::pointermove, move |_| active());
    let _c = window_event_listener(leptos::ev::pointerdown, move |_| active());
    let lock_after = RwSignal::new(None::<u32>);
    spawn_local(async move {
        if let Ok(info) = api::app_info().await {
            lock_after.set(info.lock_after_seconds);
        }
    });
    set_interval(
        move || {
            if !desk.unlocked.get_untracked() {
                return;
            }
            let limit_ms = f64::from(
                lock_after
                    .get_untracked()
                    .unwrap_or_else(|| lock_delay() * 60),
            ) * 1000.0;
            if js_sys::Date::now() - last_activity.get_value() >= limit_ms {
                spawn_local(async move {
                    if desk.lock().await {
                        auto_locked.set(true);
                    }
                });
            }
        },
        Duration::from_secs(1),
    );

    let on_unlocked = Callback::new(move |()| {
        last_activity.set_value(js_sys::Date::now());
        desk.unlocked.set(true);
        desk.refresh_sync();
    });

    view! {
        <Show
            when=move || desk.unlocked.get()
            fallback=move || view! {
                <div class="locked-shell">
                    <header class="topbar">
                        <span class="brand">{move || t("app-name")}<small>" CGEM–CNSS"</small></span>
                        <span class="spacer"></span>
                        <crate::frame::LanguageSelect />
                    </header>
                    <Show when=move || auto_locked.get()>
                        <p class="notice" role="status" data-testid="auto-locked">{move || t("auto-locked")}</p>
                    </Show>
                    <Show when=move || desk.sync.get().is_some_and(|s| s.revoked)>
                        <p class="notice error" role="alert" data-testid="revoked">{move || t("revoked")}</p>
                    </Show>
                    <UnlockScreen on_unlocked=on_unlocked />
                </div>
            }
        >
            <div class="desk">
                <NavRail />
                <div class="desk-main">
                    <TopBar />
                    <main class="content">
                        <Routes fallback=|| view! { <HomePage /> }>
                            <Route path=path!("/") view=HomePage />
                            <Route path=path!("/cases") view=CasesPage />
                            <Route path=path!("/cases/:id") view=CasePage />
                            <Route path=path!("/enterprises") view=crate::enterprises::EnterprisesPage />
                            <Route path=path!("/enterprises/:id") view=crate::enterprise_detail::EnterprisePage />
                            <Route path=path!("/meetings") view=|| view! { <Placeholder title="nav-meetings" /> } />
                            <Route path=path!("/committee") view=|| view! { <Placeholder title="nav-committee" /> } />
                            <Route path=path!("/settings") view=SettingsPage />
                        </Routes>
                    </main>
                </div>
            </div>
        </Show>
    }
}

/// A screen that comes later.
#[component]
fn Placeholder(title: &'static str) -> impl IntoView {
    view! {
        <section class="placeholder" data-testid="placeholder">
            <h1>{move || crate::i18n::try_t(title).unwrap_or_default()}</h1>
            <p class="empty">{move || t("placeholder-soon")}</p>
        </section>
    }
}
