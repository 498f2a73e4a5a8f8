//! I/O errors and power loss (R-ST1), through a fault-injecting VFS
//! (`io_faults/vfs.rs`) registered as SQLite's default VFS.
//!
//! * I/O errors: every write, fsync and read position of each operation of
//!   a scenario fails in turn; the operation must fail with `storage`,
//!   leave nothing behind, and everything committed before must be intact
//!   through the same handle, through a second handle, and in a copy of the
//!   files taken at that instant as a crash would leave them.
//! * Power loss: the scenario runs with the power cut at every write and
//!   every fsync, and between operations; what survives is the synced
//!   content plus none or a random subset of the unsynced writes. Every
//!   operation that returned success must be there after recovery.
//! * A negative control: with `synchronous = OFF` the same cut loses
//!   committed rows, so the harness can see a loss.

mod common;
#[path = "io_faults/vfs.rs"]
mod vfs;

use chrono::{DateTime, Duration, Utc};
use common::{config, directory, send_request, t};
use pmsg_core::*;
use std::path::Path;
use vfs::{Cut, Disk, Fault, Op};

// ---------------------------------------------------------------------------
// The scenario and what the callers were told.

#[derive(Clone, Copy, Debug)]
enum Step {
    /// A new conversation with attachments of these sizes.
    Send {
        sizes: &'static [usize],
        required: bool,
    },
    /// A staff reply in conversation `conv` (index in the ledger).
    StaffReply {
        conv: usize,
        sizes: &'static [usize],
    },
    PatientReply {
        conv: usize,
    },
    StaffRead {
        conv: usize,
    },
    /// The patient downloads the first file of the first message (retention starts).
    PatientDownload {
        conv: usize,
    },
    /// Delivers up to 3 due events, acknowledging each.
    AckDue,
    Purge,
    Close {
        conv: usize,
    },
}

/// The operations, one day apart; the purge comes 8 days after the download.
const SCENARIO: &[Step] = &[
    Step::Send {
        sizes: &[3000, 9000],
        required: true,
    },
    Step::PatientReply { conv: 0 },
    Step::StaffRead { conv: 0 },
    Step::Send {
        sizes: &[20_000],
        required: false,
    },
    Step::PatientDownload { conv: 0 },
    Step::StaffReply {
        conv: 1,
        sizes: &[5000],
    },
    Step::AckDue,
    Step::Send {
        sizes: &[],
        required: false,
    },
    Step::Close { conv: 2 },
    Step::AckDue,
    Step::StaffReply {
        conv: 0,
        sizes: &[],
    },
    Step::AckDue,
    Step::Purge,
    Step::Send {
        sizes: &[1500, 1500, 1500],
        required: true,
    },
];

/// The instant of step `i`.
fn at(i: usize) -> DateTime<Utc> {
    t("2026-03-02T09:00:00-05:00") + Duration::days(i as i64)
}

/// After every step: the checks look from here.
fn later() -> DateTime<Utc> {
    at(SCENARIO.len() + 1)
}

fn content(seed: usize, n: usize, len: usize) -> Vec<u8> {
    (0..len)
        .map(|b| (b as u64 * 31 + seed as u64 * 7 + n as u64 * 131) as u8)
        .collect()
}

fn files(seed: usize, sizes: &[usize]) -> Vec<NewAttachment> {
    sizes
        .iter()
        .enumerate()
        .map(|(n, &len)| NewAttachment {
            name: format!("result-{seed}-{n}.pdf"),
            media_type: "application/pdf".into(),
            content: content(seed, n, len),
        })
        .collect()
}

/// Everything the callers were told succeeded.
#[derive(Clone, Debug, Default, PartialEq)]
struct Ledger {
    convs: Vec<Conv>,
    /// Acknowledged events.
    acked: Vec<String>,
    /// Attachments whose retention started (they may be purged).
    downloaded: Vec<String>,
    /// Attachments purged.
    purged: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
struct Conv {
    id: String,
    closed: bool,
    messages: Vec<Msg>,
}

#[derive(Clone, Debug, PartialEq)]
struct Msg {
    id: String,
    body: String,
    patient_side: bool,
    /// Read by its addressee side (acknowledged).
    read: bool,
    files: Vec<(String, Vec<u8>)>,
}

impl Ledger {
    fn messages(&self) -> usize {
        self.convs.iter().map(|c| c.messages.len()).sum()
    }

