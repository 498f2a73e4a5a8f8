//! Errors (SPEC §13): one variant per stable code. Every message names the
//! offending value and the rule that refused it.

/// Every failure pmsg reports. Variants map 1:1 to the SPEC §13 codes; the
/// code string ([`Error::code`]) is API and never changes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// `unknown_patient`: no patient with this EMR ID (R-R4).
    #[error("patient {emr_id:?} is not in the directory (R-R4)")]
    UnknownPatient {
        /// The EMR ID as given.
        emr_id: String,
    },
    /// `recipient_not_reachable`: routing found no registered account (R-R4).
    #[error("patient {emr_id:?} has no registered account to deliver to (R-R2, R-R4): {why}")]
    RecipientNotReachable {
        /// The patient's EMR ID.
        emr_id: String,
        /// Why routing found nobody.
        why: String,
    },
    /// `not_workgroup_member`: `from` names a workgroup the author is not in (R-S1).
    #[error("staff {staff:?} is not a member of workgroup {workgroup:?} (R-S1)")]
    NotWorkgroupMember {
        /// The author.
        staff: String,
        /// The workgroup named in `from`.
        workgroup: String,
    },
    /// `direct_not_accepted`: `from = direct` by staff who do not accept direct messages (R-S1).
    #[error("staff {staff:?} does not accept direct messages, so cannot send as 'direct' (R-S1)")]
    DirectNotAccepted {
        /// The author.
        staff: String,
    },
    /// `invalid_subject` (R-S2).
    #[error("invalid subject: {0} (R-S2)")]
    InvalidSubject(String),
    /// `invalid_body` (R-S2).
    #[error("invalid body: {0} (R-S2)")]
    InvalidBody(String),
    /// `invalid_notify_interval` (R-S2, R-D3).
    #[error("invalid unread_notify interval: {0} (R-S2, R-D3)")]
    InvalidNotifyInterval(String),
    /// `invalid_response_deadline` (R-S2, R-D2).
    #[error("invalid response deadline: {0} (R-S2, R-D2)")]
    InvalidResponseDeadline(String),
    /// `invalid_options`: a combination or value of options that is not allowed (R-S2).
    #[error("invalid options: {0} (R-S2)")]
    InvalidOptions(String),
    /// `attachment_too_large` (R-S2, config `max_attachment_bytes`).
    #[error("attachment {name:?} has {size} bytes, more than the {max} allowed (R-S2)")]
    AttachmentTooLarge {
        /// The file name.
        name: String,
        /// Its size in bytes.
        size: u64,
        /// The configured maximum.
        max: u64,
    },
    /// `attachment_type_not_allowed` (R-S2, config `allowed_media_types`).
    #[error("attachment {name:?} has media type {media_type:?}, which is not allowed (R-S2)")]
    AttachmentTypeNotAllowed {
        /// The file name.
        name: String,
        /// The media type as given.
        media_type: String,
    },
    /// `too_many_attachments` (R-S2: at most 10).
    #[error("{count} attachments given, at most {max} are allowed (R-S2)")]
    TooManyAttachments {
        /// How many were given.
        count: usize,
        /// The maximum.
        max: usize,
    },
    /// `invalid_fee_code` (R-S2, R-B1).
    #[error("invalid fee code {code:?}: {why} (R-S2)")]
    InvalidFeeCode {
        /// The fee code as given.
        code: String,
        /// What is wrong with it.
        why: String,
    },
    /// `unknown_conversation`.
    #[error("conversation {0:?} does not exist")]
    UnknownConversation(String),
    /// `unknown_attachment`.
    #[error("attachment {0:?} does not exist in this conversation (R-D6)")]
    UnknownAttachment(String),
    /// `unknown_event` (R-D5).
    #[error("event {0:?} does not exist (R-D5)")]
    UnknownEvent(String),
    /// `unknown_staff`.
    #[error("staff {0:?} is not in the directory")]
    UnknownStaff(String),
    /// `unknown_account`.
    #[error("account {0:?} is not in the directory")]
    UnknownAccount(String),
    /// `unknown_workgroup` (R-S1).
    #[error("workgroup {0:?} is not in the directory (R-S1)")]
    UnknownWorkgroup(String),
    /// `not_authorized`: access refused (R-A1); the refusal is audited.
    #[error("{actor} may not {action} {conversation:?} (R-A1)")]
    NotAuthorized {
        /// The party that asked.
        actor: String,
        /// What it asked to do, e.g. `view conversation` or `see the
        /// report of group`.
        action: String,
        /// The conversation (for a group report, R-G5: the group).
        conversation: String,
    },
    /// `conversation_closed` (R-S4, R-M4).
    #[error("conversation {0:?} is closed (R-S4, R-M4)")]
    ConversationClosed(String),
    /// `attachments_not_allowed` (R-M2).
    #[error(
        "the last staff message of conversation {0:?} does not allow reply attachments (R-M2)"
    )]
    AttachmentsNotAllowed(String),
    /// `attachment_expired` (R-D6).
    #[error("attachment {0:?} was purged after its retention period (R-D6)")]
    AttachmentExpired(String),
    /// `invalid_argument`: a malformed argument (party, instant, cursor, query…).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// `invalid_config` (§14).
    #[error("invalid configuration: {0} (§14)")]
    InvalidConfig(String),
    /// `schema_too_new` (R-ST1).
    #[error("database schema version {found} is newer than this library's {supported} (R-ST1)")]
    SchemaTooNew {
        /// The version found in the file.
        found: i64,
        /// The newest version this library knows.
        supported: i64,
    },
    /// `storage`: the database could not be read or written (R-ST1). Its
    /// [`StorageError::kind`] says what a host can do about it
    /// ([`Error::storage_kind`]).
    #[error("storage error ({}): {} (R-ST1)", .0.kind.as_str(), .0.message)]
    Storage(StorageError),
    /// `internal`: a bug in pmsg.
    #[error("internal error: {0}")]
    Internal(String),
    /// `unknown_group`: no group send with this id (R-G5). Appended after
    /// `internal` (SPEC §13: codes are never renumbered).
    #[error("group {0:?} does not exist (R-G5)")]
    UnknownGroup(String),
}

