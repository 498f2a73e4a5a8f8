//! The records and enums of the uniffi bindings: one per record of
//! `pmsg_core` (model.rs, config.rs), with the same fields, and plain
//! conversions both ways. Nothing here decides a rule.
//!
//! Differences from the core records, all of form, none of meaning:
//! - the `from` field of requests is `from_identity` and the `from` of a
//!   message view is `from_name` (`from` is a keyword in Python);
//! - every instant the core shows as clinic-local RFC 3339 text (`due_at`)
//!   also comes as `*_ms`, milliseconds since the Unix epoch (UTC). The core
//!   shows instants to the whole second (SPEC section 15), so `*_ms` is a
//!   whole number of seconds times 1000;
//! - requests have no `malformed` list: that is how the core's JSON reader
//!   reports fields it could not read, and a typed caller has none
//!   (`Store::send_json` and `Store::reply_json` use the JSON reader).

use super::error::PmsgError;

/// The clinic's configuration (SPEC section 14). `default_config()` gives
/// the SPEC defaults; change the fields you need.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Config {
    /// IANA time zone of the clinic (R-T2), default `UTC`.
    pub time_zone: String,
    /// Age below which a patient is a minor (R-R3), default 18.
    pub age_of_majority: u32,
    /// Days after the first patient-side download an attachment is kept (R-D6), default 7.
    pub retention_days_after_download: u32,
    /// Name shown to the patient side for masked messages (R-S5), default `Clinic Staff`.
    pub masked_sender_name: String,
    /// Largest deadline or notify interval in days (section 4), default 365.
    pub max_deadline_days: u32,
    /// Largest attachment in bytes (R-S2), default 25 MiB.
    pub max_attachment_bytes: u64,
    /// Media types an attachment may have (R-S2), compared case-insensitively.
    pub allowed_media_types: Vec<String>,
    /// Fee codes that may be billed; empty means any well-formed code (R-S2).
    pub fee_codes: Vec<String>,
    /// `monthly`, `semi_monthly` or `weekly` (R-B2), default `monthly`.
    pub billing_cycle: String,
    /// Most entries in one group send (R-G2), default 10000.
    pub max_group_size: u32,
}

impl From<pmsg_core::Config> for Config {
    fn from(c: pmsg_core::Config) -> Self {
        Config {
            time_zone: c.time_zone,
            age_of_majority: c.age_of_majority,
            retention_days_after_download: c.retention_days_after_download,
            masked_sender_name: c.masked_sender_name,
            max_deadline_days: c.max_deadline_days,
            max_attachment_bytes: c.max_attachment_bytes,
            allowed_media_types: c.allowed_media_types,
            fee_codes: c.fee_codes,
            billing_cycle: c.billing_cycle,
            max_group_size: c.max_group_size,
        }
    }
}

impl From<Config> for pmsg_core::Config {
    fn from(c: Config) -> Self {
        pmsg_core::Config {
            time_zone: c.time_zone,
            age_of_majority: c.age_of_majority,
            retention_days_after_download: c.retention_days_after_download,
            masked_sender_name: c.masked_sender_name,
            max_deadline_days: c.max_deadline_days,
            max_attachment_bytes: c.max_attachment_bytes,
            allowed_media_types: c.allowed_media_types,
            fee_codes: c.fee_codes,
            billing_cycle: c.billing_cycle,
            max_group_size: c.max_group_size,
        }
    }
}

// ---------------------------------------------------------------- directory

/// Kind of a portal account (SPEC section 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum AccountKind {
    /// The patient's own login.
    Patient,
    /// A caregiver's login.
    Caregiver,
}

/// A portal account (SPEC section 2).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
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

/// A patient (SPEC section 2).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Patient {
    /// EMR ID, unique case-insensitively (section 15).
    pub emr_id: String,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// `YYYY-MM-DD`.
    pub date_of_birth: String,
    /// Flagged dependent: messages go to caregivers (R-R2).
    #[uniffi(default)]
    pub dependent: bool,
    /// The patient's own portal account id, if any.
    #[uniffi(default)]
    pub account: Option<String>,
}

/// A caregiver account's connection to a patient (SPEC section 2).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Connection {
    /// The caregiver-side account id.
    pub caregiver: String,
    /// The patient's EMR ID.
    pub patient: String,
    /// Active or revoked.
    pub active: bool,
}

/// A staff member (SPEC section 2).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Staff {
    /// Host-chosen id.
    pub id: String,
    /// Name shown to others.
    pub display_name: String,
    /// Takes direct messages (R-S1).
    pub accepts_direct: bool,
}

/// A workgroup of staff (SPEC section 2).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Workgroup {
    /// Host-chosen id.
    pub id: String,
    /// Name shown as the `from` of its messages.
    pub name: String,
    /// Member staff ids (replaced whole on upsert).
    pub members: Vec<String>,
}

