//! One test suite, every storage backend (R-ST1: "every rule of this file
//! holds on every backend, with the same verdicts"): `backend_tests!`
//! instantiates each test of `suite` for SQLite (a file in a temporary
//! folder, always) and for PostgreSQL (a fresh schema of the database of
//! `PMSG_TEST_DATABASE_URL`, when it is set; otherwise each test prints a
//! line saying it was skipped). `scripts/with-postgres cargo test -p
//! pmsg-core --test backends` runs both.

use pmsg_core::*;
use std::io::Write;

mod common;
use common::{config, directory, send_request, t};

/// Where a test's store lives: it can be opened again, and tampered with
/// behind pmsg's back.
pub trait Place {
    /// The path or URL to give `Store::open`.
    fn location(&self) -> &str;
    /// Runs raw SQL on the database (for tampering).
    fn raw(&self, sql: &str);
    /// Sets the recorded schema version.
    fn set_schema_version(&self, v: i64);
    /// The location with a busy timeout of `ms` milliseconds.
    fn with_busy_timeout(&self, ms: u64) -> String;
    /// Holds a lock that keeps every pmsg transaction waiting (on SQLite
    /// every writer, on PostgreSQL every operation) until the guard drops.
    fn hold_lock(&self) -> Box<dyn std::any::Any>;
}

struct SqlitePlace {
    _dir: tempfile::TempDir,
    path: String,
}

impl Place for SqlitePlace {
    fn location(&self) -> &str {
        &self.path
    }
    fn raw(&self, sql: &str) {
        rusqlite::Connection::open(&self.path)
            .unwrap()
            .execute_batch(sql)
            .unwrap();
    }
    fn set_schema_version(&self, v: i64) {
        self.raw(&format!("PRAGMA user_version = {v}"));
    }
    fn with_busy_timeout(&self, ms: u64) -> String {
        format!("file:{}?pmsg_busy_timeout_ms={ms}", self.path)
    }
    fn hold_lock(&self) -> Box<dyn std::any::Any> {
        let c = rusqlite::Connection::open(&self.path).unwrap();
        c.execute_batch("BEGIN IMMEDIATE").unwrap();
        Box::new(c)
    }
}

fn sqlite_place() -> Option<Box<dyn Place>> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pmsg.db").to_string_lossy().into_owned();
    Some(Box::new(SqlitePlace { _dir: dir, path }))
}

struct PgPlace {
    base: String,
    schema: String,
    url: String,
}

impl PgPlace {
    fn client(&self) -> ::postgres::Client {
        // The driver's own URL: pmsg's parameters removed, and (as pmsg
        // does) a `host` parameter replacing the authority's host.
        let (base, query) = self.base.split_once('?').unwrap_or((&self.base, ""));
        let base = if query.contains("host=") {
            let start = base.find("://").unwrap() + 3;
            let end = base[start..].find('/').map_or(base.len(), |i| start + i);
            let auth = &base[start..end];
            let user = auth.rfind('@').map_or("", |at| &auth[..=at]);
            format!("{}{user}{}", &base[..start], &base[end..])
        } else {
            base.to_string()
        };
        let url = if query.is_empty() {
            base
        } else {
            format!("{base}?{query}")
        };
        ::postgres::Client::connect(&url, ::postgres::NoTls).unwrap()
    }
}

impl Place for PgPlace {
    fn location(&self) -> &str {
        &self.url
    }
    fn raw(&self, sql: &str) {
        let mut c = self.client();
        c.batch_execute(&format!("SET search_path TO {}; {sql}", self.schema))
            .unwrap();
    }
    fn set_schema_version(&self, v: i64) {
        self.raw(&format!("UPDATE pmsg_schema_version SET version = {v}"));
    }
    fn with_busy_timeout(&self, ms: u64) -> String {
        format!("{}&pmsg_busy_timeout_ms={ms}", self.url)
    }
    fn hold_lock(&self) -> Box<dyn std::any::Any> {
        let mut c = self.client();
        c.batch_execute(&format!(
            "SET search_path TO {}; BEGIN; LOCK TABLE conversation IN ACCESS EXCLUSIVE MODE",
            self.schema
        ))
        .unwrap();
        Box::new(c)
    }
}

