//! Storage (SPEC R-ST1, R-ST2): the seam between the rules and a backend.
//!
//! The rules see only [`StoreTx`] (as `&Tx`): narrow, typed methods over
//! rows, keys, indexes and ranges, with no rule in them. Two backends
//! implement it: SQLite (`sqlite/`, the embedded default: one file, WAL) and
//! PostgreSQL (`postgres/`, opened by a `postgres://` or `postgresql://`
//! URL). Each backend holds every SQL statement it runs and converts its
//! driver's errors to [`Error::Storage`]; no driver type crosses this seam.
//!
//! Transactions go through [`Db::write`] and [`Db::read`]: the backend runs
//! a closure in one transaction, and the closure says whether to commit
//! ([`Finish`]). A backend may run the closure again after a serialization
//! failure (PostgreSQL), so the closure must be re-runnable: it sees a fresh
//! transaction each time.

mod rows;
pub(crate) mod sqlite;

#[cfg(feature = "postgres")]
pub(crate) mod postgres;

pub(crate) use rows::*;

use crate::error::{Error, Result};

/// The newest schema version this library writes (R-ST1); every backend
/// reaches the same versions through its own numbered migrations.
pub const SCHEMA_VERSION: i64 = sqlite::MIGRATIONS.len() as i64;

/// The SQLite migrations, in order (migration `i` takes the schema to
/// version `i + 1`): for tools that build the same schema outside the
/// library, such as pmsg-bench's raw-SQLite floor. Not an API for hosts.
#[doc(hidden)]
pub const SQLITE_MIGRATIONS: &[&str] = sqlite::MIGRATIONS;

/// What a transaction closure asks of its backend when it returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Finish {
    /// Make everything it wrote durable.
    Commit,
    /// Leave no trace.
    Rollback,
}

/// A transaction in progress, as the rules see it.
pub(crate) type Tx<'a> = dyn StoreTx + 'a;

/// Every storage operation of pmsg, inside one transaction. Instants are
/// integer milliseconds (UTC); `seq` values give creation order. Strings
/// are ordered by code point (§15 "String order") by every backend.
pub(crate) trait StoreTx {
    // ---- directory -------------------------------------------------------

    fn upsert_account(
        &self,
        id: &str,
        kind: &str,
        display_name: &str,
        registered: bool,
    ) -> Result<()>;
    fn upsert_staff(&self, id: &str, display_name: &str, accepts_direct: bool) -> Result<()>;
    fn upsert_patient(&self, p: &PatientRow, first_folded: &str, last_folded: &str) -> Result<()>;
    fn upsert_connection(&self, patient_key: &str, caregiver: &str, active: bool) -> Result<()>;
    /// Sets the workgroup's name and replaces its members.
    fn upsert_workgroup(&self, id: &str, name: &str, members: &[String]) -> Result<()>;
    fn staff(&self, id: &str) -> Result<Option<StaffRow>>;
    fn account(&self, id: &str) -> Result<Option<AccountRow>>;
    fn workgroup_name(&self, id: &str) -> Result<Option<String>>;
    fn is_member(&self, workgroup: &str, staff: &str) -> Result<bool>;
    /// The ids of the workgroups the staff member is in now, in id order.
    fn workgroups_of(&self, staff: &str) -> Result<Vec<String>>;
    fn patient(&self, key: &str) -> Result<Option<PatientRow>>;
    /// Whether the connection (patient, caregiver) exists and is active.
    fn connection_active(&self, patient_key: &str, caregiver: &str) -> Result<bool>;
    /// Registered or not, every account with an active connection to the
    /// patient, by account id.
    fn active_caregivers(&self, patient_key: &str) -> Result<Vec<CaregiverRow>>;
    /// R-R1: patients whose key equals `emr_key` or whose folded last name
    /// starts with `prefix`, ordered by folded last, folded first, EMR ID,
    /// at most `limit`.
    fn search_patients(&self, emr_key: &str, prefix: &str, limit: usize)
        -> Result<Vec<PatientRow>>;

