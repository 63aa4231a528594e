//! First run, unlock, restart, change of passphrase, and the automatic lock.

use corridor_e2e::ServerProcess;

use crate::support::*;

#[tokio::test]
#[ignore = "needs the built app, tauri-driver and a display: run by `cargo xtask test`"]
async fn create_a_case_then_find_it_after_a_restart() {
    let data = tempfile::tempdir().expect("tempdir");
    let work = tempfile::tempdir().expect("tempdir");
    let mut server = ServerProcess::start(
        &format!("sqlite:{}", work.path().join("server.db").display()),
        work.path(),
    );
    let driver = Driver::start(data.path(), &server.url).await;

    // First run: create the store with a passphrase.
    let d = driver.session().await;
    create_store(&d).await;
    // Nobody signed in yet: the desk works, the sync says offline, Home says how to sign in.
    wait_attr(
        &d,
        "[data-testid='sync-status']",
        "data-state",
        "offline",
        10,
    )
    .await;
    wait(&d, "home-sign-in-hint").await;
    click(&d, "nav-cases").await;
    wait(&d, "cases-empty").await;

    // An invalid ICE is refused with a message naming it.
    fill_new_case(
        &d,
        "001561191000067",
        "Atlas Textile SARL",
        "Indemnités journalières bloquées",
    )
    .await;
    wait_text(&d, "new-case-error", 10, |t| t.contains("clé de contrôle")).await;
    assert!(case_titles(&d).await.is_empty(), "nothing was created");

    // A valid one is created and listed.
    type_into(&d, "new-case-ice", "001561191000066").await;
    click(&d, "new-case-submit").await;
    wait(&d, "case-table").await;
    assert_eq!(case_titles(&d).await, ["Indemnités journalières bloquées"]);
    d.quit().await.expect("quit");

    // Restart: a wrong passphrase is refused, the right one shows the case again.
    let d = driver.session().await;
    wait(&d, "unlock-screen").await;
    assert!(
        d.find(tid("unlock-confirm")).await.is_err(),
        "an existing store asks once"
    );
    type_into(&d, "unlock-passphrase", "pas la bonne phrase").await;
    click(&d, "unlock-submit").await;
    wait_text(&d, "unlock-error", 15, |t| {
        t.contains("Phrase de passe incorrecte")
    })
    .await;
    type_into(&d, "unlock-passphrase", PASS).await;
    click(&d, "unlock-submit").await;
    click(&d, "nav-cases").await;
    wait(&d, "case-table").await;
    assert_eq!(case_titles(&d).await, ["Indemnités journalières bloquées"]);

    // The passphrase is changed from the settings: the current one is checked first, the
    // new one confirmed; after locking, only the new one opens the store.
    click(&d, "nav-settings").await;
    let change = |current: &'static str, new: &'static str, confirm: &'static str| {
        let d = d.clone();
        async move {
            type_into(&d, "passphrase-current", current).await;
            type_into(&d, "passphrase-new", new).await;
            type_into(&d, "passphrase-new-confirm", confirm).await;
            click(&d, "passphrase-submit").await;
        }
    };
    change("pas la bonne phrase", NEW_PASS, NEW_PASS).await;
    wait_text(&d, "passphrase-error", 15, |t| t.contains("incorrecte")).await;
    change(PASS, NEW_PASS, "une autre phrase").await;
    wait_text(&d, "passphrase-error", 5, |t| {
        t.contains("ne correspondent pas")
    })
    .await;
    change(PASS, "court", "court").await;
    wait_text(&d, "passphrase-error", 15, |t| t.contains("au moins 8")).await;
    change(PASS, NEW_PASS, NEW_PASS).await;
    wait_text(&d, "passphrase-done", 15, |t| !t.is_empty()).await;
    click(&d, "lock-button").await;
    wait(&d, "unlock-screen").await;
    type_into(&d, "unlock-passphrase", PASS).await;
    click(&d, "unlock-submit").await;
    wait_text(&d, "unlock-error", 15, |t| {
        t.contains("Phrase de passe incorrecte")
    })
    .await;
    type_into(&d, "unlock-passphrase", NEW_PASS).await;
    click(&d, "unlock-submit").await;
    click(&d, "nav-cases").await;
    wait(&d, "case-table").await;
    assert_eq!(case_titles(&d).await, ["Indemnités journalières bloquées"]);
    server.kill();
    d.quit().await.expect("quit");
}

const NEW_PASS: &str = "nouvelle phrase du poste";