impl Drop for PgPlace {
    fn drop(&mut self) {
        let mut c = self.client();
        let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema));
    }
}

fn postgres_place(test: &str) -> Option<Box<dyn Place>> {
    let base = match std::env::var("PMSG_TEST_DATABASE_URL") {
        Ok(u) if !u.is_empty() => u,
        _ => {
            // Not captured by the test harness: the skip shows.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED postgres::{test}: PMSG_TEST_DATABASE_URL is not set (scripts/with-postgres sets it)"
            );
            return None;
        }
    };
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let schema = format!(
        "pmsg_test_{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst),
        test.chars().take(30).collect::<String>()
    );
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}pmsg_schema={schema}");
    Some(Box::new(PgPlace { base, schema, url }))
}

macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $name() {
                    if let Some(place) = super::sqlite_place() {
                        super::suite::$name(&*place);
                    }
                }
            )*
        }
        mod postgres {
            $(
                #[test]
                fn $name() {
                    if let Some(place) = super::postgres_place(stringify!($name)) {
                        super::suite::$name(&*place);
                    }
                }
            )*
        }
    };
}

backend_tests!(
    committed_operations_survive_reopening,
    a_refusal_is_audited_and_everything_else_rolls_back,
    access_follows_workgroup_membership_now,
    last_activity_is_the_greatest_instant,
    a_revoked_caregiver_gets_no_more_notices,
    folders_page_by_cursor_without_repeats,
    account_folders_follow_current_access,
    search_orders_by_code_point,
    a_failing_batch_leaves_nothing_behind,
    purge_deletes_content_and_audits,
    the_audit_chain_detects_edits_and_deletions,
    a_newer_schema_is_refused,
    concurrent_writers_on_two_handles_lose_nothing,
    one_clinic_one_configuration,
    a_handle_compares_only_the_keys_it_gives,
    an_update_is_seen_by_every_handle_at_its_next_operation,
    settings_updates_are_checked_and_audited,
    a_held_lock_is_busy_after_the_busy_timeout,
);

fn open(place: &dyn Place) -> Store {
    Store::open(place.location(), &config()).unwrap_or_else(|e| panic!("open: {e}"))
}

fn setup(place: &dyn Place) -> Store {
    let store = open(place);
    store.upsert_directory(&directory()).unwrap();
    store
}

fn reply(by: &str, conversation: &str, body: &str) -> ReplyRequest {
    ReplyRequest {
        by: by.into(),
        conversation: conversation.into(),
        body: body.into(),
        ..Default::default()
    }
}

fn caregiver_directory(active: bool) -> DirectoryUpdate {
    DirectoryUpdate {
        accounts: vec![Account {
            id: "a-cg".into(),
            kind: AccountKind::Caregiver,
            display_name: "Care Giver".into(),
            registered: true,
        }],
        connections: vec![Connection {
            caregiver: "a-cg".into(),
            patient: "E100".into(),
            active,
        }],
        ..Default::default()
    }
}

mod suite {
    use super::*;

    pub fn committed_operations_survive_reopening(place: &dyn Place) {
        let store = setup(place);
        let out = store
            .send(&send_request("Results.", vec![]), t("2026-03-02T09:00:00Z"))
            .unwrap();
        drop(store);
        let store = open(place);
        let v = store
            .view(
                "account:a-lea",
                &out.conversation_id,
                t("2026-03-02T10:00:00Z"),
            )
            .unwrap();
        assert_eq!(v.messages[0].body, "Results.");
        let audit = store.verify_audit().unwrap();
        assert!(audit.ok, "{audit:?}");
        assert_eq!(audit.entries, 2);
    }

