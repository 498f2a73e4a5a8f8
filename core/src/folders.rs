//! Folders (SPEC §7): pages newest activity first, through an opaque
//! cursor that names the last row shown (keyset paging, never OFFSET).

use crate::error::{Error, Result};
use crate::store::{ConvRow, PartyFlags, Tx};

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
