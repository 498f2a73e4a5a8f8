//! `pmsg_store` and one C entry point per `pmsg_core::Store` operation.
//! Each has the one shape of STYLE.md: boundary, argument checks naming
//! the argument, one call into the core, results through out-pointers.

use crate::boundary::{
    arg_instant, arg_json_object, arg_opt_str, arg_out, arg_ref, arg_str, boundary, boundary_void,
    give_json, give_string, invalid, FfiResult,
};
use crate::memory::{free_box, give_bytes};
use crate::outcome::PmsgOutcome;
use crate::status::PmsgStatus;
use pmsg_core::{request, Config, Error, PartialConfig, Store};
use std::ffi::c_char;
use std::ptr;

/// A pmsg store: one database (a file, or private memory) holding the
/// directory, conversations, events, billing and audit (R-ST1).
///
/// Thread-safe: one handle may be used by any number of threads at once
/// (R-ST2); each call is one transaction, and concurrent calls wait for
/// each other. Several handles, in one process or several, may open the
/// same file. Only `pmsg_close` must not race with other calls on it.
pub struct PmsgStore {
    inner: Store,
}

/// The configuration argument (R-ST3): NULL uses the store's settings (a
/// new store takes the SPEC section 14 defaults); a JSON object gives some
/// keys, which a new store takes and an existing one must already have.
fn config(config_json: *const c_char) -> Result<Option<PartialConfig>, Error> {
    match arg_opt_str(config_json, "config_json")? {
        None => Ok(None),
        Some(text) => {
            let value = pmsg_core::strict_json::parse_as(
                text,
                "argument `config_json`",
                Error::InvalidConfig,
            )?;
            PartialConfig::from_json(&value).map(Some)
        }
    }
}

/// Where a store lives: a file, an encrypted file (with its key), or memory.
enum Place {
    File(*const c_char),
    Encrypted(*const c_char, *const c_char),
    Memory,
}

fn open(place: Place, config_json: *const c_char, out: *mut *mut PmsgStore) -> FfiResult {
    let out = arg_out(out, "out", ptr::null_mut())?;
    let inner = match place {
        Place::File(path) => {
            let path = arg_str(path, "path")?;
            Store::open_with(path, config(config_json)?.as_ref())?
        }
        Place::Encrypted(path, key) => {
            let path = arg_str(path, "path")?;
            let key = arg_str(key, "key")?;
            if key.is_empty() {
                return Err(invalid("key", "is empty: give the passphrase of the file"));
            }
            Store::open_encrypted_with(path, config(config_json)?.as_ref(), key)?
        }
        Place::Memory => {
            let given = config(config_json)?.unwrap_or_default();
            Store::open_in_memory(&given.over(&Config::default()))?
        }
    };
    *out = Box::into_raw(Box::new(PmsgStore { inner }));
    Ok(())
}

/// The shape of every entry point that hands out text: clears `*out`,
/// checks the store, then `f` makes the call and renders its result.
fn text_call(
    store: *const PmsgStore,
    out: *mut *mut c_char,
    f: impl FnOnce(&Store) -> Result<*mut c_char, Error>,
) -> PmsgStatus {
    boundary(|| {
        let out = arg_out(out, "out", ptr::null_mut())?;
        *out = f(store_of(store)?)?;
        Ok(())
    })
}

/// The store behind a handle argument.
pub(crate) fn store_of<'a>(store: *const PmsgStore) -> Result<&'a Store, Error> {
    Ok(&arg_ref(store, "store")?.inner)
}

/// Opens (creating if needed) the database file at `path` (UTF-8), with
/// the configuration `config_json` (a JSON object of SPEC section 14 keys, e.g.
/// `{"time_zone": "America/New_York"}`; NULL for the defaults). An older
/// schema is migrated (R-ST1). The file uses SQLite's WAL mode, so its
/// `-wal` and `-shm` companions appear beside it.
///
/// On success `*out` is a new handle: close it with `pmsg_close`.
/// Thread-safe. Errors: `PMSG_INVALID_ARGUMENT` (`path` or `out` NULL, a
/// string not UTF-8), `PMSG_INVALID_CONFIG` (malformed JSON, an unknown
/// key, a wrong value), `PMSG_SCHEMA_TOO_NEW`, `PMSG_STORAGE` (cannot open
/// or migrate the file). A failed call leaves `*out` NULL.
#[no_mangle]
pub extern "C" fn pmsg_open(
    path: *const c_char,
    config_json: *const c_char,
    out: *mut *mut PmsgStore,
) -> PmsgStatus {
    boundary(|| open(Place::File(path), config_json, out))
}

/// Opens (creating if needed) an encrypted database file (SQLCipher):
/// every page of the file and its WAL is encrypted with the passphrase
/// `key` (UTF-8, not empty), which must be the same at every open. A libpmsg
/// built without the cargo feature `encryption` refuses this call (see
/// `pmsg_has_encryption`). Otherwise as `pmsg_open`.
///
/// The key is checked at once: a wrong key, a plain (unencrypted) file or
/// a file that is not a pmsg database fails here with `PMSG_STORAGE`, whose
/// message says the key is wrong. pmsg keeps no copy of `key` beyond the
/// open connection's cipher state; the caller owns and may wipe it after
/// the call.
///
/// On success `*out` is a new handle: close it with `pmsg_close`.
/// Thread-safe. Errors: `PMSG_INVALID_ARGUMENT` (`path`, `key` or `out`
/// NULL, a string not UTF-8, an empty key), `PMSG_INVALID_CONFIG`,
/// `PMSG_SCHEMA_TOO_NEW`, `PMSG_STORAGE` (wrong key, no encryption in this
/// build, cannot open or migrate the file). A failed call leaves `*out` NULL.
#[no_mangle]
pub extern "C" fn pmsg_open_encrypted(
    path: *const c_char,
    key: *const c_char,
    config_json: *const c_char,
    out: *mut *mut PmsgStore,
) -> PmsgStatus {
    boundary(|| open(Place::Encrypted(path, key), config_json, out))
}

