//! The document transaction of a push on each engine (`PgDocTx`, `SqliteDocTx`): the
//! [`DocTx`] through which [`crate::sync::apply`] reads and writes the server's documents.
//!
//! Documents written during a push are kept in memory — later mutations of the same push read
//! them there first, then what the push read ahead, then the database — and written at the end
//! by `flush`, many rows per statement, in version order. ICE owners, aliases, attachment
//! references and reference numbers are written at once, in the push's transaction. Nothing is
//! committed here: the push group commits or drops the whole transaction.

use std::collections::HashMap;

use async_trait::async_trait;
use corridor_model::engine::Write;
use corridor_model::sync::Doc;
use corridor_model::Region;

use crate::sync::DocTx;

use super::engine::{for_each_engine, PoolDb};
use super::sql::region_filter;
use super::types::{corrupt, Result};

/// A document written during a push, kept until the push writes them all.
#[derive(Debug, Clone)]
pub(super) struct Pending {
    kind: &'static str,
    id: uuid::Uuid,
    region: Option<String>,
    audience: &'static str,
    parent: Option<uuid::Uuid>,
    version: i64,
    doc: String,
}

/// The static name of a document kind.
fn kind_name(kind: &str) -> &'static str {
    match kind {
        "enterprise" => "enterprise",
        "case" => "case",
        "event" => "event",
        "conflict" => "conflict",
        "meeting" => "meeting",
        "roadmap" => "roadmap",
        _ => "unknown",
    }
}

fn doc_json(doc: &Doc) -> Result<String> {
    // The stored text is the inner document; the kind is its own column.
    let v = serde_json::to_value(doc).map_err(corrupt)?;
    Ok(v.get("doc").map(|d| d.to_string()).unwrap_or_default())
}

