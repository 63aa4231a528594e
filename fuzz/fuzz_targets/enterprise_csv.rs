//! An enterprise CSV file (`corridor_store::read_enterprise_csv`): any bytes read line by line
//! or refused as a whole; every line it reports is a line of the file.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(lines) = corridor_store::read_enterprise_csv(data) {
        // Lines as a CSV reader and an editor count them: ended by LF, CRLF or a lone CR.
        let lone_cr = data
            .windows(2)
            .filter(|w| w[0] == b'\r' && w[1] != b'\n')
            .count()
            + usize::from(data.last() == Some(&b'\r'));
        let count = data.iter().filter(|b| **b == b'\n').count() + lone_cr + 2;
        for l in &lines {
            assert!(l.line >= 1 && l.line <= count, "line {} of {count}", l.line);
        }
    }
});
