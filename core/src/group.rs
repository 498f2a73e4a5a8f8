//! Group communications (SPEC §16, R-G1…R-G5): one composition sent to
//! many patients, each in a conversation of their own, in one transaction.
//!
//! The shared checks run once for the whole group (R-G2); then each
//! patient is routed and, when reachable, gets a conversation through the
//! very path a single send takes (`messaging::start_conversation`): its
//! own ids, attachments, deliveries, events, billing entry, `send` audit
//! entry and folder entries, in list order. The group itself (author,
//! `from`, list, outcome) is stored and never changes; `report` reads the
//! conversations' state at each call.

use crate::audit;
use crate::compose::{self, malformed_at, StaffFields};
use crate::config::Settings;
use crate::error::{Error, Result};
use crate::folding;
use crate::messaging::{self, FirstMessage};
use crate::model::*;
use crate::party::Actor;
use crate::routing::Route;
use crate::store::{GroupEntryRow, Tx};
use crate::{ms, new_id};
use chrono::{DateTime, Utc};
use std::collections::HashSet;

/// R-G1…R-G4: the group send, inside the caller's transaction. A failure
/// (any check, or no reachable patient) records nothing.
pub(crate) fn send(
    tx: &Tx,
    s: &Settings,
    req: &GroupSendRequest,
    now: DateTime<Utc>,
) -> Result<GroupSendOutcome> {
    // R-G2, in order: author, from, confidential, the list, the fields.
    let (author, from_party) =
        messaging::check_author_and_from(tx, &req.author, req.from.as_ref(), &req.malformed)?;
    malformed_at(&req.malformed, Field::Confidential)?;
    check_list(&req.patients, &req.malformed, s.max_group_size)?;
    let opts = compose::check_staff_fields(
        &StaffFields {
            subject: Some(&req.subject),
            body: &req.body,
            attachments: &req.attachments,
            unread_notify: req.unread_notify,
            response: req.response,
            allow_reply_attachments: req.allow_reply_attachments,
            mask_name: req.mask_name,
            fee_code: req.billable_fee_code.as_deref(),
            file_to_chart: req.file_to_chart,
            malformed: &req.malformed,
        },
        s,
    )?;
    if opts.file_to_chart {
        // R-G1: a chart document is one conversation's; last, at its place.
        return Err(Error::InvalidOptions(
            "file_to_chart is not available in a group send: export each conversation \
             afterwards (R-G1, R-C1)"
                .into(),
        ));
    }
    let first = FirstMessage {
        subject: &req.subject,
        body: &req.body,
        attachments: &req.attachments,
        opts: &opts,
        confidential: req.confidential,
    };
    // R-G3: each patient in list order (repeats dropped, R-G2).
    let mut entries = Vec::new();
    let mut stored = Vec::new();
    let mut skips = Vec::new();
    for (emr_id, key) in distinct(&req.patients) {
        let skip = |code: &str, why: String, skips: &mut Vec<String>| {
            skips.push(format!("{emr_id:?}: {why}"));
            (
                GroupSendEntry {
                    emr_id: emr_id.to_string(),
                    conversation_id: None,
                    message_id: None,
                    delivered_to: Vec::new(),
                    status: None,
                    attachments: Vec::new(),
                    skipped: Some(code.to_string()),
                },
                GroupEntryRow {
                    emr_id: emr_id.to_string(),
                    conversation_seq: None,
                    message_seq: None,
                    skipped: Some(code.to_string()),
                },
            )
        };
        let Some(patient) = tx.patient(&key)? else {
            let (e, r) = skip(
                "unknown_patient",
                "not in the directory (R-R4)".into(),
                &mut skips,
            );
            entries.push(e);
            stored.push(r);
            continue;
        };
        let to = match messaging::route(tx, s, &patient, req.confidential, now)? {
            Route::Deliver(to) => to,
            Route::Unreachable(why) => {
                let (e, r) = skip("recipient_not_reachable", why, &mut skips);
                entries.push(e);
                stored.push(r);
                continue;
            }
        };
        let started =
            messaging::start_conversation(tx, s, &author, &from_party, &patient, to, &first, now)?;
        let out = started.outcome;
        stored.push(GroupEntryRow {
            emr_id: emr_id.to_string(),
            conversation_seq: Some(started.conversation_seq),
            message_seq: Some(started.message_seq),
            skipped: None,
        });
        entries.push(GroupSendEntry {
            emr_id: emr_id.to_string(),
            conversation_id: Some(out.conversation_id),
            message_id: Some(out.message_id),
            delivered_to: out.delivered_to,
            status: Some(out.status),
            attachments: out.attachments,
            skipped: None,
        });
    }
    if entries.iter().all(|e| e.skipped.is_some()) {
        // R-G3: nobody reachable; the caller rolls everything back.
        let names: Vec<&str> = entries.iter().map(|e| e.emr_id.as_str()).collect();
        return Err(Error::RecipientNotReachable {
            emr_id: names.join(", "),
            why: format!(
                "no patient of the group send can be reached, so nothing was sent (R-G3): {}",
                skips.join("; ")
            ),
        });
    }
    let group_id = new_id(now);
    let group_seq = tx.insert_group(&group_id, &author.id, &from_party, ms(now))?;
    for (i, row) in stored.iter().enumerate() {
        tx.insert_group_entry(group_seq, i as i64, row)?;
    }
    Ok(GroupSendOutcome { group_id, entries })
}

