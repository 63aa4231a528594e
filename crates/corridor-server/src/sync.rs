//! The server side of the sync contract: applying one pushed mutation to the server's documents.
//!
//! The rules are the engine's ([`corridor_model::engine`]); this module only loads what a
//! mutation needs through [`DocTx`] (implemented on a transaction of either storage engine),
//! asks the engine, and persists the effects — final references, enterprise merges,
//! attachment references and documents. A refused mutation writes nothing.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use corridor_model::api::Role;
use corridor_model::case::format_reference;
use corridor_model::engine::{
    self, Access, Actor, Authority, Content, Context, DocKind, Needs, Rejection, View, Write,
};
use corridor_model::mutation::Mutation;
use corridor_model::sync::{CaseDoc, Conflict};
use corridor_model::{Enterprise, Region};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::storage::types::{Session, StorageError};

pub use corridor_model::engine::{audiences, in_scope};

/// What [`apply`] needs of a write transaction.
#[async_trait]
pub trait DocTx: Send {
    /// The JSON text of a document.
    async fn get_raw(&mut self, kind: &str, id: Uuid) -> Result<Option<String>, StorageError>;
    /// Writes a document under a new change version.
    async fn put(&mut self, row: &Write) -> Result<(), StorageError>;
    /// JSON texts of the documents of `kind` whose parent is `parent`.
    async fn children_raw(&mut self, kind: &str, parent: Uuid)
        -> Result<Vec<String>, StorageError>;
    /// The enterprise recorded with this ICE.
    async fn ice_owner(&mut self, ice: &str) -> Result<Option<Uuid>, StorageError>;
    /// Records the enterprise of an ICE.
    async fn set_ice_owner(&mut self, ice: &str, id: Uuid) -> Result<(), StorageError>;
    /// The id an enterprise id was merged into.
    async fn alias(&mut self, id: Uuid) -> Result<Option<Uuid>, StorageError>;
    /// Records that `alias` stands for `id`.
    async fn set_alias(&mut self, alias: Uuid, id: Uuid) -> Result<(), StorageError>;
    /// Records that the content `hash` is attached to a case of `region`.
    async fn add_attachment_ref(&mut self, hash: &str, region: Region) -> Result<(), StorageError>;
    /// The size of a complete content that `username` uploaded or may already see in
    /// `regions` (`None`: every region).
    async fn content(
        &mut self,
        hash: &str,
        username: &str,
        regions: Option<&[Region]>,
    ) -> Result<Option<u64>, StorageError>;
    /// Next final reference number for a year and region.
    async fn next_reference(&mut self, year: i32, region: Region) -> Result<i64, StorageError>;
}

async fn get<T: DeserializeOwned>(
    tx: &mut dyn DocTx,
    kind: &str,
    id: Uuid,
) -> Result<Option<T>, StorageError> {
    tx.get_raw(kind, id)
        .await?
        .map(|raw| serde_json::from_str(&raw))
        .transpose()
        .map_err(|e| StorageError::Corrupt(e.to_string()))
}

/// What applying a mutation did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// Conflicts recorded (stale field edits kept aside).
    pub conflicts: Vec<Uuid>,
}

/// The result of [`apply`]: a storage failure aborts the whole push; a rejection or success
/// answers this mutation.
pub type ApplyResult = Result<Result<Applied, Rejection>, StorageError>;

/// The engine's actor for a session.
pub fn actor(session: &Session) -> Result<Actor, StorageError> {
    Ok(Actor {
        username: session.user.username.clone(),
        device: session
            .device_id
            .parse()
            .map_err(|e: uuid::Error| StorageError::Corrupt(e.to_string()))?,
        access: Access::Signed {
            role: session.user.role,
            regions: session.user.regions.clone(),
        },
    })
}

