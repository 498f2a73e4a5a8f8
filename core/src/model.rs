//! The plain records that cross the API: what the host passes in and what
//! each operation returns. No behaviour lives here.

use serde::Serialize;

/// Kind of a portal account (SPEC §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    /// The patient's own login.
    Patient,
    /// A caregiver's login.
    Caregiver,
}

impl AccountKind {
    /// `patient` or `caregiver`.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::Patient => "patient",
            AccountKind::Caregiver => "caregiver",
        }
    }
}

/// A portal account (SPEC §2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Host-chosen id.
    pub id: String,
    /// Patient or caregiver.
    pub kind: AccountKind,
    /// Name shown to others.
    pub display_name: String,
    /// Only registered accounts receive (R-R4).
    pub registered: bool,
}

/// A patient (SPEC §2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patient {
    /// EMR ID, unique case-insensitively (§15).
    pub emr_id: String,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// `YYYY-MM-DD`.
    pub date_of_birth: String,
    /// Flagged dependent: messages go to caregivers (R-R2).
    pub dependent: bool,
    /// The patient's own portal account, if any.
    pub account: Option<String>,
}

/// A caregiver account's connection to a patient (SPEC §2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// The caregiver-side account id.
    pub caregiver: String,
    /// The patient's EMR ID.
    pub patient: String,
    /// Active or revoked.
    pub active: bool,
}

/// A staff member (SPEC §2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    /// Host-chosen id.
    pub id: String,
    /// Name shown to others.
    pub display_name: String,
    /// Takes direct messages (R-S1).
    pub accepts_direct: bool,
}

/// A workgroup of staff (SPEC §2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workgroup {
    /// Host-chosen id.
    pub id: String,
    /// Name shown as the `from` of its messages.
    pub name: String,
    /// Member staff ids (replaced whole on upsert).
    pub members: Vec<String>,
}

/// One directory upsert: applied all-or-nothing, in the order accounts,
/// staff, patients, connections, workgroups (§15 "Directory upserts").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DirectoryUpdate {
    /// Accounts to upsert.
    pub accounts: Vec<Account>,
    /// Patients to upsert.
    pub patients: Vec<Patient>,
    /// Connections to upsert.
    pub connections: Vec<Connection>,
    /// Staff to upsert.
    pub staff: Vec<Staff>,
    /// Workgroups to upsert.
    pub workgroups: Vec<Workgroup>,
}

/// One search result (R-R1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SearchMatch {
    /// EMR ID as last spelled.
    pub emr_id: String,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// `YYYY-MM-DD`.
    pub date_of_birth: String,
    /// Where a message would be delivered now (parties, ordered by account id); empty when unreachable.
    pub deliver_to: Vec<String>,
    /// Why a message cannot be delivered, when `deliver_to` is empty.
    pub unreachable_reason: Option<String>,
    /// Where a confidential message would be delivered (R-CF4): the
    /// patient's own account when it is registered, else empty.
    pub confidential_deliver_to: Vec<String>,
}

/// The `from` identity of a staff message (SPEC §4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sender {
    /// The author in person (`direct`).
    Direct,
    /// A workgroup the author belongs to.
    Workgroup(String),
}

/// Unit of an unread-notify interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntervalUnit {
    /// Calendar days (R-T3).
    Days,
    /// Weeks of 7 days (R-T3).
    Weeks,
}

/// An unread-notify interval, e.g. 2 days (R-D3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    /// How many units (≥ 1).
    pub count: i64,
    /// Days or weeks.
    pub unit: IntervalUnit,
}

/// The response option of a staff message (SPEC §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Response {
    /// No reply possible: the conversation closes once sent (R-S4).
    Closed,
    /// A reply may come.
    #[default]
    Allowed,
    /// A reply is required within this many days (R-D2).
    Required {
        /// 1 ≤ days ≤ `max_deadline_days`.
        days: i64,
    },
}

/// A file to attach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttachment {
    /// File name (non-empty).
    pub name: String,
    /// Media type, e.g. `application/pdf`.
    pub media_type: String,
    /// The bytes.
    pub content: Vec<u8>,
}

