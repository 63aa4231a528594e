//! Corridor desktop application entry point.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // WebKitGTK hands each frame from its web process to the window as a DMA-BUF by default,
    // through the GPU driver: under software rendering (no GPU, a remote session) that costs
    // tens of milliseconds per frame and about 80 MB in the web process, for a table-and-forms
    // interface that gains nothing from it (and some GPU drivers show a blank window). Off
    // unless the environment says otherwise (`WEBKIT_DISABLE_DMABUF_RENDERER=0` turns it back
    // on). (Turning compositing off instead saves the same but breaks WebKit's snapshots.)
    #[cfg(target_os = "linux")]
    if std::env::var_os("WEBKIT_DISABLE_DMABUF_RENDERER").is_none() {
        #[allow(
            clippy::disallowed_methods,
            reason = "first statement of main: no other thread exists yet, and WebKit reads \
                      its setting only from the environment"
        )]
        std::env::set_var("WEBKIT_DISABLE_DMABUF_RENDERER", "1");
    }
    corridor_desktop::run();
}
