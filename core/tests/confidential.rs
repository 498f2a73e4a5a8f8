//! Confidential conversations (§18, R-CF1…R-CF5) beyond the scenarios:
//! every caregiver operation refused and audited, a replaced own account,
//! the request readers, and the chart marks.

use pmsg_core::*;
use serde_json::json;

mod common;
use common::{config, t};

fn account(id: &str, kind: AccountKind) -> Account {
    Account {
        id: id.into(),
        kind,
        display_name: id.into(),
        registered: true,
    }
}

/// Maya (a minor) has her own account; her father Marc is connected.
fn clinic() -> Store {
    let store = Store::open_in_memory(&config()).unwrap();
    store
        .upsert_directory(&DirectoryUpdate {
            accounts: vec![
                account("a-maya", AccountKind::Patient),
                account("a-maya2", AccountKind::Patient),
                account("a-marc", AccountKind::Caregiver),
            ],
            patients: vec![maya(Some("a-maya"))],
            connections: vec![Connection {
                caregiver: "a-marc".into(),
                patient: "E250".into(),
                active: true,
            }],
            staff: vec![Staff {
                id: "s-ng".into(),
                display_name: "Dr. Ana Ng".into(),
                accepts_direct: true,
            }],
            workgroups: vec![],
        })
        .unwrap();
    store
}

fn maya(account: Option<&str>) -> Patient {
    Patient {
        emr_id: "E250".into(),
        first_name: "Maya".into(),
        last_name: "Roy".into(),
        date_of_birth: "2011-04-12".into(),
        dependent: false,
        account: account.map(str::to_string),
    }
}

fn send(store: &Store, confidential: bool) -> SendOutcome {
    let req = request::send_request(&json!({
        "author": "s-ng", "patient": "E250", "from": "direct", "subject": "Your visit",
        "body": "Call me.", "confidential": confidential, "response": {"required_days": 2},
        "allow_reply_attachments": true,
        "attachments": [{"name": "plan.pdf", "media_type": "application/pdf", "text": "plan"}],
    }))
    .unwrap();
    store.send(&req, t("2026-03-02T09:00:00-05:00")).unwrap()
}

#[test]
fn every_caregiver_operation_on_a_confidential_conversation_is_refused_and_audited() {
    let store = clinic();
    let c = send(&store, true);
    assert_eq!(c.delivered_to, ["account:a-maya"]);
    let now = t("2026-03-02T10:00:00-05:00");
    let id = &c.conversation_id;
    let by = "account:a-marc";
    let reply = ReplyRequest {
        by: by.into(),
        conversation: id.clone(),
        body: "Hello".into(),
        ..Default::default()
    };
    let results = [
        store.view(by, id, now).map(|_| ()),
        store.read(by, id, now),
        store.reply(&reply, now).map(|_| ()),
        store
            .download(by, id, &c.attachments[0].id, now)
            .map(|_| ()),
        store.close(by, id, now),
        store.export_chart(by, id, "text", now).map(|_| ()),
        store.assign(by, id, "staff:s-ng", None, now),
    ];
    for r in &results {
        assert_eq!(r.as_ref().unwrap_err().code(), "not_authorized");
    }
    let tail = store.audit_tail(results.len() as i64).unwrap();
    assert!(tail
        .iter()
        .all(|e| e.action == "refused" && e.actor == by && e.conversation.as_ref() == Some(id)));
    for folder in ["inbox", "awaiting_response"] {
        let page = store.folder(by, folder, None, None, now).unwrap();
        assert!(page.entries.is_empty(), "{folder}");
    }
    // Maya sees it, in both folders.
    for folder in ["inbox", "awaiting_response"] {
        let page = store
            .folder("account:a-maya", folder, None, None, now)
            .unwrap();
        assert_eq!(page.entries.len(), 1, "{folder}");
    }
}

