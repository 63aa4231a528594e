//! SQL text shared by the engine modules: the region and audience filters, and bound lists.
//!
//! The filters inline their values into the statement; that is safe only because the values are
//! codes, never free text: a [`Region`]'s code (a validated value), and audiences of lowercase
//! ASCII letters (anything else is dropped). Everything else is bound. The text is the same on
//! PostgreSQL and SQLite.

use corridor_model::Region;

/// `region IN (…)` with region codes (validated values, safe to inline).
pub(super) fn region_filter(column: &str, regions: Option<&[Region]>) -> String {
    match regions {
        None => "TRUE".to_owned(),
        Some(r) => {
            let list: Vec<String> = r.iter().map(|r| format!("'{}'", r.code())).collect();
            if list.is_empty() {
                format!("{column} IS NULL")
            } else {
                format!("({column} IS NULL OR {column} IN ({}))", list.join(", "))
            }
        }
    }
}

/// `audience IN (…)` with the audiences made of lowercase ASCII letters (safe to inline; any
/// other is left out).
pub(super) fn audience_filter(audiences: &[&str]) -> String {
    let list: Vec<String> = audiences
        .iter()
        .filter(|a| a.chars().all(|c| c.is_ascii_lowercase()))
        .map(|a| format!("'{a}'"))
        .collect();
    format!("audience IN ({})", list.join(", "))
}

/// Binds `items` as a parenthesised list closing an `IN (` the query ends with.
pub(super) fn push_list<'a, DB>(
    q: &mut sqlx::QueryBuilder<'a, DB>,
    items: impl Iterator<Item = String>,
) where
    DB: sqlx::Database,
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    let mut sep = q.separated(", ");
    for item in items {
        sep.push_bind(item);
    }
    q.push(")");
}
