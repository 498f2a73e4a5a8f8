//! `pmsg_outcome`: what a send or reply returns, read through accessors
//! that lend `const char *` strings owned by the outcome.

use crate::boundary::{arg_out, arg_ref, boundary, boundary_void, c_string, invalid};
use crate::memory::free_box;
use crate::status::PmsgStatus;
use pmsg_core::{Error, SendOutcome};
use std::ffi::{c_char, CString};
use std::ptr;

/// A string the outcome lends out. A value holding U+0000 cannot be a C
/// string: its accessor reports that instead (the send itself succeeded,
/// so building the outcome must not fail).
type Lent = Result<CString, Error>;

fn lent(value: String, what: &str) -> Lent {
    c_string(value, what)
}

/// The result of a successful `pmsg_send_json` or `pmsg_reply_json`: the
/// conversation and message ids, the recipients, the conversation's status,
/// the new message's attachments and, with `file_to_chart`, the chart
/// documents. Opaque: read it with the `pmsg_outcome_*` accessors, free it
/// with `pmsg_outcome_free`.
pub struct PmsgOutcome {
    conversation_id: Lent,
    message_id: Lent,
    status: &'static std::ffi::CStr,
    delivered_to: Vec<Lent>,
    attachment_ids: Vec<Lent>,
    attachment_names: Vec<Lent>,
    chart_text: Option<Lent>,
    chart_fhir: Option<Lent>,
}

impl PmsgOutcome {
    pub(crate) fn new(o: SendOutcome) -> PmsgOutcome {
        let (attachment_ids, attachment_names) = o
            .attachments
            .into_iter()
            .map(|a| (lent(a.id, "attachment id"), lent(a.name, "attachment name")))
            .unzip();
        PmsgOutcome {
            conversation_id: lent(o.conversation_id, "conversation id"),
            message_id: lent(o.message_id, "message id"),
            status: match o.status {
                pmsg_core::ConversationStatus::Open => c"open",
                pmsg_core::ConversationStatus::Closed => c"closed",
            },
            delivered_to: o
                .delivered_to
                .into_iter()
                .map(|p| lent(p, "recipient"))
                .collect(),
            attachment_ids,
            attachment_names,
            chart_text: o.chart_text.map(|t| lent(t, "chart text")),
            chart_fhir: o.chart_fhir.map(|t| lent(t, "FHIR chart")),
        }
    }
}

/// Lends one string of an outcome through `out`.
fn lend(
    outcome: *const PmsgOutcome,
    out: *mut *const c_char,
    pick: impl FnOnce(&PmsgOutcome) -> Result<Option<&Lent>, Error>,
) -> PmsgStatus {
    boundary(|| {
        let out = arg_out(out, "out", ptr::null())?;
        let outcome = arg_ref(outcome, "outcome")?;
        *out = match pick(outcome)? {
            Some(Ok(s)) => s.as_ptr(),
            Some(Err(e)) => return Err(e.clone()),
            None => ptr::null(),
        };
        Ok(())
    })
}

/// The `index`-th entry of a list, or `invalid_argument` naming `index`.
fn nth<'a>(list: &'a [Lent], index: usize, what: &str) -> Result<Option<&'a Lent>, Error> {
    list.get(index).map(Some).ok_or_else(|| {
        invalid(
            "index",
            format_args!(
                "= {index} is out of range (the outcome's {what} count is {})",
                list.len()
            ),
        )
    })
}

/// Writes a count through `out`.
fn count(
    outcome: *const PmsgOutcome,
    out: *mut usize,
    pick: fn(&PmsgOutcome) -> usize,
) -> PmsgStatus {
    boundary(|| {
        let out = arg_out(out, "out", 0)?;
        let outcome = arg_ref(outcome, "outcome")?;
        *out = pick(outcome);
        Ok(())
    })
}

/// The conversation the message belongs to (new for a send).
///
/// On success `*out` is borrowed from `outcome`: valid until
/// `pmsg_outcome_free(outcome)`; do not free it. Thread-safe: an outcome is
/// read-only, so several threads may read it at once (but free it once,
/// after all reads). Errors: `PMSG_INVALID_ARGUMENT` (NULL `outcome` or
/// `out`). As everywhere, a failed call leaves `*out` NULL.
#[no_mangle]
pub extern "C" fn pmsg_outcome_conversation_id(
    outcome: *const PmsgOutcome,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend(outcome, out, |o| Ok(Some(&o.conversation_id)))
}

/// The id of the new message.
///
/// Borrowed `*out`, valid until `pmsg_outcome_free`. Thread-safe (read-only).
/// Errors: `PMSG_INVALID_ARGUMENT` (NULL `outcome` or `out`).
#[no_mangle]
pub extern "C" fn pmsg_outcome_message_id(
    outcome: *const PmsgOutcome,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend(outcome, out, |o| Ok(Some(&o.message_id)))
}

