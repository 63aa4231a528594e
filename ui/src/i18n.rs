//! Languages of the interface: French (default), Arabic (right to left) and English, from the
//! Fluent files of `locales/`. The model's codes (statuses, categories, priorities, regions,
//! visibilities, SLA states, roles, error codes) are translation keys: `status-<code>`, …
//!
//! The choice persists in the webview's local storage; `<html lang dir>` follow it, so the
//! whole layout mirrors in Arabic (the CSS uses logical properties only).

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use corridor_model::api::ApiError;
use fluent_bundle::FluentValue;
use fluent_templates::Loader;
use leptos::prelude::*;
use leptos_fluent::{leptos_fluent, I18n};

/// Provides the translations to everything below it.
#[component]
pub(crate) fn I18nProvider(children: Children) -> impl IntoView {
    leptos_fluent! {
        children: children(),
        locales: "./locales",
        default_language: "fr",
        sync_html_tag_lang: true,
        sync_html_tag_dir: true,
        local_storage_key: "corridor-language",
        initial_language_from_local_storage: true,
        set_language_to_local_storage: true,
    }
}

/// The translation of `key` in the current language (reactive when called in a closure).
pub(crate) fn t(key: &str) -> String {
    expect_context::<I18n>().tr(key)
}

/// The translation of `key` with its arguments.
pub(crate) fn t_args(key: &str, args: &[(&'static str, String)]) -> String {
    expect_context::<I18n>().tr_with_args(key, &fluent_args(args))
}

fn fluent_args(
    args: &[(&'static str, String)],
) -> HashMap<Cow<'static, str>, FluentValue<'static>> {
    args.iter()
        .map(|(k, v)| (Cow::Borrowed(*k), FluentValue::from(v.clone())))
        .collect()
}

/// The translation of `key` for a count (`$count`, a number, so that plural forms apply:
/// French "1 dossier / 2 dossiers", Arabic's six forms).
pub(crate) fn t_count(key: &str, count: usize) -> String {
    let mut map: HashMap<Cow<'static, str>, FluentValue<'static>> = HashMap::new();
    map.insert(Cow::Borrowed("count"), FluentValue::from(count));
    expect_context::<I18n>().tr_with_args(key, &map)
}

/// The translation of `key`, or `None` when the current language has none.
pub(crate) fn try_t(key: &str) -> Option<String> {
    try_t_args(key, &[])
}

/// The translation of `key` with its arguments, or `None` when the current language has none
/// or it needs an argument not given.
pub(crate) fn try_t_args(key: &str, args: &[(&'static str, String)]) -> Option<String> {
    let map = fluent_args(args);
    let i18n = expect_context::<I18n>();
    let lang: fluent_templates::LanguageIdentifier = i18n.language.get().id.parse().ok()?;
    i18n.translations.with(|all| {
        all.iter()
            .find_map(|tr| tr.try_lookup_with_args(&lang, key, &map))
    })
}

/// The label of a model code: `label("status", "draft")` is the key `status-draft`, checked for
/// every code and locale by the tests.
pub(crate) fn label(kind: &str, code: &str) -> String {
    expect_context::<I18n>().tr(&format!("{kind}-{code}"))
}

/// The name of a case field (`title`, `amount_centimes`, …) in the current language.
pub(crate) fn field_name(field: &str) -> String {
    try_t(&format!("field-{field}")).unwrap_or_else(|| field.to_owned())
}

/// Code of the current language (`fr`, `ar`, `en`).
pub(crate) fn current() -> &'static str {
    expect_context::<I18n>().language.get().id
}

/// An error in the user's language: the translation of its code with the values it carries
/// (the codes among them — fields, statuses, regions, … — said by their labels), else the
/// message the core wrote (in French, which every officer reads).
pub(crate) fn error_text(e: &ApiError) -> String {
    let args: Vec<(&'static str, String)> = e
        .args
        .iter()
        .filter_map(|(name, value)| {
            let name = ERROR_ARGS.iter().find(|a| **a == name.as_str())?;
            Some((*name, arg_label(name, value)))
        })
        .collect();
    // No translation, or one asking for a value this error does not carry: the core's own
    // message is better than a message with a hole.
    try_t_args(&format!("error-{}", e.code), &args).unwrap_or_else(|| e.message.clone())
}

/// The arguments an error message may use (`ApiError::args`); any other is ignored.
pub(crate) const ERROR_ARGS: &[&str] = &[
    "value",
    "problem",
    "field",
    "max",
    "min",
    "from",
    "to",
    "status",
    "count",
    "region",
    "meeting_region",
    "reference",
    "institution",
    "name",
    "ice",
    "id",
    "kind",
    "what",
    "line",
    "size",
    "actual",
    "size_mb",
    "max_mb",
    "seq",
    "location",
];

/// A value of an error argument as the user reads it: the codes by their labels.
fn arg_label(name: &str, value: &str) -> String {
    let kind = match name {
        "from" | "to" | "status" => "status",
        "region" | "meeting_region" => "region",
        "institution" => "institution",
        "field" => return field_name(value),
        // A case reference is one word: its hyphens become non-breaking ones (U+2011), so that
        // a message never wraps it across two lines (a provisional one, `…-P0042-1A2B3C`,
        // could break before its letters). Pasted back, it still finds the case: the search
        // splits on any punctuation and the store reads U+2011 as a hyphen.
        "reference" => return value.replace('-', "\u{2011}"),
        _ => return value.to_owned(),
    };
    try_t(&format!("{kind}-{value}")).unwrap_or_else(|| value.to_owned())
}

/// The name of a kind of change (`transition_case`, …) in the current language.
pub(crate) fn change_name(name: &str) -> String {
    try_t(&format!("change-{name}")).unwrap_or_else(|| name.to_owned())
}

/// Formats an instant in Morocco's legal time.
pub(crate) fn casablanca(at: &DateTime<Utc>) -> String {
    at.with_timezone(&chrono_tz::Africa::Casablanca)
        .format("%d/%m/%Y %H:%M")
        .to_string()
}

/// Formats an RFC 3339 instant in Morocco's legal time (empty when it does not parse).
pub(crate) fn casablanca_str(rfc3339: &str) -> String {
    rfc3339
        .parse::<DateTime<Utc>>()
        .map(|t| casablanca(&t))
        .unwrap_or_default()
}

/// An amount in centimes as typed back into a field: `12450,00` (`12450.00` in English).
pub(crate) fn mad_plain(centimes: i64, lang: &str) -> String {
    let decimal = if lang == "en" { '.' } else { ',' };
    let sign = if centimes < 0 { "-" } else { "" };
    let abs = centimes.unsigned_abs();
    format!("{sign}{}{decimal}{:02}", abs / 100, abs % 100)
}

/// An amount in centimes as MAD with the separators of the language: `12 450,00 MAD` in
/// French and Arabic (Moroccan usage), `12,450.00 MAD` in English.
pub(crate) fn mad(centimes: i64, lang: &str) -> String {
    let (group, decimal) = if lang == "en" {
        (',', '.')
    } else {
        ('\u{202F}', ',')
    };
    let negative = centimes < 0;
    let abs = centimes.unsigned_abs();
    let units = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in units.chars().enumerate() {
        if i > 0 && (units.len() - i).is_multiple_of(3) {
            grouped.push(group);
        }
        grouped.push(ch);
    }
    format!(
        "{}{grouped}{decimal}{:02}\u{A0}MAD",
        if negative { "-" } else { "" },
        abs % 100
    )
}

#[cfg(test)]
mod tests;

#[cfg(all(test, not(target_arch = "wasm32")))]
mod error_tests;
