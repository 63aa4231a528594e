//! A case's documents and relations in the app, against a real server and a CNSS (CLI)
//! device: a case opened for an enterprise found by name (the ICE checked as typed), with a
//! priority and an amount, its category changed later; files attached through the file input
//! (an Arabic name travels intact), opened with the system's viewer, still there after a
//! restart, saved as a copy through the system's save dialog; the case list exported through
//! the same dialog (cancelled, then saved; titled in French and in Arabic); tags added,
//! normalised, refused when malformed and removed; a case linked to its parent, both shown one
//! click apart; the CNSS device receives the same bytes, tags and parent.
//!
//! The system's viewer is the one thing replaced: `xdg-open` (what the opener plugin runs on
//! Linux) is a script on the app's PATH that copies the file it is given, because no desktop
//! viewer can run here; the test compares that copy with the original. The save dialog is the
//! real GTK one, answered by keystrokes through the X display (`xdotool`).

use std::path::Path;

use corridor_e2e::devices::{add_user, Device};
use corridor_e2e::ServerProcess;
use thirtyfour::prelude::*;

use crate::support::*;

const ARABIC_NAME: &str = "شهادة الأجر.pdf";
const FRENCH_NAME: &str = "Relevé de carrière.txt";

/// Writes a fake `xdg-open` into `bin` that copies its argument to `copy`.
fn fake_viewer(bin: &Path, copy: &Path) {
    let script = bin.join("xdg-open");
    std::fs::write(
        &script,
        format!("#!/bin/sh\ncp \"$1\" '{}'\n", copy.display()),
    )
    .expect("write viewer");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))
            .expect("chmod viewer");
    }
}

async fn tags_shown(d: &WebDriver) -> Vec<String> {
    let mut out = Vec::new();
    // The list may be redrawn between finding and reading: a vanished node is skipped (the
    // caller polls).
    for el in d.find_all(tid("tag")).await.unwrap_or_default() {
        if let Ok(Some(tag)) = el.attr("data-tag").await {
            out.push(tag);
        }
    }
    out
}

