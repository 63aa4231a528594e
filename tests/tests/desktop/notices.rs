//! What a sync brings for the signed-in user is told: a colleague's device (CLI) puts a case
//! in the officer's charge; after the next sync the home screen lists it as a notice (and
//! the app asks the system for a desktop notification, which this machine has no service to
//! show: the notice list is what the test reads). The first sync after sign-in, a case of
//! someone else and a sync that brings nothing say nothing.

use corridor_e2e::devices::{add_user, open_case, Device};
use corridor_e2e::ServerProcess;
use corridor_model::timeline::Institution;
use thirtyfour::prelude::*;

use crate::support::*;

async fn notices_shown(d: &WebDriver) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for el in d.find_all(tid("notice")).await.unwrap_or_default() {
        let kind = el
            .attr("data-kind")
            .await
            .ok()
            .flatten()
            .unwrap_or_default();
        if let Ok(text) = el.text().await {
            out.push((kind, text));
        }
    }
    out
}

#[tokio::test]
#[ignore = "needs the built app, tauri-driver and a display: run by `cargo xtask test`"]
async fn a_case_put_in_my_charge_by_a_colleague_is_announced() {
    let data = tempfile::tempdir().expect("tempdir");
    let work = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite:{}", work.path().join("server.db").display());
    let server = ServerProcess::start(&db, work.path());
    add_user(&db, work.path(), "k.alaoui", "cgem_officer", "MA-06");
    add_user(&db, work.path(), "s.idrissi", "cgem_officer", "MA-06");

    // Already in k.alaoui's charge before the app signs in: the first sync is not news.
    let mut colleague = Device::login(&server.url, "s.idrissi").await;
    let old = open_case(&colleague, 1, "MA-06", "Dossier déjà attribué").await;
    colleague
        .store()
        .assign(&old, Institution::Cgem, Some("k.alaoui".to_owned()))
        .await
        .expect("assign");
    colleague.sync().await.expect("sync");

    let (_driver, d) = signed_in_app(data.path(), &server.url, "k.alaoui").await;
    click(&d, "nav-home").await;
    wait(&d, "home-mine").await;
    wait_text(&d, "home-mine", 10, |t| t.contains("Dossier déjà attribué")).await;
    assert!(
        notices_shown(&d).await.is_empty(),
        "the first sync says nothing"
    );

    // The colleague opens two cases, keeps one and gives the other to k.alaoui.
    let given = open_case(&colleague, 2, "MA-06", "Attestation de régularité bloquée").await;
    let kept = open_case(&colleague, 3, "MA-06", "Échéancier de la dette").await;
    let store = colleague.store();
    store
        .assign(&given, Institution::Cgem, Some("k.alaoui".to_owned()))
        .await
        .expect("assign");
    store
        .assign(&kept, Institution::Cgem, Some("s.idrissi".to_owned()))
        .await
        .expect("assign");
    colleague.sync().await.expect("sync");

    sync_now(&d).await;
    wait(&d, "home-notices").await;
    let shown = notices_shown(&d).await;
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert_eq!(shown[0].0, "assigned");
    assert!(
        shown[0].1.contains("Attestation de régularité bloquée"),
        "{shown:?}"
    );
    screenshot(&d, "home-notices-fr").await;
    axe_check(&d, "home with notices (fr)").await;

    // Nothing new: nothing more said. The notice opens its case.
    sync_now(&d).await;
    assert_eq!(notices_shown(&d).await.len(), 1);
    d.find(tid("notice"))
        .await
        .expect("notice")
        .find(By::Css("a"))
        .await
        .expect("link")
        .click()
        .await
        .expect("open");
    wait_text(&d, "case-title", 10, |t| {
        t.contains("Attestation de régularité")
    })
    .await;
    wait_text(&d, "case-cgem", 10, |t| t.contains("k.alaoui")).await;
    d.quit().await.expect("quit");
}
