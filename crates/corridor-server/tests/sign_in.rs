//! Signing in as an attacker would: bursts of parallel guesses, many usernames from one
//! address, oversize fields, unknown and disabled accounts; and the account's life — disabled,
//! enabled, a new password, a revoked device, logout, the absolute lifetime of a session. The
//! same scenarios on SQLite and PostgreSQL, through the real router.

mod common;
use common::ADMIN;

use std::sync::Arc;

use axum::http::StatusCode;
use axum::Router;
use chrono::{Duration, Utc};
use corridor_model::Region;
use corridor_server::auth::{hash_password, new_token, Role};
use corridor_server::login::{LoginGuard, LoginPolicy};
use corridor_server::Storage;
use serde_json::{json, Value};

const PASSWORD: &str = "mot de passe long";

async fn send(
    app: &Router,
    path: &str,
    token: Option<&str>,
    from: &str,
    body: Option<String>,
) -> (StatusCode, Value) {
    let method = if path == "/v1/me" { "GET" } else { "POST" };
    let body = body.unwrap_or_default().into_bytes();
    common::request(app.clone(), method, path, token, Some(from), body).await
}

fn login_body(user: &str, password: &str, device: &str) -> String {
    json!({"username": user, "password": password, "device_id": device, "device_name": "PC-RABAT-02"})
        .to_string()
}

fn device() -> String {
    uuid::Uuid::now_v7().to_string()
}

async fn add(s: &Arc<dyn Storage>, name: &str) {
    let hash = tokio::task::spawn_blocking(|| hash_password(PASSWORD))
        .await
        .expect("hash");
    s.add_user(
        name,
        Role::CgemOfficer,
        &[Region::from_number(4).expect("MA-04")],
        &hash,
        ADMIN,
    )
    .await
    .expect("user");
}

fn app(s: &Arc<dyn Storage>, policy: LoginPolicy) -> (Router, Arc<LoginGuard>) {
    let guard = Arc::new(LoginGuard::new(policy));
    (
        corridor_server::router_with(s.clone(), guard.clone(), None),
        guard,
    )
}

async fn attempts_recorded(s: &Arc<dyn Storage>, user: &str, address: &str) -> (i64, i64) {
    let c = s
        .login_counts(
            user,
            address,
            Utc::now() - Duration::days(1),
            Utc::now() - Duration::days(1),
        )
        .await
        .expect("counts");
    (c.user, c.address)
}

/// Twenty guesses at once: no more than the username's budget reach the password check (the
/// attempts are recorded before it), the rest are refused as too many.
async fn parallel_guesses_are_counted_before_they_are_checked(s: Arc<dyn Storage>) {
    add(&s, "k.alaoui").await;
    let (app, guard) = app(
        &s,
        LoginPolicy {
            per_user: 5,
            verifiers: 2,
            ..LoginPolicy::default()
        },
    );
    let mut guesses = tokio::task::JoinSet::new();
    for i in 0..20 {
        let app = app.clone();
        guesses.spawn(async move {
            send(
                &app,
                "/v1/login",
                None,
                "10.1.0.1",
                Some(login_body("k.alaoui", &format!("essai {i}"), &device())),
            )
            .await
        });
    }
    let answers = guesses.join_all().await;
    let checked = answers
        .iter()
        .filter(|(st, e)| *st == StatusCode::UNAUTHORIZED && e["code"] == "bad_credentials")
        .count();
    let throttled = answers
        .iter()
        .filter(|(st, e)| *st == StatusCode::TOO_MANY_REQUESTS && e["code"] == "too_many_attempts")
        .count();
    // However the twenty interleave, the budget holds (recorded first, counted after: the n-th
    // to be recorded sees at least n).
    assert!(checked <= 5, "{checked} guesses checked: {answers:?}");
    assert_eq!(checked + throttled, 20, "{answers:?}");
    assert_eq!(guard.password_checks(), checked as u64);
    // Refused attempts do not pile up: what stays recorded is the guesses that were checked.
    assert_eq!(
        attempts_recorded(&s, "k.alaoui", "10.1.0.1").await.0,
        checked as i64
    );
    assert!(s.devices().await.expect("devices").is_empty());
}

