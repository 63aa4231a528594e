//! Crash points for the device's fault-injection tests: with the `fault-points` feature, when
//! `CORRIDOR_FAULT_POINT` names a point the process aborts right there, as a kill or a power cut
//! would stop it. Inert without the variable; compiled out without the feature. The sync client
//! (`corridor-sync`) has its points between the steps of a sync; the store's are inside its
//! write transactions, after everything is written and before the commit:
//!
//! | point                        | transaction                                          |
//! |------------------------------|------------------------------------------------------|
//! | `local_change_before_commit` | a change made on this device, queued in the outbox   |
//! | `push_answer_before_commit`  | the server's answer to a push, the outbox emptied    |
//! | `page_before_commit`         | a pulled page applied                                |
//! | `download_before_commit`     | a downloaded content recorded, its file in place     |

/// Aborts the process here when `CORRIDOR_FAULT_POINT` names this point.
pub fn point(name: &str) {
    #[cfg(feature = "fault-points")]
    if std::env::var("CORRIDOR_FAULT_POINT").is_ok_and(|p| p == name) {
        eprintln!("corridor: fault point {name} reached, aborting");
        std::process::abort();
    }
    #[cfg(not(feature = "fault-points"))]
    let _ = name;
}