/// One directory upsert: applied all-or-nothing, in the order accounts,
/// staff, patients, connections, workgroups (section 15).
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct DirectoryUpdate {
    /// Accounts to upsert.
    #[uniffi(default)]
    pub accounts: Vec<Account>,
    /// Patients to upsert.
    #[uniffi(default)]
    pub patients: Vec<Patient>,
    /// Connections to upsert.
    #[uniffi(default)]
    pub connections: Vec<Connection>,
    /// Staff to upsert.
    #[uniffi(default)]
    pub staff: Vec<Staff>,
    /// Workgroups to upsert.
    #[uniffi(default)]
    pub workgroups: Vec<Workgroup>,
}

impl From<pmsg_core::AccountKind> for AccountKind {
    fn from(k: pmsg_core::AccountKind) -> Self {
        match k {
            pmsg_core::AccountKind::Patient => AccountKind::Patient,
            pmsg_core::AccountKind::Caregiver => AccountKind::Caregiver,
        }
    }
}

impl From<AccountKind> for pmsg_core::AccountKind {
    fn from(k: AccountKind) -> Self {
        match k {
            AccountKind::Patient => pmsg_core::AccountKind::Patient,
            AccountKind::Caregiver => pmsg_core::AccountKind::Caregiver,
        }
    }
}

impl From<pmsg_core::DirectoryUpdate> for DirectoryUpdate {
    fn from(d: pmsg_core::DirectoryUpdate) -> Self {
        DirectoryUpdate {
            accounts: d
                .accounts
                .into_iter()
                .map(|a| Account {
                    id: a.id,
                    kind: a.kind.into(),
                    display_name: a.display_name,
                    registered: a.registered,
                })
                .collect(),
            patients: d
                .patients
                .into_iter()
                .map(|p| Patient {
                    emr_id: p.emr_id,
                    first_name: p.first_name,
                    last_name: p.last_name,
                    date_of_birth: p.date_of_birth,
                    dependent: p.dependent,
                    account: p.account,
                })
                .collect(),
            connections: d
                .connections
                .into_iter()
                .map(|c| Connection {
                    caregiver: c.caregiver,
                    patient: c.patient,
                    active: c.active,
                })
                .collect(),
            staff: d
                .staff
                .into_iter()
                .map(|s| Staff {
                    id: s.id,
                    display_name: s.display_name,
                    accepts_direct: s.accepts_direct,
                })
                .collect(),
            workgroups: d
                .workgroups
                .into_iter()
                .map(|w| Workgroup {
                    id: w.id,
                    name: w.name,
                    members: w.members,
                })
                .collect(),
        }
    }
}

impl From<DirectoryUpdate> for pmsg_core::DirectoryUpdate {
    fn from(d: DirectoryUpdate) -> Self {
        pmsg_core::DirectoryUpdate {
            accounts: d
                .accounts
                .into_iter()
                .map(|a| pmsg_core::Account {
                    id: a.id,
                    kind: a.kind.into(),
                    display_name: a.display_name,
                    registered: a.registered,
                })
                .collect(),
            patients: d
                .patients
                .into_iter()
                .map(|p| pmsg_core::Patient {
                    emr_id: p.emr_id,
                    first_name: p.first_name,
                    last_name: p.last_name,
                    date_of_birth: p.date_of_birth,
                    dependent: p.dependent,
                    account: p.account,
                })
                .collect(),
            connections: d
                .connections
                .into_iter()
                .map(|c| pmsg_core::Connection {
                    caregiver: c.caregiver,
                    patient: c.patient,
                    active: c.active,
                })
                .collect(),
            staff: d
                .staff
                .into_iter()
                .map(|s| pmsg_core::Staff {
                    id: s.id,
                    display_name: s.display_name,
                    accepts_direct: s.accepts_direct,
                })
                .collect(),
            workgroups: d
                .workgroups
                .into_iter()
                .map(|w| pmsg_core::Workgroup {
                    id: w.id,
                    name: w.name,
                    members: w.members,
                })
                .collect(),
        }
    }
}

/// One search result (R-R1).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SearchMatch {
    /// EMR ID as last spelled.
    pub emr_id: String,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// `YYYY-MM-DD`.
    pub date_of_birth: String,
    /// Where a message would be delivered now (`account:ID` parties, ordered
    /// by account id); empty when unreachable.
    pub deliver_to: Vec<String>,
    /// Why a message cannot be delivered, when `deliver_to` is empty.
    pub unreachable_reason: Option<String>,
    /// Where a confidential message would be delivered (R-CF4):
    /// `["account:ID"]`, the patient's own account, when it is registered;
    /// else empty.
    pub confidential_deliver_to: Vec<String>,
}