/// What kind of `storage` failure it was: what a host can do about it.
/// Its name ([`StorageKind::as_str`]) is what every language shows (C
/// `pmsg_last_error_detail()`, the bindings' `storage_detail`), and never
/// changes; kinds may be added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StorageKind {
    /// `busy`: another writer held the database (SQLite busy or locked
    /// past the busy timeout; PostgreSQL a lock not granted within it, or a
    /// `Store::batch` that lost a serialization conflict): try again.
    Busy,
    /// `disk_full`: no room to write (the disk, a quota, SQLite's
    /// `max_page_count`, PostgreSQL SQLSTATE 53100).
    DiskFull,
    /// `io`: the file system failed or refused a read or write (SQLite
    /// I/O error, cannot open the file, read-only or no permission;
    /// PostgreSQL SQLSTATE 58030).
    Io,
    /// `corrupt`: the file is not a pmsg database or is damaged (SQLite
    /// corrupt or not a database; PostgreSQL SQLSTATE XX001, XX002).
    Corrupt,
    /// `wrong_key`: an encrypted file's key is wrong, or a plain file was
    /// opened with a key (`Store::open_encrypted`).
    WrongKey,
    /// `connection_lost`: the PostgreSQL server cannot be reached or
    /// dropped the connection (SQLSTATE class 08, 57P01…57P03, a socket error).
    ConnectionLost,
    /// `retries_exhausted`: PostgreSQL, a write lost a serialization
    /// conflict or a deadlock every time pmsg ran it: try again later.
    RetriesExhausted,
    /// `other`: anything else (a bug, a misconfigured server…): read the message.
    Other,
}

impl StorageKind {
    /// Every kind, in declaration order.
    pub const ALL: [StorageKind; 8] = [
        StorageKind::Busy,
        StorageKind::DiskFull,
        StorageKind::Io,
        StorageKind::Corrupt,
        StorageKind::WrongKey,
        StorageKind::ConnectionLost,
        StorageKind::RetriesExhausted,
        StorageKind::Other,
    ];

    /// The stable snake_case name, e.g. `"disk_full"`.
    pub fn as_str(self) -> &'static str {
        match self {
            StorageKind::Busy => "busy",
            StorageKind::DiskFull => "disk_full",
            StorageKind::Io => "io",
            StorageKind::Corrupt => "corrupt",
            StorageKind::WrongKey => "wrong_key",
            StorageKind::ConnectionLost => "connection_lost",
            StorageKind::RetriesExhausted => "retries_exhausted",
            StorageKind::Other => "other",
        }
    }

    /// The kind named `name` ([`StorageKind::as_str`]), if there is one.
    pub fn from_name(name: &str) -> Option<StorageKind> {
        StorageKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

impl std::fmt::Display for StorageKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The payload of [`Error::Storage`]: what kind of failure, and the
/// backend's own words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageError {
    /// What a host can do about it.
    pub kind: StorageKind,
    /// What failed, in the backend's words (without the kind).
    pub message: String,
}