    pub fn a_refusal_is_audited_and_everything_else_rolls_back(place: &dyn Place) {
        let store = setup(place);
        let now = t("2026-03-02T09:00:00Z");
        let out = store.send(&send_request("Hi.", vec![]), now).unwrap();
        store
            .upsert_directory(&DirectoryUpdate {
                staff: vec![Staff {
                    id: "s-out".into(),
                    display_name: "Outsider".into(),
                    accepts_direct: true,
                }],
                ..Default::default()
            })
            .unwrap();
        let err = store
            .view("staff:s-out", &out.conversation_id, now)
            .unwrap_err();
        assert_eq!(err.code(), "not_authorized");
        let tail = store.audit_tail(1).unwrap();
        assert_eq!(tail[0].action, "refused");
        assert_eq!(tail[0].actor, "staff:s-out");
        // A failed validation leaves no trace at all.
        let mut bad = send_request("x", vec![]);
        bad.subject = "   ".into();
        assert_eq!(store.send(&bad, now).unwrap_err().code(), "invalid_subject");
        assert_eq!(store.audit_tail(10).unwrap().len(), 2);
        let page = store.folder("staff:s-ng", "sent", None, None, now).unwrap();
        assert_eq!(page.entries.len(), 1);
        assert!(store.verify_audit().unwrap().ok);
    }

    pub fn access_follows_workgroup_membership_now(place: &dyn Place) {
        let store = setup(place);
        let now = t("2026-03-02T09:00:00Z");
        let out = store.send(&send_request("Hi.", vec![]), now).unwrap();
        let newcomer = |members: Vec<String>| DirectoryUpdate {
            staff: vec![Staff {
                id: "s-new".into(),
                display_name: "New".into(),
                accepts_direct: false,
            }],
            workgroups: vec![Workgroup {
                id: "wg".into(),
                name: "Nursing".into(),
                members,
            }],
            ..Default::default()
        };
        store
            .upsert_directory(&newcomer(vec!["s-ng".into()]))
            .unwrap();
        assert_eq!(
            store
                .view("staff:s-new", &out.conversation_id, now)
                .unwrap_err()
                .code(),
            "not_authorized"
        );
        store
            .upsert_directory(&newcomer(vec!["s-ng".into(), "s-new".into()]))
            .unwrap();
        store
            .view("staff:s-new", &out.conversation_id, now)
            .unwrap();
        // The author stays a participant outside the workgroup.
        store
            .upsert_directory(&newcomer(vec!["s-new".into()]))
            .unwrap();
        store.view("staff:s-ng", &out.conversation_id, now).unwrap();
    }

    pub fn last_activity_is_the_greatest_instant(place: &dyn Place) {
        let store = setup(place);
        let out = store
            .send(&send_request("Hi.", vec![]), t("2026-03-02T12:00:00Z"))
            .unwrap();
        store
            .reply(
                &reply("account:a-lea", &out.conversation_id, "Earlier clock."),
                t("2026-03-02T10:00:00Z"),
            )
            .unwrap();
        let page = store
            .folder("staff:s-ng", "inbox", None, None, t("2026-03-02T13:00:00Z"))
            .unwrap();
        assert_eq!(page.entries.len(), 1);
        assert!(page.entries[0].unread);
        assert_eq!(page.entries[0].last_activity, "2026-03-02T07:00:00-05:00");
        // First read wins; reading marks the side read.
        store
            .read(
                "staff:s-ng",
                &out.conversation_id,
                t("2026-03-02T14:00:00Z"),
            )
            .unwrap();
        let page = store
            .folder("staff:s-ng", "inbox", None, None, t("2026-03-02T15:00:00Z"))
            .unwrap();
        assert!(!page.entries[0].unread);
        let v = store
            .view(
                "staff:s-ng",
                &out.conversation_id,
                t("2026-03-02T15:00:00Z"),
            )
            .unwrap();
        assert!(v.messages.iter().all(|m| m.read));
    }

