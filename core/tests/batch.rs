//! `Batch::send_group` and `Batch::assign` (§16, §17) follow exactly the
//! rules of their `Store` methods, inside the batch's one transaction.

use chrono::{DateTime, Utc};
use pmsg_core::*;
use serde_json::{json, Value};

mod common;
use common::{config, t};

/// Three adult patients with registered accounts, one without an
/// account; `s-ng` and `s-li` in workgroup `wg`, `s-off` takes no direct
/// messages.
fn clinic() -> Store {
    let store = Store::open_in_memory(&config()).unwrap();
    let d = request::directory(&json!({
        "accounts": [
            {"id": "a1", "kind": "patient", "display_name": "A1", "registered": true},
            {"id": "a2", "kind": "patient", "display_name": "A2", "registered": true},
            {"id": "a3", "kind": "patient", "display_name": "A3", "registered": true}],
        "patients": [
            {"emr_id": "E1", "first_name": "P", "last_name": "One", "date_of_birth": "1980-01-31", "account": "a1"},
            {"emr_id": "E2", "first_name": "P", "last_name": "Two", "date_of_birth": "1980-01-31", "account": "a2"},
            {"emr_id": "E3", "first_name": "P", "last_name": "Three", "date_of_birth": "1980-01-31", "account": "a3"},
            {"emr_id": "E4", "first_name": "P", "last_name": "Four", "date_of_birth": "1980-01-31"}],
        "staff": [
            {"id": "s-ng", "display_name": "Ng", "accepts_direct": true},
            {"id": "s-li", "display_name": "Li", "accepts_direct": true},
            {"id": "s-off", "display_name": "Off", "accepts_direct": false}],
        "workgroups": [{"id": "wg", "name": "Nursing", "members": ["s-ng", "s-li"]}]
    }))
    .unwrap();
    store.upsert_directory(&d).unwrap();
    store
}

fn group() -> GroupSendRequest {
    request::group_send_request(&json!({
        "author": "s-ng", "patients": ["E1", "E4", "e2", "E9", "E1", "E3"],
        "from": "workgroup:wg", "subject": "Flu clinic", "body": "Book your shot.",
        "response": {"required_days": 3}, "unread_notify": {"count": 1, "unit": "days"},
        "billable_fee_code": "K083",
        "attachments": [{"name": "flu.pdf", "media_type": "application/pdf", "text": "%PDF"}]
    }))
    .unwrap()
}

/// What a store holds after the calls, without the generated ids: the
/// group's outcome, each conversation as staff see it, every event, the
/// billing and the audit trail.
fn state(store: &Store, out: &GroupSendOutcome, now: DateTime<Utc>) -> Value {
    let convs: Vec<&str> = out
        .entries
        .iter()
        .filter_map(|e| e.conversation_id.as_deref())
        .collect();
    let alias = |id: &str| {
        convs
            .iter()
            .position(|c| *c == id)
            .map_or(json!(id), |i| json!(i))
    };
    let views: Vec<Value> = convs
        .iter()
        .map(|c| {
            let v = store.view("staff:s-ng", c, now).unwrap();
            json!({
                "patient": v.patient_emr_id, "subject": v.subject,
                "awaiting": v.awaiting_response, "due": v.response_due_at,
                "assignments": v.assignments.iter().map(|a| json!([a.by, a.to, a.note, a.at]))
                    .collect::<Vec<_>>(),
                "messages": v.messages.iter().map(|m| json!([m.sender, m.from, m.body,
                    m.recipients, m.sent_at, m.attachments.len()])).collect::<Vec<_>>(),
            })
        })
        .collect();
    let later = t("2026-04-30T09:00:00-04:00");
    let events: Vec<Value> = store
        .due_events(later, None)
        .unwrap()
        .iter()
        .map(|e| json!([e.kind.as_str(), e.to, alias(&e.conversation), e.due_at]))
        .collect();
    let billing: Vec<Value> = store
        .billing_report("2026-03")
        .unwrap()
        .entries
        .iter()
        .map(|e| json!([e.fee_code, e.author, e.patient, alias(&e.conversation)]))
        .collect();
    let audit: Vec<Value> = store
        .audit_tail(1000)
        .unwrap()
        .iter()
        .map(|a| {
            json!([
                a.actor,
                a.action,
                a.conversation.as_deref().map(alias),
                a.at
            ])
        })
        .collect();
    let outcome: Vec<Value> = out
        .entries
        .iter()
        .map(|e| json!([e.emr_id, e.skipped, e.delivered_to, e.attachments.len()]))
        .collect();
    json!({"outcome": outcome, "views": views, "events": events, "billing": billing,
           "audit": audit})
}

