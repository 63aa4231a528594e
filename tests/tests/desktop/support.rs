//! Driving the real desktop app: a tauri-driver per test, WebDriver helpers that wait on
//! state (a sleep only lets a frame be painted before a picture), screenshots, and the system's
//! save dialog answered through the X display.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use corridor_e2e::{binary, eventually};
use thirtyfour::prelude::*;

/// The passphrase of the test profiles.
pub const PASS: &str = "phrase de passe e2e";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// A tauri-driver process (it launches the app for each session), killed when dropped.
pub struct Driver {
    child: Child,
    url: String,
    /// The webview's own storage (the language choice lives there): one per test.
    _webview_home: tempfile::TempDir,
}

impl Driver {
    /// A driver whose app uses `data_dir` and offers `server_url` at sign-in.
    pub async fn start(data_dir: &Path, server_url: &str) -> Driver {
        Driver::start_with(data_dir, server_url, &[]).await
    }

    /// [`Driver::start`] with more environment for the app.
    pub async fn start_with(data_dir: &Path, server_url: &str, env: &[(&str, &str)]) -> Driver {
        let port = free_port();
        let native = free_port();
        let webview_home = tempfile::tempdir().expect("tempdir");
        for sub in ["data", "cache"] {
            std::fs::create_dir_all(webview_home.path().join(sub)).expect("webview dirs");
        }
        let webkit = std::env::var("CORRIDOR_NATIVE_DRIVER")
            .unwrap_or_else(|_| "/usr/bin/WebKitWebDriver".to_owned());
        let mut cmd = Command::new(
            std::env::var("TAURI_DRIVER").unwrap_or_else(|_| "tauri-driver".to_owned()),
        );
        cmd.args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native.to_string(),
        ])
        .args(["--native-driver", &webkit])
        .env("CORRIDOR_DATA_DIR", data_dir)
        .env("CORRIDOR_SERVER_URL", server_url)
        .env("CORRIDOR_SYNC_INTERVAL", "2")
        .env("XDG_DATA_HOME", webview_home.path().join("data"))
        .env("XDG_CACHE_HOME", webview_home.path().join("cache"))
        // A UTF-8 locale whatever the runner's: GTK names its windows (the save dialog, found
        // by its Arabic title) only in one.
        .env("LC_ALL", "C.UTF-8")
        .env_remove("CORRIDOR_PASSPHRASE")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd
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
        Driver {
            child,
            url,
            _webview_home: webview_home,
        }
    }

    /// Launches the app and opens a WebDriver session on it.
    pub async fn session(&self) -> WebDriver {
        // `CORRIDOR_APP_BINARY`: another build of the app (the release one, for the bench).
        let app = std::env::var_os("CORRIDOR_APP_BINARY").map_or_else(
            || binary("corridor-desktop", "corridor-desktop"),
            std::path::PathBuf::from,
        );
        let mut caps = Capabilities::new();
        caps.set("browserName", "wry").expect("capability");
        caps.set(
            "tauri:options",
            serde_json::json!({ "application": app.display().to_string() }),
        )
        .expect("capability");
        // tauri-driver may take the connection before it can serve it: a refused first request
        // is tried again (a session that fails three times fails the test).
        let mut attempt = 0;
        let driver = loop {
            match WebDriver::new(&self.url, caps.clone()).await {
                Ok(d) => break d,
                Err(e) if attempt < 2 => {
                    eprintln!("WebDriver session refused ({e}); trying again");
                    attempt += 1;
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
                Err(e) => panic!("WebDriver session: {e}"),
            }
        };
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

/// The selector of a test id.
pub fn tid(id: &str) -> By {
    By::Css(format!("[data-testid='{id}']"))
}

/// Waits (up to 15 s) for the element with this test id.
pub async fn wait(d: &WebDriver, id: &str) -> WebElement {
    wait_css(d, &format!("[data-testid='{id}']")).await
}

/// Waits (up to 15 s) for an element matching this CSS selector.
pub async fn wait_css(d: &WebDriver, css: &str) -> WebElement {
    wait_css_for(d, css, 15).await
}

/// Waits up to `secs` for an element matching this CSS selector.
pub async fn wait_css_for(d: &WebDriver, css: &str, secs: u64) -> WebElement {
    d.query(By::Css(css))
        .wait(Duration::from_secs(secs), Duration::from_millis(100))
        .first()
        .await
        .unwrap_or_else(|e| panic!("no element {css}: {e}"))
}

/// Waits until no element has this test id.
pub async fn wait_gone(d: &WebDriver, id: &str, secs: u64) {
    let gone = eventually(Duration::from_secs(secs), || async {
        d.find(tid(id)).await.is_err().then_some(())
    })
    .await;
    assert!(gone.is_some(), "{id} still shown after {secs}s");
}

/// Waits (up to `secs`) until the element's text, without direction isolation marks and with
/// no-break spaces as spaces, satisfies `pred`; returns that text.
pub async fn wait_text(d: &WebDriver, id: &str, secs: u64, pred: impl Fn(&str) -> bool) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    let mut last = String::new();
    loop {
        if let Ok(el) = d.find(tid(id)).await {
            if let Ok(t) = el.text().await {
                // As a person reads it: without the invisible marks that isolate a value's
                // direction (Fluent wraps every placeable in them), French's no-break spaces
                // (before « : » and inside guillemets) read as spaces.
                let t = t
                    .replace(['\u{2068}', '\u{2069}'], "")
                    .replace(['\u{202F}', '\u{A0}'], " ");
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

/// Waits (up to `secs`) until an attribute of the element matching `css` equals `value`.
pub async fn wait_attr(d: &WebDriver, css: &str, attr: &str, value: &str, secs: u64) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    let mut last = None;
    loop {
        if let Ok(el) = d.find(By::Css(css)).await {
            last = el.attr(attr).await.ok().flatten();
            if last.as_deref() == Some(value) {
                return;
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{css} [{attr}] never became {value:?} within {secs}s; last seen {last:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Clicks the element with this test id (waiting for it).
pub async fn click(d: &WebDriver, id: &str) {
    let el = wait(d, id).await;
    // Brought to the middle first: at the window's edge the sticky top bar would take it.
    d.execute(
        "arguments[0].scrollIntoView({ block: 'center' })",
        vec![el.to_json().expect("element")],
    )
    .await
    .expect("scroll into view");
    el.click().await.expect("click");
}

/// Replaces the text of a field.
pub async fn type_into(d: &WebDriver, id: &str, text: &str) {
    let el = wait(d, id).await;
    el.clear().await.expect("clear");
    el.send_keys(text).await.expect("type");
}

/// Chooses an option of a `<select>` by value.
pub async fn choose(d: &WebDriver, id: &str, value: &str) {
    let el = wait(d, id).await;
    el.find(By::Css(format!("option[value='{value}']")))
        .await
        .unwrap_or_else(|e| panic!("{id} has no option {value}: {e}"))
        .click()
        .await
        .expect("choose");
}

/// The values of the options of a `<select>`.
pub async fn options(d: &WebDriver, id: &str) -> Vec<String> {
    let el = wait(d, id).await;
    let mut out = Vec::new();
    for o in el.find_all(By::Css("option")).await.expect("options") {
        out.push(o.attr("value").await.expect("value").unwrap_or_default());
    }
    out
}

/// First run: creates the store with the test passphrase and waits for the home screen.
pub async fn create_store(d: &WebDriver) {
    // The first screen of a fresh profile: a cold WebKit start on a loaded machine has been
    // seen to take longer than the usual wait (a CI run), hence a minute.
    wait_css_for(d, "[data-testid='unlock-screen']", 60).await;
    type_into(d, "unlock-passphrase", PASS).await;
    type_into(d, "unlock-confirm", PASS).await;
    click(d, "unlock-submit").await;
    wait(d, "home-page").await;
}

/// Opens the "new case" form from the case list, fills it and submits it.
pub async fn fill_new_case(d: &WebDriver, ice: &str, enterprise: &str, title: &str) {
    click(d, "new-case-button").await;
    type_into(d, "new-case-ice", ice).await;
    type_into(d, "new-case-enterprise", enterprise).await;
    type_into(d, "new-case-title", title).await;
    click(d, "new-case-submit").await;
}

/// Syncs from the top bar and waits until the state is online and nothing is waiting.
pub async fn sync_now(d: &WebDriver) {
    click(d, "sync-now").await;
    wait_attr(d, "[data-testid='sync-status']", "data-state", "online", 20).await;
    wait_gone(d, "sync-pending", 20).await;
}

/// Fills and submits the sign-in form of the settings screen.
/// The app on a fresh profile in `data`, signed in as `user` to `server_url` and syncing only
/// when asked (sign-in, "sync now"), so that a test orders the syncs; the driver must be kept
/// alive with the session.
pub async fn signed_in_app(data: &Path, server_url: &str, user: &str) -> (Driver, WebDriver) {
    let driver = Driver::start_with(data, server_url, &[("CORRIDOR_SYNC_INTERVAL", "3600")]).await;
    let d = driver.session().await;
    create_store(&d).await;
    click(&d, "nav-settings").await;
    submit_sign_in(&d, user, corridor_e2e::devices::PASSWORD).await;
    wait_attr(
        &d,
        "[data-testid='sync-status']",
        "data-state",
        "online",
        20,
    )
    .await;
    (driver, d)
}

pub async fn submit_sign_in(d: &WebDriver, user: &str, password: &str) {
    type_into(d, "sign-in-user", user).await;
    type_into(d, "sign-in-password", password).await;
    click(d, "sign-in-submit").await;
}

/// The titles of the listed cases.
pub async fn case_titles(d: &WebDriver) -> Vec<String> {
    let mut out = Vec::new();
    // A row redrawn between finding and reading is skipped: callers poll or read a settled
    // table.
    for el in d.find_all(tid("case-title")).await.expect("find titles") {
        if let Ok(text) = el.text().await {
            out.push(text);
        }
    }
    out
}

/// Saves a screenshot as `target/screenshots/<name>.png`.
pub async fn screenshot(d: &WebDriver, name: &str) {
    let dir = corridor_e2e::workspace_root().join("target/screenshots");
    std::fs::create_dir_all(&dir).expect("screenshots dir");
    // The state was checked by the caller; this pause only lets WebKit paint the last frame
    // before the picture (its screenshots can lag one frame behind the DOM).
    d.execute("window.scrollTo(0, 0)", Vec::new())
        .await
        .expect("scroll to the top");
    tokio::time::sleep(Duration::from_millis(500)).await;
    capture(d, &dir.join(format!("{name}.png"))).await;
}

/// Takes the picture of the app's page from the X display (ImageMagick's `import`), cropped
/// to the page's size. Not WebKit's own snapshot (WebDriver's screenshot): with the app's
/// rendering setting (no DMA-BUF renderer, see `src-tauri/src/main.rs`) WebKitGTK 2.50 fails to
/// take it, and the test should see the app as it runs for its users.
async fn capture(d: &WebDriver, path: &std::path::Path) {
    // The pointer to a corner, so that no native tooltip of an earlier step is in the picture.
    d.action_chain()
        .move_to(1, 1)
        .perform()
        .await
        .expect("move the pointer away");
    // WebDriver's pointer is synthetic: GTK leaves a tooltip shown where the display's own
    // pointer is until that one moves. Move it too, off the window (the screen's far corner,
    // where it hovers no scroll bar either; xdotool, installed by `cargo xtask setup`).
    let screen = d
        .execute("return [screen.width, screen.height];", Vec::new())
        .await
        .expect("screen size")
        .convert::<Vec<u32>>()
        .expect("two numbers");
    let moved = std::process::Command::new("xdotool")
        .arg("mousemove")
        .args(screen.iter().map(|n| n.saturating_sub(1).to_string()))
        .status()
        .expect("xdotool (installed by `cargo xtask setup`)");
    assert!(moved.success(), "xdotool: {moved}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let size = d
        .execute(
            "return [window.innerWidth, window.innerHeight];",
            Vec::new(),
        )
        .await
        .expect("page size")
        .convert::<Vec<u32>>()
        .expect("two numbers");
    let status = std::process::Command::new("import")
        .args(["-window", "root", "-crop"])
        .arg(format!("{}x{}+0+0", size[0], size[1]))
        .arg("+repage")
        .arg(path)
        .status()
        .expect("ImageMagick's import (installed by `cargo xtask setup`)");
    assert!(status.success(), "import: {status}");
}

/// Saves a screenshot as `target/screenshots/<name>.png` with the element of test id `id`
/// scrolled to the middle of the window (for what lies below the fold).
pub async fn screenshot_around(d: &WebDriver, name: &str, id: &str) {
    let el = wait(d, id).await;
    d.execute(
        "arguments[0].scrollIntoView({ block: 'center' })",
        vec![el.to_json().expect("element")],
    )
    .await
    .expect("scroll into view");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let dir = corridor_e2e::workspace_root().join("target/screenshots");
    std::fs::create_dir_all(&dir).expect("screenshots dir");
    capture(d, &dir.join(format!("{name}.png"))).await;
}

/// Runs axe-core (installed by `cargo xtask setup` under `target/npm`) on the current screen
/// against WCAG 2 A and AA, and fails on any serious or critical violation, naming each.
/// Moderate and minor findings are printed.
pub async fn axe_check(d: &WebDriver, screen: &str) {
    let path = corridor_e2e::workspace_root().join("target/npm/node_modules/axe-core/axe.min.js");
    let source = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run `cargo xtask setup`)", path.display()));
    d.execute(&source, Vec::new())
        .await
        .expect("inject axe-core");
    let ret = d
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] } })\
               .then(r => done(JSON.stringify(r.violations.map(v => ({\
                 id: v.id, impact: v.impact, help: v.help,\
                 nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')) })))))\
               .catch(e => done(JSON.stringify([{ id: 'axe-error', impact: 'critical', help: String(e), nodes: [] }])));",
            Vec::new(),
        )
        .await
        .expect("run axe-core");
    let text: String = ret.convert().expect("axe result");
    let violations: Vec<serde_json::Value> = serde_json::from_str(&text).expect("axe json");
    let (blocking, other): (Vec<_>, Vec<_>) = violations
        .iter()
        .partition(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")));
    for v in &other {
        eprintln!(
            "axe ({screen}), {}: {} — {}",
            v["impact"], v["id"], v["help"]
        );
    }
    assert!(
        blocking.is_empty(),
        "serious or critical accessibility violations on {screen}: {blocking:#?}"
    );
}

/// Answers the system's save dialog (GTK's file chooser, a window of its own that WebDriver
/// cannot reach) as a user would, through the X display with `xdotool` (installed by
/// `cargo xtask setup`): waits for the window titled exactly `title`, takes a picture of the
/// screen as `target/screenshots/<shot>.png`, then either types `answer` (a full path) into its
/// name field and presses Enter, or presses Escape to cancel when `answer` is `None`; returns
/// once the dialog has closed.
///
/// xdotool matches the title against the window's `WM_NAME`, which GTK fills only in a UTF-8
/// locale for a non-Latin title (the app runs with `LC_ALL=C.UTF-8`, see
/// [`Driver::start_with`]).
pub async fn answer_save_dialog(title: &str, shot: &str, answer: Option<&Path>) {
    let pattern = format!("^{}$", regex_escape(title));
    let search = pattern.clone();
    let window = tokio::task::spawn_blocking(move || {
        // `timeout`: `search --sync` would wait forever for a dialog that never opens.
        let out = Command::new("timeout")
            .args([
                "20",
                "xdotool",
                "search",
                "--sync",
                "--onlyvisible",
                "--name",
            ])
            .arg(&search)
            .output()
            .expect("run timeout (coreutils)");
        match out.status.code() {
            Some(0) => {}
            Some(124) => panic!("no save dialog titled {search:?} opened within 20 s"),
            _ => panic!(
                "xdotool (installed by `cargo xtask setup`): {}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ),
        }
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .last()
            .expect("a window id")
            .to_owned()
    })
    .await
    .expect("xdotool search");
    let xdo = |args: &[&str]| {
        let status = Command::new("timeout")
            .args(["10", "xdotool"])
            .args(args)
            .status()
            .expect("xdotool");
        assert!(status.success(), "xdotool {args:?}: {status}");
    };
    // Mapped is not yet drawn: GTK paints the dialog's first frame just after (a picture taken
    // at once shows an empty window). The keys below go to the focused window (XTEST, as a
    // keyboard would: GTK ignores synthetic events sent to a window), so the dialog is given
    // the focus first.
    tokio::time::sleep(Duration::from_millis(800)).await;
    xdo(&["windowfocus", "--sync", &window]);
    let dir = corridor_e2e::workspace_root().join("target/screenshots");
    std::fs::create_dir_all(&dir).expect("screenshots dir");
    let status = Command::new("import")
        .args(["-window", "root"])
        .arg(dir.join(format!("{shot}.png")))
        .status()
        .expect("ImageMagick's import");
    assert!(status.success(), "import: {status}");
    match answer {
        Some(path) => {
            let path = path.to_str().expect("a UTF-8 path");
            // The name field has the focus and the offered name selected: replace it by the
            // full path, which GTK's chooser accepts in that field.
            xdo(&["key", "ctrl+a"]);
            xdo(&["type", "--delay", "20", path]);
            xdo(&["key", "Return"]);
        }
        None => xdo(&["key", "Escape"]),
    }
    // Closed: no visible window of that title is left (else the next dialog of the same title
    // could be mistaken for this one).
    let gone = eventually(Duration::from_secs(10), || {
        let pattern = pattern.clone();
        async move {
            let out = Command::new("xdotool")
                .args(["search", "--onlyvisible", "--name", &pattern])
                .output()
                .ok()?;
            String::from_utf8_lossy(&out.stdout)
                .trim()
                .is_empty()
                .then_some(())
        }
    })
    .await;
    assert!(gone.is_some(), "the save dialog {title:?} did not close");
}

/// `text` as a literal in an extended regular expression (xdotool's `--name`).
fn regex_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\^$.|?*+()[]{}".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