    pub fn a_revoked_caregiver_gets_no_more_notices(place: &dyn Place) {
        let store = setup(place);
        store.upsert_directory(&caregiver_directory(true)).unwrap();
        let now = t("2026-03-02T09:00:00Z");
        let mut req = send_request("Hi.", vec![]);
        req.response = Response::Required { days: 2 };
        let out = store.send(&req, now).unwrap();
        assert_eq!(out.delivered_to, vec!["account:a-cg".to_string()]);
        let later = t("2026-03-10T09:00:00Z");
        assert!(store
            .due_events(later, None)
            .unwrap()
            .iter()
            .any(|e| e.to == "account:a-cg" && e.kind == EventKind::ResponseOverdue));
        store.upsert_directory(&caregiver_directory(false)).unwrap();
        assert!(store
            .due_events(later, None)
            .unwrap()
            .iter()
            .all(|e| e.to != "account:a-cg"));
        assert_eq!(
            store
                .view("account:a-cg", &out.conversation_id, later)
                .unwrap_err()
                .code(),
            "not_authorized"
        );
    }

    pub fn folders_page_by_cursor_without_repeats(place: &dyn Place) {
        let store = setup(place);
        let mut ids = Vec::new();
        for i in 0..7 {
            // Two sends share each instant: the tie-break orders them.
            let at = t(&format!("2026-03-02T09:0{}:00Z", i / 2));
            ids.push(
                store
                    .send(&send_request(&format!("m{i}"), vec![]), at)
                    .unwrap()
                    .conversation_id,
            );
        }
        let now = t("2026-03-03T09:00:00Z");
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = store
                .folder("staff:s-ng", "sent", cursor.as_deref(), Some(3), now)
                .unwrap();
            seen.extend(page.entries.into_iter().map(|e| e.conversation));
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        ids.reverse();
        assert_eq!(
            seen, ids,
            "newest activity first, then the newer conversation"
        );
        let inbox = store
            .folder("account:a-lea", "inbox", None, Some(5), now)
            .unwrap();
        assert_eq!(inbox.entries.len(), 5);
        assert!(inbox.next_cursor.is_some());
    }

    pub fn account_folders_follow_current_access(place: &dyn Place) {
        let store = setup(place);
        store.upsert_directory(&caregiver_directory(true)).unwrap();
        let now = t("2026-03-02T09:00:00Z");
        let mut req = send_request("Hi.", vec![]);
        req.response = Response::Required { days: 2 };
        store.send(&req, now).unwrap();
        let awaiting = store
            .folder("account:a-cg", "awaiting_response", None, None, now)
            .unwrap();
        assert_eq!(awaiting.entries.len(), 1);
        store.upsert_directory(&caregiver_directory(false)).unwrap();
        for folder in ["inbox", "awaiting_response"] {
            let page = store
                .folder("account:a-cg", folder, None, None, now)
                .unwrap();
            assert!(page.entries.is_empty(), "{folder}");
        }
        let staff = store
            .folder("staff:s-ng", "awaiting_response", None, None, now)
            .unwrap();
        assert_eq!(staff.entries.len(), 1);
    }

    pub fn search_orders_by_code_point(place: &dyn Place) {
        let store = setup(place);
        let patient = |emr: &str, last: &str| Patient {
            emr_id: emr.into(),
            first_name: "X".into(),
            last_name: last.into(),
            date_of_birth: "1980-01-01".into(),
            dependent: false,
            account: None,
        };
        store
            .upsert_directory(&DirectoryUpdate {
                patients: vec![
                    patient("P1", "aω"),
                    patient("P2", "Ab"),
                    patient("P3", "a_x"),
                    patient("P4", "aZ"),
                ],
                ..Default::default()
            })
            .unwrap();
        let found: Vec<String> = store
            .search("a", t("2026-03-02T09:00:00Z"))
            .unwrap()
            .into_iter()
            .map(|m| m.last_name)
            .collect();
        // Folded: a_x < ab < az < aω by code point (a locale collation
        // would put "a_x" after "ab").
        assert_eq!(found, vec!["a_x", "Ab", "aZ", "aω"]);
    }