/// Opens a private in-memory store (tests, demos): gone when closed.
/// `config_json` as for `pmsg_open` (NULL for the defaults).
///
/// On success `*out` is a new handle: close it with `pmsg_close`.
/// Thread-safe. Errors: `PMSG_INVALID_ARGUMENT` (`out` NULL, a string not
/// UTF-8), `PMSG_INVALID_CONFIG`, `PMSG_STORAGE`. A failed call leaves
/// `*out` NULL.
#[no_mangle]
pub extern "C" fn pmsg_open_in_memory(
    config_json: *const c_char,
    out: *mut *mut PmsgStore,
) -> PmsgStatus {
    boundary(|| open(Place::Memory, config_json, out))
}

/// Closes a store and frees its handle. Everything committed is already
/// durable; closing commits nothing more.
///
/// Ownership: takes back `store`, which must not be used again by any
/// thread; call it once every other call on the store has returned.
/// Strings, buffers and outcomes obtained from the store stay valid (free
/// them as usual). `pmsg_close(NULL)` does nothing. Never fails.
#[no_mangle]
pub extern "C" fn pmsg_close(store: *mut PmsgStore) {
    boundary_void(|| free_box(store))
}

/// Upserts directory records, all or nothing (SPEC sections 2, 15). `json` is an
/// object with any of the lists `accounts` (`{"id", "kind": "patient" |
/// "caregiver", "display_name", "registered": bool}`), `patients`
/// (`{"emr_id", "first_name", "last_name", "date_of_birth": "YYYY-MM-DD",
/// "dependent": bool (optional), "account": id or null (optional)}`),
/// `connections` (`{"caregiver": account id, "patient": EMR ID, "active":
/// bool}`), `staff` (`{"id", "display_name", "accepts_direct": bool}`) and
/// `workgroups` (`{"id", "name", "members": [staff ids]}`): the scenario
/// format of `tests/conformance`. A record replaces the stored one whole.
///
/// Ownership: `json` is read during the call only; nothing to free.
/// Thread-safe. Errors: `PMSG_INVALID_ARGUMENT` (NULL, not UTF-8, not a
/// JSON object, a malformed record), `PMSG_UNKNOWN_ACCOUNT`,
/// `PMSG_UNKNOWN_PATIENT`, `PMSG_UNKNOWN_STAFF` (a reference to an unknown
/// id), `PMSG_STORAGE`. A failed call changes nothing.
#[no_mangle]
pub extern "C" fn pmsg_directory_upsert_json(
    store: *const PmsgStore,
    json: *const c_char,
) -> PmsgStatus {
    boundary(|| {
        let store = store_of(store)?;
        let update = request::directory(&arg_json_object(json, "json")?)?;
        store.upsert_directory(&update)
    })
}

/// Sends the first message of a new conversation at `now_ms` (SPEC section 4,
/// R-S1 to R-S5). `request_json` is an object: `author` (staff id), `patient`
/// (EMR ID), `from` (`"direct"` or `"workgroup:ID"`), `subject`, `body`,
/// and optionally `attachments` (a list of `{"name", "media_type", "text"}`
/// where the content is the UTF-8 of `text`), `unread_notify` (`{"count":
/// N, "unit": "days" | "weeks"}`), `response` (`"closed"`, `"allowed"` or
/// `{"required_days": N}`), `allow_reply_attachments`, `mask_name`,
/// `file_to_chart`, `confidential` (booleans) and `billable_fee_code`
/// (string). Keys not given take the SPEC defaults; new options will be
/// new keys. `confidential: true` (SPEC section 18) delivers this and every
/// later staff message of the conversation to the patient's own registered
/// account only, and keeps caregivers out of it for good (R-CF1 to R-CF3).
///
/// On success `*out` is a new outcome: free it with `pmsg_outcome_free`.
/// Thread-safe. Errors: `PMSG_INVALID_ARGUMENT` (a NULL pointer, not UTF-8,
/// not a JSON object, `now_ms` out of range, a malformed `from`), then the
/// first failing check of R-S2: `PMSG_UNKNOWN_STAFF`,
/// `PMSG_UNKNOWN_WORKGROUP`, `PMSG_NOT_WORKGROUP_MEMBER`,
/// `PMSG_DIRECT_NOT_ACCEPTED`, `PMSG_INVALID_OPTIONS` (a `confidential`
/// that is not a boolean, R-CF1), `PMSG_UNKNOWN_PATIENT`,
/// `PMSG_RECIPIENT_NOT_REACHABLE` (also a confidential send to a patient
/// without a registered account of their own, R-CF2), `PMSG_INVALID_SUBJECT`,
/// `PMSG_INVALID_BODY`, `PMSG_TOO_MANY_ATTACHMENTS`,
/// `PMSG_ATTACHMENT_TYPE_NOT_ALLOWED`, `PMSG_ATTACHMENT_TOO_LARGE`,
/// `PMSG_INVALID_NOTIFY_INTERVAL`, `PMSG_INVALID_RESPONSE_DEADLINE`,
/// `PMSG_INVALID_OPTIONS`, `PMSG_INVALID_FEE_CODE`; `PMSG_STORAGE`. A
/// failed send changes nothing and leaves `*out` NULL.
#[no_mangle]
pub extern "C" fn pmsg_send_json(
    store: *const PmsgStore,
    request_json: *const c_char,
    now_ms: i64,
    out: *mut *mut PmsgOutcome,
) -> PmsgStatus {
    boundary(|| {
        let out = arg_out(out, "out", ptr::null_mut())?;
        let store = store_of(store)?;
        let request = request::send_request(&arg_json_object(request_json, "request_json")?)?;
        let now = arg_instant(now_ms, "now_ms")?;
        let outcome = store.send(&request, now)?;
        *out = Box::into_raw(Box::new(PmsgOutcome::new(outcome)));
        Ok(())
    })
}

