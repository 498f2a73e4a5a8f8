//! Events (SPEC R-D1…R-D5): the notices pmsg schedules and the host
//! delivers, at least once, then acknowledges. A notice never carries
//! health information: only that something waits in the Portal.

use crate::deadline;
use crate::error::{Error, Result};
use crate::from_ms;
use crate::model::{Event, EventKind};
use crate::store::{EventRow, NewEvent};
use chrono_tz::Tz;

/// The notice text of each kind: no subject, body, names or file names (R-D1).
pub fn notice(kind: EventKind) -> &'static str {
    match kind {
        EventKind::NewMessage => {
            "You have a new secure message in the Portal. Please log in to read it."
        }
        EventKind::NewReply => {
            "A patient has replied to a secure message. Please log in to read it."
        }
        EventKind::ResponseOverdue => {
            "A secure message in the Portal is waiting for your reply. Please log in to respond."
        }
        EventKind::UnreadReminder => "A secure message sent to a patient has not been read yet.",
        EventKind::Assigned => {
            "A secure-message conversation has been assigned to you and waits in the Portal. \
             Please log in to see it."
        }
    }
}

/// Reads a stored kind.
pub(crate) fn parse_kind(s: &str) -> EventKind {
    match s {
        "new_message" => EventKind::NewMessage,
        "new_reply" => EventKind::NewReply,
        "response_overdue" => EventKind::ResponseOverdue,
        "assigned" => EventKind::Assigned,
        _ => EventKind::UnreadReminder,
    }
}

/// An event as the API shows it; `claimed_until` only from a claim (R-D7).
pub(crate) fn shown(e: EventRow, zone: Tz, claimed_until: Option<i64>) -> Event {
    let kind = parse_kind(&e.kind);
    Event {
        id: e.id,
        kind,
        to: e.recipient,
        conversation: e.conversation_id,
        message: e.message_id,
        due_at: deadline::format_local(from_ms(e.due_at), zone),
        notice: notice(kind).to_string(),
        claimed_until: claimed_until.map(|t| deadline::format_local(from_ms(t), zone)),
    }
}

/// §15 "Event limit" (R-D5, R-D7): `None` is every due event, `0` none, a
/// negative limit is `invalid_argument`.
pub(crate) fn check_limit(limit: Option<i64>) -> Result<Option<u64>> {
    match limit {
        None => Ok(None),
        Some(n) if n < 0 => Err(Error::InvalidArgument(format!(
            "event limit {n} is negative (R-D5)"
        ))),
        Some(n) => Ok(Some(n as u64)),
    }
}

/// The events one operation creates, put in creation order: by recipient
/// party (R-D5: `account:…` < `staff:…` < `workgroup:…`), stable otherwise.
pub(crate) fn in_creation_order(mut events: Vec<NewEvent>) -> Vec<NewEvent> {
    events.sort_by(|a, b| a.recipient.cmp(&b.recipient));
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_carry_no_health_information() {
        for k in [
            EventKind::NewMessage,
            EventKind::NewReply,
            EventKind::ResponseOverdue,
            EventKind::UnreadReminder,
            EventKind::Assigned,
        ] {
            let n = notice(k);
            assert!(n.contains("Portal") || n.contains("secure message"), "{n}");
            assert!(!n.contains('{'), "no placeholders to fill with PHI: {n}");
        }
    }

    #[test]
    fn one_operation_orders_its_events_by_recipient() {
        let ev = |r: &str| NewEvent {
            id: r.into(),
            kind: "new_message",
            recipient: r.into(),
            message_seq: None,
            due_at: 0,
        };
        let out = in_creation_order(vec![
            ev("workgroup:w"),
            ev("staff:s"),
            ev("account:b"),
            ev("account:a"),
        ]);
        let order: Vec<_> = out.iter().map(|e| e.recipient.as_str()).collect();
        assert_eq!(order, ["account:a", "account:b", "staff:s", "workgroup:w"]);
    }
}
