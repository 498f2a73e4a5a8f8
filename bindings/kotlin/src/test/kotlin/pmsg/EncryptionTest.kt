package pmsg

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Assumptions.assumeFalse
import org.junit.jupiter.api.Assumptions.assumeTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import java.io.File
import java.nio.file.Path
import java.time.Instant

/** Encryption at rest through the Kotlin binding (`Store.openEncrypted`).
 *  The library under test is built with the cargo features in PMSG_FEATURES
 *  (bindings/generate.sh passes them to cargo): with `encryption`, a body
 *  leaves no trace in the file or its WAL and a wrong key fails at open;
 *  without it, `openEncrypted` says so. The library must be the build
 *  PMSG_FEATURES names, so these tests can fail either way. */
class EncryptionTest {
    private val t0 = Instant.parse("2026-03-10T14:00:00Z").toEpochMilli()
    private val body = "UNMISTAKABLE-KT-BODY: your biopsy result is benign"
    private val expected = (System.getenv("PMSG_FEATURES") ?: "")
        .split(' ', ',').contains("encryption")

    @Test
    fun theLibraryIsTheBuildPmsgFeaturesNames() {
        assertEquals(expected, hasEncryption())
    }

    private fun File.holds(text: String): Boolean =
        exists() && String(readBytes(), Charsets.ISO_8859_1).contains(text)

    @Test
    fun anEncryptedStoreKeepsNoPlaintextAndRefusesAWrongKey(@TempDir dir: Path) {
        assumeTrue(expected, "PMSG_FEATURES has no `encryption`")
        val path = dir.resolve("enc.db").toString()
        val conversation = Store.openEncrypted(path, "correct horse").use { store ->
            store.upsertDirectory(
                DirectoryUpdate(
                    accounts = listOf(Account("a-lea", AccountKind.PATIENT, "Léa Roy", registered = true)),
                    patients = listOf(Patient("E100", "Léa", "Roy", "1980-01-31", account = "a-lea")),
                    staff = listOf(Staff("s-ng", "Dr. Ana Ng", acceptsDirect = true)),
                ),
            )
            val sent = store.send(
                SendRequest(
                    author = "s-ng",
                    patient = "E100",
                    fromIdentity = Sender.Direct,
                    subject = "Biopsy",
                    body = body,
                    response = Response.Allowed,
                ),
                t0,
            )
            for (f in listOf(File(path), File("$path-wal"))) {
                assertFalse(f.holds("UNMISTAKABLE-KT-BODY"), "plaintext body in $f")
                assertFalse(f.holds("Dr. Ana Ng"), "plaintext name in $f")
            }
            sent.conversationId
        }
        val wrong = assertThrows<PmsgException.Storage> { Store.openEncrypted(path, "wrong horse") }
        assertTrue(wrong.message!!.contains("key is wrong"), wrong.message)
        val plain = assertThrows<PmsgException.Storage> { Store.open(path) }
        assertTrue(plain.message!!.contains("encrypted"), plain.message)
        Store.openEncrypted(path, "correct horse").use { store ->
            assertEquals(body, store.view("account:a-lea", conversation, t0 + 86_400_000L).messages[0].body)
        }
    }

    @Test
    fun aBuildWithoutEncryptionSaysSo(@TempDir dir: Path) {
        assumeFalse(expected, "PMSG_FEATURES has `encryption`")
        val path = dir.resolve("never.db")
        val e = assertThrows<PmsgException.Storage> { Store.openEncrypted(path.toString(), "a key") }
        assertTrue(e.message!!.contains("feature `encryption`"), e.message)
        assertFalse(path.toFile().exists())
    }

    @Test
    fun anEmptyKeyIsRefused(@TempDir dir: Path) {
        val e = assertThrows<PmsgException.InvalidArgument> {
            Store.openEncrypted(dir.resolve("x.db").toString(), "")
        }
        assertTrue(e.message!!.contains("key is empty"), e.message)
    }
}
