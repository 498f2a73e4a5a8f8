//! `PmsgError`: the one error type of the uniffi bindings, one variant per
//! SPEC section 13 code. It is a "flat" uniffi error: each variant carries
//! the core's message (naming the offending value and the rule), so Kotlin
//! gets `sealed class PmsgException` with one subclass per code, Swift
//! `enum PmsgError: Error` with one case per code, Python `PmsgError` with
//! one subclass per code.

use std::fmt;

/// Declares `PmsgError` and its code table from one list, so a variant
/// cannot be added without its code (and the code test below sees both).
macro_rules! pmsg_error {
    ($( $(#[doc = $doc:literal])* $variant:ident = $code:literal, )*) => {
        /// A pmsg failure. One variant per SPEC section 13 code; each carries
        /// the core's human-readable message, which names the offending
        /// value and the rule.
        ///
        /// Kotlin: `PmsgException.UnknownPatient` (`.message`); Swift:
        /// `PmsgError.UnknownPatient(message:)`; Python:
        /// `PmsgError.UnknownPatient` (`str(e)`). The code of a variant is
        /// its name in snake_case (`UnknownPatient` is `unknown_patient`);
        /// `error_codes()` lists them all.
        #[derive(Debug, Clone, PartialEq, Eq, uniffi::Error)]
        #[uniffi(flat_error)]
        pub enum PmsgError {
            $( $(#[doc = $doc])* $variant(String), )*
        }

        impl PmsgError {
            /// Every (variant name, SPEC section 13 code), in SPEC order.
            pub(crate) const VARIANTS: &'static [(&'static str, &'static str)] =
                &[$( (stringify!($variant), $code), )*];

            /// The stable snake_case code (SPEC section 13).
            pub fn code(&self) -> &'static str {
                match self {
                    $( PmsgError::$variant(_) => $code, )*
                }
            }

            /// The human-readable message.
            pub fn message(&self) -> &str {
                match self {
                    $( PmsgError::$variant(m) => m, )*
                }
            }

            /// The variant of `code` carrying `message`; `None` for a code
            /// that SPEC section 13 does not define.
            fn from_code(code: &str, message: String) -> Option<PmsgError> {
                match code {
                    $( $code => Some(PmsgError::$variant(message)), )*
                    _ => None,
                }
            }
        }
    };
}

pmsg_error! {
    /// `unknown_patient`: no patient with this EMR ID (R-R4).
    UnknownPatient = "unknown_patient",
    /// `recipient_not_reachable`: routing found no registered account (R-R2, R-R4).
    RecipientNotReachable = "recipient_not_reachable",
    /// `not_workgroup_member`: `from` names a workgroup the author is not in (R-S1).
    NotWorkgroupMember = "not_workgroup_member",
    /// `direct_not_accepted`: `from = direct` by staff who do not accept direct messages (R-S1).
    DirectNotAccepted = "direct_not_accepted",
    /// `invalid_subject` (R-S2).
    InvalidSubject = "invalid_subject",
    /// `invalid_body` (R-S2).
    InvalidBody = "invalid_body",
    /// `invalid_notify_interval` (R-S2, R-D3).
    InvalidNotifyInterval = "invalid_notify_interval",
    /// `invalid_response_deadline` (R-S2, R-D2).
    InvalidResponseDeadline = "invalid_response_deadline",
    /// `invalid_options`: a combination or value of options that is not allowed (R-S2).
    InvalidOptions = "invalid_options",
    /// `attachment_too_large` (R-S2, config `max_attachment_bytes`).
    AttachmentTooLarge = "attachment_too_large",
    /// `attachment_type_not_allowed` (R-S2, config `allowed_media_types`).
    AttachmentTypeNotAllowed = "attachment_type_not_allowed",
    /// `too_many_attachments` (R-S2: at most 10).
    TooManyAttachments = "too_many_attachments",
    /// `invalid_fee_code` (R-S2, R-B1).
    InvalidFeeCode = "invalid_fee_code",
    /// `unknown_conversation`: no conversation has this id.
    UnknownConversation = "unknown_conversation",
    /// `unknown_attachment`: no attachment has this id in the conversation (R-D6).
    UnknownAttachment = "unknown_attachment",
    /// `unknown_event` (R-D5).
    UnknownEvent = "unknown_event",
    /// `unknown_staff`: no staff member has this id.
    UnknownStaff = "unknown_staff",
    /// `unknown_account`: no account has this id.
    UnknownAccount = "unknown_account",
    /// `unknown_workgroup` (R-S1).
    UnknownWorkgroup = "unknown_workgroup",
    /// `not_authorized`: access refused (R-A1); the refusal is audited.
    NotAuthorized = "not_authorized",
    /// `conversation_closed` (R-S4, R-M4).
    ConversationClosed = "conversation_closed",
    /// `attachments_not_allowed`: the last staff message does not allow reply attachments (R-M2).
    AttachmentsNotAllowed = "attachments_not_allowed",
    /// `attachment_expired`: purged after its retention period (R-D6).
    AttachmentExpired = "attachment_expired",
    /// `invalid_argument`: a malformed argument (party, instant, cursor, query, JSON...).
    InvalidArgument = "invalid_argument",
    /// `invalid_config` (section 14).
    InvalidConfig = "invalid_config",
    /// `schema_too_new`: the database was written by a newer pmsg (R-ST1).
    SchemaTooNew = "schema_too_new",
    /// `storage`: the database could not be read or written (R-ST1).
    Storage = "storage",
    /// `internal`: a bug in pmsg (a panic inside the library lands here too).
    Internal = "internal",
    /// `unknown_group`: no group send has this id (R-G5). Appended after
    /// `internal`: SPEC section 13 never renumbers a code.
    UnknownGroup = "unknown_group",
}

impl fmt::Display for PmsgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for PmsgError {}

impl From<pmsg_core::Error> for PmsgError {
    /// The variant of the core error's code, with the core's message.
    fn from(e: pmsg_core::Error) -> Self {
        let message = e.to_string();
        PmsgError::from_code(e.code(), message.clone()).unwrap_or_else(|| {
            PmsgError::Internal(format!(
                "the core reported code {:?}, which the bindings do not know: {message}",
                e.code()
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `unknown_patient` -> `UnknownPatient`.
    fn camel(code: &str) -> String {
        code.split('_')
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                    .unwrap_or_default()
            })
            .collect()
    }

    #[test]
    fn every_spec_code_is_a_variant_of_the_uniffi_error() {
        let codes: Vec<&str> = PmsgError::VARIANTS.iter().map(|(_, c)| *c).collect();
        assert_eq!(codes, pmsg_core::ERROR_CODES, "same codes, in SPEC order");
        for (variant, code) in PmsgError::VARIANTS {
            assert_eq!(
                *variant,
                camel(code),
                "the variant of {code} is named after it"
            );
            let e = PmsgError::from_code(code, format!("about {code}")).unwrap();
            assert_eq!(e.code(), *code);
            assert_eq!(e.to_string(), format!("about {code}"));
        }
    }

    #[test]
    fn core_errors_keep_their_code_and_message() {
        let core = pmsg_core::Error::UnknownPatient {
            emr_id: "E999".into(),
        };
        let e = PmsgError::from(core.clone());
        assert_eq!(e, PmsgError::UnknownPatient(core.to_string()));
        assert!(e.message().contains("E999") && e.message().contains("R-R4"));
        let e = PmsgError::from(pmsg_core::Error::SchemaTooNew {
            found: 9,
            supported: 1,
        });
        assert_eq!(e.code(), "schema_too_new");
    }
}
