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
    fun before1970AndMilliseconds() {
        assertEquals(-1L, parseInstant("1969-12-31T23:59:59.999Z"))
        assertEquals(t0 + 123, parseInstant("2026-03-10T10:00:00.123-04:00"))
    }
}
