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

    func testGroupSendReportAssignmentAndClaims() throws {
        let store = try clinic()
        try store.upsertDirectory(update: DirectoryUpdate(
            accounts: [Account(id: "a-omar", kind: .patient, displayName: "Omar Haddad", registered: true)],
            patients: [Patient(emrId: "E300", firstName: "Omar", lastName: "Haddad", dateOfBirth: "1975-09-09",
                               account: "a-omar")],
            staff: [Staff(id: "s-out", displayName: "Carla Diaz", acceptsDirect: true)],
            workgroups: [Workgroup(id: "wg-desk", name: "Front Desk", members: ["s-out"])]
        ))

        // One composition, a conversation per patient; an unknown EMR ID is skipped.
        let group = try store.sendGroup(request: GroupSendRequest(
            author: "s-ng", patients: ["E100", "E999", "E300"], fromIdentity: .workgroup(id: "wg-nurse"),
            subject: "Flu clinic", body: "Flu shots this Saturday.", response: .required(days: 3)
        ), nowMs: t0)
        XCTAssertEqual(group.entries.map(\.emrId), ["E100", "E999", "E300"])
        XCTAssertEqual(group.entries.map(\.skipped), [nil, "unknown_patient", nil])
        XCTAssertEqual(group.entries[0].deliveredTo, ["account:a-lea"])
        XCTAssertEqual(group.entries[0].status, .open)
        XCTAssertNil(group.entries[1].conversationId)
        XCTAssertNil(group.entries[1].status)
        let lea = try XCTUnwrap(group.entries[0].conversationId)
        let omar = try XCTUnwrap(group.entries[2].conversationId)

        try store.read(by: "account:a-lea", conversation: lea, nowMs: t0 + 60_000)
        let report = try store.groupReport(by: "staff:s-ng", groupId: group.groupId, nowMs: t0 + 4 * day)
        XCTAssertEqual(report.entries.map(\.read), [true, false, false])
        XCTAssertEqual(report.entries.map(\.overdue), [true, false, true])
        XCTAssertThrowsError(try store.groupReport(by: "staff:s-ng", groupId: "no-such-group", nowMs: t0)) { error in
            guard case PmsgError.UnknownGroup(_) = error else { return XCTFail("expected UnknownGroup, got \(error)") }
        }

        // Assignment: the front desk takes Omar's conversation over.
        try store.assign(by: "staff:s-ng", conversation: omar, to: "workgroup:wg-desk", note: "Call after 3 pm.",
                         nowMs: t0 + day)
        let view = try store.view(by: "staff:s-out", conversation: omar, nowMs: t0 + day)
        XCTAssertEqual(view.assignments.map(\.to), ["workgroup:wg-desk"])
        XCTAssertEqual(view.assignments.first?.note, "Call after 3 pm.")
        XCTAssertEqual(view.assignments.first?.atMs, t0 + day)
        XCTAssertFalse(view.confidential)
        XCTAssertEqual(try store.view(by: "account:a-omar", conversation: omar, nowMs: t0 + day).assignments, [])

        // Two workers share the due events through claims.
        let first = try store.claimDueEvents(worker: "worker-a", nowMs: t0 + day, limit: 1, leaseSeconds: 60)
        XCTAssertEqual(first.map(\.kind), [.newMessage])
        XCTAssertEqual(first.first?.claimedUntilMs, t0 + day + 60_000)
        let rest = try store.claimDueEvents(worker: "worker-b", nowMs: t0 + day, limit: nil, leaseSeconds: 60)
        XCTAssertTrue(rest.map(\.kind).contains(.assigned))
        XCTAssertEqual(try store.claimDueEvents(worker: "worker-a", nowMs: t0 + day + 59_000, limit: nil,
                                                leaseSeconds: 60), [])
        for e in first + rest { try store.ack(eventId: e.id, nowMs: t0 + day) }
        XCTAssertEqual(try store.claimDueEvents(worker: "worker-a", nowMs: t0 + day + 60_000, limit: nil,
                                                leaseSeconds: 60), [])
    }

    func testBefore1970AndMilliseconds() throws {
        XCTAssertThrowsError(try parseInstant(text: "1969-12-31T23:59:59.999Z"))
        XCTAssertEqual(try parseInstant(text: "2026-03-10T10:00:00.123-04:00"), t0 + 123)
    }
}
