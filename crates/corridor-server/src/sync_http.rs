//! The sync endpoints of the contract (`POST /v1/sync/push`, `POST /v1/sync/pull`) and the
//! committee's statistics (`GET /v1/stats`).

use std::collections::BTreeMap;

use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::Utc;
use corridor_model::api::ApiError;
use corridor_model::mutation::{Mutation, Op};
use corridor_model::sla::{self, SlaPolicy, SlaState};
use corridor_model::sync::{
    CaseDoc, Cursor, PullRequest, PushRequest, PushResponse, MAX_PULL_PAGE, MAX_PUSH_BATCH,
};
use corridor_model::timeline::{CaseEvent, EventKind};
use corridor_model::{workflow, CaseStatus, Region};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::error::AppError;
use crate::http::{invalid_body, json_body, json_object, AppState, Caller};
use crate::storage::{RawChange, StorageError};
use crate::sync::audiences;

/// Default size of a pull page.
pub const DEFAULT_PULL_PAGE: usize = 1_000;

/// A push body as received: a JSON object whose values are kept as their text
/// (`{"mutations": [...]}` on the wire, [`PushRequest`]). Each mutation is read on its own, so
/// that one this server cannot read is refused alone instead of the whole batch, and straight
/// from its text: no tree of the whole body is built first (that cost a push of 500 notes
/// about a sixth of its throughput).
pub type PushBody = BTreeMap<String, Box<RawValue>>;

/// What identifies a mutation, read even when its operation cannot be.
#[derive(Debug, Deserialize)]
struct Envelope {
    mutation_id: uuid::Uuid,
    device_id: uuid::Uuid,
    device_seq: i64,
    #[serde(default)]
    name: Option<serde_json::Value>,
}

/// One pushed mutation, from its JSON text. An operation this server cannot read (a newer
/// client's, malformed arguments) becomes [`Op::Unreadable`], which the engine refuses with
/// the reason; a mutation without even its ids refuses the request (it cannot be answered
/// alone).
fn read_mutation(
    text: &str,
    author: &str,
    now: chrono::DateTime<Utc>,
) -> Result<Mutation, AppError> {
    let err = match serde_json::from_str::<Mutation>(text) {
        Ok(m) => return Ok(m),
        Err(e) => e,
    };
    let envelope: Envelope = serde_json::from_str(text).map_err(|_| invalid_body(&err))?;
    let clip = |s: String, n: usize| s.chars().take(n).collect::<String>();
    let name = match envelope.name {
        Some(serde_json::Value::String(n)) => clip(n, 60),
        _ => "?".to_owned(),
    };
    Ok(Mutation {
        mutation_id: envelope.mutation_id,
        device_id: envelope.device_id,
        device_seq: envelope.device_seq,
        op: Op::Unreadable {
            name,
            reason: clip(err.to_string(), 300),
        },
        base: BTreeMap::new(),
        authored_at: now,
        author: author.to_owned(),
    })
}

/// A push body as the server reads it: an object `{"mutations": [...]}` (no other field) of
/// at most [`MAX_PUSH_BATCH`] mutations, each read whole or, when its operation cannot be
/// read, as [`Op::Unreadable`] (refused alone later); a mutation without its ids refuses the
/// request. Pure, so that the decoders of outside input can be fuzzed apart from the server.
pub fn decode_push(
    mut body: PushBody,
    author: &str,
    now: chrono::DateTime<Utc>,
) -> Result<PushRequest, AppError> {
    let mutations = body
        .remove("mutations")
        .ok_or_else(|| invalid_body("missing field `mutations`"))?;
    if let Some(other) = body.keys().next() {
        return Err(invalid_body(format!(
            "unknown field `{other}`, expected `mutations`"
        )));
    }
    let mutations: Vec<&RawValue> = serde_json::from_str(mutations.get()).map_err(invalid_body)?;
    if mutations.len() > MAX_PUSH_BATCH {
        return Err(AppError::bad_request(format!(
            "Trop de modifications dans un envoi ({}) : {MAX_PUSH_BATCH} au plus.",
            mutations.len()
        )));
    }
    Ok(PushRequest {
        mutations: mutations
            .into_iter()
            .map(|raw| read_mutation(raw.get(), author, now))
            .collect::<Result<_, _>>()?,
    })
}

