//! The rows the rules and the backends exchange. Instants are integer
//! milliseconds (UTC); `seq` values give creation order.

/// A staff member as stored.
pub(crate) struct StaffRow {
    pub id: String,
    pub display_name: String,
    pub accepts_direct: bool,
}

/// An account as stored.
pub(crate) struct AccountRow {
    pub id: String,
    pub display_name: String,
    pub registered: bool,
}

/// A patient as stored.
#[derive(Clone)]
pub(crate) struct PatientRow {
    pub key: String,
    pub emr_id: String,
    pub first_name: String,
    pub last_name: String,
    pub date_of_birth: String,
    pub dependent: bool,
    pub account_id: Option<String>,
}

/// A caregiver with an active connection to a patient.
pub(crate) struct CaregiverRow {
    pub account_id: String,
    pub registered: bool,
}

/// A conversation as stored.
#[derive(Clone)]
pub(crate) struct ConvRow {
    pub seq: i64,
    pub id: String,
    pub patient_key: String,
    pub subject: String,
    pub created_at: i64,
    pub last_activity: i64,
    pub closed: bool,
    pub current_from: String,
    pub unread_by_patient: i64,
    pub unread_by_staff: i64,
    pub last_staff_message: Option<i64>,
    pub req_message: Option<i64>,
    pub req_due_at: Option<i64>,
    pub has_patient_message: bool,
    pub confidential: bool,
}

/// A message as stored.
#[derive(Clone)]
pub(crate) struct MsgRow {
    pub seq: i64,
    pub id: String,
    pub staff_side: bool,
    pub author: String,
    pub from_party: String,
    pub to_party: Option<String>,
    pub sent_at: i64,
    pub body: String,
    pub response: Option<String>,
    pub required_days: Option<i64>,
    pub response_due_at: Option<i64>,
    pub allow_reply_attachments: bool,
    pub mask_name: bool,
    pub notify_count: Option<i64>,
    pub notify_unit: Option<String>,
    pub fee_code: Option<String>,
    pub read_at: Option<i64>,
}

/// A message to insert.
pub(crate) struct NewMessage<'a> {
    pub id: &'a str,
    pub conversation_seq: i64,
    pub staff_side: bool,
    pub author: &'a str,
    pub from_party: &'a str,
    pub to_party: Option<&'a str>,
    pub sent_at: i64,
    pub body: &'a str,
    pub response: Option<&'a str>,
    pub required_days: Option<i64>,
    pub response_due_at: Option<i64>,
    pub allow_reply_attachments: bool,
    pub mask_name: bool,
    pub notify_count: Option<i64>,
    pub notify_unit: Option<&'a str>,
    pub fee_code: Option<&'a str>,
    pub file_to_chart: bool,
}

/// An attachment's metadata as stored.
#[derive(Clone)]
pub(crate) struct AttRow {
    pub seq: i64,
    pub id: String,
    pub message_seq: i64,
    pub name: String,
    pub media_type: String,
    pub size: i64,
    pub first_download_at: Option<i64>,
    pub purged_at: Option<i64>,
}

/// An attachment with its content and its message.
pub(crate) struct AttContent {
    pub meta: AttRow,
    pub content: Option<Vec<u8>>,
    pub message_id: String,
    pub staff_message: bool,
}

/// An event to insert.
pub(crate) struct NewEvent {
    pub id: String,
    pub kind: &'static str,
    pub recipient: String,
    pub message_seq: Option<i64>,
    pub due_at: i64,
}

/// A pending event with its conversation's and message's ids.
pub(crate) struct EventRow {
    pub seq: i64,
    pub id: String,
    pub kind: String,
    pub recipient: String,
    pub conversation_id: String,
    pub message_id: Option<String>,
    pub due_at: i64,
    /// The end of its latest claim, if it was ever claimed (R-D7).
    pub claimed_until: Option<i64>,
}

/// An assignment as stored (R-AS4).
pub(crate) struct AssignmentRow {
    pub by_party: String,
    pub to_party: String,
    pub note: Option<String>,
    pub at: i64,
}

/// A group send as stored (R-G4).
pub(crate) struct GroupRow {
    pub seq: i64,
    pub id: String,
    pub author: String,
    pub from_party: String,
}

/// One patient of a group send, in list order (R-G4).
pub(crate) struct GroupEntryRow {
    pub emr_id: String,
    pub conversation_seq: Option<i64>,
    pub message_seq: Option<i64>,
    pub skipped: Option<String>,
}

/// A pending event of a patient's conversation (§15 "Directory upserts").
pub(crate) struct PendingEventRow {
    pub seq: i64,
    pub recipient: String,
    pub confidential: bool,
}

/// An audit row.
pub(crate) struct AuditRow {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub conversation: Option<String>,
    pub message: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// A billing entry with its ids.
pub(crate) struct BillingRow {
    pub fee_code: String,
    pub author: String,
    pub emr_id: String,
    pub conversation_id: String,
    pub message_id: String,
    pub sent_at: i64,
}

/// An attachment due for purge, with its ids.
pub(crate) struct PurgeRow {
    pub attachment_seq: i64,
    pub attachment_id: String,
    pub name: String,
    pub conversation_id: String,
    pub message_id: String,
}

/// Which rows a folder page reads (SPEC §7); the rules pick the folder
/// and the ranges, storage only reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FolderRows {
    StaffInbox,
    StaffSent,
    StaffAwaiting,
    StaffClosed,
    AccountInbox,
    AccountAwaiting,
}

/// One index range of a folder page: a staff-side party's rows (`key` is
/// `staff:ID` or `workgroup:ID`), or an account's rows (`key` is the
/// account id) of one patient's conversations, with or without the
/// confidential ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FolderRange {
    pub key: String,
    pub patient: Option<String>,
    pub confidential: bool,
}

/// The folder flags of a conversation's staff-side party rows (§7): each
/// staff folder reads only the rows flagged for it. The rules compute them
/// (`folders::party_flags`); the backends store and index them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct PartyFlags {
    /// Open, with a patient-side message.
    pub inbox: bool,
    /// Open, with an outstanding required response.
    pub awaiting: bool,
    /// Closed.
    pub closed: bool,
}

/// How a backend chains its audit entries (R-AU1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuditChaining {
    /// One chain; sequence numbers are 1, 2, 3… without gaps (SQLite:
    /// writers are serialized anyway).
    Single,
    /// One chain per conversation, and one for entries without a
    /// conversation; sequence numbers increase but may have gaps
    /// (PostgreSQL: concurrent writers of different conversations do not
    /// wait for each other).
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    PerConversation,
}