/// Replies in a conversation at `now_ms`, as the patient side (R-M2) or
/// staff (R-M3). `request_json` is an object: `by` (`"account:ID"` or
/// `"staff:ID"`), `conversation` (id), `body`, optionally `attachments`
/// (as for `pmsg_send_json`) and, for staff only, the options of
/// `pmsg_send_json` (`from` defaults to the conversation's current one,
/// which an assignment may have changed, R-AS2). `confidential` is not a
/// reply option: the conversation's own applies, and a request that gives
/// the key at all, whatever its value, is refused (R-CF1); a staff reply in
/// a confidential conversation goes to the patient's own registered account
/// only (R-CF2).
///
/// On success `*out` is a new outcome: free it with `pmsg_outcome_free`.
/// Thread-safe. Errors: `PMSG_INVALID_ARGUMENT` (a NULL pointer, not UTF-8,
/// not a JSON object, `now_ms` out of range, a malformed `by`),
/// `PMSG_UNKNOWN_CONVERSATION`, `PMSG_NOT_AUTHORIZED` (audited, R-A1, also
/// a caregiver in a confidential conversation, R-CF3),
/// `PMSG_CONVERSATION_CLOSED`, `PMSG_ATTACHMENTS_NOT_ALLOWED`, the
/// validation errors of `pmsg_send_json` (`PMSG_INVALID_OPTIONS` for a
/// `confidential` key, at the place right after `from`; R-CF1),
/// `PMSG_RECIPIENT_NOT_REACHABLE` (R-CF2), `PMSG_STORAGE`. A failed reply
/// changes nothing (except the audit entry of a refusal) and leaves `*out`
/// NULL.
#[no_mangle]
pub extern "C" fn pmsg_reply_json(
    store: *const PmsgStore,
    request_json: *const c_char,
    now_ms: i64,
    out: *mut *mut PmsgOutcome,
) -> PmsgStatus {
    boundary(|| {
        let out = arg_out(out, "out", ptr::null_mut())?;
        let store = store_of(store)?;
        let request = request::reply_request(&arg_json_object(request_json, "request_json")?)?;
        let now = arg_instant(now_ms, "now_ms")?;
        let outcome = store.reply(&request, now)?;
        *out = Box::into_raw(Box::new(PmsgOutcome::new(outcome)));
        Ok(())
    })
}

/// Sends one composition to many patients at `now_ms` (SPEC section 16,
/// R-G1 to R-G4), each in a conversation of their own, in one transaction.
/// `request_json` is the object of `pmsg_send_json` with `patients` (a list
/// of EMR IDs, at most config `max_group_size` entries) in place of
/// `patient`; every option applies to each conversation as in a single
/// send, except `file_to_chart`, which must be false or absent. An EMR ID
/// repeating an earlier one (case-folded) is dropped. A patient whose EMR ID
/// is unknown, or whom the message cannot reach (R-R2 to R-R4; R-CF2 when
/// `confidential`), is skipped; the others get their conversations in list
/// order. `*out` is a JSON object, every key always present:
///
/// `{"group_id", "entries": [{"emr_id", "conversation_id": id or null,
/// "message_id": id or null, "delivered_to": [party], "status": "open" |
/// "closed" | null, "attachments": [{"id", "name"}], "skipped":
/// "unknown_patient" | "recipient_not_reachable" | null}]}`
///
/// One entry per patient of the list (repeats dropped), in order, showing
/// each EMR ID as first written: a sent one as a single send reports it,
/// with the ids of its conversation's own copy of the attachments (for
/// `pmsg_download`) and `skipped` null; a skipped one with its code
/// (`conversation_id`, `message_id` and `status` null, `delivered_to` and
/// `attachments` empty). Pass `group_id` to `pmsg_group_report_json`. Each
/// conversation is then an ordinary one.
///
/// On success free `*out` with `pmsg_string_free`. Thread-safe. Errors, the
/// first failing check of R-G2: `PMSG_INVALID_ARGUMENT` (a NULL pointer, not
/// UTF-8, not a JSON object, `now_ms` out of range), `PMSG_UNKNOWN_STAFF`,
/// then `from` as in `pmsg_send_json` (`PMSG_INVALID_ARGUMENT`,
/// `PMSG_UNKNOWN_WORKGROUP`, `PMSG_NOT_WORKGROUP_MEMBER`,
/// `PMSG_DIRECT_NOT_ACCEPTED`), `PMSG_INVALID_OPTIONS` (`confidential`,
/// R-CF1), `PMSG_INVALID_ARGUMENT` (`patients` not a list of strings, empty
/// or too long), then the fields of R-S2 from the subject on
/// (`PMSG_INVALID_SUBJECT` ... `PMSG_INVALID_FEE_CODE`, and
/// `PMSG_INVALID_OPTIONS` for `file_to_chart: true`, last);
/// `PMSG_RECIPIENT_NOT_REACHABLE` when no patient is reachable (the message
/// names each EMR ID and why); `PMSG_STORAGE`. A failed group send records
/// nothing and leaves `*out` NULL.
#[no_mangle]
pub extern "C" fn pmsg_send_group_json(
    store: *const PmsgStore,
    request_json: *const c_char,
    now_ms: i64,
    out: *mut *mut c_char,
) -> PmsgStatus {
    text_call(store, out, |store| {
        let request = request::group_send_request(&arg_json_object(request_json, "request_json")?)?;
        let now = arg_instant(now_ms, "now_ms")?;
        let outcome = store.send_group(&request, now)?;
        give_json(serde_json::to_string(&outcome), "group send outcome")
    })
}

