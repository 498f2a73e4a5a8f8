//! Storage seen from outside (R-ST1, R-ST2, R-AU1, R-D6): files, schema
//! versions, threads, tampering and secure deletion.

use chrono::Duration;
use pmsg_core::*;
use std::path::Path;
use std::sync::Arc;

mod common;
use common::{config, contains, directory, send_request, t};

fn file_store(dir: &Path) -> (String, Store) {
    let path = dir.join("pmsg.db").to_string_lossy().into_owned();
    let store = Store::open(&path, &config()).unwrap();
    store.upsert_directory(&directory()).unwrap();
    (path, store)
}

fn raw(path: &str) -> rusqlite::Connection {
    rusqlite::Connection::open(path).unwrap()
}

#[test]
fn committed_sends_survive_closing_and_reopening_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (path, store) = file_store(dir.path());
    let out = store
        .send(
            &send_request("Your results are ready.", vec![]),
            t("2026-03-02T09:00:00-05:00"),
        )
        .unwrap();
    drop(store);
    let store = Store::open(&path, &config()).unwrap();
    let v = store
        .view(
            "staff:s-ng",
            &out.conversation_id,
            t("2026-03-02T10:00:00-05:00"),
        )
        .unwrap();
    assert_eq!(v.messages[0].body, "Your results are ready.");
    assert!(store.verify_audit().unwrap().ok);
}

#[test]
fn a_newer_schema_is_refused_with_schema_too_new() {
    let dir = tempfile::tempdir().unwrap();
    let (path, store) = file_store(dir.path());
    drop(store);
    raw(&path)
        .execute_batch(&format!("PRAGMA user_version = {}", SCHEMA_VERSION + 1))
        .unwrap();
    let err = Store::open(&path, &config()).err().expect("must refuse");
    assert_eq!(err.code(), "schema_too_new", "{err}");
}

#[test]
fn a_database_written_by_schema_version_1_opens_and_keeps_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.db").to_string_lossy().into_owned();
    {
        // Written the way version 1 of the library wrote it: its migration, then data.
        let c = raw(&path);
        c.execute_batch(include_str!("../src/store/migrations/0001_initial.sql"))
            .unwrap();
        c.execute_batch(
            "PRAGMA user_version = 1;
             INSERT INTO account VALUES ('a-1', 'patient', 'Ana Côté', 1);
             INSERT INTO patient VALUES ('e9', 'E9', 'Ana', 'Côté', 'ana', 'cote', '1990-01-01', 0, 'a-1');",
        )
        .unwrap();
    }
    let store = Store::open(&path, &config()).unwrap();
    let found = store.search("côte", t("2026-03-02T09:00:00Z")).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].deliver_to, vec!["account:a-1".to_string()]);
    let version: i64 = raw(&path)
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
}

