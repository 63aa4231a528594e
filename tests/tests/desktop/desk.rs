//! An officer's day in the app, against a real server and a second (CLI) device of the CNSS:
//! sign in, open a case, walk it through the workflow (the CNSS's steps are not offered to the
//! CGEM officer), notes of each visibility (the other institution receives only what it may),
//! the server stopped (work goes on offline) then restarted (the changes arrive, the title
//! renamed on both sides is a conflict shown with both values and settled), and the
//! whole desk in Arabic, right to left, the choice kept across a restart; axe-core finds no
//! serious or critical accessibility violation on any screen, in either language. Screenshots of the
//! main screens in French and Arabic go to `target/screenshots/`.

use corridor_e2e::devices::{add_user, Device};
use corridor_e2e::ServerProcess;
use corridor_model::mutation::CaseEdit;
use corridor_model::timeline::Visibility;
use corridor_model::CaseStatus;
use thirtyfour::prelude::*;

use crate::support::*;

const ICE: &str = "001561191000066";
const TITLE: &str = "Indemnités journalières bloquées";
const OURS: &str = "Indemnités bloquées — relance de l'employeur";
const THEIRS: &str = "IJ bloquées (vu par la CNSS)";

async fn timeline_texts(d: &WebDriver) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for el in d.find_all(tid("timeline-event")).await.expect("events") {
        let vis = el
            .attr("data-visibility")
            .await
            .expect("attr")
            .unwrap_or_default();
        out.push((vis, el.text().await.expect("text")));
    }
    out
}

async fn transitions_offered(d: &WebDriver) -> Vec<String> {
    let mut out = Vec::new();
    for el in d
        .find_all(By::Css("[data-testid^='transition-']"))
        .await
        .expect("buttons")
    {
        let id = el
            .attr("data-testid")
            .await
            .expect("attr")
            .unwrap_or_default();
        if let Some(code) = id.strip_prefix("transition-") {
            if !matches!(code, "error" | "reason" | "confirm") {
                out.push(code.to_owned());
            }
        }
    }
    out.sort();
    out
}

async fn wait_status(d: &WebDriver, status: CaseStatus) {
    wait_attr(
        d,
        "[data-testid='case-detail']",
        "data-status",
        status.code(),
        15,
    )
    .await;
}

