//! Attachment uploads as a hostile client would try them: a false size announced first, a hash
//! known without its bytes, uploads left open, more than a user's share. On SQLite and
//! PostgreSQL, through the storage and the real router.

mod common;
use common::ADMIN;

use std::sync::Arc;

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use corridor_model::Region;
use corridor_server::auth::{new_token, Role};
use corridor_server::storage::{Chunk, ChunkWrite, Quota, UploadLimits};
use corridor_server::Storage;
use serde_json::Value;
use sha2::{Digest, Sha256};

fn hash(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A user with a device and its bearer token.
async fn user(s: &Arc<dyn Storage>, name: &str, region: u8) -> String {
    let u = s
        .add_user(
            name,
            Role::CgemOfficer,
            &[Region::from_number(region).expect("region")],
            "$argon2id$unused",
            ADMIN,
        )
        .await
        .expect("user");
    let (token, token_hash) = new_token();
    s.register_device(
        &u.id,
        &uuid::Uuid::now_v7().to_string(),
        "PC",
        &token_hash,
        Utc::now(),
        ADMIN,
    )
    .await
    .expect("device");
    token
}

async fn call(
    s: &Arc<dyn Storage>,
    method: &str,
    path: &str,
    token: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    common::request(
        corridor_server::router(s.clone()),
        method,
        path,
        Some(token),
        None,
        body,
    )
    .await
}

async fn put(
    s: &Arc<dyn Storage>,
    h: &str,
    size: usize,
    offset: usize,
    data: &[u8],
    who: &str,
    limits: &UploadLimits,
) -> ChunkWrite {
    let chunk = Chunk {
        hash: h,
        size: size as i64,
        offset: offset as i64,
        data,
    };
    s.attachment_put_chunk(chunk, who, limits, Utc::now())
        .await
        .expect("chunk")
}

/// Someone announcing a false size first blocks nobody; knowing a hash tells nothing; only the
/// complete bytes make their sender a holder.
async fn a_hash_alone_proves_nothing_and_blocks_no_one(s: Arc<dyn Storage>) {
    let real = user(&s, "a.casa", 6).await;
    let intruder = user(&s, "x.rabat", 4).await;
    let limits = UploadLimits::default();
    let content = b"Attestation CNSS de l'employeur".repeat(100);
    let h = hash(&content);

    // The intruder opens an upload of that hash with a false size, and leaves it open.
    let w = put(&s, &h, 10, 0, b"piege", "x.rabat", &limits).await;
    assert!(matches!(w, ChunkWrite::Stored(st) if !st.complete), "{w:?}");
    // The real sender is not blocked: their own upload, their own size.
    let half = content.len() / 2;
    assert!(matches!(
        put(&s, &h, content.len(), 0, &content[..half], "a.casa", &limits).await,
        ChunkWrite::Stored(st) if st.received == half as i64 && !st.complete
    ));
    let w = put(
        &s,
        &h,
        content.len(),
        half,
        &content[half..],
        "a.casa",
        &limits,
    )
    .await;
    assert!(matches!(w, ChunkWrite::Stored(st) if st.complete), "{w:?}");
    let (status, body) = call(
        &s,
        "GET",
        &format!("/v1/attachments/{h}/status"),
        &real,
        vec![],
    )
    .await;
    assert_eq!(
        (status, body["complete"].as_bool()),
        (StatusCode::OK, Some(true))
    );

    // The server holds it; the intruder learns only about their own upload...
    let (status, body) = call(
        &s,
        "GET",
        &format!("/v1/attachments/{h}/status"),
        &intruder,
        vec![],
    )
    .await;
    assert_eq!(
        (status, body["size"].as_i64(), body["complete"].as_bool()),
        (StatusCode::OK, Some(10), Some(false)),
        "{body}"
    );
    // ...which, completed with the wrong bytes, is thrown away and proves nothing: from then on
    // the server answers as for an unknown content, and refuses the download.
    assert_eq!(
        put(&s, &h, 10, 5, b"piege", "x.rabat", &limits).await,
        ChunkWrite::HashMismatch
    );
    let (status, body) = call(
        &s,
        "GET",
        &format!("/v1/attachments/{h}/status"),
        &intruder,
        vec![],
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("unknown_attachment"))
    );
    let unknown = hash(b"jamais vu");
    let (_, body) = call(
        &s,
        "GET",
        &format!("/v1/attachments/{unknown}/status"),
        &intruder,
        vec![],
    )
    .await;
    assert_eq!(
        body["code"], "unknown_attachment",
        "the same answer as for a content never seen"
    );
    let (status, _) = call(
        &s,
        "GET",
        &format!("/v1/attachments/{h}"),
        &intruder,
        vec![],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Sending the whole real content makes them a holder, like anyone who has the bytes.
    let fresh = user(&s, "y.fes", 3).await;
    let w = put(&s, &h, content.len(), 0, &content, "y.fes", &limits).await;
    assert!(matches!(w, ChunkWrite::Stored(st) if st.complete), "{w:?}");
    let (status, body) = call(
        &s,
        "GET",
        &format!("/v1/attachments/{h}/status"),
        &fresh,
        vec![],
    )
    .await;
    assert_eq!(
        (status, body["complete"].as_bool()),
        (StatusCode::OK, Some(true))
    );
}

/// An upload left open expires; a user's uploads in progress and per day are bounded.
async fn uploads_expire_and_quotas_hold(s: Arc<dyn Storage>) {
    let token = user(&s, "q.user", 6).await;
    let limits = UploadLimits {
        pending_bytes: 1000,
        daily_bytes: 1500,
        expiry: Duration::hours(24),
        orphan_after: Duration::days(7),
    };
    let a = vec![1u8; 800];
    let b = vec![2u8; 300];
    let c = vec![3u8; 900];
    // 800 in progress: 300 more would pass the 1000 allowed at once; nothing is stored.
    put(&s, &hash(&a), a.len(), 0, &a[..100], "q.user", &limits).await;
    assert_eq!(
        put(&s, &hash(&b), b.len(), 0, &b[..100], "q.user", &limits).await,
        ChunkWrite::QuotaExceeded(Quota::Pending(1000))
    );
    assert_eq!(
        s.attachment_status(&hash(&b), "q.user", Some(&[]))
            .await
            .expect("status"),
        None
    );
    // Finished, it counts for the day: 800 + 900 > 1500.
    assert!(matches!(
        put(&s, &hash(&a), a.len(), 100, &a[100..], "q.user", &limits).await,
        ChunkWrite::Stored(st) if st.complete
    ));
    assert_eq!(
        put(&s, &hash(&c), c.len(), 0, &c, "q.user", &limits).await,
        ChunkWrite::QuotaExceeded(Quota::Daily(1500))
    );
    // 300 more fits.
    assert!(matches!(
        put(&s, &hash(&b), b.len(), 0, &b, "q.user", &limits).await,
        ChunkWrite::Stored(st) if st.complete
    ));

    // An upload opened and left: a day later it is gone, and its bytes count no more.
    let d = vec![4u8; 600];
    let day_before = Utc::now() - Duration::hours(25);
    let dh = hash(&d);
    let old = Chunk {
        hash: &dh,
        size: 600,
        offset: 0,
        data: &d[..10],
    };
    s.attachment_put_chunk(
        old,
        "q.user",
        &UploadLimits {
            daily_bytes: 1 << 30,
            ..limits
        },
        day_before,
    )
    .await
    .expect("old chunk");
    assert!(s
        .attachment_status(&hash(&d), "q.user", Some(&[]))
        .await
        .expect("status")
        .is_some());
    let e = vec![5u8; 500];
    let w = put(
        &s,
        &hash(&e),
        e.len(),
        0,
        &e[..10],
        "q.user",
        &UploadLimits {
            daily_bytes: 1 << 30,
            ..limits
        },
    )
    .await;
    assert!(
        matches!(w, ChunkWrite::Stored(_)),
        "the expired 600 no longer counts: {w:?}"
    );
    assert_eq!(
        s.attachment_status(&hash(&d), "q.user", Some(&[]))
            .await
            .expect("status"),
        None
    );

    // Over HTTP the refusal is a 413 with its code; the default quota is far larger.
    let (status, body) = call(
        &s,
        "PUT",
        &format!("/v1/attachments/{}?size=10&offset=0", hash(b"0123456789")),
        &token,
        b"0123456789".to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

mod hash_alone {
    use super::*;
    on_both_engines!(a_hash_alone_proves_nothing_and_blocks_no_one);
}

mod quotas {
    use super::*;
    on_both_engines!(uploads_expire_and_quotas_hold);
}