/// `POST /v1/sync/push`: applies the device's mutations, exactly once, in order.
#[utoipa::path(post, path = "/v1/sync/push", security(("bearer" = [])),
    request_body(content = PushRequest, description = "The device's mutations in sequence order"),
    responses(
    (status = 200, description = "One result per mutation: applied, conflict or rejected (code, French message and its values)", body = PushResponse),
    (status = 400, description = "Malformed body, a mutation without its ids, or more than 500 mutations (a mutation whose operation cannot be read is answered rejected, `unreadable_mutation`, alone)", body = ApiError),
    (status = 401, description = "No valid token", body = ApiError),
    (status = 403, description = "Device revoked, or mutations of another device", body = ApiError),
    (status = 409, description = "The sequence numbers skip mutations the server has not received", body = ApiError),
    (status = 413, description = "Body over the size limit (split the batch)", body = ApiError),
))]
pub(crate) async fn push(
    State(s): State<AppState>,
    Caller(session): Caller,
    body: Result<Json<PushBody>, JsonRejection>,
) -> Result<Json<PushResponse>, AppError> {
    let req = decode_push(json_body(body)?, &session.user.username, Utc::now())?;
    if req
        .mutations
        .iter()
        .any(|m| m.device_id.to_string() != session.device_id)
    {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            "wrong_device",
            "Ces modifications viennent d'un autre poste que celui de la session.",
        ));
    }
    if req
        .mutations
        .windows(2)
        .any(|w| w[1].device_seq <= w[0].device_seq)
    {
        return Err(AppError::bad_request(
            "Les modifications doivent être envoyées dans l'ordre de leur numéro.",
        ));
    }
    let started = std::time::Instant::now();
    let response = s
        .storage
        .push(&session, &req.mutations, Utc::now())
        .await
        .map_err(|e| match e {
            StorageError::SequenceGap { expected, got } => AppError::new(
                StatusCode::CONFLICT,
                "sequence_gap",
                format!(
                    "Modifications manquantes : le serveur attend le n° {expected}, il a reçu le n° {got}."
                ),
            ),
            other => other.into(),
        })?;
    metrics::counter!("corridor_sync_mutations_total").increment(req.mutations.len() as u64);
    metrics::histogram!("corridor_sync_push_seconds").record(started.elapsed().as_secs_f64());
    crate::fault::point("push_after_commit");
    Ok(Json(response))
}

/// The answer of a pull as sent: the wire form of
/// [`PullResponse`](corridor_model::sync::PullResponse), with the stored documents passed
/// through unparsed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct PullAnswer {
    /// Documents changed since the cursor that the user may see, in version order.
    changes: Vec<RawChange>,
    /// Regions the user no longer has access to: the device removes everything of them.
    removed_regions: Vec<Region>,
    /// Cursor to send next time.
    cursor: String,
    /// Whether more changes wait past this page.
    more: bool,
    /// The highest `device_seq` applied for this device.
    last_applied_seq: i64,
    /// The server's latest change version when the page was read.
    head: i64,
}

