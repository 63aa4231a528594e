//! One mutation the server cannot read — an operation of a newer version, malformed
//! arguments — is refused alone, with its reason; the mutations around it in the same push
//! are applied, the device's sequence goes on, and the answer is the same when the push is
//! sent again (a lost answer). On both engines.

use corridor_e2e::devices::{open_case, Device, World};
use corridor_model::mutation::{Mutation, Op};
use corridor_model::timeline::Visibility;

fn note(device: uuid::Uuid, seq: i64, case: uuid::Uuid, text: &str) -> serde_json::Value {
    serde_json::to_value(Mutation {
        mutation_id: uuid::Uuid::now_v7(),
        device_id: device,
        device_seq: seq,
        op: Op::AddNote {
            case_id: case,
            event_id: uuid::Uuid::now_v7(),
            visibility: Visibility::Shared,
            text: text.to_owned(),
        },
        base: Default::default(),
        authored_at: chrono::Utc::now(),
        author: "k.alaoui".to_owned(),
    })
    .expect("json")
}

async fn a_poisoned_mutation_is_refused_alone(postgres: bool) {
    let w = World::new(postgres).await;
    w.user("k.alaoui", "cgem_officer", "MA-06");
    w.user("m.bennani", "cnss_rep", "MA-06");
    let mut a = Device::login(&w.server.url, "k.alaoui").await;
    let case: uuid::Uuid = open_case(&a, 1, "MA-06", "Prestations bloquées")
        .await
        .parse()
        .expect("id");
    a.sync().await.expect("sync");
    // A second device of the same officer, whose pushes this test writes by hand.
    let crafted = Device::login(&w.server.url, "k.alaoui").await;
    let device = crafted.store().device().await.expect("device").id;
    let token = crafted.token().await;

    let mut newer = note(device, 2, case, "jamais");
    newer["name"] = "archive_case".into(); // an operation this server does not know
    let mut broken = note(device, 3, case, "jamais");
    broken["args"]["text"] = serde_json::json!({"pas": "un texte"});
    let body = serde_json::json!({"mutations": [
        note(device, 1, case, "Avant"),
        newer,
        broken,
        note(device, 4, case, "Après"),
    ]});
    let http = reqwest::Client::new();
    let push = || {
        http.post(format!("{}/v1/sync/push", w.server.url))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let first: serde_json::Value = {
        let resp = push().await.expect("push");
        assert_eq!(resp.status().as_u16(), 200);
        resp.json().await.expect("json")
    };
    let outcomes: Vec<(String, String)> = first["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["outcome"].as_str().unwrap_or_default().to_owned(),
                r["code"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            ("applied".to_owned(), String::new()),
            ("rejected".to_owned(), "unreadable_mutation".to_owned()),
            ("rejected".to_owned(), "unreadable_mutation".to_owned()),
            ("applied".to_owned(), String::new()),
        ]
    );
    assert!(
        first["results"][1]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("archive_case"),
        "{}",
        first["results"][1]
    );
    assert_eq!(first["last_applied_seq"], 4);
    // The answer was lost: the same push gets the same answer, nothing applied twice.
    let again: serde_json::Value = push().await.expect("push").json().await.expect("json");
    assert_eq!(again["results"], first["results"]);

    // Another device receives the two readable notes, once each.
    let mut b = Device::login(&w.server.url, "m.bennani").await;
    b.sync().await.expect("sync");
    let notes: Vec<String> = b
        .notes(&case.to_string())
        .await
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    assert_eq!(notes, ["Avant", "Après"]);
    w.finish().await;
}

#[tokio::test]
async fn a_poisoned_mutation_on_sqlite() {
    a_poisoned_mutation_is_refused_alone(false).await;
}

#[tokio::test]
async fn a_poisoned_mutation_on_postgres() {
    a_poisoned_mutation_is_refused_alone(true).await;
}