/// After the idle delay the app locks itself: the store is closed, the unlock screen says
/// why, and unlocking again shows everything that was saved.
#[tokio::test]
#[ignore = "needs the built app, tauri-driver and a display: run by `cargo xtask test`"]
async fn the_app_locks_itself_when_idle_and_loses_nothing() {
    let data = tempfile::tempdir().expect("tempdir");
    let work = tempfile::tempdir().expect("tempdir");
    let server = ServerProcess::start(
        &format!("sqlite:{}", work.path().join("server.db").display()),
        work.path(),
    );
    let driver =
        Driver::start_with(data.path(), &server.url, &[("CORRIDOR_LOCK_AFTER", "4")]).await;
    let d = driver.session().await;
    create_store(&d).await;
    click(&d, "nav-cases").await;
    fill_new_case(
        &d,
        "001561191000066",
        "Atlas Textile SARL",
        "Attestation de régularité",
    )
    .await;
    wait(&d, "case-table").await;

    // No input for the delay: locked, and the store really is closed (nothing to read).
    wait(&d, "auto-locked").await;
    wait(&d, "unlock-screen").await;
    assert!(d.find(tid("case-table")).await.is_err());
    wait_text(&d, "unlock-submit", 5, |t| t == "Déverrouiller").await;

    type_into(&d, "unlock-passphrase", PASS).await;
    click(&d, "unlock-submit").await;
    click(&d, "nav-cases").await;
    wait(&d, "case-table").await;
    assert_eq!(case_titles(&d).await, ["Attestation de régularité"]);
    d.quit().await.expect("quit");
}

/// A device the administrator revoked is wiped at its next sync: the app says so and starts
/// again from the first-run screen; nothing of the profile is left in its data directory.
#[tokio::test]
#[ignore = "needs the built app, tauri-driver and a display: run by `cargo xtask test`"]
async fn a_revoked_device_is_wiped_and_says_so() {
    use corridor_e2e::devices::{add_user, admin};
    let data = tempfile::tempdir().expect("tempdir");
    let work = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite:{}", work.path().join("server.db").display());
    let _server = ServerProcess::start(&db, work.path());
    add_user(&db, work.path(), "k.alaoui", "cgem_officer", "MA-06");
    let (_driver, d) = signed_in_app(data.path(), &_server.url, "k.alaoui").await;
    assert!(data.path().join(corridor_store::DATABASE_FILE).exists());

    let devices = admin(&db, work.path(), &["device", "list"], None);
    let listing = String::from_utf8_lossy(&devices.stdout).into_owned();
    let id = listing
        .split_whitespace()
        .next()
        .expect("the app's device")
        .to_owned();
    let revoked = admin(&db, work.path(), &["device", "revoke", &id], None);
    assert!(revoked.status.success(), "revoke {id}");

    click(&d, "sync-now").await;
    wait(&d, "revoked").await;
    wait(&d, "unlock-screen").await;
    wait(&d, "unlock-confirm").await; // a new profile is asked for
    assert!(
        !data.path().join(corridor_store::DATABASE_FILE).exists(),
        "the database was removed"
    );
    d.quit().await.expect("quit");
}

/// A store whose passphrase the environment gives (`CORRIDOR_PASSPHRASE`: kiosks, scripted
/// runs) opens by itself as the app starts (the shell opens it while the window loads), but
/// not after a lock: the store stays closed until "Déverrouiller" (the field left empty). A
/// wrong one opens nothing, and the unlock screen says so and takes the right one typed.
#[tokio::test]
#[ignore = "needs the built app, tauri-driver and a display: run by `cargo xtask test`"]
async fn a_passphrase_given_by_the_environment_opens_the_store_at_start() {
    use corridor_store::{Passphrase, Store};
    let data = tempfile::tempdir().expect("tempdir");
    Store::open_or_create(data.path(), Some(Passphrase::new(PASS.to_owned())))
        .await
        .expect("a profile sealed by its passphrase")
        .close()
        .await;

    let driver = Driver::start_with(
        data.path(),
        "http://127.0.0.1:9",
        &[("CORRIDOR_PASSPHRASE", PASS)],
    )
    .await;
    let d = driver.session().await;
    wait(&d, "home-page").await;
    click(&d, "nav-cases").await;
    wait(&d, "cases-empty").await;

    // Locked: the screen says how to open again, and the store really is closed.
    click(&d, "lock-button").await;
    wait_text(&d, "unlock-automatic", 10, |t| t.contains("garde sa clé")).await;
    let state = d
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             window.__TAURI__.core.invoke('store_status').then(s => done(s.state), e => done(String(e)));",
            Vec::new(),
        )
        .await
        .expect("store status")
        .convert::<String>()
        .expect("state");
    assert_eq!(state, "passphrase", "the lock left the store closed");
    assert!(d.find(tid("nav-home")).await.is_err(), "the desk is hidden");
    screenshot(&d, "unlock-relocked-fr").await;
    choose(&d, "language-select", "ar").await;
    wait_text(&d, "unlock-automatic", 10, |t| t.contains("مفتاحه")).await;
    screenshot(&d, "unlock-relocked-ar").await;
    click(&d, "unlock-submit").await;
    // Back where the user was.
    wait(&d, "cases-page").await;
    d.quit().await.expect("quit");
    drop(driver);

    let driver = Driver::start_with(
        data.path(),
        "http://127.0.0.1:9",
        &[("CORRIDOR_PASSPHRASE", "pas la bonne phrase")],
    )
    .await;
    let d = driver.session().await;
    wait_text(&d, "unlock-error", 15, |t| {
        t.contains("Phrase de passe incorrecte")
    })
    .await;
    type_into(&d, "unlock-passphrase", PASS).await;
    click(&d, "unlock-submit").await;
    wait(&d, "home-page").await;
    d.quit().await.expect("quit");
}