async fn add_note(d: &WebDriver, visibility: &str, text: &str) {
    type_into(d, "note-text", text).await;
    choose(d, "note-visibility", visibility).await;
    click(d, "note-submit").await;
    let _ = wait_css(d, "[data-testid='timeline-event'] .note-text").await;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while !timeline_texts(d)
        .await
        .iter()
        .any(|(_, t)| t.contains(text))
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "note {text:?} never shown"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
#[ignore = "needs the built app, tauri-driver and a display: run by `cargo xtask test`"]
async fn an_officer_works_a_case_with_the_cnss_online_and_offline() {
    let data = tempfile::tempdir().expect("tempdir");
    let work = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite:{}", work.path().join("server.db").display());
    let mut server = ServerProcess::start(&db, work.path());
    add_user(&db, work.path(), "k.alaoui", "cgem_officer", "MA-06");
    add_user(&db, work.path(), "m.bennani", "cnss_rep", "MA-06");
    // Syncs only when asked (sign-in, "sync now"), so that the test orders them.
    let driver = Driver::start_with(
        data.path(),
        &server.url,
        &[("CORRIDOR_SYNC_INTERVAL", "3600")],
    )
    .await;
    let d = driver.session().await;
    create_store(&d).await;

    // Sign in from the settings (the address is offered; a wrong password is refused).
    click(&d, "nav-settings").await;
    let offered = wait(&d, "sign-in-server")
        .await
        .prop("value")
        .await
        .expect("value");
    assert_eq!(offered.as_deref(), Some(server.url.as_str()));
    submit_sign_in(&d, "k.alaoui", "pas le bon").await;
    wait_text(&d, "sign-in-error", 10, |t| !t.is_empty()).await;
    submit_sign_in(&d, "k.alaoui", corridor_e2e::devices::PASSWORD).await;
    wait_text(&d, "signed-in", 10, |t| t.contains("k.alaoui")).await;
    wait_attr(
        &d,
        "[data-testid='sync-status']",
        "data-state",
        "online",
        20,
    )
    .await;
    wait_text(&d, "current-user", 5, |t| t == "k.alaoui").await;
    screenshot(&d, "settings-fr").await;
    axe_check(&d, "settings (fr)").await;

    // A new case, opened from the list.
    click(&d, "nav-cases").await;
    fill_new_case(&d, ICE, "Atlas Textile SARL", TITLE).await;
    click(&d, "case-title").await;
    wait_status(&d, CaseStatus::Draft).await;
    wait(&d, "case-provisional").await;

    // The CGEM officer's steps, one button each, only those the engine allows.
    assert_eq!(transitions_offered(&d).await, ["submitted"]);
    click(&d, "transition-submitted").await;
    wait_status(&d, CaseStatus::Submitted).await;
    assert_eq!(transitions_offered(&d).await, ["qualified", "rejected"]);
    click(&d, "transition-qualified").await;
    wait_status(&d, CaseStatus::Qualified).await;
    click(&d, "transition-transmitted_to_cnss").await;
    wait_status(&d, CaseStatus::TransmittedToCnss).await;
    // Taking it up is the CNSS's step: nothing is offered to the CGEM officer.
    wait(&d, "no-transitions").await;
    assert!(transitions_offered(&d).await.is_empty());

    // Notes: the officer may write CGEM-internal and shared notes, not CNSS-internal ones.
    assert_eq!(options(&d, "note-visibility").await, ["shared", "cgem"]);
    add_note(&d, "cgem", "Note interne CGEM : dossier sensible").await;
    add_note(&d, "shared", "Pièces transmises à la CNSS").await;
    let shown = timeline_texts(&d).await;
    assert!(shown
        .iter()
        .any(|(v, t)| v == "cgem" && t.contains("Note interne CGEM")));
    assert!(shown
        .iter()
        .any(|(v, t)| v == "shared" && t.contains("Pièces transmises")));
    wait(&d, "case-pending").await;
    sync_now(&d).await;
    wait_gone(&d, "case-pending", 10).await;
    let reference = wait(&d, "case-reference").await.text().await.expect("ref");
    assert!(
        d.find(tid("case-provisional")).await.is_err(),
        "final reference {reference}"
    );
    screenshot(&d, "case-detail-fr").await;
    axe_check(&d, "case (fr)").await;
    // The reference (bold in the header) is drawn by the monospace face shipped with the app,
    // not by whatever monospace font the machine has: that face was fetched and loaded.
    let faces = d
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             document.fonts.ready.then(() => done([...document.fonts]\
               .filter(f => f.family.replace(/\"/g, '') === 'Corridor Mono')\
               .map(f => `${f.weight} ${f.status}`)));",
            Vec::new(),
        )
        .await
        .expect("font faces")
        .convert::<Vec<String>>()
        .expect("strings");
    assert!(
        faces.iter().any(|f| f == "700 loaded"),
        "Corridor Mono faces: {faces:?}"
    );

    // The CNSS device receives the case and the shared note, never the CGEM-internal one.
    let mut cnss = Device::login(&server.url, "m.bennani").await;
    cnss.sync().await.expect("cnss sync");
    let notes = cnss.notes(&reference).await;
    assert_eq!(
        notes,
        [(Visibility::Shared, "Pièces transmises à la CNSS".to_owned())],
        "the CNSS sees only the shared note"
    );
    // It takes the case up and writes one internal and one shared note.
    let store = cnss.store();
    store
        .transition(&reference, CaseStatus::InProgress, None)
        .await
        .expect("take up");
    store
        .add_note(&reference, Visibility::Cnss, "Note interne CNSS")
        .await
        .expect("note");
    store
        .add_note(&reference, Visibility::Shared, "Dossier pris en charge")
        .await
        .expect("note");
    cnss.sync().await.expect("cnss sync");

    // The app receives the step and the shared note, not the CNSS-internal one.
    sync_now(&d).await;
    wait_status(&d, CaseStatus::InProgress).await;
    let shown = timeline_texts(&d).await;
    assert!(shown
        .iter()
        .any(|(v, t)| v == "shared" && t.contains("Dossier pris en charge")));
    assert!(!shown.iter().any(|(_, t)| t.contains("Note interne CNSS")));
    assert!(!shown.iter().any(|(v, _)| v == "cnss"));

    // A step that asks a reason.
    click(&d, "transition-awaiting_employer").await;
    type_into(&d, "transition-reason", "Attestation de salaire attendue").await;
    click(&d, "transition-confirm").await;
    wait_status(&d, CaseStatus::AwaitingEmployer).await;

    // The server stops: the app says offline, work goes on and waits.
    let bind = server.url.trim_start_matches("http://").to_owned();
    server.kill();
    click(&d, "sync-now").await;
    wait_attr(
        &d,
        "[data-testid='sync-status']",
        "data-state",
        "offline",
        20,
    )
    .await;
    add_note(&d, "shared", "Relance envoyée hors ligne").await;
    wait(&d, "case-pending").await;
    wait(&d, "sync-pending").await;
    // The title, renamed offline.
    click(&d, "case-edit").await;
    type_into(&d, "edit-title", OURS).await;
    click(&d, "edit-submit").await;
    wait_text(&d, "case-title", 10, |t| t == OURS).await;

    // It comes back; meanwhile the CNSS renamed the case too, and synced first.
    let _server = ServerProcess::start_on(&db, work.path(), &bind);
    let theirs = CaseEdit {
        title: Some(THEIRS.to_owned()),
        ..CaseEdit::default()
    };
    cnss.store()
        .edit_case(&reference, theirs)
        .await
        .expect("cnss edit");
    cnss.sync().await.expect("cnss sync");
    sync_now(&d).await;
    wait_gone(&d, "case-pending", 10).await;
    // The note arrives; the two titles are a visible conflict (the CNSS's, first, is current).
    cnss.sync().await.expect("cnss sync");
    assert!(cnss
        .notes(&reference)
        .await
        .iter()
        .any(|(v, t)| *v == Visibility::Shared && t == "Relance envoyée hors ligne"));
    wait(&d, "conflict-item").await;
    wait_text(&d, "conflict-current", 5, |t| t == THEIRS).await;
    wait_text(&d, "conflict-proposed", 5, |t| t == OURS).await;
    wait_text(&d, "case-title", 5, |t| t == THEIRS).await;
    screenshot(&d, "conflict-fr").await;
    axe_check(&d, "conflict (fr)").await;
    // The officer keeps theirs own; the choice reaches the CNSS.
    click(&d, "conflict-keep-proposed").await;
    wait_gone(&d, "conflict-item", 10).await;
    wait_text(&d, "case-title", 10, |t| t == OURS).await;
    sync_now(&d).await;
    cnss.sync().await.expect("cnss sync");
    let title = cnss
        .store()
        .case_detail(&reference)
        .await
        .expect("case")
        .case
        .title;
    assert_eq!(title, OURS);

    // Arabic: the whole desk right to left, labels translated, references left to right.
    choose(&d, "language-select", "ar").await;
    wait_attr(&d, "html", "dir", "rtl", 5).await;
    wait_attr(&d, "html", "lang", "ar", 5).await;
    wait_text(&d, "nav-cases", 5, |t| t.contains("الملفات")).await;
    wait_text(&d, "case-status", 5, |t| t == "في انتظار المشغّل").await;
    let dir = wait(&d, "case-reference")
        .await
        .attr("dir")
        .await
        .expect("attr");
    assert_eq!(dir.as_deref(), Some("ltr"));
    screenshot(&d, "case-detail-ar").await;
    axe_check(&d, "case (ar)").await;
    // A refusal is said in Arabic too, with the value the user typed.
    type_into(&d, "tag-input", "a,b").await;
    click(&d, "tag-add").await;
    wait_text(&d, "tag-error", 10, |t| {
        t.contains("a,b")
            && t.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c))
            && !t.contains("Étiquette")
    })
    .await;
    screenshot_around(&d, "case-error-ar", "tag-error").await;
    click(&d, "nav-cases").await;
    wait(&d, "case-table").await;
    wait_text(&d, "case-count", 5, |t| t.contains("ملف")).await;
    // Filters: a status the case is not in empties the list; clearing brings it back.
    choose(&d, "filter-status", "closed").await;
    wait(&d, "cases-empty").await;
    click(&d, "filter-clear").await;
    wait(&d, "case-row").await;
    // Sorting by a column header: the store's order for it, and the header says which.
    let state = |id: &str| format!("[data-testid={id}]");
    wait_attr(
        &d,
        &state("sort-col-opened"),
        "data-sort-state",
        "descending",
        5,
    )
    .await;
    click(&d, "sort-col-title").await;
    wait_attr(
        &d,
        &state("sort-col-title"),
        "data-sort-state",
        "ascending",
        5,
    )
    .await;
    wait_attr(&d, &state("sort-col-opened"), "data-sort-state", "none", 5).await;
    click(&d, "sort-col-opened").await;
    click(&d, "sort-col-opened").await;
    wait_attr(
        &d,
        &state("sort-col-opened"),
        "data-sort-state",
        "ascending",
        5,
    )
    .await;
    wait(&d, "case-row").await;
    screenshot(&d, "cases-ar").await;
    axe_check(&d, "cases (ar)").await;
    click(&d, "nav-enterprises").await;
    wait_text(&d, "enterprise-name", 10, |t| t == "Atlas Textile SARL").await;
    type_into(&d, "enterprise-search", "atlas").await;
    wait_text(&d, "enterprise-count", 10, |t| t.contains("مقاولة واحدة")).await;
    type_into(&d, "enterprise-search", "inconnue").await;
    wait(&d, "enterprises-empty").await;
    type_into(&d, "enterprise-search", "atlas").await;
    wait(&d, "enterprise-row").await;
    screenshot(&d, "enterprises-ar").await;
    axe_check(&d, "enterprises (ar)").await;
    click(&d, "nav-home").await;
    wait(&d, "home-page").await;
    screenshot(&d, "home-ar").await;
    axe_check(&d, "home (ar)").await;
    click(&d, "nav-settings").await;
    wait(&d, "signed-in").await;
    screenshot(&d, "settings-ar").await;
    axe_check(&d, "settings (ar)").await;
    d.quit().await.expect("quit");

    // The choice persists: after a restart the unlock screen is in Arabic.
    let d = driver.session().await;
    wait_attr(&d, "html", "lang", "ar", 10).await;
    wait_text(&d, "unlock-submit", 10, |t| t == "فتح").await;
    type_into(&d, "unlock-passphrase", PASS).await;
    click(&d, "unlock-submit").await;
    wait(&d, "home-page").await;
    choose(&d, "language-select", "fr").await;
    wait_attr(&d, "html", "dir", "ltr", 5).await;
    wait(&d, "home-mine").await;
    screenshot(&d, "home-fr").await;
    axe_check(&d, "home (fr)").await;
    click(&d, "nav-cases").await;
    wait(&d, "case-table").await;
    screenshot(&d, "cases-fr").await;
    axe_check(&d, "cases (fr)").await;
    d.quit().await.expect("quit");
}
