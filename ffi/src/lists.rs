//! Typed results of the listing operations: a folder page
//! (`pmsg_folder_page`), search matches (`pmsg_matches`), a purge report
//! (`pmsg_purged`) and a billing report (`pmsg_billing`).

use crate::boundary::{arg_instant, arg_opt_str, arg_out, arg_str, boundary, boundary_void};
use crate::lend::{self, flag, nth, Lends, Text, Texts};
use crate::memory::free_box;
use crate::status::PmsgStatus;
use crate::store::{store_of, PmsgStore};
use crate::view::status;
use pmsg_core::{BillingReport, Error, FolderPage, PurgedAttachment, SearchMatch};
use std::ffi::c_char;
use std::ptr;

// ---------------------------------------------------------------------------
// Folder pages

/// One page of a folder: the result of `pmsg_folder_list`. Opaque: read it
/// with the `pmsg_folder_page_*` accessors (entries by index, newest
/// activity first, and the next page's cursor), free it with
/// `pmsg_folder_page_free`. Read-only.
pub struct PmsgFolderPage {
    texts: Texts,
    entries: Vec<FolderRow>,
    next_cursor: Text,
}

struct FolderRow {
    conversation: Text,
    subject: Text,
    last_activity: Text,
    unread: bool,
    awaiting_response: bool,
    overdue: bool,
    response_due_at: Text,
    status: Text,
    patient_emr_id: Text,
    patient_name: Text,
}

impl Lends for PmsgFolderPage {
    const ARG: &'static str = "page";
    fn texts(&self) -> &Texts {
        &self.texts
    }
}

impl PmsgFolderPage {
    fn new(p: &FolderPage) -> PmsgFolderPage {
        let mut t = Texts::with_capacity(160 * p.entries.len() + 64, 0);
        let entries = p
            .entries
            .iter()
            .map(|e| FolderRow {
                conversation: t.put(&e.conversation, "conversation id"),
                subject: t.put(&e.subject, "subject"),
                last_activity: t.put(&e.last_activity, "last activity"),
                unread: e.unread,
                awaiting_response: e.awaiting_response,
                overdue: e.overdue,
                response_due_at: t.opt(e.response_due_at.as_deref(), "response due instant"),
                status: Text::Static(status(e.status)),
                patient_emr_id: t.put(&e.patient_emr_id, "patient EMR ID"),
                patient_name: t.put(&e.patient_name, "patient name"),
            })
            .collect();
        PmsgFolderPage {
            entries,
            next_cursor: t.opt(p.next_cursor.as_deref(), "cursor"),
            texts: t,
        }
    }
}

/// One page of a folder (SPEC section 7), as `pmsg_folder_json` gives it,
/// as a typed result: for `by` (`"staff:ID"` or `"account:ID"`) at
/// `now_ms`, `folder` `"inbox"`, `"sent"`, `"awaiting_response"` or
/// `"closed"`; `cursor` NULL for the first page, then the previous page's
/// `pmsg_folder_page_next_cursor` (copy it first if the page is freed
/// before); `page_size` 0 for the default (50), else 1-1000. Not audited.
/// Errors as `pmsg_folder_json`.
///
/// On success `*out` is a new handle: free it with `pmsg_folder_page_free`.
/// Thread-safe. A failed call leaves `*out` NULL.
#[no_mangle]
pub extern "C" fn pmsg_folder_list(
    store: *const PmsgStore,
    by: *const c_char,
    folder: *const c_char,
    cursor: *const c_char,
    page_size: u32,
    now_ms: i64,
    out: *mut *mut PmsgFolderPage,
) -> PmsgStatus {
    boundary(|| {
        let out = arg_out(out, "out", ptr::null_mut())?;
        let store = store_of(store)?;
        let by = arg_str(by, "by")?;
        let folder = arg_str(folder, "folder")?;
        let cursor = arg_opt_str(cursor, "cursor")?;
        let page_size = (page_size != 0).then_some(page_size);
        let now = arg_instant(now_ms, "now_ms")?;
        let page = store.folder(by, folder, cursor, page_size, now)?;
        *out = Box::into_raw(Box::new(PmsgFolderPage::new(&page)));
        Ok(())
    })
}