#[test]
fn eight_threads_share_one_store_and_every_send_counts() {
    let dir = tempfile::tempdir().unwrap();
    let (_, store) = file_store(dir.path());
    let store = Arc::new(store);
    let start = t("2026-03-02T09:00:00-05:00");
    let per_thread = 25;
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                for j in 0..per_thread {
                    let now = start + Duration::seconds(i * 100 + j);
                    store
                        .send(&send_request(&format!("message {i}/{j}"), vec![]), now)
                        .unwrap();
                    for e in store.due_events(now, Some(3)).unwrap() {
                        store.ack(&e.id, now).unwrap();
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let later = start + Duration::days(1);
    let mut acked_late = 0;
    for e in store.due_events(later, None).unwrap() {
        store.ack(&e.id, later).unwrap();
        acked_late += 1;
    }
    assert!(store.due_events(later, None).unwrap().is_empty());
    let sent = store
        .folder("staff:s-ng", "sent", None, Some(1000), later)
        .unwrap();
    assert_eq!(sent.entries.len(), 8 * per_thread as usize);
    let v = store.verify_audit().unwrap();
    assert!(v.ok);
    assert_eq!(v.entries, 8 * per_thread as u64);
    assert!(acked_late <= 8 * per_thread as usize);
}

fn audited_store(dir: &Path) -> (String, Store) {
    let (path, store) = file_store(dir);
    let out = store
        .send(
            &send_request("Your results are ready.", vec![]),
            t("2026-03-02T09:00:00-05:00"),
        )
        .unwrap();
    for i in 0..4 {
        store
            .view(
                "staff:s-ng",
                &out.conversation_id,
                t("2026-03-02T10:00:00-05:00") + Duration::minutes(i),
            )
            .unwrap();
    }
    assert_eq!(store.verify_audit().unwrap().entries, 5);
    (path, store)
}

#[test]
fn an_edited_audit_row_is_named_as_the_first_broken_entry() {
    let dir = tempfile::tempdir().unwrap();
    let (path, store) = audited_store(dir.path());
    raw(&path)
        .execute(
            "UPDATE audit SET actor = 'staff:someone-else' WHERE seq = 3",
            [],
        )
        .unwrap();
    let v = store.verify_audit().unwrap();
    assert!(!v.ok);
    assert_eq!(v.first_broken, Some(3));
    assert_eq!(v.entries, 2);
}

#[test]
fn a_deleted_audit_row_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let (path, store) = audited_store(dir.path());
    raw(&path)
        .execute("DELETE FROM audit WHERE seq = 2", [])
        .unwrap();
    let v = store.verify_audit().unwrap();
    assert_eq!((v.ok, v.first_broken), (false, Some(2)), "{v:?}");
}

#[test]
fn reordered_audit_rows_are_detected() {
    let dir = tempfile::tempdir().unwrap();
    let (path, store) = audited_store(dir.path());
    raw(&path)
        .execute_batch(
            "UPDATE audit SET seq = 100 WHERE seq = 2;
             UPDATE audit SET seq = 2 WHERE seq = 4;
             UPDATE audit SET seq = 4 WHERE seq = 100;",
        )
        .unwrap();
    let v = store.verify_audit().unwrap();
    assert_eq!((v.ok, v.first_broken), (false, Some(2)), "{v:?}");
}

#[test]
fn purged_attachment_bytes_are_gone_from_the_file_and_its_wal() {
    let dir = tempfile::tempdir().unwrap();
    let (path, store) = file_store(dir.path());
    let secret: Vec<u8> = b"SECRET-SCAN-RESULT-"
        .iter()
        .cycle()
        .take(6000)
        .copied()
        .collect();
    let file = NewAttachment {
        name: "scan.pdf".into(),
        media_type: "application/pdf".into(),
        content: secret.clone(),
    };
    let sent_at = t("2026-03-02T09:00:00-05:00");
    let out = store
        .send(&send_request("See the attached scan.", vec![file]), sent_at)
        .unwrap();
    let att = &out.attachments[0].id;
    let downloaded = t("2026-03-03T09:00:00-05:00");
    store
        .download("account:a-lea", &out.conversation_id, att, downloaded)
        .unwrap();
    let purged = store.purge(downloaded + Duration::days(7)).unwrap();
    assert_eq!(purged.len(), 1);
    let wal = format!("{path}-wal");
    for f in [&path, &wal] {
        if let Ok(bytes) = std::fs::read(f) {
            assert!(
                !contains(&bytes, b"SECRET-SCAN-RESULT-"),
                "attachment bytes remain in {f}"
            );
        }
    }
    let err = store
        .download(
            "account:a-lea",
            &out.conversation_id,
            att,
            downloaded + Duration::days(8),
        )
        .unwrap_err();
    assert_eq!(err.code(), "attachment_expired");
}

#[test]
fn a_failed_send_leaves_no_trace() {
    let store = Store::open_in_memory(&config()).unwrap();
    store.upsert_directory(&directory()).unwrap();
    let mut bad = send_request("ok", vec![]);
    bad.billable_fee_code = Some("K0-83".into());
    let now = t("2026-03-02T09:00:00-05:00");
    assert_eq!(
        store.send(&bad, now).unwrap_err().code(),
        "invalid_fee_code"
    );
    assert!(store.due_events(now, None).unwrap().is_empty());
    assert!(store.audit_tail(10).unwrap().is_empty());
    assert!(store
        .folder("staff:s-ng", "sent", None, None, now)
        .unwrap()
        .entries
        .is_empty());
}

#[test]
fn notices_of_every_kind_carry_no_health_information() {
    let store = Store::open_in_memory(&config()).unwrap();
    store.upsert_directory(&directory()).unwrap();
    let now = t("2026-03-02T09:00:00-05:00");
    let mut req = send_request(
        "Your HIV test is negative.",
        vec![NewAttachment {
            name: "hiv-result.pdf".into(),
            media_type: "application/pdf".into(),
            content: b"x".to_vec(),
        }],
    );
    req.subject = "HIV test".into();
    req.response = Response::Required { days: 1 };
    req.unread_notify = Some(Interval {
        count: 1,
        unit: IntervalUnit::Days,
    });
    let out = store.send(&req, now).unwrap();
    let later = now + Duration::days(2);
    let mut events = store.due_events(later, None).unwrap();
    store
        .reply(
            &ReplyRequest {
                by: "account:a-lea".into(),
                conversation: out.conversation_id.clone(),
                body: "Thank you, Dr. Ng.".into(),
                ..Default::default()
            },
            later,
        )
        .unwrap();
    events.extend(store.due_events(later, None).unwrap());
    let kinds: Vec<EventKind> = events.iter().map(|e| e.kind).collect();
    for k in [
        EventKind::NewMessage,
        EventKind::NewReply,
        EventKind::ResponseOverdue,
        EventKind::UnreadReminder,
    ] {
        assert!(kinds.contains(&k), "{k:?} was not produced: {kinds:?}");
    }
    for e in events {
        let json = serde_json::to_string(&e).unwrap();
        for phi in ["HIV", "hiv-result", "Ng", "Léa", "Roy", "Thank you", "E100"] {
            assert!(!json.contains(phi), "{phi:?} leaked into {json}");
        }
    }
}

#[test]
fn ack_is_idempotent_and_acknowledging_a_cancelled_event_succeeds() {
    let store = Store::open_in_memory(&config()).unwrap();
    store.upsert_directory(&directory()).unwrap();
    let now = t("2026-03-02T09:00:00-05:00");
    let mut req = send_request("Please reply.", vec![]);
    req.response = Response::Required { days: 1 };
    let out = store.send(&req, now).unwrap();
    let due = now + Duration::days(1);
    let events = store.due_events(due, None).unwrap();
    assert_eq!(
        events.len(),
        2,
        "new_message and response_overdue: {events:?}"
    );
    let overdue = events
        .iter()
        .find(|e| e.kind == EventKind::ResponseOverdue)
        .unwrap()
        .id
        .clone();
    let new_message = events
        .iter()
        .find(|e| e.kind == EventKind::NewMessage)
        .unwrap()
        .id
        .clone();
    // R-D5: acknowledging twice is the same as once.
    store.ack(&new_message, due).unwrap();
    store.ack(&new_message, due).unwrap();
    // The reply cancels the unacknowledged alert, which is never returned again...
    let reply = ReplyRequest {
        by: "account:a-lea".into(),
        conversation: out.conversation_id,
        body: "Done.".into(),
        ..Default::default()
    };
    store.reply(&reply, due).unwrap();
    let left: Vec<_> = store
        .due_events(due, None)
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(left, vec![EventKind::NewReply]);
    // ...and acknowledging it anyway succeeds.
    store.ack(&overdue, due).unwrap();
    assert_eq!(
        store.ack("no-such-event", due).unwrap_err().code(),
        "unknown_event"
    );
}

#[test]
fn control_characters_in_ids_names_and_file_names_are_refused() {
    let store = Store::open_in_memory(&config()).unwrap();
    let mut d = directory();
    d.staff[0].id = "s-\u{0}ng".into();
    assert_eq!(
        store.upsert_directory(&d).unwrap_err().code(),
        "invalid_argument"
    );
    let mut d = directory();
    d.accounts[0].display_name = "Léa\u{7}".into();
    assert_eq!(
        store.upsert_directory(&d).unwrap_err().code(),
        "invalid_argument"
    );
    store.upsert_directory(&directory()).unwrap();
    let file = NewAttachment {
        name: "scan\u{0}.pdf".into(),
        media_type: "application/pdf".into(),
        content: vec![],
    };
    let err = store
        .send(
            &send_request("See attached.", vec![file]),
            t("2026-03-02T09:00:00Z"),
        )
        .unwrap_err();
    assert_eq!(err.code(), "invalid_argument", "{err}");
}

#[test]
fn open_encrypted_refuses_an_empty_key_and_a_build_without_encryption() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("enc.db").to_string_lossy().into_owned();
    let err = Store::open_encrypted(&path, &Config::default(), "")
        .err()
        .expect("an empty key is refused");
    assert_eq!(err.code(), "invalid_argument");
    assert!(err.to_string().contains("key is empty"), "{err}");
    let opened = Store::open_encrypted(&path, &Config::default(), "k");
    if ENCRYPTION {
        assert!(opened.is_ok());
    } else {
        let err = opened.err().expect("no encryption in this build");
        assert_eq!(err.code(), "storage");
        assert!(err.to_string().contains("feature `encryption`"), "{err}");
        assert!(!std::path::Path::new(&path).exists(), "nothing created");
    }
}

