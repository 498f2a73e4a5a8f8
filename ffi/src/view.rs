//! `pmsg_view`: a conversation as one viewer sees it, as a typed result
//! read with the `pmsg_view_*` accessors.

use crate::boundary::{arg_instant, arg_out, arg_str, boundary, boundary_void};
use crate::lend::{self, flag, nth, Lends, Text, Texts};
use crate::memory::free_box;
use crate::status::PmsgStatus;
use crate::store::{store_of, PmsgStore};
use pmsg_core::{ConversationStatus, ConversationView, Error};
use std::ffi::{c_char, CStr};
use std::ptr;

/// A conversation as one viewer saw it: the result of
/// `pmsg_conversation_view`. Opaque: read it with the `pmsg_view_*`
/// accessors (the conversation's fields; its messages by index, each with
/// its recipients and attachments by index; its assignments by index),
/// free it with `pmsg_view_free`. Read-only, so any number of threads may
/// read one at once.
pub struct PmsgView {
    texts: Texts,
    id: Text,
    subject: Text,
    status: Text,
    patient_emr_id: Text,
    patient_name: Text,
    awaiting_response: bool,
    overdue: bool,
    response_due_at: Text,
    confidential: bool,
    messages: Vec<MessageRow>,
    assignments: Vec<AssignmentRow>,
}

struct MessageRow {
    id: Text,
    side: Text,
    sender: Text,
    from: Text,
    body: Text,
    sent_at: Text,
    read: bool,
    masked: bool,
    recipients: Vec<Text>,
    attachments: Vec<AttachmentRow>,
}

struct AttachmentRow {
    id: Text,
    name: Text,
    media_type: Text,
    size: u64,
    purged: bool,
    purged_at: Text,
}

struct AssignmentRow {
    by: Text,
    to: Text,
    note: Text,
    at: Text,
}

impl Lends for PmsgView {
    const ARG: &'static str = "view";
    fn texts(&self) -> &Texts {
        &self.texts
    }
}

pub(crate) fn status(s: ConversationStatus) -> &'static CStr {
    match s {
        ConversationStatus::Open => c"open",
        ConversationStatus::Closed => c"closed",
    }
}

impl PmsgView {
    fn new(v: &ConversationView) -> PmsgView {
        // Room for every string but a few short ones (the buffer grows if
        // needed: the handle keeps offsets, not pointers, until it is built).
        let bytes = v.subject.len()
            + v.patient_name.len()
            + 256
            + v.messages
                .iter()
                .map(|m| {
                    m.body.len() + m.sender.len() + m.from.len() + 128 + 96 * m.attachments.len()
                })
                .sum::<usize>();
        let mut t = Texts::with_capacity(bytes, 0);
        let messages = v
            .messages
            .iter()
            .map(|m| MessageRow {
                id: t.put(&m.id, "message id"),
                side: match m.side.as_str() {
                    "staff" => Text::Static(c"staff"),
                    "patient" => Text::Static(c"patient"),
                    other => t.put(other, "message side"),
                },
                sender: t.put(&m.sender, "message sender"),
                from: t.put(&m.from, "message from"),
                body: t.put(&m.body, "message body"),
                sent_at: t.put(&m.sent_at, "message instant"),
                read: m.read,
                masked: m.masked,
                recipients: t.all(&m.recipients, "message recipient"),
                attachments: m
                    .attachments
                    .iter()
                    .map(|a| AttachmentRow {
                        id: t.put(&a.id, "attachment id"),
                        name: t.put(&a.name, "attachment name"),
                        media_type: t.put(&a.media_type, "attachment media type"),
                        size: a.size,
                        purged: a.purged,
                        purged_at: t.opt(a.purged_at.as_deref(), "purge instant"),
                    })
                    .collect(),
            })
            .collect();
        let assignments = v
            .assignments
            .iter()
            .map(|a| AssignmentRow {
                by: t.put(&a.by, "assigner"),
                to: t.put(&a.to, "assignee"),
                note: t.opt(a.note.as_deref(), "assignment note"),
                at: t.put(&a.at, "assignment instant"),
            })
            .collect();
        PmsgView {
            id: t.put(&v.id, "conversation id"),
            subject: t.put(&v.subject, "subject"),
            status: Text::Static(status(v.status)),
            patient_emr_id: t.put(&v.patient_emr_id, "patient EMR ID"),
            patient_name: t.put(&v.patient_name, "patient name"),
            awaiting_response: v.awaiting_response,
            overdue: v.overdue,
            response_due_at: t.opt(v.response_due_at.as_deref(), "response due instant"),
            confidential: v.confidential,
            messages,
            assignments,
            texts: t,
        }
    }
}