fn entry(p: &PmsgFolderPage, index: usize) -> Result<&FolderRow, Error> {
    nth(&p.entries, index, "index", "entries")
}

/// How many entries the page holds. Errors: `PMSG_INVALID_ARGUMENT` (NULL
/// `page` or `out`).
#[no_mangle]
pub extern "C" fn pmsg_folder_page_count(
    page: *const PmsgFolderPage,
    out: *mut usize,
) -> PmsgStatus {
    lend::value(page, out, |p| Ok(p.entries.len()))
}

/// The cursor of the next page (pass it to `pmsg_folder_list`); NULL (with
/// `PMSG_OK`) on the last page. Borrowed, valid until
/// `pmsg_folder_page_free`. Errors: `PMSG_INVALID_ARGUMENT` (NULL `page` or
/// `out`).
#[no_mangle]
pub extern "C" fn pmsg_folder_page_next_cursor(
    page: *const PmsgFolderPage,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(page, out, |p| Ok(p.next_cursor))
}

/// The entry's conversation id. Borrowed, valid until
/// `pmsg_folder_page_free`. Errors: `PMSG_INVALID_ARGUMENT` (NULL `page` or
/// `out`, `index` not below `pmsg_folder_page_count`).
#[no_mangle]
pub extern "C" fn pmsg_folder_page_conversation(
    page: *const PmsgFolderPage,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(page, out, |p| Ok(entry(p, index)?.conversation))
}

/// The entry's subject. Borrowed. Errors as `pmsg_folder_page_conversation`.
#[no_mangle]
pub extern "C" fn pmsg_folder_page_subject(
    page: *const PmsgFolderPage,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(page, out, |p| Ok(entry(p, index)?.subject))
}

/// The instant of the conversation's latest message (clinic-local RFC
/// 3339). Borrowed. Errors as `pmsg_folder_page_conversation`.
#[no_mangle]
pub extern "C" fn pmsg_folder_page_last_activity(
    page: *const PmsgFolderPage,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(page, out, |p| Ok(entry(p, index)?.last_activity))
}

/// 1 when a message addressed to the viewer's side is unread, else 0.
/// Errors as `pmsg_folder_page_conversation`.
#[no_mangle]
pub extern "C" fn pmsg_folder_page_unread(
    page: *const PmsgFolderPage,
    index: usize,
    out: *mut i32,
) -> PmsgStatus {
    lend::value(page, out, |p| Ok(flag(entry(p, index)?.unread)))
}

/// 1 when an outstanding required response exists, else 0. Errors as
/// `pmsg_folder_page_conversation`.
#[no_mangle]
pub extern "C" fn pmsg_folder_page_awaiting_response(
    page: *const PmsgFolderPage,
    index: usize,
    out: *mut i32,
) -> PmsgStatus {
    lend::value(page, out, |p| Ok(flag(entry(p, index)?.awaiting_response)))
}

/// 1 when the outstanding response is overdue, else 0. Errors as
/// `pmsg_folder_page_conversation`.
#[no_mangle]
pub extern "C" fn pmsg_folder_page_overdue(
    page: *const PmsgFolderPage,
    index: usize,
    out: *mut i32,
) -> PmsgStatus {
    lend::value(page, out, |p| Ok(flag(entry(p, index)?.overdue)))
}

/// The outstanding response's due instant; NULL (with `PMSG_OK`) when
/// none. Borrowed. Errors as `pmsg_folder_page_conversation`.
#[no_mangle]
pub extern "C" fn pmsg_folder_page_response_due_at(
    page: *const PmsgFolderPage,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(page, out, |p| Ok(entry(p, index)?.response_due_at))
}

