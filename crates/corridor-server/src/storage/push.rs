//! Pushes, written by group commit: the pushes waiting at this instance are written together,
//! in one transaction, and each gets its own answer.
//!
//! A push queues its request and spawns a task; the task holding the gate takes whole requests
//! from the queue (up to [`GROUP_MUTATIONS`] mutations, at least one request) and writes them on
//! the `writer` connection. The group takes the clock row first, so that versions commit in
//! order and each mutation is validated against the state the previous one left; a request
//! that skips sequence numbers, or whose device is gone, fails alone; a mutation already applied
//! gets its first answer again. If the group fails, nothing of it is written and every request
//! of it gets [`StorageError::Batch`].

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use corridor_model::mutation::Mutation;
use corridor_model::sync::{MutationResult, Outcome, PushResponse};
use sqlx::Row;

use crate::audit::{self, AuditEntry};
use crate::sync as engine;

// The engine types that `for_each_engine!` names when it instantiates the macro below.
use super::doc_tx::{PgDocTx, SqliteDocTx};
use super::engine::{for_each_engine, PgStorage, PoolDb, PushJob, SqliteStorage};
use super::sql::push_list;
use super::types::{corrupt, Result, Session, StorageError};
use super::Push;

/// Mutations written in one group commit at most (beyond one request of up to
/// [`MAX_PUSH_BATCH`](corridor_model::sync::MAX_PUSH_BATCH)): bounds the transaction and the
/// statements' parameter lists.
const GROUP_MUTATIONS: usize = 2_000;

/// How many of the queued requests (their sizes in mutations, in arrival order) one group
/// takes: the first always, then the following ones while the group stays within
/// [`GROUP_MUTATIONS`].
fn group_size(sizes: impl Iterator<Item = usize>) -> usize {
    let mut total = 0;
    sizes
        .take_while(|n| {
            let fits = total == 0 || total + n <= GROUP_MUTATIONS;
            total += n;
            fits
        })
        .count()
}

