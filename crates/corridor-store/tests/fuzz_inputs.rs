//! Outside input thrown at the store's decoders, a bounded number of generated cases per run
//! (proptest): enterprise CSV files of any shape, and key files damaged or crafted — any byte
//! flipped, any field replaced, key derivation costs that would take gigabytes, a keyring
//! record naming another application's secret. Nothing panics, a key file that is not one the
//! store writes is refused before anything is derived or opened, and no file changes.

use corridor_store::{read_enterprise_csv, Passphrase, Store, StoreError};
use corridor_testkit::snapshot;
use proptest::prelude::*;
use serde_json::{json, Value};

const PASS: &str = "correct horse battery";

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(cases),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn csv_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just(",".to_owned()),
        Just(";".to_owned()),
        Just("\"".to_owned()),
        Just("\n".to_owned()),
        Just("\r\n".to_owned()),
        Just("\u{feff}".to_owned()),
        Just("name,ice,cnss,rc,region,city,size\n".to_owned()),
        Just("001561191000066".to_owned()),
        Just("MA-06".to_owned()),
        Just("=cmd|' /C calc'!A0".to_owned()),
        "[0-9]{1,16}",
        "\\PC{0,12}",
        "[\u{0600}-\u{06ff} ]{0,10}",
    ];
    prop::collection::vec(piece, 0..40).prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(config(256))]
    #[test]
    fn any_csv_is_read_or_refused_line_by_line(text in csv_text()) {
        match read_enterprise_csv(text.as_bytes()) {
            Ok(lines) => {
                let count = text.lines().count() + 1;
                for l in &lines {
                    prop_assert!(l.line >= 1 && l.line <= count, "line {} of {}", l.line, count);
                }
            }
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }
}

/// A damage done to a key file.
#[derive(Debug, Clone)]
enum Damage {
    Flip(usize, u8),
    Truncate(usize),
    Field(&'static str, Value),
}

fn damage() -> impl Strategy<Value = Damage> {
    let field = prop::sample::select(vec![
        "format",
        "store_id",
        "kind",
        "kdf",
        "m_cost_kib",
        "t_cost",
        "p_cost",
        "salt",
        "nonce",
        "sealed_key",
        "service",
        "account",
    ]);
    let value = prop_oneof![
        Just(Value::Null),
        Just(json!(4_000_000u32)),
        Just(json!(u32::MAX)),
        Just(json!(0)),
        Just(json!("keyring")),
        Just(json!("autre-application")),
        any::<i64>().prop_map(Value::from),
        "[0-9a-f]{0,80}".prop_map(Value::from),
        "\\PC{0,20}".prop_map(Value::from),
    ];
    prop_oneof![
        (any::<usize>(), 1u8..=255).prop_map(|(i, x)| Damage::Flip(i, x)),
        any::<usize>().prop_map(Damage::Truncate),
        (field, value).prop_map(|(f, v)| Damage::Field(f, v)),
    ]
}

fn apply(original: &[u8], d: &Damage) -> Vec<u8> {
    match d {
        Damage::Flip(i, x) => {
            let mut b = original.to_vec();
            let i = i % b.len();
            b[i] ^= x;
            b
        }
        Damage::Truncate(n) => original[..n % original.len()].to_vec(),
        Damage::Field(f, v) => {
            let mut j: Value = serde_json::from_slice(original).expect("key file is JSON");
            if j.get(*f).is_some() {
                j[*f] = v.clone();
            } else {
                j["protection"][*f] = v.clone();
            }
            serde_json::to_vec(&j).expect("json")
        }
    }
}

#[test]
fn damaged_or_crafted_key_files_are_refused_and_change_nothing() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    rt.block_on(async {
        let s = Store::create(dir.path(), Some(Passphrase::new(PASS.to_owned())))
            .await
            .expect("create");
        s.close().await;
    });
    let key_path = dir.path().join("corridor-keys.json");
    let original = std::fs::read(&key_path).expect("key file");
    let mut runner = proptest::test_runner::TestRunner::new(config(64));
    runner
        .run(&damage(), |d| {
            let damaged = apply(&original, &d);
            if damaged == original {
                return Ok(());
            }
            std::fs::write(&key_path, &damaged).expect("write");
            let before = snapshot(dir.path());
            let opened = rt.block_on(Store::open(
                dir.path(),
                Some(Passphrase::new(PASS.to_owned())),
            ));
            match opened {
                // A change the store does not read (JSON whitespace, an unknown field's value).
                Ok(s) => rt.block_on(s.close()),
                Err(e) => prop_assert!(
                    matches!(
                        e,
                        StoreError::CorruptKeyFile(_)
                            | StoreError::WrongPassphrase
                            | StoreError::KeyMissing
                            | StoreError::KeyringUnavailable(_)
                    ),
                    "{d:?}: {e}"
                ),
            }
            prop_assert_eq!(before, snapshot(dir.path()), "{:?}: nothing changed", d);
            Ok(())
        })
        .expect("every damaged key file refused");

    // The two crafted files that would have cost the most: refused at once.
    for (field, value) in [
        ("m_cost_kib", json!(4_000_000u32)),
        ("t_cost", json!(100_000u32)),
    ] {
        std::fs::write(&key_path, apply(&original, &Damage::Field(field, value))).expect("write");
        let e = rt
            .block_on(Store::open(
                dir.path(),
                Some(Passphrase::new(PASS.to_owned())),
            ))
            .expect_err("refused");
        assert!(matches!(e, StoreError::CorruptKeyFile(_)), "{field}: {e}");
    }
    // A keyring record naming another application's secret: never read, never deleted.
    let mut j: Value = serde_json::from_slice(&original).expect("json");
    j["protection"] =
        json!({"kind": "keyring", "service": "autre-application", "account": "compte"});
    std::fs::write(&key_path, serde_json::to_vec(&j).expect("json")).expect("write");
    let e = rt
        .block_on(Store::open(dir.path(), None))
        .expect_err("refused");
    assert!(matches!(e, StoreError::CorruptKeyFile(_)), "{e}");
    assert!(Store::protection(dir.path()).is_err());
}
