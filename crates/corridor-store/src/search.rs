//! Full-text search over cases: reference, title, description, notes, enterprise name and ICE.
//!
//! FTS5 with the `unicode61` tokenizer and `remove_diacritics 2`, so "Fes" finds "Fès" and
//! "indemnites" finds "indemnités"; Arabic words are tokens like any other. Every word typed is
//! a prefix ("indem" finds "indemnités") and all of them must match. Results are ranked by BM25
//! (title and reference weigh most) and come with a snippet where the match is marked `[…]`.

use serde::Serialize;
use sqlx::Row;

use crate::cases::{case_from_row, CASE_SELECT_SQL};
use crate::{Result, Store};

use corridor_model::Case;

/// One search result.
#[derive(Debug, Clone, Serialize)]
pub struct SearchHit {
    /// The case.
    pub case: Case,
    /// Extract around the match, matches marked with `[` and `]`.
    pub snippet: String,
    /// BM25 score (lower is better).
    pub score: f64,
}

/// Turns what the user typed into an FTS5 query: each word quoted (no operator injection) and
/// made a prefix; words are ANDed. `None` when nothing searchable was typed.
pub fn fts_query(input: &str) -> Option<String> {
    let words: Vec<String> = input
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{w}\"*"))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

impl Store {
    /// Searches the cases; at most `limit` results, best first.
    pub async fn search(&self, input: &str, limit: u32) -> Result<Vec<SearchHit>> {
        let Some(query) = fts_query(input) else {
            return Ok(Vec::new());
        };
        let rows = sqlx::query(
            "SELECT case_id, bm25(case_fts, 0.0, 10.0, 8.0, 2.0, 2.0, 4.0, 10.0) AS score, \
             snippet(case_fts, -1, '[', ']', '…', 12) AS snip \
             FROM case_fts WHERE case_fts MATCH ? ORDER BY score LIMIT ?",
        )
        .bind(query)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        let mut hits = Vec::with_capacity(rows.len());
        for row in rows {
            let id: String = row.try_get("case_id")?;
            let case_row = sqlx::query(&format!("{CASE_SELECT_SQL} WHERE c.id = ?"))
                .bind(&id)
                .fetch_one(self.pool())
                .await?;
            hits.push(SearchHit {
                case: case_from_row(&case_row)?,
                snippet: row.try_get("snip")?,
                score: row.try_get("score")?,
            });
        }
        Ok(hits)
    }
}

#[cfg(test)]
mod tests {
    use super::fts_query;

    #[test]
    fn typed_words_become_quoted_prefixes() {
        assert_eq!(
            fts_query("Fès  indem").as_deref(),
            Some("\"Fès\"* \"indem\"*")
        );
        assert_eq!(
            fts_query("a\" OR b:*").as_deref(),
            Some("\"a\"* \"OR\"* \"b\"*")
        );
        assert_eq!(fts_query(" -- ").as_deref(), None);
        assert_eq!(fts_query("الضمان").as_deref(), Some("\"الضمان\"*"));
    }
}