impl From<pmsg_core::SearchMatch> for SearchMatch {
    fn from(m: pmsg_core::SearchMatch) -> Self {
        SearchMatch {
            emr_id: m.emr_id,
            first_name: m.first_name,
            last_name: m.last_name,
            date_of_birth: m.date_of_birth,
            deliver_to: m.deliver_to,
            unreachable_reason: m.unreachable_reason,
            confidential_deliver_to: m.confidential_deliver_to,
        }
    }
}

// ---------------------------------------------------------------- composing

/// The `from` identity of a staff message (SPEC section 4).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum Sender {
    /// The author in person (`direct`).
    Direct,
    /// A workgroup the author belongs to.
    Workgroup {
        /// The workgroup id.
        id: String,
    },
}

/// Unit of an unread-notify interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum IntervalUnit {
    /// Calendar days (R-T3).
    Days,
    /// Weeks of 7 days (R-T3).
    Weeks,
}

/// An unread-notify interval, e.g. 2 days (R-D3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct Interval {
    /// How many units (at least 1).
    pub count: i64,
    /// Days or weeks.
    pub unit: IntervalUnit,
}

/// The response option of a staff message (SPEC section 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Response {
    /// No reply possible: the conversation closes once sent (R-S4).
    Closed,
    /// A reply may come (the default of the SPEC).
    Allowed,
    /// A reply is required within this many days (R-D2).
    Required {
        /// 1 <= days <= `max_deadline_days`.
        days: i64,
    },
}

/// A file to attach. The content crosses the boundary as one byte array
/// (copied once each way); mind the memory for large files.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct NewAttachment {
    /// File name (non-empty).
    pub name: String,
    /// Media type, e.g. `application/pdf`.
    pub media_type: String,
    /// The bytes.
    pub content: Vec<u8>,
}

/// A new conversation's first message (SPEC section 4). Fields left out
/// take the SPEC defaults, except `response` (pass `Response.Allowed` for
/// the default).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SendRequest {
    /// Staff id of the author.
    pub author: String,
    /// EMR ID of the patient.
    pub patient: String,
    /// The `from` identity; none is `invalid_argument` (section 15).
    pub from_identity: Option<Sender>,
    /// Subject, 1-200 characters, one line.
    pub subject: String,
    /// Body, 1-20,000 characters.
    pub body: String,
    /// 0-10 files.
    #[uniffi(default)]
    pub attachments: Vec<NewAttachment>,
    /// Remind the `from` identity when unread after this interval (R-D3).
    #[uniffi(default)]
    pub unread_notify: Option<Interval>,
    /// Response option.
    pub response: Response,
    /// Let the patient attach files to a reply.
    #[uniffi(default)]
    pub allow_reply_attachments: bool,
    /// Show the sender as the masked name to the patient side (R-S5).
    #[uniffi(default)]
    pub mask_name: bool,
    /// Fee code to bill (R-B1).
    #[uniffi(default)]
    pub billable_fee_code: Option<String>,
    /// Also return the chart documents (R-C2).
    #[uniffi(default)]
    pub file_to_chart: bool,
    /// A confidential conversation, for its whole life (R-CF1 to R-CF5):
    /// every staff message goes only to the patient's own registered
    /// account (else `RecipientNotReachable`), and caregivers never see it.
    #[uniffi(default)]
    pub confidential: bool,
}

/// A reply in an existing conversation (R-M2 patient side, R-M3 staff
/// side). The staff-only options are none when left out; a patient-side
/// reply must leave them out.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReplyRequest {
    /// Party replying: `account:ID` or `staff:ID`.
    pub by: String,
    /// Conversation id.
    pub conversation: String,
    /// Body, 1-20,000 characters.
    pub body: String,
    /// 0-10 files.
    #[uniffi(default)]
    pub attachments: Vec<NewAttachment>,
    /// Staff: new `from` identity (default: the conversation's current one).
    #[uniffi(default)]
    pub from_identity: Option<Sender>,
    /// Staff: unread reminder interval.
    #[uniffi(default)]
    pub unread_notify: Option<Interval>,
    /// Staff: response option (default allowed).
    #[uniffi(default)]
    pub response: Option<Response>,
    /// Staff: let the patient attach files.
    #[uniffi(default)]
    pub allow_reply_attachments: Option<bool>,
    /// Staff: mask the sender's name.
    #[uniffi(default)]
    pub mask_name: Option<bool>,
    /// Staff: fee code to bill.
    #[uniffi(default)]
    pub billable_fee_code: Option<String>,
    /// Staff: also return the chart documents.
    #[uniffi(default)]
    pub file_to_chart: Option<bool>,
    /// Leave it out (none): a reply that gives `confidential` at all, with
    /// any value, is `InvalidOptions` (R-CF1). Replies follow the
    /// conversation's own confidentiality, fixed by its first message.
    #[uniffi(default)]
    pub confidential: Option<bool>,
}

