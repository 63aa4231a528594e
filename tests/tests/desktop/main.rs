//! The real desktop application driven through tauri-driver and WebKitWebDriver.
//!
//! Needs the built app (`target/debug/corridor-desktop`, with the UI embedded), `tauri-driver`
//! on PATH, `WebKitWebDriver` and a display: `cargo xtask test` provides all of them and runs
//! these tests under Xvfb. Each test starts its own tauri-driver on free ports, its own corridor
//! server on SQLite, and uses a fresh data directory.

mod desk;
mod enterprises;
mod files;
mod first_run;
mod notices;
mod refusals;
mod search;
mod support;
