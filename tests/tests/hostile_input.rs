//! Bad input to every endpoint of the real server process — malformed JSON, wrong types,
//! unknown fields, foreign ids, oversize bodies, crafted pushes — gets a clear 4xx and changes
//! nothing, on both engines.

use corridor_e2e::devices::{open_case, Device, World};
use corridor_e2e::views::{applied, head, server_view};

async fn bad_input_to_every_endpoint_gets_a_clear_4xx_and_changes_nothing(postgres: bool) {
    let w = World::new(postgres).await;
    w.user("a.officier", "cgem_officer", "MA-06");
    w.user("r.rabat", "cgem_officer", "MA-04");
    let mut a = Device::login(&w.server.url, "a.officier").await;
    let r = Device::login(&w.server.url, "r.rabat").await;
    let case = open_case(&a, 1, "MA-06", "Dossier").await;
    a.sync().await.expect("sync");
    let token = a.token().await;
    let before = head(&w.server.url, &token).await;
    let audit_before = w.admin(&["audit", "verify"]);

    let http = reqwest::Client::new();
    let post = |path: &str, token: Option<&str>, body: Vec<u8>| {
        let mut req = http
            .post(format!("{}{path}", w.server.url))
            .header("content-type", "application/json")
            .body(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send()
    };
    let device = a.store().device().await.expect("device").id;
    let mutation = |name: &str, args: serde_json::Value, seq: i64| {
        serde_json::json!({"mutations": [{
            "mutation_id": uuid::Uuid::now_v7(), "device_id": device, "device_seq": seq,
            "name": name, "args": args, "authored_at": "2026-11-29T10:00:00Z", "author": "x"
        }]})
        .to_string()
        .into_bytes()
    };
    let last: i64 = 2; // enterprise + case pushed by the sync above
    let edit = serde_json::json!({"case_id": case, "event_id": uuid::Uuid::now_v7(), "edit": {"title": "x"}});
    // (path, token, body, expected status, words of the message)
    type Case<'a> = (&'a str, Option<&'a str>, Vec<u8>, u16, &'a str);
    let cases: Vec<Case<'_>> = vec![
        (
            "/v1/sync/push",
            None,
            b"{}".to_vec(),
            401,
            "Session absente",
        ),
        (
            "/v1/sync/pull",
            None,
            b"{}".to_vec(),
            401,
            "Session absente",
        ),
        (
            "/v1/sync/push",
            Some("cor_faux"),
            b"{}".to_vec(),
            401,
            "Session absente",
        ),
        (
            "/v1/sync/push",
            Some(&token),
            b"{pas du json".to_vec(),
            400,
            "Requête invalide",
        ),
        (
            "/v1/sync/push",
            Some(&token),
            br#"{"mutations": 5}"#.to_vec(),
            400,
            "Requête invalide",
        ),
        (
            "/v1/sync/push",
            Some(&token),
            mutation("edit_case", edit.clone(), last + 5),
            409,
            "Modifications manquantes",
        ),
        (
            "/v1/sync/pull",
            Some(&token),
            br#"{"cursor": "n'importe quoi"}"#.to_vec(),
            400,
            "Curseur",
        ),
        (
            "/v1/sync/pull",
            Some(&token),
            br#"{"limit": 0}"#.to_vec(),
            400,
            "Taille de page",
        ),
        (
            "/v1/sync/pull",
            Some(&token),
            br#"{"cursor": null, "extra": 1}"#.to_vec(),
            400,
            "Requête invalide",
        ),
    ];
    for (path, tok, body, status, message) in cases {
        let resp = post(path, tok, body).await.expect("request");
        assert_eq!(resp.status().as_u16(), status, "{path} {message}");
        let text = resp.text().await.unwrap_or_default();
        assert!(text.contains(message), "{path}: {text}");
    }
    // An oversize body is refused from its announced length, before it is read (a raw
    // request: the server answers and closes while a client would still be sending).
    {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let addr = w.server.url.trim_start_matches("http://").to_owned();
        let mut tcp = tokio::net::TcpStream::connect(&addr)
            .await
            .expect("connect");
        let head = format!(
            "POST /v1/sync/push HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            9 * 1024 * 1024
        );
        tcp.write_all(head.as_bytes()).await.expect("send head");
        let mut answer = vec![0u8; 256];
        let n = tcp.read(&mut answer).await.expect("read");
        let answer = String::from_utf8_lossy(&answer[..n]);
        assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    }
    // The limit is the server's own (8 MB), not the framework's default (2 MB): a 3 MB body
    // is read and judged on its content.
    {
        let pad = "x".repeat(3 * 1024 * 1024);
        let body = format!(r#"{{"mutations": [], "pad": "{pad}"}}"#).into_bytes();
        let resp = post("/v1/sync/push", Some(&token), body)
            .await
            .expect("request");
        assert_eq!(
            resp.status().as_u16(),
            400,
            "read, then refused for its content"
        );
        assert!(resp
            .text()
            .await
            .unwrap_or_default()
            .contains("Requête invalide"));
    }

    // Another device's mutations under this token.
    let foreign = mutation("edit_case", edit.clone(), last + 1);
    let foreign = String::from_utf8(foreign)
        .expect("utf8")
        .replace(&device.to_string(), &uuid::Uuid::now_v7().to_string());
    let resp = post("/v1/sync/push", Some(&token), foreign.into_bytes())
        .await
        .expect("request");
    assert_eq!(resp.status().as_u16(), 403);

    // Another region's case: the mutation is answered "refused", nothing is written.
    let rabat = r.store();
    let other_device = rabat.device().await.expect("device").id;
    let rtoken = r.token().await;
    let body = serde_json::json!({"mutations": [{
        "mutation_id": uuid::Uuid::now_v7(), "device_id": other_device, "device_seq": 1,
        "name": "edit_case", "args": edit, "authored_at": "2026-11-29T10:00:00Z", "author": "r"
    }]});
    let resp = post(
        "/v1/sync/push",
        Some(&rtoken),
        body.to_string().into_bytes(),
    )
    .await
    .expect("request");
    assert_eq!(resp.status().as_u16(), 200);
    let answer: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(answer["results"][0]["outcome"], "rejected");
    assert_eq!(answer["results"][0]["code"], "unknown_case");
    assert_eq!(server_view(&w.server.url, &rtoken).await.len(), 0);

    // Mutations this server cannot read (an unknown operation, malformed arguments) are
    // refused one by one with the reason, so that they never block the device's later ones.
    for (seq, (name, args)) in [
        ("delete_everything", serde_json::json!({})),
        ("edit_case", serde_json::json!({"case_id": 12})),
    ]
    .into_iter()
    .enumerate()
    {
        let seq = last + 1 + i64::try_from(seq).expect("seq");
        let resp = post("/v1/sync/push", Some(&token), mutation(name, args, seq))
            .await
            .expect("request");
        assert_eq!(resp.status().as_u16(), 200, "{name}");
        let answer: serde_json::Value = resp.json().await.expect("json");
        assert_eq!(answer["results"][0]["outcome"], "rejected", "{name}");
        assert_eq!(
            answer["results"][0]["code"], "unreadable_mutation",
            "{name}"
        );
        assert_eq!(
            answer["last_applied_seq"], seq,
            "{name}: its number is used"
        );
    }
    assert_eq!(
        head(&w.server.url, &token).await.1,
        before.1,
        "nothing written"
    );
    let after = w.admin(&["audit", "verify"]);
    assert_eq!(
        applied(&after),
        applied(&audit_before),
        "no change applied by refused input: {after}"
    );

    // A session unused for more than 14 days has expired.
    {
        use sqlx::Connection;
        let sql = "UPDATE device SET last_seen_at = $1 WHERE id = $2";
        let aged = chrono::Utc::now() - chrono::Duration::days(40);
        if postgres {
            let mut c = sqlx::PgConnection::connect(&w.db).await.expect("db");
            sqlx::query(sql)
                .bind(aged)
                .bind(other_device.to_string())
                .execute(&mut c)
                .await
                .expect("age the session");
            c.close().await.expect("close");
        } else {
            let mut c = sqlx::SqliteConnection::connect(&w.db).await.expect("db");
            sqlx::query(sql)
                .bind(aged)
                .bind(other_device.to_string())
                .execute(&mut c)
                .await
                .expect("age the session");
            c.close().await.expect("close");
        }
    }
    let resp = post("/v1/sync/pull", Some(&rtoken), b"{}".to_vec())
        .await
        .expect("request");
    assert_eq!(resp.status().as_u16(), 401);
    assert!(resp
        .text()
        .await
        .unwrap_or_default()
        .contains("Session expirée"));

    // A revoked device's token is refused with the reason.
    let id = device.to_string();
    w.admin(&["device", "revoke", &id]);
    let resp = post("/v1/sync/pull", Some(&token), b"{}".to_vec())
        .await
        .expect("request");
    assert_eq!(resp.status().as_u16(), 403);
    assert!(resp.text().await.unwrap_or_default().contains("révoqué"));
    w.finish().await;
}

#[tokio::test]
async fn bad_input_changes_nothing_on_sqlite() {
    bad_input_to_every_endpoint_gets_a_clear_4xx_and_changes_nothing(false).await;
}

#[tokio::test]
async fn bad_input_changes_nothing_on_postgres() {
    bad_input_to_every_endpoint_gets_a_clear_4xx_and_changes_nothing(true).await;
}