/// `"open"` or `"closed"` (static). Errors as
/// `pmsg_folder_page_conversation`.
#[no_mangle]
pub extern "C" fn pmsg_folder_page_status(
    page: *const PmsgFolderPage,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(page, out, |p| Ok(entry(p, index)?.status))
}

/// The patient's EMR ID. Borrowed. Errors as
/// `pmsg_folder_page_conversation`.
#[no_mangle]
pub extern "C" fn pmsg_folder_page_patient_emr_id(
    page: *const PmsgFolderPage,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(page, out, |p| Ok(entry(p, index)?.patient_emr_id))
}

/// The patient's name, `First Last`. Borrowed. Errors as
/// `pmsg_folder_page_conversation`.
#[no_mangle]
pub extern "C" fn pmsg_folder_page_patient_name(
    page: *const PmsgFolderPage,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(page, out, |p| Ok(entry(p, index)?.patient_name))
}

/// Frees `page` and every string borrowed from it. NULL does nothing.
/// Never fails.
#[no_mangle]
pub extern "C" fn pmsg_folder_page_free(page: *mut PmsgFolderPage) {
    boundary_void(|| free_box(page))
}

// ---------------------------------------------------------------------------
// Search matches

/// The patients a search found: the result of `pmsg_patients_search`.
/// Opaque: read it with the `pmsg_matches_*` accessors, free it with
/// `pmsg_matches_free`. Read-only.
pub struct PmsgMatches {
    texts: Texts,
    items: Vec<MatchRow>,
}

struct MatchRow {
    emr_id: Text,
    first_name: Text,
    last_name: Text,
    date_of_birth: Text,
    deliver_to: Vec<Text>,
    unreachable_reason: Text,
    confidential_deliver_to: Vec<Text>,
}

impl Lends for PmsgMatches {
    const ARG: &'static str = "matches";
    fn texts(&self) -> &Texts {
        &self.texts
    }
}

impl PmsgMatches {
    fn new(matches: &[SearchMatch]) -> PmsgMatches {
        let mut t = Texts::with_capacity(128 * matches.len(), 0);
        let items = matches
            .iter()
            .map(|m| MatchRow {
                emr_id: t.put(&m.emr_id, "EMR ID"),
                first_name: t.put(&m.first_name, "first name"),
                last_name: t.put(&m.last_name, "last name"),
                date_of_birth: t.put(&m.date_of_birth, "date of birth"),
                deliver_to: t.all(&m.deliver_to, "recipient"),
                unreachable_reason: t.opt(m.unreachable_reason.as_deref(), "reason"),
                confidential_deliver_to: t.all(&m.confidential_deliver_to, "recipient"),
            })
            .collect();
        PmsgMatches { texts: t, items }
    }
}

/// Finds patients by EMR ID (exact) or last-name prefix, as
/// `pmsg_search_json` does (R-R1, at most 50), as a typed result: each
/// with where a message sent at `now_ms` would go, and where a
/// confidential one would (R-CF4). Errors as `pmsg_search_json`.
///
/// On success `*out` is a new handle: free it with `pmsg_matches_free`.
/// Thread-safe. A failed call leaves `*out` NULL.
#[no_mangle]
pub extern "C" fn pmsg_patients_search(
    store: *const PmsgStore,
    query: *const c_char,
    now_ms: i64,
    out: *mut *mut PmsgMatches,
) -> PmsgStatus {
    boundary(|| {
        let out = arg_out(out, "out", ptr::null_mut())?;
        let store = store_of(store)?;
        let query = arg_str(query, "query")?;
        let matches = store.search(query, arg_instant(now_ms, "now_ms")?)?;
        *out = Box::into_raw(Box::new(PmsgMatches::new(&matches)));
        Ok(())
    })
}

fn found(m: &PmsgMatches, index: usize) -> Result<&MatchRow, Error> {
    nth(&m.items, index, "index", "matches")
}

