//! The report of a group send (SPEC section 16, R-G5) as a typed result:
//! `pmsg_group_progress`, read with the `pmsg_group_progress_*` accessors.

use crate::boundary::{arg_instant, arg_out, arg_str, boundary, boundary_void};
use crate::lend::{self, flag, nth, Lends, Text, Texts};
use crate::memory::free_box;
use crate::status::PmsgStatus;
use crate::store::{store_of, PmsgStore};
use pmsg_core::{Error, GroupReport};
use std::ffi::c_char;
use std::ptr;

/// A group send's report (R-G5): the result of `pmsg_group_report`.
/// Opaque: read it with the `pmsg_group_progress_*` accessors (one entry
/// per patient, in list order), free it with `pmsg_group_progress_free`.
/// Read-only.
pub struct PmsgGroupProgress {
    texts: Texts,
    group_id: Text,
    entries: Vec<ProgressRow>,
}

struct ProgressRow {
    emr_id: Text,
    conversation: Text,
    skipped: Text,
    read: bool,
    replied: bool,
    awaiting_response: bool,
    overdue: bool,
}

impl Lends for PmsgGroupProgress {
    const ARG: &'static str = "progress";
    fn texts(&self) -> &Texts {
        &self.texts
    }
}

impl PmsgGroupProgress {
    fn new(r: &GroupReport) -> PmsgGroupProgress {
        let mut t = Texts::with_capacity(64 * r.entries.len() + 32, 0);
        let entries = r
            .entries
            .iter()
            .map(|e| ProgressRow {
                emr_id: t.put(&e.emr_id, "EMR ID"),
                conversation: t.opt(e.conversation.as_deref(), "conversation id"),
                skipped: t.opt(e.skipped.as_deref(), "skip code"),
                read: e.read,
                replied: e.replied,
                awaiting_response: e.awaiting_response,
                overdue: e.overdue,
            })
            .collect();
        PmsgGroupProgress {
            group_id: t.put(&r.group_id, "group id"),
            entries,
            texts: t,
        }
    }
}

/// The report of a group send (R-G5) for `by` (`"staff:ID"`) at `now_ms`,
/// as `pmsg_group_report_json` gives it, as a typed result. Audited once as
/// `group_report`. Errors, in order, as `pmsg_group_report_json`.
///
/// On success `*out` is a new handle: free it with
/// `pmsg_group_progress_free`. Thread-safe. A failed call leaves `*out`
/// NULL.
#[no_mangle]
pub extern "C" fn pmsg_group_report(
    store: *const PmsgStore,
    by: *const c_char,
    group_id: *const c_char,
    now_ms: i64,
    out: *mut *mut PmsgGroupProgress,
) -> PmsgStatus {
    boundary(|| {
        let out = arg_out(out, "out", ptr::null_mut())?;
        let store = store_of(store)?;
        let by = arg_str(by, "by")?;
        let group_id = arg_str(group_id, "group_id")?;
        let report = store.group_report(by, group_id, arg_instant(now_ms, "now_ms")?)?;
        *out = Box::into_raw(Box::new(PmsgGroupProgress::new(&report)));
        Ok(())
    })
}

fn progress_entry(p: &PmsgGroupProgress, index: usize) -> Result<&ProgressRow, Error> {
    nth(&p.entries, index, "index", "entries")
}

/// The group's id. Borrowed, valid until `pmsg_group_progress_free`.
/// Errors: `PMSG_INVALID_ARGUMENT` (NULL `progress` or `out`).
#[no_mangle]
pub extern "C" fn pmsg_group_progress_group_id(
    progress: *const PmsgGroupProgress,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(progress, out, |p| Ok(p.group_id))
}

/// How many entries: one per patient of the group's list, in order.
/// Errors: `PMSG_INVALID_ARGUMENT` (NULL `progress` or `out`).
#[no_mangle]
pub extern "C" fn pmsg_group_progress_count(
    progress: *const PmsgGroupProgress,
    out: *mut usize,
) -> PmsgStatus {
    lend::value(progress, out, |p| Ok(p.entries.len()))
}

/// The entry's EMR ID, as written in the request. Borrowed. Errors:
/// `PMSG_INVALID_ARGUMENT` (NULL `progress` or `out`, `index` not below
/// `pmsg_group_progress_count`).
#[no_mangle]
pub extern "C" fn pmsg_group_progress_emr_id(
    progress: *const PmsgGroupProgress,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(progress, out, |p| Ok(progress_entry(p, index)?.emr_id))
}

/// The patient's conversation; NULL (with `PMSG_OK`) when skipped.
/// Borrowed. Errors as `pmsg_group_progress_emr_id`.
#[no_mangle]
pub extern "C" fn pmsg_group_progress_conversation(
    progress: *const PmsgGroupProgress,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(
        progress,
        out,
        |p| Ok(progress_entry(p, index)?.conversation),
    )
}

/// The skip code; NULL (with `PMSG_OK`) when sent. Errors as
/// `pmsg_group_progress_emr_id`.
#[no_mangle]
pub extern "C" fn pmsg_group_progress_skipped(
    progress: *const PmsgGroupProgress,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(progress, out, |p| Ok(progress_entry(p, index)?.skipped))
}

/// 1 when the patient side has read the group's message (R-M1), else 0
/// (always 0 when skipped). Errors as `pmsg_group_progress_emr_id`.
#[no_mangle]
pub extern "C" fn pmsg_group_progress_read(
    progress: *const PmsgGroupProgress,
    index: usize,
    out: *mut i32,
) -> PmsgStatus {
    lend::value(progress, out, |p| Ok(flag(progress_entry(p, index)?.read)))
}

/// 1 when the conversation holds a patient-side reply, else 0. Errors as
/// `pmsg_group_progress_emr_id`.
#[no_mangle]
pub extern "C" fn pmsg_group_progress_replied(
    progress: *const PmsgGroupProgress,
    index: usize,
    out: *mut i32,
) -> PmsgStatus {
    lend::value(progress, out, |p| {
        Ok(flag(progress_entry(p, index)?.replied))
    })
}

/// 1 when an outstanding required response exists (R-D2), else 0. Errors
/// as `pmsg_group_progress_emr_id`.
#[no_mangle]
pub extern "C" fn pmsg_group_progress_awaiting_response(
    progress: *const PmsgGroupProgress,
    index: usize,
    out: *mut i32,
) -> PmsgStatus {
    lend::value(progress, out, |p| {
        Ok(flag(progress_entry(p, index)?.awaiting_response))
    })
}

/// 1 when that response is overdue at the report's `now`, else 0. Errors
/// as `pmsg_group_progress_emr_id`.
#[no_mangle]
pub extern "C" fn pmsg_group_progress_overdue(
    progress: *const PmsgGroupProgress,
    index: usize,
    out: *mut i32,
) -> PmsgStatus {
    lend::value(progress, out, |p| {
        Ok(flag(progress_entry(p, index)?.overdue))
    })
}

/// Frees `progress` and every string borrowed from it. NULL does nothing.
/// Never fails.
#[no_mangle]
pub extern "C" fn pmsg_group_progress_free(progress: *mut PmsgGroupProgress) {
    boundary_void(|| free_box(progress))
}