/// The staff folders of `s-ng` (inbox, sent, awaiting_response, closed).
fn staff_folders(store: &Store, now: chrono::DateTime<chrono::Utc>) -> Vec<Vec<FolderEntry>> {
    ["inbox", "sent", "awaiting_response", "closed"]
        .iter()
        .map(|f| {
            store
                .folder("staff:s-ng", f, None, Some(1000), now)
                .unwrap()
                .entries
        })
        .collect()
}

#[test]
fn the_version_2_migration_fills_the_folder_flags_of_a_version_1_file() {
    let dir = tempfile::tempdir().unwrap();
    let (path, store) = file_store(dir.path());
    let now = t("2026-03-02T09:00:00-05:00");
    // Conversations in every staff folder: plain (sent), required (awaiting),
    // replied to (inbox), closed, and one required, replied to and closed.
    let mut ids = Vec::new();
    for i in 0..10 {
        let mut req = send_request(&format!("message {i}"), vec![]);
        if i % 2 == 0 {
            req.response = Response::Required { days: 3 };
        }
        ids.push(
            store
                .send(&req, now + Duration::minutes(i))
                .unwrap()
                .conversation_id,
        );
    }
    let later = now + Duration::hours(1);
    for id in ids.iter().step_by(3) {
        let reply = ReplyRequest {
            by: "account:a-lea".into(),
            conversation: id.clone(),
            body: "Thank you.".into(),
            ..Default::default()
        };
        store.reply(&reply, later).unwrap();
    }
    for id in ids.iter().skip(1).step_by(4) {
        store.close("staff:s-ng", id, later).unwrap();
    }
    let before = staff_folders(&store, later);
    assert!(
        before.iter().all(|f| !f.is_empty()),
        "every folder has rows"
    );
    drop(store);

    // Back to what version 1 wrote: no flags, no trigger, no partial indexes
    // (and nothing of version 3).
    raw(&path).execute_batch(UNDO_VERSION_3).unwrap();
    raw(&path)
        .execute_batch(
            "DROP TRIGGER conversation_folder_flags;
             DROP INDEX conversation_party_inbox; DROP INDEX conversation_party_sent;
             DROP INDEX conversation_party_awaiting; DROP INDEX conversation_party_closed;
             ALTER TABLE conversation_party DROP COLUMN inbox;
             ALTER TABLE conversation_party DROP COLUMN awaiting;
             ALTER TABLE conversation_party DROP COLUMN closed;
             PRAGMA user_version = 1;",
        )
        .unwrap();
    let store = Store::open(&path, &config()).unwrap();
    assert_eq!(
        staff_folders(&store, later),
        before,
        "same folders after the migration"
    );
    // And the trigger keeps them in step afterwards.
    store.close("staff:s-ng", &ids[0], later).unwrap();
    let after = staff_folders(&store, later);
    assert!(after[3].iter().any(|e| e.conversation == ids[0]), "closed");
    assert!(
        after[0].iter().all(|e| e.conversation != ids[0]),
        "not in inbox"
    );
    assert!(
        after[2].iter().all(|e| e.conversation != ids[0]),
        "not awaiting"
    );
}