    pub fn a_failing_batch_leaves_nothing_behind(place: &dyn Place) {
        let store = setup(place);
        let now = t("2026-03-02T09:00:00Z");
        let err = store
            .batch(|b| {
                b.send(&send_request("one", vec![]), now)?;
                b.read("staff:s-ng", "no-such-conversation", now)
            })
            .unwrap_err();
        assert_eq!(err.code(), "unknown_conversation");
        assert!(store
            .folder("staff:s-ng", "sent", None, None, now)
            .unwrap()
            .entries
            .is_empty());
        assert_eq!(store.verify_audit().unwrap().entries, 0);
        store
            .batch(|b| {
                b.send(&send_request("one", vec![]), now)?;
                b.send(&send_request("two", vec![]), now)
            })
            .unwrap();
        assert_eq!(
            store
                .folder("staff:s-ng", "sent", None, None, now)
                .unwrap()
                .entries
                .len(),
            2
        );
    }

    pub fn purge_deletes_content_and_audits(place: &dyn Place) {
        let store = setup(place);
        let now = t("2026-03-02T09:00:00Z");
        let file = NewAttachment {
            name: "r.pdf".into(),
            media_type: "application/pdf".into(),
            content: b"SECRET-CONTENT".to_vec(),
        };
        let out = store.send(&send_request("File.", vec![file]), now).unwrap();
        let att = &out.attachments[0].id;
        store
            .download("account:a-lea", &out.conversation_id, att, now)
            .unwrap();
        assert!(store.purge(now).unwrap().is_empty());
        let purged = store.purge(t("2026-06-30T09:00:00Z")).unwrap();
        assert_eq!(purged.len(), 1);
        assert_eq!(
            store
                .download("staff:s-ng", &out.conversation_id, att, now)
                .unwrap_err()
                .code(),
            "attachment_expired"
        );
        assert_eq!(store.audit_tail(1).unwrap()[0].action, "purge");
        assert!(store.verify_audit().unwrap().ok);
    }

    pub fn the_audit_chain_detects_edits_and_deletions(place: &dyn Place) {
        let store = setup(place);
        let now = t("2026-03-02T09:00:00Z");
        let out = store.send(&send_request("Hi.", vec![]), now).unwrap();
        for _ in 0..3 {
            store.view("staff:s-ng", &out.conversation_id, now).unwrap();
        }
        let tail = store.audit_tail(10).unwrap();
        assert_eq!(tail.len(), 4);
        assert!(store.verify_audit().unwrap().ok);
        drop(store);
        let second = tail[1].seq;
        place.raw(&format!(
            "UPDATE audit SET actor = 'staff:mallory' WHERE seq = {second}"
        ));
        let v = open(place).verify_audit().unwrap();
        assert!(!v.ok);
        assert_eq!(v.first_broken, Some(second));
        assert!(v.problem.unwrap().contains("edited"));
        place.raw(&format!("DELETE FROM audit WHERE seq = {second}"));
        let v = open(place).verify_audit().unwrap();
        assert!(!v.ok, "a deleted entry breaks the chain");
        // One gapless chain names the missing entry; chains with gaps name
        // the entry whose link broke.
        let broken = v.first_broken.unwrap();
        assert!(broken == second || broken == tail[2].seq, "{v:?}");
    }

    pub fn a_newer_schema_is_refused(place: &dyn Place) {
        drop(setup(place));
        place.set_schema_version(SCHEMA_VERSION + 1);
        let err = Store::open(place.location(), &config())
            .err()
            .expect("refused");
        assert_eq!(err.code(), "schema_too_new", "{err}");
    }

