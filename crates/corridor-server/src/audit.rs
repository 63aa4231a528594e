//! The audit log: one entry per applied mutation (who, which device, when, what), each chained
//! to the previous one by a SHA-256 hash, so that an entry altered, removed or inserted after
//! the fact breaks the chain at that point. `corridor-server audit verify` walks it.

use chrono::{DateTime, SubsecRound, Utc};
use corridor_model::mutation::Mutation;
use corridor_model::sync::Outcome;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::storage::types::StorageError;

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Instants are kept to the microsecond (PostgreSQL's precision), so that they hash the same
/// once read back.
pub fn truncate(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(6)
}

/// One entry of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// Position, from 1.
    pub seq: i64,
    /// When the server applied the mutation.
    pub at: DateTime<Utc>,
    /// Who.
    pub username: String,
    /// From which device.
    pub device_id: String,
    /// The mutation.
    pub mutation_id: String,
    /// Its name.
    pub name: String,
    /// `applied` or `conflict`.
    pub outcome: String,
    /// The mutation as pushed (JSON).
    pub body: String,
    /// Hash of the previous entry.
    pub prev_hash: String,
    /// Hash of this entry (over all the fields above).
    pub hash: String,
}

impl AuditEntry {
    /// The entry recording `m`, chained to `prev_hash`.
    pub fn new(
        seq: i64,
        at: DateTime<Utc>,
        username: &str,
        device_id: &str,
        m: &Mutation,
        outcome: &Outcome,
        prev_hash: &str,
    ) -> Result<Self, StorageError> {
        let mut e = AuditEntry {
            seq,
            at: truncate(at),
            username: username.to_owned(),
            device_id: device_id.to_owned(),
            mutation_id: m.mutation_id.to_string(),
            name: m.op.name().to_owned(),
            outcome: match outcome {
                Outcome::Applied => "applied",
                Outcome::Conflict { .. } => "conflict",
                Outcome::Rejected { .. } => "rejected",
            }
            .to_owned(),
            body: serde_json::to_string(m).map_err(|e| StorageError::Corrupt(e.to_string()))?,
            prev_hash: prev_hash.to_owned(),
            hash: String::new(),
        };
        e.hash = e.compute_hash();
        Ok(e)
    }

    /// The hash the entry should carry.
    pub fn compute_hash(&self) -> String {
        let mut h = Sha256::new();
        for part in [
            self.seq.to_string().as_str(),
            &self.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            &self.username,
            &self.device_id,
            &self.mutation_id,
            &self.name,
            &self.outcome,
            &self.body,
            &self.prev_hash,
        ] {
            // Length-prefixed: no two different entries hash the same text.
            h.update((part.len() as u64).to_be_bytes());
            h.update(part.as_bytes());
        }
        hex::encode(h.finalize())
    }
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    /// Entries checked.
    pub entries: i64,
    /// The first broken entry and why, if any.
    pub broken: Option<(i64, String)>,
}

/// Walks the chain in order.
pub fn verify(entries: &[AuditEntry]) -> AuditReport {
    let mut prev = GENESIS.to_owned();
    for (i, e) in entries.iter().enumerate() {
        let expected_seq = i as i64 + 1;
        let why = if e.seq != expected_seq {
            Some(format!("entrée manquante : n° {expected_seq} attendu"))
        } else if e.prev_hash != prev {
            Some("ne suit pas l'entrée précédente (chaînage rompu)".to_owned())
        } else if e.compute_hash() != e.hash {
            Some("contenu modifié après coup (empreinte invalide)".to_owned())
        } else {
            None
        };
        if let Some(why) = why {
            return AuditReport {
                entries: entries.len() as i64,
                broken: Some((e.seq, why)),
            };
        }
        prev.clone_from(&e.hash);
    }
    AuditReport {
        entries: entries.len() as i64,
        broken: None,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use corridor_model::mutation::Op;
    use uuid::Uuid;

    use super::*;

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|seq| {
                let m = Mutation {
                    mutation_id: Uuid::now_v7(),
                    device_id: Uuid::nil(),
                    device_seq: seq,
                    op: Op::SetMinutes {
                        meeting_id: Uuid::nil(),
                        text: format!("pv {seq}"),
                    },
                    base: BTreeMap::new(),
                    authored_at: Utc::now(),
                    author: "k.alaoui".into(),
                };
                let e = AuditEntry::new(
                    seq,
                    Utc::now(),
                    "k.alaoui",
                    "d",
                    &m,
                    &Outcome::Applied,
                    &prev,
                )
                .expect("entry");
                prev.clone_from(&e.hash);
                e
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies_and_any_tampering_is_located() {
        let good = chain(5);
        assert_eq!(verify(&good).broken, None);
        assert_eq!(verify(&good).entries, 5);

        let mut edited = good.clone();
        edited[2].username = "intrus".into();
        assert_eq!(verify(&edited).broken.map(|b| b.0), Some(3));

        let mut removed = good.clone();
        removed.remove(1);
        assert_eq!(verify(&removed).broken.map(|b| b.0), Some(3));

        // Rewriting an entry with a fresh hash still breaks the next link.
        let mut rehashed = good;
        rehashed[1].body = "{}".into();
        rehashed[1].hash = rehashed[1].compute_hash();
        assert_eq!(verify(&rehashed).broken.map(|b| b.0), Some(3));
    }
}
