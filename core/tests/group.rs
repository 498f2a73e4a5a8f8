//! Group communications (§16, R-G1…R-G5) beyond the scenarios: all or
//! nothing, `max_group_size`, one copy of the attachments per
//! conversation, a group that never changes, report access, and the size
//! the SPEC allows (10,000 patients) in one call.

use chrono::Duration;
use pmsg_core::*;
use std::time::Instant;

mod common;
use common::{config, t};

fn patient(i: usize, account: Option<&str>) -> Patient {
    Patient {
        emr_id: format!("E{i}"),
        first_name: "Pat".into(),
        last_name: format!("Number{i}"),
        date_of_birth: "1980-01-31".into(),
        dependent: false,
        account: account.map(str::to_string),
    }
}

/// `n` adult patients `E0…` with registered accounts `a0…`, one staff
/// member `s-ng` in workgroup `wg`, and `s-out` in no workgroup.
fn clinic(n: usize, config: &Config) -> Store {
    with_clinic(Store::open_in_memory(config).unwrap(), n)
}

fn with_clinic(store: Store, n: usize) -> Store {
    let accounts = (0..n)
        .map(|i| Account {
            id: format!("a{i}"),
            kind: AccountKind::Patient,
            display_name: format!("Pat {i}"),
            registered: true,
        })
        .collect();
    let patients = (0..n).map(|i| patient(i, Some(&format!("a{i}")))).collect();
    let staff = |id: &str| Staff {
        id: id.into(),
        display_name: id.into(),
        accepts_direct: true,
    };
    store
        .upsert_directory(&DirectoryUpdate {
            accounts,
            patients,
            staff: vec![staff("s-ng"), staff("s-out"), staff("s-li")],
            workgroups: vec![Workgroup {
                id: "wg".into(),
                name: "Nursing".into(),
                members: vec!["s-ng".into(), "s-li".into()],
            }],
            ..Default::default()
        })
        .unwrap();
    store
}

fn group(patients: &[&str], from: Sender) -> GroupSendRequest {
    GroupSendRequest {
        author: "s-ng".into(),
        patients: patients.iter().map(|p| p.to_string()).collect(),
        from: Some(from),
        subject: "Flu clinic".into(),
        body: "Flu shots this Saturday.".into(),
        attachments: vec![],
        unread_notify: None,
        response: Response::Allowed,
        allow_reply_attachments: false,
        mask_name: false,
        billable_fee_code: None,
        file_to_chart: false,
        confidential: false,
        malformed: vec![],
    }
}

#[test]
fn a_group_with_nobody_reachable_records_nothing_and_names_each_patient() {
    let store = clinic(2, &config());
    store
        .upsert_directory(&DirectoryUpdate {
            patients: vec![patient(1, None)],
            ..Default::default()
        })
        .unwrap();
    let now = t("2026-03-02T09:00:00-05:00");
    let err = store
        .send_group(
            &group(&["E404", "e1", "E1"], Sender::Workgroup("wg".into())),
            now,
        )
        .unwrap_err();
    assert_eq!(err.code(), "recipient_not_reachable");
    let msg = err.to_string();
    assert!(msg.contains("\"E404\": not in the directory"), "{msg}");
    assert!(
        msg.contains("\"e1\": the patient has no portal account"),
        "{msg}"
    );
    assert!(!msg.contains("\"E1\""), "repeats are dropped: {msg}");
    assert!(store.due_events(now, None).unwrap().is_empty());
    assert_eq!(store.verify_audit().unwrap().entries, 0);
    assert!(store
        .folder("staff:s-ng", "sent", None, None, now)
        .unwrap()
        .entries
        .is_empty());
}

