//! Full-text search over cases: reference, title, description, notes, enterprise name and ICE.
//!
//! FTS5 with the `unicode61` tokenizer and `remove_diacritics 2`, so "Fes" finds "Fès" and
//! "indemnites" finds "indemnités"; Arabic words are tokens like any other. Every word typed is
//! a prefix ("indem" finds "indemnités") and all of them must match. Results are ranked by BM25
//! (title and reference weigh most) and come with a snippet where the match is marked `[…]`.
//!
//! Ranking needs per-row statistics for every match, which is slow when a query matches a large
//! part of the store (a single common word over 100,000 cases). Past [`RANKED_MATCHES`] matches,
//! results come newest-activity first instead (the index's own order, cheap), and the user
//! narrows by typing more words.

use serde::Serialize;

use crate::cases::{case_from_row, CASE_SELECT_SQL};
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
/// made a prefix; words are ANDed. `None` when nothing searchable was typed.
pub fn fts_query(input: &str) -> Option<String> {
    let words: Vec<String> = input
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{w}\"*"))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// Folds text for matching as the index does: lower case, diacritics removed.
fn fold(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The folded words of a query.
fn query_words(input: &str) -> Vec<String> {
    input
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(fold)
        .collect()
}

/// A snippet like FTS5's: about a dozen words around the first match in the first field that
/// has one, matches marked `[…]`, cuts marked `…`.
fn snippet(fields: &[String], words: &[String]) -> String {
    let matches = |token: &str| {
        let t = fold(token);
        words.iter().any(|w| t.starts_with(w.as_str()))
    };
    for field in fields {
        let tokens: Vec<&str> = field.split_whitespace().collect();
        let Some(first) = tokens
            .iter()
            .position(|t| matches(t.trim_matches(|c: char| !c.is_alphanumeric())))
        else {
            continue;
        };
        let start = first.saturating_sub(5);
        let end = (start + 12).min(tokens.len());
        let mut out = String::new();
        if start > 0 {
            out.push('…');
        }
        for (i, t) in tokens[start..end].iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            let core = t.trim_matches(|c: char| !c.is_alphanumeric());
            if !core.is_empty() && matches(core) {
                out.push_str(&t.replacen(core, &format!("[{core}]"), 1));
            } else {
                out.push_str(t);
            }
        }
        if end < tokens.len() {
            out.push('…');
        }
        return out;
    }
    String::new()
}

impl Store {
    /// Searches the cases; at most `limit` results, best first.
    pub async fn search(&self, input: &str, limit: u32) -> Result<Vec<SearchHit>> {
        let Some(query) = fts_query(input).filter(|_| limit > 0) else {
            return Ok(Vec::new());
        };
        // One pass over the index: the newest matches, up to the ranking bound.
        let newest: Vec<(i64, String)> = sqlx::query_as(
            "SELECT rowid, case_id FROM case_fts WHERE case_fts MATCH ?1 ORDER BY rowid DESC LIMIT ?2",
        )
        .bind(&query)
        .bind(RANKED_MATCHES + 1)
        .fetch_all(self.pool())
        .await?;
        let rows: Vec<(String, f64, String)> = if i64::try_from(newest.len()).unwrap_or(i64::MAX)
            <= RANKED_MATCHES
        {
            // Rank every match, but build snippets only for the page returned: the inner query
            // orders by BM25 and limits, the outer one computes the snippets of those rows.
            sqlx::query_as(
                "SELECT case_id, bm25(case_fts, 0.0, 10.0, 8.0, 2.0, 2.0, 4.0, 10.0) AS score, \
                 snippet(case_fts, -1, '[', ']', '…', 12) AS snip \
                 FROM case_fts WHERE case_fts MATCH ?1 AND rowid IN ( \
                   SELECT rowid FROM case_fts WHERE case_fts MATCH ?1 \
                   ORDER BY bm25(case_fts, 0.0, 10.0, 8.0, 2.0, 2.0, 4.0, 10.0) LIMIT ?2) \
                 ORDER BY score",
            )
            .bind(&query)
            .bind(i64::from(limit))
            .fetch_all(self.pool())
            .await?
        } else {
            // Too many matches to rank: the newest ones, their rows read by rowid (no second
            // pass over the index) and their snippets made here.
            let page = &newest[..newest.len().min(limit as usize)];
            let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
                "SELECT rowid, reference, title, description, notes, enterprise, ice FROM case_fts WHERE rowid IN (",
            );
            let mut list = q.separated(", ");
            for (rowid, _) in page {
                list.push_bind(*rowid);
            }
            q.push(")");
            let texts: std::collections::HashMap<i64, [String; 6]> = q
                .build_query_as::<(i64, String, String, String, String, String, String)>()
                .fetch_all(self.pool())
                .await?
                .into_iter()
                .map(
                    |(r, reference, title, description, notes, enterprise, ice)| {
                        (r, [title, reference, enterprise, description, notes, ice])
                    },
                )
                .collect();
            let words = query_words(input);
            page.iter()
                .map(|(rowid, id)| {
                    let snip = texts
                        .get(rowid)
                        .map(|t| snippet(t, &words))
                        .unwrap_or_default();
                    (id.clone(), 0.0, snip)
                })
                .collect()
        };
        // The cases of the hits in one query, then back in rank order.
        let ids: Vec<&String> = rows.iter().map(|r| &r.0).collect();
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(CASE_SELECT_SQL);
        q.push(" WHERE c.id IN (");
        let mut list = q.separated(", ");
        for id in ids {
            list.push_bind(id.clone());
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
        for (id, score, snippet) in rows {
            if let Some(case) = cases.remove(&id) {
                hits.push(SearchHit {
                    case,
                    snippet,
                    score,
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
    fn snippets_mark_accent_insensitive_prefix_matches() {
        let fields = ["Droits AMO fermés".to_owned(), "Les indemnités journalières de Fès sont bloquées depuis trois mois pour ce salarié en arrêt".to_owned()];
        let s = super::snippet(&fields, &super::query_words("indemnites fes"));
        assert_eq!(
            s,
            "Les [indemnités] journalières de [Fès] sont bloquées depuis trois mois pour ce…"
        );
        assert_eq!(
            super::snippet(&fields, &super::query_words("amo")),
            "Droits [AMO] fermés"
        );
        assert_eq!(super::snippet(&fields, &super::query_words("zzz")), "");
    }

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
