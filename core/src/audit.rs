//! Audit trail (SPEC R-AU1): append-only entries, each hash-chained to the
//! one before with SHA-256, and a verifier that names the first broken link.

use crate::error::Result;
use crate::model::AuditVerification;
use crate::store::{AuditRow, Tx};
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first entry.
pub(crate) const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The actor of entries written by pmsg itself (purge).
pub(crate) const SYSTEM: &str = "system";

/// SHA-256 over the previous hash and the entry's fields, as a JSON array
/// (an unambiguous encoding whatever the ids contain).
pub(crate) fn entry_hash(
    prev_hash: &str,
    seq: i64,
    at: i64,
    actor: &str,
    action: &str,
    conversation: Option<&str>,
    message: Option<&str>,
) -> String {
    let body = serde_json::json!([seq, at, actor, action, conversation, message]).to_string();
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(body.as_bytes());
    hex(&h.finalize())
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Appends one entry at the head of the chain.
pub(crate) fn append(
    tx: &Tx,
    at: i64,
    actor: &str,
    action: &str,
    conversation: Option<&str>,
    message: Option<&str>,
) -> Result<()> {
    let (seq, prev_hash) = match tx.audit_head()? {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, GENESIS.to_string()),
    };
    let hash = entry_hash(&prev_hash, seq, at, actor, action, conversation, message);
    tx.insert_audit(&AuditRow {
        seq,
        at,
        actor: actor.into(),
        action: action.into(),
        conversation: conversation.map(str::to_string),
        message: message.map(str::to_string),
        prev_hash,
        hash,
    })
}

/// R-AU1: walks the chain from the first entry; reports the first entry
/// whose sequence number, link or hash is wrong.
pub(crate) fn verify(tx: &Tx) -> Result<AuditVerification> {
    let mut expected_seq = 1;
    let mut prev = GENESIS.to_string();
    let mut broken: Option<(u64, String)> = None;
    tx.audit_scan(|r| {
        let problem = if r.seq != expected_seq {
            Some(format!(
                "expected entry {expected_seq}, found {} (entries missing or reordered)",
                r.seq
            ))
        } else if r.prev_hash != prev {
            Some("its link to the previous entry does not match".to_string())
        } else if r.hash
            != entry_hash(
                &r.prev_hash,
                r.seq,
                r.at,
                &r.actor,
                &r.action,
                r.conversation.as_deref(),
                r.message.as_deref(),
            )
        {
            Some("its content does not match its hash (edited)".to_string())
        } else {
            None
        };
        match problem {
            Some(p) => {
                broken = Some((expected_seq as u64, p));
                false
            }
            None => {
                prev = r.hash;
                expected_seq += 1;
                true
            }
        }
    })?;
    let entries = (expected_seq - 1) as u64;
    Ok(match broken {
        None => AuditVerification {
            ok: true,
            entries,
            first_broken: None,
            problem: None,
        },
        Some((seq, p)) => AuditVerification {
            ok: false,
            entries,
            first_broken: Some(seq),
            problem: Some(p),
        },
    })
}