#[test]
fn max_group_size_counts_entries_as_given_repeats_included() {
    let cfg = Config {
        max_group_size: 3,
        ..config()
    };
    let store = clinic(2, &cfg);
    let now = t("2026-03-02T09:00:00-05:00");
    let err = store
        .send_group(&group(&["E0", "E0", "e0", "E1"], Sender::Direct), now)
        .unwrap_err();
    assert_eq!(err.code(), "invalid_argument");
    assert!(err.to_string().contains("max_group_size"), "{err}");
    let out = store
        .send_group(&group(&["E0", "e0", "E1"], Sender::Direct), now)
        .unwrap();
    let ids: Vec<_> = out.entries.iter().map(|e| e.emr_id.as_str()).collect();
    assert_eq!(ids, ["E0", "E1"]);
    assert_eq!(
        Config {
            max_group_size: 0,
            ..config()
        }
        .resolve_check(),
        Some("invalid_config")
    );
}

trait ResolveCheck {
    fn resolve_check(&self) -> Option<&'static str>;
}

impl ResolveCheck for Config {
    /// The error code of opening a store with this configuration, if any.
    fn resolve_check(&self) -> Option<&'static str> {
        Store::open_in_memory(self).err().map(|e| e.code())
    }
}

#[test]
fn each_conversation_has_its_own_attachments_and_retention() {
    let store = clinic(2, &config());
    let now = t("2026-03-02T09:00:00-05:00");
    let mut req = group(&["E0", "E1"], Sender::Workgroup("wg".into()));
    req.attachments = vec![NewAttachment {
        name: "leaflet.pdf".into(),
        media_type: "application/pdf".into(),
        content: b"%PDF leaflet".to_vec(),
    }];
    let out = store.send_group(&req, now).unwrap();
    let (a, b) = (&out.entries[0], &out.entries[1]);
    let (ca, cb) = (
        a.conversation_id.clone().unwrap(),
        b.conversation_id.clone().unwrap(),
    );
    assert_ne!(a.attachments[0].id, b.attachments[0].id);
    // Only E0's account downloads: only E0's copy starts its retention.
    let d = store
        .download("account:a0", &ca, &a.attachments[0].id, now)
        .unwrap();
    assert_eq!(d.content, b"%PDF leaflet");
    let purged = store.purge(now + Duration::days(8)).unwrap();
    assert_eq!(purged.len(), 1);
    assert_eq!(purged[0].conversation, ca);
    let later = now + Duration::days(9);
    assert_eq!(
        store
            .download("staff:s-ng", &cb, &b.attachments[0].id, later)
            .unwrap()
            .content,
        b"%PDF leaflet"
    );
    // A conversation's attachment is not another's.
    assert_eq!(
        store
            .download("staff:s-ng", &cb, &a.attachments[0].id, later)
            .unwrap_err()
            .code(),
        "unknown_attachment"
    );
}

