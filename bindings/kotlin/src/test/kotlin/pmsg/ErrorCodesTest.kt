package pmsg

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** Every SPEC section 13 error code has its exception class. */
class ErrorCodesTest {
    // SPEC.md section 13, in its order.
    private val specCodes = listOf(
        "unknown_patient", "recipient_not_reachable", "not_workgroup_member",
        "direct_not_accepted", "invalid_subject", "invalid_body", "invalid_notify_interval",
        "invalid_response_deadline", "invalid_options", "attachment_too_large",
        "attachment_type_not_allowed", "too_many_attachments", "invalid_fee_code",
        "unknown_conversation", "unknown_attachment", "unknown_event", "unknown_staff",
        "unknown_account", "unknown_workgroup", "not_authorized", "conversation_closed",
        "attachments_not_allowed", "attachment_expired", "invalid_argument", "invalid_config",
        "schema_too_new", "storage", "internal", "unknown_group",
    )

    private fun camel(code: String) =
        code.split('_').joinToString("") { w -> w.replaceFirstChar { it.uppercaseChar() } }

    @Test
    fun eachCodeHasAnExceptionClass() {
        assertEquals(29, specCodes.size)
        for (code in specCodes) {
            val cls = Class.forName("pmsg.PmsgException\$${camel(code)}")
            assertTrue(PmsgException::class.java.isAssignableFrom(cls), "$cls is a PmsgException")
            val e = cls.getConstructor(String::class.java).newInstance("a message") as PmsgException
            assertEquals("a message", e.message)
            assertEquals(code, pmsg.conformance.codeOf(e))
        }
    }

    @Test
    fun theLibraryListsTheSameCodes() {
        assertEquals(specCodes, errorCodes())
    }
}
