// The Swift bindings used the way a host would: typed records in, typed
// records out, one error case per SPEC section 13 code.
import Foundation
import Pmsg
import XCTest

final class UsageTests: XCTestCase {
    // The API takes epoch milliseconds: 2026-03-10T14:00:00Z.
    let t0: Int64 = 1_773_151_200_000
    let day: Int64 = 86_400_000

    func clinic() throws -> Store {
        var config = defaultConfig()
        config.timeZone = "America/Toronto"
        let store = try Store.openInMemory(config: config)
        try store.upsertDirectory(update: DirectoryUpdate(
            accounts: [Account(id: "a-lea", kind: .patient, displayName: "Léa Roy", registered: true)],
            patients: [Patient(emrId: "E100", firstName: "Léa", lastName: "Roy", dateOfBirth: "1980-01-31",
                               account: "a-lea")],
            staff: [Staff(id: "s-ng", displayName: "Dr. Ana Ng", acceptsDirect: true)],
            workgroups: [Workgroup(id: "wg-nurse", name: "Nursing", members: ["s-ng"])]
        ))
        return store
    }

    func testSendReadReplyAndDeliver() throws {
        let store = try clinic()
        let sent = try store.send(request: SendRequest(
            author: "s-ng", patient: "E100", fromIdentity: .workgroup(id: "wg-nurse"),
            subject: "Your results", body: "All normal.",
            attachments: [NewAttachment(name: "results.pdf", mediaType: "application/pdf",
                                        content: Data("%PDF-1.7".utf8))],
            response: .required(days: 3), allowReplyAttachments: true
        ), nowMs: t0)
        XCTAssertEqual(sent.status, .open)

        let events = try store.dueEvents(nowMs: t0)
        XCTAssertEqual(events.map(\.kind), [.newMessage])
        XCTAssertEqual(events[0].dueAtMs, t0)
        for e in events { try store.ack(eventId: e.id, nowMs: t0) }

        let view = try store.view(by: "account:a-lea", conversation: sent.conversationId, nowMs: t0)
        XCTAssertTrue(view.awaitingResponse)
        XCTAssertEqual(view.responseDueAtMs, t0 + 3 * day)
        let file = try store.download(by: "account:a-lea", conversation: sent.conversationId,
                                      attachment: sent.attachments[0].id, nowMs: t0)
        XCTAssertEqual(String(decoding: file.content, as: UTF8.self), "%PDF-1.7")

        let reply = try store.reply(request: ReplyRequest(by: "account:a-lea", conversation: sent.conversationId,
                                                          body: "Thank you!"), nowMs: t0 + day)
        XCTAssertEqual(reply.deliveredTo, ["workgroup:wg-nurse"])
        let inbox = try store.folder(by: "staff:s-ng", folder: .inbox, nowMs: t0 + day)
        XCTAssertEqual(inbox.entries.map(\.conversation), [sent.conversationId])
        XCTAssertTrue(try store.verifyAudit().ok)
    }

    func testErrorsCarryTheCodeAndMessage() throws {
        let store = try clinic()
        let request = SendRequest(author: "s-ng", patient: "E999", fromIdentity: .direct,
                                  subject: "s", body: "b", response: .allowed)
        XCTAssertThrowsError(try store.send(request: request, nowMs: t0)) { error in
            guard case PmsgError.UnknownPatient(let message) = error else {
                return XCTFail("expected UnknownPatient, got \(error)")
            }
            XCTAssertTrue(message.contains("E999"))
        }
    }

    func testBefore1970AndMilliseconds() throws {
        XCTAssertEqual(try parseInstant(text: "1969-12-31T23:59:59.999Z"), -1)
        XCTAssertEqual(try parseInstant(text: "2026-03-10T10:00:00.123-04:00"), t0 + 123)
    }
}