async fn wait_tags(d: &WebDriver, expected: &[&str]) {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let shown = tags_shown(d).await;
        if shown == expected {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "tags {shown:?}, expected {expected:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// The reference of the listed case whose row mentions `title` (polled: the table may be
/// redrawn while it is read).
async fn listed_reference(d: &WebDriver, title: &str) -> String {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        for row in d.find_all(tid("case-row")).await.unwrap_or_default() {
            if !row.text().await.unwrap_or_default().contains(title) {
                continue;
            }
            if let Ok(cell) = row.find(tid("case-ref")).await {
                if let Ok(reference) = cell.text().await {
                    return reference;
                }
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no listed case mentions {title}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

async fn attachment_names(d: &WebDriver) -> Vec<String> {
    let mut out = Vec::new();
    for el in d.find_all(tid("attachment-name")).await.unwrap_or_default() {
        if let Ok(text) = el.text().await {
            out.push(text);
        }
    }
    out.sort();
    out
}

async fn attach(d: &WebDriver, path: &Path, count: usize) {
    let input = wait(d, "attachment-input").await;
    input
        .send_keys(path.display().to_string())
        .await
        .expect("choose the file");
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(15);
    while attachment_names(d).await.len() < count {
        let error = d.find(tid("attachment-error")).await.ok();
        let error = match error {
            Some(e) => e.text().await.unwrap_or_default(),
            None => String::new(),
        };
        assert!(
            tokio::time::Instant::now() < deadline,
            "attachment {} never listed ({error})",
            path.display()
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Clicks the button of test id `button` on the attachment named `name`.
async fn click_attachment(d: &WebDriver, name: &str, button: &str) {
    for li in d.find_all(tid("attachment")).await.expect("attachments") {
        let shown = li
            .find(tid("attachment-name"))
            .await
            .expect("name")
            .text()
            .await
            .expect("text");
        if shown == name {
            li.find(tid(button))
                .await
                .expect("attachment button")
                .click()
                .await
                .expect("click");
            return;
        }
    }
    panic!("no attachment named {name}");
}

/// Waits up to 10 s for a non-empty file at `path` and returns its bytes.
async fn file_written(path: &Path) -> Vec<u8> {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if let Ok(bytes) = std::fs::read(path) {
            if !bytes.is_empty() {
                return bytes;
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "nothing written at {}",
            path.display()
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Clicks "open" on the attachment named `name` and returns what the viewer received.
async fn open_with_viewer(d: &WebDriver, name: &str, copy: &Path) -> Vec<u8> {
    let _ = std::fs::remove_file(copy);
    click_attachment(d, name, "attachment-open").await;
    wait_text(d, "attachment-status", 10, |t| !t.is_empty()).await;
    file_written(copy).await
}

#[tokio::test]
#[ignore = "needs the built app, tauri-driver and a display: run by `cargo xtask test`"]
async fn documents_tags_and_links_are_kept_and_reach_the_cnss() {
    let data = tempfile::tempdir().expect("tempdir");
    let work = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite:{}", work.path().join("server.db").display());
    let server = ServerProcess::start(&db, work.path());
    add_user(&db, work.path(), "k.alaoui", "cgem_officer", "MA-06");
    add_user(&db, work.path(), "m.bennani", "cnss_rep", "MA-06");

    // The documents the officer has on disk, and the stand-in for the system's viewer.
    let files = tempfile::tempdir().expect("tempdir");
    let arabic = files.path().join(ARABIC_NAME);
    let arabic_bytes: Vec<u8> = (0..50_000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(&arabic, &arabic_bytes).expect("write");
    let french = files.path().join(FRENCH_NAME);
    std::fs::write(&french, "Relevé : 124 jours déclarés en 2026\n").expect("write");
    let bin = files.path().join("bin");
    std::fs::create_dir(&bin).expect("bin");
    let copy = files.path().join("viewed");
    fake_viewer(&bin, &copy);
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );

    // The app's home (where the save dialog opens: no documents folder is set there), so that
    // a dialog answered wrongly writes where the test looks, not in the runner's home.
    let home = tempfile::tempdir().expect("tempdir");
    let home_path = home.path().to_str().expect("UTF-8 temp path").to_owned();
    let driver = Driver::start_with(
        data.path(),
        &server.url,
        &[
            ("CORRIDOR_SYNC_INTERVAL", "3600"),
            ("PATH", &path),
            ("HOME", &home_path),
        ],
    )
    .await;
    let d = driver.session().await;
    create_store(&d).await;
    click(&d, "nav-settings").await;
    submit_sign_in(&d, "k.alaoui", corridor_e2e::devices::PASSWORD).await;
    wait_text(&d, "signed-in", 10, |t| t.contains("k.alaoui")).await;

    // Two cases: the parent (a debt schedule) and the one worked here.
    click(&d, "nav-cases").await;
    fill_new_case(
        &d,
        "001561191000066",
        "Atlas Textile SARL",
        "Échéancier de la dette",
    )
    .await;
    wait_text(&d, "case-title", 10, |t| t.contains("Échéancier")).await;
    // The second through the form's search of known enterprises, with a priority and an
    // amount; the ICE field checks what is typed at each keystroke.
    click(&d, "new-case-button").await;
    type_into(&d, "new-case-ice", "0015611").await;
    wait_attr(
        &d,
        "[data-testid='new-case-ice-check']",
        "data-state",
        "hint",
        5,
    )
    .await;
    type_into(&d, "new-case-ice", "001561191000067").await;
    wait_attr(
        &d,
        "[data-testid='new-case-ice-check']",
        "data-state",
        "bad",
        5,
    )
    .await;
    wait_text(&d, "new-case-ice-check", 5, |t| {
        t.contains("clé de contrôle")
    })
    .await;
    type_into(&d, "new-case-ice", "001561191000066").await;
    wait_attr(
        &d,
        "[data-testid='new-case-ice-check']",
        "data-state",
        "ok",
        5,
    )
    .await;
    type_into(&d, "new-case-find", "atlas").await;
    click(&d, "new-case-suggestion").await;
    wait_text(&d, "new-case-chosen", 5, |t| {
        t.contains("Atlas Textile SARL")
    })
    .await;
    screenshot(&d, "new-case-fr").await;
    axe_check(&d, "new case (fr)").await;
    choose(&d, "new-case-priority", "high").await;
    type_into(&d, "new-case-amount", "12 450,50").await;
    type_into(&d, "new-case-title", "Prestations bloquées").await;
    click(&d, "new-case-submit").await;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while case_titles(&d).await.len() < 2 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "second case not listed"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let parent_ref = listed_reference(&d, "Échéancier").await;
    assert!(!parent_ref.is_empty(), "the parent's reference is listed");
    for cell in d.find_all(tid("case-title")).await.expect("titles") {
        if cell.text().await.expect("text").contains("Prestations") {
            cell.click().await.expect("open the case");
            break;
        }
    }
    wait_text(&d, "case-title", 10, |t| t.contains("Prestations")).await;

    // Documents, through the file input: the Arabic name arrives as written.
    wait(&d, "attachments").await;
    attach(&d, &arabic, 1).await;
    attach(&d, &french, 2).await;
    let mut expected = vec![ARABIC_NAME.to_owned(), FRENCH_NAME.to_owned()];
    expected.sort();
    assert_eq!(attachment_names(&d).await, expected);
    assert_eq!(
        open_with_viewer(&d, ARABIC_NAME, &copy).await,
        arabic_bytes,
        "the viewer gets the original bytes"
    );

    // Tags: normalised by the engine, a malformed one refused with nothing changed, removal.
    type_into(&d, "tag-input", "Damancom").await;
    click(&d, "tag-add").await;
    wait_tags(&d, &["damancom"]).await;
    type_into(&d, "tag-input", "urgent").await;
    click(&d, "tag-add").await;
    wait_tags(&d, &["damancom", "urgent"]).await;
    type_into(&d, "tag-input", "a,b").await;
    click(&d, "tag-add").await;
    wait_text(&d, "tag-error", 10, |t| !t.is_empty()).await;
    wait_tags(&d, &["damancom", "urgent"]).await;
    for tag in d.find_all(tid("tag")).await.expect("tags") {
        if tag.attr("data-tag").await.expect("attr").as_deref() == Some("urgent") {
            tag.find(tid("tag-remove"))
                .await
                .expect("remove")
                .click()
                .await
                .expect("click");
        }
    }
    wait_tags(&d, &["damancom"]).await;

    // Links: an unknown reference is refused; the debt schedule becomes the parent.
    type_into(&d, "link-other", "COR-0000-00-9999").await;
    click(&d, "link-submit").await;
    wait_text(&d, "link-error", 10, |t| !t.is_empty()).await;
    type_into(&d, "link-other", &parent_ref).await;
    click(&d, "link-as-parent").await;
    click(&d, "link-submit").await;
    wait_text(&d, "link-parent", 10, |t| t == parent_ref).await;

    // The category, changed from the edit form.
    click(&d, "case-edit").await;
    choose(&d, "edit-category", "debt_schedule").await;
    click(&d, "edit-submit").await;
    wait_text(&d, "case-category", 10, |t| {
        t == "Recouvrement et échéancier"
    })
    .await;
    screenshot_around(&d, "case-files-fr", "attachments").await;
    screenshot_around(&d, "case-links-fr", "links").await;
    axe_check(&d, "case documents (fr)").await;
    choose(&d, "language-select", "ar").await;
    wait_text(&d, "link-submit", 10, |t| t == "ربط").await;
    screenshot_around(&d, "case-files-ar", "attachments").await;
    screenshot_around(&d, "case-links-ar", "links").await;
    axe_check(&d, "case documents (ar)").await;
    choose(&d, "language-select", "fr").await;

    // The parent shows its child, one click away, and back.
    d.find(tid("link-parent"))
        .await
        .expect("parent")
        .find(By::Css("a"))
        .await
        .expect("link")
        .click()
        .await
        .expect("open the parent");
    wait_text(&d, "case-title", 10, |t| t.contains("Échéancier")).await;
    wait(&d, "link-child").await;

    // Sent to the server, then received by the CNSS: same bytes, tags and parent.
    sync_now(&d).await;
    d.find(tid("link-child"))
        .await
        .expect("child")
        .find(By::Css("a"))
        .await
        .expect("link")
        .click()
        .await
        .expect("open the child");
    wait_text(&d, "case-title", 10, |t| t.contains("Prestations")).await;
    let reference = wait(&d, "case-reference").await.text().await.expect("ref");
    let mut cnss = Device::login(&server.url, "m.bennani").await;
    cnss.sync().await.expect("cnss sync");
    let store = cnss.store();
    let detail = store
        .case_detail(&reference)
        .await
        .expect("case on the CNSS");
    assert_eq!(detail.case.tags, ["damancom"]);
    assert!(detail.parent.is_some(), "the CNSS sees the parent");
    assert_eq!(detail.case.priority, corridor_model::Priority::High);
    assert_eq!(
        detail.case.category,
        corridor_model::CaseCategory::DebtSchedule
    );
    assert_eq!(detail.case.amount_centimes, Some(1_245_050));
    let received = detail
        .attachments
        .iter()
        .find(|a| a.name == ARABIC_NAME)
        .expect("the Arabic-named attachment reached the CNSS");
    let (_, bytes) = store
        .attachment_content(&reference, &received.hash)
        .await
        .expect("content downloaded");
    assert_eq!(bytes, arabic_bytes, "the CNSS has the same bytes");

    // After a restart the documents are still there and open again.
    d.quit().await.expect("quit");
    let d = driver.session().await;
    wait(&d, "unlock-screen").await;
    type_into(&d, "unlock-passphrase", PASS).await;
    click(&d, "unlock-submit").await;
    wait(&d, "home-page").await;
    click(&d, "global-search").await;
    type_into(&d, "global-search", "Prestations").await;
    wait(&d, "search-result").await;
    click(&d, "search-result").await;
    wait_text(&d, "case-title", 10, |t| t.contains("Prestations")).await;
    wait(&d, "attachments").await;
    assert_eq!(attachment_names(&d).await, expected);
    let text = open_with_viewer(&d, FRENCH_NAME, &copy).await;
    assert_eq!(
        String::from_utf8(text).expect("utf-8"),
        "Relevé : 124 jours déclarés en 2026\n"
    );

    // A copy saved through the system's save dialog: the same bytes, readable by the user
    // alone, and the path said on screen.
    let saved = files.path().join("copies").join("certificat.pdf");
    std::fs::create_dir(saved.parent().expect("parent")).expect("copies dir");
    click_attachment(&d, ARABIC_NAME, "attachment-save").await;
    answer_save_dialog(
        "Enregistrer une copie de la pièce jointe",
        "save-dialog-fr",
        Some(&saved),
    )
    .await;
    // Said once the file is written whole.
    wait_text(&d, "attachment-status", 10, |t| {
        t.contains("certificat.pdf")
    })
    .await;
    assert_eq!(
        file_written(&saved).await,
        arabic_bytes,
        "the copy is the original"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&saved)
            .expect("copy")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "the copy is the user's alone: {mode:o}");
    }

    // The case list exported as CSV through the same dialog: cancelled first (nothing
    // written, nothing said), then saved; the file holds both cases.
    click(&d, "nav-cases").await;
    wait(&d, "case-row").await;
    click(&d, "export-csv").await;
    answer_save_dialog("Exporter les dossiers", "export-dialog-cancel-fr", None).await;
    let export = files.path().join("copies").join("dossiers.csv");
    click(&d, "export-csv").await;
    answer_save_dialog("Exporter les dossiers", "export-dialog-fr", Some(&export)).await;
    let csv = String::from_utf8(file_written(&export).await).expect("utf-8 CSV");
    assert!(
        csv.contains("Prestations bloquées") && csv.contains("Échéancier de la dette"),
        "both cases exported: {csv}"
    );
    wait_text(&d, "export-status", 10, |t| t.contains("dossiers.csv")).await;
    let written: Vec<_> = std::fs::read_dir(saved.parent().expect("parent"))
        .expect("copies")
        .chain(std::fs::read_dir(home.path()).expect("home"))
        .map(|e| e.expect("entry").file_name())
        .filter(|n| !n.to_string_lossy().starts_with('.'))
        .collect();
    assert_eq!(
        written.len(),
        2,
        "the cancelled export wrote nothing, in the dialog's folder or elsewhere: {written:?}"
    );

    // The new-case form in Arabic: the known enterprise offered, the ICE checked as typed.
    choose(&d, "language-select", "ar").await;
    click(&d, "nav-cases").await;
    click(&d, "new-case-button").await;
    type_into(&d, "new-case-ice", "0015611910").await;
    wait_text(&d, "new-case-ice-check", 5, |t| t.contains("15")).await;
    type_into(&d, "new-case-find", "أطلس").await;
    type_into(&d, "new-case-find", "Atlas").await;
    wait(&d, "new-case-suggestion").await;
    screenshot(&d, "new-case-ar").await;
    axe_check(&d, "new case (ar)").await;
    // The save dialog's title is in the user's language too (its buttons follow the system's
    // locale, as in every GTK application). Cancelled: nothing said, nothing written.
    click(&d, "nav-cases").await;
    wait(&d, "case-row").await;
    click(&d, "export-csv").await;
    answer_save_dialog("تصدير قائمة الملفات", "export-dialog-ar", None).await;
    assert_eq!(
        wait(&d, "export-status").await.text().await.expect("text"),
        "",
        "a cancelled export says nothing"
    );
    choose(&d, "language-select", "fr").await;
    d.quit().await.expect("quit");
}
