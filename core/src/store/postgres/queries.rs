//! The PostgreSQL statements behind [`StoreTx`]: the same rows, keys and
//! ranges as the SQLite backend's, in PostgreSQL's dialect. Text columns
//! are `COLLATE "C"` (code point order, §15); flags are booleans.

use super::PgTx;
use crate::error::Result;
use crate::store::*;
use ::postgres::Row;
use std::sync::LazyLock;

const CONV_COLS: &str = "c.seq, c.id, c.patient_key, c.subject, c.created_at, c.last_activity, c.status, \
     c.current_from, c.unread_by_patient, c.unread_by_staff, c.last_staff_message, c.req_message, c.req_due_at, \
     c.has_patient_message, c.confidential";

fn conv_row(r: &Row) -> ConvRow {
    ConvRow {
        seq: r.get(0),
        id: r.get(1),
        patient_key: r.get(2),
        subject: r.get(3),
        created_at: r.get(4),
        last_activity: r.get(5),
        closed: r.get::<_, &str>(6) == "closed",
        current_from: r.get(7),
        unread_by_patient: r.get(8),
        unread_by_staff: r.get(9),
        last_staff_message: r.get(10),
        req_message: r.get(11),
        req_due_at: r.get(12),
        has_patient_message: r.get(13),
        confidential: r.get(14),
    }
}

const ATT_COLS: &str =
    "a.seq, a.id, a.message_seq, a.name, a.media_type, a.size, a.first_download_at, a.purged_at";

fn att_row(r: &Row) -> AttRow {
    AttRow {
        seq: r.get(0),
        id: r.get(1),
        message_seq: r.get(2),
        name: r.get(3),
        media_type: r.get(4),
        size: r.get(5),
        first_download_at: r.get(6),
        purged_at: r.get(7),
    }
}

/// R-D5: pending events due at `$1`, at most `$2` (negative: all), through
/// the partial index on pending events.
const DUE_EVENTS_SQL: &str = "SELECT e.seq, e.id, e.kind, e.recipient, c.id, m.id, e.due_at, e.claimed_until
     FROM event e JOIN conversation c ON c.seq = e.conversation_seq LEFT JOIN message m ON m.seq = e.message_seq
     WHERE e.state = 'pending' AND e.due_at <= $1 ORDER BY e.due_at, e.seq
     LIMIT CASE WHEN $2::bigint < 0 THEN NULL ELSE $2::bigint END";

fn event_row(r: &Row) -> EventRow {
    EventRow {
        seq: r.get(0),
        id: r.get(1),
        kind: r.get(2),
        recipient: r.get(3),
        conversation_id: r.get(4),
        message_id: r.get(5),
        due_at: r.get(6),
        claimed_until: r.get(7),
    }
}

fn audit_row(r: &Row) -> AuditRow {
    AuditRow {
        seq: r.get(0),
        at: r.get(1),
        actor: r.get(2),
        action: r.get(3),
        conversation: r.get(4),
        message: r.get(5),
        prev_hash: r.get(6),
        hash: r.get(7),
    }
}

fn patient_row(r: &Row) -> PatientRow {
    PatientRow {
        key: r.get(0),
        emr_id: r.get(1),
        first_name: r.get(2),
        last_name: r.get(3),
        date_of_birth: r.get(4),
        dependent: r.get(5),
        account_id: r.get(6),
    }
}

/// An account's rows of one patient's conversations (`$6`), the
/// confidential ones only when `$7` is true.
const ACCOUNT_RANGE: &str = "AND c.patient_key = $6::text AND ($7::boolean OR NOT c.confidential)";

/// Statements built once from the column lists.
struct Sql {
    conversation: String,
    conversation_by_seq: String,
    attachments_of_conversation: String,
    attachment_in: String,
    /// [staff inbox, sent, awaiting, closed, account inbox, awaiting][with cursor].
    folders: Vec<[String; 2]>,
}

