//! R-T1: every `Store` (and `Batch`) method that takes `now` refuses an
//! instant outside the accepted range (`deadline::ACCEPTED_RANGE`) with
//! `invalid_argument` naming the value and the range, before anything else:
//! nothing changes and nothing is audited. Microseconds passed as
//! milliseconds used to give `sent_at "+58216-03-11T19:00:00-05:00"`.

use chrono::{DateTime, Utc};
use pmsg_core::*;

mod common;
use common::{config, directory, send_request, t};

fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap()
}

fn assert_refused(what: &str, r: Result<impl std::fmt::Debug>, ms: i64) {
    match r {
        Err(Error::InvalidArgument(m)) => {
            assert!(m.contains(&format!("{ms} ms")), "{what}: {m}");
            assert!(m.contains(deadline::ACCEPTED_RANGE), "{what}: {m}");
        }
        other => panic!("{what} at {ms}: {other:?}"),
    }
}

#[test]
fn every_method_taking_now_refuses_an_instant_out_of_range() {
    let store = Store::open_in_memory(&config()).unwrap();
    store.upsert_directory(&directory()).unwrap();
    let ok = t("2026-03-10T10:00:00-04:00");
    let sent = store.send(&send_request("Hello", vec![]), ok).unwrap();
    let c = sent.conversation_id.as_str();
    let group = GroupSendRequest {
        author: "s-ng".into(),
        patients: vec!["E100".into()],
        from: Some(Sender::Direct),
        subject: "Flu".into(),
        body: "Clinic open.".into(),
        attachments: vec![],
        unread_notify: None,
        response: Response::Allowed,
        allow_reply_attachments: false,
        mask_name: false,
        billable_fee_code: None,
        file_to_chart: false,
        confidential: false,
        malformed: vec![],
    };
    let g = store.send_group(&group, ok).unwrap().group_id;
    let reply = ReplyRequest {
        by: "account:a-lea".into(),
        conversation: c.into(),
        body: "Thanks".into(),
        ..Default::default()
    };
    let audited = store.verify_audit().unwrap().entries;
    let micros = ok.timestamp_millis() * 1000;
    for ms in [
        micros,
        deadline::EARLIEST_MS - 1,
        deadline::LATEST_MS + 1,
        0,
        -86_400_000,
    ] {
        let now = at(ms);
        assert_refused("search", store.search("Roy", now), ms);
        assert_refused("send", store.send(&send_request("Hi", vec![]), now), ms);
        assert_refused("reply", store.reply(&reply, now), ms);
        assert_refused("read", store.read("staff:s-ng", c, now), ms);
        assert_refused("view", store.view("staff:s-ng", c, now), ms);
        assert_refused("download", store.download("staff:s-ng", c, "x", now), ms);
        assert_refused("close", store.close("staff:s-ng", c, now), ms);
        assert_refused("due_events", store.due_events(now, None), ms);
        assert_refused(
            "claim_due_events",
            store.claim_due_events("w", now, None, 60),
            ms,
        );
        assert_refused("send_group", store.send_group(&group, now), ms);
        assert_refused(
            "group_report",
            store.group_report("staff:s-ng", &g, now),
            ms,
        );
        assert_refused(
            "assign",
            store.assign("staff:s-ng", c, "workgroup:wg", None, now),
            ms,
        );
        assert_refused("ack", store.ack("no-such-event", now), ms);
        assert_refused(
            "folder",
            store.folder("staff:s-ng", "inbox", None, None, now),
            ms,
        );
        assert_refused("purge", store.purge(now), ms);
        assert_refused(
            "export_chart",
            store.export_chart("staff:s-ng", c, "fhir", now),
            ms,
        );
        // Batch methods too; the batch then fails whole.
        assert_refused(
            "batch",
            store.batch(|b| {
                b.read("staff:s-ng", c, ok)?;
                b.send(&send_request("Hi", vec![]), now)
            }),
            ms,
        );
        for (what, r) in [
            (
                "Batch::reply",
                store.batch(|b| b.reply(&reply, now).map(|_| ())),
            ),
            ("Batch::read", store.batch(|b| b.read("staff:s-ng", c, now))),
            (
                "Batch::close",
                store.batch(|b| b.close("staff:s-ng", c, now)),
            ),
            ("Batch::ack", store.batch(|b| b.ack("no-such-event", now))),
        ] {
            assert_refused(what, r, ms);
        }
    }
    // Nothing was read, sent, closed or audited.
    assert_eq!(store.verify_audit().unwrap().entries, audited);
    let view = store.view("staff:s-ng", c, ok).unwrap();
    assert_eq!(view.messages.len(), 1);
    assert_eq!(view.status, ConversationStatus::Open);
}

#[test]
fn the_edges_of_the_range_are_accepted_and_shown_with_four_digit_years() {
    let store = Store::open_in_memory(&Config {
        time_zone: "Pacific/Kiritimati".into(), // UTC+14:00
        ..Config::default()
    })
    .unwrap();
    let mut d = directory();
    d.patients[0].date_of_birth = "1900-01-01".into(); // an adult in 1970 too
    store.upsert_directory(&d).unwrap();
    for ms in [deadline::EARLIEST_MS, deadline::LATEST_MS] {
        let mut req = send_request("Edge", vec![]);
        req.response = Response::Required { days: 1 };
        let out = store.send(&req, at(ms)).unwrap();
        let view = store
            .view("staff:s-ng", &out.conversation_id, at(ms))
            .unwrap();
        for shown in [
            view.messages[0].sent_at.clone(),
            view.response_due_at.clone().unwrap(),
        ] {
            assert_eq!(shown.len(), 25, "{shown}");
            assert!(shown.as_bytes()[0].is_ascii_digit(), "{shown}");
        }
        let fhir = store
            .export_chart("staff:s-ng", &out.conversation_id, "fhir", at(ms))
            .unwrap();
        assert!(!fhir.contains("\"+"), "{fhir}");
        // A claim's lease (at most a day) still shows in year 9999.
        let claimed = store.claim_due_events("w", at(ms), None, 86_400).unwrap();
        for e in claimed {
            let until = e.claimed_until.unwrap();
            assert!(
                until.starts_with("19") || until.starts_with("9999"),
                "{until}"
            );
        }
    }
}

#[test]
fn a_deadline_past_the_last_shown_instant_is_refused_by_its_rule() {
    let store = Store::open_in_memory(&config()).unwrap();
    store.upsert_directory(&directory()).unwrap();
    let latest = at(deadline::LATEST_MS);
    let mut req = send_request("Late", vec![]);
    req.response = Response::Required { days: 3 };
    let err = store.send(&req, latest).unwrap_err();
    assert_eq!(err.code(), "invalid_response_deadline", "{err}");
    assert!(err.to_string().contains("9999-12-31T09:59:59Z"), "{err}");
    let mut req = send_request("Late", vec![]);
    req.unread_notify = Some(Interval {
        count: 1,
        unit: IntervalUnit::Weeks,
    });
    let err = store.send(&req, latest).unwrap_err();
    assert_eq!(err.code(), "invalid_notify_interval", "{err}");
    // Nothing was sent; a one-day deadline still fits.
    assert_eq!(store.verify_audit().unwrap().entries, 0);
    let mut req = send_request("Late", vec![]);
    req.response = Response::Required { days: 1 };
    store.send(&req, latest).unwrap();
}
