//! Assignment (SPEC §17, R-AS1…R-AS4): a staff participant hands a
//! conversation on to a workgroup or a staff member, with a note for
//! colleagues. The assignee becomes the conversation's current `from`
//! (patient replies and their `new_reply` go there; a staff reply without
//! `from` defaults to it, R-M2, R-M3) and a staff participant (R-M0).
//! Assignments are staff-only: patient-side views, account folders and
//! events, and the chart document never show them.

use crate::audit;
use crate::config::Settings;
use crate::deadline;
use crate::error::{Error, Result};
use crate::messaging::open_conversation;
use crate::model::{Assignment, EventKind};
use crate::store::{ConvRow, NewEvent, Tx};
use crate::{from_ms, ms, new_id};
use chrono::{DateTime, Utc};

/// Longest note, in Unicode scalar values (R-AS1).
pub const MAX_NOTE_CHARS: usize = 2_000;

/// R-AS1…R-AS4: assigns the conversation to `to` (`workgroup:ID` or
/// `staff:ID`). Checks in order: `by`, the conversation, access (staff
/// participants; an account is refused and audited, as for `close`),
/// `conversation_closed`, `to`, then the note.
pub(crate) fn assign(
    tx: &Tx,
    by: &str,
    conversation: &str,
    to: &str,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    let (actor, conv) = open_conversation(tx, by, conversation, "assign", true, now)?;
    if conv.closed {
        return Err(Error::ConversationClosed(conv.id));
    }
    let assignee = check_assignee(tx, to)?;
    if let Some(note) = note {
        check_note(note)?;
    }
    let at = ms(now);
    tx.insert_assignment(conv.seq, &actor.party(), &assignee, note, at)?;
    // R-AS2: the current `from` becomes the assignee, who becomes a staff
    // participant; earlier messages keep their own `from`.
    tx.set_current_from(conv.seq, &assignee)?;
    tx.insert_party(conv.seq, &assignee, "assigned")?;
    // R-AS3: one event to the assignee, no message, due now, never cancelled.
    tx.insert_event(
        conv.seq,
        &NewEvent {
            id: new_id(now),
            kind: EventKind::Assigned.as_str(),
            recipient: assignee,
            message_seq: None,
            due_at: at,
        },
    )?;
    audit::append(tx, at, &actor.party(), "assign", Some(&conv.id), None)
}

/// R-AS1: `workgroup:W` (in the directory) or `staff:S` (in the directory
/// and accepting direct messages, since patient replies would then reach S
/// directly, R-S1); anything else is `invalid_argument`.
fn check_assignee(tx: &Tx, to: &str) -> Result<String> {
    match to.split_once(':') {
        Some(("workgroup", w)) if !w.is_empty() => {
            if tx.workgroup_name(w)?.is_none() {
                return Err(Error::UnknownWorkgroup(w.to_string()));
            }
        }
        Some(("staff", id)) if !id.is_empty() => {
            let staff = tx
                .staff(id)?
                .ok_or_else(|| Error::UnknownStaff(id.to_string()))?;
            if !staff.accepts_direct {
                return Err(Error::DirectNotAccepted { staff: staff.id });
            }
        }
        _ => {
            return Err(Error::InvalidArgument(format!(
                "assignee {to:?} is not workgroup:ID or staff:ID (R-AS1)"
            )))
        }
    }
    Ok(to.to_string())
}

/// R-AS1: a note is kept exactly as given (`""` is a note): at most 2,000
/// characters whose only control characters are LF, CR and TAB.
fn check_note(note: &str) -> Result<()> {
    let n = note.chars().count();
    if n > MAX_NOTE_CHARS {
        return Err(Error::InvalidArgument(format!(
            "the assignment note has {n} characters, at most {MAX_NOTE_CHARS} are allowed (R-AS1)"
        )));
    }
    if let Some(c) = note
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(Error::InvalidArgument(format!(
            "the assignment note contains control character U+{:04X}; only LF, CR and TAB are allowed (R-AS1)",
            c as u32
        )));
    }
    Ok(())
}

/// R-AS4: the assignments a view shows, oldest first; none for the
/// patient side, which never sees an assignment or its note.
pub(crate) fn shown(
    tx: &Tx,
    s: &Settings,
    conv: &ConvRow,
    patient_side: bool,
) -> Result<Vec<Assignment>> {
    if patient_side {
        return Ok(Vec::new());
    }
    Ok(tx
        .assignments(conv.seq)?
        .into_iter()
        .map(|a| Assignment {
            by: a.by_party,
            to: a.to_party,
            note: a.note,
            at: deadline::format_local(from_ms(a.at), s.zone),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_allow_line_breaks_and_tabs_only_and_count_scalar_values() {
        assert!(check_note("").is_ok());
        assert!(check_note("a\r\n\tb").is_ok());
        assert!(check_note(&"é".repeat(MAX_NOTE_CHARS)).is_ok());
        for bad in ["call\u{7}back", "x\u{0}", "\u{85}"] {
            assert_eq!(check_note(bad).unwrap_err().code(), "invalid_argument");
        }
        assert_eq!(
            check_note(&"x".repeat(MAX_NOTE_CHARS + 1))
                .unwrap_err()
                .code(),
            "invalid_argument"
        );
    }
}
