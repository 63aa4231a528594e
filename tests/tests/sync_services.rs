//! The services around the sync, end to end against the real server process: attachment
//! contents by hash (resumable, bounded, by region), a push replayed after a lost answer, the
//! audit chain, the seeded demo data seen by each role, and the CLI's sync settling a real
//! conflict — each on both engines (the audit tampering here on SQLite; `audit.rs` rewrites the
//! chain on both).

use corridor_e2e::devices::{open_case, Device, World, PASSWORD};
use corridor_e2e::views::server_view;
use corridor_model::timeline::Visibility;
use corridor_model::CaseStatus;
use corridor_sync::ServerClient;

async fn attachment_contents_travel_by_hash_resumably_within_limits(postgres: bool) {
    use sha2::Digest;
    let w = World::new(postgres).await;
    w.user("a.officier", "cgem_officer", "MA-06");
    w.user("b.officier", "cgem_officer", "MA-06");
    w.user("r.rabat", "cgem_officer", "MA-04");
    let mut a = Device::login(&w.server.url, "a.officier").await;
    let mut b = Device::login(&w.server.url, "b.officier").await;
    let r = Device::login(&w.server.url, "r.rabat").await;
    let case = open_case(&a, 1, "MA-06", "Dossier").await;
    // 2.5 MiB of varied bytes: three chunks of 1 MiB on the way up.
    let content: Vec<u8> = (0..2_621_440u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let hash = hex::encode(sha2::Sha256::digest(&content));
    let size = content.len() as u64;
    a.store()
        .attach(&case, "releve.xlsx", &content, 25 << 20)
        .await
        .expect("attach");
    let token = a.token().await;
    let client = ServerClient::new(&w.server.url).expect("client");

    // An upload cut after its first chunk...
    assert_eq!(
        client
            .attachment_status(&token, &hash)
            .await
            .expect("status"),
        None
    );
    let s = client
        .upload_chunk(&token, &hash, size, 0, &content[..1 << 20])
        .await
        .expect("first chunk");
    assert_eq!((s.received, s.complete), (1 << 20, false));
    // ...cannot restart elsewhere than where the server stands...
    let err = client
        .upload_chunk(&token, &hash, size, 0, &content[..10])
        .await
        .expect_err("wrong offset");
    assert!(err.to_string().contains("l'octet 1048576"), "{err}");
    // ...and the sync resumes it from there.
    let report = a.sync().await.expect("sync");
    assert_eq!(report.uploaded, 1);
    let s = client
        .attachment_status(&token, &hash)
        .await
        .expect("status")
        .expect("known");
    assert_eq!((s.received, s.complete), (size as i64, true));

    // Another device of the region gets it; another region's user cannot read it.
    let report = b.sync().await.expect("sync b");
    assert_eq!(report.downloaded, 1, "{report:?}");
    let (_, got) = b
        .store()
        .attachment_content(&case, &hash)
        .await
        .expect("content");
    assert_eq!(got, content);
    let rtoken = r.token().await;
    let err = client
        .download_chunk(&rtoken, &hash, 0)
        .await
        .expect_err("other region");
    assert!(err.to_string().contains("Pièce jointe inconnue"), "{err}");
    // Reading from an offset (a download resumed).
    let tail = client
        .download_chunk(&token, &hash, size - 100)
        .await
        .expect("tail")
        .expect("complete");
    assert_eq!(tail, content[content.len() - 100..]);

    // Bad contents: a content that does not match its hash, an oversize announcement.
    let fake = "ab".repeat(32);
    let err = client
        .upload_chunk(&token, &fake, 5, 0, b"hello")
        .await
        .expect_err("hash mismatch");
    assert!(err.to_string().contains("ne correspond pas"), "{err}");
    assert_eq!(
        client
            .attachment_status(&token, &fake)
            .await
            .expect("status"),
        None,
        "thrown away"
    );
    let err = client
        .upload_chunk(&token, &fake, 26 << 20, 0, b"hello")
        .await
        .expect_err("too large");
    assert!(err.to_string().contains("limite est de 25 Mo"), "{err}");
    w.finish().await;
}

async fn a_push_repeated_after_a_lost_answer_is_applied_once(postgres: bool) {
    let w = World::new(postgres).await;
    w.user("a.officier", "cgem_officer", "MA-06");
    let a = Device::login(&w.server.url, "a.officier").await;
    let case = open_case(&a, 1, "MA-06", "Dossier").await;
    a.store()
        .transition(&case, CaseStatus::Draft, None)
        .await
        .expect_err("draft to draft is refused locally");
    a.store()
        .add_note(&case, Visibility::Shared, "Une seule fois")
        .await
        .expect("note");
    let token = a.token().await;
    let client = ServerClient::new(&w.server.url).expect("client");
    let batch = corridor_model::sync::PushRequest {
        mutations: a.store().outbox().await.expect("outbox"),
    };
    assert_eq!(batch.mutations.len(), 3);
    // The answer is "lost": the device sends the same batch again, then a part of it.
    let first = client.push(&token, &batch).await.expect("push");
    let view = server_view(&w.server.url, &token).await;
    let again = client.push(&token, &batch).await.expect("push again");
    assert_eq!(again, first, "the same answers again");
    let tail = corridor_model::sync::PushRequest {
        mutations: batch.mutations[2..].to_vec(),
    };
    let part = client.push(&token, &tail).await.expect("push tail");
    assert_eq!(part.results[..], first.results[2..]);
    assert_eq!(
        server_view(&w.server.url, &token).await,
        view,
        "nothing written twice"
    );
    assert!(w.admin(&["audit", "verify"]).contains("(3 changes applied"));
    w.finish().await;
}

#[tokio::test]
async fn the_audit_chain_verifies_and_tampering_is_found() {
    let w = World::new(false).await;
    w.user("a.officier", "cgem_officer", "MA-06");
    let mut a = Device::login(&w.server.url, "a.officier").await;
    let case = open_case(&a, 1, "MA-06", "Dossier").await;
    a.store()
        .transition(&case, CaseStatus::Submitted, None)
        .await
        .expect("submit");
    a.sync().await.expect("sync");
    assert!(w.admin(&["audit", "verify"]).contains("(3 changes applied"));
    // Alter an entry behind the server's back (the triggers refuse it; drop them first).
    let db = w.work.path().join("server.db");
    let url = format!("sqlite:{}", db.display());
    {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&url).await.expect("db");
        sqlx::query("DROP TRIGGER audit_log_no_update")
            .execute(&mut c)
            .await
            .expect("drop trigger");
        sqlx::query("UPDATE audit_log SET username = 'intrus' WHERE seq = 2")
            .execute(&mut c)
            .await
            .expect("tamper");
        c.close().await.expect("close");
    }
    let out = corridor_e2e::devices::admin(&w.db, w.work.path(), &["audit", "verify"], None);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("entry 2"), "{err}");
    w.finish().await;
}

