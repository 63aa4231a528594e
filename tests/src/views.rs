//! What the server holds, seen through its API, for the tests to compare: every document a
//! user may see with its version, the head version, and the counts of `audit verify`.

use std::collections::BTreeMap;

use corridor_model::sync::{PullRequest, PullResponse};
use corridor_sync::ServerClient;

/// Every document the user may see, by (kind, id), with its version: a full pull from zero.
pub async fn server_view(url: &str, token: &str) -> BTreeMap<(String, String), i64> {
    let client = ServerClient::new(url).expect("client");
    let mut seen = BTreeMap::new();
    let mut cursor = None;
    loop {
        let page = client
            .pull(
                token,
                &PullRequest {
                    cursor,
                    limit: Some(5_000),
                },
            )
            .await
            .expect("pull");
        for c in &page.changes {
            seen.insert((c.doc.kind().to_owned(), c.doc.id().to_string()), c.version);
        }
        cursor = Some(page.cursor);
        if !page.more {
            let versions: std::collections::BTreeSet<i64> = seen.values().copied().collect();
            assert_eq!(
                versions.len(),
                seen.len(),
                "every change has its own version"
            );
            return seen;
        }
    }
}

/// The server's head version, and how many documents a first page brings.
pub async fn head(url: &str, token: &str) -> (i64, usize) {
    let client = ServerClient::new(url).expect("client");
    let page: PullResponse = client
        .pull(token, &PullRequest::default())
        .await
        .expect("pull");
    (page.head, page.changes.len())
}

/// The number of changes applied that `audit verify` reports.
pub fn applied(audit: &str) -> &str {
    audit
        .split('(')
        .nth(1)
        .and_then(|rest| rest.split(" changes applied").next())
        .unwrap_or_else(|| panic!("no count in {audit:?}"))
}