/// One address trying many usernames is stopped by the address budget, others are not; the
/// global budget stops everyone; unknown users cost a password check like known ones.
async fn addresses_and_the_whole_server_have_budgets(s: Arc<dyn Storage>) {
    add(&s, "r.bennani").await;
    let (app, guard) = app(
        &s,
        LoginPolicy {
            per_address: 3,
            global_per_minute: 6,
            ..LoginPolicy::default()
        },
    );
    for i in 0..3 {
        let (status, err) = send(
            &app,
            "/v1/login",
            None,
            "192.0.2.7",
            Some(login_body(&format!("inconnu{i}"), "x", &device())),
        )
        .await;
        assert_eq!(
            (status, err["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("bad_credentials")),
            "an unknown user is answered like a wrong password"
        );
    }
    assert_eq!(
        guard.password_checks(),
        3,
        "each unknown username was checked against the stand-in hash"
    );
    let (status, err) = send(
        &app,
        "/v1/login",
        None,
        "192.0.2.7",
        Some(login_body("inconnu9", "x", &device())),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{err}");
    assert!(err["message"].as_str().expect("message").contains("réseau"));
    assert_eq!(guard.password_checks(), 3, "refused before any check");
    // Another address still may — until the server's budget per minute is spent.
    for (i, from) in ["198.51.100.1", "198.51.100.2", "198.51.100.3"]
        .iter()
        .enumerate()
    {
        let (status, _) = send(
            &app,
            "/v1/login",
            None,
            from,
            Some(login_body(&format!("autre{i}"), "x", &device())),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, err) = send(
        &app,
        "/v1/login",
        None,
        "203.0.113.50",
        Some(login_body("r.bennani", PASSWORD, &device())),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{err}");
    assert!(err["message"]
        .as_str()
        .expect("message")
        .contains("serveur"));

    // Attempts past the window are pruned by the next attempt.
    s.record_login_attempt(
        "ancienne",
        "oublie",
        "192.0.2.99",
        Utc::now() - Duration::hours(2),
    )
    .await
    .expect("old attempt");
    assert_eq!(attempts_recorded(&s, "oublie", "192.0.2.99").await, (1, 1));
    send(
        &app,
        "/v1/login",
        None,
        "203.0.113.51",
        Some(login_body("r.bennani", PASSWORD, &device())),
    )
    .await;
    assert_eq!(attempts_recorded(&s, "oublie", "192.0.2.99").await, (0, 0));
}

/// Oversize or empty fields are refused before anything is recorded or checked.
async fn oversize_fields_are_refused_with_nothing_recorded(s: Arc<dyn Storage>) {
    add(&s, "s.idrissi").await;
    let (app, guard) = app(&s, LoginPolicy::default());
    let long_user = "u".repeat(65);
    let long_password = "p".repeat(1025);
    let long_device = json!({"username": "s.idrissi", "password": PASSWORD, "device_id": device(), "device_name": "n".repeat(101)}).to_string();
    for (body, user) in [
        (login_body(&long_user, "x", &device()), long_user.as_str()),
        (login_body("", "x", &device()), ""),
        (
            login_body("s.idrissi", &long_password, &device()),
            "s.idrissi",
        ),
        (login_body("s.idrissi", "", &device()), "s.idrissi"),
        (long_device, "s.idrissi"),
    ] {
        let (status, err) = send(&app, "/v1/login", None, "10.9.9.9", Some(body)).await;
        assert_eq!(
            (status, err["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("bad_request")),
            "{err}"
        );
        assert_eq!(attempts_recorded(&s, user, "10.9.9.9").await, (0, 0));
    }
    assert_eq!(guard.password_checks(), 0);
    assert!(s.devices().await.expect("devices").is_empty());
}

/// Disabled, enabled, a new password, a revoked device, logout.
async fn an_account_is_disabled_reset_and_signed_out(s: Arc<dyn Storage>) {
    add(&s, "m.tazi").await;
    let (app, guard) = app(&s, LoginPolicy::default());
    let pc = device();
    let login = |user: &'static str, password: &'static str, dev: String| {
        let app = app.clone();
        async move {
            send(
                &app,
                "/v1/login",
                None,
                "10.2.0.1",
                Some(login_body(user, password, &dev)),
            )
            .await
        }
    };
    let (status, body) = login("m.tazi", PASSWORD, pc.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = body["token"].as_str().expect("token").to_owned();

    // Disabled: the session is refused, and so is a login with the right password — after the
    // same password check as anyone (the answer's time tells nothing).
    s.set_user_disabled("m.tazi", true, ADMIN)
        .await
        .expect("disable");
    let (status, err) = send(&app, "/v1/me", Some(&token), "10.2.0.1", None).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("account_disabled"))
    );
    let checks = guard.password_checks();
    let (status, err) = login("m.tazi", "pas le bon", pc.clone()).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("bad_credentials"))
    );
    let (status, err) = login("m.tazi", PASSWORD, pc.clone()).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("account_disabled"))
    );
    assert_eq!(guard.password_checks(), checks + 2);
    s.set_user_disabled("m.tazi", false, ADMIN)
        .await
        .expect("enable");
    assert_eq!(
        send(&app, "/v1/me", Some(&token), "10.2.0.1", None).await.0,
        StatusCode::OK
    );

    // Logout ends the token on the server.
    let (status, _) = send(&app, "/v1/logout", Some(&token), "10.2.0.1", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, err) = send(&app, "/v1/me", Some(&token), "10.2.0.1", None).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthenticated"))
    );
    assert_eq!(
        send(&app, "/v1/logout", Some(&token), "10.2.0.1", None)
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        send(&app, "/v1/logout", None, "10.2.0.1", None).await.0,
        StatusCode::UNAUTHORIZED
    );

    // A new password ends every session and retires the old password.
    let (_, body) = login("m.tazi", PASSWORD, pc.clone()).await;
    let token = body["token"].as_str().expect("token").to_owned();
    let hash = tokio::task::spawn_blocking(|| hash_password("un tout nouveau secret"))
        .await
        .expect("hash");
    s.set_password("m.tazi", &hash, ADMIN)
        .await
        .expect("password");
    assert_eq!(
        send(&app, "/v1/me", Some(&token), "10.2.0.1", None).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login("m.tazi", PASSWORD, pc.clone()).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (status, body) = login("m.tazi", "un tout nouveau secret", pc.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // A revoked device: it hears so (and wipes itself); its user may not sign in from another
    // device until an administrator gives a new password.
    assert!(s
        .revoke_device(&pc, Utc::now(), ADMIN)
        .await
        .expect("revoke"));
    let (status, err) = login("m.tazi", "un tout nouveau secret", pc.clone()).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("device_revoked"))
    );
    let laptop = device();
    let (status, err) = login("m.tazi", "un tout nouveau secret", laptop.clone()).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("password_reset_required")),
        "{err}"
    );
    assert!(
        !s.devices()
            .await
            .expect("devices")
            .iter()
            .any(|d| d.id == laptop),
        "no device registered"
    );
    let hash = tokio::task::spawn_blocking(|| hash_password("encore un autre secret"))
        .await
        .expect("hash");
    let user = s
        .set_password("m.tazi", &hash, ADMIN)
        .await
        .expect("password");
    assert!(!user.password_reset_required);
    assert_eq!(
        login("m.tazi", "encore un autre secret", laptop).await.0,
        StatusCode::OK
    );
    assert!(s.set_user_disabled("personne", true, ADMIN).await.is_err());
    assert!(s.set_password("personne", &hash, ADMIN).await.is_err());
}