/// The conversation as `by` sees it at `now_ms`, as `pmsg_view_json` gives
/// it, as a typed result (audited as `view`; viewing does not mark anything
/// read). Arguments and errors as `pmsg_view_json`: `PMSG_INVALID_ARGUMENT`
/// (a NULL pointer, not UTF-8, `now_ms` out of range, a malformed `by`),
/// `PMSG_UNKNOWN_CONVERSATION`, `PMSG_NOT_AUTHORIZED` (audited; also a
/// caregiver in a confidential conversation, R-CF3), `PMSG_STORAGE`.
///
/// On success `*out` is a new handle: free it with `pmsg_view_free`.
/// Thread-safe. A failed call leaves `*out` NULL.
#[no_mangle]
pub extern "C" fn pmsg_conversation_view(
    store: *const PmsgStore,
    by: *const c_char,
    conversation: *const c_char,
    now_ms: i64,
    out: *mut *mut PmsgView,
) -> PmsgStatus {
    boundary(|| {
        let out = arg_out(out, "out", ptr::null_mut())?;
        let store = store_of(store)?;
        let by = arg_str(by, "by")?;
        let conversation = arg_str(conversation, "conversation")?;
        let view = store.view(by, conversation, arg_instant(now_ms, "now_ms")?)?;
        *out = Box::into_raw(Box::new(PmsgView::new(&view)));
        Ok(())
    })
}

fn message(v: &PmsgView, message: usize) -> Result<&MessageRow, Error> {
    nth(&v.messages, message, "message", "messages")
}

fn attachment(v: &PmsgView, m: usize, attachment: usize) -> Result<&AttachmentRow, Error> {
    let list = &message(v, m)?.attachments;
    nth(
        list,
        attachment,
        "attachment",
        "attachments in that message",
    )
}

fn assignment(v: &PmsgView, index: usize) -> Result<&AssignmentRow, Error> {
    nth(&v.assignments, index, "index", "assignments")
}

/// The conversation's id.
///
/// `*out` is borrowed from `view`: valid until `pmsg_view_free`; do not
/// free it. Errors: `PMSG_INVALID_ARGUMENT` (NULL `view` or `out`). A
/// failed call leaves `*out` NULL.
#[no_mangle]
pub extern "C" fn pmsg_view_id(view: *const PmsgView, out: *mut *const c_char) -> PmsgStatus {
    lend::text(view, out, |v| Ok(v.id))
}

/// The conversation's subject. Borrowed, valid until `pmsg_view_free`.
/// Errors as `pmsg_view_id`.
#[no_mangle]
pub extern "C" fn pmsg_view_subject(view: *const PmsgView, out: *mut *const c_char) -> PmsgStatus {
    lend::text(view, out, |v| Ok(v.subject))
}

/// `"open"` or `"closed"` (a static string). Errors as `pmsg_view_id`.
#[no_mangle]
pub extern "C" fn pmsg_view_status(view: *const PmsgView, out: *mut *const c_char) -> PmsgStatus {
    lend::text(view, out, |v| Ok(v.status))
}