    // ---- conversations and messages --------------------------------------

    fn conversation(&self, id: &str) -> Result<Option<ConvRow>>;
    fn conversation_by_seq(&self, seq: i64) -> Result<Option<ConvRow>>;
    /// A new open conversation whose creation and last activity are `now`;
    /// returns its `seq`.
    #[allow(clippy::too_many_arguments)]
    fn insert_conversation(
        &self,
        id: &str,
        patient_key: &str,
        subject: &str,
        now: i64,
        from: &str,
        confidential: bool,
    ) -> Result<i64>;
    /// Returns the new message's `seq`.
    fn insert_message(&self, m: &NewMessage) -> Result<i64>;
    /// Records that the message went to `account` and that the account is a
    /// patient-side participant (a `conversation_account` row with the
    /// conversation's sort key, once).
    fn insert_delivery(&self, message_seq: i64, conversation_seq: i64, account: &str)
        -> Result<()>;
    /// Adds a staff-side party with the conversation's sort key and no
    /// folder flag, or, when it is there, keeps it and sets `authored`
    /// when this one is.
    fn insert_party(&self, conversation_seq: i64, party: &str, authored: bool) -> Result<()>;
    /// The staff-side parties of a conversation (R-M0): every author,
    /// `from` identity and assignee it has had, by party.
    fn staff_parties(&self, conv: i64) -> Result<Vec<String>>;
    /// Whether a message of the conversation was delivered to the account
    /// (a patient-side participant, R-M0).
    fn is_patient_side_participant(&self, conv: i64, account: &str) -> Result<bool>;
    /// The patients whose own account this is, by key.
    fn patients_of_account(&self, account: &str) -> Result<Vec<String>>;
    /// The patients the account has an active connection to, by key.
    fn connected_patients(&self, account: &str) -> Result<Vec<String>>;
    /// R-AS2: the conversation's current `from` identity.
    fn set_current_from(&self, conv: i64, party: &str) -> Result<()>;
    /// R-AS1: records one assignment of the conversation.
    fn insert_assignment(
        &self,
        conv: i64,
        by_party: &str,
        to_party: &str,
        note: Option<&str>,
        at: i64,
    ) -> Result<()>;
    /// R-AS4: the conversation's assignments in the order they were made.
    fn assignments(&self, conv: i64) -> Result<Vec<AssignmentRow>>;
    /// When a message was first read by its addressee side (R-M1), if it was.
    fn message_read_at(&self, message_seq: i64) -> Result<Option<i64>>;
    /// R-G4: records a group send; returns its `seq`.
    fn insert_group(&self, id: &str, author: &str, from_party: &str, sent_at: i64) -> Result<i64>;
    /// R-G4: one patient of a group send at its list position.
    fn insert_group_entry(&self, group_seq: i64, position: i64, e: &GroupEntryRow) -> Result<()>;
    /// A group send by id.
    fn group(&self, id: &str) -> Result<Option<GroupRow>>;
    /// A group's patients in list order.
    fn group_entries(&self, group_seq: i64) -> Result<Vec<GroupEntryRow>>;
    /// Sets the folder flags of every staff-side party row of the conversation.
    fn set_party_flags(&self, conversation_seq: i64, flags: PartyFlags) -> Result<()>;
    fn insert_attachment(
        &self,
        id: &str,
        message_seq: i64,
        name: &str,
        media_type: &str,
        content: &[u8],
    ) -> Result<()>;
    /// After a new message: sets the last activity (in the conversation and
    /// its sort key copies), counts one unread message for the addressee
    /// side, and, for a staff message `(seq, from)`, records the last staff
    /// message and the current `from`; for a patient message, that the
    /// conversation holds one.
    fn conversation_after_message(
        &self,
        conv: i64,
        last_activity: i64,
        staff_message: Option<(i64, &str)>,
    ) -> Result<()>;
    /// The (seq, read_at) of every message of one side, in order.
    fn message_reads(&self, conv: i64, staff_side: bool) -> Result<Vec<(i64, Option<i64>)>>;
    fn set_message_read(&self, message_seq: i64, at: i64) -> Result<()>;
    /// Zeroes the unread counter of the side that reads `staff_side` messages.
    fn clear_unread(&self, conv: i64, staff_side: bool) -> Result<()>;
    /// Sets (or, with `None`, clears) the outstanding requirement (message, due).
    fn set_requirement(&self, conv: i64, req: Option<(i64, i64)>) -> Result<()>;
    fn set_closed(&self, conv: i64) -> Result<()>;
    fn set_filed_to_chart(&self, conv: i64, now: i64) -> Result<()>;
    /// Every message of the conversation, in order.
    fn messages(&self, conv: i64) -> Result<Vec<MsgRow>>;
    fn allows_reply_attachments(&self, message_seq: i64) -> Result<bool>;
    /// Accounts a message was delivered to, by account id.
    fn deliveries(&self, message_seq: i64) -> Result<Vec<String>>;
    /// Every attachment of the conversation, by message then attachment order.
    fn attachments_of_conversation(&self, conv: i64) -> Result<Vec<AttRow>>;
    /// An attachment of the conversation by id, with its message's id and
    /// side and its content (`None` once purged).
    fn attachment_in(&self, conv: i64, id: &str) -> Result<Option<AttContent>>;
    /// Records the first download and the purge instant (only when no
    /// download was recorded yet).
    fn start_retention(&self, attachment_seq: i64, now: i64, purge_due_at: i64) -> Result<()>;
    /// Attachments not purged whose purge instant is at or before `now`, in
    /// conversation, message and attachment order.
    fn attachments_due_for_purge(&self, now: i64) -> Result<Vec<PurgeRow>>;
    /// Deletes an attachment's content for good.
    fn purge_attachment(&self, attachment_seq: i64, now: i64) -> Result<()>;

