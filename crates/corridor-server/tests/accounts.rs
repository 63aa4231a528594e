//! Users, devices, tokens and login over HTTP, the same scenarios on SQLite and PostgreSQL.

mod common;
use common::ADMIN;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::Utc;
use corridor_model::Region;
use corridor_server::auth::{hash_password, token_hash, Role};
use corridor_server::Storage;
use serde_json::{json, Value};
use tower::ServiceExt;

async fn call(
    storage: &Arc<dyn Storage>,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<String>,
) -> (StatusCode, Value) {
    let app = corridor_server::router(storage.clone());
    common::request(
        app,
        method,
        path,
        token,
        None,
        body.unwrap_or_default().into_bytes(),
    )
    .await
}

fn login_body(user: &str, password: &str, device: &str) -> String {
    json!({"username": user, "password": password, "device_id": device, "device_name": "PC-CASA-01"}).to_string()
}

async fn accounts_story(s: Arc<dyn Storage>) {
    let casa = Region::from_number(6).expect("MA-06");
    let hash = tokio::task::spawn_blocking(|| hash_password("mot de passe long"))
        .await
        .expect("hash");
    let user = s
        .add_user("k.alaoui", Role::CgemOfficer, &[casa], &hash, ADMIN)
        .await
        .expect("user");
    assert_eq!(user.regions, [casa]);
    let dup = s
        .add_user("k.alaoui", Role::CnssRep, &[casa], &hash, ADMIN)
        .await
        .expect_err("duplicate");
    assert!(dup.to_string().contains("already taken"));
    s.add_user("comite", Role::Committee, &[], &hash, ADMIN)
        .await
        .expect("committee");
    assert_eq!(s.users().await.expect("users").len(), 2);

    // Login registers the device and returns a token; the server keeps only its hash.
    let device = uuid::Uuid::now_v7().to_string();
    let (status, body) = call(
        &s,
        "POST",
        "/v1/login",
        None,
        Some(login_body("k.alaoui", "mot de passe long", &device)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = body["token"].as_str().expect("token").to_owned();
    assert_eq!(body["role"], "cgem_officer");
    assert_eq!(body["regions"], json!(["MA-06"]));
    let session = s
        .session(&token_hash(&token), Utc::now())
        .await
        .expect("session")
        .expect("known");
    assert_eq!(session.device_id, device);
    assert!(
        s.session(&token, Utc::now())
            .await
            .expect("lookup")
            .is_none(),
        "the raw token is not stored"
    );

    let (status, me) = call(&s, "GET", "/v1/me", Some(&token), None).await;
    assert_eq!(
        (status, me["username"].as_str()),
        (StatusCode::OK, Some("k.alaoui"))
    );
    let (status, err) = call(&s, "GET", "/v1/me", Some("cor_nope"), None).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthenticated"))
    );
    let (status, _) = call(&s, "GET", "/v1/me", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Logging in again from the same device replaces the token.
    let (_, again) = call(
        &s,
        "POST",
        "/v1/login",
        None,
        Some(login_body("k.alaoui", "mot de passe long", &device)),
    )
    .await;
    let token2 = again["token"].as_str().expect("token").to_owned();
    assert_eq!(
        call(&s, "GET", "/v1/me", Some(&token), None).await.0,
        StatusCode::UNAUTHORIZED,
        "old token retired"
    );
    assert_eq!(
        call(&s, "GET", "/v1/me", Some(&token2), None).await.0,
        StatusCode::OK
    );

    // Another user cannot take over the device.
    let (status, err) = call(
        &s,
        "POST",
        "/v1/login",
        None,
        Some(login_body("comite", "mot de passe long", &device)),
    )
    .await;
    assert_eq!(
        (status, err["code"].as_str()),
        (StatusCode::CONFLICT, Some("device_of_another_user"))
    );

    // Revocation: 403 on the next request, and the device cannot log in again.
    assert!(s
        .revoke_device(&device, Utc::now(), ADMIN)
        .await
        .expect("revoke"));
    assert!(!s
        .revoke_device("no-such-device", Utc::now(), ADMIN)
        .await
        .expect("revoke"));
    let (status, err) = call(&s, "GET", "/v1/me", Some(&token2), None).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("device_revoked"))
    );
    assert!(err["message"]
        .as_str()
        .expect("message")
        .contains("révoqué"));
    let (status, _) = call(
        &s,
        "POST",
        "/v1/login",
        None,
        Some(login_body("k.alaoui", "mot de passe long", &device)),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let devices = s.devices().await.expect("devices");
    assert!(devices[0].revoked_at.is_some());
}

async fn login_is_rate_limited_and_bad_input_refused(s: Arc<dyn Storage>) {
    let hash = tokio::task::spawn_blocking(|| hash_password("mot de passe long"))
        .await
        .expect("hash");
    s.add_user(
        "r.bennani",
        Role::CnssRep,
        &[Region::from_number(4).expect("MA-04")],
        &hash,
        ADMIN,
    )
    .await
    .expect("user");
    let device = uuid::Uuid::now_v7().to_string();
    for _ in 0..5 {
        let (status, err) = call(
            &s,
            "POST",
            "/v1/login",
            None,
            Some(login_body("r.bennani", "mauvais", &device)),
        )
        .await;
        assert_eq!(
            (status, err["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("bad_credentials"))
        );
        assert_eq!(err["message"], "Identifiant ou mot de passe incorrect.");
    }
    let (status, err) = call(
        &s,
        "POST",
        "/v1/login",
        None,
        Some(login_body("r.bennani", "mot de passe long", &device)),
    )
    .await;
    assert_eq!(
        (status, err["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("too_many_attempts")),
        "even the right password waits"
    );
    // An unknown user gets the same answer as a wrong password.
    let (_, err) = call(
        &s,
        "POST",
        "/v1/login",
        None,
        Some(login_body("inconnu", "x", &device)),
    )
    .await;
    assert_eq!(err["code"], "bad_credentials");

    for bad in [
        "{not json",
        r#"{"username": 1}"#,
        r#"{"username":"a","password":"b","device_id":"not-a-uuid","device_name":"x"}"#,
        r#"{"username":"a","password":"b","device_id":"0190a0a0-0000-7000-8000-000000000000","device_name":"x","admin":true}"#,
    ] {
        let (status, err) = call(&s, "POST", "/v1/login", None, Some(bad.to_owned())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(
            err["message"]
                .as_str()
                .expect("message")
                .starts_with("Requête invalide"),
            "{err}"
        );
    }
    assert!(
        s.devices().await.expect("devices").is_empty(),
        "nothing registered"
    );
}

mod accounts {
    use super::*;
    on_both_engines!(accounts_story);
}

mod rate_limit {
    use super::*;
    on_both_engines!(login_is_rate_limited_and_bad_input_refused);
}

#[tokio::test]
async fn the_api_describes_itself_and_exports_metrics() {
    let e = common::sqlite().await;
    let s = e.storage.clone();
    let (status, doc) = call(&s, "GET", "/v1/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().expect("version").starts_with("3."));
    for path in ["/v1/health", "/v1/login", "/v1/me"] {
        assert!(doc["paths"][path].is_object(), "{path} described");
    }
    assert!(doc["components"]["schemas"]["LoginResponse"].is_object());
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );

    assert_eq!(
        call(&s, "GET", "/v1/health", None, None).await.0,
        StatusCode::OK
    );
    // Metrics: for this machine only without a token; with one, for whoever has it.
    let metrics = |from: &str, token: Option<&str>, server_token: Option<&str>| {
        let mut req = Request::get("/v1/metrics");
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let mut req = req.body(Body::empty()).expect("request");
        let addr: std::net::SocketAddr = format!("{from}:9100").parse().expect("address");
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(addr));
        let guard = Arc::new(corridor_server::login::LoginGuard::new(
            corridor_server::login::LoginPolicy::default(),
        ));
        corridor_server::router_with(s.clone(), guard, server_token).oneshot(req)
    };
    for (from, token, server_token, expected) in [
        ("10.20.30.40", None, None, StatusCode::FORBIDDEN),
        (
            "10.20.30.40",
            Some("secret-de-supervision"),
            None,
            StatusCode::FORBIDDEN,
        ),
        (
            "10.20.30.40",
            None,
            Some("secret-de-supervision"),
            StatusCode::FORBIDDEN,
        ),
        (
            "10.20.30.40",
            Some("mauvais"),
            Some("secret-de-supervision"),
            StatusCode::FORBIDDEN,
        ),
        (
            "127.0.0.1",
            None,
            Some("secret-de-supervision"),
            StatusCode::FORBIDDEN,
        ),
        (
            "10.20.30.40",
            Some("secret-de-supervision"),
            Some("secret-de-supervision"),
            StatusCode::OK,
        ),
    ] {
        let resp = metrics(from, token, server_token).await.expect("response");
        assert_eq!(resp.status(), expected, "{from} {token:?} {server_token:?}");
    }
    // A proxy on this machine forwards everyone from loopback: what it forwards is not local.
    let mut req = Request::get("/v1/metrics")
        .header("x-forwarded-for", "41.250.1.2")
        .body(Body::empty())
        .expect("request");
    req.extensions_mut().insert(axum::extract::ConnectInfo(
        "127.0.0.1:9100"
            .parse::<std::net::SocketAddr>()
            .expect("address"),
    ));
    let guard = Arc::new(corridor_server::login::LoginGuard::new(
        corridor_server::login::LoginPolicy::default(),
    ));
    let resp = corridor_server::router_with(s.clone(), guard, None)
        .oneshot(req)
        .await
        .expect("response");
    assert_eq!(
        resp.status(),
        StatusCode::FORBIDDEN,
        "proxied, so not local"
    );
    let resp = metrics("127.0.0.1", None, None).await.expect("response");
    assert_eq!(resp.status(), StatusCode::OK);
    let text = String::from_utf8(
        axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .expect("body")
            .to_vec(),
    )
    .expect("utf-8");
    let line = text
        .lines()
        .find(|l| {
            l.starts_with("corridor_http_requests_total") && l.contains(r#"route="/v1/health""#)
        })
        .unwrap_or_else(|| panic!("no health counter in:\n{text}"));
    assert!(line.contains(r#"status="200""#), "{line}");
    assert!(
        text.contains("corridor_http_request_duration_seconds"),
        "latencies exported"
    );
    e.drop_now().await;
}
