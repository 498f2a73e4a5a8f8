//! What "nothing lost, nothing half-done" means, as checks.
//!
//! * [`database`]: SQLite's own `integrity_check` and `foreign_key_check`,
//!   then the invariants every committed operation leaves behind, as SQL
//!   (a conversation has a message, a staff message has deliveries and one
//!   `new_message` event per delivery, no orphan rows, derived columns in
//!   step with what they summarise, one audit entry per posted message…).
//!   A half-applied operation breaks at least one of them.
//! * [`audit`]: the hash chain (`verify_audit`).
//! * [`History`] and [`acknowledged`]: every operation the crash child
//!   reported as successful is still there, through the public API for the
//!   latest child's operations and through SQL for all earlier ones.

use crate::fixture;
use crate::oplog::{Att, Op};
use crate::place::{pg_error, Inspector, Place, Value};
use pmsg_core::Store;
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// Most rows reported per failed invariant.
const MAX_ROWS: usize = 5;

/// Invariants of a consistent pmsg database: each query returns one row
/// per violation (a short description).
pub const INVARIANTS: &[(&str, &str)] = &[
    ("conversation without a message",
     "SELECT c.id FROM conversation c
      WHERE NOT EXISTS (SELECT 1 FROM message m WHERE m.conversation_seq = c.seq)"),
    ("conversation whose first message is not a staff message",
     "SELECT c.id FROM conversation c
      WHERE (SELECT m.side FROM message m WHERE m.conversation_seq = c.seq ORDER BY m.seq LIMIT 1) != 'staff'"),
    ("staff message without a delivery",
     "SELECT m.id FROM message m WHERE m.side = 'staff'
      AND NOT EXISTS (SELECT 1 FROM delivery d WHERE d.message_seq = m.seq)"),
    ("patient message with a delivery",
     "SELECT m.id FROM message m WHERE m.side = 'patient'
      AND EXISTS (SELECT 1 FROM delivery d WHERE d.message_seq = m.seq)"),
    ("delivery without its new_message event",
     "SELECT m.id || ' to ' || d.account_id FROM delivery d JOIN message m ON m.seq = d.message_seq
      LEFT JOIN (SELECT DISTINCT message_seq, recipient FROM event WHERE kind = 'new_message') e
        ON e.message_seq = d.message_seq AND e.recipient = 'account:' || d.account_id
      WHERE e.message_seq IS NULL"),
    ("new_message event without its delivery",
     "SELECT e.id FROM event e WHERE e.kind = 'new_message'
      AND NOT EXISTS (SELECT 1 FROM delivery d WHERE d.message_seq = e.message_seq
                      AND 'account:' || d.account_id = e.recipient)"),
    ("patient message without its new_reply event",
     "SELECT m.id FROM message m
      LEFT JOIN (SELECT message_seq, recipient, count(*) AS n FROM event WHERE kind = 'new_reply'
                 GROUP BY message_seq, recipient) e
        ON e.message_seq = m.seq AND e.recipient = m.to_party
      WHERE m.side = 'patient' AND coalesce(e.n, 0) != 1"),
    ("required-response message without one response_overdue event per delivery",
     "SELECT m.id FROM message m
      LEFT JOIN (SELECT message_seq, count(*) AS n FROM event WHERE kind = 'response_overdue'
                 GROUP BY message_seq) e ON e.message_seq = m.seq
      WHERE m.response = 'required'
        AND coalesce(e.n, 0) != (SELECT count(*) FROM delivery d WHERE d.message_seq = m.seq)"),
    ("unread_notify message without its unread_reminder event",
     "SELECT m.id FROM message m
      LEFT JOIN (SELECT DISTINCT message_seq, recipient FROM event WHERE kind = 'unread_reminder') e
        ON e.message_seq = m.seq AND e.recipient = m.from_party
      WHERE m.notify_count IS NOT NULL AND e.message_seq IS NULL"),
    ("event of an unknown kind",
     "SELECT id || ' ' || kind FROM event
      WHERE kind NOT IN ('new_message', 'new_reply', 'response_overdue', 'unread_reminder')"),
    ("event whose state and acked_at disagree",
     "SELECT id FROM event WHERE (state = 'acked') != (acked_at IS NOT NULL)"),
    ("event of a message of another conversation",
     "SELECT e.id FROM event e JOIN message m ON m.seq = e.message_seq
      WHERE m.conversation_seq != e.conversation_seq"),
    ("orphan message",
     "SELECT m.id FROM message m
      WHERE NOT EXISTS (SELECT 1 FROM conversation c WHERE c.seq = m.conversation_seq)"),
    ("orphan delivery",
     "SELECT d.message_seq || ' ' || d.account_id FROM delivery d
      WHERE NOT EXISTS (SELECT 1 FROM message m WHERE m.seq = d.message_seq)"),
    ("orphan attachment",
     "SELECT a.id FROM attachment a
      WHERE NOT EXISTS (SELECT 1 FROM message m WHERE m.seq = a.message_seq)"),
    ("orphan event",
     "SELECT e.id FROM event e
      WHERE NOT EXISTS (SELECT 1 FROM conversation c WHERE c.seq = e.conversation_seq)
         OR (e.message_seq IS NOT NULL
             AND NOT EXISTS (SELECT 1 FROM message m WHERE m.seq = e.message_seq))"),
    ("orphan billing entry",
     "SELECT b.seq FROM billing_entry b
      WHERE NOT EXISTS (SELECT 1 FROM message m WHERE m.seq = b.message_seq
                        AND m.conversation_seq = b.conversation_seq)"),
    ("orphan conversation party or account",
     "SELECT p.party FROM conversation_party p
      WHERE NOT EXISTS (SELECT 1 FROM conversation c WHERE c.seq = p.conversation_seq)
      UNION ALL
      SELECT a.account_id FROM conversation_account a
      WHERE NOT EXISTS (SELECT 1 FROM conversation c WHERE c.seq = a.conversation_seq)"),
    ("audit entry naming a conversation that does not exist",
     "SELECT a.seq FROM audit a WHERE a.conversation IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM conversation c WHERE c.id = a.conversation)"),
    ("send or reply audit entry without its message",
     "SELECT a.seq FROM audit a WHERE a.action IN ('send', 'reply')
      AND NOT EXISTS (SELECT 1 FROM message m WHERE m.id = a.message)"),
    ("message without its send or reply audit entry",
     "WITH posted AS MATERIALIZED (SELECT DISTINCT message FROM audit WHERE action IN ('send', 'reply'))
      SELECT m.id FROM message m LEFT JOIN posted p ON p.message = m.id WHERE p.message IS NULL"),
    ("send audit entries and conversations differ in number",
     "SELECT n.s || ' send entries, ' || n.c || ' conversations' FROM
        (SELECT (SELECT count(*) FROM audit WHERE action = 'send') AS s,
                (SELECT count(*) FROM conversation) AS c) AS n WHERE n.s != n.c"),
    ("purge audit entries and purged attachments differ in number",
     "SELECT n.p || ' purge entries, ' || n.a || ' purged attachments' FROM
        (SELECT (SELECT count(*) FROM audit WHERE action = 'purge') AS p,
                (SELECT count(*) FROM attachment WHERE purged_at IS NOT NULL) AS a) AS n WHERE n.p != n.a"),
    ("audit sequence with a gap",
     "SELECT count(*) || ' rows up to seq ' || max(seq) FROM audit
      HAVING count(*) != coalesce(max(seq), 0)"),
    ("attachment whose content disagrees with its purge state or size",
     "SELECT id FROM attachment
      WHERE (purged_at IS NULL) != (content IS NOT NULL)
         OR (content IS NOT NULL AND length(content) != size)"),
    ("attachment whose retention columns disagree",
     "SELECT id FROM attachment
      WHERE (first_download_at IS NULL) != (purge_due_at IS NULL)
         OR (purged_at IS NOT NULL AND (purge_due_at IS NULL OR purged_at < purge_due_at))"),
    ("patient-reply attachment under retention",
     "SELECT a.id FROM attachment a JOIN message m ON m.seq = a.message_seq
      WHERE m.side = 'patient' AND (a.first_download_at IS NOT NULL OR a.purged_at IS NOT NULL)"),
    ("conversation whose summary columns disagree with its messages",
     "SELECT c.id FROM conversation c
      WHERE c.unread_by_patient != (SELECT count(*) FROM message m WHERE m.conversation_seq = c.seq
                                    AND m.side = 'staff' AND m.read_at IS NULL)
         OR c.unread_by_staff != (SELECT count(*) FROM message m WHERE m.conversation_seq = c.seq
                                  AND m.side = 'patient' AND m.read_at IS NULL)
         OR c.has_patient_message != EXISTS (SELECT 1 FROM message m WHERE m.conversation_seq = c.seq
                                             AND m.side = 'patient')
         OR c.last_activity != (SELECT max(m.sent_at) FROM message m WHERE m.conversation_seq = c.seq)
         OR c.last_staff_message IS DISTINCT FROM (SELECT max(m.seq) FROM message m
                                         WHERE m.conversation_seq = c.seq AND m.side = 'staff')
         OR c.current_from IS DISTINCT FROM (SELECT m.from_party FROM message m WHERE m.seq = c.last_staff_message)"),
    ("conversation whose requirement is inconsistent",
     "SELECT c.id FROM conversation c
      WHERE (c.req_message IS NULL) != (c.req_due_at IS NULL)
         OR (c.req_message IS NOT NULL AND c.status = 'closed')
         OR (c.req_message IS NOT NULL AND NOT EXISTS (
               SELECT 1 FROM message m WHERE m.seq = c.req_message AND m.conversation_seq = c.seq
               AND m.response = 'required' AND m.response_due_at = c.req_due_at))"),
    ("open conversation holding a response = closed message",
     "SELECT c.id FROM conversation c WHERE c.status = 'open'
      AND EXISTS (SELECT 1 FROM message m WHERE m.conversation_seq = c.seq AND m.response = 'closed')"),
    ("staff message whose author or from is not a conversation party",
     "SELECT m.id FROM message m WHERE m.side = 'staff'
      AND (NOT EXISTS (SELECT 1 FROM conversation_party p WHERE p.conversation_seq = m.conversation_seq
                       AND p.party = 'staff:' || m.author AND p.authored)
        OR NOT EXISTS (SELECT 1 FROM conversation_party p WHERE p.conversation_seq = m.conversation_seq
                       AND p.party = m.from_party))"),
    ("conversation party that no staff message names",
     "SELECT p.party FROM conversation_party p
      WHERE NOT EXISTS (SELECT 1 FROM message m WHERE m.conversation_seq = p.conversation_seq
                        AND m.side = 'staff' AND ('staff:' || m.author = p.party OR m.from_party = p.party))"),
    ("delivery whose account is not a patient-side participant",
     "SELECT d.account_id FROM delivery d JOIN message m ON m.seq = d.message_seq
      WHERE NOT EXISTS (SELECT 1 FROM conversation_account a
                        WHERE a.account_id = d.account_id AND a.conversation_seq = m.conversation_seq)"),
    ("patient-side participant without a delivery",
     "SELECT a.account_id FROM conversation_account a
      WHERE NOT EXISTS (SELECT 1 FROM delivery d JOIN message m ON m.seq = d.message_seq
                        WHERE d.account_id = a.account_id AND m.conversation_seq = a.conversation_seq)"),
    ("patient reply by a non-participant or to nobody",
     "SELECT m.id FROM message m WHERE m.side = 'patient'
      AND (m.to_party IS NULL OR NOT EXISTS (SELECT 1 FROM conversation_account a
           WHERE a.conversation_seq = m.conversation_seq AND 'account:' || a.account_id = m.from_party))"),
    ("folder sort key copy out of step with its conversation",
     "SELECT p.party FROM conversation_party p JOIN conversation c ON c.seq = p.conversation_seq
      WHERE p.last_activity != c.last_activity OR p.created_at != c.created_at
      UNION ALL
      SELECT a.account_id FROM conversation_account a JOIN conversation c ON c.seq = a.conversation_seq
      WHERE a.last_activity != c.last_activity OR a.created_at != c.created_at"),
    ("staff folder flags out of step with their conversation (schema version 2)",
     "SELECT p.party || ' ' || c.id FROM conversation_party p JOIN conversation c ON c.seq = p.conversation_seq
      WHERE p.inbox != (c.status = 'open' AND c.has_patient_message)
         OR p.awaiting != (c.status = 'open' AND c.req_message IS NOT NULL)
         OR p.closed != (c.status = 'closed')"),
    ("billable message and billing entries disagree",
     "SELECT m.id FROM message m
      LEFT JOIN (SELECT DISTINCT message_seq FROM billing_entry) b ON b.message_seq = m.seq
      WHERE (m.fee_code IS NOT NULL) != (b.message_seq IS NOT NULL)
      UNION ALL
      SELECT 'billing entry ' || b.seq FROM billing_entry b JOIN message m ON m.seq = b.message_seq
      WHERE b.fee_code IS DISTINCT FROM m.fee_code OR b.sent_at != m.sent_at OR b.author != m.author"),
    ("file-to-chart message in a conversation never filed",
     "SELECT c.id FROM conversation c WHERE c.filed_to_chart_at IS NULL
      AND EXISTS (SELECT 1 FROM message m WHERE m.conversation_seq = c.seq AND m.file_to_chart)"),
];

/// Invariants that hold on SQLite only: PostgreSQL's audit sequence
/// numbers come from a sequence, with gaps where a transaction rolled back
/// (README, "PostgreSQL"); its chains are checked by `verify_audit`.
pub const SQLITE_ONLY: &[&str] = &["audit sequence with a gap"];

/// The invariants that run on this backend.
pub fn invariants(postgres: bool) -> impl Iterator<Item = &'static (&'static str, &'static str)> {
    INVARIANTS
        .iter()
        .filter(move |(name, _)| !postgres || !SQLITE_ONLY.contains(name))
}

/// The database's own checks, then [`INVARIANTS`]; one string per problem.
///
/// SQLite: `integrity_check` and `foreign_key_check`. PostgreSQL enforces
/// foreign keys itself; its own checks are amcheck's (`verify_heapam` of
/// every table of the schema with its TOAST, `bt_index_check` with
/// `heapallindexed` of every index), when the extension can be had
/// (`CREATE EXTENSION amcheck` needs a superuser: the test cluster's
/// user is one); otherwise they are skipped, and [`amcheck_missing`] says
/// why.
pub fn database(insp: &mut Inspector) -> Vec<String> {
    let mut problems = Vec::new();
    if insp.is_postgres() {
        problems.extend(amcheck(insp));
    } else {
        match insp.rows("PRAGMA integrity_check") {
            Ok(r) if r == ["ok"] => {}
            Ok(r) => problems.extend(r.into_iter().map(|l| format!("integrity_check: {l}"))),
            Err(e) => problems.push(format!("integrity_check failed to run: {e}")),
        }
        match insp.rows(
            "SELECT \"table\" || ' row ' || coalesce(rowid, -1) || ' -> ' || parent
             FROM pragma_foreign_key_check",
        ) {
            Ok(r) => problems.extend(r.into_iter().map(|l| format!("foreign_key_check: {l}"))),
            Err(e) => problems.push(format!("foreign_key_check failed to run: {e}")),
        }
    }
    for (name, sql) in invariants(insp.is_postgres()) {
        match insp.rows(sql) {
            Ok(r) => problems.extend(
                r.into_iter()
                    .take(MAX_ROWS)
                    .map(|row| format!("{name}: {row}")),
            ),
            Err(e) => problems.push(format!("{name}: check failed to run: {e}")),
        }
    }
    problems
}

/// Why amcheck's checks cannot run on this PostgreSQL database, if they
/// cannot (then [`database`] skips them).
pub fn amcheck_missing(insp: &mut Inspector) -> Option<String> {
    if !insp.is_postgres() {
        return None;
    }
    let have = insp.count("SELECT count(*) FROM pg_extension WHERE extname = 'amcheck'");
    if have > 0 {
        return None;
    }
    // Several processes may ask at once: one of them creates it.
    match insp.batch(
        "SELECT pg_advisory_lock(hashtext('pmsg-torture amcheck'));
         CREATE EXTENSION IF NOT EXISTS amcheck SCHEMA public;
         SELECT pg_advisory_unlock(hashtext('pmsg-torture amcheck'))",
    ) {
        Ok(()) => None,
        Err(e) => {
            let _ = insp.batch("SELECT pg_advisory_unlock_all()");
            Some(format!("amcheck is not available ({e})"))
        }
    }
}

/// amcheck over every table and index of the store's schema.
fn amcheck(insp: &mut Inspector) -> Vec<String> {
    if amcheck_missing(insp).is_some() {
        return Vec::new();
    }
    let mut problems = Vec::new();
    match insp.rows(
        "SELECT c.relname || ' block ' || v.blkno || ' item ' || coalesce(v.offnum::text, '-') || ': ' || v.msg
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace,
              LATERAL public.verify_heapam(c.oid, check_toast => true) v
         WHERE n.nspname = current_schema() AND c.relkind = 'r'",
    ) {
        Ok(r) => problems.extend(r.into_iter().take(MAX_ROWS).map(|l| format!("verify_heapam: {l}"))),
        Err(e) => problems.push(format!("verify_heapam: {e}")),
    }
    // bt_index_check raises an error naming the first corrupt index.
    if let Err(e) = insp.rows(
        "SELECT count(public.bt_index_check(c.oid, true))
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
              JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_am am ON am.oid = c.relam
         WHERE n.nspname = current_schema() AND am.amname = 'btree'",
    ) {
        problems.push(format!("bt_index_check: {e}"));
    }
    problems
}

/// `verify_audit()`: the hash chain is intact (R-AU1).
pub fn audit(store: &Store) -> Vec<String> {
    match store.verify_audit() {
        Ok(v) if v.ok => Vec::new(),
        Ok(v) => vec![format!(
            "audit chain broken at entry {:?} after {} good entries: {}",
            v.first_broken,
            v.entries,
            v.problem.unwrap_or_default()
        )],
        Err(e) => vec![format!("verify_audit failed: {}: {e}", e.code())],
    }
}

/// What one acknowledged operation promises about the database from then on.
#[derive(Debug, Clone)]
pub enum Expect {
    /// The directory exists.
    Directory,
    /// A message exists, on this side, with these attachments.
    Message {
        /// Conversation id.
        conv: String,
        /// Message id.
        msg: String,
        /// `staff` or `patient`.
        side: &'static str,
        /// Attachments in order.
        atts: Vec<Att>,
        /// The conversation is closed.
        closed: bool,
    },
    /// These messages are read (a read marks everything addressed to the
    /// reader's side that was posted before it).
    Read {
        /// Conversation id.
        conv: String,
        /// Messages that must show `read`.
        msgs: Vec<String>,
    },
    /// A patient-side download started the attachment's retention.
    Downloaded {
        /// Attachment id.
        att: String,
    },
    /// An event was acknowledged: never delivered again.
    Acked {
        /// Event id.
        event: String,
    },
    /// An attachment was purged.
    Purged {
        /// Conversation id.
        conv: String,
        /// Attachment id.
        att: String,
        /// Its first 32 bytes, when known and long enough.
        probe: Option<Vec<u8>>,
    },
    /// A conversation was closed.
    Closed {
        /// Conversation id.
        conv: String,
    },
}

/// One promise and the acknowledged operation it comes from.
#[derive(Debug, Clone)]
pub struct Promise {
    /// Index of the operation among the file's acknowledged operations.
    pub op: usize,
    /// The operation's name.
    pub label: &'static str,
    /// What it promises.
    pub expect: Expect,
}

/// The acknowledged operations of one database file, in order, and what
/// each promises.
#[derive(Debug, Default)]
pub struct History {
    /// Messages of each conversation, in acknowledged order, with their side.
    messages: HashMap<String, Vec<(String, &'static str)>>,
    /// The first bytes of each acknowledged attachment (32 or more bytes).
    probes: HashMap<String, Vec<u8>>,
    /// Operations absorbed so far.
    ops: usize,
    /// Every promise so far.
    pub promises: Vec<Promise>,
}

impl History {
    /// How many operations were absorbed.
    pub fn ops(&self) -> usize {
        self.ops
    }

    /// Records an acknowledged operation and its promises.
    pub fn absorb(&mut self, op: &Op) {
        let out = match op {
            Op::Directory { .. } => vec![Expect::Directory],
            Op::Send(p) | Op::StaffReply(p) | Op::PatientReply(p) => {
                let side = if matches!(op, Op::PatientReply(_)) {
                    "patient"
                } else {
                    "staff"
                };
                for a in &p.atts {
                    if let Some(probe) = a.probe.as_deref().and_then(fixture::unhex) {
                        self.probes.insert(a.id.clone(), probe);
                    }
                }
                self.messages
                    .entry(p.conv.clone())
                    .or_default()
                    .push((p.msg.clone(), side));
                vec![Expect::Message {
                    conv: p.conv.clone(),
                    msg: p.msg.clone(),
                    side,
                    atts: p.atts.clone(),
                    closed: p.closed,
                }]
            }
            Op::Read { conv, by, .. } => {
                let addressed = if by.starts_with("staff:") {
                    "patient"
                } else {
                    "staff"
                };
                let msgs = self
                    .messages
                    .get(conv)
                    .map(|m| {
                        m.iter()
                            .filter(|(_, s)| *s == addressed)
                            .map(|(id, _)| id.clone())
                            .collect()
                    })
                    .unwrap_or_default();
                vec![Expect::Read {
                    conv: conv.clone(),
                    msgs,
                }]
            }
            Op::Download { att, .. } => vec![Expect::Downloaded { att: att.clone() }],
            Op::Ack { event, .. } => vec![Expect::Acked {
                event: event.clone(),
            }],
            Op::Purge { atts, .. } => atts
                .iter()
                .map(|p| Expect::Purged {
                    conv: p.conv.clone(),
                    att: p.att.clone(),
                    probe: self.probes.get(&p.att).cloned(),
                })
                .collect(),
            Op::Close { conv, .. } => vec![Expect::Closed { conv: conv.clone() }],
            Op::Fail { .. } => Vec::new(),
        };
        let index = self.ops;
        self.ops += 1;
        self.promises.extend(out.into_iter().map(|expect| Promise {
            op: index,
            label: op.name(),
            expect,
        }));
    }
}

/// Checks every promise against the reopened database, through SQL; the
/// promises of operations from `fresh_from` on (the latest child's) also
/// through the public API: a staff `view` of their conversation, a staff
/// download of each attachment compared by fingerprint, and
/// `attachment_expired` for purged ones, whose first bytes must be gone
/// (R-D6): on SQLite from the database file and its WAL, on PostgreSQL
/// from every live row of `attachment` (dead row versions are the
/// server's VACUUM's: RELIABILITY.md, "PostgreSQL").
/// Acknowledged events must never come back from `due_events`, at any
/// instant. Returns one line per lost operation (an operation with at
/// least one broken promise).
pub fn acknowledged(
    store: &Store,
    insp: &mut Inspector,
    place: &Place,
    promises: &[Promise],
    fresh_from: usize,
    now_ms: i64,
) -> Vec<String> {
    let mut lost = Vec::new();
    let redelivered: HashSet<String> = match store.due_events(fixture::far_future(), None) {
        Ok(events) => events.into_iter().map(|e| e.id).collect(),
        Err(e) => {
            lost.push(format!("due_events failed: {}: {e}", e.code()));
            HashSet::new()
        }
    };
    let probes: Vec<&[u8]> = promises
        .iter()
        .filter(|p| p.op >= fresh_from)
        .filter_map(|p| match &p.expect {
            Expect::Purged { probe: Some(b), .. } => Some(b.as_slice()),
            _ => None,
        })
        .collect();
    let places = match place.path() {
        Some(path) if !probes.is_empty() => Remains::Files(database_files(path)),
        None if !probes.is_empty() => match live_rows_with(insp, &probes) {
            Ok(found) => Remains::Rows(found),
            Err(e) => {
                lost.push(format!(
                    "the search of the live rows for purged bytes failed: {e}"
                ));
                Remains::Rows(HashMap::new())
            }
        },
        _ => Remains::Rows(HashMap::new()),
    };
    let mut broken = HashSet::new();
    for p in promises {
        if broken.contains(&p.op) {
            continue;
        }
        let checked = by_sql(insp, &p.expect, &redelivered).and_then(|()| {
            if p.op >= fresh_from {
                by_api(store, insp, &p.expect, now_ms)?;
                bytes_gone(&p.expect, &places)
            } else {
                Ok(())
            }
        });
        if let Err(why) = checked {
            broken.insert(p.op);
            lost.push(format!("{} (operation {}): {why}", p.label, p.op));
        }
    }
    lost
}

/// Where purged bytes are searched for.
enum Remains {
    /// SQLite: the database file and its WAL, as they are on disk now.
    Files(Vec<(String, Vec<u8>)>),
    /// PostgreSQL: for each probe found, the live attachment rows that
    /// begin with it.
    Rows(HashMap<Vec<u8>, Vec<String>>),
}

/// The database file and its WAL, as they are on disk now.
fn database_files(path: &Path) -> Vec<(String, Vec<u8>)> {
    ["", "-wal"]
        .iter()
        .filter_map(|suffix| {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            let bytes = std::fs::read(&name).ok()?;
            Some((name.to_string_lossy().into_owned(), bytes))
        })
        .collect()
}

/// The live attachment rows whose content begins with one of the probes
/// (the first 32 bytes of purged files), by probe. One query: PostgreSQL
/// reads only the first chunk of each out-of-line value for a prefix.
fn live_rows_with(
    insp: &mut Inspector,
    probes: &[&[u8]],
) -> Result<HashMap<Vec<u8>, Vec<String>>, String> {
    let Inspector::Pg { client, .. } = insp else {
        return Ok(HashMap::new());
    };
    let probes: Vec<Vec<u8>> = probes.iter().map(|p| p.to_vec()).collect();
    let rows = client
        .query(
            "SELECT substring(content FROM 1 FOR 32), id FROM attachment
             WHERE content IS NOT NULL AND substring(content FROM 1 FOR 32) = ANY($1)",
            &[&probes],
        )
        .map_err(|e| pg_error(&e))?;
    let mut found: HashMap<Vec<u8>, Vec<String>> = HashMap::new();
    for r in rows {
        found.entry(r.get(0)).or_default().push(r.get(1));
    }
    Ok(found)
}

/// A purged attachment's bytes are in neither file (SQLite), in no live
/// row (PostgreSQL).
fn bytes_gone(exp: &Expect, remains: &Remains) -> Result<(), String> {
    if let Expect::Purged {
        att,
        probe: Some(probe),
        ..
    } = exp
    {
        match remains {
            Remains::Files(files) => {
                for (name, bytes) in files {
                    if memchr::memmem::find(bytes, probe).is_some() {
                        return Err(format!(
                            "purged attachment {att}'s bytes are still in {name}"
                        ));
                    }
                }
            }
            Remains::Rows(found) => {
                if let Some(ids) = found.get(probe) {
                    return Err(format!(
                        "purged attachment {att}'s bytes are still in the live rows of attachment {}",
                        ids.join(", ")
                    ));
                }
            }
        }
    }
    Ok(())
}

/// One value of the one row `sql` finds for `key`.
fn lookup<T: Value>(insp: &mut Inspector, sql: &str, key: &str) -> Result<Option<T>, String> {
    insp.lookup(sql, key)
}

fn by_sql(conn: &mut Inspector, exp: &Expect, redelivered: &HashSet<String>) -> Result<(), String> {
    match exp {
        Expect::Directory => {
            for id in ["s-ng", "s-roy", "s-li", "s-ortiz"] {
                if lookup::<i64>(conn, "SELECT count(*) FROM staff WHERE id = ?1", id)? != Some(1) {
                    return Err(format!("staff {id} of the directory is missing"));
                }
            }
            Ok(())
        }
        Expect::Message {
            conv,
            msg,
            side,
            atts,
            ..
        } => {
            let found: Option<String> = lookup(
                conn,
                "SELECT c.id || ' ' || m.side FROM message m JOIN conversation c ON c.seq = m.conversation_seq
                 WHERE m.id = ?1",
                msg,
            )?;
            match found {
                None => return Err(format!("message {msg} of conversation {conv} is missing")),
                Some(f) if f != format!("{conv} {side}") => {
                    return Err(format!("message {msg} is now in {f}"))
                }
                Some(_) => {}
            }
            let stored: Option<String> = lookup(
                conn,
                "SELECT coalesce(string_agg(a.id || ':' || a.size, ',' ORDER BY a.seq), '')
                 FROM attachment a JOIN message m ON m.seq = a.message_seq WHERE m.id = ?1",
                msg,
            )?;
            let stored = stored.unwrap_or_default();
            let want: Vec<String> = atts
                .iter()
                .map(|a| format!("{}:{}", a.id, a.size))
                .collect();
            (stored == want.join(",")).then_some(()).ok_or_else(|| {
                format!(
                    "message {msg} has attachments [{stored}], not [{}]",
                    want.join(",")
                )
            })
        }
        Expect::Read { conv, msgs } => {
            for m in msgs {
                match lookup::<bool>(
                    conn,
                    "SELECT read_at IS NOT NULL FROM message WHERE id = ?1",
                    m,
                )? {
                    Some(true) => {}
                    Some(false) => {
                        return Err(format!("message {m} of {conv} was read but is unread"))
                    }
                    None => return Err(format!("message {m} of {conv} is missing")),
                }
            }
            Ok(())
        }
        Expect::Downloaded { att } => {
            match lookup::<bool>(
                conn,
                "SELECT first_download_at IS NOT NULL FROM attachment WHERE id = ?1",
                att,
            )? {
                Some(true) => Ok(()),
                Some(false) => Err(format!(
                    "attachment {att} was downloaded but has no first download"
                )),
                None => Err(format!("attachment {att} is missing")),
            }
        }
        Expect::Acked { event } => {
            if redelivered.contains(event) {
                return Err(format!("acknowledged event {event} is delivered again"));
            }
            match lookup::<String>(conn, "SELECT state FROM event WHERE id = ?1", event)?.as_deref()
            {
                Some("acked") => Ok(()),
                Some(s) => Err(format!("acknowledged event {event} is {s}")),
                None => Err(format!("acknowledged event {event} is missing")),
            }
        }
        Expect::Purged { att, .. } => {
            match lookup::<bool>(
                conn,
                "SELECT content IS NULL AND purged_at IS NOT NULL FROM attachment WHERE id = ?1",
                att,
            )? {
                Some(true) => Ok(()),
                Some(false) => Err(format!("purged attachment {att} has its content again")),
                None => Err(format!("purged attachment {att} is missing")),
            }
        }
        Expect::Closed { conv } => {
            match lookup::<String>(conn, "SELECT status FROM conversation WHERE id = ?1", conv)?
                .as_deref()
            {
                Some("closed") => Ok(()),
                Some(s) => Err(format!("closed conversation {conv} is {s}")),
                None => Err(format!("closed conversation {conv} is missing")),
            }
        }
    }
}

/// A staff party that may view the conversation: the author of its first
/// staff message.
fn staff_viewer(conn: &mut Inspector, conv: &str) -> Result<String, String> {
    lookup::<String>(
        conn,
        "SELECT 'staff:' || m.author FROM message m JOIN conversation c ON c.seq = m.conversation_seq
         WHERE c.id = ?1 AND m.side = 'staff' ORDER BY m.seq LIMIT 1",
        conv,
    )?
    .ok_or_else(|| format!("conversation {conv} is missing"))
}

fn by_api(store: &Store, conn: &mut Inspector, exp: &Expect, now_ms: i64) -> Result<(), String> {
    let now = fixture::at(now_ms);
    let mut view = |conv: &str| -> Result<(String, pmsg_core::ConversationView), String> {
        let viewer = staff_viewer(conn, conv)?;
        let v = store
            .view(&viewer, conv, now)
            .map_err(|e| format!("view of {conv} failed: {}: {e}", e.code()))?;
        Ok((viewer, v))
    };
    match exp {
        Expect::Directory | Expect::Downloaded { .. } | Expect::Acked { .. } => Ok(()),
        Expect::Message {
            conv,
            msg,
            side,
            atts,
            closed,
        } => {
            let (viewer, v) = view(conv)?;
            let m = v
                .messages
                .iter()
                .find(|m| m.id == *msg)
                .ok_or_else(|| format!("message {msg} is not in the view of {conv}"))?;
            if m.side != *side {
                return Err(format!("message {msg} shows as {}", m.side));
            }
            if *closed && v.status != pmsg_core::ConversationStatus::Closed {
                return Err(format!(
                    "conversation {conv} was closed by {msg} but shows open"
                ));
            }
            let shown: Vec<(&str, u64)> = m
                .attachments
                .iter()
                .map(|a| (a.id.as_str(), a.size))
                .collect();
            let want: Vec<(&str, u64)> = atts.iter().map(|a| (a.id.as_str(), a.size)).collect();
            if shown != want {
                return Err(format!(
                    "message {msg} shows attachments {shown:?}, not {want:?}"
                ));
            }
            for (a, shown) in atts.iter().zip(&m.attachments) {
                match store.download(&viewer, conv, &a.id, now) {
                    Ok(d) => {
                        let fnv = format!("{:016x}", fixture::fnv64(&d.content));
                        if fnv != a.fnv || d.content.len() as u64 != a.size {
                            return Err(format!(
                                "attachment {} has other bytes than were sent",
                                a.id
                            ));
                        }
                    }
                    Err(e) if e.code() == "attachment_expired" && shown.purged => {}
                    Err(e) => {
                        return Err(format!("download of {} failed: {}: {e}", a.id, e.code()))
                    }
                }
            }
            Ok(())
        }
        Expect::Read { conv, msgs } => {
            let (_, v) = view(conv)?;
            for id in msgs {
                match v.messages.iter().find(|m| m.id == *id) {
                    Some(m) if m.read => {}
                    Some(_) => {
                        return Err(format!("message {id} of {conv} was read but shows unread"))
                    }
                    None => return Err(format!("message {id} is not in the view of {conv}")),
                }
            }
            Ok(())
        }
        Expect::Purged { conv, att, .. } => {
            let (viewer, v) = view(conv)?;
            let shown = v
                .messages
                .iter()
                .flat_map(|m| &m.attachments)
                .find(|a| a.id == *att)
                .ok_or_else(|| format!("purged attachment {att} is not in the view of {conv}"))?;
            if !shown.purged || shown.purged_at.is_none() {
                return Err(format!("purged attachment {att} shows as not purged"));
            }
            match store.download(&viewer, conv, att, now) {
                Err(e) if e.code() == "attachment_expired" => Ok(()),
                Err(e) => Err(format!("download of purged {att}: {}: {e}", e.code())),
                Ok(_) => Err(format!("purged attachment {att} can still be downloaded")),
            }
        }
        Expect::Closed { conv } => {
            let (_, v) = view(conv)?;
            (v.status == pmsg_core::ConversationStatus::Closed)
                .then_some(())
                .ok_or_else(|| format!("closed conversation {conv} shows open"))
        }
    }
}
