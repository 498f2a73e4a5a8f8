//! Claims (R-D7) seen from outside: atomic across handles on one file,
//! leases on the UTC time line, cancellation, and `due_events` ignoring
//! claims.

use chrono::Duration;
use pmsg_core::*;
use std::collections::HashSet;
use std::sync::{Arc, Barrier};

mod common;
use common::{config, directory, send_request, t};

#[test]
fn two_handles_on_one_file_never_both_receive_an_event_within_a_lease() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pmsg.db").to_string_lossy().into_owned();
    let first = Store::open(&path, &config()).unwrap();
    first.upsert_directory(&directory()).unwrap();
    let sent_at = t("2026-03-02T09:00:00-05:00");
    first
        .batch(|b| {
            for i in 0..120 {
                b.send(&send_request(&format!("message {i}"), vec![]), sent_at)?;
            }
            Ok(())
        })
        .unwrap();
    let second = Store::open(&path, &config()).unwrap();
    let now = sent_at + Duration::minutes(1);
    let barrier = Arc::new(Barrier::new(2));
    let handles: Vec<_> = [first, second]
        .into_iter()
        .enumerate()
        .map(|(i, store)| {
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                let mut got = Vec::new();
                loop {
                    let batch = store
                        .claim_due_events(&format!("worker-{i}"), now, Some(7), 3600)
                        .unwrap();
                    if batch.is_empty() {
                        break;
                    }
                    got.extend(batch.into_iter().map(|e| e.id));
                }
                got
            })
        })
        .collect();
    let lists: Vec<Vec<String>> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let mut all = HashSet::new();
    for id in lists.iter().flatten() {
        assert!(all.insert(id.clone()), "event {id} was claimed twice");
    }
    assert_eq!(all.len(), 120, "every due event was claimed once");
    let store = Store::open(&path, &config()).unwrap();
    assert_eq!(store.due_events(now, None).unwrap().len(), 120);
}

#[test]
fn a_lease_is_elapsed_time_across_the_spring_forward_change() {
    let store = Store::open_in_memory(&config()).unwrap();
    store.upsert_directory(&directory()).unwrap();
    store
        .send(
            &send_request("Hello", vec![]),
            t("2026-03-08T01:00:00-05:00"),
        )
        .unwrap();
    let got = store
        .claim_due_events("w", t("2026-03-08T01:30:00-05:00"), None, 3600)
        .unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0].claimed_until.as_deref(),
        Some("2026-03-08T03:30:00-04:00")
    );
    // Not claimable just before the lease ends, claimable at its instant.
    assert!(store
        .claim_due_events("w2", t("2026-03-08T03:29:59-04:00"), None, 60)
        .unwrap()
        .is_empty());
    assert_eq!(
        store
            .claim_due_events("w2", t("2026-03-08T03:30:00-04:00"), None, 60)
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn due_events_ignore_claims_and_show_no_claim_fields() {
    let store = Store::open_in_memory(&config()).unwrap();
    store.upsert_directory(&directory()).unwrap();
    let now = t("2026-03-02T09:00:00-05:00");
    store.send(&send_request("Hello", vec![]), now).unwrap();
    let claimed = store.claim_due_events("w", now, None, 600).unwrap();
    assert_eq!(claimed.len(), 1);
    let peeked = store.due_events(now, None).unwrap();
    assert_eq!(peeked.len(), 1);
    assert_eq!(peeked[0].id, claimed[0].id);
    assert_eq!(peeked[0].claimed_until, None);
    let json = serde_json::to_value(&peeked[0]).unwrap();
    assert!(json.get("claimed_until").is_none(), "{json}");
    // The claim is not audited.
    assert_eq!(store.verify_audit().unwrap().entries, 1);
}

#[test]
fn a_claimed_event_that_is_cancelled_is_never_returned_again() {
    let store = Store::open_in_memory(&config()).unwrap();
    store.upsert_directory(&directory()).unwrap();
    let now = t("2026-03-02T09:00:00-05:00");
    let mut req = send_request("Please confirm.", vec![]);
    req.response = Response::Required { days: 1 };
    let out = store.send(&req, now).unwrap();
    let due = t("2026-03-03T09:00:00-05:00");
    let claimed = store.claim_due_events("w", due, None, 60).unwrap();
    let kinds: Vec<_> = claimed.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [EventKind::NewMessage, EventKind::ResponseOverdue]);
    store
        .reply(
            &ReplyRequest {
                by: "account:a-lea".into(),
                conversation: out.conversation_id,
                body: "Confirmed.".into(),
                ..Default::default()
            },
            due + Duration::seconds(10),
        )
        .unwrap();
    let later = due + Duration::hours(1);
    let again: Vec<_> = store
        .claim_due_events("w", later, None, 60)
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(again, [EventKind::NewMessage, EventKind::NewReply]);
    // An acknowledged event is never claimed either.
    for e in store.due_events(later, None).unwrap() {
        store.ack(&e.id, later).unwrap();
    }
    assert!(store
        .claim_due_events("w", later + Duration::hours(1), None, 60)
        .unwrap()
        .is_empty());
}