    fn attachments(&self) -> usize {
        self.convs
            .iter()
            .flat_map(|c| &c.messages)
            .map(|m| m.files.len())
            .sum()
    }
}

/// A message found in the store after a step that reported failure, as the
/// ledger records it: `want` are the attachments the step sent.
fn adopted(m: &MessageView, want: Vec<NewAttachment>) -> Msg {
    Msg {
        id: m.id.clone(),
        body: m.body.clone(),
        patient_side: m.side == "patient",
        read: false,
        files: m
            .attachments
            .iter()
            .zip(want)
            .map(|(a, f)| (a.id.clone(), f.content))
            .collect(),
    }
}

fn body_of(i: usize) -> String {
    format!("Message of step {i}: please see the results.")
}

/// Runs step `i`, recording in `l` each part the store reported done.
fn run(store: &Store, i: usize, l: &mut Ledger) -> Result<()> {
    let now = at(i);
    let body = body_of(i);
    let msg = |id: String, patient_side: bool, sent: &[NewAttachment], out: &SendOutcome| Msg {
        id,
        body: body.clone(),
        patient_side,
        read: false,
        files: out
            .attachments
            .iter()
            .zip(sent)
            .map(|(a, f)| (a.id.clone(), f.content.clone()))
            .collect(),
    };
    match SCENARIO[i] {
        Step::Send { sizes, required } => {
            let sent = files(i, sizes);
            let mut req = send_request(&body, sent.clone());
            if required {
                req.response = Response::Required { days: 2 };
            }
            let out = store.send(&req, now)?;
            l.convs.push(Conv {
                id: out.conversation_id.clone(),
                closed: false,
                messages: vec![msg(out.message_id.clone(), false, &sent, &out)],
            });
        }
        Step::StaffReply { conv, .. } | Step::PatientReply { conv } => {
            let (by, sent) = match SCENARIO[i] {
                Step::StaffReply { sizes, .. } => ("staff:s-ng", files(i, sizes)),
                _ => ("account:a-lea", vec![]),
            };
            let out = store.reply(
                &ReplyRequest {
                    by: by.into(),
                    conversation: l.convs[conv].id.clone(),
                    body: body.clone(),
                    attachments: sent.clone(),
                    ..Default::default()
                },
                now,
            )?;
            let patient_side = by.starts_with("account:");
            l.convs[conv]
                .messages
                .push(msg(out.message_id.clone(), patient_side, &sent, &out));
        }
        Step::StaffRead { conv } => {
            store.read("staff:s-ng", &l.convs[conv].id, now)?;
            for m in l.convs[conv].messages.iter_mut() {
                if m.patient_side {
                    m.read = true;
                }
            }
        }
        Step::PatientDownload { conv } => {
            let c = &l.convs[conv];
            let att = c.messages[0].files[0].0.clone();
            store.download("account:a-lea", &c.id, &att, now)?;
            if !l.downloaded.contains(&att) {
                l.downloaded.push(att);
            }
        }
        Step::AckDue => {
            for e in store.due_events(now, Some(3))? {
                store.ack(&e.id, now)?;
                l.acked.push(e.id);
            }
        }
        Step::Purge => {
            for p in store.purge(now)? {
                l.purged.push(p.attachment);
            }
        }
        Step::Close { conv } => {
            store.close("staff:s-ng", &l.convs[conv].id, now)?;
            l.convs[conv].closed = true;
        }
    }
    Ok(())
}

/// Adopts into `l` what a failed step `i` may nonetheless have done (after
/// a power cut, or a purge whose checkpoint failed after its commit), after
/// checking that it is complete. With `strict`, a failed step must have
/// left no trace (purge excepted: its commit precedes its checkpoint).
fn adopt(store: &Store, i: usize, l: &mut Ledger, strict: bool) {
    let now = later();
    match SCENARIO[i] {
        Step::Send { sizes, .. } => {
            let new: Vec<_> = conversations(store)
                .into_iter()
                .filter(|id| !l.convs.iter().any(|c| &c.id == id))
                .collect();
            assert!(new.len() <= 1, "step {i}: {} new conversations", new.len());
            if let Some(id) = new.first() {
                assert!(!strict, "step {i}: the failed send left a conversation");
                let v = store.view("staff:s-ng", id, now).unwrap();
                assert_eq!(v.messages.len(), 1);
                let m = &v.messages[0];
                assert_eq!(m.body, body_of(i));
                let want = files(i, sizes);
                assert_eq!(m.attachments.len(), want.len(), "step {i}: half a send");
                l.convs.push(Conv {
                    id: id.clone(),
                    closed: false,
                    messages: vec![adopted(m, want)],
                });
            }
        }
        Step::StaffReply { conv, .. } | Step::PatientReply { conv } => {
            let sizes: &[usize] = match SCENARIO[i] {
                Step::StaffReply { sizes, .. } => sizes,
                _ => &[],
            };
            let c = &mut l.convs[conv];
            let v = store.view("staff:s-ng", &c.id, now).unwrap();
            assert!(v.messages.len() <= c.messages.len() + 1);
            if v.messages.len() == c.messages.len() + 1 {
                assert!(!strict, "step {i}: the failed reply left a message");
                let m = v.messages.last().unwrap();
                assert_eq!(m.body, body_of(i));
                let want = files(i, sizes);
                assert_eq!(m.attachments.len(), want.len(), "step {i}: half a reply");
                c.messages.push(adopted(m, want));
            }
        }
        Step::StaffRead { conv } => {
            let c = &mut l.convs[conv];
            let v = store.view("staff:s-ng", &c.id, now).unwrap();
            for (m, lm) in v.messages.iter().zip(c.messages.iter_mut()) {
                if lm.patient_side && m.read && !lm.read {
                    assert!(!strict, "step {i}: the failed read marked a message");
                    lm.read = true;
                }
            }
        }
        Step::Purge => {
            for c in &l.convs {
                let v = store.view("staff:s-ng", &c.id, now).unwrap();
                for a in v.messages.iter().flat_map(|m| &m.attachments) {
                    if a.purged && !l.purged.contains(&a.id) {
                        l.purged.push(a.id.clone());
                    }
                }
            }
        }
        Step::Close { conv } => {
            let c = &mut l.convs[conv];
            let v = store.view("staff:s-ng", &c.id, now).unwrap();
            if v.status == ConversationStatus::Closed && !c.closed {
                assert!(!strict, "step {i}: the failed close closed");
                c.closed = true;
            }
        }
        // A failed download is retried as it is (retention shows in no
        // view); acknowledgements are idempotent and the ledger holds only
        // those that returned.
        Step::PatientDownload { .. } | Step::AckDue => {}
    }
}

/// The ids of every conversation the staff member sent (open or closed).
fn conversations(store: &Store) -> Vec<String> {
    ["sent", "closed"]
        .iter()
        .flat_map(|folder| {
            store
                .folder("staff:s-ng", folder, None, Some(1000), later())
                .unwrap()
                .entries
        })
        .map(|e| e.conversation)
        .collect()
}

/// Everything in `l` is in the store, exactly: the same conversations;
/// no acknowledged event due again; the audit chain verifies. With `full`,
/// also the messages, bodies, attachment bytes, read marks, closes and
/// purges, through `view` and `download`. (These are audited: each adds
/// entries to the audit, which `verify_audit` then hashes, so the checks of
/// every fault position use them on a throwaway copy of the files.)
fn check(store: &Store, l: &Ledger, what: &str, full: bool) {
    let now = later();
    let mut ids = conversations(store);
    let mut want: Vec<_> = l.convs.iter().map(|c| c.id.clone()).collect();
    ids.sort();
    want.sort();
    assert_eq!(ids, want, "{what}: conversations");
    for c in l.convs.iter().filter(|_| full) {
        let v = store
            .view("staff:s-ng", &c.id, now)
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(
            v.status == ConversationStatus::Closed,
            c.closed,
            "{what}: closed"
        );
        assert_eq!(v.messages.len(), c.messages.len(), "{what}: messages");
        for (m, lm) in v.messages.iter().zip(&c.messages) {
            assert_eq!((&m.id, &m.body), (&lm.id, &lm.body), "{what}");
            if lm.read {
                assert!(m.read, "{what}: a read mark was lost");
            }
            assert_eq!(m.attachments.len(), lm.files.len(), "{what}");
            for (a, (id, bytes)) in m.attachments.iter().zip(&lm.files) {
                assert_eq!(&a.id, id, "{what}");
                let purged = l.purged.contains(id);
                assert_eq!(a.purged, purged, "{what}: purge of {id}");
                if purged {
                    assert!(l.downloaded.contains(id), "{what}: purged too early");
                }
                match store.download("staff:s-ng", &c.id, id, now) {
                    Ok(d) => assert!(!purged && d.content == *bytes, "{what}: bytes of {id}"),
                    Err(e) => assert!(
                        purged && e.code() == "attachment_expired",
                        "{what}: {id}: {e}"
                    ),
                }
            }
        }
    }
    let due = store.due_events(now + Duration::days(400), None).unwrap();
    for e in &due {
        assert!(
            !l.acked.contains(&e.id),
            "{what}: acknowledged event {} due again",
            e.id
        );
    }
    let audit = store.verify_audit().unwrap();
    assert!(audit.ok, "{what}: audit {audit:?}");
}

/// The file itself: integrity, foreign keys, and exact row counts.
fn check_file(path: &str, l: &Ledger, what: &str) {
    let c = rusqlite::Connection::open(path).unwrap();
    let ok: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok", "{what}: integrity_check");
    let fk: i64 = c
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(fk, 0, "{what}: foreign_key_check");
    let count = |table: &str| -> usize {
        c.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap() as usize
    };
    assert_eq!(
        count("conversation"),
        l.convs.len(),
        "{what}: conversations"
    );
    assert_eq!(count("message"), l.messages(), "{what}: messages");
    assert_eq!(count("attachment"), l.attachments(), "{what}: attachments");
}

/// A new disk in a new temp dir, with the clinic's directory in a new store.
fn clinic(fake_sync: bool) -> (tempfile::TempDir, std::sync::Arc<Disk>, String, Store) {
    let tmp = tempfile::tempdir().unwrap();
    let disk = Disk::new(tmp.path(), fake_sync);
    let path = disk.dir().join("pmsg.db").to_string_lossy().into_owned();
    let store = Store::open(&path, &config()).unwrap();
    store.upsert_directory(&directory()).unwrap();
    (tmp, disk, path, store)
}

/// Copies the database and its WAL (not the shared memory) as a crash of
/// the process would leave them at this instant, and opens the copy.
fn crash_copy(path: &str, into: &Path) -> (String, Store) {
    let copy = into.join("crash.db").to_string_lossy().into_owned();
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{copy}{suffix}"));
    }
    std::fs::copy(path, &copy).unwrap();
    if Path::new(&format!("{path}-wal")).exists() {
        std::fs::copy(format!("{path}-wal"), format!("{copy}-wal")).unwrap();
    }
    let store = Store::open(&copy, &config()).unwrap();
    (copy, store)
}

