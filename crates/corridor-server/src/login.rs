//! Signing in and out: `POST /v1/login`, `POST /v1/logout`, and the throttling that keeps
//! password guessing slow (OWASP ASVS 2.2.1) without letting the guesses exhaust the server.
//!
//! - Every attempt is **recorded before its password is checked**, then counted: parallel
//!   guesses count as much as sequential ones. An attempt over a budget is refused and removed
//!   again (refused attempts do not pile up); a successful one is removed with the failures of
//!   its username; the others expire with the window (pruned at each attempt).
//! - Three budgets: the username's, the client address's, and everyone's per minute
//!   ([`LoginPolicy`]).
//! - An unknown username is checked against a stand-in hash of the same cost, and a disabled
//!   account is checked like any other: the answer's time does not tell which usernames exist.
//! - At most [`LoginPolicy::verifiers`] Argon2 checks run at once (each takes about 19 MiB);
//!   the others wait their turn, or are told the server is busy after [`VERIFIER_WAIT`].
//! - Usernames, passwords and device names are bounded before anything is recorded.
//! - Sign-ins, failed sign-ins and sign-outs are entries of the audit log
//!   ([`crate::audit`]).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use corridor_model::api::{ApiError, LoginRequest, LoginResponse};
use tokio::sync::Semaphore;
use zeroize::Zeroizing;

use crate::auth;
use crate::client_address::{ClientAddress, TrustedProxies};
use crate::error::AppError;
use crate::http::{json_object, AppState, Caller};
use crate::storage::{Actor, LoginCounts, Storage};

/// Longest username accepted, in characters.
pub const MAX_USERNAME_CHARS: usize = 64;
/// Longest password accepted, in bytes (Argon2 takes any length; the bound is for the server).
pub const MAX_PASSWORD_BYTES: usize = 1024;
/// Longest device name accepted, in characters.
pub const MAX_DEVICE_NAME_CHARS: usize = 100;
/// How long an attempt waits for a free verifier before the server says it is busy.
pub const VERIFIER_WAIT: Duration = Duration::from_secs(10);

/// The sign-in budgets. Each counts the attempts that failed or are being checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginPolicy {
    /// Attempts of one username per window.
    pub per_user: i64,
    /// Attempts from one client address per window (a regional office shares one address).
    pub per_address: i64,
    /// Attempts of everyone per minute.
    pub global_per_minute: i64,
    /// The window of the username and address budgets.
    pub window: chrono::Duration,
    /// Password checks running at once.
    pub verifiers: usize,
    /// The reverse proxies whose `X-Forwarded-For` names the client address counted.
    pub trusted_proxies: TrustedProxies,
}

impl Default for LoginPolicy {
    fn default() -> Self {
        LoginPolicy {
            per_user: 5,
            per_address: 30,
            global_per_minute: 120,
            window: chrono::Duration::minutes(15),
            verifiers: std::thread::available_parallelism()
                .map_or(2, std::num::NonZero::get)
                .clamp(1, 4),
            trusted_proxies: TrustedProxies::default(),
        }
    }
}

impl LoginPolicy {
    /// The defaults, each overridable: `CORRIDOR_LOGIN_PER_USER`, `CORRIDOR_LOGIN_PER_ADDRESS`,
    /// `CORRIDOR_LOGIN_GLOBAL_PER_MINUTE`, `CORRIDOR_LOGIN_VERIFIERS` (positive integers), and
    /// `CORRIDOR_TRUSTED_PROXIES` (a list `corridor-server serve` checks before it starts).
    pub fn from_env() -> Self {
        fn var(name: &str) -> Option<i64> {
            std::env::var(name)
                .ok()
                .and_then(|v| v.trim().parse::<i64>().ok())
                .filter(|v| *v > 0)
        }
        let d = LoginPolicy::default();
        LoginPolicy {
            per_user: var("CORRIDOR_LOGIN_PER_USER").unwrap_or(d.per_user),
            per_address: var("CORRIDOR_LOGIN_PER_ADDRESS").unwrap_or(d.per_address),
            global_per_minute: var("CORRIDOR_LOGIN_GLOBAL_PER_MINUTE")
                .unwrap_or(d.global_per_minute),
            window: d.window,
            verifiers: var("CORRIDOR_LOGIN_VERIFIERS")
                .and_then(|v| usize::try_from(v.min(64)).ok())
                .unwrap_or(d.verifiers),
            trusted_proxies: TrustedProxies::from_env().unwrap_or_else(|e| {
                tracing::warn!(error = %e, "no trusted proxy");
                TrustedProxies::default()
            }),
        }
    }

