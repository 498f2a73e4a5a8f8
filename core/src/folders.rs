//! Folders (SPEC §7): pages newest activity first, through an opaque
//! cursor that names the last row shown (keyset paging, never OFFSET).

use crate::access;
use crate::error::{Error, Result};
use crate::model::FolderKind;
use crate::party::Actor;
use crate::store::{ConvRow, PartyFlags, StaffFolder, Tx};
use std::collections::HashMap;

/// Default page size (§7).
pub const DEFAULT_PAGE_SIZE: u32 = 50;
/// Largest page a caller may ask for.
pub const MAX_PAGE_SIZE: u32 = 1000;

/// Encodes the sort key of the last row of a page.
pub(crate) fn encode_cursor(last_activity: i64, created_at: i64, seq: i64) -> String {
    format!("v1.{last_activity:x}.{created_at:x}.{seq:x}")
}

/// Decodes a cursor made by [`encode_cursor`]; anything else is `invalid_argument`.
pub(crate) fn decode_cursor(cursor: &str) -> Result<(i64, i64, i64)> {
    let bad = || {
        Error::InvalidArgument(format!(
            "folder cursor {cursor:?} was not made by pmsg (§7)"
        ))
    };
    let mut parts = cursor.split('.');
    if parts.next() != Some("v1") {
        return Err(bad());
    }
    let mut next = || -> Result<i64> {
        let p = parts.next().ok_or_else(bad)?;
        if p.is_empty() || p.len() > 16 {
            return Err(bad());
        }
        u64::from_str_radix(p, 16)
            .map(|v| v as i64)
            .map_err(|_| bad())
    };
    let key = (next()?, next()?, next()?);
    if parts.next().is_some() {
        return Err(bad());
    }
    Ok(key)
}

/// A requested page size: default 50, 1..=1000.
pub(crate) fn page_size(requested: Option<u32>) -> Result<u32> {
    match requested {
        None => Ok(DEFAULT_PAGE_SIZE),
        Some(n) if (1..=MAX_PAGE_SIZE).contains(&n) => Ok(n),
        Some(n) => Err(Error::InvalidArgument(format!(
            "page size {n} must be 1..={MAX_PAGE_SIZE} (§7)"
        ))),
    }
}

/// §7: the staff folders a conversation is in, for each of its staff-side
/// parties (`sent` also needs the party to have authored a message).
pub(crate) fn party_flags(c: &ConvRow) -> PartyFlags {
    PartyFlags {
        inbox: !c.closed && c.has_patient_message,
        awaiting: !c.closed && c.req_message.is_some(),
        closed: c.closed,
    }
}

/// Brings the folder flags of the conversation's party rows in step with
/// its state: every operation that changes status, requirement or the
/// presence of a patient message, or adds a party, ends with this.
pub(crate) fn sync_flags(tx: &Tx, conv: i64) -> Result<()> {
    let c = tx
        .conversation_by_seq(conv)?
        .ok_or_else(|| Error::Internal(format!("conversation {conv} vanished")))?;
    tx.set_party_flags(conv, party_flags(&c))
}

/// §7: the rows of one folder page for `actor` (at most `size`), newest
/// activity first, after the cursor, and the cursor of the next page.
pub(crate) fn page(
    tx: &Tx,
    actor: &Actor,
    kind: FolderKind,
    folder: &str,
    after: Option<(i64, i64, i64)>,
    size: u32,
) -> Result<(Vec<ConvRow>, Option<String>)> {
    let limit = size as usize + 1;
    let mut rows = match actor {
        Actor::Staff(s) => {
            if tx.staff(s)?.is_none() {
                return Err(Error::UnknownStaff(s.clone()));
            }
            let folder = match kind {
                FolderKind::Inbox => StaffFolder::Inbox,
                FolderKind::Sent => StaffFolder::Sent,
                FolderKind::AwaitingResponse => StaffFolder::Awaiting,
                FolderKind::Closed => StaffFolder::Closed,
            };
            staff_rows(tx, s, folder, after, limit)?
        }
        Actor::Account(a) => {
            if tx.account(a)?.is_none() {
                return Err(Error::UnknownAccount(a.clone()));
            }
            let awaiting = match kind {
                FolderKind::Inbox => false,
                FolderKind::AwaitingResponse => true,
                _ => {
                    return Err(Error::InvalidArgument(format!(
                        "folder {folder:?} is a staff folder; accounts have inbox and awaiting_response (§7)"
                    )))
                }
            };
            account_rows(tx, a, awaiting, after, limit)?
        }
    };
    let next = if rows.len() > size as usize {
        rows.truncate(size as usize);
        rows.last()
            .map(|c| encode_cursor(c.last_activity, c.created_at, c.seq))
    } else {
        None
    };
    Ok((rows, next))
}