/// Takes a version 4 file back to version 3 (what version 3 of the library
/// wrote: no settings in the store).
const UNDO_VERSION_4: &str = "DROP TABLE settings; PRAGMA user_version = 3;";

/// Takes a version 4 file back to version 2 (what version 2 of the library wrote).
const UNDO_VERSION_3: &str =
    "DROP TABLE settings; DROP TABLE group_entry; DROP TABLE group_send; DROP TABLE assignment;
     DROP INDEX conversation_by_patient;
     ALTER TABLE conversation DROP COLUMN confidential;
     ALTER TABLE event DROP COLUMN claimed_by; ALTER TABLE event DROP COLUMN claimed_until;
     PRAGMA user_version = 2;";

#[test]
fn a_version_2_file_migrates_to_version_3_and_keeps_its_conversations_and_events() {
    let dir = tempfile::tempdir().unwrap();
    let (path, store) = file_store(dir.path());
    let now = t("2026-03-02T09:00:00-05:00");
    let out = store.send(&send_request("Hello", vec![]), now).unwrap();
    drop(store);
    raw(&path).execute_batch(UNDO_VERSION_3).unwrap();
    let store = Store::open(&path, &config()).unwrap();
    let version: i64 = raw(&path)
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    let v = store.view("staff:s-ng", &out.conversation_id, now).unwrap();
    assert!(!v.confidential, "older conversations are not confidential");
    assert!(v.assignments.is_empty());
    // Its pending event was never claimed: claimable at once.
    let claimed = store.claim_due_events("w", now, None, 60).unwrap();
    assert_eq!(claimed.len(), 1);
    assert!(store.verify_audit().unwrap().ok);
}

