//! An enterprise CSV file (`corridor_store::read_enterprise_csv`): any bytes read line by line
//! or refused as a whole; every line it reports is a line of the file.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(lines) = corridor_store::read_enterprise_csv(data) {
        let count = data.split(|b| *b == b'\n').count() + 1;
        for l in &lines {
            assert!(l.line >= 1 && l.line <= count, "line {} of {count}", l.line);
        }
    }
});