/// The report of a group send (R-G5) for `by` (`"staff:ID"`) at `now_ms`:
/// per patient of the group, in list order, whether the patient side read
/// the group's message, replied, and owes an (overdue) response. The
/// group's author and the current members of its `from` workgroup may see
/// it (the author alone for a `direct` group). Marks nothing read; audited
/// once as `group_report`, with neither conversation nor message. `*out` is
/// a JSON object:
///
/// `{"group_id", "entries": [{"emr_id", "conversation": id or null,
/// "skipped": "unknown_patient" | "recipient_not_reachable" | null,
/// "read": bool, "replied": bool, "awaiting_response": bool, "overdue":
/// bool}]}`
///
/// A skipped patient has `conversation` null and the four flags false; a
/// sent one has `skipped` null.
///
/// On success free `*out` with `pmsg_string_free`. Thread-safe. Errors, in
/// this order: `PMSG_INVALID_ARGUMENT` (a NULL pointer, not UTF-8, `now_ms`
/// out of range, a malformed or `workgroup:` `by`; not audited),
/// `PMSG_UNKNOWN_GROUP` (no group has the id `group_id`; not audited),
/// `PMSG_NOT_AUTHORIZED` (anyone else, accounts and unknown staff
/// included; audited as `refused`), `PMSG_STORAGE`. A failed call leaves
/// `*out` NULL.
#[no_mangle]
pub extern "C" fn pmsg_group_report_json(
    store: *const PmsgStore,
    by: *const c_char,
    group_id: *const c_char,
    now_ms: i64,
    out: *mut *mut c_char,
) -> PmsgStatus {
    text_call(store, out, |store| {
        let by = arg_str(by, "by")?;
        let group_id = arg_str(group_id, "group_id")?;
        let report = store.group_report(by, group_id, arg_instant(now_ms, "now_ms")?)?;
        give_json(serde_json::to_string(&report), "group report")
    })
}

/// Marks what is addressed to `by`'s side of `conversation` as read at
/// `now_ms` (R-M1; first read wins). `by` is `"account:ID"` or
/// `"staff:ID"`. Audited as `read`.
///
/// Ownership: the strings are read during the call only; nothing to free.
/// Thread-safe. Errors: `PMSG_INVALID_ARGUMENT` (a NULL pointer, not UTF-8,
/// `now_ms` out of range, a malformed `by`), `PMSG_UNKNOWN_CONVERSATION`,
/// `PMSG_NOT_AUTHORIZED` (audited), `PMSG_STORAGE`.
#[no_mangle]
pub extern "C" fn pmsg_read(
    store: *const PmsgStore,
    by: *const c_char,
    conversation: *const c_char,
    now_ms: i64,
) -> PmsgStatus {
    boundary(|| {
        let store = store_of(store)?;
        let by = arg_str(by, "by")?;
        let conversation = arg_str(conversation, "conversation")?;
        store.read(by, conversation, arg_instant(now_ms, "now_ms")?)
    })
}

/// Closes an open conversation at `now_ms` (R-M4): `by` (`"staff:ID"`) must
/// be one of its staff participants. Ends any outstanding required
/// response; there is no reopening. Audited as `close`.
///
/// Ownership: the strings are read during the call only; nothing to free.
/// Thread-safe. Errors: `PMSG_INVALID_ARGUMENT` (a NULL pointer, not UTF-8,
/// `now_ms` out of range, a malformed `by`), `PMSG_UNKNOWN_CONVERSATION`,
/// `PMSG_NOT_AUTHORIZED` (audited; also for an account),
/// `PMSG_CONVERSATION_CLOSED`, `PMSG_STORAGE`.
#[no_mangle]
pub extern "C" fn pmsg_close_conversation(
    store: *const PmsgStore,
    by: *const c_char,
    conversation: *const c_char,
    now_ms: i64,
) -> PmsgStatus {
    boundary(|| {
        let store = store_of(store)?;
        let by = arg_str(by, "by")?;
        let conversation = arg_str(conversation, "conversation")?;
        store.close(by, conversation, arg_instant(now_ms, "now_ms")?)
    })
}