/// R-G2: the patient list: readable (else its malformed entry), not empty,
/// at most `max_group_size` entries as given (repeats included).
fn check_list(patients: &[String], malformed: &[Malformed], max: u32) -> Result<()> {
    malformed_at(malformed, Field::Patients)?;
    if patients.is_empty() {
        return Err(Error::InvalidArgument(
            "the group's patient list is empty (R-G2)".into(),
        ));
    }
    if patients.len() > max as usize {
        return Err(Error::InvalidArgument(format!(
            "the group's patient list has {} entries, more than max_group_size {max} (R-G2)",
            patients.len()
        )));
    }
    Ok(())
}

/// R-G2, §15: each EMR ID once, at its first place and as written there;
/// a repeat is one whose full case folding equals an earlier entry's.
/// Yields the EMR ID as written and its key.
fn distinct(patients: &[String]) -> Vec<(&str, String)> {
    let mut seen = HashSet::with_capacity(patients.len());
    patients
        .iter()
        .filter_map(|p| {
            let key = folding::case_fold(p);
            seen.insert(key.clone()).then_some((p.as_str(), key))
        })
        .collect()
}

/// R-G5: the group's report at `now`. Checks in order: `by` (a malformed
/// or `workgroup:` party is `invalid_argument`), the group
/// (`unknown_group`), then access: the group's author and, when it was
/// sent from a workgroup, that workgroup's members as they are now;
/// anyone else is refused and audited (`refused`, no conversation).
pub(crate) fn report(tx: &Tx, by: &str, group_id: &str, now: DateTime<Utc>) -> Result<GroupReport> {
    let actor = Actor::parse(by)?;
    let group = tx
        .group(group_id)?
        .ok_or_else(|| Error::UnknownGroup(group_id.to_string()))?;
    let allowed = match &actor {
        Actor::Staff(s) => {
            *s == group.author
                || match group.from_party.strip_prefix("workgroup:") {
                    Some(w) => tx.is_member(w, s)?,
                    None => false,
                }
        }
        Actor::Account(_) => false,
    };
    if !allowed {
        audit::append(tx, ms(now), &actor.party(), "refused", None, None)?;
        return Err(Error::NotAuthorized {
            actor: actor.party(),
            action: "see the report of group".into(),
            conversation: group.id,
        });
    }
    let mut entries = Vec::new();
    for e in tx.group_entries(group.seq)? {
        let conv = match e.conversation_seq {
            Some(seq) => tx.conversation_by_seq(seq)?,
            None => None,
        };
        let entry = match (conv, e.message_seq) {
            (Some(conv), Some(msg)) => {
                let (awaiting, overdue, _) = messaging::requirement(&conv, now);
                GroupReportEntry {
                    emr_id: e.emr_id,
                    conversation: Some(conv.id),
                    skipped: None,
                    // The group's message, the first of the conversation.
                    read: tx.message_read_at(msg)?.is_some(),
                    replied: conv.has_patient_message,
                    awaiting_response: awaiting,
                    overdue,
                }
            }
            _ => GroupReportEntry {
                emr_id: e.emr_id,
                conversation: None,
                skipped: e.skipped,
                read: false,
                replied: false,
                awaiting_response: false,
                overdue: false,
            },
        };
        entries.push(entry);
    }
    audit::append(tx, ms(now), &actor.party(), "group_report", None, None)?;
    Ok(GroupReport {
        group_id: group.id,
        entries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_are_dropped_by_full_case_folding_keeping_the_first_spelling() {
        let list: Vec<String> = ["e100", "STRASSE", "E100", "straße", "E200"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let got: Vec<&str> = distinct(&list).into_iter().map(|(p, _)| p).collect();
        assert_eq!(got, ["e100", "STRASSE", "E200"]);
    }

    #[test]
    fn the_list_is_checked_after_its_malformed_entry_then_empty_then_size() {
        let code = |list: &[&str], max| {
            let list: Vec<String> = list.iter().map(|s| s.to_string()).collect();
            check_list(&list, &[], max)
                .map(|_| "ok")
                .unwrap_or_else(|e| e.code())
        };
        assert_eq!(code(&[], 3), "invalid_argument");
        assert_eq!(
            code(&["a", "a", "a"], 3),
            "ok",
            "repeats count toward the size"
        );
        assert_eq!(code(&["a", "a", "a", "a"], 3), "invalid_argument");
    }
}
