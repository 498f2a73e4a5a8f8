//! Scenario files through the Rust conformance runner: any text gives a
//! verdict (PASS or a FAIL with a reason), never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = pmsg_conformance::run_json(text);
    }
});
