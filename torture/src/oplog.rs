//! The crash child's report: one JSON line per operation, written (and
//! flushed) only once the operation has returned success. The parent
//! treats exactly the complete lines it received as acknowledged.

use serde::{Deserialize, Serialize};
use std::io::Write;

/// An attachment as the child created it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Att {
    /// Attachment id.
    pub id: String,
    /// Size in bytes.
    pub size: u64,
    /// FNV-1a 64 of the content, in hex.
    pub fnv: String,
    /// The first 32 bytes of the content, in hex (files of 32 bytes or
    /// more): searched for in the file and its WAL after a purge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe: Option<String>,
}

/// A message the child posted (send, staff reply or patient reply).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Posted {
    /// Instant of the operation (ms since the epoch).
    pub now: i64,
    /// Conversation id.
    pub conv: String,
    /// The new message's id.
    pub msg: String,
    /// Who posted it (`staff:ID` or `account:ID`).
    pub by: String,
    /// Its attachments, in order.
    pub atts: Vec<Att>,
    /// The conversation was closed by it (`response = closed`).
    pub closed: bool,
}

/// An attachment removed by a purge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurgedAtt {
    /// Conversation id.
    pub conv: String,
    /// Attachment id.
    pub att: String,
}

/// One acknowledged operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// The directory upsert.
    Directory {
        /// Instant.
        now: i64,
    },
    /// A first message.
    Send(Posted),
    /// A staff reply.
    StaffReply(Posted),
    /// A patient-side reply.
    PatientReply(Posted),
    /// A read by one side.
    Read {
        /// Instant.
        now: i64,
        /// Conversation id.
        conv: String,
        /// Reader.
        by: String,
    },
    /// A patient-side download (starts retention, R-D6).
    Download {
        /// Instant.
        now: i64,
        /// Conversation id.
        conv: String,
        /// Downloader.
        by: String,
        /// Attachment id.
        att: String,
    },
    /// One delivered event, acknowledged.
    Ack {
        /// Instant.
        now: i64,
        /// Event id.
        event: String,
        /// Conversation id.
        conv: String,
        /// Event kind.
        kind: String,
    },
    /// A purge and what it removed.
    Purge {
        /// Instant.
        now: i64,
        /// Purged attachments.
        atts: Vec<PurgedAtt>,
    },
    /// A close.
    Close {
        /// Instant.
        now: i64,
        /// Conversation id.
        conv: String,
        /// Staff who closed it.
        by: String,
    },
    /// The child hit an error it did not expect and stopped.
    Fail {
        /// The operation.
        during: String,
        /// The §13 code.
        code: String,
        /// The message.
        message: String,
    },
}

impl Op {
    /// The instant of the operation, if it has one.
    pub fn now(&self) -> Option<i64> {
        match self {
            Op::Directory { now }
            | Op::Read { now, .. }
            | Op::Download { now, .. }
            | Op::Ack { now, .. }
            | Op::Purge { now, .. }
            | Op::Close { now, .. } => Some(*now),
            Op::Send(p) | Op::StaffReply(p) | Op::PatientReply(p) => Some(p.now),
            Op::Fail { .. } => None,
        }
    }

    /// The short name used in reports.
    pub fn name(&self) -> &'static str {
        match self {
            Op::Directory { .. } => "directory",
            Op::Send(_) => "send",
            Op::StaffReply(_) => "staff_reply",
            Op::PatientReply(_) => "patient_reply",
            Op::Read { .. } => "read",
            Op::Download { .. } => "download",
            Op::Ack { .. } => "ack",
            Op::Purge { .. } => "purge",
            Op::Close { .. } => "close",
            Op::Fail { .. } => "fail",
        }
    }
}

/// Writes `op` as one line and flushes it; `false` when stdout is gone.
pub fn emit(out: &mut impl Write, op: &Op) -> bool {
    let Ok(mut line) = serde_json::to_vec(op) else {
        return false;
    };
    line.push(b'\n');
    out.write_all(&line).and_then(|()| out.flush()).is_ok()
}

/// Parses the complete lines of a child's output; a final line without
/// its newline was cut by the kill and is not an acknowledgement.
pub fn parse(output: &[u8]) -> Result<Vec<Op>, String> {
    let complete = match output.iter().rposition(|b| *b == b'\n') {
        Some(end) => &output[..=end],
        None => return Ok(Vec::new()),
    };
    complete
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| {
            serde_json::from_slice(l).map_err(|e| {
                format!(
                    "unreadable child line {:?}: {e}",
                    String::from_utf8_lossy(l)
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_cut_by_the_kill_is_not_an_acknowledgement() {
        let mut out = Vec::new();
        assert!(emit(&mut out, &Op::Directory { now: 1 }));
        assert!(emit(&mut out, &Op::Directory { now: 2 }));
        out.extend_from_slice(br#"{"op":"directory","no"#);
        let ops = parse(&out).unwrap();
        assert_eq!(
            ops,
            vec![Op::Directory { now: 1 }, Op::Directory { now: 2 }]
        );
        assert!(parse(br#"{"op":"directory""#).unwrap().is_empty());
    }

    #[test]
    fn a_garbled_complete_line_is_an_error() {
        assert!(parse(b"not json\n").is_err());
    }
}