#[test]
fn the_group_never_changes_and_its_report_follows_its_own_author_and_from() {
    let store = clinic(2, &config());
    let now = t("2026-03-02T09:00:00-05:00");
    let out = store
        .send_group(
            &group(&["E0", "E9", "E1"], Sender::Workgroup("wg".into())),
            now,
        )
        .unwrap();
    assert_eq!(out.entries[1].skipped.as_deref(), Some("unknown_patient"));
    let g = &out.group_id;
    let c0 = out.entries[0].conversation_id.clone().unwrap();
    // E9 appears in the directory later; the conversation is assigned away
    // and answered from elsewhere: the group is as it was.
    store
        .upsert_directory(&DirectoryUpdate {
            accounts: vec![Account {
                id: "a9".into(),
                kind: AccountKind::Patient,
                display_name: "Pat 9".into(),
                registered: true,
            }],
            patients: vec![patient(9, Some("a9"))],
            ..Default::default()
        })
        .unwrap();
    store
        .assign("staff:s-ng", &c0, "staff:s-out", Some("yours"), now)
        .unwrap();
    let r = store.group_report("staff:s-li", g, now).unwrap();
    let skipped: Vec<_> = r.entries.iter().map(|e| e.skipped.as_deref()).collect();
    assert_eq!(skipped, [None, Some("unknown_patient"), None]);
    // The assignee is a participant of c0 but may not see the group's report.
    assert_eq!(
        store
            .group_report("staff:s-out", g, now)
            .unwrap_err()
            .code(),
        "not_authorized"
    );
    // Workgroup members as they are now: s-li leaves wg, loses the report.
    store
        .upsert_directory(&DirectoryUpdate {
            workgroups: vec![Workgroup {
                id: "wg".into(),
                name: "Nursing".into(),
                members: vec!["s-ng".into()],
            }],
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        store.group_report("staff:s-li", g, now).unwrap_err().code(),
        "not_authorized"
    );
    // Unknown staff and accounts are refused and audited, no conversation.
    for by in ["staff:nobody", "account:a0"] {
        assert_eq!(
            store.group_report(by, g, now).unwrap_err().code(),
            "not_authorized"
        );
        let last = store.audit_tail(1).unwrap().remove(0);
        assert_eq!((last.actor.as_str(), last.action.as_str()), (by, "refused"));
        assert_eq!(last.conversation, None);
    }
    // Unknown groups and bad parties are not audited.
    let seq = store.audit_tail(1).unwrap()[0].seq;
    assert_eq!(
        store
            .group_report("staff:s-ng", "nope", now)
            .unwrap_err()
            .code(),
        "unknown_group"
    );
    assert_eq!(
        store
            .group_report("workgroup:wg", g, now)
            .unwrap_err()
            .code(),
        "invalid_argument"
    );
    assert_eq!(store.audit_tail(1).unwrap()[0].seq, seq);
    // A report marks nothing read and views nothing.
    let v = store.view("staff:s-ng", &c0, now).unwrap();
    assert!(!v.messages[0].read);
}

#[test]
fn a_direct_group_is_reported_to_its_author_alone() {
    let store = clinic(1, &config());
    let now = t("2026-03-02T09:00:00-05:00");
    let out = store
        .send_group(&group(&["E0"], Sender::Direct), now)
        .unwrap();
    assert!(store.group_report("staff:s-ng", &out.group_id, now).is_ok());
    assert_eq!(
        store
            .group_report("staff:s-li", &out.group_id, now)
            .unwrap_err()
            .code(),
        "not_authorized"
    );
}

#[test]
fn a_group_of_max_group_size_patients_is_one_call_and_as_many_sends() {
    let n = 10_000;
    // A file, as in production: each transaction is durable (R-ST1).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pmsg.db").to_string_lossy().into_owned();
    let store = with_clinic(Store::open(&path, &config()).unwrap(), n);
    let now = t("2026-03-02T09:00:00-05:00");
    let names: Vec<String> = (0..n).map(|i| format!("E{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut req = group(&refs, Sender::Workgroup("wg".into()));
    req.billable_fee_code = Some("K083".into());
    let started = Instant::now();
    let out = store.send_group(&req, now).unwrap();
    let group_time = started.elapsed();
    assert_eq!(out.entries.len(), n);
    assert!(out.entries.iter().all(|e| e.skipped.is_none()));
    assert_eq!(store.due_events(now, None).unwrap().len(), n);
    assert_eq!(store.billing_report("2026-03").unwrap().entries.len(), n);
    assert_eq!(store.verify_audit().unwrap().entries, n as u64);
    // Per patient, far cheaper than single sends: compare with 100 of them
    // (each its own durable transaction) on the same store.
    let single = 100;
    let started = Instant::now();
    for i in 0..single {
        let one = SendRequest {
            author: req.author.clone(),
            patient: format!("E{i}"),
            from: req.from.clone(),
            subject: req.subject.clone(),
            body: req.body.clone(),
            attachments: vec![],
            unread_notify: None,
            response: req.response,
            allow_reply_attachments: false,
            mask_name: false,
            billable_fee_code: req.billable_fee_code.clone(),
            file_to_chart: false,
            confidential: false,
            malformed: vec![],
        };
        store.send(&one, now).unwrap();
    }
    let single_time = started.elapsed();
    let per_group_patient = group_time.as_secs_f64() / n as f64;
    let per_single = single_time.as_secs_f64() / single as f64;
    eprintln!(
        "group send: {:.1} µs per patient; single sends: {:.1} µs each",
        per_group_patient * 1e6,
        per_single * 1e6
    );
    assert!(
        per_group_patient < per_single,
        "a group send costs more per patient ({per_group_patient}s) than single sends ({per_single}s)"
    );
}