#[test]
fn a_batch_group_send_and_assignment_equal_the_store_methods() {
    let now = t("2026-03-02T09:00:00-05:00");
    let later = t("2026-03-02T10:00:00-05:00");
    let by_store = clinic();
    let out = by_store.send_group(&group(), now).unwrap();
    let first = out.entries[0].conversation_id.clone().unwrap();
    let second = out.entries[2].conversation_id.clone().unwrap();
    by_store
        .assign("staff:s-li", &first, "staff:s-li", Some("Call back"), later)
        .unwrap();
    by_store
        .assign("staff:s-ng", &second, "workgroup:wg", None, later)
        .unwrap();

    let in_batch = clinic();
    let batch_out = in_batch
        .batch(|b| {
            let out = b.send_group(&group(), now)?;
            let c = |i: usize| out.entries[i].conversation_id.clone().unwrap();
            b.assign("staff:s-li", &c(0), "staff:s-li", Some("Call back"), later)?;
            b.assign("staff:s-ng", &c(2), "workgroup:wg", None, later)?;
            Ok(out)
        })
        .unwrap();
    let a = state(&by_store, &out, later);
    assert_eq!(a, state(&in_batch, &batch_out, later));
    // The shape the comparison covers: 6 entries, 2 skipped, 1 repeat dropped.
    assert_eq!(a["outcome"].as_array().unwrap().len(), 5);
    assert_eq!(a["views"][0]["assignments"][0][1], "staff:s-li");
    let actions: Vec<&str> = a["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e[1].as_str().unwrap())
        .collect();
    assert_eq!(actions.iter().filter(|a| **a == "send").count(), 3);
    assert_eq!(actions.iter().filter(|a| **a == "assign").count(), 2);
}

#[test]
fn a_batch_checks_as_the_store_methods_and_fails_whole() {
    let now = t("2026-03-02T09:00:00-05:00");
    let store = clinic();
    let out = store.send_group(&group(), now).unwrap();
    let c = out.entries[0].conversation_id.clone().unwrap();
    let mut bad_group = group();
    bad_group.file_to_chart = true;
    let mut unreachable = group();
    unreachable.patients = vec!["E4".into(), "E9".into()];
    type Op = Box<dyn Fn(&Batch) -> Result<()>>;
    let cases: Vec<(&str, Op)> = vec![
        (
            "invalid_options",
            Box::new(move |b: &Batch| b.send_group(&bad_group, now).map(|_| ())),
        ),
        (
            "recipient_not_reachable",
            Box::new(move |b: &Batch| b.send_group(&unreachable, now).map(|_| ())),
        ),
        ("unknown_workgroup", {
            let c = c.clone();
            Box::new(move |b: &Batch| b.assign("staff:s-ng", &c, "workgroup:none", None, now))
        }),
        ("direct_not_accepted", {
            let c = c.clone();
            Box::new(move |b: &Batch| b.assign("staff:s-ng", &c, "staff:s-off", None, now))
        }),
        ("not_authorized", {
            let c = c.clone();
            Box::new(move |b: &Batch| b.assign("account:a1", &c, "staff:s-ng", None, now))
        }),
        ("invalid_argument", {
            let c = c.clone();
            Box::new(move |b: &Batch| b.assign("staff:s-ng", &c, "wg", None, now))
        }),
    ];
    let audited = store.verify_audit().unwrap().entries;
    for (code, op) in cases {
        // The same verdict as the Store method, and nothing of the batch
        // stays: not the group send before it, not a refusal's audit entry.
        let err = store
            .batch(|b| {
                b.send_group(&group(), now)?;
                op(b)
            })
            .unwrap_err();
        assert_eq!(err.code(), code, "{err}");
        assert_eq!(store.verify_audit().unwrap().entries, audited, "{code}");
    }
    let sent = store.folder("staff:s-ng", "sent", None, None, now).unwrap();
    assert_eq!(sent.entries.len(), 3);
}
