//! Contents nobody refers to do not stay forever on the server: a content uploaded whole by a
//! client that never pushes the attachment naming it (a crafted client, or a device that went
//! away) is dropped once nobody has sent it for `CORRIDOR_UPLOAD_ORPHAN_SECS` (a week by
//! default; two seconds here); a content a case refers to stays, and a colleague still
//! receives it. On both engines, against the real server process.

use corridor_e2e::devices::{open_case, Device, World};
use corridor_sync::ServerClient;
use sha2::Digest;

async fn unreferenced_contents_are_dropped_referenced_ones_stay(postgres: bool) {
    let w = World::with_env(postgres, &[("CORRIDOR_UPLOAD_ORPHAN_SECS", "2")]).await;
    w.user("a.officier", "cgem_officer", "MA-06");
    w.user("b.officier", "cgem_officer", "MA-06");
    let mut a = Device::login(&w.server.url, "a.officier").await;
    let mut b = Device::login(&w.server.url, "b.officier").await;
    let case = open_case(&a, 1, "MA-06", "Dossier").await;
    let kept = b"Attestation de regularite CNSS".to_vec();
    a.store()
        .attach(&case, "attestation.pdf", &kept, 25 << 20)
        .await
        .expect("attach");
    a.sync().await.expect("sync a");

    // Sent whole, never named by an attachment.
    let client = ServerClient::new(&w.server.url).expect("client");
    let token = a.token().await;
    let stray = b"Fichier envoye sans jamais etre joint".to_vec();
    let stray_hash = hex::encode(sha2::Sha256::digest(&stray));
    let st = client
        .upload_chunk(&token, &stray_hash, stray.len() as u64, 0, &stray)
        .await
        .expect("upload");
    assert!(st.complete);
    assert!(client
        .attachment_status(&token, &stray_hash)
        .await
        .expect("status")
        .is_some_and(|s| s.complete));

    // Later, any upload sweeps: the stray content is gone, the attached one stays.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let other = b"Un autre envoi".to_vec();
    client
        .upload_chunk(
            &token,
            &hex::encode(sha2::Sha256::digest(&other)),
            other.len() as u64,
            0,
            &other,
        )
        .await
        .expect("upload");
    assert_eq!(
        client
            .attachment_status(&token, &stray_hash)
            .await
            .expect("status"),
        None,
        "the content nobody refers to was dropped"
    );
    let kept_hash = hex::encode(sha2::Sha256::digest(&kept));
    assert!(client
        .attachment_status(&token, &kept_hash)
        .await
        .expect("status")
        .is_some_and(|s| s.complete));
    b.sync().await.expect("sync b");
    let reference = b.store().case(&case).await.expect("case").reference;
    let (_, bytes) = b
        .store()
        .attachment_content(&reference, &kept_hash[..12])
        .await
        .expect("b receives the attached content");
    assert_eq!(bytes, kept);
    w.finish().await;
}

#[tokio::test]
async fn orphan_contents_on_sqlite() {
    unreferenced_contents_are_dropped_referenced_ones_stay(false).await;
}

#[tokio::test]
async fn orphan_contents_on_postgres() {
    unreferenced_contents_are_dropped_referenced_ones_stay(true).await;
}
