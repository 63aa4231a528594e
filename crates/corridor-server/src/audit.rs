//! The audit log: one entry per pushed mutation — applied, in conflict or refused — and per
//! account event (sign-in, failed sign-in, sign-out, revocation, a user's regions, account
//! disabled or enabled, new password), each chained to the previous one by a SHA-256 hash, so
//! that an entry altered, removed or inserted after the fact breaks the chain at that point.
//!
//! A chain alone can be recomputed by anyone who can write to the database. With an audit key
//! kept outside it ([`AuditKey`], `CORRIDOR_AUDIT_KEY_FILE`), each entry is also sealed by an
//! HMAC-SHA256 of its hash: rewriting entries and their hashes then breaks the seals, which
//! only the key can remake. `corridor-server audit verify` walks the chain and checks the
//! seals, naming the first entry where either breaks.

use chrono::{DateTime, SubsecRound, Utc};
use corridor_model::mutation::Mutation;
use corridor_model::sync::Outcome;
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

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
    /// HMAC-SHA256 of `hash` under the audit key, when the server has one.
    pub mac: Option<String>,
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
            body: serde_json::to_string(&serde_json::json!({
                "mutation": mutation_json(m)?,
                "refusal": match outcome {
                    Outcome::Rejected { code, .. } => Some(code.as_str()),
                    _ => None,
                },
            }))
            .map_err(|e| StorageError::Corrupt(e.to_string()))?,
            prev_hash: prev_hash.to_owned(),
            hash: String::new(),
            mac: None,
        };
        e.hash = e.compute_hash();
        Ok(e)
    }

    /// The entry recording an account event `name` (`login`, `login_failed`, `logout`,
    /// `revoke_device`, `set_regions`, `disable_user`, `enable_user`, `set_password`) by
    /// `username`, with its details, chained to `prev_hash`.
    pub fn event(
        seq: i64,
        at: DateTime<Utc>,
        username: &str,
        device_id: &str,
        name: &str,
        details: &serde_json::Value,
        prev_hash: &str,
    ) -> Self {
        let mut e = AuditEntry {
            seq,
            at: truncate(at),
            username: username.to_owned(),
            device_id: device_id.to_owned(),
            mutation_id: uuid::Uuid::now_v7().to_string(),
            name: name.to_owned(),
            outcome: EVENT.to_owned(),
            body: details.to_string(),
            prev_hash: prev_hash.to_owned(),
            hash: String::new(),
            mac: None,
        };
        e.hash = e.compute_hash();
        e
    }

    /// Seals the entry with `key` (when there is one).
    pub fn sealed(mut self, key: Option<&AuditKey>) -> Self {
        self.mac = key.map(|k| k.seal(&self.hash));
        self
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

/// The `outcome` of an account event.
pub const EVENT: &str = "event";

/// The key that seals the audit log's entries: 32 bytes kept outside the database (a file
/// readable by the server's account only), wiped from memory when dropped.
pub struct AuditKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(…)")
    }
}

impl AuditKey {
    /// A key from its 64 hexadecimal digits.
    pub fn from_hex(text: &str) -> Result<Self, String> {
        let mut key = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(text.trim(), key.as_mut())
            .map_err(|_| "the audit key must be 64 hexadecimal digits (32 bytes)".to_owned())?;
        Ok(AuditKey(key))
    }

    /// The key named by `CORRIDOR_AUDIT_KEY_FILE` (a file holding its hex digits), or none.
    pub fn from_env() -> Result<Option<Self>, String> {
        let Ok(path) = std::env::var("CORRIDOR_AUDIT_KEY_FILE") else {
            return Ok(None);
        };
        let text = Zeroizing::new(
            std::fs::read_to_string(&path)
                .map_err(|e| format!("audit key file {path:?} unreadable: {e}"))?,
        );
        Self::from_hex(&text).map(Some)
    }