// ---------------------------------------------------------------------------
// I/O errors.

#[derive(Default, Debug)]
struct Tally {
    /// Fault positions that made an operation fail.
    failed: u64,
    /// Purges that failed at their checkpoint after committing.
    purge_committed: u64,
    /// Crash copies in which the failed operation was nonetheless complete.
    reappeared: u64,
    /// Faults after which the operation succeeded all the same.
    absorbed: u64,
}

/// Fails, in turn, each `op` of every scenario step; see the module doc.
/// With `cold`, each attempt runs on a freshly opened handle (reads of a
/// warm handle come from its page cache).
fn every_fault_position(op: Op, cold: bool) -> Tally {
    let (tmp, disk, path, store) = clinic(true);
    let crash_dir = tempfile::tempdir().unwrap();
    let mut l = Ledger::default();
    let mut tally = Tally::default();
    for (i, step) in SCENARIO.iter().enumerate() {
        for k in 1.. {
            let fresh;
            let s = if cold {
                fresh = Store::open(&path, &config()).unwrap();
                &fresh
            } else {
                &store
            };
            let before = l.clone();
            disk.arm(op, k, Fault::Once);
            let result = run(s, i, &mut l);
            let fired = disk.fired();
            let at = disk.fired_at();
            disk.disarm();
            let what = format!("{op:?} fault {k} of step {i} ({step:?})");
            match (result, fired) {
                (Ok(()), false) => {
                    // k passed this step's last operation of the kind.
                    check(s, &l, &what, false);
                    break;
                }
                (Ok(()), true) => {
                    // SQLite absorbed the fault: it hit the checkpoint that
                    // follows a commit, whose errors SQLite ignores. The step
                    // did succeed: it must be all there.
                    tally.absorbed += 1;
                    eprintln!("{what}: absorbed (at {at:?})");
                    check(s, &l, &what, false);
                    check_file(&path, &l, &what);
                    break;
                }
                (Err(e), false) => panic!("{what}: failed without a fault: {e}"),
                (Err(e), true) => {
                    assert_eq!(e.code(), "storage", "{what}: {e}");
                    // The cause, not a failed ROLLBACK after SQLite's own.
                    assert!(!e.to_string().contains("cannot rollback"), "{what}: {e}");
                    tally.failed += 1;
                    if let Step::AckDue = step {
                        // Acks before the failing one stand, each its own transaction.
                        assert!(l.acked.starts_with(&before.acked));
                    } else {
                        assert_eq!(l, before, "{what}: the ledger moved");
                    }
                    let strict = !matches!(step, Step::Purge);
                    let before_adopt = l.clone();
                    adopt(s, i, &mut l, strict);
                    if l != before_adopt {
                        tally.purge_committed += 1;
                    }
                    // The same handle, a second handle, the file itself.
                    check(s, &l, &format!("{what}, same handle"), false);
                    let again = Store::open(&path, &config()).unwrap();
                    check(&again, &l, &format!("{what}, second handle"), false);
                    drop(again);
                    check_file(&path, &l, &what);
                    // The files as a crash right now would leave them (the
                    // WAL recovered without its index): the failed operation
                    // is absent, or complete; everything else is there.
                    let (copy, crashed) = crash_copy(&path, crash_dir.path());
                    let mut cl = l.clone();
                    adopt(&crashed, i, &mut cl, false);
                    if cl != l {
                        tally.reappeared += 1;
                        eprintln!("{what}: complete after a crash (fired at {at:?})");
                    }
                    check(&crashed, &cl, &format!("{what}, crash copy"), true);
                    drop(crashed);
                    check_file(&copy, &cl, &format!("{what}, crash copy"));
                }
            }
            assert!(k < 500, "{what}: no end in sight");
        }
    }
    // The store keeps working, and a clean reopen sees everything.
    let mut extra = l.clone();
    let out = store
        .send(&send_request("After the faults.", vec![]), later())
        .unwrap();
    extra.convs.push(Conv {
        id: out.conversation_id,
        closed: false,
        messages: vec![Msg {
            id: out.message_id,
            body: "After the faults.".into(),
            patient_side: false,
            read: false,
            files: vec![],
        }],
    });
    check(&store, &extra, "after the faults", true);
    drop(store);
    let store = Store::open(&path, &config()).unwrap();
    check(&store, &extra, "reopened after the faults", true);
    drop(store);
    check_file(&path, &extra, "reopened after the faults");
    drop(tmp);
    tally
}