/// A field of a composition, in the order R-S2 checks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Field {
    /// `from`.
    From,
    /// `confidential` (R-CF1: checked right after `from`).
    Confidential,
    /// `patients` of a group send (R-G2: checked after `confidential`).
    Patients,
    /// `subject`.
    Subject,
    /// `body`.
    Body,
    /// `attachments`.
    Attachments,
    /// `unread_notify`.
    UnreadNotify,
    /// `response`.
    Response,
    /// `allow_reply_attachments`.
    AllowReplyAttachments,
    /// `mask_name`.
    MaskName,
    /// `billable_fee_code`.
    BillableFeeCode,
    /// `file_to_chart`.
    FileToChart,
}

/// A field whose value could not even be read (wrong JSON type, unknown
/// enum word). It is reported at its field's place in the R-S2 order, so a
/// request read from JSON gives the same first error as a typed one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    /// Which field.
    pub field: Field,
    /// The error to report there.
    pub error: crate::Error,
}

/// A new conversation's first message (SPEC §4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendRequest {
    /// Staff id of the author.
    pub author: String,
    /// EMR ID of the patient.
    pub patient: String,
    /// `from` identity; `None` is `invalid_argument` (§15).
    pub from: Option<Sender>,
    /// Subject, 1–200 characters, one line.
    pub subject: String,
    /// Body, 1–20,000 characters.
    pub body: String,
    /// 0–10 files.
    pub attachments: Vec<NewAttachment>,
    /// Remind the `from` identity when unread after this interval (R-D3).
    pub unread_notify: Option<Interval>,
    /// Response option (default `Allowed`).
    pub response: Response,
    /// Let the patient attach files to a reply.
    pub allow_reply_attachments: bool,
    /// Show the sender as `Clinic Staff` to the patient side (R-S5).
    pub mask_name: bool,
    /// Fee code to bill (R-B1).
    pub billable_fee_code: Option<String>,
    /// Also return the chart document (R-C2).
    pub file_to_chart: bool,
    /// Deliver to the patient's own registered account only, for the
    /// conversation's whole life (R-CF1…R-CF5).
    pub confidential: bool,
    /// Fields that could not be read; see [`Malformed`].
    pub malformed: Vec<Malformed>,
}

/// One composition sent to many patients, each in a conversation of their
/// own (SPEC §16, R-G1…R-G4). The options are those of [`SendRequest`];
/// `file_to_chart` must be false (R-G1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSendRequest {
    /// Staff id of the author.
    pub author: String,
    /// EMR IDs, in order; a repeat (after case folding) is dropped (R-G2).
    pub patients: Vec<String>,
    /// `from` identity; `None` is `invalid_argument` (§15).
    pub from: Option<Sender>,
    /// Subject, 1–200 characters, one line.
    pub subject: String,
    /// Body, 1–20,000 characters.
    pub body: String,
    /// 0–10 files (each conversation gets its own copy).
    pub attachments: Vec<NewAttachment>,
    /// Remind the `from` identity when unread after this interval (R-D3).
    pub unread_notify: Option<Interval>,
    /// Response option (default `Allowed`).
    pub response: Response,
    /// Let the patient attach files to a reply.
    pub allow_reply_attachments: bool,
    /// Show the sender as `Clinic Staff` to the patient side (R-S5).
    pub mask_name: bool,
    /// Fee code to bill, once per conversation (R-B1).
    pub billable_fee_code: Option<String>,
    /// Must be false: `true` is `invalid_options` (R-G1).
    pub file_to_chart: bool,
    /// Confidential conversations (R-CF1); unreachable patients are skipped.
    pub confidential: bool,
    /// Fields that could not be read; see [`Malformed`].
    pub malformed: Vec<Malformed>,
}