    // ---- events ----------------------------------------------------------

    fn insert_event(&self, conv: i64, e: &NewEvent) -> Result<()>;
    /// Cancels the conversation's pending events of `kind`; with
    /// `due_after`, only those due strictly after it.
    fn cancel_events(&self, conv: i64, kind: &str, due_after: Option<i64>) -> Result<()>;
    /// Cancels one pending event.
    fn cancel_event(&self, event_seq: i64) -> Result<()>;
    /// The pending events of a patient's conversations, in creation order,
    /// each with its conversation's confidentiality.
    fn pending_events_of_patient(&self, patient_key: &str) -> Result<Vec<PendingEventRow>>;
    /// Visits the pending events due at `now` (in [`StoreTx::due_events`]'s
    /// order, without a limit) until `f` returns false.
    fn scan_due_events(&self, now: i64, f: &mut dyn FnMut(EventRow) -> bool) -> Result<()>;
    /// Records a claim of the event `seq` by `worker` until `until` (R-D7).
    fn set_event_claim(&self, seq: i64, worker: &str, until: i64) -> Result<()>;
    /// Pending events due at `now`, by due instant then creation order;
    /// a negative limit is no limit.
    fn due_events(&self, now: i64, limit: i64) -> Result<Vec<EventRow>>;
    /// The state of an event (`pending`, `acked`, `cancelled`), if it exists.
    fn event_state(&self, id: &str) -> Result<Option<String>>;
    /// Acknowledges a pending event (others are left as they are).
    fn ack_event(&self, id: &str, now: i64) -> Result<()>;

    // ---- folders ---------------------------------------------------------

    /// One page of a folder after the cursor `(last_activity, created_at, seq)`,
    /// newest activity first (§7), at most `limit` rows. Each range is one
    /// index range in sort order; they are merged, each conversation once.
    fn folder_page(
        &self,
        rows: FolderRows,
        ranges: &[FolderRange],
        after: Option<(i64, i64, i64)>,
        limit: i64,
    ) -> Result<Vec<ConvRow>>;

    // ---- billing -----------------------------------------------------------