#[test]
fn every_failed_write_fails_with_storage_and_loses_nothing() {
    let tally = every_fault_position(Op::Write, false);
    eprintln!("write faults: {tally:?}");
    assert!(tally.failed >= 50, "{tally:?}");
}

#[test]
fn every_failed_fsync_fails_with_storage_and_loses_nothing() {
    let tally = every_fault_position(Op::Sync, false);
    eprintln!("fsync faults: {tally:?}");
    assert!(tally.failed >= SCENARIO.len() as u64, "{tally:?}");
}

#[test]
fn every_failed_read_fails_with_storage_and_loses_nothing() {
    let tally = every_fault_position(Op::Read, true);
    eprintln!("read faults: {tally:?}");
    assert!(tally.failed >= 50, "{tally:?}");
}

// ---------------------------------------------------------------------------
// Power loss.

/// What a power-cut run went through.
#[derive(Default, Debug)]
struct Cuts {
    /// Cuts in the middle of an operation (at its k-th write or fsync).
    mid_operation: u64,
    /// Cuts between operations.
    between: u64,
    /// Operations cut that were complete after recovery all the same.
    survived_failed: u64,
}

/// Runs the scenario with the power cut at every `op` (write or fsync) of
/// every step, and after every step. A cut: the faulting operation fails
/// and every later write, fsync and delete too; the store is dropped (its
/// close can write nothing any more); the files get what a power loss
/// leaves, alternately only the synced content and the synced content
/// plus a random subset of the unsynced writes; then the store is
/// reopened (WAL recovery) and checked.
fn power_cuts(op: Op) -> Cuts {
    let (tmp, disk, path, mut store) = clinic(true);
    // Full checks run on a copy of the recovered files (they add audit
    // entries); the copy's directory is a disk too, for its fake fsyncs.
    let scratch = tempfile::tempdir().unwrap();
    let scratch_disk = Disk::new(scratch.path(), true);
    let mut l = Ledger::default();
    let mut cuts = Cuts::default();
    let mut n = 0u64;
    for (i, step) in SCENARIO.iter().enumerate() {
        for k in 1.. {
            disk.arm(op, k, Fault::PowerCut);
            let result = run(&store, i, &mut l);
            let fired = disk.fired();
            disk.disarm();
            let what = format!("power cut at {op:?} {k} of step {i} ({step:?})");
            if fired {
                cuts.mid_operation += 1;
            } else {
                // The step ran to its end: cut between it and the next.
                result.as_ref().unwrap_or_else(|e| panic!("{what}: {e}"));
                cuts.between += 1;
            }
            disk.power_off();
            drop(store);
            n += 1;
            let cut = if n % 2 == 0 {
                Cut::LoseAll
            } else {
                Cut::Random(n)
            };
            disk.restore_power(cut);
            let what = format!("{what}, {cut:?}");
            if n % 4 == 0 || !fired {
                let (_, copy) = crash_copy(&path, scratch_disk.dir());
                let mut cl = l.clone();
                if result.is_err() {
                    adopt(&copy, i, &mut cl, false);
                }
                check(&copy, &cl, &format!("{what}, copy"), true);
            }
            store = Store::open(&path, &config()).unwrap_or_else(|e| panic!("{what}: {e}"));
            if result.is_err() {
                // Only synced content survives: the step that failed is not
                // there (a purge excepted: it commits before its checkpoint).
                let strict = matches!(cut, Cut::LoseAll) && !matches!(step, Step::Purge);
                let before = l.clone();
                adopt(&store, i, &mut l, strict);
                if l != before {
                    cuts.survived_failed += 1;
                }
            }
            check(&store, &l, &what, false);
            check_file(&path, &l, &what);
            if !fired {
                break;
            }
            assert!(k < 500, "{what}: no end in sight");
        }
    }
    check(&store, &l, "after every cut", true);
    drop(store);
    drop(tmp);
    cuts
}

