//! Installs what the build and the tests need, skipping whatever is already there at the right
//! version: Debian/Ubuntu packages (with sudo when not root), the wasm32 target, and the cargo
//! tools (trunk, wasm-bindgen-cli at the Cargo.lock version, tauri-driver), axe-core from the
//! npm registry and schemathesis from PyPI (in a virtual environment under `target/`). Nothing
//! is downloaded outside the package registries: every Rust tool is built by `cargo install`.

use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::util::{as_root, cargo_bin, root, run};

/// Debian packages: Tauri's build deps, SQLCipher's OpenSSL, headless display, WebDriver,
/// Secret Service for keyring tests, fonts for the interface.
const APT_PACKAGES: &[&str] = &[
    "build-essential",
    "pkg-config",
    "libssl-dev",
    "libwebkit2gtk-4.1-dev",
    "libsoup-3.0-dev",
    "libjavascriptcoregtk-4.1-dev",
    "libayatana-appindicator3-dev",
    "librsvg2-dev",
    "xvfb",
    "xauth",
    "dbus-x11",
    "imagemagick",
    "webkit2gtk-driver",
    "gnome-keyring",
    "fonts-noto-core",
    "python3-venv",
    // Drives the system's save dialog (GTK) in the desktop tests.
    "xdotool",
];

const TRUNK: &str = "0.21.14";
/// axe-core, injected by the desktop tests to check accessibility (from the npm registry).
pub(crate) const AXE_CORE: &str = "4.14.1";
const TAURI_DRIVER: &str = "2.1.0";
/// schemathesis, the API fuzzer run against the server's OpenAPI description (from PyPI).
const SCHEMATHESIS: &str = "4.32.5";

/// Installs everything that is missing.
pub(crate) fn ensure_tools() -> Result<()> {
    ensure_apt()?;
    ensure_wasm_target()?;
    let wasm_bindgen = lock_version("wasm-bindgen")?;
    check_trunk_config(&wasm_bindgen)?;
    ensure_cargo_tool("trunk", "trunk", TRUNK, true)?;
    ensure_cargo_tool("wasm-bindgen-cli", "wasm-bindgen", &wasm_bindgen, false)?;
    ensure_cargo_tool("tauri-driver", "tauri-driver", TAURI_DRIVER, true)?;
    ensure_axe()?;
    ensure_schemathesis()?;
    Ok(())
}

/// schemathesis in `target/venv` (its `st` read by the API test), at the pinned version.
fn ensure_schemathesis() -> Result<()> {
    let venv = root().join("target/venv");
    let st = venv.join("bin/st");
    let version = Command::new(&st).arg("--version").output();
    if version.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(SCHEMATHESIS)) {
        println!("==> schemathesis {SCHEMATHESIS}: present");
        return Ok(());
    }
    run(
        "python3 -m venv",
        Command::new("python3").args(["-m", "venv"]).arg(&venv),
    )?;
    run(
        &format!("pip install schemathesis=={SCHEMATHESIS}"),
        Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check"])
            .arg(format!("schemathesis=={SCHEMATHESIS}")),
    )
}

/// axe-core under `target/npm` (read by the desktop tests), at the pinned version.
fn ensure_axe() -> Result<()> {
    let prefix = root().join("target/npm");
    let manifest = prefix.join("node_modules/axe-core/package.json");
    let pinned = format!("\"version\": \"{AXE_CORE}\"");
    if std::fs::read_to_string(&manifest).is_ok_and(|t| t.contains(&pinned)) {
        return Ok(());
    }
    std::fs::create_dir_all(&prefix)?;
    run(
        &format!("npm install axe-core@{AXE_CORE}"),
        Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(&prefix)
            .arg(format!("axe-core@{AXE_CORE}")),
    )
}

fn ensure_apt() -> Result<()> {
    if Command::new("dpkg-query")
        .arg("--version")
        .output()
        .is_err()
    {
        println!(
            "==> not a Debian-family system: install the equivalents of {APT_PACKAGES:?} yourself"
        );
        return Ok(());
    }
    let missing: Vec<&str> = APT_PACKAGES
        .iter()
        .copied()
        .filter(|p| {
            !Command::new("dpkg-query")
                .args(["-W", "-f=${Status}", p])
                .output()
                .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        })
        .collect();
    if missing.is_empty() {
        println!("==> apt packages: all present");
        return Ok(());
    }
    println!("==> apt packages missing: {missing:?}");
    run("apt-get update", as_root("apt-get").args(["update", "-q"]))?;
    run(
        "apt-get install",
        as_root("apt-get")
            .args(["install", "-y", "-q", "--no-install-recommends"])
            .args(&missing)
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
}

fn ensure_wasm_target() -> Result<()> {
    let out = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .current_dir(root())
        .output()
        .context("rustup is required")?;
    if String::from_utf8_lossy(&out.stdout)
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        return Ok(());
    }
    run(
        "rustup target add",
        Command::new("rustup")
            .args(["target", "add", "wasm32-unknown-unknown"])
            .current_dir(root()),
    )
}

/// Version of a package in Cargo.lock.
pub(crate) fn lock_version(package: &str) -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).context("reading Cargo.lock")?;
    let needle = format!("name = \"{package}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == needle {
            if let Some(v) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = "))
            {
                return Ok(v.trim_matches('"').to_owned());
            }
        }
    }
    bail!("{package} is not in Cargo.lock")
}

fn check_trunk_config(wasm_bindgen: &str) -> Result<()> {
    let trunk = std::fs::read_to_string(root().join("ui/Trunk.toml"))?;
    let expected = format!("wasm_bindgen = \"{wasm_bindgen}\"");
    if !trunk.contains(&expected) {
        bail!("ui/Trunk.toml must say {expected} (the wasm-bindgen of Cargo.lock)");
    }
    Ok(())
}

fn installed_version(crate_name: &str) -> Option<String> {
    let out = Command::new(cargo_bin())
        .args(["install", "--list"])
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout).lines().find_map(|l| {
        let rest = l.strip_prefix(crate_name)?.strip_prefix(" v")?;
        Some(rest.trim_end_matches(':').to_owned())
    })
}

fn ensure_cargo_tool(crate_name: &str, bin: &str, version: &str, locked: bool) -> Result<()> {
    let on_path = Command::new(bin).arg("--version").output().is_ok();
    if on_path && installed_version(crate_name).as_deref() == Some(version) {
        println!("==> {crate_name} {version}: present");
        return Ok(());
    }
    let mut cmd = Command::new(cargo_bin());
    cmd.args(["install", crate_name, "--version", version]);
    if locked {
        cmd.arg("--locked");
    }
    run(&format!("cargo install {crate_name} {version}"), &mut cmd)
}
