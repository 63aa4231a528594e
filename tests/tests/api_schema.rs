//! The server's API fuzzed from its own description: schemathesis (from PyPI, installed by
//! `cargo xtask setup` in `target/venv`) reads `/v1/openapi.json` of the real server process
//! and sends generated requests to every operation — valid ones, and ones that break the
//! schema — signed in as an officer. Every answer must not be a 5xx, must have a documented
//! status and content type and match its schema; requests that break the schema must be
//! refused; operations must refuse a request without credentials.
//!
//! Left out: `/v1/logout` (it would end the session the run uses; it is tested by the account
//! scenarios), and the check that every schema-valid request is accepted: some refusals depend
//! on the caller or relate two fields (a push of mutations whose device is not the caller's, a
//! sequence that skips numbers, a chunk's offset past its announced size), which a schema
//! cannot state. Push and pull are described whole (every operation and its arguments, the
//! outcomes, a page of changes), so their answers are checked against their schemas too.
//!
//! Bounded: a fixed number of examples per operation and a fixed seed, so that a run is
//! repeatable (`CORRIDOR_ST_SEED` and `CORRIDOR_ST_EXAMPLES` hunt further).

use std::process::Command;

use corridor_e2e::devices::{add_user, PASSWORD};
use corridor_e2e::{workspace_root, ServerProcess};

#[tokio::test]
#[ignore = "needs schemathesis in target/venv: run by `cargo xtask test`"]
async fn the_api_answers_as_it_describes_itself() {
    let st = workspace_root().join("target/venv/bin/st");
    assert!(
        st.exists(),
        "{} is missing: `cargo xtask setup` installs schemathesis",
        st.display()
    );
    let work = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite:{}", work.path().join("server.db").display());
    add_user(&db, work.path(), "k.alaoui", "cgem_officer", "MA-06");
    let server = ServerProcess::start(&db, work.path());
    let login: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/v1/login", server.url))
        .json(&serde_json::json!({
            "username": "k.alaoui",
            "password": PASSWORD,
            "device_id": uuid::Uuid::now_v7(),
            "device_name": "schemathesis",
        }))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("json");
    let token = login["token"].as_str().expect("token");

    let examples = std::env::var("CORRIDOR_ST_EXAMPLES").unwrap_or_else(|_| "100".to_owned());
    let seed = std::env::var("CORRIDOR_ST_SEED").unwrap_or_else(|_| "20261203".to_owned());
    let out = Command::new(&st)
        .args(["run", &format!("{}/v1/openapi.json", server.url)])
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .args(["--checks", "all"])
        .args(["--exclude-checks", "positive_data_acceptance"])
        .args(["--exclude-path", "/v1/logout"])
        .args(["--max-examples", &examples, "--seed", &seed])
        .args(["--request-timeout", "10", "--no-color"])
        .current_dir(work.path())
        .output()
        .expect("run schemathesis");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "schemathesis found failures:\n{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // It did test every operation but the one left out, signed in.
    assert!(report.contains("Tested: 9"), "{report}");
    assert!(!report.contains("Authentication failed"), "{report}");
    // And the session it used is still the one it started with (no call ended it).
    let me = reqwest::Client::new()
        .get(format!("{}/v1/me", server.url))
        .bearer_auth(token)
        .send()
        .await
        .expect("me");
    assert!(me.status().is_success());
}