/// `POST /v1/sync/pull`: the documents changed since the cursor that the user may see.
#[utoipa::path(post, path = "/v1/sync/pull", security(("bearer" = [])),
    request_body(content = PullRequest, description = "Where the device stands and how many changes it wants"),
    responses(
    (status = 200, description = "A page of changes, the next cursor, removed regions, the device's last applied sequence number", body = PullAnswer),
    (status = 400, description = "Malformed body or cursor", body = ApiError),
    (status = 401, description = "No valid token", body = ApiError),
    (status = 403, description = "Device revoked", body = ApiError),
))]
pub(crate) async fn pull(
    State(s): State<AppState>,
    Caller(session): Caller,
    body: Result<Json<serde_json::Map<String, serde_json::Value>>, JsonRejection>,
) -> Result<Json<PullAnswer>, AppError> {
    let req: PullRequest = json_object(body)?;
    let limit = req.limit.unwrap_or(DEFAULT_PULL_PAGE);
    if limit == 0 || limit > MAX_PULL_PAGE {
        return Err(AppError::bad_request(format!(
            "Taille de page invalide ({limit}) : de 1 à {MAX_PULL_PAGE}."
        )));
    }
    let now_scope = session.scope();
    let mut after = 0;
    let mut removed_regions = Vec::new();
    if let Some(text) = &req.cursor {
        let cursor = Cursor::decode(text).ok_or_else(|| {
            AppError::bad_request(
                "Curseur de synchronisation invalide : resynchronisez depuis le début.",
            )
        })?;
        let had = cursor
            .regions
            .clone()
            .unwrap_or_else(|| Region::all().collect());
        let has = now_scope.clone().unwrap_or_else(|| Region::all().collect());
        removed_regions = had.iter().filter(|r| !has.contains(r)).copied().collect();
        let gained = has.iter().any(|r| !had.contains(r));
        // A region gained: everything of it must come, older changes included.
        after = if gained { 0 } else { cursor.version };
    }
    let page = s
        .storage
        .pull(
            &session,
            after,
            now_scope.as_deref(),
            audiences(session.user.role),
            limit,
        )
        .await?;
    let last = page.docs.last().map_or(after, |d| d.version);
    // Without more to read, every version up to the head (read in the page's snapshot) is
    // committed and was either returned or not visible: the cursor can move to it.
    let version = if page.more { last } else { last.max(page.head) };
    metrics::counter!("corridor_sync_pulled_total").increment(page.docs.len() as u64);
    crate::fault::point("pull_before_answer");
    Ok(Json(PullAnswer {
        changes: page.docs,
        removed_regions,
        cursor: Cursor {
            version,
            regions: now_scope,
        }
        .encode(),
        more: page.more,
        last_applied_seq: page.last_applied_seq,
        head: page.head,
    }))
}

/// Figures of one group of cases.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GroupStats {
    /// Cases.
    pub cases: i64,
    /// Open cases.
    pub open: i64,
    /// Median days from opening to resolution, over resolved cases.
    pub median_days_to_resolve: Option<f64>,
}

/// SLA compliance of a region.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SlaStats {
    /// Cases whose resolution deadline is decided (met, met late, or breached).
    pub decided: i64,
    /// Met in time.
    pub met: i64,
    /// Share met in time, 0 to 1.
    pub compliance: Option<f64>,
}

/// `GET /v1/stats`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Stats {
    /// Cases in scope.
    pub total: i64,
    /// By region code.
    pub by_region: BTreeMap<String, GroupStats>,
    /// By category code.
    pub by_category: BTreeMap<String, GroupStats>,
    /// By status code.
    pub by_status: BTreeMap<String, i64>,
    /// Resolution-deadline compliance by region code.
    pub sla_by_region: BTreeMap<String, SlaStats>,
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// `GET /v1/stats`: counts and median durations by region, category and status, and SLA
/// compliance per region — over the cases the caller may see.
#[utoipa::path(get, path = "/v1/stats", security(("bearer" = [])), responses(
    (status = 200, description = "Committee statistics"),
    (status = 401, description = "No valid token"),
))]
pub(crate) async fn stats(
    State(s): State<AppState>,
    Caller(session): Caller,
) -> Result<Json<Stats>, AppError> {
    let regions = session.scope();
    let cases = s.storage.case_docs(regions.as_deref()).await?;
    let events = s.storage.status_events(regions.as_deref()).await?;
    let corrupt = |e: serde_json::Error| AppError::from(StorageError::Corrupt(e.to_string()));
    let mut history: BTreeMap<uuid::Uuid, Vec<(chrono::DateTime<Utc>, CaseStatus)>> =
        BTreeMap::new();
    for raw in &events {
        let e: CaseEvent = serde_json::from_str(raw).map_err(corrupt)?;
        if let EventKind::StatusChanged { to, .. } = e.kind {
            history.entry(e.case_id).or_default().push((e.at, to));
        }
    }
    let now = Utc::now();
    let policy = SlaPolicy::default();
    let mut out = Stats::default();
    let mut durations: BTreeMap<(bool, String), Vec<f64>> = BTreeMap::new();
    for raw in &cases {
        let c: CaseDoc = serde_json::from_str(raw).map_err(corrupt)?;
        let c = c.case;
        out.total += 1;
        let open = workflow::is_open(c.status);
        *out.by_status.entry(c.status.code().to_owned()).or_default() += 1;
        for (is_region, key) in [
            (true, c.region.code()),
            (false, c.category.code().to_owned()),
        ] {
            let group = if is_region {
                out.by_region.entry(key.clone()).or_default()
            } else {
                out.by_category.entry(key.clone()).or_default()
            };
            group.cases += 1;
            group.open += i64::from(open);
            if let Some(done) = c.resolved_at {
                let days = (done - c.opened_at).num_seconds() as f64 / 86_400.0;
                durations.entry((is_region, key)).or_default().push(days);
            }
        }
        let mut h = history.remove(&c.id).unwrap_or_default();
        h.sort_by_key(|(t, _)| *t);
        let report = sla::evaluate(&policy, c.category, c.priority, &h, now);
        let sla = out.sla_by_region.entry(c.region.code()).or_default();
        match report.resolution.state {
            SlaState::Met => {
                sla.decided += 1;
                sla.met += 1;
            }
            SlaState::MetLate | SlaState::Breached => sla.decided += 1,
            _ => {}
        }
    }
    for ((is_region, key), d) in durations {
        let group = if is_region {
            out.by_region.get_mut(&key)
        } else {
            out.by_category.get_mut(&key)
        };
        if let Some(g) = group {
            g.median_days_to_resolve = median(d);
        }
    }
    for sla in out.sla_by_region.values_mut() {
        sla.compliance = (sla.decided > 0).then(|| sla.met as f64 / sla.decided as f64);
    }
    Ok(Json(out))
}

