//! The global search of the top bar.

use std::time::Duration;

use corridor_e2e::ServerProcess;
use thirtyfour::prelude::*;

use crate::support::*;

/// The global search of the top bar finds a case written in Arabic as people type it
/// (without hamza), shows the snippet as it was written with the match marked, and says when
/// nothing matches. Saves a screenshot of the results in `target/screenshots/`.
#[tokio::test]
#[ignore = "needs the built app, tauri-driver and a display: run by `cargo xtask test`"]
async fn the_global_search_finds_arabic_as_typed() {
    let data = tempfile::tempdir().expect("tempdir");
    let work = tempfile::tempdir().expect("tempdir");
    let _server = ServerProcess::start(
        &format!("sqlite:{}", work.path().join("server.db").display()),
        work.path(),
    );
    let driver = Driver::start(data.path(), &_server.url).await;
    let d = driver.session().await;
    create_store(&d).await;
    click(&d, "nav-cases").await;
    fill_new_case(
        &d,
        "001561191000066",
        "شركة الأطلس للنسيج",
        "إعادة التسجيل في الضمان الاجتماعي",
    )
    .await;
    wait(&d, "case-table").await;

    type_into(&d, "global-search", "اعادة").await;
    let typed = wait(&d, "global-search")
        .await
        .prop("value")
        .await
        .expect("value");
    assert_eq!(typed.as_deref(), Some("اعادة"));
    // Fluent isolates its arguments (U+2068…U+2069) so that they read right in Arabic too.
    wait_text(&d, "search-results", 10, |t| {
        t.replace(['\u{2068}', '\u{2069}'], "")
            .contains("1 dossier")
    })
    .await;
    wait_text(&d, "search-snippet", 10, |t| {
        t == "إعادة التسجيل في الضمان الاجتماعي"
    })
    .await;
    let marked = d
        .find(By::Css("[data-testid='search-snippet'] mark"))
        .await
        .expect("a marked match")
        .text()
        .await
        .expect("text");
    assert_eq!(marked, "إعادة", "the match as it was written");
    // Only the match is marked (results of a shorter text typed on the way would mark more).
    let mut html = String::new();
    for _ in 0..100 {
        html = wait(&d, "search-snippet")
            .await
            .inner_html()
            .await
            .expect("html");
        if html.matches("<mark>").count() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        html.matches("<mark>").count(),
        1,
        "only the match is marked: {html}"
    );
    screenshot(&d, "search-arabic").await;

    type_into(&d, "global-search", "التقاعد").await;
    wait_text(&d, "search-results", 10, |t| {
        t.contains("Aucun dossier ne correspond.")
    })
    .await;
    assert!(d.find(tid("search-result")).await.is_err());
    d.quit().await.expect("quit");
}
