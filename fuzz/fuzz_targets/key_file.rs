//! A store's key file, damaged or crafted (`corridor_store::keys::protection`): any bytes are
//! refused as a corrupt key file or read as one this program writes — never a panic, never a
//! key derivation asked for.
#![no_main]

use corridor_store::keys::{protection, KEY_FILE};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join(KEY_FILE), data).expect("write");
    match protection(dir.path()) {
        Ok(Some(_)) => {}
        Ok(None) => panic!("a key file is there"),
        Err(e) => assert_eq!(e.code(), "corrupt_key_file", "{e}"),
    }
});