/// The patient's EMR ID. Borrowed, valid until `pmsg_view_free`. Errors as
/// `pmsg_view_id`.
#[no_mangle]
pub extern "C" fn pmsg_view_patient_emr_id(
    view: *const PmsgView,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(view, out, |v| Ok(v.patient_emr_id))
}

/// The patient's name, `First Last`. Borrowed, valid until
/// `pmsg_view_free`. Errors as `pmsg_view_id`.
#[no_mangle]
pub extern "C" fn pmsg_view_patient_name(
    view: *const PmsgView,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(view, out, |v| Ok(v.patient_name))
}

/// 1 when an outstanding required response exists (R-D2), else 0.
/// Errors: `PMSG_INVALID_ARGUMENT` (NULL `view` or `out`).
#[no_mangle]
pub extern "C" fn pmsg_view_awaiting_response(view: *const PmsgView, out: *mut i32) -> PmsgStatus {
    lend::value(view, out, |v| Ok(flag(v.awaiting_response)))
}

/// 1 when the outstanding response's due instant has been reached, else 0.
/// Errors as `pmsg_view_awaiting_response`.
#[no_mangle]
pub extern "C" fn pmsg_view_overdue(view: *const PmsgView, out: *mut i32) -> PmsgStatus {
    lend::value(view, out, |v| Ok(flag(v.overdue)))
}

/// The outstanding response's due instant (clinic-local RFC 3339); NULL
/// (with `PMSG_OK`) when nothing is outstanding. Borrowed, valid until
/// `pmsg_view_free`. Errors as `pmsg_view_id`.
#[no_mangle]
pub extern "C" fn pmsg_view_response_due_at(
    view: *const PmsgView,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(view, out, |v| Ok(v.response_due_at))
}

/// 1 for a confidential conversation (R-CF1; shown to every viewer), else 0.
/// Errors as `pmsg_view_awaiting_response`.
#[no_mangle]
pub extern "C" fn pmsg_view_confidential(view: *const PmsgView, out: *mut i32) -> PmsgStatus {
    lend::value(view, out, |v| Ok(flag(v.confidential)))
}

/// How many messages the conversation has, in order (the `message`
/// argument of the `pmsg_view_message_*` and `pmsg_view_attachment_*`
/// accessors is below it). Errors: `PMSG_INVALID_ARGUMENT` (NULL `view` or
/// `out`).
#[no_mangle]
pub extern "C" fn pmsg_view_message_count(view: *const PmsgView, out: *mut usize) -> PmsgStatus {
    lend::value(view, out, |v| Ok(v.messages.len()))
}

/// The message's id. Borrowed, valid until `pmsg_view_free`. Errors:
/// `PMSG_INVALID_ARGUMENT` (NULL `view` or `out`, `message` not below
/// `pmsg_view_message_count`).
#[no_mangle]
pub extern "C" fn pmsg_view_message_id(
    view: *const PmsgView,
    message: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(view, out, |v| Ok(self::message(v, message)?.id))
}

/// Which side wrote the message: `"staff"` or `"patient"` (static).
/// Errors as `pmsg_view_message_id`.
#[no_mangle]
pub extern "C" fn pmsg_view_message_side(
    view: *const PmsgView,
    message: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(view, out, |v| Ok(self::message(v, message)?.side))
}

/// The sender's display name (`Clinic Staff` for a masked message seen by
/// the patient side, R-S5). Borrowed, valid until `pmsg_view_free`.
/// Errors as `pmsg_view_message_id`.
#[no_mangle]
pub extern "C" fn pmsg_view_message_sender(
    view: *const PmsgView,
    message: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(view, out, |v| Ok(self::message(v, message)?.sender))
}

/// The display name of the message's `from` identity. Borrowed, valid
/// until `pmsg_view_free`. Errors as `pmsg_view_message_id`.
#[no_mangle]
pub extern "C" fn pmsg_view_message_from(
    view: *const PmsgView,
    message: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(view, out, |v| Ok(self::message(v, message)?.from))
}