/// The conversation's status after the operation: `"open"` or `"closed"`
/// (a message with `response = closed` closes it, R-S4).
///
/// `*out` is a static string; do not free it. Thread-safe.
/// Errors: `PMSG_INVALID_ARGUMENT` (NULL `outcome` or `out`).
#[no_mangle]
pub extern "C" fn pmsg_outcome_status(
    outcome: *const PmsgOutcome,
    out: *mut *const c_char,
) -> PmsgStatus {
    boundary(|| {
        let out = arg_out(out, "out", ptr::null())?;
        let outcome = arg_ref(outcome, "outcome")?;
        *out = outcome.status.as_ptr();
        Ok(())
    })
}

/// How many parties the message was delivered to: the recipient accounts
/// of a staff message (`account:ID`, ordered by account id), or the one
/// `from` identity a patient-side reply went to (`staff:ID` or
/// `workgroup:ID`).
///
/// Ownership: writes a number; nothing to free. Thread-safe (read-only).
/// Errors: `PMSG_INVALID_ARGUMENT` (NULL `outcome`
/// or `out`).
#[no_mangle]
pub extern "C" fn pmsg_outcome_delivered_to_count(
    outcome: *const PmsgOutcome,
    out: *mut usize,
) -> PmsgStatus {
    count(outcome, out, |o| o.delivered_to.len())
}

/// The `index`-th party the message was delivered to (see
/// `pmsg_outcome_delivered_to_count`).
///
/// Borrowed `*out`, valid until `pmsg_outcome_free`. Thread-safe (read-only).
/// Errors: `PMSG_INVALID_ARGUMENT` (NULL `outcome` or `out`, or `index` not
/// below the count).
#[no_mangle]
pub extern "C" fn pmsg_outcome_delivered_to(
    outcome: *const PmsgOutcome,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend(outcome, out, |o| nth(&o.delivered_to, index, "recipient"))
}

/// How many attachments the new message has.
///
/// Ownership: writes a number; nothing to free. Thread-safe (read-only).
/// Errors: `PMSG_INVALID_ARGUMENT` (NULL `outcome`
/// or `out`).
#[no_mangle]
pub extern "C" fn pmsg_outcome_attachment_count(
    outcome: *const PmsgOutcome,
    out: *mut usize,
) -> PmsgStatus {
    count(outcome, out, |o| o.attachment_ids.len())
}

/// The id of the new message's `index`-th attachment, in the order given
/// (the id `pmsg_download` takes).
///
/// Borrowed `*out`, valid until `pmsg_outcome_free`. Thread-safe (read-only).
/// Errors: `PMSG_INVALID_ARGUMENT` (NULL `outcome` or `out`, or `index` not
/// below `pmsg_outcome_attachment_count`).
#[no_mangle]
pub extern "C" fn pmsg_outcome_attachment_id(
    outcome: *const PmsgOutcome,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend(outcome, out, |o| {
        nth(&o.attachment_ids, index, "attachment")
    })
}

/// The file name of the new message's `index`-th attachment.
///
/// Borrowed `*out`, valid until `pmsg_outcome_free`. Thread-safe (read-only).
/// Errors: `PMSG_INVALID_ARGUMENT` (NULL `outcome` or `out`, or `index` not
/// below `pmsg_outcome_attachment_count`); `PMSG_INTERNAL` if the name
/// holds U+0000, which a C string cannot carry (read it from
/// `pmsg_view_json` instead).
#[no_mangle]
pub extern "C" fn pmsg_outcome_attachment_name(
    outcome: *const PmsgOutcome,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend(outcome, out, |o| {
        nth(&o.attachment_names, index, "attachment")
    })
}

/// With `file_to_chart` ("Send and Download", R-C2): the whole conversation
/// as the plain-text chart document (UTF-8). Without it, `*out` is NULL and
/// the status is `PMSG_OK`.
///
/// Borrowed `*out`, valid until `pmsg_outcome_free`. Thread-safe (read-only).
/// Errors: `PMSG_INVALID_ARGUMENT` (NULL `outcome` or `out`);
/// `PMSG_INTERNAL` if the document holds U+0000 (use `pmsg_export_chart`'s
/// `"fhir"` format, which escapes it).
#[no_mangle]
pub extern "C" fn pmsg_outcome_chart_text(
    outcome: *const PmsgOutcome,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend(outcome, out, |o| Ok(o.chart_text.as_ref()))
}

/// With `file_to_chart` (R-C2): the whole conversation as an HL7 FHIR R4
/// `Bundle` (JSON). Without it, `*out` is NULL and the status is `PMSG_OK`.
///
/// Borrowed `*out`, valid until `pmsg_outcome_free`. Thread-safe (read-only).
/// Errors: `PMSG_INVALID_ARGUMENT` (NULL `outcome` or `out`).
#[no_mangle]
pub extern "C" fn pmsg_outcome_chart_fhir(
    outcome: *const PmsgOutcome,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend(outcome, out, |o| Ok(o.chart_fhir.as_ref()))
}

/// Frees an outcome and every string borrowed from it.
///
/// Ownership: takes back `outcome`, which must come from pmsg and not be
/// used again. `pmsg_outcome_free(NULL)` does nothing. Call it once, after
/// every thread has finished reading the outcome. Never fails.
#[no_mangle]
pub extern "C" fn pmsg_outcome_free(outcome: *mut PmsgOutcome) {
    boundary_void(|| free_box(outcome))
}