async fn seeded_demo_data_syncs_to_each_role_within_its_rights(postgres: bool) {
    let w = World::new(postgres).await;
    let out =
        std::process::Command::new(corridor_e2e::binary("corridor-server", "corridor-server"))
            .args(["--database-url", &w.db, "seed-demo"])
            .env("CORRIDOR_PASSWORD", PASSWORD)
            .current_dir(w.work.path())
            .output()
            .expect("seed-demo");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("8 enterprises, 10 cases"));
    let again = corridor_e2e::devices::admin(&w.db, w.work.path(), &["seed-demo"], None);
    assert!(!again.status.success(), "seeding twice is refused");

    let mut rep = Device::login(&w.server.url, "demo.cnss.casa").await;
    rep.sync().await.expect("sync");
    let snap = rep.snapshot().await;
    let cases = snap["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 5, "Casablanca-Settat only");
    assert!(cases.iter().all(|c| c["case"]["region"] == "MA-06"));
    let statuses: std::collections::BTreeSet<&str> = cases
        .iter()
        .filter_map(|c| c["case"]["status"].as_str())
        .collect();
    assert!(statuses.len() >= 4, "cases at several steps: {statuses:?}");
    let internal = snap.to_string().contains("Note interne CGEM");
    assert!(!internal, "CGEM internal notes stay with the CGEM");

    let mut committee = Device::login(&w.server.url, "demo.comite").await;
    committee.sync().await.expect("sync");
    let snap = committee.snapshot().await;
    assert_eq!(
        snap["cases"].as_array().map(Vec::len),
        Some(10),
        "every region"
    );
    assert!(!snap.to_string().contains("Note interne CGEM"));
    // The committee reads; its changes are refused on its device, by the same rule the
    // server applies...
    let any = snap["cases"][0]["case"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let err = committee
        .store()
        .add_note(&any, Visibility::Shared, "Avis du comité")
        .await
        .expect_err("read only");
    assert_eq!(err.code(), "read_only");
    assert!(committee.store().outbox().await.expect("outbox").is_empty());
    // ...and by the server, to a client that skips the device's check.
    let token = committee.token().await;
    let device = committee.store().device().await.expect("device").id;
    let crafted = serde_json::json!({"mutations": [{
        "mutation_id": uuid::Uuid::now_v7(),
        "device_id": device,
        "device_seq": 1,
        "name": "add_note",
        "args": {"case_id": any, "event_id": uuid::Uuid::now_v7(), "visibility": "shared",
                 "text": "Avis du comité"},
        "authored_at": chrono::Utc::now(),
        "author": "demo.comite",
    }]});
    let answer: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/v1/sync/push", w.server.url))
        .bearer_auth(&token)
        .json(&crafted)
        .send()
        .await
        .expect("push")
        .json()
        .await
        .expect("json");
    assert_eq!(answer["results"][0]["code"], "read_only", "{answer}");

    // Figures for the committee.
    let stats: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/v1/stats", w.server.url))
        .bearer_auth(&token)
        .send()
        .await
        .expect("stats")
        .json()
        .await
        .expect("json");
    assert_eq!(stats["total"], 10);
    assert_eq!(stats["by_region"]["MA-06"]["cases"], 5);
    assert_eq!(stats["by_status"]["closed"], 1);
    assert!(
        stats["by_region"]["MA-06"]["median_days_to_resolve"].is_number()
            || stats["by_region"]["MA-04"]["median_days_to_resolve"].is_number()
    );
    assert!(stats["sla_by_region"]
        .as_object()
        .is_some_and(|m| !m.is_empty()));
    w.finish().await;
}

async fn the_cli_syncs_and_settles_conflicts(postgres: bool) {
    let w = World::new(postgres).await;
    w.user("a.officier", "cgem_officer", "MA-06");
    w.user("b.officier", "cgem_officer", "MA-06");
    let data = tempfile::tempdir().expect("tempdir");
    let run = |args: &[&str]| {
        std::process::Command::new(corridor_e2e::binary("corridor-cli", "corridor"))
            .arg("--data-dir")
            .arg(data.path())
            .args(args)
            .env("CORRIDOR_PASSPHRASE", "phrase de passe e2e")
            .env("CORRIDOR_PASSWORD", PASSWORD)
            .output()
            .expect("corridor")
    };
    assert!(run(&["init"]).status.success());
    let login = run(&["login", "--server", &w.server.url, "--user", "a.officier"]);
    assert!(
        login.status.success(),
        "{}",
        String::from_utf8_lossy(&login.stderr)
    );
    let out = run(&[
        "enterprise",
        "add",
        "--name",
        "Atlas",
        "--ice",
        "001561191000066",
        "--region",
        "MA-06",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["--json", "sync"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["pushed"], 1);
    assert_eq!(report["rejected"], 0);
    let out = run(&["sync"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Synchronisé : 0 envoyée(s)"), "{text}");
    let out = run(&["conflicts", "list"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Aucun conflit"));
    let out = run(&[
        "conflicts",
        "resolve",
        "0192abcd-0000",
        "--keep",
        "proposed",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Aucun conflit en attente"));

    // A real conflict: a colleague changes the title; the CLI user, who has not seen it, too.
    let out = run(&[
        "--json",
        "case",
        "new",
        "--ice",
        "001561191000066",
        "--category",
        "other",
        "--title",
        "Titre initial",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let created: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let case_id = created["id"].as_str().expect("case id").to_owned();
    assert!(run(&["sync"]).status.success());
    let mut b = Device::login(&w.server.url, "b.officier").await;
    b.sync().await.expect("sync b");
    b.store()
        .edit_case(
            &case_id,
            corridor_model::mutation::CaseEdit {
                title: Some("Titre de B".to_owned()),
                ..Default::default()
            },
        )
        .await
        .expect("edit b");
    b.sync().await.expect("sync b");
    let out = run(&["case", "edit", &case_id, "--title", "Titre de la CLI"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["--json", "sync"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["conflicts"], 1, "{report}");
    let out = run(&["--json", "conflicts", "list"]);
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let conflict = &list[0]["conflict"];
    assert_eq!(
        (conflict["current"].as_str(), conflict["proposed"].as_str()),
        (Some("Titre de B"), Some("Titre de la CLI")),
        "{list}"
    );
    let id = conflict["id"].as_str().expect("id");
    let out = run(&["conflicts", "resolve", &id[..13], "--keep", "proposed"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(run(&["sync"]).status.success());
    b.sync().await.expect("sync b");
    assert_eq!(
        b.store().case(&case_id).await.expect("case").title,
        "Titre de la CLI",
        "the choice reached the colleague"
    );
    let out = run(&["conflicts", "list"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Aucun conflit"));
    w.finish().await;
}

#[tokio::test]
async fn attachments_travel_on_sqlite() {
    attachment_contents_travel_by_hash_resumably_within_limits(false).await;
}

#[tokio::test]
async fn attachments_travel_on_postgres() {
    attachment_contents_travel_by_hash_resumably_within_limits(true).await;
}

#[tokio::test]
async fn a_replayed_push_applies_once_on_sqlite() {
    a_push_repeated_after_a_lost_answer_is_applied_once(false).await;
}

#[tokio::test]
async fn a_replayed_push_applies_once_on_postgres() {
    a_push_repeated_after_a_lost_answer_is_applied_once(true).await;
}

#[tokio::test]
async fn seeded_demo_data_on_sqlite() {
    seeded_demo_data_syncs_to_each_role_within_its_rights(false).await;
}

#[tokio::test]
async fn seeded_demo_data_on_postgres() {
    seeded_demo_data_syncs_to_each_role_within_its_rights(true).await;
}

#[tokio::test]
async fn the_cli_settles_conflicts_on_sqlite() {
    the_cli_syncs_and_settles_conflicts(false).await;
}

#[tokio::test]
async fn the_cli_settles_conflicts_on_postgres() {
    the_cli_syncs_and_settles_conflicts(true).await;
}