    pub fn concurrent_writers_on_two_handles_lose_nothing(place: &dyn Place) {
        let first = std::sync::Arc::new(setup(place));
        let second = std::sync::Arc::new(open(place));
        let threads: Vec<_> = (0..4)
            .map(|i| {
                let store = if i % 2 == 0 {
                    first.clone()
                } else {
                    second.clone()
                };
                std::thread::spawn(move || {
                    let now = t("2026-03-02T09:00:00Z");
                    for j in 0..10 {
                        let out = store
                            .send(&send_request(&format!("t{i} m{j}"), vec![]), now)
                            .unwrap_or_else(|e| panic!("send: {e}"));
                        store
                            .reply(&reply("account:a-lea", &out.conversation_id, "ok"), now)
                            .unwrap_or_else(|e| panic!("reply: {e}"));
                        store
                            .read("staff:s-ng", &out.conversation_id, now)
                            .unwrap_or_else(|e| panic!("read: {e}"));
                    }
                })
            })
            .collect();
        for th in threads {
            th.join().unwrap();
        }
        let now = t("2026-03-03T09:00:00Z");
        let page = first
            .folder("staff:s-ng", "inbox", None, Some(100), now)
            .unwrap();
        assert_eq!(page.entries.len(), 40);
        assert!(page.entries.iter().all(|e| !e.unread));
        let audit = second.verify_audit().unwrap();
        assert!(audit.ok, "{audit:?}");
        assert_eq!(audit.entries, 120);
    }

    /// 23:30 in Toronto on 31 March 2026 (EDT): 1 April in Paris.
    fn late_on_march_31() -> chrono::DateTime<chrono::Utc> {
        t("2026-03-31T23:30:00-04:00")
    }

    fn billed(by: &str) -> SendRequest {
        let mut r = send_request(by, vec![]);
        r.billable_fee_code = Some("K083".into());
        r
    }

    fn keys(json: serde_json::Value) -> PartialConfig {
        PartialConfig::from_json(&json).unwrap()
    }

    fn cycle_entries(store: &Store, cycle: &str) -> usize {
        store.billing_report(cycle).unwrap().entries.len()
    }

    /// R-ST3: the Toronto/Paris example of issue "pmsg on PostgreSQL" (2b):
    /// a handle that brings another time zone is refused, so a message
    /// sent at 23:30 Toronto on 31 March is in cycle 2026-03 whichever
    /// handle reads it.
    pub fn one_clinic_one_configuration(place: &dyn Place) {
        let toronto = setup(place);
        let paris = Config {
            time_zone: "Europe/Paris".into(),
            ..config()
        };
        let err = Store::open(place.location(), &paris)
            .err()
            .expect("another time zone is refused");
        assert_eq!(err.code(), "invalid_config", "{err}");
        assert!(err.to_string().contains("time_zone"), "{err}");
        assert!(err.to_string().contains("Europe/Paris"), "{err}");
        // The first key that differs, in §14's order, is named.
        let err = Store::open(
            place.location(),
            &Config {
                max_group_size: 5,
                ..paris.clone()
            },
        )
        .err()
        .expect("refused");
        assert!(
            err.to_string()
                .starts_with("invalid configuration: time_zone"),
            "{err}"
        );
        let err = Store::open_with(
            place.location(),
            Some(&keys(serde_json::json!({"time_zone": "Europe/Paris"}))),
        )
        .err()
        .expect("refused");
        assert!(err.to_string().contains("time_zone"), "{err}");

        // A handle without settings uses the store's.
        let bare = Store::open_with(place.location(), None).unwrap();
        assert_eq!(bare.settings().unwrap().time_zone, "America/Toronto");
        assert_eq!(bare.settings().unwrap(), config().normalized().unwrap());
        bare.send(&billed("Late."), late_on_march_31()).unwrap();
        for store in [&toronto, &bare] {
            assert_eq!(cycle_entries(store, "2026-03"), 1);
            assert_eq!(cycle_entries(store, "2026-04"), 0);
        }
        let entry = &bare.billing_report("2026-03").unwrap().entries[0];
        assert_eq!(entry.sent_at, "2026-03-31T23:30:00-04:00");
    }

