//! The C ABI's string and byte inputs: whatever a C host passes (any bytes,
//! invalid UTF-8 included), each call returns a status and never crashes.
//! The first byte picks the entry point; the rest is its string argument.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pmsg::*;
use std::ffi::{c_char, CString};
use std::ptr;
use std::sync::OnceLock;

const DIRECTORY: &str = r#"{"accounts":[{"id":"a","kind":"patient","display_name":"A","registered":true}],
 "patients":[{"emr_id":"E1","first_name":"A","last_name":"Côté","date_of_birth":"1980-01-01","dependent":false,"account":"a"}],
 "staff":[{"id":"s","display_name":"S","accepts_direct":true}],
 "workgroups":[{"id":"w","name":"W","members":["s"]}]}"#;
const NOW: i64 = 1_772_460_000_000;

fn cstr(bytes: &[u8]) -> CString {
    let cut: Vec<u8> = bytes.iter().copied().take_while(|b| *b != 0).collect();
    CString::new(cut).unwrap_or_default()
}

/// One store for every run (opening one per run would dominate the time).
/// The handle is thread-safe by contract (R-ST2).
struct Shared(*mut PmsgStore);
unsafe impl Send for Shared {}
unsafe impl Sync for Shared {}

fn store() -> *mut PmsgStore {
    static STORE: OnceLock<Shared> = OnceLock::new();
    STORE
        .get_or_init(|| {
            let mut store = ptr::null_mut();
            assert_eq!(pmsg_open_in_memory(ptr::null(), &mut store) as i32, 0);
            let dir = CString::new(DIRECTORY).unwrap();
            assert_eq!(pmsg_directory_upsert_json(store, dir.as_ptr()) as i32, 0);
            Shared(store)
        })
        .0
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let arg = cstr(rest);
    let a = arg.as_ptr();
    if selector % 10 == 9 {
        let mut store = ptr::null_mut();
        if selector < 128 {
            // Configuration text at open.
            let _ = pmsg_open_in_memory(a, &mut store);
        } else {
            // An encryption key (a build without encryption refuses it
            // before touching the path, which does not exist anyway).
            let path = CString::new("/nonexistent/pmsg-fuzz/never.db").unwrap();
            let _ = pmsg_open_encrypted(path.as_ptr(), a, ptr::null(), &mut store);
        }
        pmsg_close(store);
        return;
    }
    let store = store();
    let staff = CString::new("staff:s").unwrap();
    let mut out: *mut c_char = ptr::null_mut();
    match selector % 10 {
        0 => {
            let _ = pmsg_search_json(store, a, NOW, &mut out);
        }
        1 => {
            let mut outcome = ptr::null_mut();
            let _ = pmsg_send_json(store, a, NOW, &mut outcome);
            pmsg_outcome_free(outcome);
        }
        2 => {
            let mut outcome = ptr::null_mut();
            let _ = pmsg_reply_json(store, a, NOW, &mut outcome);
            pmsg_outcome_free(outcome);
        }
        3 => {
            let _ = pmsg_directory_upsert_json(store, a);
        }
        4 => {
            let inbox = CString::new("inbox").unwrap();
            let _ = pmsg_folder_json(store, staff.as_ptr(), inbox.as_ptr(), a, 0, NOW, &mut out);
        }
        5 => {
            let _ = pmsg_folder_json(store, a, a, ptr::null(), 0, NOW, &mut out);
        }
        6 => {
            let _ = pmsg_billing_report_json(store, a, &mut out);
        }
        7 => {
            let _ = pmsg_export_chart(store, staff.as_ptr(), a, a, NOW, &mut out);
        }
        _ => {
            let _ = pmsg_view_json(store, a, a, NOW, &mut out);
        }
    }
    pmsg_string_free(out);
});
