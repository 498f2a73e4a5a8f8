//! `pmsg_status`: the SPEC section 13 codes as C values, and their names.

use pmsg_core::Error;
use std::ffi::{c_char, CStr};

/// The result of every fallible pmsg function: `PMSG_OK` (0) or one value
/// per SPEC section 13 error code, in the SPEC's order.
///
/// These values are ABI and never change: a code that is retired keeps its
/// number, and a new code takes the next free number (`PMSG_UNKNOWN_GROUP`
/// took 29, after `PMSG_INTERNAL`; the next is 30). The type is a 32-bit
/// signed integer in C (`int32_t`), so a host may store and compare it
/// freely; `pmsg_status_name()` names any value, even an unknown
/// one. After a failure, `pmsg_last_error_message()` says what was wrong.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(non_camel_case_types, clippy::upper_case_acronyms)]
pub enum PmsgStatus {
    /// Success.
    PMSG_OK = 0,
    /// `unknown_patient`: no patient with this EMR ID (R-R4).
    PMSG_UNKNOWN_PATIENT = 1,
    /// `recipient_not_reachable`: routing found no registered account (R-R4).
    PMSG_RECIPIENT_NOT_REACHABLE = 2,
    /// `not_workgroup_member`: `from` names a workgroup the author is not in (R-S1).
    PMSG_NOT_WORKGROUP_MEMBER = 3,
    /// `direct_not_accepted`: `from = direct` by staff who take no direct messages (R-S1).
    PMSG_DIRECT_NOT_ACCEPTED = 4,
    /// `invalid_subject` (R-S2).
    PMSG_INVALID_SUBJECT = 5,
    /// `invalid_body` (R-S2).
    PMSG_INVALID_BODY = 6,
    /// `invalid_notify_interval` (R-S2, R-D3).
    PMSG_INVALID_NOTIFY_INTERVAL = 7,
    /// `invalid_response_deadline` (R-S2, R-D2).
    PMSG_INVALID_RESPONSE_DEADLINE = 8,
    /// `invalid_options` (R-S2).
    PMSG_INVALID_OPTIONS = 9,
    /// `attachment_too_large` (R-S2).
    PMSG_ATTACHMENT_TOO_LARGE = 10,
    /// `attachment_type_not_allowed` (R-S2).
    PMSG_ATTACHMENT_TYPE_NOT_ALLOWED = 11,
    /// `too_many_attachments` (R-S2).
    PMSG_TOO_MANY_ATTACHMENTS = 12,
    /// `invalid_fee_code` (R-S2, R-B1).
    PMSG_INVALID_FEE_CODE = 13,
    /// `unknown_conversation`.
    PMSG_UNKNOWN_CONVERSATION = 14,
    /// `unknown_attachment` (R-D6).
    PMSG_UNKNOWN_ATTACHMENT = 15,
    /// `unknown_event` (R-D5).
    PMSG_UNKNOWN_EVENT = 16,
    /// `unknown_staff`.
    PMSG_UNKNOWN_STAFF = 17,
    /// `unknown_account`.
    PMSG_UNKNOWN_ACCOUNT = 18,
    /// `unknown_workgroup` (R-S1).
    PMSG_UNKNOWN_WORKGROUP = 19,
    /// `not_authorized`: access refused, and the refusal audited (R-A1).
    PMSG_NOT_AUTHORIZED = 20,
    /// `conversation_closed` (R-S4, R-M4).
    PMSG_CONVERSATION_CLOSED = 21,
    /// `attachments_not_allowed` (R-M2).
    PMSG_ATTACHMENTS_NOT_ALLOWED = 22,
    /// `attachment_expired`: purged after its retention period (R-D6).
    PMSG_ATTACHMENT_EXPIRED = 23,
    /// `invalid_argument`: a NULL pointer, a string that is not UTF-8, a
    /// number out of range, malformed JSON, or a malformed party, cursor,
    /// query, format or cycle id.
    PMSG_INVALID_ARGUMENT = 24,
    /// `invalid_config`: the configuration JSON is malformed or refused (section 14).
    PMSG_INVALID_CONFIG = 25,
    /// `schema_too_new`: the database file was written by a newer pmsg (R-ST1).
    PMSG_SCHEMA_TOO_NEW = 26,
    /// `storage`: the database could not be opened, read or written (R-ST1).
    PMSG_STORAGE = 27,
    /// `internal`: a bug in pmsg (a Rust panic is caught and reported as this).
    PMSG_INTERNAL = 28,
    /// `unknown_group`: no group send with this id (R-G5).
    PMSG_UNKNOWN_GROUP = 29,
}

