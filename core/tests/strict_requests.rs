//! Requests read strictly (issue "A C interface an EMR cannot misuse",
//! item 1): a misspelled option is refused with `invalid_argument` naming
//! it, before any rule, and nothing is sent, scheduled, billed or audited.
//! Without this, `"mask_nmae": true` sent the message unmasked and
//! `"confidental": true` sent it to the caregivers.

use pmsg_core::*;
use serde_json::json;

mod common;
use common::{config, t};

/// Maya (15) has her own registered account; her father Marc is connected,
/// so an ordinary message goes to him (R-R2) and a confidential one to her
/// only (R-CF2).
fn clinic() -> Store {
    let store = Store::open_in_memory(&config()).unwrap();
    let d = request::directory(&json!({
        "accounts": [
            {"id": "a-maya", "kind": "patient", "display_name": "Maya", "registered": true},
            {"id": "a-marc", "kind": "caregiver", "display_name": "Marc", "registered": true}],
        "patients": [{"emr_id": "E250", "first_name": "Maya", "last_name": "Roy",
                      "date_of_birth": "2011-04-12", "dependent": false, "account": "a-maya"}],
        "connections": [{"caregiver": "a-marc", "patient": "E250", "active": true}],
        "staff": [{"id": "s-ng", "display_name": "Dr. Ana Ng", "accepts_direct": true}],
        "workgroups": [{"id": "wg", "name": "Nursing", "members": ["s-ng"]}]
    }))
    .unwrap();
    store.upsert_directory(&d).unwrap();
    store
}

/// A send request as a host writes it: JSON text, read strictly.
fn read_send(text: &str) -> Result<SendRequest> {
    strict_json::parse(text, "send request").and_then(|v| request::send_request(&v))
}

const AT: &str = "2026-03-02T09:00:00-05:00";

/// Nothing at all was sent: no conversation, event, billing or audit entry.
fn assert_nothing_sent(store: &Store) {
    let now = t("2026-04-30T09:00:00-04:00");
    assert!(store.due_events(now, None).unwrap().is_empty());
    for by in ["staff:s-ng"] {
        for folder in ["sent", "inbox", "awaiting_response", "closed"] {
            let page = store.folder(by, folder, None, None, now).unwrap();
            assert!(page.entries.is_empty(), "{by} {folder}");
        }
    }
    for by in ["account:a-maya", "account:a-marc"] {
        assert!(store
            .folder(by, "inbox", None, None, now)
            .unwrap()
            .entries
            .is_empty());
    }
    assert!(store.billing_report("2026-03").unwrap().entries.is_empty());
    assert_eq!(store.verify_audit().unwrap().entries, 0);
}

#[test]
fn a_misspelled_confidential_is_refused_and_nothing_reaches_the_caregiver() {
    let store = clinic();
    let text = r#"{"author": "s-ng", "patient": "E250", "from": "direct",
        "subject": "Your visit", "body": "The test you asked about is negative.",
        "billable_fee_code": "K083", "confidental": true}"#;
    let err = read_send(text).unwrap_err();
    assert_eq!(err.code(), "invalid_argument");
    let m = err.to_string();
    assert!(
        m.contains(r#"unknown key "confidental" in send request (known: author, patient, "#),
        "{m}"
    );
    assert_nothing_sent(&store);
    // Spelled right, it reaches Maya alone.
    let out = store
        .send(
            &read_send(&text.replace("confidental", "confidential")).unwrap(),
            t(AT),
        )
        .unwrap();
    assert_eq!(out.delivered_to, ["account:a-maya"]);
}

#[test]
fn a_misspelled_mask_name_is_refused_and_nothing_is_sent_unmasked() {
    let store = clinic();
    let text = r#"{"author": "s-ng", "patient": "E250", "from": "workgroup:wg",
        "subject": "Results", "body": "Please call us.", "mask_nmae": true,
        "unread_notify": {"count": 1, "unit": "days"}}"#;
    let err = read_send(text).unwrap_err();
    assert_eq!(err.code(), "invalid_argument");
    assert!(err.to_string().contains(r#""mask_nmae""#), "{err}");
    assert_nothing_sent(&store);
    let out = store
        .send(
            &read_send(&text.replace("mask_nmae", "mask_name")).unwrap(),
            t(AT),
        )
        .unwrap();
    let view = store
        .view("account:a-marc", &out.conversation_id, t(AT))
        .unwrap();
    assert_eq!(view.messages[0].sender, "Clinic Staff");
}

#[test]
fn a_misspelled_key_in_a_group_send_or_a_nested_object_sends_nothing() {
    let store = clinic();
    for text in [
        r#"{"author": "s-ng", "patients": ["E250"], "from": "direct", "subject": "Flu",
            "body": "Clinic open.", "confidental": true}"#,
        r#"{"author": "s-ng", "patients": ["E250"], "from": "direct", "subject": "Flu",
            "body": "Clinic open.", "response": {"requierd_days": 3}}"#,
    ] {
        let err = strict_json::parse(text, "group send request")
            .and_then(|v| request::group_send_request(&v))
            .unwrap_err();
        assert_eq!(err.code(), "invalid_argument", "{err}");
    }
    assert_nothing_sent(&store);
}

#[test]
fn a_malformed_reply_is_refused_before_access_and_not_audited() {
    // The shape comes before every rule: even a caregiver who may not see
    // the conversation gets invalid_argument, and no refusal is audited.
    let store = clinic();
    let sent = store
        .send(
            &read_send(
                r#"{"author": "s-ng", "patient": "E250", "from": "direct",
                "subject": "Private", "body": "Just for you.", "confidential": true}"#,
            )
            .unwrap(),
            t(AT),
        )
        .unwrap();
    let entries = store.verify_audit().unwrap().entries;
    let reply = json!({"by": "account:a-marc", "conversation": sent.conversation_id,
        "body": "Hi", "atachments": []});
    let err = request::reply_request(&reply).unwrap_err();
    assert_eq!(err.code(), "invalid_argument");
    assert_eq!(store.verify_audit().unwrap().entries, entries);
}
