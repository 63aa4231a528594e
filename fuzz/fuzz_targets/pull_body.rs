//! A pull body and its cursor: any bytes refused or read; a cursor that decodes encodes back to
//! a cursor that decodes to the same.
#![no_main]

use corridor_model::sync::{Cursor, PullRequest};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(req) = serde_json::from_slice::<PullRequest>(data) else {
        return;
    };
    if let Some(cursor) = req.cursor.as_deref().and_then(Cursor::decode) {
        let again = Cursor::decode(&cursor.encode()).expect("an encoded cursor decodes");
        assert_eq!(again, cursor);
    }
});