/// One composition sent to many patients, each in a conversation of their
/// own (SPEC section 16, R-G1 to R-G4). The options are those of
/// `SendRequest` and apply to every conversation; `file_to_chart` must be
/// false (export each conversation afterwards).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct GroupSendRequest {
    /// Staff id of the author.
    pub author: String,
    /// EMR IDs, in order (at most config `max_group_size`, repeats
    /// included); a repeat of an earlier entry (case folded) is dropped.
    pub patients: Vec<String>,
    /// The `from` identity; none is `invalid_argument` (section 15).
    pub from_identity: Option<Sender>,
    /// Subject, 1-200 characters, one line.
    pub subject: String,
    /// Body, 1-20,000 characters.
    pub body: String,
    /// 0-10 files; each conversation gets its own copy.
    #[uniffi(default)]
    pub attachments: Vec<NewAttachment>,
    /// Remind the `from` identity when unread after this interval (R-D3).
    #[uniffi(default)]
    pub unread_notify: Option<Interval>,
    /// Response option.
    pub response: Response,
    /// Let the patients attach files to a reply.
    #[uniffi(default)]
    pub allow_reply_attachments: bool,
    /// Show the sender as the masked name to the patient side (R-S5).
    #[uniffi(default)]
    pub mask_name: bool,
    /// Fee code to bill, once per conversation (R-B1).
    #[uniffi(default)]
    pub billable_fee_code: Option<String>,
    /// Must be false: `true` is `InvalidOptions` in a group send (R-G1).
    #[uniffi(default)]
    pub file_to_chart: bool,
    /// Confidential conversations (R-CF1); a patient without a registered
    /// account of their own is skipped (R-CF2).
    #[uniffi(default)]
    pub confidential: bool,
}

impl From<Sender> for pmsg_core::Sender {
    fn from(s: Sender) -> Self {
        match s {
            Sender::Direct => pmsg_core::Sender::Direct,
            Sender::Workgroup { id } => pmsg_core::Sender::Workgroup(id),
        }
    }
}

impl From<Interval> for pmsg_core::Interval {
    fn from(i: Interval) -> Self {
        pmsg_core::Interval {
            count: i.count,
            unit: match i.unit {
                IntervalUnit::Days => pmsg_core::IntervalUnit::Days,
                IntervalUnit::Weeks => pmsg_core::IntervalUnit::Weeks,
            },
        }
    }
}

impl From<Response> for pmsg_core::Response {
    fn from(r: Response) -> Self {
        match r {
            Response::Closed => pmsg_core::Response::Closed,
            Response::Allowed => pmsg_core::Response::Allowed,
            Response::Required { days } => pmsg_core::Response::Required { days },
        }
    }
}

impl From<NewAttachment> for pmsg_core::NewAttachment {
    fn from(a: NewAttachment) -> Self {
        pmsg_core::NewAttachment {
            name: a.name,
            media_type: a.media_type,
            content: a.content,
        }
    }
}

impl From<SendRequest> for pmsg_core::SendRequest {
    fn from(r: SendRequest) -> Self {
        pmsg_core::SendRequest {
            author: r.author,
            patient: r.patient,
            from: r.from_identity.map(Into::into),
            subject: r.subject,
            body: r.body,
            attachments: r.attachments.into_iter().map(Into::into).collect(),
            unread_notify: r.unread_notify.map(Into::into),
            response: r.response.into(),
            allow_reply_attachments: r.allow_reply_attachments,
            mask_name: r.mask_name,
            billable_fee_code: r.billable_fee_code,
            file_to_chart: r.file_to_chart,
            confidential: r.confidential,
            malformed: Vec::new(),
        }
    }
}

impl From<ReplyRequest> for pmsg_core::ReplyRequest {
    fn from(r: ReplyRequest) -> Self {
        pmsg_core::ReplyRequest {
            by: r.by,
            conversation: r.conversation,
            body: r.body,
            attachments: r.attachments.into_iter().map(Into::into).collect(),
            from: r.from_identity.map(Into::into),
            unread_notify: r.unread_notify.map(Into::into),
            response: r.response.map(Into::into),
            allow_reply_attachments: r.allow_reply_attachments,
            mask_name: r.mask_name,
            billable_fee_code: r.billable_fee_code,
            file_to_chart: r.file_to_chart,
            confidential: r.confidential,
            malformed: Vec::new(),
        }
    }
}

impl From<GroupSendRequest> for pmsg_core::GroupSendRequest {
    fn from(r: GroupSendRequest) -> Self {
        pmsg_core::GroupSendRequest {
            author: r.author,
            patients: r.patients,
            from: r.from_identity.map(Into::into),
            subject: r.subject,
            body: r.body,
            attachments: r.attachments.into_iter().map(Into::into).collect(),
            unread_notify: r.unread_notify.map(Into::into),
            response: r.response.into(),
            allow_reply_attachments: r.allow_reply_attachments,
            mask_name: r.mask_name,
            billable_fee_code: r.billable_fee_code,
            file_to_chart: r.file_to_chart,
            confidential: r.confidential,
            malformed: Vec::new(),
        }
    }
}

