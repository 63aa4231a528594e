//! A change the server refuses is listed on the home screen with the server's reason, in the
//! user's language: a colleague's device (CLI) moves a case on while the app still shows it as
//! a draft; the officer submits it from the app; the server refuses the stale step, the app
//! undoes it and says why — in French, then in Arabic with the values (the statuses, the
//! reference) in their places.

use corridor_e2e::devices::{add_user, open_case, Device};
use corridor_e2e::ServerProcess;
use corridor_model::CaseStatus;

use crate::support::*;

#[tokio::test]
#[ignore = "needs the built app, tauri-driver and a display: run by `cargo xtask test`"]
async fn a_refused_change_is_listed_with_its_reason_in_the_users_language() {
    let data = tempfile::tempdir().expect("tempdir");
    let work = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite:{}", work.path().join("server.db").display());
    let server = ServerProcess::start(&db, work.path());
    add_user(&db, work.path(), "k.alaoui", "cgem_officer", "MA-06");
    add_user(&db, work.path(), "s.idrissi", "cgem_officer", "MA-06");
    let mut colleague = Device::login(&server.url, "s.idrissi").await;
    let case = open_case(&colleague, 1, "MA-06", "Dossier contesté").await;
    colleague.sync().await.expect("sync");
    let reference = colleague.store().case(&case).await.expect("case").reference;

    // Syncs only on demand: the test decides who is first.
    let (_driver, d) = signed_in_app(data.path(), &server.url, "k.alaoui").await;
    click(&d, "nav-cases").await;
    wait_text(&d, "case-title", 10, |t| t == "Dossier contesté").await;
    click(&d, "case-title").await;
    wait_attr(
        &d,
        "[data-testid='case-detail']",
        "data-status",
        "draft",
        15,
    )
    .await;

    // Meanwhile the colleague submits and qualifies it.
    let store = colleague.store();
    store
        .transition(&reference, CaseStatus::Submitted, None)
        .await
        .expect("submit");
    store
        .transition(&reference, CaseStatus::Qualified, None)
        .await
        .expect("qualify");
    colleague.sync().await.expect("sync");

    // The officer submits it too, from the draft the app still shows: refused by the server,
    // undone here, the case as the colleague left it.
    click(&d, "transition-submitted").await;
    wait_attr(
        &d,
        "[data-testid='case-detail']",
        "data-status",
        "submitted",
        15,
    )
    .await;
    sync_now(&d).await;
    wait_attr(
        &d,
        "[data-testid='case-detail']",
        "data-status",
        "qualified",
        15,
    )
    .await;
    click(&d, "nav-home").await;
    // The reference as a message writes it: one unbreakable word (non-breaking hyphens).
    let shown = reference.replace('-', "\u{2011}");
    let said = wait_text(&d, "refused-change", 15, |t| {
        t.contains("Changement de statut") && t.contains(&shown) && t.contains("Qualifié")
    })
    .await;
    assert!(said.contains("« Brouillon » à « Soumis »"), "{said}");
    wait_text(&d, "home-refused", 5, |t| t.contains('1')).await;
    screenshot_around(&d, "home-refused-fr", "refused-change").await;
    axe_check(&d, "home with a refused change (fr)").await;

    // In Arabic: the same reason, translated, the statuses by their Arabic labels.
    choose(&d, "language-select", "ar").await;
    wait_attr(&d, "html", "dir", "rtl", 5).await;
    let said = wait_text(&d, "refused-change", 10, |t| {
        t.contains("تغيير الحالة") && t.contains(&shown) && t.contains("مؤهَّل")
    })
    .await;
    assert!(!said.contains("entre-temps"), "no French left: {said}");
    screenshot_around(&d, "home-refused-ar", "refused-change").await;
    axe_check(&d, "home with a refused change (ar)").await;
    d.quit().await.expect("quit");
}