#[test]
fn committed_operations_survive_a_power_cut_at_every_write() {
    let cuts = power_cuts(Op::Write);
    eprintln!("power cuts at writes: {cuts:?}");
    assert!(cuts.mid_operation >= 50, "{cuts:?}");
    assert_eq!(cuts.between, SCENARIO.len() as u64);
}

#[test]
fn committed_operations_survive_a_power_cut_at_every_fsync() {
    let cuts = power_cuts(Op::Sync);
    eprintln!("power cuts at fsyncs: {cuts:?}");
    assert!(cuts.mid_operation >= SCENARIO.len() as u64, "{cuts:?}");
    assert_eq!(cuts.between, SCENARIO.len() as u64);
}

/// Negative control: the same cut, on a table written through the same VFS
/// by plain rusqlite with `synchronous = OFF` (no fsync ever), loses
/// committed rows; with `FULL`, as pmsg sets it, it loses none.
#[test]
fn a_power_cut_loses_unsynced_commits_and_the_harness_sees_it() {
    for (sync, keeps) in [("OFF", false), ("FULL", true)] {
        let tmp = tempfile::tempdir().unwrap();
        let disk = Disk::new(tmp.path(), true);
        let path = disk.dir().join("raw.db");
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(&format!(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = {sync};
             CREATE TABLE t (x INTEGER);"
        ))
        .unwrap();
        for x in 0..20 {
            c.execute("INSERT INTO t VALUES (?1)", [x]).unwrap();
        }
        disk.power_off();
        drop(c);
        disk.restore_power(Cut::LoseAll);
        let c = rusqlite::Connection::open(&path).unwrap();
        let rows = c
            .query_row("SELECT count(*) FROM t", [], |r| r.get::<_, i64>(0))
            .unwrap_or(0); // no table at all: every row lost
        assert_eq!(rows == 20, keeps, "synchronous = {sync}: {rows} of 20 rows");
    }
}

