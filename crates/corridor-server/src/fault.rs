//! Crash points for the fault-injection tests: with the `fault-points` feature, the server
//! process aborts — as a kill or a power cut would stop it — the `n`-th time it reaches the
//! point that `CORRIDOR_SERVER_FAULT_POINT` names (`push_before_commit`, or
//! `push_before_commit#2` for the second time). Inert without the variable; compiled out
//! without the feature.
//!
//! Points: `push_before_commit` (a push's transaction written, not committed),
//! `push_after_commit` (committed, not answered), `pull_before_answer` (a page read, not sent).

/// Aborts the process here when this is the configured point and its turn has come.
pub fn point(name: &str) {
    #[cfg(feature = "fault-points")]
    {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::OnceLock;
        static CONFIGURED: OnceLock<Option<(String, usize)>> = OnceLock::new();
        static HITS: AtomicUsize = AtomicUsize::new(0);
        let configured = CONFIGURED.get_or_init(|| {
            let spec = std::env::var("CORRIDOR_SERVER_FAULT_POINT").ok()?;
            let (point, nth) = spec.split_once('#').unwrap_or((spec.as_str(), "1"));
            Some((point.to_owned(), nth.parse().ok()?))
        });
        if let Some((point, nth)) = configured {
            if point == name && HITS.fetch_add(1, Ordering::SeqCst) + 1 == *nth {
                eprintln!("corridor-server: fault point {name} reached, aborting");
                std::process::abort();
            }
        }
    }
    #[cfg(not(feature = "fault-points"))]
    let _ = name;
}