/// Every code of SPEC §13, in the order the SPEC lists them. Bindings check
/// that each of these appears in their own error type.
pub const ERROR_CODES: [&str; 29] = [
    "unknown_patient",
    "recipient_not_reachable",
    "not_workgroup_member",
    "direct_not_accepted",
    "invalid_subject",
    "invalid_body",
    "invalid_notify_interval",
    "invalid_response_deadline",
    "invalid_options",
    "attachment_too_large",
    "attachment_type_not_allowed",
    "too_many_attachments",
    "invalid_fee_code",
    "unknown_conversation",
    "unknown_attachment",
    "unknown_event",
    "unknown_staff",
    "unknown_account",
    "unknown_workgroup",
    "not_authorized",
    "conversation_closed",
    "attachments_not_allowed",
    "attachment_expired",
    "invalid_argument",
    "invalid_config",
    "schema_too_new",
    "storage",
    "internal",
    "unknown_group",
];

impl Error {
    /// A `storage` error of `kind`.
    pub fn storage(kind: StorageKind, message: impl Into<String>) -> Error {
        Error::Storage(StorageError {
            kind,
            message: message.into(),
        })
    }

    /// For a `storage` error, what kind it is (busy, disk full…); `None`
    /// for every other code.
    pub fn storage_kind(&self) -> Option<StorageKind> {
        match self {
            Error::Storage(e) => Some(e.kind),
            _ => None,
        }
    }

    /// The stable snake_case code of SPEC §13 (e.g. `"unknown_patient"`).
    pub fn code(&self) -> &'static str {
        match self {
            Error::UnknownPatient { .. } => "unknown_patient",
            Error::RecipientNotReachable { .. } => "recipient_not_reachable",
            Error::NotWorkgroupMember { .. } => "not_workgroup_member",
            Error::DirectNotAccepted { .. } => "direct_not_accepted",
            Error::InvalidSubject(_) => "invalid_subject",
            Error::InvalidBody(_) => "invalid_body",
            Error::InvalidNotifyInterval(_) => "invalid_notify_interval",
            Error::InvalidResponseDeadline(_) => "invalid_response_deadline",
            Error::InvalidOptions(_) => "invalid_options",
            Error::AttachmentTooLarge { .. } => "attachment_too_large",
            Error::AttachmentTypeNotAllowed { .. } => "attachment_type_not_allowed",
            Error::TooManyAttachments { .. } => "too_many_attachments",
            Error::InvalidFeeCode { .. } => "invalid_fee_code",
            Error::UnknownConversation(_) => "unknown_conversation",
            Error::UnknownAttachment(_) => "unknown_attachment",
            Error::UnknownEvent(_) => "unknown_event",
            Error::UnknownStaff(_) => "unknown_staff",
            Error::UnknownAccount(_) => "unknown_account",
            Error::UnknownWorkgroup(_) => "unknown_workgroup",
            Error::NotAuthorized { .. } => "not_authorized",
            Error::ConversationClosed(_) => "conversation_closed",
            Error::AttachmentsNotAllowed(_) => "attachments_not_allowed",
            Error::AttachmentExpired(_) => "attachment_expired",
            Error::InvalidArgument(_) => "invalid_argument",
            Error::InvalidConfig(_) => "invalid_config",
            Error::SchemaTooNew { .. } => "schema_too_new",
            Error::Storage(_) => "storage",
            Error::Internal(_) => "internal",
            Error::UnknownGroup(_) => "unknown_group",
        }
    }
}

/// The result type of every fallible pmsg operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for c in ERROR_CODES {
            assert!(seen.insert(c), "duplicate code {c}");
            assert!(c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_'));
        }
    }

    #[test]
    fn storage_errors_say_their_kind() {
        let e = Error::storage(StorageKind::DiskFull, "database or disk is full");
        assert_eq!(e.code(), "storage");
        assert_eq!(e.storage_kind(), Some(StorageKind::DiskFull));
        assert_eq!(
            e.to_string(),
            "storage error (disk_full): database or disk is full (R-ST1)"
        );
        assert_eq!(Error::Internal("x".into()).storage_kind(), None);
        let mut seen = std::collections::HashSet::new();
        for k in StorageKind::ALL {
            assert!(seen.insert(k.as_str()));
            assert_eq!(StorageKind::from_name(k.as_str()), Some(k));
        }
    }

    #[test]
    fn message_names_value_and_rule() {
        let e = Error::UnknownPatient {
            emr_id: "E999".into(),
        };
        assert_eq!(e.code(), "unknown_patient");
        let m = e.to_string();
        assert!(m.contains("E999") && m.contains("R-R4"), "{m}");
    }
}