/// A session used every day still ends [`corridor_server::storage::SESSION_MAX`] after its
/// login; one left unused ends after [`corridor_server::storage::SESSION_IDLE`].
async fn sessions_have_an_absolute_lifetime(s: Arc<dyn Storage>) {
    add(&s, "h.berrada").await;
    let user = s
        .credentials("h.berrada")
        .await
        .expect("credentials")
        .expect("user")
        .user;
    let (app, _) = app(&s, LoginPolicy::default());
    let now = Utc::now();
    // Signed in 31 days ago, used every ten days since: never idle, but too old.
    let (old_token, old_hash) = new_token();
    let pc = device();
    s.register_device(
        &user.id,
        &pc,
        "PC",
        &old_hash,
        now - Duration::days(31),
        ADMIN,
    )
    .await
    .expect("device");
    for days_ago in [21, 11, 1] {
        s.session(&old_hash, now - Duration::days(days_ago))
            .await
            .expect("session")
            .expect("known");
    }
    let (status, err) = send(&app, "/v1/me", Some(&old_token), "10.3.0.1", None).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("session_expired")),
        "{err}"
    );
    assert!(err["message"]
        .as_str()
        .expect("message")
        .contains("trente jours"));
    // Signed in 29 days ago and used since: still valid.
    let (token, hash) = new_token();
    let other = device();
    s.register_device(
        &user.id,
        &other,
        "PC2",
        &hash,
        now - Duration::days(29),
        ADMIN,
    )
    .await
    .expect("device");
    for days_ago in [20, 8, 2] {
        s.session(&hash, now - Duration::days(days_ago))
            .await
            .expect("session");
    }
    assert_eq!(
        send(&app, "/v1/me", Some(&token), "10.3.0.1", None).await.0,
        StatusCode::OK
    );
    // Signed in 20 days ago, unused for 15: idle.
    let (idle_token, idle_hash) = new_token();
    s.register_device(
        &user.id,
        &device(),
        "PC3",
        &idle_hash,
        now - Duration::days(20),
        ADMIN,
    )
    .await
    .expect("device");
    s.session(&idle_hash, now - Duration::days(15))
        .await
        .expect("session");
    let (status, err) = send(&app, "/v1/me", Some(&idle_token), "10.3.0.1", None).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("session_expired"))
    );
    assert!(err["message"]
        .as_str()
        .expect("message")
        .contains("quatorze jours"));
}

