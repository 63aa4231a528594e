//! Helpers shared by Corridor's tests (a dev-dependency only).
//!
//! "Bad input changes nothing" is checked the same way everywhere: take a [`snapshot`] of every
//! file of a data directory, run the refused command, and [`assert_unchanged`] names any file
//! that was added, removed or changed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Every file below `dir` (recursively) with its bytes.
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let bytes = std::fs::read(&p).expect("read file");
                out.insert(p, bytes);
            }
        }
    }
    out
}

/// Asserts that no file was added, removed or changed between two snapshots, naming the ones
/// that were.
pub fn assert_unchanged(before: &BTreeMap<PathBuf, Vec<u8>>, after: &BTreeMap<PathBuf, Vec<u8>>) {
    let changed: Vec<_> = before
        .keys()
        .chain(after.keys())
        .filter(|k| before.get(*k) != after.get(*k))
        .collect();
    assert!(changed.is_empty(), "files changed: {changed:?}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[should_panic(expected = "files changed")]
    fn a_changed_file_is_named() {
        let dir = std::env::temp_dir().join(format!("corridor-testkit-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).expect("dir");
        std::fs::write(dir.join("sub/a"), b"1").expect("write");
        let before = snapshot(&dir);
        std::fs::write(dir.join("sub/a"), b"2").expect("write");
        let after = snapshot(&dir);
        std::fs::remove_dir_all(&dir).expect("clean");
        assert_unchanged(&before, &after);
    }
}