/// The push of an engine: its group commit and its [`Push`].
macro_rules! push_impl {
    ($name:ident, $pool:ty, $kind:literal, $txname:ident, $begin:literal) => {
        impl $name {
            /// Applies the pushes of several requests in one transaction.
            async fn push_group(&self, jobs: &[PushJob]) -> Result<Vec<Result<PushResponse>>> {
                let mut tx = self.writer.begin_with($begin).await?;
                // The clock row first: every writer queues here, so versions commit in order
                // and a mutation is validated against the state the previous one left.
                let clock: i64 = sqlx::query_scalar(
                    "UPDATE sync_clock SET version = version WHERE singleton = 1 RETURNING version",
                )
                .fetch_one(&mut *tx)
                .await?;
                let tail = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                    .fetch_optional(&mut *tx)
                    .await?;
                let (mut audit_seq, mut prev_hash) = match tail {
                    Some(r) => (r.try_get::<i64, _>("seq")?, r.try_get::<String, _>("hash")?),
                    None => (0, audit::GENESIS.to_owned()),
                };
                let mut dtx = $txname { tx, version: clock, written: HashMap::new(), read: HashMap::new() };
                // The cases the batch touches, read in one statement per 500.
                let ids: Vec<String> = jobs
                    .iter()
                    .flat_map(|j| j.mutations.iter())
                    .flat_map(|m| m.op.cases())
                    .map(|id| id.to_string())
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect();
                for chunk in ids.chunks(500) {
                    let mut q = sqlx::QueryBuilder::<<$pool as PoolDb>::Db>::new(
                        "SELECT id, doc FROM sync_doc WHERE kind = 'case' AND id IN (",
                    );
                    push_list(&mut q, chunk.iter().cloned());
                    let rows: Vec<(String, String)> = q.build_query_as().fetch_all(&mut *dtx.tx).await?;
                    let mut found: HashMap<String, String> = rows.into_iter().collect();
                    for id in chunk {
                        if let Ok(uuid) = id.parse::<uuid::Uuid>() {
                            dtx.read.insert(("case", uuid), found.remove(id));
                        }
                    }
                }
                // The event ids the batch would create (each must be unused), checked in one
                // statement per 500 rather than one per mutation.
                let events: Vec<String> = jobs
                    .iter()
                    .flat_map(|j| j.mutations.iter())
                    .flat_map(|m| corridor_model::engine::needs(&m.op).fresh)
                    .filter(|(kind, _)| *kind == corridor_model::engine::DocKind::Event)
                    .map(|(_, id)| id.to_string())
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect();
                for chunk in events.chunks(500) {
                    let mut q = sqlx::QueryBuilder::<<$pool as PoolDb>::Db>::new(
                        "SELECT id, doc FROM sync_doc WHERE kind = 'event' AND id IN (",
                    );
                    push_list(&mut q, chunk.iter().cloned());
                    let rows: Vec<(String, String)> = q.build_query_as().fetch_all(&mut *dtx.tx).await?;
                    let mut found: HashMap<String, String> = rows.into_iter().collect();
                    for id in chunk {
                        if let Ok(uuid) = id.parse::<uuid::Uuid>() {
                            dtx.read.insert(("event", uuid), found.remove(id));
                        }
                    }
                }
                // Where each device of the batch stands, in one statement.
                let devices: std::collections::BTreeSet<&str> =
                    jobs.iter().map(|j| j.session.device_id.as_str()).collect();
                let mut q = sqlx::QueryBuilder::<<$pool as PoolDb>::Db>::new(
                    "SELECT id, last_applied_seq FROM device WHERE id IN (",
                );
                push_list(&mut q, devices.iter().map(|d| d.to_string()));
                let stand: HashMap<String, i64> =
                    q.build_query_as().fetch_all(&mut *dtx.tx).await?.into_iter().collect();
                let mut out = Vec::with_capacity(jobs.len());
                // Where each device stands as the batch goes on.
                let mut lasts = stand.clone();
                let mut given: HashMap<(String, i64), MutationResult> = HashMap::new();
                let mut answers: Vec<(String, i64, String)> = Vec::new();
                let mut entries: Vec<AuditEntry> = Vec::new();
                for job in jobs {
                    let session = &job.session;
                    let device = session.device_id.clone();
                    let mut last = match lasts.get(&device) {
                        Some(l) => *l,
                        // Revoked and deleted meanwhile: only this request fails.
                        None => {
                            out.push(Err(StorageError::Corrupt(format!("unknown device {device}"))));
                            continue;
                        }
                    };
                    // Mutations not seen yet must follow the last one applied, without gaps:
                    // otherwise nothing of this request is applied.
                    let mut expected = last + 1;
                    let mut gap = None;
                    for m in job.mutations.iter().filter(|m| m.device_seq > last) {
                        if m.device_seq != expected {
                            gap = Some(StorageError::SequenceGap { expected, got: m.device_seq });
                            break;
                        }
                        expected += 1;
                    }
                    if let Some(e) = gap {
                        out.push(Err(e));
                        continue;
                    }
                    let mut results = Vec::with_capacity(job.mutations.len());
                    for m in &job.mutations {
                        if m.device_seq < 1 {
                            // Sequence numbers start at 1: this was never pushed, nor applied.
                            let outcome = Outcome::Rejected {
                                code: "invalid_sequence".to_owned(),
                                message: format!(
                                    "Numéro de séquence {} invalide : les modifications d'un poste sont numérotées à partir de 1.",
                                    m.device_seq
                                ),
                                args: [("seq".to_owned(), m.device_seq.to_string())].into(),
                            };
                            results.push(MutationResult { mutation_id: m.mutation_id, device_seq: m.device_seq, outcome });
                            continue;
                        }
                        if m.device_seq <= last {
                            let outcome = if let Some(r) = given.get(&(device.clone(), m.device_seq)) {
                                r.outcome.clone()
                            } else {
                                let stored: Option<String> = sqlx::query_scalar(
                                    "SELECT result FROM push_result WHERE device_id = $1 AND device_seq = $2",
                                )
                                .bind(&device)
                                .bind(m.device_seq)
                                .fetch_optional(&mut *dtx.tx)
                                .await?;
                                match stored {
                                    Some(s) => serde_json::from_str::<MutationResult>(&s).map_err(corrupt)?.outcome,
                                    None => Outcome::Applied,
                                }
                            };
                            results.push(MutationResult { mutation_id: m.mutation_id, device_seq: m.device_seq, outcome });
                            continue;
                        }
                        let outcome = match engine::apply(&mut dtx, session, m, job.now).await? {
                            Ok(a) if a.conflicts.is_empty() => Outcome::Applied,
                            Ok(a) => Outcome::Conflict { conflicts: a.conflicts },
                            Err(r) => Outcome::rejected(r),
                        };
                        let result = MutationResult { mutation_id: m.mutation_id, device_seq: m.device_seq, outcome };
                        answers.push((device.clone(), m.device_seq, serde_json::to_string(&result).map_err(corrupt)?));
                        // Refused ones too: what was attempted, by whom, and why it was refused.
                        audit_seq += 1;
                        let entry = AuditEntry::new(audit_seq, audit::truncate(job.now), &session.user.username, &device, m, &result.outcome, &prev_hash)?
                            .sealed(self.audit_key.as_deref());
                        prev_hash.clone_from(&entry.hash);
                        entries.push(entry);
                        given.insert((device.clone(), m.device_seq), result.clone());
                        last = m.device_seq;
                        results.push(result);
                    }
                    lasts.insert(device, last);
                    out.push(Ok(PushResponse { results, last_applied_seq: last }));
                }
                dtx.flush().await?;
                let $txname { mut tx, version, .. } = dtx;
                for chunk in answers.chunks(500) {
                    let mut q = sqlx::QueryBuilder::<<$pool as PoolDb>::Db>::new(
                        "INSERT INTO push_result (device_id, device_seq, result) ",
                    );
                    q.push_values(chunk, |mut b, (device, seq, result)| {
                        b.push_bind(device.clone()).push_bind(*seq).push_bind(result.clone());
                    });
                    q.build().execute(&mut *tx).await?;
                }
                for chunk in entries.chunks(500) {
                    let mut q = sqlx::QueryBuilder::<<$pool as PoolDb>::Db>::new(
                        "INSERT INTO audit_log (seq, at, username, device_id, mutation_id, name, outcome, body, prev_hash, hash, mac) ",
                    );
                    q.push_values(chunk, |mut b, e| {
                        b.push_bind(e.seq)
                            .push_bind(e.at)
                            .push_bind(e.username.clone())
                            .push_bind(e.device_id.clone())
                            .push_bind(e.mutation_id.clone())
                            .push_bind(e.name.clone())
                            .push_bind(e.outcome.clone())
                            .push_bind(e.body.clone())
                            .push_bind(e.prev_hash.clone())
                            .push_bind(e.hash.clone())
                            .push_bind(e.mac.clone());
                    });
                    q.build().execute(&mut *tx).await?;
                }
                // Every device that moved on, in one statement (read above under the clock
                // lock, so nobody else moved them meanwhile).
                let moved: Vec<(&String, &i64)> =
                    lasts.iter().filter(|(d, l)| stand.get(*d) != Some(*l)).collect();
                if !moved.is_empty() {
                    let mut q = sqlx::QueryBuilder::<<$pool as PoolDb>::Db>::new(
                        "UPDATE device SET last_applied_seq = CASE id",
                    );
                    for (device, last) in &moved {
                        q.push(" WHEN ").push_bind((*device).clone()).push(" THEN ").push_bind(**last);
                    }
                    q.push(" ELSE last_applied_seq END WHERE id IN (");
                    push_list(&mut q, moved.iter().map(|(d, _)| (*d).clone()));
                    q.build().execute(&mut *tx).await?;
                }
                sqlx::query("UPDATE sync_clock SET version = $1 WHERE singleton = 1")
                    .bind(version)
                    .execute(&mut *tx)
                    .await?;
                crate::fault::point("push_before_commit");
                tx.commit().await?;
                Ok(out)
            }
        }

        #[async_trait]
        impl Push for $name {
            async fn push(&self, session: &Session, mutations: &[Mutation], now: DateTime<Utc>) -> Result<PushResponse> {
                // Group commit: pushes that arrive while one is being written queue here; the
                // next task through the gate writes them all in one transaction (one commit,
                // one wait for the disk), and each gets its own answer.
                let (reply, answer) = tokio::sync::oneshot::channel();
                self.push_queue
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push(PushJob { session: session.clone(), mutations: mutations.to_vec(), now, reply });
                // In a task of its own: a request given up by its client never cancels the
                // group it happens to be writing for others.
                let this = self.clone();
                tokio::spawn(async move {
                    let _gate = this.push_gate.lock().await;
                    // Whole requests, up to GROUP_MUTATIONS mutations (at least one request);
                    // every request has its own task, so whatever stays is taken by a later one.
                    let jobs: Vec<PushJob> = {
                        let mut queue =
                            this.push_queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                        let take = group_size(queue.iter().map(|j| j.mutations.len()));
                        queue.drain(..take).collect()
                    };
                    if jobs.is_empty() {
                        return;
                    }
                    match this.push_group(&jobs).await {
                        Ok(answers) => {
                            for (job, a) in jobs.into_iter().zip(answers) {
                                let _ = job.reply.send(a);
                            }
                        }
                        Err(e) => {
                            let message = e.to_string();
                            for job in jobs {
                                let _ = job.reply.send(Err(StorageError::Batch(message.clone())));
                            }
                        }
                    }
                });
                answer
                    .await
                    .unwrap_or_else(|_| Err(StorageError::Batch("push abandoned".to_owned())))
            }
        }
    };
}

for_each_engine!(push_impl);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_takes_whole_requests_up_to_its_bound_and_always_one() {
        assert_eq!(group_size(std::iter::empty()), 0);
        assert_eq!(
            group_size([500; 5].into_iter()),
            4,
            "4 × 500 = 2,000 fit, not 5"
        );
        assert_eq!(group_size([1, 2, 3].into_iter()), 3);
        assert_eq!(group_size([1_999, 1, 1].into_iter()), 2);
        // A request alone above the bound (not possible through HTTP) still goes through.
        assert_eq!(group_size([3_000, 1].into_iter()), 1);
        assert_eq!(group_size([0, 0, 2_000, 1].into_iter()), 3);
    }
}
