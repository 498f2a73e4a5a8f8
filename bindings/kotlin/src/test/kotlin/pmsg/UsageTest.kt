package pmsg

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path
import java.time.Instant
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit

/** The Kotlin bindings used the way a host would: typed records in, typed
 *  records out, one exception class per SPEC section 13 code. */
class UsageTest {
    private val t0 = Instant.parse("2026-03-10T14:00:00Z").toEpochMilli() // the API takes epoch ms
    private val day = 86_400_000L

    private fun Store.clinic() = apply {
        upsertDirectory(
            DirectoryUpdate(
                accounts = listOf(Account("a-lea", AccountKind.PATIENT, "Léa Roy", registered = true)),
                patients = listOf(Patient("E100", "Léa", "Roy", "1980-01-31", account = "a-lea")),
                staff = listOf(Staff("s-ng", "Dr. Ana Ng", acceptsDirect = true)),
                workgroups = listOf(Workgroup("wg-nurse", "Nursing", listOf("s-ng"))),
            ),
        )
    }

    private fun toronto() = defaultConfig().copy(timeZone = "America/Toronto")

    @Test
    fun sendReadReplyAndDeliver() {
        Store.openInMemory(toronto()).clinic().use { store ->
            assertEquals(listOf("account:a-lea"), store.search("roy", t0).single().deliverTo)

            val sent = store.send(
                SendRequest(
                    author = "s-ng",
                    patient = "E100",
                    fromIdentity = Sender.Workgroup("wg-nurse"),
                    subject = "Your results",
                    body = "All normal.",
                    attachments = listOf(NewAttachment("results.pdf", "application/pdf", "%PDF-1.7".toByteArray())),
                    response = Response.Required(days = 3),
                    allowReplyAttachments = true,
                ),
                t0,
            )
            assertEquals(ConversationStatus.OPEN, sent.status)

            // The host delivers the notices, then acknowledges them.
            val events = store.dueEvents(t0)
            assertEquals(listOf(EventKind.NEW_MESSAGE), events.map { it.kind })
            assertEquals("2026-03-10T10:00:00-04:00", events[0].dueAt)
            assertEquals(t0, events[0].dueAtMs)
            events.forEach { store.ack(it.id, t0) }
            assertTrue(store.dueEvents(t0).isEmpty())

            val view = store.view("account:a-lea", sent.conversationId, t0 + 60_000)
            assertTrue(view.awaitingResponse)
            assertFalse(view.overdue)
            assertEquals(t0 + 3 * day, view.responseDueAtMs)
            assertEquals("Nursing", view.messages[0].fromName)
            val file = store.download("account:a-lea", sent.conversationId, sent.attachments[0].id, t0)
            assertEquals("%PDF-1.7", file.content.decodeToString())

            val reply = store.reply(ReplyRequest("account:a-lea", sent.conversationId, "Thank you!"), t0 + day)
            assertEquals(listOf("workgroup:wg-nurse"), reply.deliveredTo)
            val inbox = store.folder("staff:s-ng", FolderKind.INBOX, t0 + day)
            assertEquals(listOf(sent.conversationId), inbox.entries.map { it.conversation })
            assertTrue(inbox.entries[0].unread)

            val chart = store.exportChart("staff:s-ng", sent.conversationId, ChartFormat.TEXT, t0 + day)
            assertTrue("Thank you!" in chart)
            assertTrue(store.verifyAudit().ok)
        }
    }

    @Test
    fun errorsAreASealedHierarchyWithTheMessage() {
        Store.openInMemory().clinic().use { store ->
            val request = SendRequest(
                author = "s-ng", patient = "E999", fromIdentity = Sender.Direct,
                subject = "s", body = "b", response = Response.Allowed,
            )
            val e = assertThrows<PmsgException.UnknownPatient> { store.send(request, t0) }
            assertTrue("E999" in e.message!!)
            val code = when (val caught = runCatching { store.search("roy", Long.MAX_VALUE) }.exceptionOrNull()) {
                is PmsgException.InvalidArgument -> "invalid_argument"
                is PmsgException -> "another code"
                else -> "no error: $caught"
            }
            assertEquals("invalid_argument", code)
        }
        assertThrows<PmsgException.InvalidConfig> {
            Store.openInMemory(defaultConfig().copy(timeZone = "Mars/Olympus"))
        }
    }