/// The document transaction of an engine: its type, `flush`, and its [`DocTx`].
macro_rules! doc_tx_impl {
    ($name:ident, $pool:ty, $kind:literal, $txname:ident, $begin:literal) => {
        /// A push transaction on this engine. Documents written during the push are kept in
        /// memory (later mutations of the batch read them there) and written at the end, many
        /// rows per statement.
        pub(super) struct $txname {
            pub(super) tx: sqlx::Transaction<'static, <$pool as PoolDb>::Db>,
            pub(super) version: i64,
            pub(super) written: HashMap<(&'static str, uuid::Uuid), Pending>,
            /// Documents read ahead for the batch (`None`: known not to exist).
            pub(super) read: HashMap<(&'static str, uuid::Uuid), Option<String>>,
        }

        impl $txname {
            /// Writes the documents kept in memory.
            pub(super) async fn flush(&mut self) -> Result<()> {
                let mut rows: Vec<Pending> = self.written.drain().map(|(_, p)| p).collect();
                rows.sort_by_key(|p| p.version);
                for chunk in rows.chunks(500) {
                    let mut q = sqlx::QueryBuilder::<<$pool as PoolDb>::Db>::new(
                        "INSERT INTO sync_doc (kind, id, region, audience, parent_id, version, doc) ",
                    );
                    q.push_values(chunk, |mut b, p| {
                        b.push_bind(p.kind)
                            .push_bind(p.id.to_string())
                            .push_bind(p.region.clone())
                            .push_bind(p.audience)
                            .push_bind(p.parent.map(|x| x.to_string()))
                            .push_bind(p.version)
                            .push_bind(p.doc.clone());
                    });
                    q.push(
                        " ON CONFLICT (kind, id) DO UPDATE SET region = excluded.region, \
                         audience = excluded.audience, parent_id = excluded.parent_id, \
                         version = excluded.version, doc = excluded.doc",
                    );
                    q.build().execute(&mut *self.tx).await?;
                }
                Ok(())
            }
        }

        #[async_trait]
        impl DocTx for $txname {
            async fn get_raw(&mut self, kind: &str, id: uuid::Uuid) -> Result<Option<String>> {
                if let Some(p) = self.written.get(&(kind_name(kind), id)) {
                    return Ok(Some(p.doc.clone()));
                }
                if let Some(doc) = self.read.get(&(kind_name(kind), id)) {
                    return Ok(doc.clone());
                }
                Ok(sqlx::query_scalar("SELECT doc FROM sync_doc WHERE kind = $1 AND id = $2")
                    .bind(kind)
                    .bind(id.to_string())
                    .fetch_optional(&mut *self.tx)
                    .await?)
            }

            async fn put(&mut self, row: &Write) -> Result<()> {
                self.version += 1;
                let kind = row.doc.kind();
                let id = row.doc.id();
                self.written.insert(
                    (kind, id),
                    Pending {
                        kind,
                        id,
                        region: row.region.map(|r| r.code()),
                        audience: row.audience.code(),
                        parent: row.parent,
                        version: self.version,
                        doc: doc_json(&row.doc)?,
                    },
                );
                Ok(())
            }

            async fn children_raw(&mut self, kind: &str, parent: uuid::Uuid) -> Result<Vec<String>> {
                let rows: Vec<(String, String)> =
                    sqlx::query_as("SELECT id, doc FROM sync_doc WHERE parent_id = $1 AND kind = $2")
                        .bind(parent.to_string())
                        .bind(kind)
                        .fetch_all(&mut *self.tx)
                        .await?;
                let kind = kind_name(kind);
                let mut docs: Vec<String> = rows
                    .into_iter()
                    .filter(|(id, _)| {
                        id.parse()
                            .map_or(true, |id: uuid::Uuid| !self.written.contains_key(&(kind, id)))
                    })
                    .map(|(_, doc)| doc)
                    .collect();
                docs.extend(
                    self.written
                        .values()
                        .filter(|p| p.kind == kind && p.parent == Some(parent))
                        .map(|p| p.doc.clone()),
                );
                Ok(docs)
            }

            async fn ice_owner(&mut self, ice: &str) -> Result<Option<uuid::Uuid>> {
                let id: Option<String> = sqlx::query_scalar("SELECT enterprise_id FROM enterprise_ice WHERE ice = $1")
                    .bind(ice)
                    .fetch_optional(&mut *self.tx)
                    .await?;
                id.map(|i| i.parse().map_err(corrupt)).transpose()
            }

            async fn set_ice_owner(&mut self, ice: &str, id: uuid::Uuid) -> Result<()> {
                sqlx::query("INSERT INTO enterprise_ice (ice, enterprise_id) VALUES ($1, $2)")
                    .bind(ice)
                    .bind(id.to_string())
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn alias(&mut self, id: uuid::Uuid) -> Result<Option<uuid::Uuid>> {
                let id: Option<String> = sqlx::query_scalar("SELECT id FROM id_alias WHERE alias = $1")
                    .bind(id.to_string())
                    .fetch_optional(&mut *self.tx)
                    .await?;
                id.map(|i| i.parse().map_err(corrupt)).transpose()
            }

            async fn set_alias(&mut self, alias: uuid::Uuid, id: uuid::Uuid) -> Result<()> {
                sqlx::query("INSERT INTO id_alias (alias, id) VALUES ($1, $2)")
                    .bind(alias.to_string())
                    .bind(id.to_string())
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn add_attachment_ref(&mut self, hash: &str, region: Region) -> Result<()> {
                sqlx::query("INSERT INTO attachment_ref (hash, region) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(hash)
                    .bind(region.code())
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn content(
                &mut self,
                hash: &str,
                username: &str,
                regions: Option<&[Region]>,
            ) -> Result<Option<u64>> {
                let size: Option<i64> = sqlx::query_scalar(&format!(
                    "SELECT size FROM attachment WHERE hash = $1 AND complete AND (EXISTS \
                     (SELECT 1 FROM attachment_holder h WHERE h.hash = attachment.hash AND h.username = $2) \
                     OR EXISTS (SELECT 1 FROM attachment_ref r WHERE r.hash = attachment.hash AND {}))",
                    region_filter("r.region", regions)
                ))
                .bind(hash)
                .bind(username)
                .fetch_optional(&mut *self.tx)
                .await?;
                Ok(size.and_then(|s| u64::try_from(s).ok()))
            }

            async fn next_reference(&mut self, year: i32, region: Region) -> Result<i64> {
                Ok(sqlx::query_scalar(
                    "INSERT INTO reference_counter (year, region, next) VALUES ($1, $2, 2) \
                     ON CONFLICT (year, region) DO UPDATE SET next = reference_counter.next + 1 \
                     RETURNING next - 1",
                )
                .bind(year)
                .bind(region.code())
                .fetch_one(&mut *self.tx)
                .await?)
            }
        }
    };
}

for_each_engine!(doc_tx_impl);

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use corridor_model::sync::VersionedDoc;
    use corridor_model::timeline::{CaseEvent, EventKind, Visibility};

    use crate::storage::types::RawChange;

    /// Pull pages pass stored documents through unparsed: what goes out must read back, on the
    /// device, as the very document that was stored.
    #[test]
    fn a_stored_document_passed_through_reads_back_as_itself() {
        let doc = Doc::Event(CaseEvent {
            id: uuid::Uuid::now_v7(),
            case_id: uuid::Uuid::now_v7(),
            at: Utc::now(),
            author: "s.alaoui".into(),
            kind: EventKind::Note {
                visibility: Visibility::Cgem,
                text: "Relance « urgente » \"citée\" — مراسلة".into(),
            },
        });
        let raw = RawChange {
            version: 42,
            kind: "event".into(),
            doc: serde_json::value::RawValue::from_string(doc_json(&doc).expect("stored form"))
                .expect("JSON"),
        };
        let wire = serde_json::to_string(&raw).expect("serialise");
        let back: VersionedDoc = serde_json::from_str(&wire).expect("a versioned document");
        assert_eq!(back.version, 42);
        assert_eq!(back.doc, doc);
    }
}