/// How many patients were found. Errors: `PMSG_INVALID_ARGUMENT` (NULL
/// `matches` or `out`).
#[no_mangle]
pub extern "C" fn pmsg_matches_count(matches: *const PmsgMatches, out: *mut usize) -> PmsgStatus {
    lend::value(matches, out, |m| Ok(m.items.len()))
}

/// The patient's EMR ID, as last spelled. Borrowed, valid until
/// `pmsg_matches_free`. Errors: `PMSG_INVALID_ARGUMENT` (NULL `matches` or
/// `out`, `index` not below `pmsg_matches_count`).
#[no_mangle]
pub extern "C" fn pmsg_matches_emr_id(
    matches: *const PmsgMatches,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(matches, out, |m| Ok(found(m, index)?.emr_id))
}

/// The patient's given name. Borrowed. Errors as `pmsg_matches_emr_id`.
#[no_mangle]
pub extern "C" fn pmsg_matches_first_name(
    matches: *const PmsgMatches,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(matches, out, |m| Ok(found(m, index)?.first_name))
}

/// The patient's family name. Borrowed. Errors as `pmsg_matches_emr_id`.
#[no_mangle]
pub extern "C" fn pmsg_matches_last_name(
    matches: *const PmsgMatches,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(matches, out, |m| Ok(found(m, index)?.last_name))
}

/// The patient's date of birth, `YYYY-MM-DD`. Borrowed. Errors as
/// `pmsg_matches_emr_id`.
#[no_mangle]
pub extern "C" fn pmsg_matches_date_of_birth(
    matches: *const PmsgMatches,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(matches, out, |m| Ok(found(m, index)?.date_of_birth))
}

/// How many parties a message to the patient would be delivered to now
/// (0 when unreachable). Errors as `pmsg_matches_emr_id`.
#[no_mangle]
pub extern "C" fn pmsg_matches_deliver_to_count(
    matches: *const PmsgMatches,
    index: usize,
    out: *mut usize,
) -> PmsgStatus {
    lend::value(matches, out, |m| Ok(found(m, index)?.deliver_to.len()))
}

/// The `party`-th of them (`"account:ID"`, ordered by account id).
/// Borrowed. Errors as `pmsg_matches_emr_id`, and `party` not below
/// `pmsg_matches_deliver_to_count`.
#[no_mangle]
pub extern "C" fn pmsg_matches_deliver_to(
    matches: *const PmsgMatches,
    index: usize,
    party: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(matches, out, |m| {
        Ok(*nth(
            &found(m, index)?.deliver_to,
            party,
            "party",
            "parties",
        )?)
    })
}

/// Why a message cannot reach the patient; NULL (with `PMSG_OK`) when it
/// can. Borrowed. Errors as `pmsg_matches_emr_id`.
#[no_mangle]
pub extern "C" fn pmsg_matches_unreachable_reason(
    matches: *const PmsgMatches,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(matches, out, |m| Ok(found(m, index)?.unreachable_reason))
}

/// How many parties a confidential message would be delivered to (R-CF4):
/// 1 when the patient has a registered account of their own, else 0.
/// Errors as `pmsg_matches_emr_id`.
#[no_mangle]
pub extern "C" fn pmsg_matches_confidential_deliver_to_count(
    matches: *const PmsgMatches,
    index: usize,
    out: *mut usize,
) -> PmsgStatus {
    lend::value(matches, out, |m| {
        Ok(found(m, index)?.confidential_deliver_to.len())
    })
}

/// The `party`-th of them (`"account:ID"`). Borrowed. Errors as
/// `pmsg_matches_emr_id`, and `party` not below
/// `pmsg_matches_confidential_deliver_to_count`.
#[no_mangle]
pub extern "C" fn pmsg_matches_confidential_deliver_to(
    matches: *const PmsgMatches,
    index: usize,
    party: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(matches, out, |m| {
        let list = &found(m, index)?.confidential_deliver_to;
        Ok(*nth(list, party, "party", "parties")?)
    })
}

/// Frees `matches` and every string borrowed from it. NULL does nothing.
/// Never fails.
#[no_mangle]
pub extern "C" fn pmsg_matches_free(matches: *mut PmsgMatches) {
    boundary_void(|| free_box(matches))
}

