//! Any batch input, CSV or JSON Lines: rows or errors, never a panic.
#![no_main]

use keyctl::batch::rows::{read_rows, InputFormat, Rules};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for format in [InputFormat::Csv, InputFormat::Jsonl] {
        if let Ok(rows) = read_rows(data, format, Rules { now: 1_795_000_000, products: None, find_repeats: true }) {
            for row in rows.take(1000) {
                let _ = row;
            }
        }
    }
});