/// A reply in an existing conversation (R-M2 patient side, R-M3 staff side).
/// Staff-only options are `None` when left out; a patient-side reply must
/// leave them out.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReplyRequest {
    /// Party replying: `account:ID` or `staff:ID`.
    pub by: String,
    /// Conversation id.
    pub conversation: String,
    /// Body, 1–20,000 characters.
    pub body: String,
    /// 0–10 files.
    pub attachments: Vec<NewAttachment>,
    /// Staff: new `from` (default: the conversation's current one).
    pub from: Option<Sender>,
    /// Staff: unread reminder interval.
    pub unread_notify: Option<Interval>,
    /// Staff: response option (default `Allowed`).
    pub response: Option<Response>,
    /// Staff: let the patient attach files.
    pub allow_reply_attachments: Option<bool>,
    /// Staff: mask the sender's name.
    pub mask_name: Option<bool>,
    /// Staff: fee code to bill.
    pub billable_fee_code: Option<String>,
    /// Staff: also return the chart document.
    pub file_to_chart: Option<bool>,
    /// Never allowed: a reply that gives `confidential` at all (any value)
    /// is `invalid_options` (R-CF1). `Some(_)` means the key was given.
    pub confidential: Option<bool>,
    /// Fields that could not be read; see [`Malformed`].
    pub malformed: Vec<Malformed>,
}

/// One patient of a group send, as the send reports it (R-G4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupSendEntry {
    /// The EMR ID as written at its first place in the request.
    pub emr_id: String,
    /// The patient's new conversation; `None` when skipped.
    pub conversation_id: Option<String>,
    /// The conversation's first message; `None` when skipped.
    pub message_id: Option<String>,
    /// Accounts the message was delivered to; empty when skipped.
    pub delivered_to: Vec<String>,
    /// The conversation's status after the send; `None` when skipped.
    pub status: Option<ConversationStatus>,
    /// This conversation's own copy of the attachments, in order (for
    /// `download`); empty when skipped.
    pub attachments: Vec<AttachmentRef>,
    /// The skip code (`unknown_patient`, `recipient_not_reachable`); `None` when sent.
    pub skipped: Option<String>,
}

/// What a successful group send returns (R-G4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupSendOutcome {
    /// The new group's id (for `group_report`).
    pub group_id: String,
    /// One entry per patient of the list, repeats dropped, in list order.
    pub entries: Vec<GroupSendEntry>,
}

/// One patient of a group report (R-G5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupReportEntry {
    /// The EMR ID as written at its first place in the request.
    pub emr_id: String,
    /// The patient's conversation; `None` when skipped.
    pub conversation: Option<String>,
    /// The skip code; `None` when sent.
    pub skipped: Option<String>,
    /// The patient side has read the group's message (R-M1).
    pub read: bool,
    /// The conversation holds a patient-side reply.
    pub replied: bool,
    /// An outstanding required response exists (R-D2).
    pub awaiting_response: bool,
    /// Its due instant has been reached at the report's `now`.
    pub overdue: bool,
}

/// A group send's report (R-G5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupReport {
    /// The group id.
    pub group_id: String,
    /// One entry per patient, in list order.
    pub entries: Vec<GroupReportEntry>,
}

/// One assignment of a conversation, as staff views show it (R-AS4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assignment {
    /// Who assigned it (`staff:ID`).
    pub by: String,
    /// The assignee (`workgroup:ID` or `staff:ID`).
    pub to: String,
    /// The staff note, exactly as given; `None` when none.
    pub note: Option<String>,
    /// When, clinic-local RFC 3339.
    pub at: String,
}

/// Open or closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationStatus {
    /// Replies possible.
    Open,
    /// Read-only (R-S4, R-M4).
    Closed,
}

impl ConversationStatus {
    /// `open` or `closed`.
    pub fn as_str(self) -> &'static str {
        match self {
            ConversationStatus::Open => "open",
            ConversationStatus::Closed => "closed",
        }
    }
}

/// An attachment's id and name, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttachmentRef {
    /// Attachment id (for `download`).
    pub id: String,
    /// File name.
    pub name: String,
}

/// What a successful send or reply returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SendOutcome {
    /// The conversation.
    pub conversation_id: String,
    /// The new message.
    pub message_id: String,
    /// Accounts the message was delivered to (`account:ID`), or the `from`
    /// identity a patient reply went to.
    pub delivered_to: Vec<String>,
    /// The conversation's status after the operation.
    pub status: ConversationStatus,
    /// The new message's attachments, in order.
    pub attachments: Vec<AttachmentRef>,
    /// With `file_to_chart`: the plain-text chart document (R-C2).
    pub chart_text: Option<String>,
    /// With `file_to_chart`: the FHIR chart document (R-C2).
    pub chart_fhir: Option<String>,
}