/// Every status name, indexed by status value. 1..=29 are the SPEC section 13
/// codes in order (checked against `pmsg_core::ERROR_CODES` in the tests).
const NAMES: [&CStr; 30] = [
    c"ok",
    c"unknown_patient",
    c"recipient_not_reachable",
    c"not_workgroup_member",
    c"direct_not_accepted",
    c"invalid_subject",
    c"invalid_body",
    c"invalid_notify_interval",
    c"invalid_response_deadline",
    c"invalid_options",
    c"attachment_too_large",
    c"attachment_type_not_allowed",
    c"too_many_attachments",
    c"invalid_fee_code",
    c"unknown_conversation",
    c"unknown_attachment",
    c"unknown_event",
    c"unknown_staff",
    c"unknown_account",
    c"unknown_workgroup",
    c"not_authorized",
    c"conversation_closed",
    c"attachments_not_allowed",
    c"attachment_expired",
    c"invalid_argument",
    c"invalid_config",
    c"schema_too_new",
    c"storage",
    c"internal",
    c"unknown_group",
];

/// The name of a value that is not a `pmsg_status`.
const UNKNOWN: &CStr = c"unknown";

/// The status of a core error. The match is exhaustive on purpose: a new
/// core variant fails this crate's build until it has a C value.
pub(crate) fn status_of(e: &Error) -> PmsgStatus {
    use PmsgStatus::*;
    match e {
        Error::UnknownPatient { .. } => PMSG_UNKNOWN_PATIENT,
        Error::RecipientNotReachable { .. } => PMSG_RECIPIENT_NOT_REACHABLE,
        Error::NotWorkgroupMember { .. } => PMSG_NOT_WORKGROUP_MEMBER,
        Error::DirectNotAccepted { .. } => PMSG_DIRECT_NOT_ACCEPTED,
        Error::InvalidSubject(_) => PMSG_INVALID_SUBJECT,
        Error::InvalidBody(_) => PMSG_INVALID_BODY,
        Error::InvalidNotifyInterval(_) => PMSG_INVALID_NOTIFY_INTERVAL,
        Error::InvalidResponseDeadline(_) => PMSG_INVALID_RESPONSE_DEADLINE,
        Error::InvalidOptions(_) => PMSG_INVALID_OPTIONS,
        Error::AttachmentTooLarge { .. } => PMSG_ATTACHMENT_TOO_LARGE,
        Error::AttachmentTypeNotAllowed { .. } => PMSG_ATTACHMENT_TYPE_NOT_ALLOWED,
        Error::TooManyAttachments { .. } => PMSG_TOO_MANY_ATTACHMENTS,
        Error::InvalidFeeCode { .. } => PMSG_INVALID_FEE_CODE,
        Error::UnknownConversation(_) => PMSG_UNKNOWN_CONVERSATION,
        Error::UnknownAttachment(_) => PMSG_UNKNOWN_ATTACHMENT,
        Error::UnknownEvent(_) => PMSG_UNKNOWN_EVENT,
        Error::UnknownStaff(_) => PMSG_UNKNOWN_STAFF,
        Error::UnknownAccount(_) => PMSG_UNKNOWN_ACCOUNT,
        Error::UnknownWorkgroup(_) => PMSG_UNKNOWN_WORKGROUP,
        Error::UnknownGroup(_) => PMSG_UNKNOWN_GROUP,
        Error::NotAuthorized { .. } => PMSG_NOT_AUTHORIZED,
        Error::ConversationClosed(_) => PMSG_CONVERSATION_CLOSED,
        Error::AttachmentsNotAllowed(_) => PMSG_ATTACHMENTS_NOT_ALLOWED,
        Error::AttachmentExpired(_) => PMSG_ATTACHMENT_EXPIRED,
        Error::InvalidArgument(_) => PMSG_INVALID_ARGUMENT,
        Error::InvalidConfig(_) => PMSG_INVALID_CONFIG,
        Error::SchemaTooNew { .. } => PMSG_SCHEMA_TOO_NEW,
        Error::Storage(_) => PMSG_STORAGE,
        Error::Internal(_) => PMSG_INTERNAL,
    }
}

