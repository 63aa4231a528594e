//! Outside input thrown at the server's decoders, a bounded number of generated cases per run
//! (proptest): push and pull bodies — arbitrary bytes, arbitrary JSON, and JSON shaped like
//! mutations with wrong types, foreign ids and extreme numbers —, login bodies, attachment chunks
//! with arbitrary sizes and offsets. The server never answers 5xx, every refusal is the
//! `{code, message}` error, and nothing is ever applied. On SQLite and PostgreSQL.

mod common;
use common::ADMIN;

use std::sync::Arc;

use chrono::Utc;
use corridor_model::Region;
use corridor_server::auth::{new_token, Role};
use corridor_server::Storage;
use proptest::prelude::*;
use serde_json::{json, Value};

/// Any JSON value, nested a few levels.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,40}".prop_map(Value::from),
        Just(json!("0190a0a0-0000-7000-8000-000000000000")),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::btree_map(
                prop_oneof![
                    Just("mutation_id".to_owned()),
                    Just("device_id".to_owned()),
                    Just("device_seq".to_owned()),
                    Just("name".to_owned()),
                    Just("args".to_owned()),
                    Just("base".to_owned()),
                    Just("authored_at".to_owned()),
                    Just("author".to_owned()),
                    Just("mutations".to_owned()),
                    Just("cursor".to_owned()),
                    Just("limit".to_owned()),
                    "[a-z_]{1,12}",
                ],
                inner,
                0..8
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A mutation of this device, its operation name and arguments anything at all.
fn mutation_like(device: uuid::Uuid) -> impl Strategy<Value = Value> {
    (
        any::<i64>(),
        prop_oneof![
            Just("add_note"),
            Just("create_case"),
            Just("attach_file"),
            Just("transition_case"),
            Just("update_enterprise"),
            Just("withdrawn"),
            Just("no_such_op"),
        ],
        any_json(),
        any_json(),
    )
        .prop_map(move |(seq, name, args, base)| {
            json!({
                "mutation_id": uuid::Uuid::now_v7(),
                "device_id": device,
                "device_seq": seq,
                "name": name,
                "args": args,
                "base": base,
                "authored_at": "2026-12-01T10:00:00Z",
                "author": "f.fuzz",
            })
        })
}

/// One request to throw.
#[derive(Debug, Clone)]
enum Throw {
    Push(Vec<u8>),
    Pull(Vec<u8>),
    Login(Vec<u8>),
    Chunk {
        size: i64,
        offset: i64,
        bytes: Vec<u8>,
    },
}

fn throw(device: uuid::Uuid) -> impl Strategy<Value = Throw> {
    let bytes = prop::collection::vec(any::<u8>(), 0..200);
    prop_oneof![
        bytes.clone().prop_map(Throw::Push),
        any_json().prop_map(|v| Throw::Push(v.to_string().into_bytes())),
        prop::collection::vec(mutation_like(device), 0..4)
            .prop_map(|m| Throw::Push(json!({ "mutations": m }).to_string().into_bytes())),
        bytes.clone().prop_map(Throw::Pull),
        any_json().prop_map(|v| Throw::Pull(v.to_string().into_bytes())),
        any_json().prop_map(|v| Throw::Login(v.to_string().into_bytes())),
        (any::<i64>(), any::<i64>(), bytes).prop_map(|(size, offset, bytes)| Throw::Chunk {
            size,
            offset,
            bytes
        }),
    ]
}

async fn send(s: &Arc<dyn Storage>, token: &str, t: &Throw) -> (u16, Value) {
    let (method, uri, body) = match t {
        Throw::Push(b) => ("POST", "/v1/sync/push".to_owned(), b.clone()),
        Throw::Pull(b) => ("POST", "/v1/sync/pull".to_owned(), b.clone()),
        Throw::Login(b) => ("POST", "/v1/login".to_owned(), b.clone()),
        Throw::Chunk {
            size,
            offset,
            bytes,
        } => (
            "PUT",
            format!(
                "/v1/attachments/{}?size={size}&offset={offset}",
                "ab".repeat(32)
            ),
            bytes.clone(),
        ),
    };
    let (status, body) = common::request(
        corridor_server::router(s.clone()),
        method,
        &uri,
        Some(token),
        None,
        body,
    )
    .await;
    (status.as_u16(), body)
}

fn fuzz(engine: fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = common::Engine>>>) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let e = rt.block_on(engine());
    let s = e.storage.clone();
    let device = uuid::Uuid::now_v7();
    let token = rt.block_on(async {
        let u = s
            .add_user(
                "f.fuzz",
                Role::CgemOfficer,
                &[Region::from_number(6).expect("MA-06")],
                "$argon2id$unused",
                ADMIN,
            )
            .await
            .expect("user");
        let (token, hash) = new_token();
        s.register_device(&u.id, &device.to_string(), "PC", &hash, Utc::now(), ADMIN)
            .await
            .expect("device");
        token
    });
    // Bounded for the test command; PROPTEST_CASES=5000 for a longer hunt.
    let config = ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(96),
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(t in throw(device))| {
        let (status, body) = rt.block_on(send(&s, &token, &t));
        prop_assert!(status < 500, "{t:?} -> {status} {body}");
        if status >= 400 && status != 413 {
            prop_assert!(body["code"].is_string() && body["message"].is_string(), "{t:?} -> {status} {body}");
        }
        if let (Throw::Push(_), 200) = (&t, status) {
            for r in body["results"].as_array().into_iter().flatten() {
                prop_assert_eq!(&r["outcome"], "rejected", "{:?} -> {}", t, body);
            }
        }
    });
    let report = rt.block_on(s.audit_verify()).expect("audit");
    assert_eq!(
        (report.applied, report.broken),
        (0, None),
        "nothing applied"
    );
    rt.block_on(e.drop_now());
}

#[test]
fn hostile_bodies_on_sqlite() {
    fuzz(|| Box::pin(common::sqlite()));
}

#[test]
fn hostile_bodies_on_postgres() {
    fuzz(|| Box::pin(common::postgres()));
}