/// An attachment as a view shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttachmentView {
    /// Attachment id.
    pub id: String,
    /// File name.
    pub name: String,
    /// Media type.
    pub media_type: String,
    /// Size in bytes (kept after purge).
    pub size: u64,
    /// Content deleted by retention (R-D6).
    pub purged: bool,
    /// When it was purged (clinic-local RFC 3339).
    pub purged_at: Option<String>,
}

/// A message as a view shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessageView {
    /// Message id.
    pub id: String,
    /// `staff` or `patient` side author.
    pub side: String,
    /// Display name of the sender (masked for the patient side, R-S5).
    pub sender: String,
    /// Display name of the `from` identity.
    pub from: String,
    /// Body text.
    pub body: String,
    /// Sent instant, clinic-local RFC 3339.
    pub sent_at: String,
    /// Whether the addressee side has read it (R-M1).
    pub read: bool,
    /// True only for a masked staff message seen by staff.
    pub masked: bool,
    /// Recipients (parties).
    pub recipients: Vec<String>,
    /// Attachments in order.
    pub attachments: Vec<AttachmentView>,
}

/// A whole conversation as one viewer sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConversationView {
    /// Conversation id.
    pub id: String,
    /// Subject.
    pub subject: String,
    /// Open or closed.
    pub status: ConversationStatus,
    /// Patient EMR ID.
    pub patient_emr_id: String,
    /// Patient `First Last`.
    pub patient_name: String,
    /// An outstanding required response exists (R-D2).
    pub awaiting_response: bool,
    /// The outstanding response's due instant has been reached.
    pub overdue: bool,
    /// Due instant of the outstanding response, clinic-local RFC 3339.
    pub response_due_at: Option<String>,
    /// Confidential conversation (R-CF1), shown to every viewer.
    pub confidential: bool,
    /// Messages in order.
    pub messages: Vec<MessageView>,
    /// Assignments, oldest first (R-AS4); always empty for the patient side.
    pub assignments: Vec<Assignment>,
}

/// An attachment's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download {
    /// Attachment id.
    pub id: String,
    /// File name.
    pub name: String,
    /// Media type.
    pub media_type: String,
    /// The bytes.
    pub content: Vec<u8>,
}

/// Kind of an event (SPEC §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A staff message waits (R-D1).
    NewMessage,
    /// A patient-side reply waits (R-D1).
    NewReply,
    /// A required response did not come (R-D2).
    ResponseOverdue,
    /// Nobody read a message (R-D3).
    UnreadReminder,
    /// A conversation was assigned to the recipient (R-AS3).
    Assigned,
}

impl EventKind {
    /// The snake_case kind.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::NewMessage => "new_message",
            EventKind::NewReply => "new_reply",
            EventKind::ResponseOverdue => "response_overdue",
            EventKind::UnreadReminder => "unread_reminder",
            EventKind::Assigned => "assigned",
        }
    }
}

/// A notice for the host to deliver (R-D1…R-D5). It carries no health
/// information: no subject, body, names or attachment names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    /// Stable id, for `ack`.
    pub id: String,
    /// Kind.
    pub kind: EventKind,
    /// Recipient party: `account:ID`, `staff:ID` or `workgroup:ID`.
    pub to: String,
    /// Conversation id.
    pub conversation: String,
    /// Message id, where one applies.
    pub message: Option<String>,
    /// Due instant, clinic-local RFC 3339.
    pub due_at: String,
    /// The notice text to send: no health information.
    pub notice: String,
    /// Only for an event returned by `claim_due_events` (R-D7): the end of
    /// this claim, clinic-local RFC 3339. `None` from `due_events`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claimed_until: Option<String>,
}

/// A folder entry (SPEC §7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FolderEntry {
    /// Conversation id.
    pub conversation: String,
    /// Subject.
    pub subject: String,
    /// Instant of the latest message, clinic-local RFC 3339.
    pub last_activity: String,
    /// A message addressed to the viewer's side is unread.
    pub unread: bool,
    /// An outstanding required response exists.
    pub awaiting_response: bool,
    /// Its due instant has been reached.
    pub overdue: bool,
    /// Due instant of the outstanding response.
    pub response_due_at: Option<String>,
    /// Open or closed.
    pub status: ConversationStatus,
    /// Patient EMR ID.
    pub patient_emr_id: String,
    /// Patient `First Last`.
    pub patient_name: String,
}

