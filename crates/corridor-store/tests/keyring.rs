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
