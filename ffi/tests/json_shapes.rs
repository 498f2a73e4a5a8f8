//! The JSON results of the C ABI keep the shapes that `include/pmsg.h`
//! documents. They are written from the core records' `Serialize` derives,
//! so a renamed or removed core field would silently change the C ABI:
//! this test pins every key set, through the exported functions.

use pmsg::*;
use serde_json::Value;
use std::ffi::{c_char, CStr, CString};
use std::ptr;

const T0: i64 = 1_773_151_200_000; // 2026-03-10T14:00:00Z
const DAY: i64 = 86_400_000;

fn c(s: &str) -> CString {
    CString::new(s).unwrap()
}

fn ok(status: PmsgStatus) {
    if status != PmsgStatus::PMSG_OK {
        // SAFETY: static / thread-local NUL-terminated strings.
        let (name, message) = unsafe {
            (
                CStr::from_ptr(pmsg_status_name(status as i32)),
                CStr::from_ptr(pmsg_last_error_message()),
            )
        };
        panic!("{name:?}: {message:?}");
    }
}

/// Takes a `char *` result: parses it and frees it.
fn json(call: impl FnOnce(*mut *mut c_char) -> PmsgStatus) -> Value {
    let mut out: *mut c_char = ptr::null_mut();
    ok(call(&mut out));
    // SAFETY: on success `out` is a NUL-terminated string from pmsg.
    let text = unsafe { CStr::from_ptr(out) }.to_str().unwrap().to_owned();
    pmsg_string_free(out);
    serde_json::from_str(&text).unwrap()
}

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    k.sort_unstable();
    k
}

fn assert_keys(v: &Value, expected: &[&str]) {
    let mut expected = expected.to_vec();
    expected.sort_unstable();
    assert_eq!(keys(v), expected, "in {v}");
}