// ---------------------------------------------------------------------------
// Purge reports

/// What a purge deleted: the result of `pmsg_attachments_purge`. Opaque:
/// read it with the `pmsg_purged_*` accessors, free it with
/// `pmsg_purged_free`. Read-only.
pub struct PmsgPurged {
    texts: Texts,
    items: Vec<PurgedRow>,
}

struct PurgedRow {
    conversation: Text,
    message: Text,
    attachment: Text,
    name: Text,
}

impl Lends for PmsgPurged {
    const ARG: &'static str = "purged";
    fn texts(&self) -> &Texts {
        &self.texts
    }
}

impl PmsgPurged {
    fn new(list: &[PurgedAttachment]) -> PmsgPurged {
        let mut t = Texts::with_capacity(128 * list.len(), 0);
        let items = list
            .iter()
            .map(|p| PurgedRow {
                conversation: t.put(&p.conversation, "conversation id"),
                message: t.put(&p.message, "message id"),
                attachment: t.put(&p.attachment, "attachment id"),
                name: t.put(&p.name, "attachment name"),
            })
            .collect();
        PmsgPurged { texts: t, items }
    }
}

/// Deletes for good the content of every attachment whose retention ended
/// by `now_ms` (R-D6), as `pmsg_purge_json` does, and reports them as a
/// typed result, in conversation, message, attachment order. Each purge
/// is audited (actor `system`). Errors as `pmsg_purge_json`.
///
/// On success `*out` is a new handle: free it with `pmsg_purged_free`.
/// Thread-safe. A failed call purges nothing and leaves `*out` NULL.
#[no_mangle]
pub extern "C" fn pmsg_attachments_purge(
    store: *const PmsgStore,
    now_ms: i64,
    out: *mut *mut PmsgPurged,
) -> PmsgStatus {
    boundary(|| {
        let out = arg_out(out, "out", ptr::null_mut())?;
        let store = store_of(store)?;
        let purged = store.purge(arg_instant(now_ms, "now_ms")?)?;
        *out = Box::into_raw(Box::new(PmsgPurged::new(&purged)));
        Ok(())
    })
}

fn purged_row(p: &PmsgPurged, index: usize) -> Result<&PurgedRow, Error> {
    nth(&p.items, index, "index", "purged attachments")
}

/// How many attachments were purged. Errors: `PMSG_INVALID_ARGUMENT` (NULL
/// `purged` or `out`).
#[no_mangle]
pub extern "C" fn pmsg_purged_count(purged: *const PmsgPurged, out: *mut usize) -> PmsgStatus {
    lend::value(purged, out, |p| Ok(p.items.len()))
}

/// The purged attachment's conversation. Borrowed, valid until
/// `pmsg_purged_free`. Errors: `PMSG_INVALID_ARGUMENT` (NULL `purged` or
/// `out`, `index` not below `pmsg_purged_count`).
#[no_mangle]
pub extern "C" fn pmsg_purged_conversation(
    purged: *const PmsgPurged,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(purged, out, |p| Ok(purged_row(p, index)?.conversation))
}

/// The purged attachment's message. Borrowed. Errors as
/// `pmsg_purged_conversation`.
#[no_mangle]
pub extern "C" fn pmsg_purged_message(
    purged: *const PmsgPurged,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(purged, out, |p| Ok(purged_row(p, index)?.message))
}

/// The purged attachment's id. Borrowed. Errors as
/// `pmsg_purged_conversation`.
#[no_mangle]
pub extern "C" fn pmsg_purged_attachment(
    purged: *const PmsgPurged,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(purged, out, |p| Ok(purged_row(p, index)?.attachment))
}

/// The purged attachment's file name. Borrowed. Errors as
/// `pmsg_purged_conversation`.
#[no_mangle]
pub extern "C" fn pmsg_purged_name(
    purged: *const PmsgPurged,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(purged, out, |p| Ok(purged_row(p, index)?.name))
}