    /// The budget `counts` exceeds, if any: its refusal.
    fn exceeded(&self, counts: LoginCounts) -> Option<AppError> {
        let message = if counts.user > self.per_user {
            "Trop de tentatives de connexion pour cet identifiant : réessayez dans quinze minutes."
        } else if counts.address > self.per_address {
            "Trop de tentatives de connexion depuis ce réseau : réessayez dans quinze minutes."
        } else if counts.global > self.global_per_minute {
            "Le serveur reçoit trop de tentatives de connexion : réessayez dans une minute."
        } else {
            return None;
        };
        Some(AppError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            message,
        ))
    }
}

/// The policy and the pool of password verifiers, shared by the handlers of one router.
#[derive(Debug)]
pub struct LoginGuard {
    policy: LoginPolicy,
    verifiers: Arc<Semaphore>,
    checks: AtomicU64,
}

impl LoginGuard {
    /// A guard applying `policy`.
    pub fn new(policy: LoginPolicy) -> Self {
        let verifiers = Arc::new(Semaphore::new(policy.verifiers.max(1)));
        LoginGuard {
            policy,
            verifiers,
            checks: AtomicU64::new(0),
        }
    }

    /// The policy applied.
    pub fn policy(&self) -> &LoginPolicy {
        &self.policy
    }

    /// Password checks made so far (also exported as `corridor_password_checks_total`).
    pub fn password_checks(&self) -> u64 {
        self.checks.load(Ordering::Relaxed)
    }
}

/// A hash of a random password with the real hashes' parameters: what an unknown username is
/// checked against, so that it costs the same time as a known one.
async fn stand_in_hash() -> String {
    static HASH: OnceLock<String> = OnceLock::new();
    if let Some(h) = HASH.get() {
        return h.clone();
    }
    let (random, _) = auth::new_token();
    let hash = tokio::task::spawn_blocking(move || auth::hash_password(&random))
        .await
        .unwrap_or_default();
    HASH.get_or_init(|| hash).clone()
}

/// Refuses what is malformed before anything is recorded.
fn check_lengths(username: &str, password: &str, device_name: &str) -> Result<(), AppError> {
    if username.is_empty() || username.chars().count() > MAX_USERNAME_CHARS {
        return Err(AppError::bad_request(
            "Identifiant absent ou trop long (64 caractères au plus).",
        ));
    }
    if password.is_empty() || password.len() > MAX_PASSWORD_BYTES {
        return Err(AppError::bad_request(
            "Mot de passe absent ou trop long (1 024 octets au plus).",
        ));
    }
    if device_name.is_empty() || device_name.chars().count() > MAX_DEVICE_NAME_CHARS {
        return Err(AppError::bad_request(
            "Nom du poste absent ou trop long (100 caractères au plus).",
        ));
    }
    Ok(())
}

/// Records the attempt and checks the budgets, before and after recording it; the attempt's id
/// when it may go on to the password check.
async fn admit(
    storage: &dyn Storage,
    policy: &LoginPolicy,
    username: &str,
    address: &str,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    let since = now - policy.window;
    let global_since = now - chrono::Duration::minutes(1);
    storage.prune_login_attempts(since).await?;
    // Over budget already: refused without writing anything.
    let before = storage
        .login_counts(username, address, since, global_since)
        .await?;
    let one_more = LoginCounts {
        user: before.user + 1,
        address: before.address + 1,
        global: before.global + 1,
    };
    if let Some(refusal) = policy.exceeded(one_more) {
        return Err(refusal);
    }
    let id = uuid::Uuid::now_v7().to_string();
    storage
        .record_login_attempt(&id, username, address, now)
        .await?;
    // Counted again with this attempt recorded: of attempts racing each other, the n-th to be
    // recorded sees at least n, so no more than the budget reach the password check.
    let after = storage
        .login_counts(username, address, since, global_since)
        .await?;
    if let Some(refusal) = policy.exceeded(after) {
        storage.forget_login_attempt(&id).await?;
        return Err(refusal);
    }
    Ok(id)
}

