//! The audit log end to end, on both engines: sign-ins (failed ones too), refused mutations and
//! the administrator's account changes are entries; the log is append-only; and with an audit
//! key kept outside the database, an entry rewritten with a recomputed hash — which fools the
//! plain chain — is found. An account change and its entry are one transaction: a server
//! killed between the two keeps neither.

use std::path::Path;
use std::process::{Command, Output};

use chrono::{DateTime, Utc};
use corridor_e2e::binary;
use corridor_e2e::devices::{admin_with, open_case, Device, World, PASSWORD};
use corridor_model::mutation::{Mutation, Op};
use corridor_model::sync::PushRequest;
use corridor_server::audit::AuditEntry;
use sqlx::{Connection, Row};

/// `corridor-server audit verify`, with the audit key or without.
fn verify(w: &World, key: Option<&Path>) -> Output {
    let mut cmd = Command::new(binary("corridor-server", "corridor-server"));
    cmd.args(["--database-url", &w.db, "audit", "verify"])
        .current_dir(w.work.path())
        .env_remove("CORRIDOR_AUDIT_KEY_FILE");
    if let Some(k) = key {
        cmd.env("CORRIDOR_AUDIT_KEY_FILE", k);
    }
    cmd.output().expect("audit verify")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Rewrites the username of the last entry and recomputes its hash, as someone with write
/// access to the database but without the audit key could (the triggers dropped first).
macro_rules! rewrite_last {
    ($conn:expr, $drop:expr) => {{
        let c = $conn;
        let refused = sqlx::query("UPDATE audit_log SET username = 'intrus'")
            .execute(&mut *c)
            .await;
        assert!(refused.is_err(), "the log is append-only");
        assert!(sqlx::query("DELETE FROM audit_log")
            .execute(&mut *c)
            .await
            .is_err());
        for d in $drop {
            sqlx::query(d).execute(&mut *c).await.expect("drop trigger");
        }
        let r = sqlx::query(
            "SELECT seq, at, device_id, mutation_id, name, outcome, body, prev_hash \
             FROM audit_log ORDER BY seq DESC LIMIT 1",
        )
        .fetch_one(&mut *c)
        .await
        .expect("last entry");
        let mut e = AuditEntry {
            seq: r.get("seq"),
            at: r.get::<DateTime<Utc>, _>("at"),
            username: "intrus".to_owned(),
            device_id: r.get("device_id"),
            mutation_id: r.get("mutation_id"),
            name: r.get("name"),
            outcome: r.get("outcome"),
            body: r.get("body"),
            prev_hash: r.get("prev_hash"),
            hash: String::new(),
            mac: None,
        };
        e.hash = e.compute_hash();
        sqlx::query("UPDATE audit_log SET username = $1, hash = $2 WHERE seq = $3")
            .bind(&e.username)
            .bind(&e.hash)
            .bind(e.seq)
            .execute(&mut *c)
            .await
            .expect("rewrite");
        e.seq
    }};
}

async fn the_audit_log_records_and_seals(postgres: bool) {
    let keys = tempfile::tempdir().expect("tempdir");
    let key = keys.path().join("audit.key");
    let out = Command::new(binary("corridor-server", "corridor-server"))
        .args(["audit", "new-key", "--out"])
        .arg(&key)
        .current_dir(keys.path())
        .output()
        .expect("new-key");
    assert!(out.status.success(), "{}", text(&out));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).expect("key").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let key_env = key.to_str().expect("path").to_owned();
    let w = World::with_env(postgres, &[("CORRIDOR_AUDIT_KEY_FILE", key_env.as_str())]).await;
    w.user("k.alaoui", "cgem_officer", "MA-06");
    let mut d = Device::login(&w.server.url, "k.alaoui").await;
    let mut guesser = Device::unsigned("k.alaoui").await;
    assert!(guesser
        .try_sign_in(&w.server.url, "pas le bon")
        .await
        .is_err());
    let _case = open_case(&d, 1, "MA-06", "Dossier").await;
    d.sync().await.expect("sync");
    // A mutation the server refuses is an entry too.
    let device = d.store().device().await.expect("device");
    let withdrawn = Mutation {
        mutation_id: uuid::Uuid::now_v7(),
        device_id: device.id,
        device_seq: 3,
        op: Op::Withdrawn {},
        base: Default::default(),
        authored_at: Utc::now(),
        author: "k.alaoui".to_owned(),
    };
    let answer = corridor_sync::ServerClient::new(&w.server.url)
        .expect("client")
        .push(
            &d.token().await,
            &PushRequest {
                mutations: vec![withdrawn],
            },
        )
        .await
        .expect("push");
    assert!(
        matches!(&answer.results[0].outcome, corridor_model::sync::Outcome::Rejected { code, .. } if code == "withdrawn"),
        "{answer:?}"
    );
    w.admin(&[
        "user",
        "regions",
        "--username",
        "k.alaoui",
        "--regions",
        "MA-06,MA-04",
    ]);
    w.admin(&["user", "disable", "--username", "k.alaoui"]);
    w.admin(&["user", "enable", "--username", "k.alaoui"]);
    let id = device.id.to_string();
    w.admin(&["device", "revoke", &id]);

    // Without the key: the chain holds, the seals are not checked.
    let plain = text(&verify(&w, None));
    assert!(plain.contains("seals not checked"), "{plain}");
    // With it: 2 changes applied, 1 refused, and the account events: the user added, the
    // login, the failed one, the regions, disable, enable, revoke.
    let sealed = verify(&w, Some(&key));
    assert!(sealed.status.success(), "{}", text(&sealed));
    let report = text(&sealed);
    assert!(
        report.contains("(2 changes applied, 1 refused, 7 account events"),
        "{report}"
    );
    // The user was added by a command without the key: its entry is the one unsealed.
    assert!(
        report.contains("9 sealed entries checked with the audit key, 1 from before the key"),
        "{report}"
    );

    // Rewritten behind the server's back, with a recomputed hash.
    let seq = if postgres {
        let mut c = sqlx::PgConnection::connect(&w.db).await.expect("db");
        rewrite_last!(&mut c, ["DROP TRIGGER audit_log_no_change ON audit_log"])
    } else {
        let mut c = sqlx::SqliteConnection::connect(&w.db).await.expect("db");
        rewrite_last!(
            &mut c,
            [
                "DROP TRIGGER audit_log_no_update",
                "DROP TRIGGER audit_log_no_delete"
            ]
        )
    };
    let fooled = verify(&w, None);
    assert!(
        fooled.status.success(),
        "the plain chain cannot tell: {}",
        text(&fooled)
    );
    let caught = verify(&w, Some(&key));
    assert!(!caught.status.success());
    let err = text(&caught);
    assert!(
        err.contains(&format!("entry {seq} ")) && err.contains("clé d'audit"),
        "{err}"
    );
    assert!(
        !err.contains(&std::fs::read_to_string(&key).expect("key")),
        "the key is never printed"
    );
    let _ = PASSWORD;
    w.finish().await;
}