// ---------------------------------------------------------------- results

/// Open or closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ConversationStatus {
    /// Replies possible.
    Open,
    /// Read-only (R-S4, R-M4).
    Closed,
}

impl From<pmsg_core::ConversationStatus> for ConversationStatus {
    fn from(s: pmsg_core::ConversationStatus) -> Self {
        match s {
            pmsg_core::ConversationStatus::Open => ConversationStatus::Open,
            pmsg_core::ConversationStatus::Closed => ConversationStatus::Closed,
        }
    }
}

/// An attachment's id and name, as stored.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AttachmentRef {
    /// Attachment id (for `download`).
    pub id: String,
    /// File name.
    pub name: String,
}

impl From<pmsg_core::AttachmentRef> for AttachmentRef {
    fn from(a: pmsg_core::AttachmentRef) -> Self {
        AttachmentRef {
            id: a.id,
            name: a.name,
        }
    }
}

/// What a successful send or reply returns.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
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
    /// With `file_to_chart`: the FHIR chart document, JSON text (R-C2).
    pub chart_fhir: Option<String>,
}

impl From<pmsg_core::SendOutcome> for SendOutcome {
    fn from(o: pmsg_core::SendOutcome) -> Self {
        SendOutcome {
            conversation_id: o.conversation_id,
            message_id: o.message_id,
            delivered_to: o.delivered_to,
            status: o.status.into(),
            attachments: o.attachments.into_iter().map(Into::into).collect(),
            chart_text: o.chart_text,
            chart_fhir: o.chart_fhir,
        }
    }
}

/// One patient of a group send, as the send reports it (R-G4): either
/// sent (its conversation, message, recipients and status; `skipped` none)
/// or skipped (the code in `skipped`; no conversation, no recipients, no
/// status).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct GroupSendEntry {
    /// The EMR ID as written at its first place in the request.
    pub emr_id: String,
    /// The patient's new conversation; none when skipped.
    pub conversation_id: Option<String>,
    /// The conversation's first message; none when skipped.
    pub message_id: Option<String>,
    /// Accounts the message was delivered to; empty when skipped.
    pub delivered_to: Vec<String>,
    /// The conversation's status after the send; none when skipped.
    pub status: Option<ConversationStatus>,
    /// This conversation's own copy of the attachments, in order (ids for
    /// `download`); empty when skipped.
    pub attachments: Vec<AttachmentRef>,
    /// Why the patient was skipped, as an error code (`unknown_patient`,
    /// `recipient_not_reachable`); none when sent.
    pub skipped: Option<String>,
}

/// What a successful group send returns (R-G4).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct GroupSendOutcome {
    /// The new group's id, for `group_report`.
    pub group_id: String,
    /// One entry per patient of the list (repeats dropped), in list order.
    pub entries: Vec<GroupSendEntry>,
}

impl From<pmsg_core::GroupSendOutcome> for GroupSendOutcome {
    fn from(o: pmsg_core::GroupSendOutcome) -> Self {
        GroupSendOutcome {
            group_id: o.group_id,
            entries: o
                .entries
                .into_iter()
                .map(|e| GroupSendEntry {
                    emr_id: e.emr_id,
                    conversation_id: e.conversation_id,
                    message_id: e.message_id,
                    delivered_to: e.delivered_to,
                    status: e.status.map(Into::into),
                    attachments: e.attachments.into_iter().map(Into::into).collect(),
                    skipped: e.skipped,
                })
                .collect(),
        }
    }
}

/// One patient of a group report (R-G5). For a skipped patient the
/// conversation is none and the four flags are false.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct GroupReportEntry {
    /// The EMR ID as written at its first place in the request.
    pub emr_id: String,
    /// The patient's conversation; none when skipped.
    pub conversation: Option<String>,
    /// The skip code; none when sent.
    pub skipped: Option<String>,
    /// The patient side has read the group's message (R-M1).
    pub read: bool,
    /// The conversation holds a patient-side reply.
    pub replied: bool,
    /// An outstanding required response exists (R-D2).
    pub awaiting_response: bool,
    /// Its due instant has been reached at the report's `now_ms`.
    pub overdue: bool,
}

/// A group send's report (R-G5).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct GroupReport {
    /// The group id.
    pub group_id: String,
    /// One entry per patient of the list (repeats dropped), in list order.
    pub entries: Vec<GroupReportEntry>,
}

impl From<pmsg_core::GroupReport> for GroupReport {
    fn from(r: pmsg_core::GroupReport) -> Self {
        GroupReport {
            group_id: r.group_id,
            entries: r
                .entries
                .into_iter()
                .map(|e| GroupReportEntry {
                    emr_id: e.emr_id,
                    conversation: e.conversation,
                    skipped: e.skipped,
                    read: e.read,
                    replied: e.replied,
                    awaiting_response: e.awaiting_response,
                    overdue: e.overdue,
                })
                .collect(),
        }
    }
}

