//! Assignment (§17, R-AS1…R-AS4) beyond the scenarios: folders, the
//! defaulted `from` of later staff replies, what an assignment leaves
//! alone, and participants that stay participants.

use chrono::Duration;
use pmsg_core::*;

mod common;
use common::{config, directory, send_request, t};

fn clinic() -> Store {
    let store = Store::open_in_memory(&config()).unwrap();
    let mut d = directory();
    d.staff.push(Staff {
        id: "s-out".into(),
        display_name: "Carla Diaz".into(),
        accepts_direct: true,
    });
    d.staff.push(Staff {
        id: "s-li".into(),
        display_name: "Ben Li".into(),
        accepts_direct: false,
    });
    d.workgroups.push(Workgroup {
        id: "wg-desk".into(),
        name: "Front Desk".into(),
        members: vec!["s-li".into()],
    });
    store.upsert_directory(&d).unwrap();
    store
}

fn folder(store: &Store, by: &str, name: &str, now: chrono::DateTime<chrono::Utc>) -> Vec<String> {
    store
        .folder(by, name, None, None, now)
        .unwrap()
        .entries
        .into_iter()
        .map(|e| e.conversation)
        .collect()
}

fn staff_reply(by: &str, conversation: &str, from: Option<Sender>) -> ReplyRequest {
    ReplyRequest {
        by: by.into(),
        conversation: conversation.into(),
        body: "Noted.".into(),
        from,
        ..Default::default()
    }
}

#[test]
fn an_assignment_changes_who_answers_but_not_activity_reads_requirements_or_billing() {
    let store = clinic();
    let sent_at = t("2026-03-02T09:00:00-05:00");
    let mut req = send_request("Please confirm.", vec![]);
    req.response = Response::Required { days: 2 };
    req.billable_fee_code = Some("K083".into());
    req.unread_notify = Some(Interval {
        count: 1,
        unit: IntervalUnit::Days,
    });
    let c = store.send(&req, sent_at).unwrap().conversation_id;
    let at = sent_at + Duration::hours(1);
    let before = store.view("staff:s-ng", &c, at).unwrap();
    store
        .assign("staff:s-ng", &c, "staff:s-out", Some(""), at)
        .unwrap();
    let after = store.view("staff:s-ng", &c, at).unwrap();
    assert_eq!(after.messages, before.messages, "no message, nothing read");
    assert_eq!(after.awaiting_response, before.awaiting_response);
    assert_eq!(after.response_due_at, before.response_due_at);
    assert_eq!(
        after.assignments[0].note.as_deref(),
        Some(""),
        "\"\" is a note"
    );
    let last = |by: &str| {
        store
            .folder(by, "awaiting_response", None, None, at)
            .unwrap()
            .entries[0]
            .last_activity
            .clone()
    };
    assert_eq!(last("staff:s-out"), last("staff:s-ng"));
    assert_eq!(
        store.billing_report("2026-03").unwrap().entries.len(),
        1,
        "no billing"
    );
    // The assignee's folders: awaiting (a participant) but not sent (not an author).
    assert_eq!(
        folder(&store, "staff:s-out", "awaiting_response", at),
        vec![c.clone()]
    );
    assert!(folder(&store, "staff:s-out", "sent", at).is_empty());
    assert!(
        folder(&store, "staff:s-out", "inbox", at).is_empty(),
        "no patient message yet"
    );
    // The patient side's events and folders are unchanged; the reminder
    // keeps its recipient (the from of its message).
    let due: Vec<_> = store
        .due_events(sent_at + Duration::days(1), None)
        .unwrap()
        .into_iter()
        .map(|e| (e.kind, e.to))
        .collect();
    assert_eq!(
        due,
        [
            (EventKind::NewMessage, "account:a-lea".to_string()),
            (EventKind::Assigned, "staff:s-out".to_string()),
            (EventKind::UnreadReminder, "workgroup:wg".to_string()),
        ]
    );
    let patient = store.view("account:a-lea", &c, at).unwrap();
    assert!(patient.assignments.is_empty());
    // The chart has no assignment.
    let text = store.export_chart("staff:s-out", &c, "text", at).unwrap();
    assert!(!text.contains("s-out"), "{text}");
    // Closing cancels the overdue alert, never the assigned event.
    store.close("staff:s-out", &c, at).unwrap();
    assert_eq!(folder(&store, "staff:s-out", "closed", at), vec![c.clone()]);
    let kinds: Vec<_> = store
        .due_events(sent_at + Duration::days(3), None)
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            EventKind::NewMessage,
            EventKind::Assigned,
            EventKind::UnreadReminder
        ]
    );
}

