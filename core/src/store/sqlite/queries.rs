//! The SQLite statements behind [`StoreTx`]. Instants are integer
//! milliseconds (UTC); `seq` columns give creation order. Text compares
//! by SQLite's default BINARY collation: code point order (§15).

use super::SqliteTx;
use crate::error::Result;
use crate::store::*;
use rusqlite::{params, OptionalExtension, Row};

const CONV_COLS: &str = "c.seq, c.id, c.patient_key, c.subject, c.created_at, c.last_activity, c.status, \
     c.current_from, c.unread_by_patient, c.unread_by_staff, c.last_staff_message, c.req_message, c.req_due_at, \
     c.has_patient_message, c.confidential";

fn conv_row(r: &Row) -> rusqlite::Result<ConvRow> {
    Ok(ConvRow {
        seq: r.get(0)?,
        id: r.get(1)?,
        patient_key: r.get(2)?,
        subject: r.get(3)?,
        created_at: r.get(4)?,
        last_activity: r.get(5)?,
        closed: r.get::<_, String>(6)? == "closed",
        current_from: r.get(7)?,
        unread_by_patient: r.get(8)?,
        unread_by_staff: r.get(9)?,
        last_staff_message: r.get(10)?,
        req_message: r.get(11)?,
        req_due_at: r.get(12)?,
        has_patient_message: r.get(13)?,
        confidential: r.get(14)?,
    })
}

const ATT_COLS: &str =
    "a.seq, a.id, a.message_seq, a.name, a.media_type, a.size, a.first_download_at, a.purged_at";

fn att_row(r: &Row) -> rusqlite::Result<AttRow> {
    Ok(AttRow {
        seq: r.get(0)?,
        id: r.get(1)?,
        message_seq: r.get(2)?,
        name: r.get(3)?,
        media_type: r.get(4)?,
        size: r.get(5)?,
        first_download_at: r.get(6)?,
        purged_at: r.get(7)?,
    })
}

fn event_row(r: &Row) -> rusqlite::Result<EventRow> {
    Ok(EventRow {
        seq: r.get(0)?,
        id: r.get(1)?,
        kind: r.get(2)?,
        recipient: r.get(3)?,
        conversation_id: r.get(4)?,
        message_id: r.get(5)?,
        due_at: r.get(6)?,
        claimed_until: r.get(7)?,
    })
}

fn audit_row(r: &Row) -> rusqlite::Result<AuditRow> {
    Ok(AuditRow {
        seq: r.get(0)?,
        at: r.get(1)?,
        actor: r.get(2)?,
        action: r.get(3)?,
        conversation: r.get(4)?,
        message: r.get(5)?,
        prev_hash: r.get(6)?,
        hash: r.get(7)?,
    })
}

/// R-D5: pending events due at `?1`, at most `?2`, through the partial index on pending events.
pub(crate) const DUE_EVENTS_SQL: &str = "SELECT e.seq, e.id, e.kind, e.recipient, c.id, m.id, e.due_at, e.claimed_until
     FROM event e JOIN conversation c ON c.seq = e.conversation_seq LEFT JOIN message m ON m.seq = e.message_seq
     WHERE e.state = 'pending' AND e.due_at <= ?1 ORDER BY e.due_at, e.seq LIMIT ?2";

/// §15 "Directory upserts": the pending events of one patient's
/// conversations, through `conversation_by_patient` and the partial index
/// on pending events (run for every patient a directory upsert touches).
pub(crate) const PENDING_EVENTS_OF_PATIENT_SQL: &str =
    "SELECT e.seq, e.recipient, c.confidential FROM conversation c
       JOIN event e ON e.conversation_seq = c.seq AND e.state = 'pending'
     WHERE c.patient_key = ?1 ORDER BY e.seq";

/// R-R1: by folded EMR ID or folded last-name prefix range, through indexes;
/// the name branch reads at most `?4` rows of `patient_by_name`, in order.
pub(crate) const SEARCH_SQL: &str =
    "SELECT emr_key, emr_id, first_name, last_name, date_of_birth, dependent, account_id FROM (
        SELECT * FROM patient WHERE emr_key = ?1
        UNION
        SELECT * FROM (SELECT * FROM patient WHERE last_folded >= ?2 AND last_folded < ?3
                       ORDER BY last_folded, first_folded, emr_id LIMIT ?4))
     ORDER BY last_folded, first_folded, emr_id LIMIT ?4";

/// The statement reading one range of a folder's rows in sort order,
/// through the folder's own partial index (staff, schema version 2) or
/// `conversation_account_by_activity` (accounts). The flag a staff index
/// holds is the folder's condition, also checked on the conversation.
fn folder_sql(rows: FolderRows, with_cursor: bool) -> String {
    let (table, key_col, cond) = match rows {
        FolderRows::StaffInbox => (
            "conversation_party",
            "party",
            "p.inbox = 1 AND c.status = 'open' AND c.has_patient_message = 1",
        ),
        FolderRows::StaffSent => (
            "conversation_party",
            "party",
            "p.authored = 1 AND p.closed = 0 AND c.status = 'open'",
        ),
        FolderRows::StaffAwaiting => (
            "conversation_party",
            "party",
            "p.awaiting = 1 AND c.status = 'open' AND c.req_message IS NOT NULL",
        ),
        FolderRows::StaffClosed => (
            "conversation_party",
            "party",
            "p.closed = 1 AND c.status = 'closed'",
        ),
        FolderRows::AccountInbox => ("conversation_account", "account_id", ACCOUNT_RANGE),
        FolderRows::AccountAwaiting => (
            "conversation_account",
            "account_id",
            "c.patient_key = ?6 AND (?7 OR c.confidential = 0) AND c.req_message IS NOT NULL \
             AND EXISTS (SELECT 1 FROM delivery d WHERE d.message_seq = c.req_message AND d.account_id = ?1)",
        ),
    };
    let range = if with_cursor {
        "AND (p.last_activity, p.created_at, p.conversation_seq) < (?2, ?3, ?4)"
    } else {
        "AND ?2 IS NULL AND ?3 IS NULL AND ?4 IS NULL"
    };
    format!(
        "SELECT {CONV_COLS} FROM {table} p JOIN conversation c ON c.seq = p.conversation_seq
         WHERE p.{key_col} = ?1 {range} AND {cond}
         ORDER BY p.last_activity DESC, p.created_at DESC, p.conversation_seq DESC LIMIT ?5"
    )
}