    fn insert_billing(
        &self,
        fee_code: &str,
        author: &str,
        emr_id: &str,
        conv: i64,
        msg: i64,
        sent_at: i64,
    ) -> Result<()>;
    /// Entries sent in [start, end), by sent instant then creation order.
    fn billing_entries(&self, start: i64, end: i64) -> Result<Vec<BillingRow>>;

    // ---- audit -------------------------------------------------------------

    /// How this backend chains its audit entries (R-AU1).
    fn audit_chaining(&self) -> AuditChaining;
    /// The sequence number a new entry gets, and the hash of the newest
    /// entry of its chain (`conversation`'s chain under
    /// [`AuditChaining::PerConversation`], the one chain otherwise), if any.
    fn audit_link(&self, conversation: Option<&str>) -> Result<(i64, Option<String>)>;
    fn insert_audit(&self, row: &AuditRow) -> Result<()>;
    /// The last `count` audit rows, oldest first.
    fn audit_tail(&self, count: i64) -> Result<Vec<AuditRow>>;
    /// Visits every audit row in sequence order until `f` returns false.
    fn audit_scan(&self, f: &mut dyn FnMut(AuditRow) -> bool) -> Result<()>;

    // ---- settings (R-ST3) ---------------------------------------------------

    /// The version of the store's settings, if they were written yet.
    fn settings_version(&self) -> Result<Option<i64>>;
    /// The store's settings (version, normal form as JSON text), if written.
    fn settings(&self) -> Result<Option<(i64, String)>>;
    /// Writes the first settings (version 1) unless some are there already.
    fn insert_settings(&self, config: &str) -> Result<()>;
    /// Replaces the settings and increments their version; returns it.
    fn update_settings(&self, config: &str) -> Result<i64>;
}

/// A storage backend: opens transactions for the rules.
pub(crate) trait Backend: Send + Sync {
    /// Runs `f` in one write transaction and commits or rolls back as it
    /// says. May run `f` more than once (after a serialization failure),
    /// each time in a fresh transaction.
    fn write(&self, f: &mut dyn FnMut(&Tx) -> Finish) -> Result<()>;
    /// Runs `f` in one read-only transaction (one consistent snapshot).
    fn read(&self, f: &mut dyn FnMut(&Tx)) -> Result<()>;
}

/// The open database of a [`crate::Store`].
pub(crate) enum Db {
    Sqlite(sqlite::SqliteDb),
    #[cfg(feature = "postgres")]
    Postgres(postgres::PgDb),
}

/// Whether `s` names a PostgreSQL database rather than a file.
pub(crate) fn is_postgres_url(s: &str) -> bool {
    s.starts_with("postgres://") || s.starts_with("postgresql://")
}

/// What the PostgreSQL store of `url` holds, without creating anything.
pub(crate) fn postgres_contents(url: &str) -> Result<crate::StoreContents> {
    if !is_postgres_url(url) {
        return Err(Error::InvalidArgument(
            "not a postgres:// or postgresql:// URL (R-ST1)".into(),
        ));
    }
    #[cfg(feature = "postgres")]
    return postgres::contents(url);
    #[cfg(not(feature = "postgres"))]
    return Err(Error::storage(
        crate::error::StorageKind::Other,
        "cannot open a PostgreSQL URL: this build of pmsg has no PostgreSQL backend \
         (build it with the cargo feature `postgres`)",
    ));
}

impl Db {
    /// Opens the SQLite file at `path`, or the PostgreSQL database of a
    /// `postgres://` / `postgresql://` URL, and migrates it.
    pub fn open(path_or_url: &str) -> Result<Db> {
        if is_postgres_url(path_or_url) {
            #[cfg(feature = "postgres")]
            return Ok(Db::Postgres(postgres::PgDb::open(path_or_url)?));
            #[cfg(not(feature = "postgres"))]
            return Err(Error::storage(
                crate::error::StorageKind::Other,
                "cannot open a PostgreSQL URL: this build of pmsg has no PostgreSQL backend \
                 (build it with the cargo feature `postgres`)",
            ));
        }
        Ok(Db::Sqlite(sqlite::SqliteDb::open(Some(path_or_url))?))
    }