/// Frees `purged` and every string borrowed from it. NULL does nothing.
/// Never fails.
#[no_mangle]
pub extern "C" fn pmsg_purged_free(purged: *mut PmsgPurged) {
    boundary_void(|| free_box(purged))
}

// ---------------------------------------------------------------------------
// Billing reports

/// A billing cycle's report (R-B3): the result of `pmsg_billing_report`.
/// Opaque: read it with the `pmsg_billing_*` accessors (the cycle, the
/// entries in sent order, the totals by author then fee code), free it
/// with `pmsg_billing_free`. Read-only.
pub struct PmsgBilling {
    texts: Texts,
    cycle: Text,
    entries: Vec<BillingRow>,
    totals: Vec<TotalRow>,
}

struct BillingRow {
    fee_code: Text,
    author: Text,
    patient: Text,
    conversation: Text,
    message: Text,
    sent_at: Text,
}

struct TotalRow {
    author: Text,
    fee_code: Text,
    entries: u64,
}

impl Lends for PmsgBilling {
    const ARG: &'static str = "billing";
    fn texts(&self) -> &Texts {
        &self.texts
    }
}

impl PmsgBilling {
    fn new(r: &BillingReport) -> PmsgBilling {
        let mut t = Texts::with_capacity(160 * r.entries.len() + 32 * r.totals.len() + 16, 0);
        let entries = r
            .entries
            .iter()
            .map(|e| BillingRow {
                fee_code: t.put(&e.fee_code, "fee code"),
                author: t.put(&e.author, "author"),
                patient: t.put(&e.patient, "patient EMR ID"),
                conversation: t.put(&e.conversation, "conversation id"),
                message: t.put(&e.message, "message id"),
                sent_at: t.put(&e.sent_at, "sent instant"),
            })
            .collect();
        let totals = r
            .totals
            .iter()
            .map(|s| TotalRow {
                author: t.put(&s.author, "author"),
                fee_code: t.put(&s.fee_code, "fee code"),
                entries: s.count,
            })
            .collect();
        PmsgBilling {
            cycle: t.put(&r.cycle, "cycle"),
            entries,
            totals,
            texts: t,
        }
    }
}

/// A billing cycle's report (R-B3), as `pmsg_billing_report_json` gives it,
/// as a typed result: `cycle` is an id of the configured kind (`"2026-03"`,
/// `"2026-03-1"` or `"2026-W10"`). Errors as `pmsg_billing_report_json`.
///
/// On success `*out` is a new handle: free it with `pmsg_billing_free`.
/// Thread-safe. A failed call leaves `*out` NULL.
#[no_mangle]
pub extern "C" fn pmsg_billing_report(
    store: *const PmsgStore,
    cycle: *const c_char,
    out: *mut *mut PmsgBilling,
) -> PmsgStatus {
    boundary(|| {
        let out = arg_out(out, "out", ptr::null_mut())?;
        let store = store_of(store)?;
        let report = store.billing_report(arg_str(cycle, "cycle")?)?;
        *out = Box::into_raw(Box::new(PmsgBilling::new(&report)));
        Ok(())
    })
}

fn billing_entry(b: &PmsgBilling, index: usize) -> Result<&BillingRow, Error> {
    nth(&b.entries, index, "index", "billing entries")
}

fn billing_total(b: &PmsgBilling, index: usize) -> Result<&TotalRow, Error> {
    nth(&b.totals, index, "index", "totals")
}

/// The cycle id. Borrowed, valid until `pmsg_billing_free`. Errors:
/// `PMSG_INVALID_ARGUMENT` (NULL `billing` or `out`).
#[no_mangle]
pub extern "C" fn pmsg_billing_cycle(
    billing: *const PmsgBilling,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(billing, out, |b| Ok(b.cycle))
}