/// `POST /v1/login`: checks the password, registers the device, returns a token. Attempts are
/// throttled per username, per client address and overall, across server instances.
#[utoipa::path(post, path = "/v1/login", request_body = LoginRequest, responses(
    (status = 200, description = "Logged in; the token authenticates this device", body = LoginResponse),
    (status = 400, description = "Malformed request", body = ApiError),
    (status = 401, description = "Wrong username or password, account disabled, or a new password required", body = ApiError),
    (status = 403, description = "This device was revoked", body = ApiError),
    (status = 409, description = "The device belongs to another user", body = ApiError),
    (status = 429, description = "Too many attempts", body = ApiError),
    (status = 503, description = "Too many password checks at once", body = ApiError),
))]
pub(crate) async fn login(
    State(s): State<AppState>,
    ClientAddress(address): ClientAddress,
    body: Result<Json<serde_json::Map<String, serde_json::Value>>, JsonRejection>,
) -> Result<Json<LoginResponse>, AppError> {
    let req: LoginRequest = json_object(body)?;
    let password = Zeroizing::new(req.password);
    let username = req.username.trim().to_owned();
    let device_name = req.device_name.trim().to_owned();
    check_lengths(&username, &password, &device_name)?;
    let now = Utc::now();
    let attempt = admit(
        s.storage.as_ref(),
        &s.login.policy,
        &username,
        &address,
        now,
    )
    .await?;

    let creds = s.storage.credentials(&username).await?;
    let hash = match &creds {
        Some(c) => c.password_hash.clone(),
        None => stand_in_hash().await,
    };
    let Ok(Ok(permit)) =
        tokio::time::timeout(VERIFIER_WAIT, s.login.verifiers.clone().acquire_owned()).await
    else {
        s.storage.forget_login_attempt(&attempt).await?;
        return Err(AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Le serveur vérifie trop de connexions à la fois : réessayez dans un instant.",
        ));
    };
    let valid = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        auth::verify_password(&hash, &password)
    })
    .await
    .unwrap_or(false);
    s.login.checks.fetch_add(1, Ordering::Relaxed);
    metrics::counter!("corridor_password_checks_total").increment(1);
    let Some(creds) = creds.filter(|_| valid) else {
        tracing::info!(address = %address, "login refused");
        s.storage
            .audit_event(
                &username,
                &req.device_id.to_string(),
                "login_failed",
                &serde_json::json!({ "address": address }),
            )
            .await?;
        return Err(AppError::new(
            StatusCode::UNAUTHORIZED,
            "bad_credentials",
            "Identifiant ou mot de passe incorrect.",
        ));
    };
    // The right password from here on: the attempt is not a guess.
    s.storage.forget_login_attempt(&attempt).await?;
    if creds.user.disabled {
        return Err(AppError::new(
            StatusCode::UNAUTHORIZED,
            "account_disabled",
            "Ce compte est désactivé : adressez-vous à l'administrateur du corridor.",
        ));
    }
    // A revoked device hears that it is (and wipes itself) before anything else.
    if s.storage
        .is_device_revoked(&req.device_id.to_string())
        .await?
    {
        return Err(AppError::revoked());
    }
    if creds.user.password_reset_required {
        return Err(AppError::new(
            StatusCode::UNAUTHORIZED,
            "password_reset_required",
            "Un poste de ce compte a été révoqué : demandez un nouveau mot de passe à \
             l'administrateur du corridor.",
        ));
    }
    let (token, token_hash) = auth::new_token();
    let device_id = req.device_id.to_string();
    s.storage
        .register_device(
            &creds.user.id,
            &device_id,
            &device_name,
            &token_hash,
            now,
            &Actor::device(&creds.user.username, &device_id, &address),
        )
        .await?;
    s.storage.clear_login_failures(&username).await?;
    tracing::info!(user = %creds.user.username, device = %req.device_id, "login");
    Ok(Json(LoginResponse {
        token: Some(token),
        username: creds.user.username,
        role: creds.user.role,
        regions: creds.user.regions,
    }))
}

/// `POST /v1/logout`: ends the caller's session; its token is refused from now on.
#[utoipa::path(post, path = "/v1/logout", security(("bearer" = [])), responses(
    (status = 204, description = "Session ended"),
    (status = 401, description = "No valid token", body = ApiError),
    (status = 403, description = "This device was revoked", body = ApiError),
))]
pub(crate) async fn logout(
    State(s): State<AppState>,
    ClientAddress(address): ClientAddress,
    Caller(session): Caller,
) -> Result<StatusCode, AppError> {
    let by = Actor::device(&session.user.username, &session.device_id, &address);
    s.storage.end_session(&session.device_id, &by).await?;
    tracing::info!(user = %session.user.username, device = %session.device_id, "logout");
    Ok(StatusCode::NO_CONTENT)
}