/// Assigns an open conversation at `now_ms` to `to` (SPEC section 17): a
/// workgroup (`"workgroup:ID"`) or a staff member (`"staff:ID"`), with an
/// optional note for colleagues. `by` (`"staff:ID"`) must be one of its
/// staff participants (R-AS1). The conversation's current `from` becomes
/// `to`: later patient replies and their `new_reply` events go there, and
/// the assignee becomes a staff participant (R-AS2). An `assigned` event is
/// due to `to` at once (R-AS3, `message` null, see
/// `pmsg_due_events_json`); staff views list the assignment, patient-side
/// views never do (R-AS4). Audited as `assign`.
///
/// `note` is NULL for no note; otherwise UTF-8 text of at most 2,000
/// characters whose only control characters are LF, CR and TAB, kept
/// exactly as given (`""` is a note).
///
/// Ownership: the strings are read during the call only; nothing to free.
/// Thread-safe. Errors, in this order: `PMSG_INVALID_ARGUMENT` (a NULL
/// pointer other than `note`, a string not UTF-8, `now_ms` out of range, a
/// malformed `by`), `PMSG_UNKNOWN_CONVERSATION`, `PMSG_NOT_AUTHORIZED`
/// (audited; also for an account, R-A1), `PMSG_CONVERSATION_CLOSED`, then
/// `to`: `PMSG_INVALID_ARGUMENT` (neither `workgroup:ID` nor `staff:ID`),
/// `PMSG_UNKNOWN_WORKGROUP`, `PMSG_UNKNOWN_STAFF`, `PMSG_DIRECT_NOT_ACCEPTED`
/// (the staff member takes no direct messages, R-S1); then the note:
/// `PMSG_INVALID_ARGUMENT` (too long, or another control character);
/// `PMSG_STORAGE`. A failed assignment changes nothing (except the audit
/// entry of a refusal).
#[no_mangle]
pub extern "C" fn pmsg_assign(
    store: *const PmsgStore,
    by: *const c_char,
    conversation: *const c_char,
    to: *const c_char,
    note: *const c_char,
    now_ms: i64,
) -> PmsgStatus {
    boundary(|| {
        let store = store_of(store)?;
        let by = arg_str(by, "by")?;
        let conversation = arg_str(conversation, "conversation")?;
        let to = arg_str(to, "to")?;
        let note = arg_opt_str(note, "note")?;
        let now = arg_instant(now_ms, "now_ms")?;
        store.assign(by, conversation, to, note, now)
    })
}

/// Acknowledges a delivered event (R-D5): it is not returned by
/// `pmsg_due_events_json` or claimed by `pmsg_claim_due_events_json` again.
/// Idempotent; acknowledging a cancelled event succeeds; anyone may
/// acknowledge an event, claimed or not (R-D7). Not audited.
///
/// Ownership: `event_id` is read during the call only; nothing to free.
/// Thread-safe (two threads may acknowledge one event). Errors:
/// `PMSG_INVALID_ARGUMENT` (a NULL pointer, not UTF-8, `now_ms` out of
/// range), `PMSG_UNKNOWN_EVENT`, `PMSG_STORAGE`.
#[no_mangle]
pub extern "C" fn pmsg_ack(
    store: *const PmsgStore,
    event_id: *const c_char,
    now_ms: i64,
) -> PmsgStatus {
    boundary(|| {
        let store = store_of(store)?;
        let event_id = arg_str(event_id, "event_id")?;
        store.ack(event_id, arg_instant(now_ms, "now_ms")?)
    })
}

/// The content of attachment `attachment_id` of `conversation`, as `by`
/// downloads it at `now_ms` (R-D6). A first download by the patient side
/// starts the attachment's retention period. Audited as `download`.
///
/// On success `*out_bytes` is a new buffer of `*out_len` bytes (not
/// NUL-terminated; never NULL, even for an empty file): free it with
/// `pmsg_bytes_free(*out_bytes, *out_len)`. The file's name and media type
/// are in `pmsg_view_json`. Thread-safe. Errors: `PMSG_INVALID_ARGUMENT` (a
/// NULL pointer, not UTF-8, `now_ms` out of range, a malformed `by`),
/// `PMSG_UNKNOWN_CONVERSATION`, `PMSG_NOT_AUTHORIZED` (audited),
/// `PMSG_UNKNOWN_ATTACHMENT`, `PMSG_ATTACHMENT_EXPIRED` (purged),
/// `PMSG_STORAGE`. A failed call leaves `*out_bytes` NULL and `*out_len` 0.
#[no_mangle]
pub extern "C" fn pmsg_download(
    store: *const PmsgStore,
    by: *const c_char,
    conversation: *const c_char,
    attachment_id: *const c_char,
    now_ms: i64,
    out_bytes: *mut *mut u8,
    out_len: *mut usize,
) -> PmsgStatus {
    boundary(|| {
        let out_bytes = arg_out(out_bytes, "out_bytes", ptr::null_mut())?;
        let out_len = arg_out(out_len, "out_len", 0)?;
        let store = store_of(store)?;
        let by = arg_str(by, "by")?;
        let conversation = arg_str(conversation, "conversation")?;
        let attachment_id = arg_str(attachment_id, "attachment_id")?;
        let now = arg_instant(now_ms, "now_ms")?;
        let download = store.download(by, conversation, attachment_id, now)?;
        *out_bytes = give_bytes(&download.content)?;
        *out_len = download.content.len();
        Ok(())
    })
}

