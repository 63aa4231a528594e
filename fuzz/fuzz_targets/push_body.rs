//! A push body as the server reads it (`corridor_server::sync_http::decode_push`): any bytes
//! either refused with a `{code, message}` error or read into mutations — each one the server
//! can read survives its own wire form unchanged and the engine can name its needs; one it
//! cannot read is kept as `Op::Unreadable` (never sent nor stored) with a bounded name and
//! reason.
#![no_main]

use corridor_model::mutation::{Mutation, Op};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // What the server's JSON extractor hands over: an object, its values as their text.
    let Ok(body) = serde_json::from_slice::<corridor_server::sync_http::PushBody>(data) else {
        return;
    };
    let now = chrono::DateTime::from_timestamp(1_780_000_000, 0).expect("instant");
    match corridor_server::sync_http::decode_push(body, "fuzz", now) {
        Ok(req) => {
            for m in &req.mutations {
                if let Op::Unreadable { name, reason } = &m.op {
                    assert!(name.chars().count() <= 60 && reason.chars().count() <= 300);
                    continue;
                }
                let wire = serde_json::to_string(m).expect("a mutation serialises");
                let back: Mutation = serde_json::from_str(&wire).expect("and reads back");
                assert_eq!(&back, m);
                let _ = corridor_model::engine::needs(&m.op);
            }
        }
        Err(e) => assert!(!e.code.is_empty() && !e.message.is_empty()),
    }
});