#[test]
fn a_replaced_own_account_loses_a_confidential_conversation_and_its_events() {
    let store = clinic();
    let secret = send(&store, true);
    let open = send(&store, false);
    assert_eq!(open.delivered_to, ["account:a-marc"]);
    // Maya's own account is replaced; the former one is connected now.
    store
        .upsert_directory(&DirectoryUpdate {
            patients: vec![maya(Some("a-maya2"))],
            connections: vec![Connection {
                caregiver: "a-maya".into(),
                patient: "E250".into(),
                active: true,
            }],
            ..Default::default()
        })
        .unwrap();
    let now = t("2026-03-02T10:00:00-05:00");
    let err = store
        .view("account:a-maya", &secret.conversation_id, now)
        .unwrap_err();
    assert_eq!(err.code(), "not_authorized");
    // Its pending events there are cancelled (new_message, response_overdue).
    let later = t("2026-03-05T10:00:00-05:00");
    let pending: Vec<_> = store
        .due_events(later, None)
        .unwrap()
        .into_iter()
        .filter(|e| e.conversation == secret.conversation_id)
        .collect();
    assert!(pending.is_empty(), "{pending:?}");
    // A staff reply reaches the new own account, which becomes a participant.
    let reply = store
        .reply(
            &ReplyRequest {
                by: "staff:s-ng".into(),
                conversation: secret.conversation_id.clone(),
                body: "Your new account works.".into(),
                ..Default::default()
            },
            now,
        )
        .unwrap();
    assert_eq!(reply.delivered_to, ["account:a-maya2"]);
    let v = store
        .view("account:a-maya2", &secret.conversation_id, now)
        .unwrap();
    assert!(v.confidential);
    assert_eq!(v.messages.len(), 2, "the patient side is one reader");
    // No own account at all: replies cannot be routed (R-CF2), and the
    // message says why.
    store
        .upsert_directory(&DirectoryUpdate {
            patients: vec![maya(None)],
            ..Default::default()
        })
        .unwrap();
    let err = store
        .reply(
            &ReplyRequest {
                by: "staff:s-ng".into(),
                conversation: secret.conversation_id.clone(),
                body: "Hello?".into(),
                ..Default::default()
            },
            now,
        )
        .unwrap_err();
    assert_eq!(err.code(), "recipient_not_reachable");
    assert!(err.to_string().contains("R-CF2"), "{err}");
    assert!(
        err.to_string().contains("no portal account of their own"),
        "{err}"
    );
}

#[test]
fn confidential_is_read_strictly_from_requests() {
    let base = json!({"author": "s-ng", "patient": "E250", "from": "direct",
        "subject": "S", "body": "B"});
    let with = |v: serde_json::Value| {
        let mut r = base.clone();
        r["confidential"] = v;
        request::send_request(&r).unwrap()
    };
    assert!(!request::send_request(&base).unwrap().confidential);
    assert!(with(json!(true)).confidential);
    for bad in [json!(null), json!("yes"), json!(1)] {
        let r = with(bad);
        assert_eq!(r.malformed[0].field, Field::Confidential);
        assert_eq!(r.malformed[0].error.code(), "invalid_options");
    }
    // A reply that gives the key at all, any value, is refused (R-CF1); a
    // patient-side reply too.
    let store = clinic();
    let c = send(&store, false);
    let now = t("2026-03-02T10:00:00-05:00");
    for by in ["staff:s-ng", "account:a-marc"] {
        for v in [json!(null), json!(false), json!(true)] {
            let req = request::reply_request(&json!({
                "by": by, "conversation": c.conversation_id, "body": "Hi", "confidential": v,
            }))
            .unwrap();
            assert_eq!(
                store.reply(&req, now).unwrap_err().code(),
                "invalid_options",
                "{by} {v}"
            );
        }
    }
}

#[test]
fn only_a_confidential_chart_carries_the_marks() {
    let store = clinic();
    let now = t("2026-03-02T10:00:00-05:00");
    let secret = send(&store, true);
    let open = send(&store, false);
    let text = store
        .export_chart("staff:s-ng", &secret.conversation_id, "text", now)
        .unwrap();
    let line = "Confidential: yes (patient's own account only, no caregiver access)";
    let before_first = text.split("--- Message 1").next().unwrap();
    assert!(before_first.lines().any(|l| l == line), "{text}");
    let fhir: serde_json::Value = serde_json::from_str(
        &store
            .export_chart("staff:s-ng", &secret.conversation_id, "fhir", now)
            .unwrap(),
    )
    .unwrap();
    let security = json!({"security": [{
        "system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality",
        "code": "R", "display": "restricted"}]});
    let communications: Vec<_> = fhir["entry"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["resource"]["resourceType"] == "Communication")
        .collect();
    assert!(!communications.is_empty());
    for c in communications {
        assert_eq!(c["resource"]["meta"], security);
    }
    let text = store
        .export_chart("staff:s-ng", &open.conversation_id, "text", now)
        .unwrap();
    assert!(!text.contains("Confidential:"));
    let fhir = store
        .export_chart("staff:s-ng", &open.conversation_id, "fhir", now)
        .unwrap();
    assert!(!fhir.contains("\"meta\""));
}
