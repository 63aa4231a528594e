//! Enterprises in the app: a CSV import previewed line by line (a file with refused lines
//! imports nothing and says why, line by line), then a clean file imported at once; an
//! enterprise's screen with its identity and its cases, one click from each case; its record
//! changed (a contact added, a bad email refused first); in French and Arabic, checked by
//! axe-core.

use std::path::Path;

use corridor_e2e::ServerProcess;
use thirtyfour::prelude::*;

use crate::support::*;

async fn enterprise_names(d: &WebDriver) -> Vec<String> {
    let mut out = Vec::new();
    for el in d.find_all(tid("enterprise-name")).await.unwrap_or_default() {
        if let Ok(t) = el.text().await {
            out.push(t);
        }
    }
    out.sort();
    out
}

async fn wait_enterprises(d: &WebDriver, n: usize) -> Vec<String> {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let names = enterprise_names(d).await;
        if names.len() == n {
            return names;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{names:?}, expected {n} enterprises"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

async fn pick_csv(d: &WebDriver, path: &Path) {
    wait(d, "import-file")
        .await
        .send_keys(path.display().to_string())
        .await
        .expect("choose the file");
}

#[tokio::test]
#[ignore = "needs the built app, tauri-driver and a display: run by `cargo xtask test`"]
async fn enterprises_are_imported_after_a_preview_and_shown_with_their_cases() {
    let data = tempfile::tempdir().expect("tempdir");
    let work = tempfile::tempdir().expect("tempdir");
    let server = ServerProcess::start(
        &format!("sqlite:{}", work.path().join("server.db").display()),
        work.path(),
    );
    let files = tempfile::tempdir().expect("tempdir");
    let bad = files.path().join("entreprises-a-corriger.csv");
    std::fs::write(
        &bad,
        "name;ice;region;city\n\
         Souss Agro;002136093000040;MA-09;Agadir\n\
         Clé fausse;001561191000067;MA-06;Casablanca\n\
         Atlas en double;001561191000066;MA-06;Casablanca\n",
    )
    .expect("write");
    let good = files.path().join("entreprises.csv");
    std::fs::write(
        &good,
        "name,ice,region,city,size\n\
         Souss Agro,002136093000040,MA-09,Agadir,pme\n\
         تعاونية الأطلس,000000000000097,MA-06,الدار البيضاء,tpe\n",
    )
    .expect("write");

    let driver = Driver::start(data.path(), &server.url).await;
    let d = driver.session().await;
    create_store(&d).await;
    click(&d, "nav-cases").await;
    fill_new_case(
        &d,
        "001561191000066",
        "Atlas Textile SARL",
        "Prestations bloquées",
    )
    .await;
    // The first case of a new store: generous on a loaded machine (a CI run once took over 10 s).
    wait_text(&d, "case-title", 30, |t| t.contains("Prestations")).await;

    // A file with two refused lines: each says why, the import cannot be confirmed.
    click(&d, "nav-enterprises").await;
    assert_eq!(wait_enterprises(&d, 1).await, ["Atlas Textile SARL"]);
    pick_csv(&d, &bad).await;
    wait_attr(&d, "[data-testid='import-summary']", "data-errors", "2", 15).await;
    let mut verdicts = Vec::new();
    for row in d.find_all(tid("import-row")).await.expect("rows") {
        verdicts.push((
            row.attr("data-ok").await.expect("attr").unwrap_or_default(),
            row.find(tid("import-verdict"))
                .await
                .expect("verdict")
                .text()
                .await
                .expect("text"),
        ));
    }
    assert_eq!(verdicts.len(), 3);
    assert_eq!(verdicts[0].0, "true");
    assert!(verdicts[1].1.contains("clé de contrôle"), "{verdicts:?}");
    assert!(verdicts[2].1.contains("001561191000066"), "{verdicts:?}");
    assert!(
        !wait(&d, "import-confirm")
            .await
            .is_enabled()
            .await
            .expect("enabled"),
        "nothing may be imported while a line is refused"
    );
    screenshot_around(&d, "enterprise-import-fr", "enterprise-import").await;
    axe_check(&d, "enterprise import (fr)").await;
    assert_eq!(wait_enterprises(&d, 1).await.len(), 1, "nothing imported");

    // The corrected file: clean, imported at once, listed.
    pick_csv(&d, &good).await;
    wait_attr(&d, "[data-testid='import-summary']", "data-errors", "0", 15).await;
    click(&d, "import-confirm").await;
    wait_text(&d, "import-status", 10, |t| t.contains('2')).await;
    let names = wait_enterprises(&d, 3).await;
    assert!(names.contains(&"تعاونية الأطلس".to_owned()), "{names:?}");

    // The enterprise's screen: its identity and its case, one click away.
    for link in d
        .find_all(By::Css("[data-testid='enterprise-name'] a"))
        .await
        .expect("links")
    {
        if link.text().await.expect("text") == "Atlas Textile SARL" {
            link.click().await.expect("open");
            break;
        }
    }
    wait_text(&d, "enterprise-title", 10, |t| t == "Atlas Textile SARL").await;
    wait_text(&d, "enterprise-cases", 10, |t| {
        t.contains("Prestations bloquées")
    })
    .await;
    screenshot(&d, "enterprise-fr").await;
    axe_check(&d, "enterprise (fr)").await;
    choose(&d, "language-select", "ar").await;
    wait_text(&d, "enterprise-back", 10, |t| t.contains("العودة")).await;
    screenshot(&d, "enterprise-ar").await;
    axe_check(&d, "enterprise (ar)").await;
    choose(&d, "language-select", "fr").await;

    // The record changed: a contact added (a bad email refused, nothing saved), the city set.
    click(&d, "enterprise-edit").await;
    type_into(&d, "ent-city", "Casablanca").await;
    click(&d, "contact-add").await;
    type_into(&d, "contact-name", "Karim Alaoui").await;
    type_into(&d, "contact-role", "DRH").await;
    type_into(&d, "contact-phone", "06 12 34 56 78").await;
    type_into(&d, "contact-email", "pas-un-courriel").await;
    click(&d, "enterprise-save").await;
    wait_text(&d, "enterprise-edit-error", 10, |t| !t.is_empty()).await;
    assert!(
        d.find(tid("enterprise-contact")).await.is_err(),
        "nothing saved while the form is refused"
    );
    type_into(&d, "contact-email", "k.alaoui@atlas.ma").await;
    screenshot_around(&d, "enterprise-edit-fr", "enterprise-edit-card").await;
    axe_check(&d, "enterprise edit (fr)").await;
    click(&d, "enterprise-save").await;
    wait_text(&d, "enterprise-contacts", 10, |t| {
        t.contains("+212612345678")
    })
    .await;
    wait_text(&d, "enterprise-detail", 10, |t| t.contains("Casablanca")).await;
    d.find(By::Css("[data-testid='enterprise-case'] a"))
        .await
        .expect("case link")
        .click()
        .await
        .expect("open the case");
    wait_text(&d, "case-title", 30, |t| t.contains("Prestations bloquées")).await;
    d.quit().await.expect("quit");
}
