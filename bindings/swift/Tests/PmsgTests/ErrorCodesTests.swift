// Every SPEC section 13 error code is a case of PmsgError.
import Pmsg
import XCTest

final class ErrorCodesTests: XCTestCase {
    // SPEC.md section 13, in its order.
    static let specCodes = [
        "unknown_patient", "recipient_not_reachable", "not_workgroup_member",
        "direct_not_accepted", "invalid_subject", "invalid_body", "invalid_notify_interval",
        "invalid_response_deadline", "invalid_options", "attachment_too_large",
        "attachment_type_not_allowed", "too_many_attachments", "invalid_fee_code",
        "unknown_conversation", "unknown_attachment", "unknown_event", "unknown_staff",
        "unknown_account", "unknown_workgroup", "not_authorized", "conversation_closed",
        "attachments_not_allowed", "attachment_expired", "invalid_argument", "invalid_config",
        "schema_too_new", "storage", "internal", "unknown_group",
    ]

    /// One case per code, written out: a case missing from PmsgError does not compile.
    static let cases: [PmsgError] = [
        .UnknownPatient(message: "m"), .RecipientNotReachable(message: "m"),
        .NotWorkgroupMember(message: "m"), .DirectNotAccepted(message: "m"),
        .InvalidSubject(message: "m"), .InvalidBody(message: "m"),
        .InvalidNotifyInterval(message: "m"), .InvalidResponseDeadline(message: "m"),
        .InvalidOptions(message: "m"), .AttachmentTooLarge(message: "m"),
        .AttachmentTypeNotAllowed(message: "m"), .TooManyAttachments(message: "m"),
        .InvalidFeeCode(message: "m"), .UnknownConversation(message: "m"),
        .UnknownAttachment(message: "m"), .UnknownEvent(message: "m"), .UnknownStaff(message: "m"),
        .UnknownAccount(message: "m"), .UnknownWorkgroup(message: "m"), .NotAuthorized(message: "m"),
        .ConversationClosed(message: "m"), .AttachmentsNotAllowed(message: "m"),
        .AttachmentExpired(message: "m"), .InvalidArgument(message: "m"), .InvalidConfig(message: "m"),
        .SchemaTooNew(message: "m"), .Storage(message: "m"), .Internal(message: "m"),
        .UnknownGroup(message: "m"),
    ]

    func testEachCodeIsACase() {
        XCTAssertEqual(Self.specCodes.count, 29)
        XCTAssertEqual(Self.cases.map(codeOf), Self.specCodes)
    }

    func testTheLibraryListsTheSameCodes() {
        XCTAssertEqual(errorCodes(), Self.specCodes)
    }
}