/// An attachment as a view shows it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
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
    /// `purged_at` in milliseconds since the Unix epoch.
    pub purged_at_ms: Option<i64>,
}

/// A message as a view shows it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MessageView {
    /// Message id.
    pub id: String,
    /// `staff` or `patient`: the side of its author.
    pub side: String,
    /// Display name of the sender (masked for the patient side, R-S5).
    pub sender: String,
    /// Display name of the `from` identity (the core's `from`).
    pub from_name: String,
    /// Body text.
    pub body: String,
    /// Sent instant, clinic-local RFC 3339.
    pub sent_at: String,
    /// `sent_at` in milliseconds since the Unix epoch.
    pub sent_at_ms: i64,
    /// Whether the addressee side has read it (R-M1).
    pub read: bool,
    /// True only for a masked staff message seen by staff.
    pub masked: bool,
    /// Recipients (parties).
    pub recipients: Vec<String>,
    /// Attachments in order.
    pub attachments: Vec<AttachmentView>,
}

/// One assignment of a conversation, as staff views show it (R-AS4).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Assignment {
    /// Who assigned it (`staff:ID`).
    pub by: String,
    /// The assignee (`workgroup:ID` or `staff:ID`).
    pub to: String,
    /// The staff note, exactly as given; none when none was given.
    pub note: Option<String>,
    /// When, clinic-local RFC 3339.
    pub at: String,
    /// `at` in milliseconds since the Unix epoch.
    pub at_ms: i64,
}

/// A whole conversation as one viewer sees it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
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
    /// `response_due_at` in milliseconds since the Unix epoch.
    pub response_due_at_ms: Option<i64>,
    /// A confidential conversation (R-CF1), shown to every viewer.
    pub confidential: bool,
    /// Messages in order.
    pub messages: Vec<MessageView>,
    /// Assignments, oldest first (R-AS4); always empty for a patient-side
    /// viewer.
    pub assignments: Vec<Assignment>,
}

impl TryFrom<pmsg_core::ConversationView> for ConversationView {
    type Error = PmsgError;
    fn try_from(v: pmsg_core::ConversationView) -> Result<Self, PmsgError> {
        Ok(ConversationView {
            id: v.id,
            subject: v.subject,
            status: v.status.into(),
            patient_emr_id: v.patient_emr_id,
            patient_name: v.patient_name,
            awaiting_response: v.awaiting_response,
            overdue: v.overdue,
            response_due_at_ms: opt_ms(&v.response_due_at)?,
            response_due_at: v.response_due_at,
            confidential: v.confidential,
            messages: v
                .messages
                .into_iter()
                .map(|m| {
                    Ok(MessageView {
                        sent_at_ms: ms(&m.sent_at)?,
                        id: m.id,
                        side: m.side,
                        sender: m.sender,
                        from_name: m.from,
                        body: m.body,
                        sent_at: m.sent_at,
                        read: m.read,
                        masked: m.masked,
                        recipients: m.recipients,
                        attachments: m
                            .attachments
                            .into_iter()
                            .map(|a| {
                                Ok(AttachmentView {
                                    purged_at_ms: opt_ms(&a.purged_at)?,
                                    id: a.id,
                                    name: a.name,
                                    media_type: a.media_type,
                                    size: a.size,
                                    purged: a.purged,
                                    purged_at: a.purged_at,
                                })
                            })
                            .collect::<Result<_, PmsgError>>()?,
                    })
                })
                .collect::<Result<_, PmsgError>>()?,
            assignments: v
                .assignments
                .into_iter()
                .map(|a| {
                    Ok(Assignment {
                        at_ms: ms(&a.at)?,
                        by: a.by,
                        to: a.to,
                        note: a.note,
                        at: a.at,
                    })
                })
                .collect::<Result<_, PmsgError>>()?,
        })
    }
}

/// An attachment's content. The bytes cross the boundary as one byte array
/// (copied once); mind the memory for large files.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
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

impl From<pmsg_core::Download> for Download {
    fn from(d: pmsg_core::Download) -> Self {
        Download {
            id: d.id,
            name: d.name,
            media_type: d.media_type,
            content: d.content,
        }
    }
}

/// Kind of an event (SPEC section 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
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

impl From<pmsg_core::EventKind> for EventKind {
    fn from(k: pmsg_core::EventKind) -> Self {
        match k {
            pmsg_core::EventKind::NewMessage => EventKind::NewMessage,
            pmsg_core::EventKind::NewReply => EventKind::NewReply,
            pmsg_core::EventKind::ResponseOverdue => EventKind::ResponseOverdue,
            pmsg_core::EventKind::UnreadReminder => EventKind::UnreadReminder,
            pmsg_core::EventKind::Assigned => EventKind::Assigned,
        }
    }
}