#[cfg(test)]
mod tests {
    use super::{decode_push, median, PushBody};
    use corridor_model::mutation::Op;

    fn decode(json: &str) -> Result<usize, String> {
        let body: PushBody = serde_json::from_str(json).map_err(|e| e.to_string())?;
        let now = chrono::DateTime::from_timestamp(1_780_000_000, 0).expect("instant");
        decode_push(body, "k.alaoui", now)
            .map(|r| {
                r.mutations
                    .iter()
                    .filter(|m| matches!(m.op, Op::Unreadable { .. }))
                    .count()
            })
            .map_err(|e| e.message)
    }

    #[test]
    fn a_push_body_is_one_object_with_its_mutations_only() {
        let ids = r#""mutation_id":"01a23c81-5d07-74a2-b0cc-25ec6d70857e","device_id":"01a23c81-6678-723d-90ae-e9f916c92393","device_seq":1"#;
        // Read, with an operation this server cannot read kept apart (refused alone later).
        assert_eq!(decode(r#"{"mutations":[]}"#), Ok(0));
        assert_eq!(
            decode(&format!(
                r#"{{"mutations":[{{{ids},"name":"future_op","args":{{}}}}]}}"#
            )),
            Ok(1)
        );
        // Refused whole: another field, no mutations, not a list, a mutation without its ids
        // or naming one twice (never read as its last value), too many, not an object.
        for (body, said) in [
            (
                format!(r#"{{"mutations":[{{{ids},"device_seq":2,"name":"x"}}]}}"#),
                "duplicate field `device_seq`",
            ),
            (
                r#"{"mutations":[],"extra":1}"#.to_owned(),
                "unknown field `extra`",
            ),
            (r#"{}"#.to_owned(), "missing field `mutations`"),
            (r#"{"mutations":{"a":1}}"#.to_owned(), "invalid type"),
            (
                r#"{"mutations":[{"name":"x"}]}"#.to_owned(),
                "Requête invalide",
            ),
            (
                format!(r#"{{"mutations":[{}]}}"#, vec!["{}"; 501].join(",")),
                "501",
            ),
        ] {
            let err = decode(&body).expect_err(&body);
            assert!(err.contains(said), "{body}: {err}");
        }
        assert!(serde_json::from_str::<PushBody>(r#"[{"mutations":[]}]"#).is_err());
    }

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![5.0, 1.0, 3.0]), Some(3.0));
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), Some(2.5));
    }
}