/// The conversation as `by` sees it at `now_ms` (audited as `view`;
/// viewing does not mark anything read). `*out` is a JSON object:
///
/// `{"id", "subject", "status": "open" | "closed", "patient_emr_id",
/// "patient_name", "awaiting_response": bool, "overdue": bool,
/// "response_due_at": instant or null, "confidential": bool, "messages":
/// [{"id", "side": "staff" | "patient", "sender", "from", "body", "sent_at":
/// instant, "read": bool, "masked": bool, "recipients": [party],
/// "attachments": [{"id", "name", "media_type", "size": bytes, "purged":
/// bool, "purged_at": instant or null}]}], "assignments": [{"by":
/// "staff:ID", "to": "workgroup:ID" | "staff:ID", "note": text or null,
/// "at": instant}]}`
///
/// `confidential` (R-CF1) is shown to every viewer; `assignments` (R-AS4)
/// are oldest first, and always `[]` for a patient-side viewer.
///
/// Instants in JSON are clinic-local RFC 3339 with offset
/// (`2026-03-10T09:00:00-04:00`, R-T1). JSON shapes are stable: keys may
/// be added, never renamed or removed; ignore keys you do not know.
///
/// On success free `*out` with `pmsg_string_free`. Thread-safe. Errors:
/// `PMSG_INVALID_ARGUMENT` (a NULL pointer, not UTF-8, `now_ms` out of
/// range, a malformed `by`), `PMSG_UNKNOWN_CONVERSATION`,
/// `PMSG_NOT_AUTHORIZED` (audited; also a caregiver in a confidential
/// conversation, R-CF3), `PMSG_STORAGE`. A failed call leaves `*out` NULL.
#[no_mangle]
pub extern "C" fn pmsg_view_json(
    store: *const PmsgStore,
    by: *const c_char,
    conversation: *const c_char,
    now_ms: i64,
    out: *mut *mut c_char,
) -> PmsgStatus {
    text_call(store, out, |store| {
        let by = arg_str(by, "by")?;
        let conversation = arg_str(conversation, "conversation")?;
        let view = store.view(by, conversation, arg_instant(now_ms, "now_ms")?)?;
        give_json(serde_json::to_string(&view), "view")
    })
}

/// The pending events due at `now_ms` (R-D5), by due instant then creation
/// order, at most `limit` of them (`-1` for all, `0` for none; another
/// negative value is refused). Deliver each, then `pmsg_ack` it; an event
/// not acknowledged is returned again. `*out` is a JSON array:
///
/// `[{"id", "kind": "new_message" | "new_reply" | "response_overdue" |
/// "unread_reminder" | "assigned", "to": "account:ID" | "staff:ID" |
/// "workgroup:ID", "conversation", "message": id or null, "due_at": instant,
/// "notice": text to send, free of health information}]`
///
/// An `assigned` event (R-AS3) goes to the assignee of `pmsg_assign` and
/// has `"message": null`. This is the peek and single-worker API: it
/// ignores claims (R-D7) and returns claimed events too, and its events
/// never carry claim fields; several workers sharing a store use
/// `pmsg_claim_due_events_json` instead.
///
/// On success free `*out` with `pmsg_string_free`. Thread-safe (two threads
/// may be handed the same event; acknowledging twice is harmless). Errors:
/// `PMSG_INVALID_ARGUMENT` (a NULL pointer, `now_ms` out of range, `limit`
/// below -1), `PMSG_STORAGE`. A failed call leaves `*out` NULL.
#[no_mangle]
pub extern "C" fn pmsg_due_events_json(
    store: *const PmsgStore,
    now_ms: i64,
    limit: i64,
    out: *mut *mut c_char,
) -> PmsgStatus {
    text_call(store, out, |store| {
        let now = arg_instant(now_ms, "now_ms")?;
        let limit = (limit != -1).then_some(limit);
        let mut events = store.due_events(now, limit)?;
        // R-D7: `due_events` never shows claim fields, whatever the core
        // kept on the record.
        for e in &mut events {
            e.claimed_until = None;
        }
        give_json(serde_json::to_string(&events), "events")
    })
}

/// Claims the pending events due at `now_ms` for `worker` (R-D7), for
/// several delivery workers (threads, processes, machines) sharing one
/// store: the events `pmsg_due_events_json` would return, minus those under
/// an unexpired claim (any worker's, this one's included), in the same
/// order, at most `limit` of them (`-1` for all, `0` for none; another
/// negative value is refused). Each returned event is claimed until
/// `claimed_until = now + lease_seconds` (elapsed seconds, not calendar
/// time): until then no claim returns it again; from then on any worker
/// may claim it. Deliver each, then `pmsg_ack` it; an event whose worker
/// died before acknowledging it is claimed again once its lease ends
/// (at-least-once). One call is atomic: two calls never both receive an
/// event within one unexpired claim. Not audited.
///
/// `worker` names the claimant (a non-empty UTF-8 string of at most 200
/// characters without control characters, kept as given); it decides
/// nothing. `lease_seconds` is 1 to 86,400. `*out` is a JSON array of
/// events as `pmsg_due_events_json` gives them, each with one more key:
///
/// `[{"id", "kind", "to", "conversation", "message": id or null, "due_at":
/// instant, "notice", "claimed_until": instant}]`
///
/// On success free `*out` with `pmsg_string_free`. Thread-safe. Errors, in
/// this order: `PMSG_INVALID_ARGUMENT` (a NULL pointer, `worker` not UTF-8,
/// `now_ms` out of range; then, R-D7, `worker` empty, longer than 200
/// characters or holding a control character, `limit` below -1,
/// `lease_seconds` outside 1..=86400), `PMSG_STORAGE`. A failed call claims
/// nothing and leaves `*out` NULL.
#[no_mangle]
pub extern "C" fn pmsg_claim_due_events_json(
    store: *const PmsgStore,
    worker: *const c_char,
    now_ms: i64,
    limit: i64,
    lease_seconds: i64,
    out: *mut *mut c_char,
) -> PmsgStatus {
    text_call(store, out, |store| {
        let worker = arg_str(worker, "worker")?;
        let now = arg_instant(now_ms, "now_ms")?;
        let limit = (limit != -1).then_some(limit);
        let events = store.claim_due_events(worker, now, limit, lease_seconds)?;
        give_json(serde_json::to_string(&events), "claimed events")
    })
}