/// A notice for the host to deliver (R-D1 to R-D7, R-AS3). It carries no
/// health information: no subject, body, names or attachment names.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Event {
    /// Stable id, for `ack`.
    pub id: String,
    /// Kind.
    pub kind: EventKind,
    /// Recipient party: `account:ID`, `staff:ID` or `workgroup:ID`.
    pub to: String,
    /// Conversation id.
    pub conversation: String,
    /// Message id, where one applies (none for `Assigned`).
    pub message: Option<String>,
    /// Due instant, clinic-local RFC 3339.
    pub due_at: String,
    /// `due_at` in milliseconds since the Unix epoch.
    pub due_at_ms: i64,
    /// The notice text to send: no health information.
    pub notice: String,
    /// Only for an event returned by `claim_due_events` (R-D7): the end of
    /// this claim (`now + lease_seconds`), clinic-local RFC 3339. None from
    /// `due_events`.
    pub claimed_until: Option<String>,
    /// `claimed_until` in milliseconds since the Unix epoch.
    pub claimed_until_ms: Option<i64>,
}

impl TryFrom<pmsg_core::Event> for Event {
    type Error = PmsgError;
    fn try_from(e: pmsg_core::Event) -> Result<Self, PmsgError> {
        Ok(Event {
            due_at_ms: ms(&e.due_at)?,
            claimed_until_ms: opt_ms(&e.claimed_until)?,
            id: e.id,
            kind: e.kind.into(),
            to: e.to,
            conversation: e.conversation,
            message: e.message,
            due_at: e.due_at,
            notice: e.notice,
            claimed_until: e.claimed_until,
        })
    }
}

/// Staff and account folders (SPEC section 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
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
    /// The core's name of the folder.
    pub(crate) fn name(self) -> &'static str {
        match self {
            FolderKind::Inbox => "inbox",
            FolderKind::Sent => "sent",
            FolderKind::AwaitingResponse => "awaiting_response",
            FolderKind::Closed => "closed",
        }
    }
}

/// A folder entry (SPEC section 7).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FolderEntry {
    /// Conversation id.
    pub conversation: String,
    /// Subject.
    pub subject: String,
    /// Instant of the latest message, clinic-local RFC 3339.
    pub last_activity: String,
    /// `last_activity` in milliseconds since the Unix epoch.
    pub last_activity_ms: i64,
    /// A message addressed to the viewer's side is unread.
    pub unread: bool,
    /// An outstanding required response exists.
    pub awaiting_response: bool,
    /// Its due instant has been reached.
    pub overdue: bool,
    /// Due instant of the outstanding response, clinic-local RFC 3339.
    pub response_due_at: Option<String>,
    /// `response_due_at` in milliseconds since the Unix epoch.
    pub response_due_at_ms: Option<i64>,
    /// Open or closed.
    pub status: ConversationStatus,
    /// Patient EMR ID.
    pub patient_emr_id: String,
    /// Patient `First Last`.
    pub patient_name: String,
}

/// One page of a folder.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FolderPage {
    /// Entries, newest activity first.
    pub entries: Vec<FolderEntry>,
    /// Cursor of the next page; none on the last page.
    pub next_cursor: Option<String>,
}

impl TryFrom<pmsg_core::FolderPage> for FolderPage {
    type Error = PmsgError;
    fn try_from(p: pmsg_core::FolderPage) -> Result<Self, PmsgError> {
        Ok(FolderPage {
            entries: p
                .entries
                .into_iter()
                .map(|e| {
                    Ok(FolderEntry {
                        last_activity_ms: ms(&e.last_activity)?,
                        response_due_at_ms: opt_ms(&e.response_due_at)?,
                        conversation: e.conversation,
                        subject: e.subject,
                        last_activity: e.last_activity,
                        unread: e.unread,
                        awaiting_response: e.awaiting_response,
                        overdue: e.overdue,
                        response_due_at: e.response_due_at,
                        status: e.status.into(),
                        patient_emr_id: e.patient_emr_id,
                        patient_name: e.patient_name,
                    })
                })
                .collect::<Result<_, PmsgError>>()?,
            next_cursor: p.next_cursor,
        })
    }
}

/// An attachment removed by `purge` (R-D6).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
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

impl From<pmsg_core::PurgedAttachment> for PurgedAttachment {
    fn from(p: pmsg_core::PurgedAttachment) -> Self {
        PurgedAttachment {
            conversation: p.conversation,
            message: p.message,
            attachment: p.attachment,
            name: p.name,
        }
    }
}

/// A billing entry (R-B1).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
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
    /// `sent_at` in milliseconds since the Unix epoch.
    pub sent_at_ms: i64,
}