#[tokio::test]
async fn the_audit_log_records_and_seals_on_sqlite() {
    the_audit_log_records_and_seals(false).await;
}

#[tokio::test]
async fn the_audit_log_records_and_seals_on_postgres() {
    the_audit_log_records_and_seals(true).await;
}

/// The crash point between an account change and its audit entry (`fault.rs`).
const FAULT: (&str, &str) = ("CORRIDOR_SERVER_FAULT_POINT", "account_before_audit");

/// The number of account events `audit verify` counts, the chain checked intact.
fn account_events(w: &World) -> usize {
    let report = text(&verify(w, None));
    let count = report
        .split(" account events")
        .next()
        .and_then(|head| head.rsplit(' ').next())
        .and_then(|n| n.parse().ok());
    assert!(report.contains("audit log intact"), "{report}");
    count.unwrap_or_else(|| panic!("no count of account events in: {report}"))
}

/// Every kind of account change, killed after its change is written and before its audit entry:
/// neither is kept (an administration command, and a login over HTTP). Unkilled, the same
/// change is kept with its entry.
async fn an_account_change_is_never_kept_without_its_entry(postgres: bool) {
    let mut w = World::new(postgres).await;
    w.user("k.alaoui", "cgem_officer", "MA-06");
    let mut d = Device::login(&w.server.url, "k.alaoui").await;
    let device = d.store().device().await.expect("device").id.to_string();
    let users = w.admin(&["user", "list"]);
    let devices = w.admin(&["device", "list"]);
    let events = account_events(&w);
    let fault = [(FAULT.0.to_owned(), FAULT.1.to_owned())];
    let password = format!("{PASSWORD} renouvelé\n");
    let changes: [(&[&str], Option<&str>); 6] = [
        (
            &[
                "user",
                "add",
                "--username",
                "r.bennani",
                "--role",
                "cnss_rep",
                "--regions",
                "MA-06",
                "--password-stdin",
            ],
            Some(password.as_str()),
        ),
        (&["user", "disable", "--username", "k.alaoui"], None),
        (
            &[
                "user",
                "regions",
                "--username",
                "k.alaoui",
                "--regions",
                "MA-06,MA-04",
            ],
            None,
        ),
        (
            &[
                "user",
                "password",
                "--username",
                "k.alaoui",
                "--password-stdin",
            ],
            Some(password.as_str()),
        ),
        (&["device", "revoke", &device], None),
        (&["user", "list"], None),
    ];
    for (args, stdin) in &changes[..5] {
        let out = admin_with(&w.db, w.work.path(), args, *stdin, &fault);
        assert!(
            !out.status.success(),
            "{args:?} was not stopped: {}",
            text(&out)
        );
        assert!(
            text(&out).contains("fault point account_before_audit"),
            "{}",
            text(&out)
        );
    }
    assert_eq!(w.admin(changes[5].0), users, "no account change was kept");
    assert_eq!(
        w.admin(&["device", "list"]),
        devices,
        "the device is not revoked"
    );
    assert_eq!(account_events(&w), events, "no entry either");

    // A login (its device registered) and a logout, over HTTP.
    w.restart_with(&[FAULT]);
    let mut other = Device::unsigned("k.alaoui").await;
    assert!(other.try_sign_in(&w.server.url, PASSWORD).await.is_err());
    w.restart_with(&[FAULT]);
    let client = corridor_sync::ServerClient::new(&w.server.url).expect("client");
    assert!(client.logout(&d.token().await).await.is_err());
    w.restart_with(&[]);
    assert_eq!(
        w.admin(&["device", "list"]),
        devices,
        "no device registered"
    );
    assert_eq!(account_events(&w), events);
    d.sync()
        .await
        .expect("the session did not end: it still syncs");

    // Not killed: the change is kept with its entry.
    w.admin(&["user", "disable", "--username", "k.alaoui"]);
    assert!(w.admin(&["user", "list"]).contains("(disabled)"));
    assert_eq!(account_events(&w), events + 1);
    w.finish().await;
}

#[tokio::test]
async fn an_account_change_is_never_kept_without_its_entry_on_sqlite() {
    an_account_change_is_never_kept_without_its_entry(false).await;
}

#[tokio::test]
async fn an_account_change_is_never_kept_without_its_entry_on_postgres() {
    an_account_change_is_never_kept_without_its_entry(true).await;
}
