//! Corridor's interface, a client-side Leptos application running in the Tauri webview.
//!
//! Every interactive element carries a stable `data-testid`, every field a `<label>`, and every
//! asynchronous action exposes its state (`aria-busy`, status regions) so that WebDriver tests
//! wait on state, never on sleeps. Layout uses logical CSS properties only, so that the Arabic
//! locale is a matter of `dir="rtl"`.

mod api;
mod app;
mod case_detail;
mod case_edit;
mod case_relations;
mod cases;
mod enterprise_detail;
mod enterprise_edit;
mod enterprise_import;
mod enterprises;
mod frame;
mod home;
mod i18n;
mod new_case;
mod search;
mod settings;
mod timeline;
mod unlock;

#[cfg(test)]
mod font_tests;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
