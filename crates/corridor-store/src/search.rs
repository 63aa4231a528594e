//! Full-text search over cases: reference, title, description, notes, enterprise name and ICE.
//!
//! FTS5 with the `unicode61` tokenizer and `remove_diacritics 2`, so "Fes" finds "Fès" and
//! "indemnites" finds "indemnités"; Arabic words are tokens like any other. Every word typed is
//! a prefix ("indem" finds "indemnités"), cut to an indexed prefix length (see [`fts_query`]),
//! and all of them must match. Results are ranked by BM25
//! (title and reference weigh most) and come with a snippet where the match is marked `[…]`.
//!
//! Arabic is searched as people type it (see [`corridor_model::arabic`]): the index holds, in
//! its `arabic` column, the normalised forms and light stems of the case's Arabic words, and a
//! typed Arabic word matches its stem exactly or, without its particles, as a prefix. Snippets
//! of a query with Arabic words are built here from the text as it was written.
//!
//! Ranking needs per-row statistics for every match, which is slow when a query matches a large
//! part of the store (a single common word over 100,000 cases). Past [`RANKED_MATCHES`] matches,
//! results come newest-activity first instead (the index's own order, cheap), and the user
//! narrows by typing more words.

use corridor_model::arabic;
use serde::Serialize;
use sqlx::Row;

use crate::rows::{case_from_row, CASE_SELECT_SQL};
use crate::{Result, Store};

use corridor_model::Case;

/// Most matches ranked by relevance; beyond, the most recently active come first.
pub const RANKED_MATCHES: i64 = 500;

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
/// made a prefix; words are ANDed. Words of letters are cut to the nearest indexed prefix
/// length (2, 3, 4, 6 or 8 characters) so that FTS5 reads a precomputed prefix list: "indemnités"
/// searches `indemnit*`, which also finds the singular and the plural. Numbers (ICE,
/// references) keep every digit. `None` when nothing searchable was typed.
///
/// Arabic words (after [`arabic::normalize`], which also turns Eastern Arabic digits into
/// ASCII ones) look in the `arabic` column for their stem, or for their form without
/// particles as a prefix: `(arabic : "ضم" OR arabic : "ضمان"*)`.
pub fn fts_query(input: &str) -> Option<String> {
    let input = arabic::normalize(input);
    let words: Vec<String> = input
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            if w.chars().all(|c| c.is_ascii_digit()) {
                return format!("\"{w}\"*");
            }
            if let Some(q) = arabic::QueryWord::new(w) {
                let mut any = vec![format!("arabic : \"{}\"", q.stem)];
                any.extend(
                    q.prefixes
                        .iter()
                        .map(|p| format!("arabic : \"{}\"*", indexed_prefix(p))),
                );
                return format!("({})", any.join(" OR "));
            }
            format!("\"{}\"*", indexed_prefix(w))
        })
        .collect();
    // FTS5 reads `a b` as `a AND b`, but a parenthesised group needs the operator spelled.
    let and = if words.iter().any(|w| w.starts_with('(')) {
        " AND "
    } else {
        " "
    };
    (!words.is_empty()).then(|| words.join(and))
}

/// A word cut to the nearest indexed prefix length.
fn indexed_prefix(w: &str) -> String {
    let n = w.chars().count();
    let keep = match n {
        0..=4 => n,
        5 => 4,
        6 | 7 => 6,
        _ => 8,
    };
    w.chars().take(keep).collect()
}

/// The snippet of a hit for a query with Arabic words: the first field that matches, as it
/// was written.
fn written_snippet(terms: &[arabic::Term], fields: &[&str]) -> Option<String> {
    fields
        .iter()
        .find_map(|f| arabic::highlight(f, terms, SNIPPET_WORDS))
}

/// Words of a snippet.
const SNIPPET_WORDS: usize = 12;