    /// A new random key, as hex digits.
    pub fn generate() -> Zeroizing<String> {
        use argon2::password_hash::rand_core::{OsRng, RngCore};
        let mut key = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(key.as_mut());
        Zeroizing::new(hex::encode(key.as_ref()))
    }

    /// HMAC-SHA256 of `hash`, hex.
    pub fn seal(&self, hash: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.0.as_ref())
            .expect("HMAC takes a key of any length");
        mac.update(hash.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

/// The mutation as pushed; one the server could not read, by its ids, the name it came with
/// and why it could not be read.
fn mutation_json(m: &Mutation) -> Result<serde_json::Value, StorageError> {
    match &m.op {
        corridor_model::mutation::Op::Unreadable { name, reason } => Ok(serde_json::json!({
            "mutation_id": m.mutation_id,
            "device_id": m.device_id,
            "device_seq": m.device_seq,
            "name": name,
            "unreadable": reason,
        })),
        _ => serde_json::to_value(m).map_err(|e| StorageError::Corrupt(e.to_string())),
    }
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct AuditReport {
    /// Entries checked.
    pub entries: i64,
    /// The first broken entry and why, if any.
    pub broken: Option<(i64, String)>,
    /// Mutations applied (or applied with a conflict).
    pub applied: i64,
    /// Mutations refused.
    pub refused: i64,
    /// Account events.
    pub events: i64,
    /// Entries whose seal was checked against the audit key (`None`: no key given).
    pub sealed: Option<i64>,
    /// Entries written before the server had an audit key (no seal, before the first sealed
    /// one).
    pub unsealed: i64,
}

/// Walks the chain in order, and checks the seals when `key` is given: an entry whose seal does
/// not match, or an entry without a seal after a sealed one, breaks it.
pub fn verify(entries: &[AuditEntry], key: Option<&AuditKey>) -> AuditReport {
    let mut report = AuditReport {
        entries: entries.len() as i64,
        sealed: key.map(|_| 0),
        ..AuditReport::default()
    };
    let mut prev = GENESIS.to_owned();
    let mut seen_seal = false;
    for (i, e) in entries.iter().enumerate() {
        let expected_seq = i as i64 + 1;
        let why = if e.seq != expected_seq {
            Some(format!("entrée manquante : n° {expected_seq} attendu"))
        } else if e.prev_hash != prev {
            Some("ne suit pas l'entrée précédente (chaînage rompu)".to_owned())
        } else if e.compute_hash() != e.hash {
            Some("contenu modifié après coup (empreinte invalide)".to_owned())
        } else if let Some(k) = key {
            match &e.mac {
                Some(mac) if *mac == k.seal(&e.hash) => {
                    seen_seal = true;
                    None
                }
                Some(_) => {
                    Some("scellement invalide : entrée réécrite sans la clé d'audit".to_owned())
                }
                None if seen_seal => Some("scellement absent après une entrée scellée".to_owned()),
                None => {
                    report.unsealed += 1;
                    None
                }
            }
        } else {
            None
        };
        if let Some(why) = why {
            report.broken = Some((e.seq, why));
            return report;
        }
        if e.mac.is_some() && key.is_some() {
            report.sealed = report.sealed.map(|n| n + 1);
        }
        match e.outcome.as_str() {
            EVENT => report.events += 1,
            "rejected" => report.refused += 1,
            _ => report.applied += 1,
        }
        prev.clone_from(&e.hash);
    }
    report
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
        assert_eq!(verify(&good, None).broken, None);
        assert_eq!(verify(&good, None).entries, 5);

        let mut edited = good.clone();
        edited[2].username = "intrus".into();
        assert_eq!(verify(&edited, None).broken.map(|b| b.0), Some(3));

        let mut removed = good.clone();
        removed.remove(1);
        assert_eq!(verify(&removed, None).broken.map(|b| b.0), Some(3));

        // Rewriting an entry with a fresh hash still breaks the next link.
        let mut rehashed = good;
        rehashed[1].body = "{}".into();
        rehashed[1].hash = rehashed[1].compute_hash();
        assert_eq!(verify(&rehashed, None).broken.map(|b| b.0), Some(3));
    }

    fn rechain(entries: &mut [AuditEntry], from: usize) {
        for i in from..entries.len() {
            if i > 0 {
                entries[i].prev_hash = entries[i - 1].hash.clone();
            }
            entries[i].hash = entries[i].compute_hash();
        }
    }

    #[test]
    fn a_chain_rewritten_by_someone_without_the_key_breaks_its_seals() {
        let key = AuditKey::from_hex(&"ab".repeat(32)).expect("key");
        let other = AuditKey::from_hex(&"cd".repeat(32)).expect("key");
        let mut sealed: Vec<AuditEntry> =
            chain(4).into_iter().map(|e| e.sealed(Some(&key))).collect();
        let report = verify(&sealed, Some(&key));
        assert_eq!((report.broken.clone(), report.sealed), (None, Some(4)));
        assert_eq!((report.applied, report.refused, report.events), (4, 0, 0));
        // Someone with write access to the database edits entry 2 and recomputes every hash
        // after it: the plain chain holds, the seals do not.
        sealed[1].username = "intrus".into();
        rechain(&mut sealed, 1);
        assert_eq!(
            verify(&sealed, None).broken,
            None,
            "a chain alone is fooled"
        );
        let broken = verify(&sealed, Some(&key)).broken.expect("found");
        assert_eq!(broken.0, 2);
        assert!(broken.1.contains("clé d'audit"), "{}", broken.1);
        // The wrong key finds every seal wrong; a seal removed after a sealed entry is a break.
        assert_eq!(
            verify(
                &chain(2)
                    .into_iter()
                    .map(|e| e.sealed(Some(&key)))
                    .collect::<Vec<_>>(),
                Some(&other)
            )
            .broken
            .map(|b| b.0),
            Some(1)
        );
        let mut stripped: Vec<AuditEntry> =
            chain(3).into_iter().map(|e| e.sealed(Some(&key))).collect();
        stripped[2].mac = None;
        assert_eq!(verify(&stripped, Some(&key)).broken.map(|b| b.0), Some(3));
        // Entries from before the key: counted, not broken.
        let mut mixed = chain(3);
        mixed[2] = mixed[2].clone().sealed(Some(&key));
        let report = verify(&mixed, Some(&key));
        assert_eq!(
            (report.broken, report.unsealed, report.sealed),
            (None, 2, Some(1))
        );
    }

    #[test]
    fn a_refused_mutation_the_server_could_not_read_is_recorded_by_its_ids() {
        let m = Mutation {
            mutation_id: Uuid::now_v7(),
            device_id: Uuid::nil(),
            device_seq: 7,
            op: Op::Unreadable {
                name: "set_moon".into(),
                reason: "opération inconnue".into(),
            },
            base: BTreeMap::new(),
            authored_at: Utc::now(),
            author: "x".into(),
        };
        let refusal = Outcome::Rejected {
            code: "unreadable_mutation".into(),
            message: "illisible".into(),
            args: std::collections::BTreeMap::new(),
        };
        let e = AuditEntry::new(1, Utc::now(), "x", "d", &m, &refusal, GENESIS).expect("entry");
        assert_eq!(e.outcome, "rejected");
        assert!(
            e.body.contains("set_moon") && e.body.contains("unreadable_mutation"),
            "{}",
            e.body
        );
        assert_eq!(verify(&[e], None).refused, 1);
    }

    #[test]
    fn account_events_chain_like_mutations() {
        let first = chain(1).remove(0);
        let e = AuditEntry::event(
            2,
            Utc::now(),
            "k.alaoui",
            "d",
            "login",
            &serde_json::json!({"address": "10.0.0.1"}),
            &first.hash,
        );
        let report = verify(&[first, e], None);
        assert_eq!((report.broken, report.applied, report.events), (None, 1, 1));
        assert!(AuditKey::from_hex("pas une clé").is_err());
        assert_eq!(AuditKey::generate().len(), 64);
    }
}