static SQL: LazyLock<Sql> = LazyLock::new(|| {
    let folder = |table: &str, party_col: &str, cond: &str, cursor: bool| {
        // Parameters: $1 the range key, $2 $3 $4 the cursor, $5 the limit,
        // $6 $7 an account range's patient and whether confidential
        // conversations are in it. Without a cursor, $2…$4 are unused and
        // typed here so that both statements take the same parameters.
        let range = if cursor {
            "AND (p.last_activity, p.created_at, p.conversation_seq) < ($2, $3, $4)"
        } else {
            "AND $2::bigint IS NULL AND $3::bigint IS NULL AND $4::bigint IS NULL"
        };
        let limit = "$5";
        format!(
            "SELECT {CONV_COLS} FROM {table} p JOIN conversation c ON c.seq = p.conversation_seq
             WHERE p.{party_col} = $1 {cond} {range}
             ORDER BY p.last_activity DESC, p.created_at DESC, p.conversation_seq DESC LIMIT {limit}"
        )
    };
    let both = |table: &str, party_col: &str, cond: &str| {
        [
            folder(table, party_col, cond, false),
            folder(table, party_col, cond, true),
        ]
    };
    Sql {
        conversation: format!("SELECT {CONV_COLS} FROM conversation c WHERE c.id = $1"),
        conversation_by_seq: format!("SELECT {CONV_COLS} FROM conversation c WHERE c.seq = $1"),
        attachments_of_conversation: format!(
            "SELECT {ATT_COLS} FROM attachment a JOIN message m ON m.seq = a.message_seq
             WHERE m.conversation_seq = $1 ORDER BY a.message_seq, a.seq"
        ),
        attachment_in: format!(
            "SELECT {ATT_COLS}, a.content, m.id, m.side FROM attachment a JOIN message m ON m.seq = a.message_seq
             WHERE a.id = $2 AND m.conversation_seq = $1"
        ),
        folders: vec![
            both("conversation_party", "party", "AND p.inbox AND c.status = 'open' AND c.has_patient_message"),
            both("conversation_party", "party", "AND p.authored AND NOT p.closed AND c.status = 'open'"),
            both("conversation_party", "party", "AND p.awaiting AND c.status = 'open' AND c.req_message IS NOT NULL"),
            both("conversation_party", "party", "AND p.closed AND c.status = 'closed'"),
            both("conversation_account", "account_id", ACCOUNT_RANGE),
            both(
                "conversation_account",
                "account_id",
                &format!(
                    "{ACCOUNT_RANGE} AND c.req_message IS NOT NULL AND EXISTS (SELECT 1 FROM delivery d \
                     WHERE d.message_seq = c.req_message AND d.account_id = $1)"
                ),
            ),
        ],
    }
});