/// An account's rows of one patient's conversations (`?6`), the
/// confidential ones only when `?7` is true.
const ACCOUNT_RANGE: &str = "c.patient_key = ?6 AND (?7 OR c.confidential = 0)";

impl StoreTx for SqliteTx<'_> {
    // ---- directory -------------------------------------------------------

    fn upsert_account(
        &self,
        id: &str,
        kind: &str,
        display_name: &str,
        registered: bool,
    ) -> Result<()> {
        self.c
            .prepare_cached(
                "INSERT INTO account (id, kind, display_name, registered) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET kind = ?2, display_name = ?3, registered = ?4",
            )?
            .execute(params![id, kind, display_name, registered])?;
        Ok(())
    }

    fn upsert_staff(&self, id: &str, display_name: &str, accepts_direct: bool) -> Result<()> {
        self.c
            .prepare_cached(
                "INSERT INTO staff (id, display_name, accepts_direct) VALUES (?1, ?2, ?3)
                 ON CONFLICT (id) DO UPDATE SET display_name = ?2, accepts_direct = ?3",
            )?
            .execute(params![id, display_name, accepts_direct])?;
        Ok(())
    }

    fn upsert_patient(&self, p: &PatientRow, first_folded: &str, last_folded: &str) -> Result<()> {
        self.c
            .prepare_cached(
                "INSERT INTO patient (emr_key, emr_id, first_name, last_name, first_folded, last_folded,
                                      date_of_birth, dependent, account_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (emr_key) DO UPDATE SET emr_id = ?2, first_name = ?3, last_name = ?4,
                   first_folded = ?5, last_folded = ?6, date_of_birth = ?7, dependent = ?8, account_id = ?9",
            )?
            .execute(params![
                p.key,
                p.emr_id,
                p.first_name,
                p.last_name,
                first_folded,
                last_folded,
                p.date_of_birth,
                p.dependent,
                p.account_id
            ])?;
        Ok(())
    }

    fn upsert_connection(&self, patient_key: &str, caregiver: &str, active: bool) -> Result<()> {
        self.c
            .prepare_cached(
                "INSERT INTO connection (patient_key, caregiver_id, active) VALUES (?1, ?2, ?3)
                 ON CONFLICT (patient_key, caregiver_id) DO UPDATE SET active = ?3",
            )?
            .execute(params![patient_key, caregiver, active])?;
        Ok(())
    }

    fn upsert_workgroup(&self, id: &str, name: &str, members: &[String]) -> Result<()> {
        self.c
            .prepare_cached("INSERT INTO workgroup (id, name) VALUES (?1, ?2) ON CONFLICT (id) DO UPDATE SET name = ?2")?
            .execute(params![id, name])?;
        self.c
            .prepare_cached("DELETE FROM workgroup_member WHERE workgroup_id = ?1")?
            .execute([id])?;
        let mut ins = self.c.prepare_cached(
            "INSERT OR IGNORE INTO workgroup_member (workgroup_id, staff_id) VALUES (?1, ?2)",
        )?;
        for m in members {
            ins.execute(params![id, m])?;
        }
        Ok(())
    }

    /// The pending events of a patient's conversations, in creation order,
    /// each with its conversation's confidentiality.
    fn pending_events_of_patient(&self, patient_key: &str) -> Result<Vec<PendingEventRow>> {
        let mut st = self.c.prepare_cached(PENDING_EVENTS_OF_PATIENT_SQL)?;
        let rows = st.query_map([patient_key], |r| {
            Ok(PendingEventRow {
                seq: r.get(0)?,
                recipient: r.get(1)?,
                confidential: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Cancels one pending event (an acked one stays acked).
    fn cancel_event(&self, seq: i64) -> Result<()> {
        self.c
            .prepare_cached(
                "UPDATE event SET state = 'cancelled' WHERE seq = ?1 AND state = 'pending'",
            )?
            .execute([seq])?;
        Ok(())
    }

    fn staff(&self, id: &str) -> Result<Option<StaffRow>> {
        Ok(self
            .c
            .prepare_cached("SELECT id, display_name, accepts_direct FROM staff WHERE id = ?1")?
            .query_row([id], |r| {
                Ok(StaffRow {
                    id: r.get(0)?,
                    display_name: r.get(1)?,
                    accepts_direct: r.get(2)?,
                })
            })
            .optional()?)
    }

    fn account(&self, id: &str) -> Result<Option<AccountRow>> {
        Ok(self
            .c
            .prepare_cached("SELECT id, display_name, registered FROM account WHERE id = ?1")?
            .query_row([id], |r| {
                Ok(AccountRow {
                    id: r.get(0)?,
                    display_name: r.get(1)?,
                    registered: r.get(2)?,
                })
            })
            .optional()?)
    }

    fn workgroup_name(&self, id: &str) -> Result<Option<String>> {
        Ok(self
            .c
            .prepare_cached("SELECT name FROM workgroup WHERE id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?)
    }

    fn is_member(&self, workgroup: &str, staff: &str) -> Result<bool> {
        Ok(self
            .c
            .prepare_cached(
                "SELECT 1 FROM workgroup_member WHERE workgroup_id = ?1 AND staff_id = ?2",
            )?
            .exists(params![workgroup, staff])?)
    }

    fn patient(&self, key: &str) -> Result<Option<PatientRow>> {
        Ok(self
            .c
            .prepare_cached(
                "SELECT emr_key, emr_id, first_name, last_name, date_of_birth, dependent, account_id
                 FROM patient WHERE emr_key = ?1",
            )?
            .query_row([key], patient_row)
            .optional()?)
    }

    /// Registered or not, every account with an active connection to the patient, by account id.
    fn active_caregivers(&self, patient_key: &str) -> Result<Vec<CaregiverRow>> {
        let mut st = self.c.prepare_cached(
            "SELECT a.id, a.registered FROM connection k JOIN account a ON a.id = k.caregiver_id
             WHERE k.patient_key = ?1 AND k.active = 1 ORDER BY a.id",
        )?;
        let rows = st.query_map([patient_key], |r| {
            Ok(CaregiverRow {
                account_id: r.get(0)?,
                registered: r.get(1)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// R-R1: patients whose key equals `emr_key` or whose folded last name
    /// starts with `prefix`, ordered by folded last, folded first, EMR ID.
    fn search_patients(
        &self,
        emr_key: &str,
        prefix: &str,
        limit: usize,
    ) -> Result<Vec<PatientRow>> {
        let upper = format!("{prefix}\u{10FFFF}");
        let mut st = self.c.prepare_cached(SEARCH_SQL)?;
        let rows = st.query_map(params![emr_key, prefix, upper, limit as i64], patient_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    // ---- conversations and messages --------------------------------------

    fn conversation(&self, id: &str) -> Result<Option<ConvRow>> {
        let sql = format!("SELECT {CONV_COLS} FROM conversation c WHERE c.id = ?1");
        Ok(self
            .c
            .prepare_cached(&sql)?
            .query_row([id], conv_row)
            .optional()?)
    }

    #[allow(clippy::too_many_arguments)]
    fn insert_conversation(
        &self,
        id: &str,
        patient_key: &str,
        subject: &str,
        now: i64,
        from: &str,
        confidential: bool,
    ) -> Result<i64> {
        self.c
            .prepare_cached(
                "INSERT INTO conversation (id, patient_key, subject, created_at, last_activity, status, current_from,
                                           confidential)
                 VALUES (?1, ?2, ?3, ?4, ?4, 'open', ?5, ?6)",
            )?
            .execute(params![id, patient_key, subject, now, from, confidential])?;
        Ok(self.c.last_insert_rowid())
    }

    fn insert_message(&self, m: &NewMessage) -> Result<i64> {
        self.c
            .prepare_cached(
                "INSERT INTO message (id, conversation_seq, side, author, from_party, sent_at, body, response,
                   required_days, response_due_at, allow_reply_attachments, mask_name, notify_count, notify_unit,
                   fee_code, file_to_chart, to_party)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
            )?
            .execute(params![
                m.id,
                m.conversation_seq,
                if m.staff_side { "staff" } else { "patient" },
                m.author,
                m.from_party,
                m.sent_at,
                m.body,
                m.response,
                m.required_days,
                m.response_due_at,
                m.allow_reply_attachments,
                m.mask_name,
                m.notify_count,
                m.notify_unit,
                m.fee_code,
                m.file_to_chart,
                m.to_party
            ])?;
        Ok(self.c.last_insert_rowid())
    }

    /// Records that the message went to `account` and that the account is a
    /// patient-side participant (R-M0).
    fn insert_delivery(
        &self,
        message_seq: i64,
        conversation_seq: i64,
        account: &str,
    ) -> Result<()> {
        self.c
            .prepare_cached("INSERT INTO delivery (message_seq, account_id) VALUES (?1, ?2)")?
            .execute(params![message_seq, account])?;
        self.c
            .prepare_cached(
                "INSERT OR IGNORE INTO conversation_account (account_id, conversation_seq, last_activity, created_at)
                 SELECT ?1, seq, last_activity, created_at FROM conversation WHERE seq = ?2",
            )?
            .execute(params![account, conversation_seq])?;
        Ok(())
    }

    fn insert_party(&self, conversation_seq: i64, party: &str, authored: bool) -> Result<()> {
        self.c
            .prepare_cached(
                "INSERT INTO conversation_party (party, conversation_seq, authored, last_activity, created_at,
                                                 inbox, awaiting, closed)
                 SELECT ?1, seq, ?2, last_activity, created_at, 0, 0, 0 FROM conversation WHERE seq = ?3
                 ON CONFLICT (party, conversation_seq) DO UPDATE SET authored = max(authored, excluded.authored)",
            )?
            .execute(params![party, authored, conversation_seq])?;
        Ok(())
    }

    fn set_party_flags(&self, conversation_seq: i64, flags: PartyFlags) -> Result<()> {
        self.c
            .prepare_cached(
                "UPDATE conversation_party SET inbox = ?2, awaiting = ?3, closed = ?4
                 WHERE conversation_seq = ?1 AND (inbox, awaiting, closed) <> (?2, ?3, ?4)",
            )?
            .execute(params![
                conversation_seq,
                flags.inbox,
                flags.awaiting,
                flags.closed
            ])?;
        Ok(())
    }

    fn insert_attachment(
        &self,
        id: &str,
        message_seq: i64,
        name: &str,
        media_type: &str,
        content: &[u8],
    ) -> Result<()> {
        self.c
            .prepare_cached(
                "INSERT INTO attachment (id, message_seq, name, media_type, size, content) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![id, message_seq, name, media_type, content.len() as i64, content])?;
        Ok(())
    }

    fn conversation_after_message(
        &self,
        conv: i64,
        last_activity: i64,
        staff_message: Option<(i64, &str)>,
    ) -> Result<()> {
        match staff_message {
            Some((msg, from)) => self
                .c
                .prepare_cached(
                    "UPDATE conversation SET last_activity = ?2,
                       unread_by_patient = unread_by_patient + 1, last_staff_message = ?3, current_from = ?4
                     WHERE seq = ?1",
                )?
                .execute(params![conv, last_activity, msg, from])?,
            None => self
                .c
                .prepare_cached(
                    "UPDATE conversation SET last_activity = ?2,
                       unread_by_staff = unread_by_staff + 1, has_patient_message = 1
                     WHERE seq = ?1",
                )?
                .execute(params![conv, last_activity])?,
        };
        // Keep the folder sort key copies in step (§7).
        for sql in [
            "UPDATE conversation_party SET last_activity = ?2 WHERE conversation_seq = ?1",
            "UPDATE conversation_account SET last_activity = ?2 WHERE conversation_seq = ?1",
        ] {
            self.c
                .prepare_cached(sql)?
                .execute(params![conv, last_activity])?;
        }
        Ok(())
    }

    fn message_reads(&self, conv: i64, staff_side: bool) -> Result<Vec<(i64, Option<i64>)>> {
        let mut st = self.c.prepare_cached(
            "SELECT seq, read_at FROM message WHERE conversation_seq = ?1 AND side = ?2 ORDER BY seq",
        )?;
        let side = if staff_side { "staff" } else { "patient" };
        let rows = st.query_map(params![conv, side], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn set_message_read(&self, message_seq: i64, at: i64) -> Result<()> {
        self.c
            .prepare_cached("UPDATE message SET read_at = ?2 WHERE seq = ?1")?
            .execute(params![message_seq, at])?;
        Ok(())
    }

    fn clear_unread(&self, conv: i64, staff_side: bool) -> Result<()> {
        let sql = if staff_side {
            "UPDATE conversation SET unread_by_patient = 0 WHERE seq = ?1"
        } else {
            "UPDATE conversation SET unread_by_staff = 0 WHERE seq = ?1"
        };
        self.c.prepare_cached(sql)?.execute([conv])?;
        Ok(())
    }

    /// R-D2: sets (or, with `None`, ends) the outstanding requirement.
    fn set_requirement(&self, conv: i64, req: Option<(i64, i64)>) -> Result<()> {
        self.c
            .prepare_cached(
                "UPDATE conversation SET req_message = ?2, req_due_at = ?3 WHERE seq = ?1",
            )?
            .execute(params![conv, req.map(|r| r.0), req.map(|r| r.1)])?;
        Ok(())
    }

    fn set_closed(&self, conv: i64) -> Result<()> {
        self.c
            .prepare_cached("UPDATE conversation SET status = 'closed' WHERE seq = ?1")?
            .execute([conv])?;
        Ok(())
    }

    /// R-AS2: the conversation's current `from` identity.
    fn set_current_from(&self, conv: i64, party: &str) -> Result<()> {
        self.c
            .prepare_cached("UPDATE conversation SET current_from = ?2 WHERE seq = ?1")?
            .execute(params![conv, party])?;
        Ok(())
    }

    /// R-AS1: records one assignment of the conversation.
    fn insert_assignment(
        &self,
        conv: i64,
        by_party: &str,
        to_party: &str,
        note: Option<&str>,
        at: i64,
    ) -> Result<()> {
        self.c
            .prepare_cached(
                "INSERT INTO assignment (conversation_seq, by_party, to_party, note, at) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![conv, by_party, to_party, note, at])?;
        Ok(())
    }

    /// R-AS4: the conversation's assignments in the order they were made.
    fn assignments(&self, conv: i64) -> Result<Vec<AssignmentRow>> {
        let mut st = self.c.prepare_cached(
            "SELECT by_party, to_party, note, at FROM assignment WHERE conversation_seq = ?1 ORDER BY seq",
        )?;
        let rows = st.query_map([conv], |r| {
            Ok(AssignmentRow {
                by_party: r.get(0)?,
                to_party: r.get(1)?,
                note: r.get(2)?,
                at: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// A conversation by its `seq`.
    fn conversation_by_seq(&self, seq: i64) -> Result<Option<ConvRow>> {
        let sql = format!("SELECT {CONV_COLS} FROM conversation c WHERE c.seq = ?1");
        Ok(self
            .c
            .prepare_cached(&sql)?
            .query_row([seq], conv_row)
            .optional()?)
    }

    /// When a message was first read by its addressee side (R-M1), if it was.
    fn message_read_at(&self, message_seq: i64) -> Result<Option<i64>> {
        Ok(self
            .c
            .prepare_cached("SELECT read_at FROM message WHERE seq = ?1")?
            .query_row([message_seq], |r| r.get(0))
            .optional()?
            .flatten())
    }

    // ---- group sends -------------------------------------------------------

    /// R-G4: records a group send; returns its `seq`.
    fn insert_group(&self, id: &str, author: &str, from_party: &str, sent_at: i64) -> Result<i64> {
        self.c
            .prepare_cached(
                "INSERT INTO group_send (id, author, from_party, sent_at) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![id, author, from_party, sent_at])?;
        Ok(self.c.last_insert_rowid())
    }

    /// R-G4: one patient of a group send at its list position.
    fn insert_group_entry(&self, group_seq: i64, position: i64, e: &GroupEntryRow) -> Result<()> {
        self.c
            .prepare_cached(
                "INSERT INTO group_entry (group_seq, position, emr_id, conversation_seq, message_seq, skipped)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                group_seq,
                position,
                e.emr_id,
                e.conversation_seq,
                e.message_seq,
                e.skipped
            ])?;
        Ok(())
    }

    /// A group send by id.
    fn group(&self, id: &str) -> Result<Option<GroupRow>> {
        Ok(self
            .c
            .prepare_cached("SELECT seq, id, author, from_party FROM group_send WHERE id = ?1")?
            .query_row([id], |r| {
                Ok(GroupRow {
                    seq: r.get(0)?,
                    id: r.get(1)?,
                    author: r.get(2)?,
                    from_party: r.get(3)?,
                })
            })
            .optional()?)
    }

    /// A group's patients in list order.
    fn group_entries(&self, group_seq: i64) -> Result<Vec<GroupEntryRow>> {
        let mut st = self.c.prepare_cached(
            "SELECT emr_id, conversation_seq, message_seq, skipped FROM group_entry
             WHERE group_seq = ?1 ORDER BY position",
        )?;
        let rows = st.query_map([group_seq], |r| {
            Ok(GroupEntryRow {
                emr_id: r.get(0)?,
                conversation_seq: r.get(1)?,
                message_seq: r.get(2)?,
                skipped: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn set_filed_to_chart(&self, conv: i64, now: i64) -> Result<()> {
        self.c
            .prepare_cached("UPDATE conversation SET filed_to_chart_at = ?2 WHERE seq = ?1")?
            .execute(params![conv, now])?;
        Ok(())
    }

    fn messages(&self, conv: i64) -> Result<Vec<MsgRow>> {
        let mut st = self.c.prepare_cached(
            "SELECT seq, id, side, author, from_party, sent_at, body, response, required_days, response_due_at,
                    allow_reply_attachments, mask_name, notify_count, notify_unit, fee_code, read_at, to_party
             FROM message WHERE conversation_seq = ?1 ORDER BY seq",
        )?;
        let rows = st.query_map([conv], |r| {
            Ok(MsgRow {
                seq: r.get(0)?,
                id: r.get(1)?,
                staff_side: r.get::<_, String>(2)? == "staff",
                author: r.get(3)?,
                from_party: r.get(4)?,
                sent_at: r.get(5)?,
                body: r.get(6)?,
                response: r.get(7)?,
                required_days: r.get(8)?,
                response_due_at: r.get(9)?,
                allow_reply_attachments: r.get(10)?,
                mask_name: r.get(11)?,
                notify_count: r.get(12)?,
                notify_unit: r.get(13)?,
                fee_code: r.get(14)?,
                read_at: r.get(15)?,
                to_party: r.get(16)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Whether the message lets the patient attach files to a reply.
    fn allows_reply_attachments(&self, message_seq: i64) -> Result<bool> {
        Ok(self
            .c
            .prepare_cached("SELECT allow_reply_attachments FROM message WHERE seq = ?1")?
            .query_row([message_seq], |r| r.get(0))?)
    }

    /// Accounts a message was delivered to, by account id.
    fn deliveries(&self, message_seq: i64) -> Result<Vec<String>> {
        let mut st = self.c.prepare_cached(
            "SELECT account_id FROM delivery WHERE message_seq = ?1 ORDER BY account_id",
        )?;
        let rows = st.query_map([message_seq], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn attachments_of_conversation(&self, conv: i64) -> Result<Vec<AttRow>> {
        let sql = format!(
            "SELECT {ATT_COLS} FROM attachment a JOIN message m ON m.seq = a.message_seq
             WHERE m.conversation_seq = ?1 ORDER BY a.message_seq, a.seq"
        );
        let mut st = self.c.prepare_cached(&sql)?;
        let rows = st.query_map([conv], att_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// An attachment of the conversation by id, with its message's id and
    /// side and its content (`None` once purged).
    fn attachment_in(&self, conv: i64, id: &str) -> Result<Option<AttContent>> {
        let sql = format!(
            "SELECT {ATT_COLS}, a.content, m.id, m.side FROM attachment a JOIN message m ON m.seq = a.message_seq
             WHERE a.id = ?2 AND m.conversation_seq = ?1"
        );
        Ok(self
            .c
            .prepare_cached(&sql)?
            .query_row(params![conv, id], |r| {
                Ok(AttContent {
                    meta: att_row(r)?,
                    content: r.get(8)?,
                    message_id: r.get(9)?,
                    staff_message: r.get::<_, String>(10)? == "staff",
                })
            })
            .optional()?)
    }

    fn start_retention(&self, attachment_seq: i64, now: i64, purge_due_at: i64) -> Result<()> {
        self.c
            .prepare_cached(
                "UPDATE attachment SET first_download_at = ?2, purge_due_at = ?3 WHERE seq = ?1 AND first_download_at IS NULL",
            )?
            .execute(params![attachment_seq, now, purge_due_at])?;
        Ok(())
    }

    /// R-D6: attachments whose retention ended, in conversation creation,
    /// message and attachment order.
    fn attachments_due_for_purge(&self, now: i64) -> Result<Vec<PurgeRow>> {
        let mut st = self.c.prepare_cached(
            "SELECT a.seq, a.id, a.name, c.id, m.id FROM attachment a
               JOIN message m ON m.seq = a.message_seq JOIN conversation c ON c.seq = m.conversation_seq
             WHERE a.purged_at IS NULL AND a.purge_due_at IS NOT NULL AND a.purge_due_at <= ?1
             ORDER BY c.seq, m.seq, a.seq",
        )?;
        let rows = st.query_map([now], |r| {
            Ok(PurgeRow {
                attachment_seq: r.get(0)?,
                attachment_id: r.get(1)?,
                name: r.get(2)?,
                conversation_id: r.get(3)?,
                message_id: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Deletes an attachment's content for good (`secure_delete` is on).
    fn purge_attachment(&self, attachment_seq: i64, now: i64) -> Result<()> {
        self.c
            .prepare_cached("UPDATE attachment SET content = NULL, purged_at = ?2 WHERE seq = ?1")?
            .execute(params![attachment_seq, now])?;
        Ok(())
    }

    // ---- access ----------------------------------------------------------

    /// The staff-side parties of a conversation (R-M0): every author,
    /// `from` identity and assignee it has had, by party.
    fn staff_parties(&self, conv: i64) -> Result<Vec<String>> {
        let mut st = self.c.prepare_cached(
            "SELECT party FROM conversation_party WHERE conversation_seq = ?1 ORDER BY party",
        )?;
        let rows = st.query_map([conv], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The workgroups a staff member is a member of now, by id.
    fn workgroups_of(&self, staff: &str) -> Result<Vec<String>> {
        let mut st = self.c.prepare_cached(
            "SELECT workgroup_id FROM workgroup_member WHERE staff_id = ?1 ORDER BY workgroup_id",
        )?;
        let rows = st.query_map([staff], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Whether a message of the conversation was delivered to the account
    /// (a patient-side participant, R-M0).
    fn is_patient_side_participant(&self, conv: i64, account: &str) -> Result<bool> {
        Ok(self
            .c
            .prepare_cached(
                "SELECT 1 FROM conversation_account WHERE account_id = ?1 AND conversation_seq = ?2",
            )?
            .exists(params![account, conv])?)
    }

    /// Whether the account has an active connection to the patient.
    fn connection_active(&self, patient_key: &str, account: &str) -> Result<bool> {
        Ok(self
            .c
            .prepare_cached(
                "SELECT 1 FROM connection WHERE patient_key = ?1 AND caregiver_id = ?2 AND active = 1",
            )?
            .exists(params![patient_key, account])?)
    }

    /// The patients whose own account this is, by key.
    fn patients_of_account(&self, account: &str) -> Result<Vec<String>> {
        let mut st = self
            .c
            .prepare_cached("SELECT emr_key FROM patient WHERE account_id = ?1 ORDER BY emr_key")?;
        let rows = st.query_map([account], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The patients the account has an active connection to, by key.
    fn connected_patients(&self, account: &str) -> Result<Vec<String>> {
        let mut st = self.c.prepare_cached(
            "SELECT patient_key FROM connection WHERE caregiver_id = ?1 AND active = 1 ORDER BY patient_key",
        )?;
        let rows = st.query_map([account], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    // ---- events ----------------------------------------------------------

    fn insert_event(&self, conv: i64, e: &NewEvent) -> Result<()> {
        self.c
            .prepare_cached(
                "INSERT INTO event (id, kind, recipient, conversation_seq, message_seq, due_at, state)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending')",
            )?
            .execute(params![e.id, e.kind, e.recipient, conv, e.message_seq, e.due_at])?;
        Ok(())
    }

    /// Cancels the conversation's pending events of `kind`; with `due_after`,
    /// only those due strictly after it (R-D5).
    fn cancel_events(&self, conv: i64, kind: &str, due_after: Option<i64>) -> Result<()> {
        self.c
            .prepare_cached(
                "UPDATE event SET state = 'cancelled'
                 WHERE conversation_seq = ?1 AND kind = ?2 AND state = 'pending' AND (?3 IS NULL OR due_at > ?3)",
            )?
            .execute(params![conv, kind, due_after])?;
        Ok(())
    }

    /// R-D5: pending events due at `now`, by due instant then creation order.
    fn due_events(&self, now: i64, limit: i64) -> Result<Vec<EventRow>> {
        let mut st = self.c.prepare_cached(DUE_EVENTS_SQL)?;
        let rows = st.query_map(params![now, limit], event_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Visits the pending events due at `now` (R-D5's order, the same
    /// range as [`Tx::due_events`]) until `f` returns false.
    fn scan_due_events(&self, now: i64, f: &mut dyn FnMut(EventRow) -> bool) -> Result<()> {
        let mut st = self.c.prepare_cached(DUE_EVENTS_SQL)?;
        let mut rows = st.query(params![now, -1])?;
        while let Some(r) = rows.next()? {
            if !f(event_row(r)?) {
                break;
            }
        }
        Ok(())
    }

    /// Records a claim of the event `seq` by `worker` until `until` (R-D7).
    fn set_event_claim(&self, seq: i64, worker: &str, until: i64) -> Result<()> {
        self.c
            .prepare_cached("UPDATE event SET claimed_by = ?2, claimed_until = ?3 WHERE seq = ?1")?
            .execute(params![seq, worker, until])?;
        Ok(())
    }

    /// The state of an event (`pending`, `acked`, `cancelled`), if it exists.
    fn event_state(&self, id: &str) -> Result<Option<String>> {
        Ok(self
            .c
            .prepare_cached("SELECT state FROM event WHERE id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?)
    }

    fn ack_event(&self, id: &str, now: i64) -> Result<()> {
        self.c
            .prepare_cached("UPDATE event SET state = 'acked', acked_at = ?2 WHERE id = ?1 AND state = 'pending'")?
            .execute(params![id, now])?;
        Ok(())
    }

    // ---- folders ---------------------------------------------------------

    /// One page of a folder after the cursor `(last_activity, created_at, seq)`,
    /// newest activity first (§7), at most `limit` rows. Each range is one
    /// index range in sort order; they are merged here, each conversation once.
    fn folder_page(
        &self,
        rows: FolderRows,
        ranges: &[FolderRange],
        after: Option<(i64, i64, i64)>,
        limit: i64,
    ) -> Result<Vec<ConvRow>> {
        let sql = folder_sql(rows, after.is_some());
        let (a, b, s) = match after {
            Some((a, b, s)) => (Some(a), Some(b), Some(s)),
            None => (None, None, None),
        };
        let mut st = self.c.prepare_cached(&sql)?;
        let mut merged: Vec<ConvRow> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let account_rows = matches!(rows, FolderRows::AccountInbox | FolderRows::AccountAwaiting);
        for r in ranges {
            let found = if account_rows {
                let patient = r.patient.as_deref().unwrap_or_default();
                st.query_map(
                    params![r.key, a, b, s, limit, patient, r.confidential],
                    conv_row,
                )?
                .collect::<rusqlite::Result<Vec<_>>>()?
            } else {
                st.query_map(params![r.key, a, b, s, limit], conv_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()?
            };
            for row in found {
                if seen.insert(row.seq) {
                    merged.push(row);
                }
            }
        }
        // Newest activity first; ties: the newer conversation, then creation order.
        merged.sort_by(|x, y| {
            (y.last_activity, y.created_at, y.seq).cmp(&(x.last_activity, x.created_at, x.seq))
        });
        merged.truncate(limit.max(0) as usize);
        Ok(merged)
    }

    // ---- billing -----------------------------------------------------------

    #[allow(clippy::too_many_arguments)]
    fn insert_billing(
        &self,
        fee_code: &str,
        author: &str,
        emr_id: &str,
        conv: i64,
        msg: i64,
        sent_at: i64,
    ) -> Result<()> {
        self.c
            .prepare_cached(
                "INSERT INTO billing_entry (fee_code, author, emr_id, conversation_seq, message_seq, sent_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![fee_code, author, emr_id, conv, msg, sent_at])?;
        Ok(())
    }

    /// R-B3: entries sent in [start, end), in sent order (instant, then creation).
    fn billing_entries(&self, start: i64, end: i64) -> Result<Vec<BillingRow>> {
        let mut st = self.c.prepare_cached(
            "SELECT b.fee_code, b.author, b.emr_id, c.id, m.id, b.sent_at FROM billing_entry b
               JOIN conversation c ON c.seq = b.conversation_seq JOIN message m ON m.seq = b.message_seq
             WHERE b.sent_at >= ?1 AND b.sent_at < ?2 ORDER BY b.sent_at, b.seq",
        )?;
        let rows = st.query_map(params![start, end], |r| {
            Ok(BillingRow {
                fee_code: r.get(0)?,
                author: r.get(1)?,
                emr_id: r.get(2)?,
                conversation_id: r.get(3)?,
                message_id: r.get(4)?,
                sent_at: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    // ---- audit -------------------------------------------------------------

    fn audit_chaining(&self) -> AuditChaining {
        AuditChaining::Single
    }

    fn audit_link(&self, _conversation: Option<&str>) -> Result<(i64, Option<String>)> {
        Ok(self
            .c
            .prepare_cached("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")?
            .query_row([], |r| Ok((r.get::<_, i64>(0)? + 1, Some(r.get(1)?))))
            .optional()?
            .unwrap_or((1, None)))
    }

    fn insert_audit(&self, row: &AuditRow) -> Result<()> {
        self.c
            .prepare_cached(
                "INSERT INTO audit (seq, at, actor, action, conversation, message, prev_hash, hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                row.seq,
                row.at,
                row.actor,
                row.action,
                row.conversation,
                row.message,
                row.prev_hash,
                row.hash
            ])?;
        Ok(())
    }

    /// The last `count` audit rows, oldest first.
    fn audit_tail(&self, count: i64) -> Result<Vec<AuditRow>> {
        let mut st = self.c.prepare_cached(
            "SELECT * FROM (SELECT seq, at, actor, action, conversation, message, prev_hash, hash
                            FROM audit ORDER BY seq DESC LIMIT ?1) ORDER BY seq",
        )?;
        let rows = st.query_map([count], audit_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Visits every audit row in sequence order until `f` returns false.
    fn audit_scan(&self, f: &mut dyn FnMut(AuditRow) -> bool) -> Result<()> {
        let mut st = self
            .c
            .prepare_cached("SELECT seq, at, actor, action, conversation, message, prev_hash, hash FROM audit ORDER BY seq")?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            if !f(audit_row(r)?) {
                break;
            }
        }
        Ok(())
    }

    fn settings_version(&self) -> Result<Option<i64>> {
        Ok(self
            .c
            .prepare_cached("SELECT version FROM settings WHERE id = 1")?
            .query_row([], |r| r.get(0))
            .optional()?)
    }

    fn settings(&self) -> Result<Option<(i64, String)>> {
        Ok(self
            .c
            .prepare_cached("SELECT version, config FROM settings WHERE id = 1")?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }

    fn insert_settings(&self, config: &str) -> Result<()> {
        self.c
            .prepare_cached(
                "INSERT INTO settings (id, version, config) VALUES (1, 1, ?1) ON CONFLICT (id) DO NOTHING",
            )?
            .execute(params![config])?;
        Ok(())
    }

    fn update_settings(&self, config: &str) -> Result<i64> {
        Ok(self
            .c
            .prepare_cached(
                "UPDATE settings SET version = version + 1, config = ?1 WHERE id = 1 RETURNING version",
            )?
            .query_row(params![config], |r| r.get(0))?)
    }
}

fn patient_row(r: &Row) -> rusqlite::Result<PatientRow> {
    Ok(PatientRow {
        key: r.get(0)?,
        emr_id: r.get(1)?,
        first_name: r.get(2)?,
        last_name: r.get(3)?,
        date_of_birth: r.get(4)?,
        dependent: r.get(5)?,
        account_id: r.get(6)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sqlite::SqliteDb as Db;

    /// The plan of a statement, one detail line per step.
    fn plan(db: &Db, sql: &str) -> String {
        let conn = db.lock().unwrap();
        let mut st = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let rows = st.query_map([], |r| r.get::<_, String>(3)).unwrap();
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .unwrap()
            .join("\n")
    }

    fn no_table_scan(p: &str, table: &str) {
        for line in p.lines() {
            let scans = line.starts_with(&format!("SCAN {table}")) && !line.contains("USING");
            assert!(!scans, "full scan of {table}:\n{p}");
        }
    }

    #[test]
    fn due_events_reads_the_pending_index_not_the_table() {
        let db = Db::open(None).unwrap();
        let p = plan(&db, &DUE_EVENTS_SQL.replace("?1", "0").replace("?2", "100"));
        assert!(p.contains("event_pending_by_due"), "{p}");
        no_table_scan(&p, "e");
        assert!(
            !p.contains("TEMP B-TREE"),
            "no sort: the index gives the order\n{p}"
        );
    }

    #[test]
    fn the_claim_scan_reads_the_pending_index_in_order_without_a_limit() {
        // R-D7 walks the same range as due_events, with no limit (it stops
        // once it has `limit` claimable events).
        let db = Db::open(None).unwrap();
        let p = plan(&db, &DUE_EVENTS_SQL.replace("?1", "0").replace("?2", "-1"));
        assert!(p.contains("event_pending_by_due"), "{p}");
        no_table_scan(&p, "e");
        assert!(!p.contains("TEMP B-TREE"), "no sort\n{p}");
    }

    #[test]
    fn a_directory_upsert_reads_only_its_patients_pending_events() {
        let db = Db::open(None).unwrap();
        let p = plan(&db, &PENDING_EVENTS_OF_PATIENT_SQL.replace("?1", "'e1'"));
        assert!(p.contains("conversation_by_patient"), "{p}");
        assert!(p.contains("event_by_conversation"), "{p}");
        no_table_scan(&p, "c");
        no_table_scan(&p, "e");
    }

    #[test]
    fn folder_pages_are_index_ranges_in_sort_order() {
        let db = Db::open(None).unwrap();
        // Each staff folder reads its own partial index (schema version 2).
        let queries = [
            (FolderRows::StaffInbox, "conversation_party_inbox"),
            (FolderRows::StaffSent, "conversation_party_sent"),
            (FolderRows::StaffAwaiting, "conversation_party_awaiting"),
            (FolderRows::StaffClosed, "conversation_party_closed"),
            (FolderRows::AccountInbox, "conversation_account_by_activity"),
            (
                FolderRows::AccountAwaiting,
                "conversation_account_by_activity",
            ),
        ];
        for (rows, index) in &queries {
            for cursor in [false, true] {
                let sql = folder_sql(*rows, cursor)
                    .replace("?1", "'p'")
                    .replace("?2", "1")
                    .replace("?3", "1")
                    .replace("?4", "1")
                    .replace("?5", "51")
                    .replace("?6", "'e1'")
                    .replace("?7", "0");
                let p = plan(&db, &sql);
                assert!(p.contains(&format!("INDEX {index} ")), "{index}:\n{p}");
                assert!(
                    !p.contains("TEMP B-TREE"),
                    "the index gives the order:\n{p}"
                );
                no_table_scan(&p, "p");
                no_table_scan(&p, "c");
            }
        }
    }

    #[test]
    fn search_uses_the_emr_key_and_name_indexes() {
        let db = Db::open(None).unwrap();
        let p = plan(
            &db,
            &SEARCH_SQL
                .replace("?1", "'e1'")
                .replace("?2", "'roy'")
                .replace("?3", "'roz'")
                .replace("?4", "50"),
        );
        assert!(p.contains("patient_by_name"), "{p}");
        assert!(
            p.contains("PRIMARY KEY") || p.contains("sqlite_autoindex_patient"),
            "{p}"
        );
        no_table_scan(&p, "patient");
    }
}
