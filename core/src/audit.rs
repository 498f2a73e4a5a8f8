//! Audit trail (SPEC R-AU1): append-only entries, each hash-chained to the
//! one before with SHA-256, and a verifier that names the first broken link.

use crate::error::Result;
use crate::model::AuditVerification;
use crate::store::{AuditChaining, AuditRow, Tx};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

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

/// Appends one entry at the head of its chain: the one chain, or, where
/// the backend chains per conversation ([`AuditChaining`]), the chain of
/// its conversation (entries without one have a chain of their own).
pub(crate) fn append(
    tx: &Tx,
    at: i64,
    actor: &str,
    action: &str,
    conversation: Option<&str>,
    message: Option<&str>,
) -> Result<()> {
    let (seq, prev_hash) = tx.audit_link(conversation)?;
    let prev_hash = prev_hash.unwrap_or_else(|| GENESIS.to_string());
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

/// R-AU1: walks every entry in sequence order; reports the first entry
/// whose sequence number, link or hash is wrong. With one chain, sequence
/// numbers run 1, 2, 3… and each entry links to the one before; chained
/// per conversation, sequence numbers increase (gaps are the numbers of
/// transactions that rolled back) and each entry links to the one before
/// in its conversation's chain.
pub(crate) fn verify(tx: &Tx) -> Result<AuditVerification> {
    let chaining = tx.audit_chaining();
    let mut expected_seq = 1;
    let mut last_seq = 0;
    let mut entries = 0u64;
    // The newest hash of each chain (one chain: the key is always None).
    let mut heads: HashMap<Option<String>, String> = HashMap::new();
    let mut broken: Option<(u64, String)> = None;
    tx.audit_scan(&mut |r| {
        let chain = match chaining {
            AuditChaining::Single => None,
            AuditChaining::PerConversation => r.conversation.clone(),
        };
        let prev = heads.get(&chain).map_or(GENESIS, String::as_str);
        let problem = if chaining == AuditChaining::Single && r.seq != expected_seq {
            Some(format!(
                "expected entry {expected_seq}, found {} (entries missing or reordered)",
                r.seq
            ))
        } else if r.seq <= last_seq {
            Some(format!(
                "entry {} follows entry {last_seq} (entries reordered)",
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
                let at = match chaining {
                    AuditChaining::Single => expected_seq,
                    AuditChaining::PerConversation => r.seq,
                };
                broken = Some((at as u64, p));
                false
            }
            None => {
                last_seq = r.seq;
                heads.insert(chain, r.hash);
                expected_seq += 1;
                entries += 1;
                true
            }
        }
    })?;
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
