//! A group send (SPEC section 16) from a typed request, and its outcome as
//! a typed result: `pmsg_group_outcome`, read with the
//! `pmsg_group_outcome_*` accessors.

use crate::boundary::{arg_instant, arg_out, arg_ref, boundary, boundary_void};
use crate::lend::{self, nth, Lends, Text, Texts};
use crate::memory::free_box;
use crate::request::PmsgSendRequest;
use crate::status::PmsgStatus;
use crate::store::{store_of, PmsgStore};
use crate::view::status;
use pmsg_core::{Error, GroupSendOutcome};
use std::ffi::c_char;
use std::ptr;

/// What a group send did: the result of `pmsg_group_send`. Opaque: read it
/// with the `pmsg_group_outcome_*` accessors (the group id, then one entry
/// per patient of the list, repeats dropped, in order: sent, with its
/// conversation, or skipped, with its code), free it with
/// `pmsg_group_outcome_free`. Read-only.
pub struct PmsgGroupOutcome {
    texts: Texts,
    group_id: Text,
    entries: Vec<GroupRow>,
}

struct GroupRow {
    emr_id: Text,
    conversation_id: Text,
    message_id: Text,
    delivered_to: Vec<Text>,
    status: Text,
    attachment_ids: Vec<Text>,
    attachment_names: Vec<Text>,
    skipped: Text,
}

impl Lends for PmsgGroupOutcome {
    const ARG: &'static str = "outcome";
    fn texts(&self) -> &Texts {
        &self.texts
    }
}

impl PmsgGroupOutcome {
    fn new(o: &GroupSendOutcome) -> PmsgGroupOutcome {
        let mut t = Texts::with_capacity(160 * o.entries.len() + 32, 0);
        let entries = o
            .entries
            .iter()
            .map(|e| GroupRow {
                emr_id: t.put(&e.emr_id, "EMR ID"),
                conversation_id: t.opt(e.conversation_id.as_deref(), "conversation id"),
                message_id: t.opt(e.message_id.as_deref(), "message id"),
                delivered_to: t.all(&e.delivered_to, "recipient"),
                status: e.status.map_or(Text::Null, |s| Text::Static(status(s))),
                attachment_ids: e
                    .attachments
                    .iter()
                    .map(|a| t.put(&a.id, "attachment id"))
                    .collect(),
                attachment_names: e
                    .attachments
                    .iter()
                    .map(|a| t.put(&a.name, "attachment name"))
                    .collect(),
                skipped: t.opt(e.skipped.as_deref(), "skip code"),
            })
            .collect();
        PmsgGroupOutcome {
            group_id: t.put(&o.group_id, "group id"),
            entries,
            texts: t,
        }
    }
}

/// Sends one composition to many patients at `now_ms`, as
/// `pmsg_send_group_json` does (SPEC section 16, R-G1 to R-G4), from a
/// request built with the setters: its `author`, its patients
/// (`pmsg_send_request_add_patient`, at least one) and the options set
/// (`file_to_chart` must be 0; a request that sets `patient`, `by` or a
/// conversation is refused, as is one without an author). Verdicts are
/// those of `pmsg_send_group_json`.
///
/// On success `*out` is a new handle: free it with
/// `pmsg_group_outcome_free`. Thread-safe for the store. Errors:
/// `PMSG_INVALID_ARGUMENT` (a NULL pointer, `now_ms` out of range, a field
/// this call does not take, no author), then those of
/// `pmsg_send_group_json`. A failed group send records nothing and leaves
/// `*out` NULL.
#[no_mangle]
pub extern "C" fn pmsg_group_send(
    store: *const PmsgStore,
    request: *const PmsgSendRequest,
    now_ms: i64,
    out: *mut *mut PmsgGroupOutcome,
) -> PmsgStatus {
    boundary(|| {
        let out = arg_out(out, "out", ptr::null_mut())?;
        let store = store_of(store)?;
        let request = arg_ref(request, "request")?.group_request()?;
        let now = arg_instant(now_ms, "now_ms")?;
        let outcome = store.send_group(&request, now)?;
        *out = Box::into_raw(Box::new(PmsgGroupOutcome::new(&outcome)));
        Ok(())
    })
}

fn group_entry(o: &PmsgGroupOutcome, index: usize) -> Result<&GroupRow, Error> {
    nth(&o.entries, index, "index", "entries")
}

/// The new group's id (for `pmsg_group_report`). Borrowed, valid until
/// `pmsg_group_outcome_free`. Errors: `PMSG_INVALID_ARGUMENT` (NULL
/// `outcome` or `out`).
#[no_mangle]
pub extern "C" fn pmsg_group_outcome_group_id(
    outcome: *const PmsgGroupOutcome,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(outcome, out, |o| Ok(o.group_id))
}