/// The message's body. Borrowed, valid until `pmsg_view_free`. Errors as
/// `pmsg_view_message_id`, and `PMSG_INTERNAL` should the body hold U+0000
/// (read it from `pmsg_view_json` instead).
#[no_mangle]
pub extern "C" fn pmsg_view_message_body(
    view: *const PmsgView,
    message: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(view, out, |v| Ok(self::message(v, message)?.body))
}

/// When the message was sent (clinic-local RFC 3339). Borrowed, valid until
/// `pmsg_view_free`. Errors as `pmsg_view_message_id`.
#[no_mangle]
pub extern "C" fn pmsg_view_message_sent_at(
    view: *const PmsgView,
    message: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(view, out, |v| Ok(self::message(v, message)?.sent_at))
}

/// 1 when the addressee side has read the message (R-M1), else 0. Errors
/// as `pmsg_view_message_id`.
#[no_mangle]
pub extern "C" fn pmsg_view_message_read(
    view: *const PmsgView,
    message: usize,
    out: *mut i32,
) -> PmsgStatus {
    lend::value(view, out, |v| Ok(flag(self::message(v, message)?.read)))
}

/// 1 for a masked staff message seen by staff (R-S5), else 0. Errors as
/// `pmsg_view_message_id`.
#[no_mangle]
pub extern "C" fn pmsg_view_message_masked(
    view: *const PmsgView,
    message: usize,
    out: *mut i32,
) -> PmsgStatus {
    lend::value(view, out, |v| Ok(flag(self::message(v, message)?.masked)))
}

/// How many recipients (parties) the message has. Errors as
/// `pmsg_view_message_id`.
#[no_mangle]
pub extern "C" fn pmsg_view_message_recipient_count(
    view: *const PmsgView,
    message: usize,
    out: *mut usize,
) -> PmsgStatus {
    lend::value(view, out, |v| {
        Ok(self::message(v, message)?.recipients.len())
    })
}

/// The message's `index`-th recipient (`"account:ID"`, `"staff:ID"` or
/// `"workgroup:ID"`). Borrowed, valid until `pmsg_view_free`. Errors as
/// `pmsg_view_message_id`, and `index` not below
/// `pmsg_view_message_recipient_count`.
#[no_mangle]
pub extern "C" fn pmsg_view_message_recipient(
    view: *const PmsgView,
    message: usize,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(view, out, |v| {
        let list = &self::message(v, message)?.recipients;
        Ok(*nth(list, index, "index", "recipients of that message")?)
    })
}

/// How many attachments the message has, in order (the `attachment`
/// argument below is below it). Errors as `pmsg_view_message_id`.
#[no_mangle]
pub extern "C" fn pmsg_view_attachment_count(
    view: *const PmsgView,
    message: usize,
    out: *mut usize,
) -> PmsgStatus {
    lend::value(view, out, |v| {
        Ok(self::message(v, message)?.attachments.len())
    })
}

/// The attachment's id (for `pmsg_download`). Borrowed, valid until
/// `pmsg_view_free`. Errors: `PMSG_INVALID_ARGUMENT` (NULL `view` or
/// `out`, `message` or `attachment` out of range).
#[no_mangle]
pub extern "C" fn pmsg_view_attachment_id(
    view: *const PmsgView,
    message: usize,
    attachment: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(view, out, |v| {
        Ok(self::attachment(v, message, attachment)?.id)
    })
}

/// The attachment's file name. Borrowed, valid until `pmsg_view_free`.
/// Errors as `pmsg_view_attachment_id`.
#[no_mangle]
pub extern "C" fn pmsg_view_attachment_name(
    view: *const PmsgView,
    message: usize,
    attachment: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(view, out, |v| {
        Ok(self::attachment(v, message, attachment)?.name)
    })
}

