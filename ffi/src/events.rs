//! `pmsg_events`: the due events (R-D5) and the claimed events (R-D7) as a
//! typed result, read with the `pmsg_events_*` accessors.

use crate::boundary::{arg_instant, arg_out, arg_str, boundary, boundary_void};
use crate::lend::{self, nth, Lends, Text, Texts};
use crate::memory::free_box;
use crate::status::PmsgStatus;
use crate::store::{store_of, PmsgStore};
use pmsg_core::{Error, Event, EventKind};
use std::ffi::{c_char, CStr};
use std::ptr;

/// Events for the host to deliver: the result of `pmsg_events_due` or
/// `pmsg_events_claim`. Opaque: read it with the `pmsg_events_*`
/// accessors (the count, then each field of each event by index), free it
/// with `pmsg_events_free`. Read-only, so any number of threads may read
/// one at once.
pub struct PmsgEvents {
    texts: Texts,
    items: Vec<EventRow>,
}

#[derive(Debug)]
struct EventRow {
    id: Text,
    kind: Text,
    to: Text,
    conversation: Text,
    message: Text,
    due_at: Text,
    notice: Text,
    claimed_until: Text,
}

impl Lends for PmsgEvents {
    const ARG: &'static str = "events";
    fn texts(&self) -> &Texts {
        &self.texts
    }
}

fn kind(k: EventKind) -> &'static CStr {
    match k {
        EventKind::NewMessage => c"new_message",
        EventKind::NewReply => c"new_reply",
        EventKind::ResponseOverdue => c"response_overdue",
        EventKind::UnreadReminder => c"unread_reminder",
        EventKind::Assigned => c"assigned",
    }
}

impl PmsgEvents {
    /// The handle of `events`; `claims` keeps their `claimed_until`
    /// (R-D7: only a claim shows it).
    fn new(events: &[Event], claims: bool) -> PmsgEvents {
        let bytes: usize = events
            .iter()
            .map(|e| {
                e.id.len()
                    + e.to.len()
                    + e.conversation.len()
                    + e.message.as_ref().map_or(0, String::len)
                    + e.due_at.len()
                    + e.notice.len()
                    + e.claimed_until.as_ref().map_or(0, String::len)
            })
            .sum();
        let mut texts = Texts::with_capacity(bytes, 7 * events.len());
        let items = events
            .iter()
            .map(|e| EventRow {
                id: texts.put(&e.id, "event id"),
                kind: Text::Static(kind(e.kind)),
                to: texts.put(&e.to, "event recipient"),
                conversation: texts.put(&e.conversation, "event conversation"),
                message: texts.opt(e.message.as_deref(), "event message"),
                due_at: texts.put(&e.due_at, "event due instant"),
                notice: texts.put(&e.notice, "event notice"),
                claimed_until: if claims {
                    texts.opt(e.claimed_until.as_deref(), "event claim")
                } else {
                    Text::Null
                },
            })
            .collect();
        PmsgEvents { texts, items }
    }
}

fn give(out: &mut *mut PmsgEvents, events: &[Event], claims: bool) {
    *out = Box::into_raw(Box::new(PmsgEvents::new(events, claims)));
}

/// The pending events due at `now_ms` (R-D5), as `pmsg_due_events_json`
/// gives them, as a typed result: by due instant then creation order, at
/// most `limit` of them (`-1` for all, `0` for none; another negative value
/// is refused). Deliver each, then `pmsg_ack` it; an event not acknowledged
/// is returned again. This is the peek and single-worker API: it ignores
/// claims (R-D7), and its events have no `claimed_until` (NULL).
///
/// On success `*out` is a new handle: read it with `pmsg_events_count` and
/// the `pmsg_events_*` accessors, free it with `pmsg_events_free`.
/// Thread-safe. Errors: `PMSG_INVALID_ARGUMENT` (a NULL pointer, `now_ms`
/// out of range, `limit` below -1), `PMSG_STORAGE`. A failed call leaves
/// `*out` NULL.
#[no_mangle]
pub extern "C" fn pmsg_events_due(
    store: *const PmsgStore,
    now_ms: i64,
    limit: i64,
    out: *mut *mut PmsgEvents,
) -> PmsgStatus {
    boundary(|| {
        let out = arg_out(out, "out", ptr::null_mut())?;
        let store = store_of(store)?;
        let now = arg_instant(now_ms, "now_ms")?;
        let events = store.due_events(now, (limit != -1).then_some(limit))?;
        give(out, &events, false);
        Ok(())
    })
}