/// The name of a status, as a static NUL-terminated string.
///
/// `PMSG_OK` is `"ok"`; every error status is its SPEC section 13 code, e.g.
/// `PMSG_UNKNOWN_PATIENT` is `"unknown_patient"`. A value that is not a
/// `pmsg_status` (negative, or above `PMSG_UNKNOWN_GROUP`) is `"unknown"`; the
/// argument is a plain `int32_t` so that any value is safe to pass.
///
/// Ownership: the string is static; never free it. Thread-safe. Never
/// fails and never changes `pmsg_last_error_message()`.
#[no_mangle]
pub extern "C" fn pmsg_status_name(status: i32) -> *const c_char {
    usize::try_from(status)
        .ok()
        .and_then(|i| NAMES.get(i))
        .unwrap_or(&UNKNOWN)
        .as_ptr()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(status: i32) -> &'static str {
        // SAFETY: pmsg_status_name returns a static NUL-terminated string.
        unsafe { CStr::from_ptr(pmsg_status_name(status)) }
            .to_str()
            .unwrap()
    }

    #[test]
    fn error_statuses_are_the_spec_codes_in_spec_order() {
        assert_eq!(name(0), "ok");
        for (i, code) in pmsg_core::ERROR_CODES.iter().enumerate() {
            assert_eq!(name(i as i32 + 1), *code, "status {}", i + 1);
        }
        assert_eq!(NAMES.len(), pmsg_core::ERROR_CODES.len() + 1);
    }

    #[test]
    fn values_outside_the_enum_are_unknown() {
        for v in [-1, 30, 1000, i32::MIN, i32::MAX] {
            assert_eq!(name(v), "unknown");
        }
    }

    #[test]
    fn every_core_error_maps_to_the_status_named_by_its_code() {
        let s = String::new;
        let errors = [
            Error::UnknownPatient { emr_id: s() },
            Error::RecipientNotReachable {
                emr_id: s(),
                why: s(),
            },
            Error::NotWorkgroupMember {
                staff: s(),
                workgroup: s(),
            },
            Error::DirectNotAccepted { staff: s() },
            Error::InvalidSubject(s()),
            Error::InvalidBody(s()),
            Error::InvalidNotifyInterval(s()),
            Error::InvalidResponseDeadline(s()),
            Error::InvalidOptions(s()),
            Error::AttachmentTooLarge {
                name: s(),
                size: 0,
                max: 0,
            },
            Error::AttachmentTypeNotAllowed {
                name: s(),
                media_type: s(),
            },
            Error::TooManyAttachments { count: 0, max: 0 },
            Error::InvalidFeeCode {
                code: s(),
                why: s(),
            },
            Error::UnknownConversation(s()),
            Error::UnknownAttachment(s()),
            Error::UnknownEvent(s()),
            Error::UnknownStaff(s()),
            Error::UnknownAccount(s()),
            Error::UnknownWorkgroup(s()),
            Error::NotAuthorized {
                actor: s(),
                action: s(),
                conversation: s(),
            },
            Error::ConversationClosed(s()),
            Error::AttachmentsNotAllowed(s()),
            Error::AttachmentExpired(s()),
            Error::InvalidArgument(s()),
            Error::InvalidConfig(s()),
            Error::SchemaTooNew {
                found: 0,
                supported: 0,
            },
            Error::storage(pmsg_core::StorageKind::Other, s()),
            Error::Internal(s()),
            Error::UnknownGroup(s()),
        ];
        assert_eq!(errors.len(), pmsg_core::ERROR_CODES.len());
        for e in &errors {
            assert_eq!(name(status_of(e) as i32), e.code());
        }
    }
}