#[test]
fn later_staff_replies_default_to_the_assignee_and_refuse_another_staff_members_direct_identity() {
    let store = clinic();
    let now = t("2026-03-02T09:00:00-05:00");
    let c = store
        .send(&send_request("Hello", vec![]), now)
        .unwrap()
        .conversation_id;
    store
        .assign("staff:s-ng", &c, "staff:s-out", None, now)
        .unwrap();
    // s-ng stays a participant, but the current from is s-out's own.
    let err = store
        .reply(&staff_reply("staff:s-ng", &c, None), now)
        .unwrap_err();
    assert_eq!(err.code(), "invalid_options");
    store
        .reply(&staff_reply("staff:s-ng", &c, Some(Sender::Direct)), now)
        .unwrap();
    // The current from is s-ng (direct) again: s-out replying without
    // from is refused, with from = direct it is fine.
    assert_eq!(
        store
            .reply(&staff_reply("staff:s-out", &c, None), now)
            .unwrap_err()
            .code(),
        "invalid_options"
    );
    store
        .assign("staff:s-ng", &c, "workgroup:wg-desk", None, now)
        .unwrap();
    // s-li (a member of wg-desk) replies without from: defaults to wg-desk.
    store
        .reply(&staff_reply("staff:s-li", &c, None), now)
        .unwrap();
    let v = store.view("account:a-lea", &c, now).unwrap();
    assert_eq!(v.messages.last().unwrap().from, "Front Desk");
    // s-out, assigned earlier, is still a participant ("has been", R-M0).
    assert_eq!(
        store
            .view("staff:s-out", &c, now)
            .unwrap()
            .assignments
            .len(),
        2
    );
    // A patient reply goes to the assignee.
    let out = store
        .reply(
            &ReplyRequest {
                by: "account:a-lea".into(),
                conversation: c.clone(),
                body: "Thanks".into(),
                ..Default::default()
            },
            now,
        )
        .unwrap();
    assert_eq!(out.delivered_to, ["workgroup:wg-desk"]);
    assert_eq!(folder(&store, "staff:s-li", "inbox", now), vec![c.clone()]);
}

#[test]
fn assigning_to_the_current_from_is_recorded_like_any_other() {
    let store = clinic();
    let now = t("2026-03-02T09:00:00-05:00");
    let c = store
        .send(&send_request("Hello", vec![]), now)
        .unwrap()
        .conversation_id;
    store
        .assign("staff:s-ng", &c, "workgroup:wg", Some("same"), now)
        .unwrap();
    let tail = store.audit_tail(1).unwrap();
    assert_eq!(tail[0].action, "assign");
    assert_eq!(tail[0].message, None);
    let assigned: Vec<_> = store
        .due_events(now, None)
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == EventKind::Assigned)
        .collect();
    assert_eq!(assigned.len(), 1);
    assert_eq!(assigned[0].to, "workgroup:wg");
    assert_eq!(assigned[0].message, None);
    assert!(!assigned[0].notice.contains("Hello"));
    // A failed assignment changes nothing and is not audited.
    let err = store
        .assign("staff:s-ng", &c, "staff:nobody", None, now)
        .unwrap_err();
    assert_eq!(err.code(), "unknown_staff");
    assert_eq!(store.audit_tail(1).unwrap()[0].seq, tail[0].seq);
    assert_eq!(
        store.view("staff:s-ng", &c, now).unwrap().assignments.len(),
        1
    );
}
