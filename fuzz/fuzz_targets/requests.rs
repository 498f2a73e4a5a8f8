//! JSON requests as the core reads them (scenario files, the CLI, C hosts):
//! any JSON value reads into a request or a clear error, and sending it
//! returns a result, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pmsg_core::{deadline, request, Config, Store};
use std::sync::OnceLock;

const DIRECTORY: &str = r#"{"accounts":[{"id":"a","kind":"patient","display_name":"A","registered":true}],
 "patients":[{"emr_id":"E1","first_name":"A","last_name":"Côté","date_of_birth":"1980-01-01","dependent":false,"account":"a"}],
 "staff":[{"id":"s","display_name":"S","accepts_direct":true}],
 "workgroups":[{"id":"w","name":"W","members":["s"]}]}"#;

fn store() -> &'static Store {
    static STORE: OnceLock<Store> = OnceLock::new();
    STORE.get_or_init(|| {
        let s = Store::open_in_memory(&Config::default()).unwrap();
        let d = request::directory(&serde_json::from_str(DIRECTORY).unwrap()).unwrap();
        s.upsert_directory(&d).unwrap();
        s
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else { return };
    let now = deadline::parse_instant("2026-03-02T09:00:00-05:00").unwrap();
    let _ = Config::from_json(&value).map(|c| Store::open_in_memory(&c).is_ok());
    if let Ok(d) = request::directory(&value) {
        let _ = Store::open_in_memory(&Config::default()).map(|s| s.upsert_directory(&d));
    }
    if let Ok(send) = request::send_request(&value) {
        let _ = store().send(&send, now);
    }
    if let Ok(group) = request::group_send_request(&value) {
        let _ = store().send_group(&group, now);
    }
    if let Ok(reply) = request::reply_request(&value) {
        let _ = store().reply(&reply, now);
    }
    if let Some(q) = value.get("query").and_then(|q| q.as_str()) {
        let _ = store().search(q, now);
    }
});