/// A sign-in from `peer`, as a proxy forwarding for `forwarded_for` when given.
async fn login_via(
    app: &Router,
    peer: &str,
    forwarded_for: Option<&str>,
    user: &str,
) -> StatusCode {
    use tower::ServiceExt;
    let mut req = axum::http::Request::builder()
        .method("POST")
        .uri("/v1/login")
        .header("content-type", "application/json");
    if let Some(f) = forwarded_for {
        req = req.header("x-forwarded-for", f);
    }
    let mut req = req
        .body(axum::body::Body::from(login_body(
            user,
            "mauvais",
            &device(),
        )))
        .expect("request");
    let addr: std::net::SocketAddr = format!("{peer}:40000").parse().expect("address");
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(addr));
    app.clone().oneshot(req).await.expect("response").status()
}

/// Behind a declared reverse proxy, each office has its own address budget (the one the proxy
/// forwards for); a client that writes the header itself is counted by its own address; and
/// without the declaration, everyone behind the proxy shares one budget.
async fn offices_behind_a_trusted_proxy_keep_their_own_budget(s: Arc<dyn Storage>) {
    const PROXY: &str = "10.9.0.1";
    let policy = LoginPolicy {
        per_address: 2,
        trusted_proxies: corridor_server::client_address::TrustedProxies::parse(PROXY)
            .expect("proxies"),
        ..LoginPolicy::default()
    };
    let (proxied, _) = app(&s, policy);
    // Office A spends its budget (guessing usernames: the per-user budget plays no part).
    for i in 0..2 {
        let st = login_via(&proxied, PROXY, Some("41.1.1.1"), &format!("a{i}")).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED);
    }
    let st = login_via(&proxied, PROXY, Some("41.1.1.1"), "a9").await;
    assert_eq!(
        st,
        StatusCode::TOO_MANY_REQUESTS,
        "office A is over its budget"
    );
    // Office B, through the same proxy, is not.
    let st = login_via(&proxied, PROXY, Some("41.2.2.2"), "b0").await;
    assert_eq!(
        st,
        StatusCode::UNAUTHORIZED,
        "office B keeps its own budget"
    );
    // A forged left part does not move the count: the proxy appended the real address.
    let st = login_via(&proxied, PROXY, Some("41.2.2.2, 41.1.1.1"), "b1").await;
    assert_eq!(st, StatusCode::TOO_MANY_REQUESTS, "counted as office A");
    // A direct client cannot pose as another office by writing the header itself.
    let st = login_via(&proxied, "41.3.3.3", Some("41.2.2.2"), "c0").await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    assert_eq!(attempts_recorded(&s, "c0", "41.3.3.3").await, (1, 1));
    assert_eq!(attempts_recorded(&s, "b0", "41.2.2.2").await, (1, 1));
    assert_eq!(
        attempts_recorded(&s, "a0", PROXY).await.1,
        0,
        "never the proxy's"
    );

    // Without the declaration, the proxy is the only address: one office blocks the other.
    let (plain, _) = app(
        &s,
        LoginPolicy {
            per_address: 2,
            ..LoginPolicy::default()
        },
    );
    for i in 0..2 {
        let st = login_via(&plain, "10.9.0.2", Some("41.4.4.4"), &format!("d{i}")).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED);
    }
    let st = login_via(&plain, "10.9.0.2", Some("41.5.5.5"), "e0").await;
    assert_eq!(
        st,
        StatusCode::TOO_MANY_REQUESTS,
        "the header is not believed"
    );
}

mod trusted_proxy {
    use super::*;
    on_both_engines!(offices_behind_a_trusted_proxy_keep_their_own_budget);
}

mod parallel_guesses {
    use super::*;
    on_both_engines!(parallel_guesses_are_counted_before_they_are_checked);
}

mod budgets {
    use super::*;
    on_both_engines!(addresses_and_the_whole_server_have_budgets);
}

mod oversize {
    use super::*;
    on_both_engines!(oversize_fields_are_refused_with_nothing_recorded);
}

mod lifecycle {
    use super::*;
    on_both_engines!(an_account_is_disabled_reset_and_signed_out);
}

mod lifetime {
    use super::*;
    on_both_engines!(sessions_have_an_absolute_lifetime);
}