    /// R-ST3: only the keys given are compared, after §14's normalisation.
    pub fn a_handle_compares_only_the_keys_it_gives(place: &dyn Place) {
        let created = Store::open_with(
            place.location(),
            Some(&keys(serde_json::json!({
                "time_zone": "America/Toronto",
                "fee_codes": ["K083", " a007 "],
                "allowed_media_types": ["application/pdf", "Image/PNG"]
            }))),
        )
        .unwrap();
        let stored = created.settings().unwrap();
        assert_eq!(stored.fee_codes, ["K083", "A007"]);
        assert_eq!(stored.allowed_media_types, ["application/pdf", "image/png"]);
        assert_eq!(stored.max_group_size, 10_000, "the defaults for the rest");
        for same in [
            serde_json::json!({}),
            serde_json::json!({"time_zone": "America/Toronto"}),
            serde_json::json!({"fee_codes": ["a007", "k083"]}),
            serde_json::json!({"allowed_media_types": ["image/png; q=1", "APPLICATION/PDF"]}),
            serde_json::json!({"age_of_majority": 18, "billing_cycle": "monthly"}),
        ] {
            Store::open_with(place.location(), Some(&keys(same.clone())))
                .unwrap_or_else(|e| panic!("{same}: {e}"));
        }
        for (differs, key) in [
            (serde_json::json!({"fee_codes": ["K083"]}), "fee_codes"),
            (
                serde_json::json!({"allowed_media_types": ["application/pdf"]}),
                "allowed_media_types",
            ),
            (
                serde_json::json!({"max_group_size": 10, "age_of_majority": 16}),
                "age_of_majority",
            ),
        ] {
            let err = Store::open_with(place.location(), Some(&keys(differs.clone())))
                .err()
                .unwrap_or_else(|| panic!("{differs} is refused"));
            assert_eq!(err.code(), "invalid_config");
            assert!(
                err.to_string()
                    .starts_with(&format!("invalid configuration: {key} ")),
                "{differs}: {err}"
            );
        }
        // `Store::open` gives every key: the defaults' media types differ.
        let err = Store::open(
            place.location(),
            &Config {
                time_zone: "America/Toronto".into(),
                ..Config::default()
            },
        )
        .err()
        .expect("refused");
        assert!(err.to_string().contains("allowed_media_types"), "{err}");
    }

    /// R-ST3: an update by one handle is seen by another at its next
    /// operation (no stale copy), and by handles opened later.
    pub fn an_update_is_seen_by_every_handle_at_its_next_operation(place: &dyn Place) {
        let first = setup(place);
        let second = Store::open_with(place.location(), None).unwrap();
        first.send(&billed("Late."), late_on_march_31()).unwrap();
        assert_eq!(cycle_entries(&second, "2026-03"), 1, "read in Toronto");
        let now = t("2026-04-02T09:00:00Z");
        let updated = first
            .update_settings(
                "staff:s-ng",
                &keys(serde_json::json!({"time_zone": "Europe/Paris"})),
                now,
            )
            .unwrap();
        assert_eq!(updated.time_zone, "Europe/Paris");
        assert_eq!(
            updated,
            Config {
                time_zone: "Europe/Paris".into(),
                ..config()
            }
            .normalized()
            .unwrap(),
            "keys left out keep their values"
        );
        // The other handle's next operation reads in Paris.
        assert_eq!(cycle_entries(&second, "2026-03"), 0);
        assert_eq!(cycle_entries(&second, "2026-04"), 1);
        assert_eq!(second.settings().unwrap().time_zone, "Europe/Paris");
        let v = second.due_events(t("2026-04-30T00:00:00Z"), None).unwrap();
        assert!(!v.is_empty());
        assert!(v.iter().all(|e| e.due_at.ends_with("+02:00")), "{v:?}");
        // New handles: without settings they use Paris, with Toronto they are refused.
        let third = Store::open_with(place.location(), None).unwrap();
        assert_eq!(third.settings().unwrap().time_zone, "Europe/Paris");
        let err = Store::open(place.location(), &config())
            .err()
            .expect("refused");
        assert!(err.to_string().contains("time_zone"), "{err}");
        // Another update through the second handle, seen by the first.
        second
            .update_settings(
                "staff:s-ng",
                &keys(serde_json::json!({"time_zone": "America/Toronto", "max_group_size": 3})),
                now,
            )
            .unwrap();
        assert_eq!(cycle_entries(&first, "2026-03"), 1);
        let s = first.settings().unwrap();
        assert_eq!(
            (s.time_zone.as_str(), s.max_group_size),
            ("America/Toronto", 3)
        );
    }