/// Claims the pending events due at `now_ms` for `worker` (R-D7), as
/// `pmsg_claim_due_events_json` does, and returns them as a typed result:
/// each with its `claimed_until` (`now + lease_seconds`). Arguments, order
/// of checks and errors as `pmsg_claim_due_events_json`.
///
/// On success `*out` is a new handle: free it with `pmsg_events_free`.
/// Thread-safe; one call is atomic. A failed call claims nothing and
/// leaves `*out` NULL.
#[no_mangle]
pub extern "C" fn pmsg_events_claim(
    store: *const PmsgStore,
    worker: *const c_char,
    now_ms: i64,
    limit: i64,
    lease_seconds: i64,
    out: *mut *mut PmsgEvents,
) -> PmsgStatus {
    boundary(|| {
        let out = arg_out(out, "out", ptr::null_mut())?;
        let store = store_of(store)?;
        let worker = arg_str(worker, "worker")?;
        let now = arg_instant(now_ms, "now_ms")?;
        let limit = (limit != -1).then_some(limit);
        let events = store.claim_due_events(worker, now, limit, lease_seconds)?;
        give(out, &events, true);
        Ok(())
    })
}

fn event(events: &PmsgEvents, index: usize) -> Result<&EventRow, Error> {
    nth(&events.items, index, "index", "events")
}

/// How many events `events` holds (each accessor below takes an `index`
/// below it).
///
/// Errors: `PMSG_INVALID_ARGUMENT` (NULL `events` or `out`). As everywhere,
/// a failed call leaves `*out` 0.
#[no_mangle]
pub extern "C" fn pmsg_events_count(events: *const PmsgEvents, out: *mut usize) -> PmsgStatus {
    lend::value(events, out, |e| Ok(e.items.len()))
}

/// The event's id, for `pmsg_ack`.
///
/// `*out` is borrowed from `events`: valid until `pmsg_events_free`; do
/// not free it. Errors: `PMSG_INVALID_ARGUMENT` (NULL `events` or `out`,
/// `index` not below the count). A failed call leaves `*out` NULL.
#[no_mangle]
pub extern "C" fn pmsg_events_id(
    events: *const PmsgEvents,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(events, out, |e| Ok(event(e, index)?.id))
}

/// The event's kind: `"new_message"`, `"new_reply"`, `"response_overdue"`,
/// `"unread_reminder"` or `"assigned"` (a static string).
///
/// Errors as `pmsg_events_id`.
#[no_mangle]
pub extern "C" fn pmsg_events_kind(
    events: *const PmsgEvents,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(events, out, |e| Ok(event(e, index)?.kind))
}

/// The party to notify: `"account:ID"`, `"staff:ID"` or `"workgroup:ID"`.
///
/// Borrowed, valid until `pmsg_events_free`. Errors as `pmsg_events_id`.
#[no_mangle]
pub extern "C" fn pmsg_events_to(
    events: *const PmsgEvents,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(events, out, |e| Ok(event(e, index)?.to))
}

/// The conversation the event is about.
///
/// Borrowed, valid until `pmsg_events_free`. Errors as `pmsg_events_id`.
#[no_mangle]
pub extern "C" fn pmsg_events_conversation(
    events: *const PmsgEvents,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(events, out, |e| Ok(event(e, index)?.conversation))
}

/// The message the event is about; NULL (with `PMSG_OK`) when none applies
/// (an `assigned` event, R-AS3).
///
/// Borrowed, valid until `pmsg_events_free`. Errors as `pmsg_events_id`.
#[no_mangle]
pub extern "C" fn pmsg_events_message(
    events: *const PmsgEvents,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(events, out, |e| Ok(event(e, index)?.message))
}

/// When the event fell due: a clinic-local RFC 3339 instant with offset
/// (R-T1).
///
/// Borrowed, valid until `pmsg_events_free`. Errors as `pmsg_events_id`.
#[no_mangle]
pub extern "C" fn pmsg_events_due_at(
    events: *const PmsgEvents,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(events, out, |e| Ok(event(e, index)?.due_at))
}

/// The notice text to send: free of health information (no subject, body,
/// names or file names).
///
/// Borrowed, valid until `pmsg_events_free`. Errors as `pmsg_events_id`.
#[no_mangle]
pub extern "C" fn pmsg_events_notice(
    events: *const PmsgEvents,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(events, out, |e| Ok(event(e, index)?.notice))
}