    /// A private in-memory SQLite database.
    pub fn open_in_memory() -> Result<Db> {
        Ok(Db::Sqlite(sqlite::SqliteDb::open(None)?))
    }

    /// An encrypted SQLite file (SQLCipher).
    pub fn open_keyed(path: &str, key: &str) -> Result<Db> {
        if is_postgres_url(path) {
            return Err(Error::InvalidArgument(
                "a PostgreSQL database is not encrypted by pmsg: open it with Store::open \
                 (use sslmode for encryption in transit, and the server's own encryption at rest)"
                    .into(),
            ));
        }
        Ok(Db::Sqlite(sqlite::SqliteDb::open_keyed(
            Some(path),
            Some(key),
        )?))
    }

    fn backend(&self) -> &dyn Backend {
        match self {
            Db::Sqlite(d) => d,
            #[cfg(feature = "postgres")]
            Db::Postgres(d) => d,
        }
    }

    /// Runs `f` in one write transaction, which commits when `commits`
    /// says so of `f`'s result and rolls back otherwise (the rules decide:
    /// see `Store`'s R-A1 policy). `f` may run more than once (see
    /// [`Backend::write`]); the result of its last run is returned.
    pub fn write<T>(
        &self,
        f: &mut dyn FnMut(&Tx) -> Result<T>,
        commits: fn(&Result<T>) -> bool,
    ) -> Result<T> {
        let mut out: Option<Result<T>> = None;
        let done = self.backend().write(&mut |tx| {
            let r = f(tx);
            let finish = if commits(&r) {
                Finish::Commit
            } else {
                Finish::Rollback
            };
            out = Some(r);
            finish
        });
        match (done, out) {
            (Ok(()), Some(r)) => r,
            // The rollback of a failed closure failed too: report both.
            (Err(Error::Storage(why)), Some(Err(e))) if !commits(&Err(e.clone())) => Err(
                Error::storage(why.kind, format!("{e}; and {}", why.message)),
            ),
            (Err(e), _) => Err(e),
            (Ok(()), None) => Err(Error::Internal(
                "the storage backend finished a transaction without running it".into(),
            )),
        }
    }

    /// Runs `f` in one read transaction (one consistent snapshot).
    pub fn read<T>(&self, mut f: impl FnMut(&Tx) -> Result<T>) -> Result<T> {
        let mut out: Option<Result<T>> = None;
        self.backend().read(&mut |tx| out = Some(f(tx)))?;
        out.unwrap_or_else(|| {
            Err(Error::Internal(
                "the storage backend finished a transaction without running it".into(),
            ))
        })
    }

    /// Limits an SQLite file's size in pages (tests of a full disk).
    #[cfg(test)]
    pub fn set_max_page_count(&self, pages: i64) -> Result<()> {
        match self {
            Db::Sqlite(d) => d.set_max_page_count(pages),
            #[cfg(feature = "postgres")]
            Db::Postgres(_) => unreachable!("an SQLite test"),
        }
    }

    /// An SQLite file's size in pages.
    #[cfg(test)]
    pub fn page_count(&self) -> Result<i64> {
        match self {
            Db::Sqlite(d) => d.page_count(),
            #[cfg(feature = "postgres")]
            Db::Postgres(_) => unreachable!("an SQLite test"),
        }
    }

    /// After a purge (R-D6): the SQLite backend copies the WAL into the file
    /// and truncates it, so purged content survives in neither; on
    /// PostgreSQL the deleted values are left to the server's vacuum.
    pub fn after_purge(&self, purged_any: bool) -> Result<()> {
        match self {
            Db::Sqlite(d) => d.after_purge(purged_any),
            #[cfg(feature = "postgres")]
            Db::Postgres(_) => Ok(()),
        }
    }
}