impl StoreTx for PgTx<'_> {
    // ---- directory -------------------------------------------------------

    fn upsert_account(
        &self,
        id: &str,
        kind: &str,
        display_name: &str,
        registered: bool,
    ) -> Result<()> {
        self.execute(
            "INSERT INTO account (id, kind, display_name, registered) VALUES ($1, $2, $3, $4)
             ON CONFLICT (id) DO UPDATE SET kind = $2, display_name = $3, registered = $4",
            &[&id, &kind, &display_name, &registered],
        )?;
        Ok(())
    }

    fn upsert_staff(&self, id: &str, display_name: &str, accepts_direct: bool) -> Result<()> {
        self.execute(
            "INSERT INTO staff (id, display_name, accepts_direct) VALUES ($1, $2, $3)
             ON CONFLICT (id) DO UPDATE SET display_name = $2, accepts_direct = $3",
            &[&id, &display_name, &accepts_direct],
        )?;
        Ok(())
    }

    fn upsert_patient(&self, p: &PatientRow, first_folded: &str, last_folded: &str) -> Result<()> {
        self.execute(
            "INSERT INTO patient (emr_key, emr_id, first_name, last_name, first_folded, last_folded,
                                  date_of_birth, dependent, account_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (emr_key) DO UPDATE SET emr_id = $2, first_name = $3, last_name = $4,
               first_folded = $5, last_folded = $6, date_of_birth = $7, dependent = $8, account_id = $9",
            &[
                &p.key,
                &p.emr_id,
                &p.first_name,
                &p.last_name,
                &first_folded,
                &last_folded,
                &p.date_of_birth,
                &p.dependent,
                &p.account_id,
            ],
        )?;
        Ok(())
    }

    fn upsert_connection(&self, patient_key: &str, caregiver: &str, active: bool) -> Result<()> {
        self.execute(
            "INSERT INTO connection (patient_key, caregiver_id, active) VALUES ($1, $2, $3)
             ON CONFLICT (patient_key, caregiver_id) DO UPDATE SET active = $3",
            &[&patient_key, &caregiver, &active],
        )?;
        Ok(())
    }

    fn upsert_workgroup(&self, id: &str, name: &str, members: &[String]) -> Result<()> {
        self.execute(
            "INSERT INTO workgroup (id, name) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET name = $2",
            &[&id, &name],
        )?;
        self.execute(
            "DELETE FROM workgroup_member WHERE workgroup_id = $1",
            &[&id],
        )?;
        for m in members {
            self.execute(
                "INSERT INTO workgroup_member (workgroup_id, staff_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &[&id, m],
            )?;
        }
        Ok(())
    }

    fn staff(&self, id: &str) -> Result<Option<StaffRow>> {
        Ok(self
            .query_opt(
                "SELECT id, display_name, accepts_direct FROM staff WHERE id = $1",
                &[&id],
            )?
            .map(|r| StaffRow {
                id: r.get(0),
                display_name: r.get(1),
                accepts_direct: r.get(2),
            }))
    }

    fn account(&self, id: &str) -> Result<Option<AccountRow>> {
        Ok(self
            .query_opt(
                "SELECT id, display_name, registered FROM account WHERE id = $1",
                &[&id],
            )?
            .map(|r| AccountRow {
                id: r.get(0),
                display_name: r.get(1),
                registered: r.get(2),
            }))
    }

    fn workgroup_name(&self, id: &str) -> Result<Option<String>> {
        Ok(self
            .query_opt("SELECT name FROM workgroup WHERE id = $1", &[&id])?
            .map(|r| r.get(0)))
    }

    fn is_member(&self, workgroup: &str, staff: &str) -> Result<bool> {
        Ok(self
            .query_opt(
                "SELECT 1 FROM workgroup_member WHERE workgroup_id = $1 AND staff_id = $2",
                &[&workgroup, &staff],
            )?
            .is_some())
    }

    fn workgroups_of(&self, staff: &str) -> Result<Vec<String>> {
        Ok(self
            .query(
                "SELECT workgroup_id FROM workgroup_member WHERE staff_id = $1 ORDER BY workgroup_id",
                &[&staff],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    fn patient(&self, key: &str) -> Result<Option<PatientRow>> {
        Ok(self
            .query_opt(
                "SELECT emr_key, emr_id, first_name, last_name, date_of_birth, dependent, account_id
                 FROM patient WHERE emr_key = $1",
                &[&key],
            )?
            .map(|r| patient_row(&r)))
    }

    fn connection_active(&self, patient_key: &str, caregiver: &str) -> Result<bool> {
        Ok(self
            .query_opt(
                "SELECT 1 FROM connection WHERE patient_key = $1 AND caregiver_id = $2 AND active",
                &[&patient_key, &caregiver],
            )?
            .is_some())
    }

    fn active_caregivers(&self, patient_key: &str) -> Result<Vec<CaregiverRow>> {
        Ok(self
            .query(
                "SELECT a.id, a.registered FROM connection k JOIN account a ON a.id = k.caregiver_id
                 WHERE k.patient_key = $1 AND k.active ORDER BY a.id",
                &[&patient_key],
            )?
            .iter()
            .map(|r| CaregiverRow {
                account_id: r.get(0),
                registered: r.get(1),
            })
            .collect())
    }

    fn search_patients(
        &self,
        emr_key: &str,
        prefix: &str,
        limit: usize,
    ) -> Result<Vec<PatientRow>> {
        let upper = format!("{prefix}\u{10FFFF}");
        let limit = limit as i64;
        Ok(self
            .query(
                "SELECT emr_key, emr_id, first_name, last_name, date_of_birth, dependent, account_id FROM (
                    SELECT * FROM patient WHERE emr_key = $1
                    UNION
                    (SELECT * FROM patient WHERE last_folded >= $2 AND last_folded < $3
                     ORDER BY last_folded, first_folded, emr_id LIMIT $4)) p
                 ORDER BY last_folded, first_folded, emr_id LIMIT $4",
                &[&emr_key, &prefix, &upper, &limit],
            )?
            .iter()
            .map(patient_row)
            .collect())
    }

    // ---- conversations and messages --------------------------------------

    fn conversation(&self, id: &str) -> Result<Option<ConvRow>> {
        Ok(self
            .query_opt(&SQL.conversation, &[&id])?
            .map(|r| conv_row(&r)))
    }

    fn conversation_by_seq(&self, seq: i64) -> Result<Option<ConvRow>> {
        Ok(self
            .query_opt(&SQL.conversation_by_seq, &[&seq])?
            .map(|r| conv_row(&r)))
    }

    fn insert_conversation(
        &self,
        id: &str,
        patient_key: &str,
        subject: &str,
        now: i64,
        from: &str,
        confidential: bool,
    ) -> Result<i64> {
        Ok(self
            .query_one(
                "INSERT INTO conversation (id, patient_key, subject, created_at, last_activity, status, current_from,
                                           confidential)
                 VALUES ($1, $2, $3, $4, $4, 'open', $5, $6) RETURNING seq",
                &[&id, &patient_key, &subject, &now, &from, &confidential],
            )?
            .get(0))
    }

    fn insert_message(&self, m: &NewMessage) -> Result<i64> {
        let side = if m.staff_side { "staff" } else { "patient" };
        Ok(self
            .query_one(
                "INSERT INTO message (id, conversation_seq, side, author, from_party, sent_at, body, response,
                   required_days, response_due_at, allow_reply_attachments, mask_name, notify_count, notify_unit,
                   fee_code, file_to_chart, to_party)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
                 RETURNING seq",
                &[
                    &m.id,
                    &m.conversation_seq,
                    &side,
                    &m.author,
                    &m.from_party,
                    &m.sent_at,
                    &m.body,
                    &m.response,
                    &m.required_days,
                    &m.response_due_at,
                    &m.allow_reply_attachments,
                    &m.mask_name,
                    &m.notify_count,
                    &m.notify_unit,
                    &m.fee_code,
                    &m.file_to_chart,
                    &m.to_party,
                ],
            )?
            .get(0))
    }

    fn insert_delivery(
        &self,
        message_seq: i64,
        conversation_seq: i64,
        account: &str,
    ) -> Result<()> {
        self.execute(
            "INSERT INTO delivery (message_seq, account_id) VALUES ($1, $2)",
            &[&message_seq, &account],
        )?;
        self.execute(
            "INSERT INTO conversation_account (account_id, conversation_seq, last_activity, created_at)
             SELECT $1, seq, last_activity, created_at FROM conversation WHERE seq = $2
             ON CONFLICT DO NOTHING",
            &[&account, &conversation_seq],
        )?;
        Ok(())
    }

    fn insert_party(&self, conversation_seq: i64, party: &str, authored: bool) -> Result<()> {
        self.execute(
            "INSERT INTO conversation_party (party, conversation_seq, authored, last_activity, created_at,
                                             inbox, awaiting, closed)
             SELECT $1, seq, $2, last_activity, created_at, FALSE, FALSE, FALSE FROM conversation WHERE seq = $3
             ON CONFLICT (party, conversation_seq)
               DO UPDATE SET authored = conversation_party.authored OR excluded.authored",
            &[&party, &authored, &conversation_seq],
        )?;
        Ok(())
    }

    fn staff_parties(&self, conv: i64) -> Result<Vec<String>> {
        Ok(self
            .query(
                "SELECT party FROM conversation_party WHERE conversation_seq = $1 ORDER BY party",
                &[&conv],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    fn is_patient_side_participant(&self, conv: i64, account: &str) -> Result<bool> {
        Ok(self
            .query_opt(
                "SELECT 1 FROM conversation_account WHERE account_id = $1 AND conversation_seq = $2",
                &[&account, &conv],
            )?
            .is_some())
    }

    fn patients_of_account(&self, account: &str) -> Result<Vec<String>> {
        Ok(self
            .query(
                "SELECT emr_key FROM patient WHERE account_id = $1 ORDER BY emr_key",
                &[&account],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    fn connected_patients(&self, account: &str) -> Result<Vec<String>> {
        Ok(self
            .query(
                "SELECT patient_key FROM connection WHERE caregiver_id = $1 AND active ORDER BY patient_key",
                &[&account],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    fn set_current_from(&self, conv: i64, party: &str) -> Result<()> {
        self.execute(
            "UPDATE conversation SET current_from = $2 WHERE seq = $1",
            &[&conv, &party],
        )?;
        Ok(())
    }

    fn insert_assignment(
        &self,
        conv: i64,
        by_party: &str,
        to_party: &str,
        note: Option<&str>,
        at: i64,
    ) -> Result<()> {
        self.execute(
            "INSERT INTO assignment (conversation_seq, by_party, to_party, note, at) VALUES ($1, $2, $3, $4, $5)",
            &[&conv, &by_party, &to_party, &note, &at],
        )?;
        Ok(())
    }

    fn assignments(&self, conv: i64) -> Result<Vec<AssignmentRow>> {
        Ok(self
            .query(
                "SELECT by_party, to_party, note, at FROM assignment WHERE conversation_seq = $1 ORDER BY seq",
                &[&conv],
            )?
            .iter()
            .map(|r| AssignmentRow {
                by_party: r.get(0),
                to_party: r.get(1),
                note: r.get(2),
                at: r.get(3),
            })
            .collect())
    }

    fn message_read_at(&self, message_seq: i64) -> Result<Option<i64>> {
        Ok(self
            .query_opt(
                "SELECT read_at FROM message WHERE seq = $1",
                &[&message_seq],
            )?
            .and_then(|r| r.get(0)))
    }

    fn insert_group(&self, id: &str, author: &str, from_party: &str, sent_at: i64) -> Result<i64> {
        Ok(self
            .query_one(
                "INSERT INTO group_send (id, author, from_party, sent_at) VALUES ($1, $2, $3, $4) RETURNING seq",
                &[&id, &author, &from_party, &sent_at],
            )?
            .get(0))
    }

    fn insert_group_entry(&self, group_seq: i64, position: i64, e: &GroupEntryRow) -> Result<()> {
        self.execute(
            "INSERT INTO group_entry (group_seq, position, emr_id, conversation_seq, message_seq, skipped)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &group_seq,
                &position,
                &e.emr_id,
                &e.conversation_seq,
                &e.message_seq,
                &e.skipped,
            ],
        )?;
        Ok(())
    }

    fn group(&self, id: &str) -> Result<Option<GroupRow>> {
        Ok(self
            .query_opt(
                "SELECT seq, id, author, from_party FROM group_send WHERE id = $1",
                &[&id],
            )?
            .map(|r| GroupRow {
                seq: r.get(0),
                id: r.get(1),
                author: r.get(2),
                from_party: r.get(3),
            }))
    }

    fn group_entries(&self, group_seq: i64) -> Result<Vec<GroupEntryRow>> {
        Ok(self
            .query(
                "SELECT emr_id, conversation_seq, message_seq, skipped FROM group_entry
                 WHERE group_seq = $1 ORDER BY position",
                &[&group_seq],
            )?
            .iter()
            .map(|r| GroupEntryRow {
                emr_id: r.get(0),
                conversation_seq: r.get(1),
                message_seq: r.get(2),
                skipped: r.get(3),
            })
            .collect())
    }

    fn set_party_flags(&self, conversation_seq: i64, flags: PartyFlags) -> Result<()> {
        self.execute(
            "UPDATE conversation_party SET inbox = $2, awaiting = $3, closed = $4
             WHERE conversation_seq = $1 AND (inbox, awaiting, closed) IS DISTINCT FROM ($2, $3, $4)",
            &[
                &conversation_seq,
                &flags.inbox,
                &flags.awaiting,
                &flags.closed,
            ],
        )?;
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
        let size = content.len() as i64;
        self.execute(
            "INSERT INTO attachment (id, message_seq, name, media_type, size, content) VALUES ($1, $2, $3, $4, $5, $6)",
            &[&id, &message_seq, &name, &media_type, &size, &content],
        )?;
        Ok(())
    }

    fn conversation_after_message(
        &self,
        conv: i64,
        last_activity: i64,
        staff_message: Option<(i64, &str)>,
    ) -> Result<()> {
        match staff_message {
            Some((msg, from)) => self.execute(
                "UPDATE conversation SET last_activity = $2,
                   unread_by_patient = unread_by_patient + 1, last_staff_message = $3, current_from = $4
                 WHERE seq = $1",
                &[&conv, &last_activity, &msg, &from],
            )?,
            None => self.execute(
                "UPDATE conversation SET last_activity = $2,
                   unread_by_staff = unread_by_staff + 1, has_patient_message = TRUE
                 WHERE seq = $1",
                &[&conv, &last_activity],
            )?,
        };
        // Keep the folder sort key copies in step (§7).
        self.execute(
            "UPDATE conversation_party SET last_activity = $2 WHERE conversation_seq = $1",
            &[&conv, &last_activity],
        )?;
        self.execute(
            "UPDATE conversation_account SET last_activity = $2 WHERE conversation_seq = $1",
            &[&conv, &last_activity],
        )?;
        Ok(())
    }

    fn message_reads(&self, conv: i64, staff_side: bool) -> Result<Vec<(i64, Option<i64>)>> {
        let side = if staff_side { "staff" } else { "patient" };
        Ok(self
            .query(
                "SELECT seq, read_at FROM message WHERE conversation_seq = $1 AND side = $2 ORDER BY seq",
                &[&conv, &side],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
    }

    fn set_message_read(&self, message_seq: i64, at: i64) -> Result<()> {
        self.execute(
            "UPDATE message SET read_at = $2 WHERE seq = $1",
            &[&message_seq, &at],
        )?;
        Ok(())
    }

    fn clear_unread(&self, conv: i64, staff_side: bool) -> Result<()> {
        if staff_side {
            self.execute(
                "UPDATE conversation SET unread_by_patient = 0 WHERE seq = $1",
                &[&conv],
            )?;
        } else {
            self.execute(
                "UPDATE conversation SET unread_by_staff = 0 WHERE seq = $1",
                &[&conv],
            )?;
        }
        Ok(())
    }

    fn set_requirement(&self, conv: i64, req: Option<(i64, i64)>) -> Result<()> {
        let (msg, due) = (req.map(|r| r.0), req.map(|r| r.1));
        self.execute(
            "UPDATE conversation SET req_message = $2, req_due_at = $3 WHERE seq = $1",
            &[&conv, &msg, &due],
        )?;
        Ok(())
    }

    fn set_closed(&self, conv: i64) -> Result<()> {
        self.execute(
            "UPDATE conversation SET status = 'closed' WHERE seq = $1",
            &[&conv],
        )?;
        Ok(())
    }

    fn set_filed_to_chart(&self, conv: i64, now: i64) -> Result<()> {
        self.execute(
            "UPDATE conversation SET filed_to_chart_at = $2 WHERE seq = $1",
            &[&conv, &now],
        )?;
        Ok(())
    }

    fn messages(&self, conv: i64) -> Result<Vec<MsgRow>> {
        Ok(self
            .query(
                "SELECT seq, id, side, author, from_party, sent_at, body, response, required_days, response_due_at,
                        allow_reply_attachments, mask_name, notify_count, notify_unit, fee_code, read_at, to_party
                 FROM message WHERE conversation_seq = $1 ORDER BY seq",
                &[&conv],
            )?
            .iter()
            .map(|r| MsgRow {
                seq: r.get(0),
                id: r.get(1),
                staff_side: r.get::<_, &str>(2) == "staff",
                author: r.get(3),
                from_party: r.get(4),
                sent_at: r.get(5),
                body: r.get(6),
                response: r.get(7),
                required_days: r.get(8),
                response_due_at: r.get(9),
                allow_reply_attachments: r.get(10),
                mask_name: r.get(11),
                notify_count: r.get(12),
                notify_unit: r.get(13),
                fee_code: r.get(14),
                read_at: r.get(15),
                to_party: r.get(16),
            })
            .collect())
    }

    fn allows_reply_attachments(&self, message_seq: i64) -> Result<bool> {
        Ok(self
            .query_one(
                "SELECT allow_reply_attachments FROM message WHERE seq = $1",
                &[&message_seq],
            )?
            .get(0))
    }

    fn deliveries(&self, message_seq: i64) -> Result<Vec<String>> {
        Ok(self
            .query(
                "SELECT account_id FROM delivery WHERE message_seq = $1 ORDER BY account_id",
                &[&message_seq],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    fn attachments_of_conversation(&self, conv: i64) -> Result<Vec<AttRow>> {
        Ok(self
            .query(&SQL.attachments_of_conversation, &[&conv])?
            .iter()
            .map(att_row)
            .collect())
    }

    fn attachment_in(&self, conv: i64, id: &str) -> Result<Option<AttContent>> {
        Ok(self
            .query_opt(&SQL.attachment_in, &[&conv, &id])?
            .map(|r| AttContent {
                meta: att_row(&r),
                content: r.get(8),
                message_id: r.get(9),
                staff_message: r.get::<_, &str>(10) == "staff",
            }))
    }

    fn start_retention(&self, attachment_seq: i64, now: i64, purge_due_at: i64) -> Result<()> {
        self.execute(
            "UPDATE attachment SET first_download_at = $2, purge_due_at = $3
             WHERE seq = $1 AND first_download_at IS NULL",
            &[&attachment_seq, &now, &purge_due_at],
        )?;
        Ok(())
    }

    fn attachments_due_for_purge(&self, now: i64) -> Result<Vec<PurgeRow>> {
        Ok(self
            .query(
                "SELECT a.seq, a.id, a.name, c.id, m.id FROM attachment a
                   JOIN message m ON m.seq = a.message_seq JOIN conversation c ON c.seq = m.conversation_seq
                 WHERE a.purged_at IS NULL AND a.purge_due_at IS NOT NULL AND a.purge_due_at <= $1
                 ORDER BY c.seq, m.seq, a.seq",
                &[&now],
            )?
            .iter()
            .map(|r| PurgeRow {
                attachment_seq: r.get(0),
                attachment_id: r.get(1),
                name: r.get(2),
                conversation_id: r.get(3),
                message_id: r.get(4),
            })
            .collect())
    }

    fn purge_attachment(&self, attachment_seq: i64, now: i64) -> Result<()> {
        self.execute(
            "UPDATE attachment SET content = NULL, purged_at = $2 WHERE seq = $1",
            &[&attachment_seq, &now],
        )?;
        Ok(())
    }

    // ---- events ----------------------------------------------------------

    fn insert_event(&self, conv: i64, e: &NewEvent) -> Result<()> {
        self.execute(
            "INSERT INTO event (id, kind, recipient, conversation_seq, message_seq, due_at, state)
             VALUES ($1, $2, $3, $4, $5, $6, 'pending')",
            &[
                &e.id,
                &e.kind,
                &e.recipient,
                &conv,
                &e.message_seq,
                &e.due_at,
            ],
        )?;
        Ok(())
    }

    fn cancel_events(&self, conv: i64, kind: &str, due_after: Option<i64>) -> Result<()> {
        match due_after {
            Some(t) => self.execute(
                "UPDATE event SET state = 'cancelled'
                 WHERE conversation_seq = $1 AND kind = $2 AND state = 'pending' AND due_at > $3",
                &[&conv, &kind, &t],
            )?,
            None => self.execute(
                "UPDATE event SET state = 'cancelled'
                 WHERE conversation_seq = $1 AND kind = $2 AND state = 'pending'",
                &[&conv, &kind],
            )?,
        };
        Ok(())
    }

    fn cancel_event(&self, event_seq: i64) -> Result<()> {
        self.execute(
            "UPDATE event SET state = 'cancelled' WHERE seq = $1 AND state = 'pending'",
            &[&event_seq],
        )?;
        Ok(())
    }

    fn due_events(&self, now: i64, limit: i64) -> Result<Vec<EventRow>> {
        Ok(self
            .query(DUE_EVENTS_SQL, &[&now, &limit])?
            .iter()
            .map(event_row)
            .collect())
    }

    fn scan_due_events(&self, now: i64, f: &mut dyn FnMut(EventRow) -> bool) -> Result<()> {
        let no_limit = -1i64;
        self.scan(DUE_EVENTS_SQL, &[&now, &no_limit], 500, &mut |r| {
            Ok(f(event_row(r)))
        })
    }

    fn set_event_claim(&self, seq: i64, worker: &str, until: i64) -> Result<()> {
        self.execute(
            "UPDATE event SET claimed_by = $2, claimed_until = $3 WHERE seq = $1",
            &[&seq, &worker, &until],
        )?;
        Ok(())
    }

    fn pending_events_of_patient(&self, patient_key: &str) -> Result<Vec<PendingEventRow>> {
        Ok(self
            .query(
                "SELECT e.seq, e.recipient, c.confidential FROM conversation c
                   JOIN event e ON e.conversation_seq = c.seq AND e.state = 'pending'
                 WHERE c.patient_key = $1 ORDER BY e.seq",
                &[&patient_key],
            )?
            .iter()
            .map(|r| PendingEventRow {
                seq: r.get(0),
                recipient: r.get(1),
                confidential: r.get(2),
            })
            .collect())
    }

    fn event_state(&self, id: &str) -> Result<Option<String>> {
        Ok(self
            .query_opt("SELECT state FROM event WHERE id = $1", &[&id])?
            .map(|r| r.get(0)))
    }

    fn ack_event(&self, id: &str, now: i64) -> Result<()> {
        self.execute(
            "UPDATE event SET state = 'acked', acked_at = $2 WHERE id = $1 AND state = 'pending'",
            &[&id, &now],
        )?;
        Ok(())
    }

    // ---- folders ---------------------------------------------------------

    fn folder_page(
        &self,
        rows: FolderRows,
        ranges: &[FolderRange],
        after: Option<(i64, i64, i64)>,
        limit: i64,
    ) -> Result<Vec<ConvRow>> {
        let which = match rows {
            FolderRows::StaffInbox => 0,
            FolderRows::StaffSent => 1,
            FolderRows::StaffAwaiting => 2,
            FolderRows::StaffClosed => 3,
            FolderRows::AccountInbox => 4,
            FolderRows::AccountAwaiting => 5,
        };
        let with_cursor = after.is_some() as usize;
        let sql: &'static str = &SQL.folders[which][with_cursor];
        let (a, b, c) = match after {
            Some((a, b, c)) => (Some(a), Some(b), Some(c)),
            None => (None, None, None),
        };
        let mut merged: Vec<ConvRow> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for r in ranges {
            let patient = r.patient.as_deref().unwrap_or_default();
            let found = if which >= 4 {
                self.query(
                    sql,
                    &[&r.key, &a, &b, &c, &limit, &patient, &r.confidential],
                )?
            } else {
                self.query(sql, &[&r.key, &a, &b, &c, &limit])?
            };
            for row in &found {
                let row = conv_row(row);
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

    fn insert_billing(
        &self,
        fee_code: &str,
        author: &str,
        emr_id: &str,
        conv: i64,
        msg: i64,
        sent_at: i64,
    ) -> Result<()> {
        self.execute(
            "INSERT INTO billing_entry (fee_code, author, emr_id, conversation_seq, message_seq, sent_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[&fee_code, &author, &emr_id, &conv, &msg, &sent_at],
        )?;
        Ok(())
    }

    fn billing_entries(&self, start: i64, end: i64) -> Result<Vec<BillingRow>> {
        Ok(self
            .query(
                "SELECT b.fee_code, b.author, b.emr_id, c.id, m.id, b.sent_at FROM billing_entry b
                   JOIN conversation c ON c.seq = b.conversation_seq JOIN message m ON m.seq = b.message_seq
                 WHERE b.sent_at >= $1 AND b.sent_at < $2 ORDER BY b.sent_at, b.seq",
                &[&start, &end],
            )?
            .iter()
            .map(|r| BillingRow {
                fee_code: r.get(0),
                author: r.get(1),
                emr_id: r.get(2),
                conversation_id: r.get(3),
                message_id: r.get(4),
                sent_at: r.get(5),
            })
            .collect())
    }

    // ---- audit -------------------------------------------------------------

    fn audit_chaining(&self) -> AuditChaining {
        AuditChaining::PerConversation
    }

    fn audit_link(&self, conversation: Option<&str>) -> Result<(i64, Option<String>)> {
        let seq: i64 = self.query_one("SELECT nextval('audit_seq')", &[])?.get(0);
        let head = match conversation {
            Some(c) => self.query_opt(
                "SELECT hash FROM audit WHERE conversation = $1 ORDER BY seq DESC LIMIT 1",
                &[&c],
            )?,
            None => self.query_opt(
                "SELECT hash FROM audit WHERE conversation IS NULL ORDER BY seq DESC LIMIT 1",
                &[],
            )?,
        };
        Ok((seq, head.map(|r| r.get(0))))
    }

    fn insert_audit(&self, row: &AuditRow) -> Result<()> {
        self.execute(
            "INSERT INTO audit (seq, at, actor, action, conversation, message, prev_hash, hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                &row.seq,
                &row.at,
                &row.actor,
                &row.action,
                &row.conversation,
                &row.message,
                &row.prev_hash,
                &row.hash,
            ],
        )?;
        Ok(())
    }

    fn audit_tail(&self, count: i64) -> Result<Vec<AuditRow>> {
        Ok(self
            .query(
                "SELECT * FROM (SELECT seq, at, actor, action, conversation, message, prev_hash, hash
                                FROM audit ORDER BY seq DESC LIMIT $1) t ORDER BY seq",
                &[&count],
            )?
            .iter()
            .map(audit_row)
            .collect())
    }

    fn audit_scan(&self, f: &mut dyn FnMut(AuditRow) -> bool) -> Result<()> {
        self.scan(
            "SELECT seq, at, actor, action, conversation, message, prev_hash, hash FROM audit ORDER BY seq",
            &[],
            1000,
            &mut |r| Ok(f(audit_row(r))),
        )
    }

    fn settings_version(&self) -> Result<Option<i64>> {
        Ok(self
            .query_opt("SELECT version FROM settings WHERE id = 1", &[])?
            .map(|r| r.get(0)))
    }

    fn settings(&self) -> Result<Option<(i64, String)>> {
        Ok(self
            .query_opt("SELECT version, config FROM settings WHERE id = 1", &[])?
            .map(|r| (r.get(0), r.get(1))))
    }

    fn insert_settings(&self, config: &str) -> Result<()> {
        self.execute(
            "INSERT INTO settings (id, version, config) VALUES (1, 1, $1) ON CONFLICT (id) DO NOTHING",
            &[&config],
        )?;
        Ok(())
    }

    fn update_settings(&self, config: &str) -> Result<i64> {
        Ok(self
            .query_one(
                "UPDATE settings SET version = version + 1, config = $1 WHERE id = 1 RETURNING version",
                &[&config],
            )?
            .get(0))
    }
}