/// The attachment's media type. Borrowed, valid until `pmsg_view_free`.
/// Errors as `pmsg_view_attachment_id`.
#[no_mangle]
pub extern "C" fn pmsg_view_attachment_media_type(
    view: *const PmsgView,
    message: usize,
    attachment: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(view, out, |v| {
        Ok(self::attachment(v, message, attachment)?.media_type)
    })
}

/// The attachment's size in bytes (kept after a purge). Errors as
/// `pmsg_view_attachment_id`.
#[no_mangle]
pub extern "C" fn pmsg_view_attachment_size(
    view: *const PmsgView,
    message: usize,
    attachment: usize,
    out: *mut u64,
) -> PmsgStatus {
    lend::value(view, out, |v| {
        Ok(self::attachment(v, message, attachment)?.size)
    })
}

/// 1 when retention deleted the attachment's content (R-D6), else 0.
/// Errors as `pmsg_view_attachment_id`.
#[no_mangle]
pub extern "C" fn pmsg_view_attachment_purged(
    view: *const PmsgView,
    message: usize,
    attachment: usize,
    out: *mut i32,
) -> PmsgStatus {
    lend::value(view, out, |v| {
        Ok(flag(self::attachment(v, message, attachment)?.purged))
    })
}

/// When the attachment was purged (clinic-local RFC 3339); NULL (with
/// `PMSG_OK`) when it was not. Borrowed, valid until `pmsg_view_free`.
/// Errors as `pmsg_view_attachment_id`.
#[no_mangle]
pub extern "C" fn pmsg_view_attachment_purged_at(
    view: *const PmsgView,
    message: usize,
    attachment: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(view, out, |v| {
        Ok(self::attachment(v, message, attachment)?.purged_at)
    })
}

/// How many assignments the conversation has had (R-AS4), oldest first;
/// always 0 for a patient-side viewer. Errors: `PMSG_INVALID_ARGUMENT`
/// (NULL `view` or `out`).
#[no_mangle]
pub extern "C" fn pmsg_view_assignment_count(view: *const PmsgView, out: *mut usize) -> PmsgStatus {
    lend::value(view, out, |v| Ok(v.assignments.len()))
}

/// Who made the `index`-th assignment (`"staff:ID"`). Borrowed, valid
/// until `pmsg_view_free`. Errors: `PMSG_INVALID_ARGUMENT` (NULL `view` or
/// `out`, `index` not below `pmsg_view_assignment_count`).
#[no_mangle]
pub extern "C" fn pmsg_view_assignment_by(
    view: *const PmsgView,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(view, out, |v| Ok(assignment(v, index)?.by))
}

/// The assignee (`"workgroup:ID"` or `"staff:ID"`). Borrowed, valid until
/// `pmsg_view_free`. Errors as `pmsg_view_assignment_by`.
#[no_mangle]
pub extern "C" fn pmsg_view_assignment_to(
    view: *const PmsgView,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(view, out, |v| Ok(assignment(v, index)?.to))
}

/// The assignment's note, exactly as given; NULL (with `PMSG_OK`) when it
/// had none. Borrowed, valid until `pmsg_view_free`. Errors as
/// `pmsg_view_assignment_by`.
#[no_mangle]
pub extern "C" fn pmsg_view_assignment_note(
    view: *const PmsgView,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(view, out, |v| Ok(assignment(v, index)?.note))
}

/// When the assignment was made (clinic-local RFC 3339). Borrowed, valid
/// until `pmsg_view_free`. Errors as `pmsg_view_assignment_by`.
#[no_mangle]
pub extern "C" fn pmsg_view_assignment_at(
    view: *const PmsgView,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(view, out, |v| Ok(assignment(v, index)?.at))
}

/// Frees `view` and every string borrowed from it. `pmsg_view_free(NULL)`
/// does nothing. Never fails.
#[no_mangle]
pub extern "C" fn pmsg_view_free(view: *mut PmsgView) {
    boundary_void(|| free_box(view))
}