/// How many entries the cycle has, in sent order. Errors:
/// `PMSG_INVALID_ARGUMENT` (NULL `billing` or `out`).
#[no_mangle]
pub extern "C" fn pmsg_billing_entry_count(
    billing: *const PmsgBilling,
    out: *mut usize,
) -> PmsgStatus {
    lend::value(billing, out, |b| Ok(b.entries.len()))
}

/// The entry's fee code. Borrowed. Errors: `PMSG_INVALID_ARGUMENT` (NULL
/// `billing` or `out`, `index` not below `pmsg_billing_entry_count`).
#[no_mangle]
pub extern "C" fn pmsg_billing_entry_fee_code(
    billing: *const PmsgBilling,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(billing, out, |b| Ok(billing_entry(b, index)?.fee_code))
}

/// The entry's author (staff id). Borrowed. Errors as
/// `pmsg_billing_entry_fee_code`.
#[no_mangle]
pub extern "C" fn pmsg_billing_entry_author(
    billing: *const PmsgBilling,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(billing, out, |b| Ok(billing_entry(b, index)?.author))
}

/// The entry's patient (EMR ID as spelled at send). Borrowed. Errors as
/// `pmsg_billing_entry_fee_code`.
#[no_mangle]
pub extern "C" fn pmsg_billing_entry_patient(
    billing: *const PmsgBilling,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(billing, out, |b| Ok(billing_entry(b, index)?.patient))
}

/// The entry's conversation. Borrowed. Errors as
/// `pmsg_billing_entry_fee_code`.
#[no_mangle]
pub extern "C" fn pmsg_billing_entry_conversation(
    billing: *const PmsgBilling,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(billing, out, |b| Ok(billing_entry(b, index)?.conversation))
}

/// The entry's message. Borrowed. Errors as `pmsg_billing_entry_fee_code`.
#[no_mangle]
pub extern "C" fn pmsg_billing_entry_message(
    billing: *const PmsgBilling,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(billing, out, |b| Ok(billing_entry(b, index)?.message))
}

/// When the billed message was sent (clinic-local RFC 3339). Borrowed.
/// Errors as `pmsg_billing_entry_fee_code`.
#[no_mangle]
pub extern "C" fn pmsg_billing_entry_sent_at(
    billing: *const PmsgBilling,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(billing, out, |b| Ok(billing_entry(b, index)?.sent_at))
}

/// How many totals the report has (one per author and fee code, by author
/// then fee code). Errors: `PMSG_INVALID_ARGUMENT` (NULL `billing` or
/// `out`).
#[no_mangle]
pub extern "C" fn pmsg_billing_total_count(
    billing: *const PmsgBilling,
    out: *mut usize,
) -> PmsgStatus {
    lend::value(billing, out, |b| Ok(b.totals.len()))
}

/// The total's author (staff id). Borrowed. Errors: `PMSG_INVALID_ARGUMENT`
/// (NULL `billing` or `out`, `index` not below `pmsg_billing_total_count`).
#[no_mangle]
pub extern "C" fn pmsg_billing_total_author(
    billing: *const PmsgBilling,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(billing, out, |b| Ok(billing_total(b, index)?.author))
}

/// The total's fee code. Borrowed. Errors as `pmsg_billing_total_author`.
#[no_mangle]
pub extern "C" fn pmsg_billing_total_fee_code(
    billing: *const PmsgBilling,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(billing, out, |b| Ok(billing_total(b, index)?.fee_code))
}

/// How many entries the total counts (the JSON report's `count`). Errors as
/// `pmsg_billing_total_author`.
#[no_mangle]
pub extern "C" fn pmsg_billing_total_entries(
    billing: *const PmsgBilling,
    index: usize,
    out: *mut u64,
) -> PmsgStatus {
    lend::value(billing, out, |b| Ok(billing_total(b, index)?.entries))
}

/// Frees `billing` and every string borrowed from it. NULL does nothing.
/// Never fails.
#[no_mangle]
pub extern "C" fn pmsg_billing_free(billing: *mut PmsgBilling) {
    boundary_void(|| free_box(billing))
}
