//! The real desktop application driven through tauri-driver and WebKitWebDriver.
//!
//! Needs the built app (`target/debug/corridor-desktop`, with the UI embedded), `tauri-driver`
//! on PATH, `WebKitWebDriver` and a display: `cargo xtask test` provides all of them and runs
//! these tests under Xvfb. Each test starts its own tauri-driver on free ports, its own corridor
//! server on SQLite, and uses a fresh data directory.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use corridor_e2e::{binary, eventually, ServerProcess};
use thirtyfour::prelude::*;

const PASS: &str = "phrase de passe e2e";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// A tauri-driver process (it launches the app for each session), killed when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    async fn start(data_dir: &Path, server_url: &str) -> Driver {
        let port = free_port();
        let native = free_port();
        let webkit = std::env::var("CORRIDOR_NATIVE_DRIVER")
            .unwrap_or_else(|_| "/usr/bin/WebKitWebDriver".to_owned());
        let child = Command::new(
            std::env::var("TAURI_DRIVER").unwrap_or_else(|_| "tauri-driver".to_owned()),
        )
        .args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native.to_string(),
        ])
        .args(["--native-driver", &webkit])
        .env("CORRIDOR_DATA_DIR", data_dir)
        .env("CORRIDOR_SERVER_URL", server_url)
        .env_remove("CORRIDOR_PASSPHRASE")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start tauri-driver (cargo xtask test installs it)");
        let url = format!("http://127.0.0.1:{port}");
        let up = eventually(Duration::from_secs(20), || async {
            std::net::TcpStream::connect(("127.0.0.1", port))
                .ok()
                .map(|_| ())
        })
        .await;
        assert!(up.is_some(), "tauri-driver did not open port {port}");
        Driver { child, url }
    }

    async fn session(&self) -> WebDriver {
        let app = binary("corridor-desktop", "corridor-desktop");
        let mut caps = Capabilities::new();
        caps.set("browserName", "wry").expect("capability");
        caps.set(
            "tauri:options",
            serde_json::json!({ "application": app.display().to_string() }),
        )
        .expect("capability");
        let driver = WebDriver::new(&self.url, caps)
            .await
            .expect("WebDriver session");
        driver
            .set_implicit_wait_timeout(Duration::from_secs(0))
            .await
            .expect("timeouts");
        driver
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn tid(id: &str) -> By {
    By::Css(format!("[data-testid='{id}']"))
}

/// Waits (up to 15 s) for the element with this test id.
async fn wait(d: &WebDriver, id: &str) -> WebElement {
    d.query(tid(id))
        .wait(Duration::from_secs(15), Duration::from_millis(100))
        .first()
        .await
        .unwrap_or_else(|e| panic!("no element {id}: {e}"))
}

/// Waits (up to `secs`) until the element's text satisfies `pred`; returns that text.
async fn wait_text(d: &WebDriver, id: &str, secs: u64, pred: impl Fn(&str) -> bool) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    let mut last = String::new();
    loop {
        if let Ok(el) = d.find(tid(id)).await {
            if let Ok(t) = el.text().await {
                if pred(&t) {
                    return t;
                }
                last = t;
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "text of {id} never matched within {secs}s; last seen {last:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Clicks the element with this test id (waiting for it).
async fn click(d: &WebDriver, id: &str) {
    wait(d, id).await.click().await.expect("click");
}

/// First run: creates the store with the test passphrase and waits for the empty case list.
async fn create_store(d: &WebDriver) {
    wait(d, "unlock-screen").await;
    type_into(d, "unlock-passphrase", PASS).await;
    type_into(d, "unlock-confirm", PASS).await;
    click(d, "unlock-submit").await;
    wait(d, "cases-empty").await;
}

async fn type_into(d: &WebDriver, id: &str, text: &str) {
    let el = wait(d, id).await;
    el.clear().await.expect("clear");
    el.send_keys(text).await.expect("type");
}

async fn case_titles(d: &WebDriver) -> Vec<String> {
    let mut out = Vec::new();
    for el in d.find_all(tid("case-title")).await.expect("find titles") {
        out.push(el.text().await.expect("text"));
    }
    out
}

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
    wait_text(&d, "server-status", 10, |t| t == "Serveur connecté").await;

    // An invalid ICE is refused with a message naming it.
    click(&d, "new-case-button").await;
    type_into(&d, "new-case-ice", "001561191000067").await;
    type_into(&d, "new-case-enterprise", "Atlas Textile SARL").await;
    type_into(&d, "new-case-title", "Indemnités journalières bloquées").await;
    click(&d, "new-case-submit").await;
    wait_text(&d, "new-case-error", 10, |t| t.contains("001561191000067")).await;
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
    wait(&d, "case-table").await;
    assert_eq!(case_titles(&d).await, ["Indemnités journalières bloquées"]);

    // Stopping the server turns the indicator offline within a few seconds.
    server.kill();
    wait_text(&d, "server-status", 10, |t| t == "Hors ligne").await;
    d.quit().await.expect("quit");
}

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
    click(&d, "new-case-button").await;
    type_into(&d, "new-case-ice", "001561191000066").await;
    type_into(&d, "new-case-enterprise", "شركة الأطلس للنسيج").await;
    type_into(&d, "new-case-title", "إعادة التسجيل في الضمان الاجتماعي").await;
    click(&d, "new-case-submit").await;
    wait(&d, "case-table").await;

    type_into(&d, "global-search", "اعادة").await;
    let typed = wait(&d, "global-search")
        .await
        .prop("value")
        .await
        .expect("value");
    assert_eq!(typed.as_deref(), Some("اعادة"));
    wait_text(&d, "search-results", 10, |t| t.contains("1 dossier")).await;
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
    let dir = corridor_e2e::workspace_root().join("target/screenshots");
    std::fs::create_dir_all(&dir).expect("screenshots dir");
    // The state is checked above; this pause only lets WebKit paint the last frame before the
    // picture (its screenshots can lag one frame behind the DOM).
    tokio::time::sleep(Duration::from_millis(500)).await;
    let png = d.screenshot_as_png().await.expect("screenshot");
    std::fs::write(dir.join("search-arabic.png"), png).expect("write screenshot");

    type_into(&d, "global-search", "التقاعد").await;
    wait_text(&d, "search-results", 10, |t| {
        t.contains("Aucun dossier ne correspond.")
    })
    .await;
    assert!(d.find(tid("search-result")).await.is_err());
    d.quit().await.expect("quit");
}