/// One page of a folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FolderPage {
    /// Entries, newest activity first.
    pub entries: Vec<FolderEntry>,
    /// Cursor of the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// An attachment removed by `purge` (R-D6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PurgedAttachment {
    /// Conversation id.
    pub conversation: String,
    /// Message id.
    pub message: String,
    /// Attachment id.
    pub attachment: String,
    /// File name.
    pub name: String,
}

/// A billing entry (R-B1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BillingEntry {
    /// Fee code.
    pub fee_code: String,
    /// Author staff id.
    pub author: String,
    /// Patient EMR ID as spelled at send.
    pub patient: String,
    /// Conversation id.
    pub conversation: String,
    /// Message id.
    pub message: String,
    /// Sent instant, clinic-local RFC 3339.
    pub sent_at: String,
}

/// Count per (author, fee code) (R-B3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BillingTotal {
    /// Author staff id.
    pub author: String,
    /// Fee code.
    pub fee_code: String,
    /// Number of entries.
    pub count: u64,
}

/// A cycle's billing (R-B3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BillingReport {
    /// Cycle id, e.g. `2026-03`.
    pub cycle: String,
    /// Entries in sent order.
    pub entries: Vec<BillingEntry>,
    /// Totals by author then fee code.
    pub totals: Vec<BillingTotal>,
}

/// One audit entry (R-AU1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// Sequence number from 1.
    pub seq: u64,
    /// Instant, clinic-local RFC 3339.
    pub at: String,
    /// `staff:ID`, `account:ID` or `system`.
    pub actor: String,
    /// `send`, `reply`, `read`, `view`, `download`, `export`, `close`,
    /// `purge`, `assign`, `group_report`, `refused`.
    pub action: String,
    /// Conversation id.
    pub conversation: Option<String>,
    /// Message id.
    pub message: Option<String>,
    /// Hex SHA-256 of this entry chained to the previous one.
    pub hash: String,
}

/// Result of `verify_audit` (R-AU1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditVerification {
    /// The chain is intact.
    pub ok: bool,
    /// Entries verified (all of them when ok; those before the break otherwise).
    pub entries: u64,
    /// Sequence number of the first broken entry.
    pub first_broken: Option<u64>,
    /// What is wrong there.
    pub problem: Option<String>,
}

/// Chart document formats (R-C1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartFormat {
    /// Plain UTF-8 text.
    Text,
    /// HL7 FHIR R4 Bundle (JSON).
    Fhir,
}

impl ChartFormat {
    /// `text` or `fhir`; anything else is `invalid_argument`.
    pub fn parse(s: &str) -> crate::Result<Self> {
        match s {
            "text" => Ok(ChartFormat::Text),
            "fhir" => Ok(ChartFormat::Fhir),
            _ => Err(crate::Error::InvalidArgument(format!(
                "chart format {s:?} is not 'text' or 'fhir' (R-C1)"
            ))),
        }
    }
}

/// Staff and account folders (SPEC §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FolderKind {
    /// Staff: open with a patient-side message; account: every accessible conversation.
    Inbox,
    /// Staff only: open conversations they authored in.
    Sent,
    /// Outstanding required response.
    AwaitingResponse,
    /// Staff only: closed conversations.
    Closed,
}

impl FolderKind {
    /// `inbox`, `sent`, `awaiting_response`, `closed`.
    pub fn parse(s: &str) -> crate::Result<Self> {
        match s {
            "inbox" => Ok(FolderKind::Inbox),
            "sent" => Ok(FolderKind::Sent),
            "awaiting_response" => Ok(FolderKind::AwaitingResponse),
            "closed" => Ok(FolderKind::Closed),
            _ => Err(crate::Error::InvalidArgument(format!(
                "folder {s:?} is not inbox, sent, awaiting_response or closed (§7)"
            ))),
        }
    }
}