#[test]
fn every_json_result_has_its_documented_keys() {
    let mut store: *mut PmsgStore = ptr::null_mut();
    ok(pmsg_open_in_memory(
        c(r#"{"time_zone": "America/Toronto"}"#).as_ptr(),
        &mut store,
    ));
    ok(pmsg_directory_upsert_json(
        store,
        c(r#"{"accounts": [{"id": "a-lea", "kind": "patient", "display_name": "Lea Roy", "registered": true}],
              "patients": [{"emr_id": "E100", "first_name": "Lea", "last_name": "Roy",
                            "date_of_birth": "1980-01-31", "account": "a-lea"}],
              "staff": [{"id": "s-dr", "display_name": "Dr Stone", "accepts_direct": true}],
              "workgroups": [{"id": "w-front", "name": "Front desk", "members": ["s-dr"]}]}"#)
        .as_ptr(),
    ));

    let mut outcome: *mut PmsgOutcome = ptr::null_mut();
    ok(pmsg_send_json(
        store,
        c(
            r#"{"author": "s-dr", "patient": "E100", "from": "workgroup:w-front",
              "subject": "Results", "body": "Your results are in.",
              "attachments": [{"name": "r.txt", "media_type": "text/plain", "text": "ok"}],
              "response": {"required_days": 3}, "billable_fee_code": "A1"}"#,
        )
        .as_ptr(),
        T0,
        &mut outcome,
    ));
    let (mut conv, mut att) = (ptr::null(), ptr::null());
    ok(pmsg_outcome_conversation_id(outcome, &mut conv));
    ok(pmsg_outcome_attachment_id(outcome, 0, &mut att));
    // SAFETY: borrowed from the outcome, copied before it is freed.
    let (conv, att) = unsafe {
        (
            CStr::from_ptr(conv).to_owned(),
            CStr::from_ptr(att).to_owned(),
        )
    };
    pmsg_outcome_free(outcome);
    let (lea, dr) = (c("account:a-lea"), c("staff:s-dr"));

    let view = json(|out| pmsg_view_json(store, lea.as_ptr(), conv.as_ptr(), T0 + 1, out));
    assert_keys(
        &view,
        &[
            "id",
            "subject",
            "status",
            "patient_emr_id",
            "patient_name",
            "awaiting_response",
            "overdue",
            "response_due_at",
            "confidential",
            "messages",
            "assignments",
        ],
    );
    let message = &view["messages"][0];
    assert_keys(
        message,
        &[
            "id",
            "side",
            "sender",
            "from",
            "body",
            "sent_at",
            "read",
            "masked",
            "recipients",
            "attachments",
        ],
    );
    assert_keys(
        &message["attachments"][0],
        &["id", "name", "media_type", "size", "purged", "purged_at"],
    );

    // R-D7: a claim returns the events with `claimed_until`...
    let worker = c("worker-1");
    let claimed =
        json(|out| pmsg_claim_due_events_json(store, worker.as_ptr(), T0 + 4 * DAY, -1, 60, out));
    assert_eq!(claimed.as_array().unwrap().len(), 2, "{claimed}");
    for e in claimed.as_array().unwrap() {
        assert_keys(
            e,
            &[
                "id",
                "kind",
                "to",
                "conversation",
                "message",
                "due_at",
                "notice",
                "claimed_until",
            ],
        );
    }
    // ...and the peek shows the same (claimed) events without claim fields.
    let events = json(|out| pmsg_due_events_json(store, T0 + 4 * DAY, -1, out));
    assert_eq!(
        events.as_array().unwrap().len(),
        2,
        "new_message and response_overdue: {events}"
    );
    for e in events.as_array().unwrap() {
        assert_keys(
            e,
            &[
                "id",
                "kind",
                "to",
                "conversation",
                "message",
                "due_at",
                "notice",
            ],
        );
    }

    let page = json(|out| {
        pmsg_folder_json(
            store,
            dr.as_ptr(),
            c("sent").as_ptr(),
            ptr::null(),
            0,
            T0,
            out,
        )
    });
    assert_keys(&page, &["entries", "next_cursor"]);
    assert_keys(
        &page["entries"][0],
        &[
            "conversation",
            "subject",
            "last_activity",
            "unread",
            "awaiting_response",
            "overdue",
            "response_due_at",
            "status",
            "patient_emr_id",
            "patient_name",
        ],
    );

    let found = json(|out| pmsg_search_json(store, c("roy").as_ptr(), T0, out));
    assert_keys(
        &found[0],
        &[
            "emr_id",
            "first_name",
            "last_name",
            "date_of_birth",
            "deliver_to",
            "unreachable_reason",
            "confidential_deliver_to",
        ],
    );

    let mut bytes: *mut u8 = ptr::null_mut();
    let mut len = 0usize;
    ok(pmsg_download(
        store,
        lea.as_ptr(),
        conv.as_ptr(),
        att.as_ptr(),
        T0,
        &mut bytes,
        &mut len,
    ));
    pmsg_bytes_free(bytes, len);
    let purged = json(|out| pmsg_purge_json(store, T0 + 30 * DAY, out));
    assert_keys(
        &purged[0],
        &["conversation", "message", "attachment", "name"],
    );

    let report = json(|out| pmsg_billing_report_json(store, c("2026-03").as_ptr(), out));
    assert_keys(&report, &["cycle", "entries", "totals"]);
    assert_keys(
        &report["entries"][0],
        &[
            "fee_code",
            "author",
            "patient",
            "conversation",
            "message",
            "sent_at",
        ],
    );
    assert_keys(&report["totals"][0], &["author", "fee_code", "count"]);

    let tail = json(|out| pmsg_audit_tail_json(store, 1, out));
    assert_keys(
        &tail[0],
        &[
            "seq",
            "at",
            "actor",
            "action",
            "conversation",
            "message",
            "hash",
        ],
    );
    // SPEC section 17: an assignment shows in staff views and as an event.
    ok(pmsg_assign(
        store,
        dr.as_ptr(),
        conv.as_ptr(),
        c("workgroup:w-front").as_ptr(),
        c("Please call").as_ptr(),
        T0 + 31 * DAY,
    ));
    let view = json(|out| pmsg_view_json(store, dr.as_ptr(), conv.as_ptr(), T0 + 31 * DAY, out));
    assert_keys(&view["assignments"][0], &["by", "to", "note", "at"]);
    let events = json(|out| pmsg_due_events_json(store, T0 + 31 * DAY, -1, out));
    let assigned = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "assigned")
        .expect("an assigned event");
    assert_eq!(assigned["message"], Value::Null, "{assigned}");
    assert!(assigned.get("claimed_until").is_none(), "{assigned}");

    // SPEC section 16: a group send's outcome and report; every key always
    // present, null where none.
    let group = json(|out| {
        pmsg_send_group_json(
            store,
            c(
                r#"{"author": "s-dr", "patients": ["E100", "E999"], "from": "direct",
                  "subject": "Flu clinic", "body": "Saturday."}"#,
            )
            .as_ptr(),
            T0 + 32 * DAY,
            out,
        )
    });
    assert_keys(&group, &["group_id", "entries"]);
    let entry_keys = [
        "emr_id",
        "conversation_id",
        "message_id",
        "delivered_to",
        "status",
        "attachments",
        "skipped",
    ];
    assert_keys(&group["entries"][0], &entry_keys);
    assert_keys(&group["entries"][1], &entry_keys);
    assert_eq!(group["entries"][1]["conversation_id"], Value::Null);
    assert_eq!(group["entries"][1]["skipped"], "unknown_patient");
    let group_id = c(group["group_id"].as_str().unwrap());
    let report = json(|out| {
        pmsg_group_report_json(store, dr.as_ptr(), group_id.as_ptr(), T0 + 32 * DAY, out)
    });
    assert_keys(&report, &["group_id", "entries"]);
    let report_keys = [
        "emr_id",
        "conversation",
        "skipped",
        "read",
        "replied",
        "awaiting_response",
        "overdue",
    ];
    assert_keys(&report["entries"][0], &report_keys);
    assert_keys(&report["entries"][1], &report_keys);

    let verification = json(|out| pmsg_verify_audit_json(store, out));
    assert_keys(&verification, &["ok", "entries", "first_broken", "problem"]);
    assert_eq!(verification["ok"], Value::Bool(true));

    pmsg_close(store);
}