/// Count per (author, fee code) (R-B3).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BillingTotal {
    /// Author staff id.
    pub author: String,
    /// Fee code.
    pub fee_code: String,
    /// Number of entries.
    pub count: u64,
}

/// A cycle's billing (R-B3).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BillingReport {
    /// Cycle id, e.g. `2026-03`, `2026-03-1`, `2026-W10`.
    pub cycle: String,
    /// Entries in sent order.
    pub entries: Vec<BillingEntry>,
    /// Totals by author then fee code.
    pub totals: Vec<BillingTotal>,
}

impl TryFrom<pmsg_core::BillingReport> for BillingReport {
    type Error = PmsgError;
    fn try_from(r: pmsg_core::BillingReport) -> Result<Self, PmsgError> {
        Ok(BillingReport {
            cycle: r.cycle,
            entries: r
                .entries
                .into_iter()
                .map(|e| {
                    Ok(BillingEntry {
                        sent_at_ms: ms(&e.sent_at)?,
                        fee_code: e.fee_code,
                        author: e.author,
                        patient: e.patient,
                        conversation: e.conversation,
                        message: e.message,
                        sent_at: e.sent_at,
                    })
                })
                .collect::<Result<_, PmsgError>>()?,
            totals: r
                .totals
                .into_iter()
                .map(|t| BillingTotal {
                    author: t.author,
                    fee_code: t.fee_code,
                    count: t.count,
                })
                .collect(),
        })
    }
}

/// Chart document formats (R-C1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ChartFormat {
    /// Plain UTF-8 text.
    Text,
    /// HL7 FHIR R4 Bundle (JSON text).
    Fhir,
}

impl ChartFormat {
    /// The core's name of the format.
    pub(crate) fn name(self) -> &'static str {
        match self {
            ChartFormat::Text => "text",
            ChartFormat::Fhir => "fhir",
        }
    }
}

/// One audit entry (R-AU1).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AuditEntry {
    /// Sequence number from 1.
    pub seq: u64,
    /// Instant, clinic-local RFC 3339.
    pub at: String,
    /// `at` in milliseconds since the Unix epoch.
    pub at_ms: i64,
    /// `staff:ID`, `account:ID` or `system`.
    pub actor: String,
    /// `send`, `reply`, `read`, `view`, `download`, `export`, `close`,
    /// `purge`, `assign`, `group_report`, `refused` or `settings`.
    pub action: String,
    /// Conversation id (none for a group report and its refusal).
    pub conversation: Option<String>,
    /// Message id.
    pub message: Option<String>,
    /// Hex SHA-256 of this entry chained to the previous one.
    pub hash: String,
}

impl TryFrom<pmsg_core::AuditEntry> for AuditEntry {
    type Error = PmsgError;
    fn try_from(e: pmsg_core::AuditEntry) -> Result<Self, PmsgError> {
        Ok(AuditEntry {
            at_ms: ms(&e.at)?,
            seq: e.seq,
            at: e.at,
            actor: e.actor,
            action: e.action,
            conversation: e.conversation,
            message: e.message,
            hash: e.hash,
        })
    }
}

/// Result of `verify_audit` (R-AU1).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
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

impl From<pmsg_core::AuditVerification> for AuditVerification {
    fn from(v: pmsg_core::AuditVerification) -> Self {
        AuditVerification {
            ok: v.ok,
            entries: v.entries,
            first_broken: v.first_broken,
            problem: v.problem,
        }
    }
}

// ---------------------------------------------------------------- instants

/// An instant the core showed (clinic-local RFC 3339), in milliseconds
/// since the Unix epoch. The core wrote it, so failing to read it back is
/// a bug (`internal`).
fn ms(shown: &str) -> Result<i64, PmsgError> {
    pmsg_core::deadline::parse_instant(shown)
        .map(|t| t.timestamp_millis())
        .map_err(|e| {
            PmsgError::Internal(format!(
                "the core showed an instant the bindings cannot read back: {e}"
            ))
        })
}

fn opt_ms(shown: &Option<String>) -> Result<Option<i64>, PmsgError> {
    shown.as_deref().map(ms).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_round_trips_and_defaults_are_the_cores() {
        let core = pmsg_core::Config::default();
        let ours = Config::from(core.clone());
        assert_eq!(pmsg_core::Config::from(ours.clone()), core);
        assert_eq!(ours.time_zone, "UTC");
        assert_eq!(ours.allowed_media_types.len(), 8);
    }

    #[test]
    fn shown_instants_become_epoch_milliseconds() {
        assert_eq!(ms("1970-01-02T00:00:00+00:00").unwrap(), 86_400_000);
        assert_eq!(ms("1970-01-01T19:00:01-05:00").unwrap(), 86_401_000);
        assert_eq!(ms("2026-03-10T09:00:00-04:00").unwrap(), 1_773_147_600_000);
        assert_eq!(ms("soon").unwrap_err().code(), "internal");
    }
}