/// A purge whose checkpoint fails after its commit reports `storage`; the
/// caller retries, and then the purged bytes must be gone from the file
/// and its WAL (R-D6), although the retry finds nothing more to purge.
#[test]
fn a_purge_retried_after_a_failed_checkpoint_leaves_no_purged_bytes() {
    let secret: Vec<u8> = b"SECRET-SCAN-".iter().cycle().take(6000).copied().collect();
    let mut committed_then_failed = 0;
    for op in [Op::Write, Op::Sync, Op::Truncate] {
        for k in 1.. {
            let (_tmp, disk, path, store) = clinic(true);
            let file = NewAttachment {
                name: "scan.pdf".into(),
                media_type: "application/pdf".into(),
                content: secret.clone(),
            };
            let out = store
                .send(&send_request("See the scan.", vec![file]), at(0))
                .unwrap();
            let att = &out.attachments[0].id;
            store
                .download("account:a-lea", &out.conversation_id, att, at(1))
                .unwrap();
            disk.arm(op, k, Fault::Once);
            let result = store.purge(at(9));
            let fired = disk.fired();
            disk.disarm();
            match result {
                Ok(p) => {
                    assert!(!fired, "{op:?} {k}: purged although the fault fired");
                    assert_eq!(p.len(), 1);
                    break;
                }
                Err(e) => assert_eq!(e.code(), "storage", "{op:?} {k}: {e}"),
            }
            let v = store
                .view("staff:s-ng", &out.conversation_id, at(9))
                .unwrap();
            if v.messages[0].attachments[0].purged {
                committed_then_failed += 1;
            }
            // The caller retries.
            let again = store.purge(at(9)).unwrap();
            assert!(again.len() <= 1);
            for f in [path.clone(), format!("{path}-wal")] {
                let bytes = std::fs::read(&f).unwrap_or_default();
                assert!(
                    !common::contains(&bytes, b"SECRET-SCAN-SECRET-SCAN-"),
                    "{op:?} fault {k}: purged bytes remain in {f} after the retry"
                );
            }
            assert!(k < 100);
        }
    }
    assert!(committed_then_failed > 0, "no fault hit the checkpoint");
}