/// How many entries: one per patient of the list, repeats dropped, in
/// order. Errors: `PMSG_INVALID_ARGUMENT` (NULL `outcome` or `out`).
#[no_mangle]
pub extern "C" fn pmsg_group_outcome_count(
    outcome: *const PmsgGroupOutcome,
    out: *mut usize,
) -> PmsgStatus {
    lend::value(outcome, out, |o| Ok(o.entries.len()))
}

/// The entry's EMR ID, as written at its first place in the request.
/// Borrowed. Errors: `PMSG_INVALID_ARGUMENT` (NULL `outcome` or `out`,
/// `index` not below `pmsg_group_outcome_count`).
#[no_mangle]
pub extern "C" fn pmsg_group_outcome_emr_id(
    outcome: *const PmsgGroupOutcome,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(outcome, out, |o| Ok(group_entry(o, index)?.emr_id))
}

/// Why the patient was skipped: `"unknown_patient"` or
/// `"recipient_not_reachable"`; NULL (with `PMSG_OK`) when sent. Borrowed.
/// Errors as `pmsg_group_outcome_emr_id`.
#[no_mangle]
pub extern "C" fn pmsg_group_outcome_skipped(
    outcome: *const PmsgGroupOutcome,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(outcome, out, |o| Ok(group_entry(o, index)?.skipped))
}

/// The patient's new conversation; NULL (with `PMSG_OK`) when skipped.
/// Borrowed. Errors as `pmsg_group_outcome_emr_id`.
#[no_mangle]
pub extern "C" fn pmsg_group_outcome_conversation_id(
    outcome: *const PmsgGroupOutcome,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(outcome, out, |o| Ok(group_entry(o, index)?.conversation_id))
}

/// The conversation's first message; NULL (with `PMSG_OK`) when skipped.
/// Borrowed. Errors as `pmsg_group_outcome_emr_id`.
#[no_mangle]
pub extern "C" fn pmsg_group_outcome_message_id(
    outcome: *const PmsgGroupOutcome,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(outcome, out, |o| Ok(group_entry(o, index)?.message_id))
}

/// The conversation's status after the send, `"open"` or `"closed"`
/// (static); NULL (with `PMSG_OK`) when skipped. Errors as
/// `pmsg_group_outcome_emr_id`.
#[no_mangle]
pub extern "C" fn pmsg_group_outcome_status(
    outcome: *const PmsgGroupOutcome,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(outcome, out, |o| Ok(group_entry(o, index)?.status))
}

/// How many accounts the entry's message was delivered to (0 when
/// skipped). Errors as `pmsg_group_outcome_emr_id`.
#[no_mangle]
pub extern "C" fn pmsg_group_outcome_delivered_to_count(
    outcome: *const PmsgGroupOutcome,
    index: usize,
    out: *mut usize,
) -> PmsgStatus {
    lend::value(outcome, out, |o| {
        Ok(group_entry(o, index)?.delivered_to.len())
    })
}

/// The `party`-th of them (`"account:ID"`). Borrowed. Errors as
/// `pmsg_group_outcome_emr_id`, and `party` out of range.
#[no_mangle]
pub extern "C" fn pmsg_group_outcome_delivered_to(
    outcome: *const PmsgGroupOutcome,
    index: usize,
    party: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(outcome, out, |o| {
        Ok(*nth(
            &group_entry(o, index)?.delivered_to,
            party,
            "party",
            "parties",
        )?)
    })
}

/// How many attachments the entry's conversation has its own copy of (0
/// when skipped). Errors as `pmsg_group_outcome_emr_id`.
#[no_mangle]
pub extern "C" fn pmsg_group_outcome_attachment_count(
    outcome: *const PmsgGroupOutcome,
    index: usize,
    out: *mut usize,
) -> PmsgStatus {
    lend::value(outcome, out, |o| {
        Ok(group_entry(o, index)?.attachment_ids.len())
    })
}

/// The id of the conversation's copy of the `attachment`-th file (for
/// `pmsg_download`). Borrowed. Errors as `pmsg_group_outcome_emr_id`, and
/// `attachment` out of range.
#[no_mangle]
pub extern "C" fn pmsg_group_outcome_attachment_id(
    outcome: *const PmsgGroupOutcome,
    index: usize,
    attachment: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(outcome, out, |o| {
        let list = &group_entry(o, index)?.attachment_ids;
        Ok(*nth(list, attachment, "attachment", "attachments")?)
    })
}

/// The file name of the `attachment`-th file. Borrowed. Errors as
/// `pmsg_group_outcome_attachment_id`.
#[no_mangle]
pub extern "C" fn pmsg_group_outcome_attachment_name(
    outcome: *const PmsgGroupOutcome,
    index: usize,
    attachment: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(outcome, out, |o| {
        let list = &group_entry(o, index)?.attachment_names;
        Ok(*nth(list, attachment, "attachment", "attachments")?)
    })
}

/// Frees `outcome` and every string borrowed from it. NULL does nothing.
/// Never fails.
#[no_mangle]
pub extern "C" fn pmsg_group_outcome_free(outcome: *mut PmsgGroupOutcome) {
    boundary_void(|| free_box(outcome))
}