/// One page of a folder (SPEC section 7) for `by` (`"staff:ID"` or
/// `"account:ID"`) at `now_ms`: `folder` is `"inbox"`, `"sent"`,
/// `"awaiting_response"` or `"closed"` (accounts: `inbox` and
/// `awaiting_response` only). `cursor` is NULL for the first page, then the
/// previous page's `next_cursor`; `page_size` 0 means the default (50),
/// else 1-1000. Not audited. `*out` is a JSON object:
///
/// `{"entries": [{"conversation", "subject", "last_activity": instant,
/// "unread": bool, "awaiting_response": bool, "overdue": bool,
/// "response_due_at": instant or null, "status": "open" | "closed",
/// "patient_emr_id", "patient_name"}], "next_cursor": string or null}`
///
/// On success free `*out` with `pmsg_string_free`. Thread-safe. Errors:
/// `PMSG_INVALID_ARGUMENT` (a NULL pointer other than `cursor`, not UTF-8,
/// `now_ms` out of range, a malformed `by`, an unknown folder, a staff
/// folder for an account, a malformed cursor, `page_size` above 1000),
/// `PMSG_UNKNOWN_STAFF`, `PMSG_UNKNOWN_ACCOUNT`, `PMSG_STORAGE`. A failed
/// call leaves `*out` NULL.
#[no_mangle]
pub extern "C" fn pmsg_folder_json(
    store: *const PmsgStore,
    by: *const c_char,
    folder: *const c_char,
    cursor: *const c_char,
    page_size: u32,
    now_ms: i64,
    out: *mut *mut c_char,
) -> PmsgStatus {
    text_call(store, out, |store| {
        let by = arg_str(by, "by")?;
        let folder = arg_str(folder, "folder")?;
        let cursor = arg_opt_str(cursor, "cursor")?;
        let page_size = (page_size != 0).then_some(page_size);
        let now = arg_instant(now_ms, "now_ms")?;
        let page = store.folder(by, folder, cursor, page_size, now)?;
        give_json(serde_json::to_string(&page), "folder page")
    })
}

/// Finds patients by EMR ID (exact) or last-name prefix, case- and
/// accent-insensitively (R-R1), at most 50, each with where a message sent
/// at `now_ms` would be delivered. Not audited. `*out` is a JSON array:
///
/// `[{"emr_id", "first_name", "last_name", "date_of_birth", "deliver_to":
/// [party], "unreachable_reason": string or null, "confidential_deliver_to":
/// [party]}]`
///
/// `confidential_deliver_to` is where a confidential message
/// (`"confidential": true`, SPEC section 18) would go: `["account:ID"]` when
/// the patient has a registered account of their own, else `[]` (R-CF4).
///
/// On success free `*out` with `pmsg_string_free`. Thread-safe. Errors:
/// `PMSG_INVALID_ARGUMENT` (a NULL pointer, not UTF-8, `now_ms` out of
/// range, a query empty after trimming or folding), `PMSG_STORAGE`. A
/// failed call leaves `*out` NULL.
#[no_mangle]
pub extern "C" fn pmsg_search_json(
    store: *const PmsgStore,
    query: *const c_char,
    now_ms: i64,
    out: *mut *mut c_char,
) -> PmsgStatus {
    text_call(store, out, |store| {
        let query = arg_str(query, "query")?;
        let matches = store.search(query, arg_instant(now_ms, "now_ms")?)?;
        give_json(serde_json::to_string(&matches), "search results")
    })
}

/// Deletes for good the content of every attachment whose retention ended
/// by `now_ms` (R-D6); their metadata stays. Each purge is audited (actor
/// `system`). `*out` is a JSON array of what was purged, in conversation,
/// message, attachment order:
///
/// `[{"conversation", "message", "attachment", "name"}]`
///
/// On success free `*out` with `pmsg_string_free`. Thread-safe. Errors:
/// `PMSG_INVALID_ARGUMENT` (a NULL pointer, `now_ms` out of range),
/// `PMSG_STORAGE`. A failed call purges nothing and leaves `*out` NULL.
#[no_mangle]
pub extern "C" fn pmsg_purge_json(
    store: *const PmsgStore,
    now_ms: i64,
    out: *mut *mut c_char,
) -> PmsgStatus {
    text_call(store, out, |store| {
        let purged = store.purge(arg_instant(now_ms, "now_ms")?)?;
        give_json(serde_json::to_string(&purged), "purged attachments")
    })
}