impl Store {
    /// Searches the cases; at most `limit` results, best first.
    pub async fn search(&self, input: &str, limit: u32) -> Result<Vec<SearchHit>> {
        let Some(query) = fts_query(input).filter(|_| limit > 0) else {
            return Ok(Vec::new());
        };
        // Count the matches up to the ranking bound (cheap: stops at the bound).
        let matches: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM (SELECT rowid FROM case_fts WHERE case_fts MATCH ?1 LIMIT ?2)",
        )
        .bind(&query)
        .bind(RANKED_MATCHES + 1)
        .fetch_one(self.pool())
        .await?;
        let terms = arabic::Term::parse(input);
        let arabic_query = terms.iter().any(|t| matches!(t, arabic::Term::Arabic(_)));
        // FTS5 snippets show what the index holds; with Arabic words the snippet is built
        // from the text as written, so the row's texts are read instead.
        let snip = if arabic_query {
            "'' AS snip, title, description, notes, enterprise"
        } else {
            "snippet(case_fts, -1, '[', ']', '…', 12) AS snip"
        };
        let sql = if matches <= RANKED_MATCHES {
            // Rank every match, but build snippets only for the page returned: the inner query
            // orders by BM25 and limits, the outer one computes the snippets of those rows.
            format!(
                "SELECT case_id, bm25(case_fts, 0.0, 10.0, 8.0, 2.0, 2.0, 4.0, 10.0, 6.0) AS score, \
                 {snip} FROM case_fts WHERE case_fts MATCH ?1 AND rowid IN ( \
                   SELECT rowid FROM case_fts WHERE case_fts MATCH ?1 \
                   ORDER BY bm25(case_fts, 0.0, 10.0, 8.0, 2.0, 2.0, 4.0, 10.0, 6.0) LIMIT ?2) \
                 ORDER BY score"
            )
        } else {
            // Newest activity first: FTS5 walks its index backwards and stops at the limit.
            format!(
                "SELECT case_id, 0.0 AS score, {snip} FROM case_fts WHERE case_fts MATCH ?1 \
                 ORDER BY rowid DESC LIMIT ?2"
            )
        };
        let rows = sqlx::query(&sql)
            .bind(&query)
            .bind(i64::from(limit))
            .fetch_all(self.pool())
            .await?;
        // The cases of the hits in one query, then back in rank order.
        let ids: Vec<String> = rows
            .iter()
            .map(|r| r.try_get("case_id"))
            .collect::<Result<_, _>>()?;
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(CASE_SELECT_SQL);
        q.push(" WHERE c.id IN (");
        let mut list = q.separated(", ");
        for id in &ids {
            list.push_bind(id);
        }
        q.push(")");
        let mut cases: std::collections::HashMap<String, Case> = q
            .build()
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|r| case_from_row(r).map(|c| (c.id.to_string(), c)))
            .collect::<Result<_>>()?;
        let mut hits = Vec::with_capacity(rows.len());
        for row in rows {
            let id: String = row.try_get("case_id")?;
            if let Some(case) = cases.remove(&id) {
                let mut snippet: String = row.try_get("snip")?;
                if arabic_query {
                    let fields: Vec<String> = ["title", "description", "notes", "enterprise"]
                        .iter()
                        .map(|c| row.try_get(*c))
                        .collect::<Result<_, _>>()?;
                    let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
                    if let Some(s) = written_snippet(&terms, &fields) {
                        snippet = s;
                    }
                }
                hits.push(SearchHit {
                    case,
                    snippet,
                    score: row.try_get("score")?,
                });
            }
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
            Some("\"Fès\"* \"inde\"*")
        );
        assert_eq!(
            fts_query("indemnités salaire").as_deref(),
            Some("\"indemnit\"* \"salair\"*")
        );
        assert_eq!(
            fts_query("002136093").as_deref(),
            Some("\"002136093\"*"),
            "numbers keep every digit"
        );
        assert_eq!(
            fts_query("a\" OR b:*").as_deref(),
            Some("\"a\"* \"OR\"* \"b\"*")
        );
        assert_eq!(fts_query(" -- ").as_deref(), None);
        assert_eq!(
            fts_query("الضمان").as_deref(),
            Some("(arabic : \"ضم\" OR arabic : \"ضمان\"*)"),
            "Arabic: the stem, or the word without its article as a prefix"
        );
        assert_eq!(
            fts_query("بالتعويضات").as_deref(),
            Some("(arabic : \"تعويض\" OR arabic : \"تعويضا\"*)"),
            "cut by characters"
        );
        assert_eq!(
            fts_query("وثائق ٠١٥٦").as_deref(),
            Some("(arabic : \"ثايق\" OR arabic : \"وثاي\"* OR arabic : \"ثايق\"*) AND \"0156\"*"),
            "a leading و may be a particle or the word's own letter; Eastern digits are digits"
        );
    }
}