/// A staff folder: the viewer's parties (`staff:ID`, and for every folder
/// but `sent` the workgroups it is a member of now, R-M0), each one index
/// range in sort order, merged with each conversation once.
fn staff_rows(
    tx: &Tx,
    staff: &str,
    folder: StaffFolder,
    after: Option<(i64, i64, i64)>,
    limit: usize,
) -> Result<Vec<ConvRow>> {
    let mut parties = vec![format!("staff:{staff}")];
    if folder != StaffFolder::Sent {
        parties.extend(
            tx.workgroups_of(staff)?
                .into_iter()
                .map(|w| format!("workgroup:{w}")),
        );
    }
    let mut merged: Vec<ConvRow> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for party in &parties {
        for row in tx.party_folder_page(party, folder, after, limit as i64)? {
            if seen.insert(row.seq) {
                merged.push(row);
            }
        }
    }
    // Newest activity first; ties: the newer conversation, then creation order.
    merged.sort_by(|x, y| {
        (y.last_activity, y.created_at, y.seq).cmp(&(x.last_activity, x.created_at, x.seq))
    });
    merged.truncate(limit);
    Ok(merged)
}

/// An account folder: the conversations it is a participant of, in sort
/// order, that it can access now (R-A1); for `awaiting_response`, those
/// with an outstanding requirement whose message was delivered to it.
fn account_rows(
    tx: &Tx,
    account: &str,
    awaiting: bool,
    mut after: Option<(i64, i64, i64)>,
    limit: usize,
) -> Result<Vec<ConvRow>> {
    let mut out = Vec::new();
    let mut access: HashMap<String, bool> = HashMap::new();
    loop {
        let batch = tx.account_folder_page(account, after, limit as i64)?;
        let full = batch.len() == limit;
        after = batch.last().map(|c| (c.last_activity, c.created_at, c.seq));
        for c in batch {
            let allowed = match access.get(&c.patient_key) {
                Some(a) => *a,
                None => {
                    let a = access::patient_access(tx, &c.patient_key, account)?;
                    access.insert(c.patient_key.clone(), a);
                    a
                }
            };
            if !allowed {
                continue;
            }
            if awaiting {
                match c.req_message {
                    Some(m) if tx.is_delivered(m, account)? => {}
                    _ => continue,
                }
            }
            out.push(c);
            if out.len() == limit {
                return Ok(out);
            }
        }
        if !full {
            return Ok(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_including_negative_instants() {
        for key in [
            (0, 0, 1),
            (1_772_460_000_000, 1_772_460_000_000, 42),
            (-5, -7, i64::MAX),
        ] {
            assert_eq!(
                decode_cursor(&encode_cursor(key.0, key.1, key.2)).unwrap(),
                key
            );
        }
    }

    #[test]
    fn foreign_cursors_are_invalid_arguments() {
        for c in [
            "",
            "v1",
            "v1.1.2",
            "v2.1.2.3",
            "v1.1.2.3.4",
            "v1.x.2.3",
            "v1.1.2.11111111111111111",
        ] {
            assert_eq!(
                decode_cursor(c).unwrap_err().code(),
                "invalid_argument",
                "{c:?}"
            );
        }
    }
}