#[test]
fn a_version_3_file_takes_the_settings_of_its_first_handle_after_the_upgrade() {
    // R-ST3: a store written before the settings were kept in it adopts
    // those of the first handle that opens it after the migration.
    let dir = tempfile::tempdir().unwrap();
    let (path, store) = file_store(dir.path());
    let now = t("2026-03-31T23:30:00-04:00");
    let mut billed = send_request("Late.", vec![]);
    billed.billable_fee_code = Some("K083".into());
    store.send(&billed, now).unwrap();
    drop(store);
    raw(&path).execute_batch(UNDO_VERSION_4).unwrap();
    let paris = PartialConfig {
        time_zone: Some("Europe/Paris".into()),
        ..PartialConfig::default()
    };
    let first = Store::open_with(&path, Some(&paris)).unwrap();
    let version: i64 = raw(&path)
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    assert_eq!(first.settings().unwrap().time_zone, "Europe/Paris");
    assert_eq!(first.billing_report("2026-04").unwrap().entries.len(), 1);
    let err = Store::open(&path, &config())
        .err()
        .expect("Toronto refused");
    assert!(err.to_string().contains("time_zone"), "{err}");
    let bare = Store::open_with(&path, None).unwrap();
    assert_eq!(bare.settings().unwrap().time_zone, "Europe/Paris");

    // Without settings, the first handle gives the defaults.
    drop((first, bare));
    raw(&path).execute_batch(UNDO_VERSION_4).unwrap();
    let bare = Store::open_with(&path, None).unwrap();
    assert_eq!(
        bare.settings().unwrap(),
        Config::default().normalized().unwrap()
    );
}

#[test]
fn storage_errors_say_their_kind() {
    let dir = tempfile::tempdir().unwrap();
    // corrupt: a file that is not a database.
    let garbage = dir.path().join("garbage.db");
    std::fs::write(&garbage, vec![0x5a; 8192]).unwrap();
    let err = Store::open_with(garbage.to_str().unwrap(), None)
        .err()
        .expect("garbage refused");
    assert_eq!(err.code(), "storage", "{err}");
    assert_eq!(err.storage_kind(), Some(StorageKind::Corrupt), "{err}");
    // io: a file that cannot be created.
    let nowhere = dir.path().join("no-such-folder").join("pmsg.db");
    let err = Store::open_with(nowhere.to_str().unwrap(), None)
        .err()
        .expect("refused");
    assert_eq!(err.storage_kind(), Some(StorageKind::Io), "{err}");
    assert!(err.to_string().starts_with("storage error (io): "), "{err}");
    // Not a storage error: no kind.
    let err = Store::open_with(
        &format!(
            "file:{}?pmsg_busy_timeout_ms=soon",
            dir.path().join("x.db").display()
        ),
        None,
    )
    .err()
    .expect("refused");
    assert_eq!(err.code(), "invalid_argument", "{err}");
    assert_eq!(err.storage_kind(), None);
    #[cfg(not(feature = "encryption"))]
    {
        let err = Store::open_encrypted(dir.path().join("e.db").to_str().unwrap(), &config(), "k")
            .err()
            .expect("no encryption in this build");
        assert_eq!(err.storage_kind(), Some(StorageKind::Other), "{err}");
    }
}

#[test]
fn a_file_uri_names_the_file_and_its_busy_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let (path, store) = file_store(dir.path());
    drop(store);
    for uri in [
        format!("file:{path}"),
        format!("file://{path}?pmsg_busy_timeout_ms=0"),
        format!("file://localhost{path}?pmsg_busy_timeout_ms=2500"),
        format!("file:{}?pmsg_busy_timeout_ms=1", path.replace('/', "%2F")),
    ] {
        let store = Store::open_with(&uri, None).unwrap_or_else(|e| panic!("{uri}: {e}"));
        assert_eq!(
            store.settings().unwrap().time_zone,
            "America/Toronto",
            "{uri}"
        );
    }
    for uri in [
        format!("file:{path}?mode=ro"),
        format!("file://elsewhere{path}"),
        format!("file:{path}?pmsg_busy_timeout_ms=3600001"),
        "file:".to_string(),
    ] {
        let err = Store::open_with(&uri, None).err().expect("refused");
        assert_eq!(err.code(), "invalid_argument", "{uri}: {err}");
    }
}

#[cfg(feature = "postgres")]
#[test]
fn a_postgres_server_that_cannot_be_reached_is_connection_lost() {
    // Port 1 on the loopback: nothing listens there.
    let err = Store::open_with("postgresql://pmsg@127.0.0.1:1/pmsg?connect_timeout=5", None)
        .err()
        .expect("refused");
    assert_eq!(err.code(), "storage", "{err}");
    assert_eq!(
        err.storage_kind(),
        Some(StorageKind::ConnectionLost),
        "{err}"
    );
}