    @Test
    fun aFileStoreIsSharedByThreadsAndReopened(@TempDir dir: Path) {
        val path = dir.resolve("clinic.db").toString()
        val request = SendRequest(
            author = "s-ng", patient = "E100", fromIdentity = Sender.Direct,
            subject = "Hello", body = "Hi", response = Response.Allowed,
        )
        Store.open(path, toronto()).clinic().use { store ->
            val pool = Executors.newFixedThreadPool(4)
            repeat(8) { i -> pool.submit { store.send(request, t0 + i) } }
            pool.shutdown()
            assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS))
        }
        Store.open(path).use { again ->
            assertEquals(8, again.folder("staff:s-ng", FolderKind.SENT, t0 + 10).entries.size)
        }
    }

    @Test
    fun groupSendReportAssignmentAndClaims() {
        Store.openInMemory(toronto()).clinic().use { store ->
            store.upsertDirectory(
                DirectoryUpdate(
                    accounts = listOf(Account("a-omar", AccountKind.PATIENT, "Omar Haddad", registered = true)),
                    patients = listOf(Patient("E300", "Omar", "Haddad", "1975-09-09", account = "a-omar")),
                    staff = listOf(Staff("s-out", "Carla Diaz", acceptsDirect = true)),
                    workgroups = listOf(Workgroup("wg-desk", "Front Desk", listOf("s-out"))),
                ),
            )

            // One composition, a conversation per patient; an unknown EMR ID is skipped.
            val group = store.sendGroup(
                GroupSendRequest(
                    author = "s-ng",
                    patients = listOf("E100", "E999", "E300"),
                    fromIdentity = Sender.Workgroup("wg-nurse"),
                    subject = "Flu clinic",
                    body = "Flu shots this Saturday.",
                    response = Response.Required(days = 3),
                ),
                t0,
            )
            val (lea, unknown, omar) = group.entries
            assertEquals(listOf("account:a-lea"), lea.deliveredTo)
            assertEquals(ConversationStatus.OPEN, lea.status)
            assertEquals(null, lea.skipped)
            assertEquals("unknown_patient", unknown.skipped)
            assertEquals(null, unknown.conversationId)
            assertEquals(null, unknown.status)
            assertEquals(listOf("account:a-omar"), omar.deliveredTo)

            store.read("account:a-lea", lea.conversationId!!, t0 + 60_000)
            val report = store.groupReport("staff:s-ng", group.groupId, t0 + 4 * day)
            assertEquals(
                listOf(
                    listOf("E100", true, true, true),
                    listOf("E999", false, false, false),
                    listOf("E300", false, true, true),
                ),
                report.entries.map { listOf(it.emrId, it.read, it.awaitingResponse, it.overdue) },
            )
            assertThrows<PmsgException.UnknownGroup> { store.groupReport("staff:s-ng", "no-such-group", t0) }
            assertThrows<PmsgException.NotAuthorized> { store.groupReport("staff:s-out", group.groupId, t0) }

            // Assignment: the front desk takes Omar's conversation over.
            val conv = omar.conversationId!!
            store.assign("staff:s-ng", conv, "workgroup:wg-desk", "Call after 3 pm.", t0 + day)
            val view = store.view("staff:s-out", conv, t0 + day)
            assertEquals(
                listOf(Assignment("staff:s-ng", "workgroup:wg-desk", "Call after 3 pm.", "2026-03-11T10:00:00-04:00", t0 + day)),
                view.assignments,
            )
            assertFalse(view.confidential)
            assertTrue(store.view("account:a-omar", conv, t0 + day).assignments.isEmpty())
            assertThrows<PmsgException.UnknownWorkgroup> {
                store.assign("staff:s-ng", conv, "workgroup:wg-ghost", null, t0 + day)
            }

            // Two workers share the due events through claims.
            val first = store.claimDueEvents("worker-a", t0 + day, 1, 60)
            assertEquals(listOf(EventKind.NEW_MESSAGE), first.map { it.kind })
            assertEquals(t0 + day + 60_000, first[0].claimedUntilMs)
            assertEquals("2026-03-11T10:01:00-04:00", first[0].claimedUntil)
            val rest = store.claimDueEvents("worker-b", t0 + day, null, 60)
            assertTrue(EventKind.ASSIGNED in rest.map { it.kind })
            assertTrue(rest.none { e -> first.any { it.id == e.id } })
            assertTrue(store.claimDueEvents("worker-a", t0 + day + 59_000, null, 60).isEmpty())
            val peek = store.dueEvents(t0 + day) // ignores claims, shows no claim fields
            assertEquals(3, peek.size)
            assertTrue(peek.all { it.claimedUntil == null && it.claimedUntilMs == null })
            (first + rest).forEach { store.ack(it.id, t0 + day) }
            assertTrue(store.claimDueEvents("worker-a", t0 + day + 60_000, null, 60).isEmpty())
            assertThrows<PmsgException.InvalidArgument> { store.claimDueEvents("", t0, null, 60) }
        }
    }

    @Test
    fun instantsOutOfRangeAreRefusedAndMillisecondsKept() {
        assertThrows<PmsgException.InvalidArgument> { parseInstant("1969-12-31T23:59:59.999Z") }
        assertEquals(t0 + 123, parseInstant("2026-03-10T10:00:00.123-04:00"))
    }
}