    /// R-ST3, R-AU1: who may update, invalid values, and the audit entry.
    pub fn settings_updates_are_checked_and_audited(place: &dyn Place) {
        let store = setup(place);
        let now = t("2026-03-02T09:00:00Z");
        let change = keys(serde_json::json!({"retention_days_after_download": 30}));
        for (by, code) in [
            ("staff:nobody", "unknown_staff"),
            ("account:a-lea", "unknown_staff"),
            ("s-ng", "invalid_argument"),
        ] {
            let err = store.update_settings(by, &change, now).unwrap_err();
            assert_eq!(err.code(), code, "{by}: {err}");
        }
        for bad in [
            serde_json::json!({"max_group_size": 0}),
            serde_json::json!({"time_zone": "Mars/Olympus"}),
            serde_json::json!({"fee_codes": ["K-083"]}),
            serde_json::json!({"billing_cycle": "yearly"}),
        ] {
            let err = store
                .update_settings("staff:s-ng", &keys(bad.clone()), now)
                .unwrap_err();
            assert_eq!(err.code(), "invalid_config", "{bad}: {err}");
        }
        assert_eq!(
            store.verify_audit().unwrap().entries,
            0,
            "failures leave no trace"
        );
        assert_eq!(store.settings().unwrap(), config().normalized().unwrap());

        let out = store.send(&send_request("Hi.", vec![]), now).unwrap();
        let s = store.update_settings("staff:s-ng", &change, now).unwrap();
        assert_eq!(s.retention_days_after_download, 30);
        let tail = store.audit_tail(1).unwrap();
        assert_eq!(tail[0].action, "settings");
        assert_eq!(tail[0].actor, "staff:s-ng");
        assert_eq!(tail[0].conversation, None);
        assert_eq!(tail[0].message, None);
        assert_eq!(tail[0].at, "2026-03-02T04:00:00-05:00");
        // The conversation's chain goes on after it (on PostgreSQL the
        // entry is in the chain of entries without a conversation).
        store.view("staff:s-ng", &out.conversation_id, now).unwrap();
        let audit = store.verify_audit().unwrap();
        assert!(audit.ok, "{audit:?}");
        assert_eq!(audit.entries, 3);
        // An empty update changes nothing, and is audited all the same.
        let same = store
            .update_settings("staff:s-ng", &PartialConfig::default(), now)
            .unwrap();
        assert_eq!(same, s);
        assert_eq!(store.verify_audit().unwrap().entries, 4);
    }

    /// §13 `storage`, kind `busy`: a writer that waits past the busy
    /// timeout for another's lock fails with `busy`, in about that time.
    pub fn a_held_lock_is_busy_after_the_busy_timeout(place: &dyn Place) {
        drop(setup(place));
        let store = Store::open_with(&place.with_busy_timeout(100), None).unwrap();
        let now = t("2026-03-02T09:00:00Z");
        let guard = place.hold_lock();
        let began = std::time::Instant::now();
        let err = store.send(&send_request("Hi.", vec![]), now).unwrap_err();
        let waited = began.elapsed();
        assert_eq!(err.code(), "storage", "{err}");
        assert_eq!(err.storage_kind(), Some(StorageKind::Busy), "{err}");
        assert!(
            err.to_string().starts_with("storage error (busy): "),
            "{err}"
        );
        assert!(waited < std::time::Duration::from_secs(5), "{waited:?}");
        drop(guard);
        store.send(&send_request("Hi.", vec![]), now).unwrap();
    }
}
