//! Fixtures shared by the integration tests: one clinic, instants, byte search.
#![allow(dead_code)]

use chrono::{DateTime, Utc};
use pmsg_core::*;

/// An RFC 3339 instant.
pub fn t(s: &str) -> DateTime<Utc> {
    deadline::parse_instant(s).unwrap()
}

/// One adult patient with a registered account, one staff member in a workgroup.
pub fn directory() -> DirectoryUpdate {
    DirectoryUpdate {
        accounts: vec![Account {
            id: "a-lea".into(),
            kind: AccountKind::Patient,
            display_name: "Léa Roy".into(),
            registered: true,
        }],
        patients: vec![Patient {
            emr_id: "E100".into(),
            first_name: "Léa".into(),
            last_name: "Roy".into(),
            date_of_birth: "1980-01-31".into(),
            dependent: false,
            account: Some("a-lea".into()),
        }],
        connections: vec![],
        staff: vec![Staff {
            id: "s-ng".into(),
            display_name: "Dr. Ana Ng".into(),
            accepts_direct: true,
        }],
        workgroups: vec![Workgroup {
            id: "wg".into(),
            name: "Nursing".into(),
            members: vec!["s-ng".into()],
        }],
    }
}

/// Whether `needle` occurs in `haystack` (scans of database files).
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A staff send from `s-ng` as workgroup `wg` to patient `E100`, replies allowed.
pub fn send_request(body: &str, attachments: Vec<NewAttachment>) -> SendRequest {
    SendRequest {
        author: "s-ng".into(),
        patient: "E100".into(),
        from: Some(Sender::Workgroup("wg".into())),
        subject: "Lab results".into(),
        body: body.into(),
        attachments,
        unread_notify: None,
        response: Response::Allowed,
        allow_reply_attachments: false,
        mask_name: false,
        billable_fee_code: None,
        file_to_chart: false,
        confidential: false,
        malformed: vec![],
    }
}

/// The clinic's time zone, as the integration tests configure it.
pub fn config() -> Config {
    Config {
        time_zone: "America/Toronto".into(),
        ..Config::default()
    }
}
