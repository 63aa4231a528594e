//! The OS-keyring path, against a real Secret Service.
//!
//! Needs a D-Bus session with an unlocked Secret Service (gnome-keyring): `cargo xtask test`
//! runs it inside `dbus-run-session` with a throwaway gnome-keyring. Ignored otherwise, since
//! keyring's mock cannot remember a key across two `Entry` objects (it cannot simulate a restart).

use corridor_model::NewEnterprise;
use corridor_store::{keyring_available, Protection, Store};

#[tokio::test]
#[ignore = "needs a Secret Service: run by `cargo xtask test` inside dbus-run-session"]
async fn a_keyring_store_reopens_without_any_input() {
    assert!(
        keyring_available(),
        "a Secret Service answers in this session"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::create(dir.path(), None)
        .await
        .expect("create with keyring");
    store
        .add_enterprise(
            NewEnterprise::parse("Rif Logistique", "002136093000040", "MA-01", None, None)
                .expect("valid"),
        )
        .await
        .expect("add");
    store.close().await;

    assert_eq!(
        Store::protection(dir.path()).expect("read"),
        Some(Protection::Keyring)
    );
    let key_file =
        std::fs::read_to_string(dir.path().join("corridor-keys.json")).expect("key file");
    assert!(
        !key_file.contains("sealed_key"),
        "no key material in the key file: {key_file}"
    );

    let store = Store::open(dir.path(), None)
        .await
        .expect("reopen from the keyring");
    assert_eq!(
        store.list_enterprises().await.expect("list")[0].name,
        "Rif Logistique"
    );
}

/// The keyring entry of this store, as its key file names it.
fn entry_of(dir: &std::path::Path) -> keyring::Entry {
    let text = std::fs::read_to_string(dir.join(corridor_store::keys::KEY_FILE)).expect("key file");
    let file: serde_json::Value = serde_json::from_str(&text).expect("json");
    let record = &file["protection"];
    assert_eq!(record["kind"], "keyring", "{text}");
    keyring::Entry::new(
        record["service"].as_str().expect("service"),
        record["account"].as_str().expect("account"),
    )
    .expect("entry")
}

#[tokio::test]
#[ignore = "needs a Secret Service: run by `cargo xtask test` inside dbus-run-session"]
async fn a_key_gone_from_the_keyring_is_said_and_nothing_changes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::create(dir.path(), None).await.expect("create");
    store.close().await;
    // Another account, another machine, or someone tidying the keyring: the key is gone.
    entry_of(dir.path())
        .delete_credential()
        .expect("delete the key behind the store's back");
    let before = corridor_testkit::snapshot(dir.path());
    let err = Store::open(dir.path(), None)
        .await
        .expect_err("no key, no store");
    assert_eq!(err.code(), "key_missing", "{err}");
    assert!(
        err.to_string().contains("introuvable dans le trousseau"),
        "{err}"
    );
    assert_eq!(
        corridor_testkit::snapshot(dir.path()),
        before,
        "nothing was changed or created"
    );
}

#[tokio::test]
#[ignore = "needs a Secret Service: run by `cargo xtask test` inside dbus-run-session"]
async fn a_wipe_removes_the_key_from_the_keyring() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::create(dir.path(), None).await.expect("create");
    let entry = entry_of(dir.path());
    assert!(entry.get_secret().is_ok(), "the key is in the keyring");
    store.wipe().await.expect("wipe");
    assert!(
        matches!(entry.get_secret(), Err(keyring::Error::NoEntry)),
        "the keyring no longer holds the key"
    );
    assert_eq!(Store::protection(dir.path()).expect("read"), None);
}