/// For an event of `pmsg_events_claim`: the end of its claim, a
/// clinic-local RFC 3339 instant (R-D7). NULL (with `PMSG_OK`) for an
/// event of `pmsg_events_due`, which never shows claims.
///
/// Borrowed, valid until `pmsg_events_free`. Errors as `pmsg_events_id`.
#[no_mangle]
pub extern "C" fn pmsg_events_claimed_until(
    events: *const PmsgEvents,
    index: usize,
    out: *mut *const c_char,
) -> PmsgStatus {
    lend::text(events, out, |e| Ok(event(e, index)?.claimed_until))
}

/// Frees `events` and every string borrowed from it. `pmsg_events_free(NULL)`
/// does nothing. Call it once, after every thread has finished reading.
/// Never fails.
#[no_mangle]
pub extern "C" fn pmsg_events_free(events: *mut PmsgEvents) {
    boundary_void(|| free_box(events))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lend::testing::{number, read, refused};

    fn event(n: u32, message: Option<&str>) -> Event {
        Event {
            id: format!("ev-{n}"),
            kind: EventKind::UnreadReminder,
            to: format!("staff:s-{n}"),
            conversation: format!("c-{n}"),
            message: message.map(str::to_string),
            due_at: "2026-03-10T09:00:00-04:00".into(),
            notice: format!("notice {n}"),
            claimed_until: Some("2026-03-10T09:01:00-04:00".into()),
        }
    }

    #[test]
    fn each_accessor_lends_its_own_field() {
        let list = [event(1, Some("m-1")), event(2, None)];
        let h = &PmsgEvents::new(&list, true) as *const PmsgEvents;
        assert_eq!(number(|o| pmsg_events_count(h, o)), 2);
        assert_eq!(read(|o| pmsg_events_id(h, 1, o)).unwrap(), "ev-2");
        assert_eq!(
            read(|o| pmsg_events_kind(h, 0, o)).unwrap(),
            "unread_reminder"
        );
        assert_eq!(read(|o| pmsg_events_to(h, 0, o)).unwrap(), "staff:s-1");
        assert_eq!(read(|o| pmsg_events_conversation(h, 1, o)).unwrap(), "c-2");
        assert_eq!(read(|o| pmsg_events_message(h, 0, o)).unwrap(), "m-1");
        assert_eq!(read(|o| pmsg_events_message(h, 1, o)), None);
        assert_eq!(
            read(|o| pmsg_events_due_at(h, 0, o)).unwrap(),
            "2026-03-10T09:00:00-04:00"
        );
        assert_eq!(read(|o| pmsg_events_notice(h, 1, o)).unwrap(), "notice 2");
        assert_eq!(
            read(|o| pmsg_events_claimed_until(h, 1, o)).unwrap(),
            "2026-03-10T09:01:00-04:00"
        );
        let (status, message) = refused(|o| pmsg_events_id(h, 2, o));
        assert_eq!(status, PmsgStatus::PMSG_INVALID_ARGUMENT);
        assert!(
            message.contains("`index` = 2 is out of range (2 events)"),
            "{message}"
        );
        let (status, message) = refused(|o| pmsg_events_id(ptr::null(), 0, o));
        assert_eq!(status, PmsgStatus::PMSG_INVALID_ARGUMENT);
        assert!(message.contains("`events` is NULL"), "{message}");
    }

    #[test]
    fn due_events_never_show_a_claim() {
        let list = [event(1, None)];
        let h = &PmsgEvents::new(&list, false) as *const PmsgEvents;
        assert_eq!(read(|o| pmsg_events_claimed_until(h, 0, o)), None);
    }

    #[test]
    fn a_field_holding_nul_fails_alone() {
        let mut e = event(1, None);
        e.notice = "a\0b".into();
        let list = [e];
        let h = &PmsgEvents::new(&list, false) as *const PmsgEvents;
        let (status, message) = refused(|o| pmsg_events_notice(h, 0, o));
        assert_eq!(status, PmsgStatus::PMSG_INTERNAL);
        assert!(message.contains("event notice contains a NUL"), "{message}");
        assert_eq!(read(|o| pmsg_events_id(h, 0, o)).unwrap(), "ev-1");
    }
}