/// A billing cycle's report (R-B3): `cycle` is an id of the configured
/// kind (`"2026-03"`, `"2026-03-1"` or `"2026-W10"`). `*out` is a JSON
/// object:
///
/// `{"cycle", "entries": [{"fee_code", "author", "patient", "conversation",
/// "message", "sent_at": instant}], "totals": [{"author", "fee_code",
/// "count"}]}`
///
/// On success free `*out` with `pmsg_string_free`. Thread-safe. Errors:
/// `PMSG_INVALID_ARGUMENT` (a NULL pointer, not UTF-8, a malformed cycle
/// id or one of another kind), `PMSG_STORAGE`. A failed call leaves `*out`
/// NULL.
#[no_mangle]
pub extern "C" fn pmsg_billing_report_json(
    store: *const PmsgStore,
    cycle: *const c_char,
    out: *mut *mut c_char,
) -> PmsgStatus {
    text_call(store, out, |store| {
        let report = store.billing_report(arg_str(cycle, "cycle")?)?;
        give_json(serde_json::to_string(&report), "billing report")
    })
}

/// The same report as `pmsg_billing_report_json`, as RFC 4180 CSV (UTF-8).
///
/// On success free `*out` with `pmsg_string_free`. Thread-safe. Errors: as
/// `pmsg_billing_report_json`, and `PMSG_INTERNAL` should the report hold
/// U+0000. A failed call leaves `*out` NULL.
#[no_mangle]
pub extern "C" fn pmsg_billing_report_csv(
    store: *const PmsgStore,
    cycle: *const c_char,
    out: *mut *mut c_char,
) -> PmsgStatus {
    text_call(store, out, |store| {
        let csv = store.billing_report_csv(arg_str(cycle, "cycle")?)?;
        give_string(csv, "billing CSV")
    })
}

/// The chart document of `conversation` (R-C1 to R-C3), for staff `by`
/// (`"staff:ID"`) who can see it, at `now_ms`: `format` `"text"` (plain
/// UTF-8 text) or `"fhir"` (an HL7 FHIR R4 `Bundle`, JSON). Deterministic:
/// the same state renders the same bytes. Audited as `export`.
///
/// On success free `*out` with `pmsg_string_free`. Thread-safe. Errors:
/// `PMSG_INVALID_ARGUMENT` (a NULL pointer, not UTF-8, `now_ms` out of
/// range, a malformed `by`, an unknown format), `PMSG_UNKNOWN_CONVERSATION`,
/// `PMSG_NOT_AUTHORIZED` (audited; also for an account), `PMSG_STORAGE`,
/// and `PMSG_INTERNAL` should the text hold U+0000 (the `fhir` format
/// escapes it). A failed call leaves `*out` NULL.
#[no_mangle]
pub extern "C" fn pmsg_export_chart(
    store: *const PmsgStore,
    by: *const c_char,
    conversation: *const c_char,
    format: *const c_char,
    now_ms: i64,
    out: *mut *mut c_char,
) -> PmsgStatus {
    text_call(store, out, |store| {
        let by = arg_str(by, "by")?;
        let conversation = arg_str(conversation, "conversation")?;
        let format = arg_str(format, "format")?;
        let now = arg_instant(now_ms, "now_ms")?;
        let document = store.export_chart(by, conversation, format, now)?;
        give_string(document, "chart document")
    })
}

/// The last `count` audit entries (R-AU1), oldest first. `*out` is a JSON
/// array:
///
/// `[{"seq": number from 1, "at": instant, "actor": "staff:ID" |
/// "account:ID" | "system", "action": "send" | "reply" | "read" | "view" |
/// "download" | "export" | "close" | "purge" | "assign" | "group_report" |
/// "refused", "conversation": id or null, "message": id or null, "hash":
/// hex SHA-256}]`
///
/// `group_report` entries, and the refusal of a group report, have no
/// conversation (R-G5).
///
/// On success free `*out` with `pmsg_string_free`. Thread-safe. Errors:
/// `PMSG_INVALID_ARGUMENT` (a NULL pointer, a negative `count`),
/// `PMSG_STORAGE`. A failed call leaves `*out` NULL.
#[no_mangle]
pub extern "C" fn pmsg_audit_tail_json(
    store: *const PmsgStore,
    count: i64,
    out: *mut *mut c_char,
) -> PmsgStatus {
    text_call(store, out, |store| {
        let entries = store.audit_tail(count)?;
        give_json(serde_json::to_string(&entries), "audit entries")
    })
}

/// Verifies the whole audit hash chain (R-AU1). `*out` is a JSON object:
///
/// `{"ok": bool, "entries": entries verified, "first_broken": seq or null,
/// "problem": string or null}`
///
/// A broken chain is a result (`"ok": false`), not an error. On success
/// free `*out` with `pmsg_string_free`. Thread-safe. Errors:
/// `PMSG_INVALID_ARGUMENT` (a NULL pointer), `PMSG_STORAGE`. A failed call
/// leaves `*out` NULL.
#[no_mangle]
pub extern "C" fn pmsg_verify_audit_json(
    store: *const PmsgStore,
    out: *mut *mut c_char,
) -> PmsgStatus {
    text_call(store, out, |store| {
        let verification = store.verify_audit()?;
        give_json(serde_json::to_string(&verification), "audit verification")
    })
}