/// Loads what the engine needs for a mutation.
async fn load_view(tx: &mut dyn DocTx, actor: &Actor, needs: &Needs) -> Result<View, StorageError> {
    let mut view = View::default();
    for id in &needs.cases {
        if let Some(c) = get::<CaseDoc>(tx, "case", *id).await? {
            view.cases.insert(*id, c);
        }
    }
    for id in &needs.enterprises {
        let target = match tx.alias(*id).await? {
            Some(t) => {
                view.aliases.insert(*id, t);
                t
            }
            None => *id,
        };
        if let Some(e) = get::<Enterprise>(tx, "enterprise", target).await? {
            view.enterprises.insert(target, e);
        }
    }
    for id in &needs.meetings {
        if let Some(m) = get(tx, "meeting", *id).await? {
            view.meetings.insert(*id, m);
        }
    }
    for id in &needs.roadmap {
        if let Some(r) = get(tx, "roadmap", *id).await? {
            view.roadmap.insert(*id, r);
        }
    }
    for id in &needs.conflicts {
        if let Some(c) = get::<Conflict>(tx, "conflict", *id).await? {
            view.conflicts.insert(*id, c);
        }
    }
    if let Some(parent) = needs.children_of {
        for raw in tx.children_raw("case", parent).await? {
            let child: CaseDoc =
                serde_json::from_str(&raw).map_err(|e| StorageError::Corrupt(e.to_string()))?;
            view.children.push(child.case.status);
        }
    }
    if let Some(start) = needs.ancestors_of {
        let mut up = Some(start);
        while let Some(id) = up {
            view.ancestors.push(id);
            if view.ancestors.len() > engine::MAX_ANCESTORS {
                break;
            }
            up = get::<CaseDoc>(tx, "case", id)
                .await?
                .and_then(|c| c.case.parent_id);
        }
    }
    if let Some(ice) = &needs.ice {
        view.ice_owner = tx.ice_owner(ice).await?;
    }
    for (kind, id) in &needs.fresh {
        let mut taken = tx.get_raw(kind.code(), *id).await?.is_some();
        if *kind == DocKind::Enterprise && !taken {
            if let Some(target) = tx.alias(*id).await? {
                view.aliases.insert(*id, target);
                taken = true;
            }
        }
        if taken {
            view.taken.insert((*kind, *id));
        }
    }
    if let Some(hash) = &needs.content {
        let regions = match &actor.access {
            Access::Signed {
                role: Role::CgemOfficer | Role::CnssRep,
                regions,
            } => Some(regions.as_slice()),
            _ => None,
        };
        view.content = tx
            .content(hash, &actor.username, regions)
            .await?
            .map(|size| Content { size });
    }
    Ok(view)
}

/// Applies one mutation of `session`'s device, `now` being the server's clock.
pub async fn apply(
    tx: &mut dyn DocTx,
    session: &Session,
    m: &Mutation,
    now: DateTime<Utc>,
) -> ApplyResult {
    let actor = actor(session)?;
    let view = load_view(tx, &actor, &engine::needs(&m.op)).await?;
    let ctx = Context {
        actor: &actor,
        authority: Authority::Server,
        now,
    };
    let mut fx = match engine::apply(&view, ctx, m) {
        Ok(fx) => fx,
        Err(r) => return Ok(Err(r)),
    };
    if let Some((alias, id)) = fx.alias {
        tx.set_alias(alias, id).await?;
    }
    if let Some((ice, id)) = &fx.ice_owner {
        tx.set_ice_owner(ice, *id).await?;
    }
    if let Some((hash, region)) = &fx.attachment {
        tx.add_attachment_ref(hash, *region).await?;
    }
    if let Some((year, region)) = fx.final_reference {
        let seq = tx.next_reference(year, region).await?;
        fx.set_reference(&format_reference(
            year,
            region,
            u32::try_from(seq).unwrap_or(u32::MAX),
        ));
    }
    for w in &fx.writes {
        tx.put(w).await?;
    }
    Ok(Ok(Applied {
        conflicts: fx.conflicts,
    }))
}
