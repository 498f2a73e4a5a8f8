// The Kotlin conformance runner (tests/conformance/FORMAT.md): runs scenario
// files against the pmsg bindings. It follows the Rust runner
// (tests/conformance/rust/src/lib.rs) step for step, so that both give the
// same verdicts: the same typed calls, the same result keys, the same
// matching. Requests written in the scenario (config, directory, send, reply,
// send_group) are read by the core's own JSON readers (configFromJson,
// directoryFromJson, Store.sendJson, Store.replyJson, Store.sendGroupJson),
// so that a malformed field is reported at its R-S2 place exactly as in Rust.
// The scenario file's shorthands ({"repeat", "times"} text and `size`
// attachments) are expanded here, in a step's arguments and in its `expect`
// alike, before the library sees them. An op or a key it does not know FAILS.
package pmsg.conformance

import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import pmsg.Event
import pmsg.GroupSendOutcome
import pmsg.PmsgException
import pmsg.SendOutcome
import pmsg.Store
import pmsg.configFromJson
import pmsg.defaultConfig
import pmsg.directoryFromJson
import pmsg.parseInstant
import java.io.File
import java.time.LocalDateTime
import java.time.ZoneOffset
import java.util.Base64

/** A step whose outcome is not the expected one. */
class StepFailed(why: String) : Exception(why)

private val TOP_KEYS = listOf("name", "rules", "config", "directory", "steps", "description")
private val DIRECTORY_KEYS = listOf("accounts", "patients", "connections", "staff", "workgroups")
private val STEP_KEYS: Map<String, List<String>> = mapOf(
    "directory" to DIRECTORY_KEYS,
    "search" to listOf("query"),
    "send" to listOf(
        "author", "patient", "from", "subject", "body", "attachments", "unread_notify",
        "response", "allow_reply_attachments", "mask_name", "billable_fee_code",
        "file_to_chart", "confidential", "as", "message_as",
    ),
    "send_group" to listOf(
        "author", "patients", "from", "subject", "body", "attachments", "unread_notify",
        "response", "allow_reply_attachments", "mask_name", "billable_fee_code",
        "file_to_chart", "confidential", "as_group", "conversations_as", "messages_as",
    ),
    "group_report" to listOf("by", "group"),
    "reply" to listOf(
        "by", "conversation", "body", "attachments", "message_as", "from", "unread_notify",
        "response", "allow_reply_attachments", "mask_name", "billable_fee_code", "file_to_chart",
        "confidential",
    ),
    "assign" to listOf("by", "conversation", "to", "note"),
    "read" to listOf("by", "conversation"),
    "view" to listOf("by", "conversation"),
    "close" to listOf("by", "conversation"),
    "download" to listOf("by", "conversation", "attachment"),
    "due_events" to listOf("limit"),
    "deliver" to listOf("limit"),
    "ack" to listOf("event_id"),
    "claim" to listOf("worker", "lease_seconds", "limit", "ack"),
    "folder" to listOf("by", "folder", "page_size"),
    "purge" to emptyList(),
    "verify_audit" to emptyList(),
    "billing_report" to listOf("cycle"),
    "export_chart" to listOf("by", "conversation", "format"),
    "audit_tail" to listOf("count"),
)

/** Files as given; a folder means every `*.json` in it, sorted by name. */
fun scenarioFiles(paths: List<String>): List<File> = paths.flatMap { p ->
    val f = File(p)
    when {
        f.isDirectory -> (f.listFiles() ?: emptyArray())
            .filter { it.isFile && it.name.endsWith(".json") }
            .sortedWith { a, b -> compareCodePoints(a.name, b.name) }
        f.isFile -> listOf(f)
        else -> throw IllegalArgumentException("no such file or folder: $p")
    }
}

/** Runs one scenario: null when it passes, else why it failed. */
fun runFile(file: File): String? {
    val text = try {
        file.readText(Charsets.UTF_8)
    } catch (e: Exception) {
        return "cannot read: ${e.message}"
    }
    val scenario = try {
        Json.parseToJsonElement(text)
    } catch (e: Exception) {
        return "not JSON: ${e.message}"
    }
    val runner = try {
        Runner(scenario)
    } catch (e: StepFailed) {
        return "step 0 (setup): ${e.message}"
    } catch (e: Exception) {
        return "step 0 (setup): runner error: $e"
    }
    val steps = (scenario as? JsonObject)?.get("steps") as? JsonArray
        ?: return "step 0 (setup): no \"steps\" list"
    steps.forEachIndexed { i, step ->
        val op = ((step as? JsonObject)?.get("op") as? JsonPrimitive)
            ?.takeIf { it.isString }?.content ?: "?"
        try {
            runner.step(step)
        } catch (e: StepFailed) {
            return "step ${i + 1} ($op): ${e.message}"
        } catch (e: Exception) {
            return "step ${i + 1} ($op): runner error: $e"
        }
    }
    return null
}

// ------------------------------------------------------------------ values

private fun JsonElement?.str(): String? =
    (this as? JsonPrimitive)?.takeIf { it.isString }?.content

private fun JsonObject.str(key: String): String = this[key].str() ?: ""

// An integer literal as serde_json reads one (it reads `-0` as the float -0.0).
private val INTEGER = Regex("0|-?[1-9][0-9]*")

/** serde_json's `as_i64`: an integer literal within i64, else null. */
private fun JsonElement?.asI64(): Long? =
    (this as? JsonPrimitive)?.takeIf { !it.isString && INTEGER.matches(it.content) }
        ?.content?.toLongOrNull()

/** serde_json's `as_u64` narrowed to u32. */
private fun JsonElement?.asU32(): UInt? =
    (this as? JsonPrimitive)?.takeIf { !it.isString && INTEGER.matches(it.content) }
        ?.content?.toULongOrNull()?.takeIf { it <= UInt.MAX_VALUE.toULong() }?.toUInt()

// The longest text a {"repeat", "times"} value expands to, and the largest
// `size` attachment (the core's request::MAX_REPEAT_BYTES and its 64 x):
// anything larger is left as written, for the library to refuse.
private const val MAX_REPEAT_BYTES = 1L shl 20
private const val MAX_SIZE_BYTES = 64 * MAX_REPEAT_BYTES

/** `{"repeat": "ab", "times": 3}` -> `"ababab"`; null when `v` is not that
 *  shorthand (or would expand past MAX_REPEAT_BYTES). */
private fun repeatText(v: JsonObject): String? {
    if (v.keys != setOf("repeat", "times")) return null
    val unit = v["repeat"].str() ?: return null
    val times = v["times"].asI64()?.takeIf { it >= 0 } ?: return null
    val bytes = unit.toByteArray(Charsets.UTF_8).size.toLong()
    if (bytes == 0L) return ""
    if (times > MAX_REPEAT_BYTES / bytes) return null
    return unit.repeat(times.toInt())
}

/** Every `{"repeat", "times"}` value, at any depth, as its text. */
fun expand(v: JsonElement): JsonElement = when (v) {
    is JsonObject -> repeatText(v)?.let { JsonPrimitive(it) } ?: JsonObject(v.mapValues { expand(it.value) })
    is JsonArray -> JsonArray(v.map { expand(it) })
    else -> v
}

/** A step whose `attachments` written `{"name", "media_type", "size": N}`
 *  carry their N bytes (byte i = i mod 251) as `content_base64`; other
 *  attachments are left as written. */
fun expandAttachments(step: JsonObject): JsonObject {
    val files = step["attachments"] as? JsonArray ?: return step
    val out = files.map { f ->
        val n = (f as? JsonObject)?.takeIf { it.keys == setOf("name", "media_type", "size") }
            ?.get("size").asI64()?.takeIf { it in 0..MAX_SIZE_BYTES }
            ?: return@map f
        f as JsonObject
        val content = ByteArray(n.toInt()) { (it % 251).toByte() }
        JsonObject(linkedMapOf(
            "name" to f.getValue("name"),
            "media_type" to f.getValue("media_type"),
            "content_base64" to JsonPrimitive(Base64.getEncoder().encodeToString(content)),
        ))
    }
    return JsonObject(step + ("attachments" to JsonArray(out)))
}

private fun JsonElement?.isNumber(): Boolean =
    this is JsonPrimitive && !isString && this !is JsonNull && content != "true" && content != "false"

private fun JsonElement?.isNull(): Boolean = this == null || this is JsonNull

/** `PmsgException.UnknownPatient` -> `unknown_patient`. */
fun codeOf(e: PmsgException): String =
    (e::class.simpleName ?: "").replace(Regex("(?<!^)(?=[A-Z])"), "_").lowercase()

private fun describe(e: PmsgException) = "${codeOf(e)} (${e.message})"

private fun invalidArgument(message: String) = PmsgException.InvalidArgument(message)

private fun jsonOf(value: Any?): JsonElement = when (value) {
    null -> JsonNull
    is JsonElement -> value
    is String -> JsonPrimitive(value)
    is Boolean -> JsonPrimitive(value)
    is Int -> JsonPrimitive(value)
    is Long -> JsonPrimitive(value)
    is UInt -> JsonPrimitive(value.toLong())
    is ULong -> JsonPrimitive(value.toString().toBigInteger())
    is Enum<*> -> JsonPrimitive(value.name.lowercase())
    is Map<*, *> -> JsonObject(value.entries.associate { (k, v) -> k as String to jsonOf(v) })
    is List<*> -> JsonArray(value.map { jsonOf(it) })
    else -> throw IllegalArgumentException("no JSON for $value")
}

private fun obj(vararg pairs: Pair<String, Any?>): JsonObject = jsonOf(linkedMapOf(*pairs)) as JsonObject

/** Compares strings by Unicode code points (= UTF-8 byte order, as Rust sorts). */
fun compareCodePoints(a: String, b: String): Int {
    val x = a.codePoints().toArray()
    val y = b.codePoints().toArray()
    for (i in 0 until minOf(x.size, y.size)) {
        if (x[i] != y[i]) return x[i].compareTo(y[i])
    }
    return x.size.compareTo(y.size)
}

private val RFC3339 = Regex(
    "^(\\d{4})-(\\d{2})-(\\d{2})[Tt ](\\d{2}):(\\d{2}):(\\d{2})(?:\\.(\\d+))?(?:([Zz])|([+-])(\\d{2}):(\\d{2}))$",
)

/** An RFC 3339 date-time (as chrono's `parse_from_rfc3339` reads it) as
 *  (seconds since the epoch, nanoseconds); null for anything else. */
fun instant(text: String): Pair<Long, Long>? {
    val m = RFC3339.matchEntire(text) ?: return null
    val g = m.groupValues
    val second = g[6].toInt()
    val leap = second == 60
    val local = try {
        LocalDateTime.of(g[1].toInt(), g[2].toInt(), g[3].toInt(), g[4].toInt(), g[5].toInt(),
            if (leap) 59 else second)
    } catch (e: Exception) {
        return null
    }
    val offset = if (g[8].isNotEmpty()) 0 else {
        val (h, mi) = g[10].toInt() to g[11].toInt()
        if (h > 23 || mi > 59) return null
        (h * 60 + mi) * 60 * (if (g[9] == "+") 1 else -1)
    }
    var nanos = (g[7] + "000000000").substring(0, 9).toLong()
    if (leap) nanos += 1_000_000_000
    return (local.toEpochSecond(ZoneOffset.UTC) - offset) to nanos
}

/** FORMAT.md matching: objects by the expected keys, lists by length and
 *  order, instants as instants, anything else by equality. */
fun matches(expected: JsonElement, actual: JsonElement, path: String = "") {
    val where = path.ifEmpty { "result" }
    if (expected is JsonObject && actual is JsonObject) {
        for ((k, ev) in expected) {
            val here = "$path.$k"
            val av = actual[k] ?: throw StepFailed("$here: expected $ev, but the result has no ${JsonPrimitive(k)}")
            matches(ev, av, here)
        }
        return
    }
    if (expected is JsonArray && actual is JsonArray) {
        if (expected.size != actual.size) {
            throw StepFailed("$where: expected ${expected.size} items $expected, got ${actual.size} items $actual")
        }
        expected.zip(actual).forEachIndexed { i, (ev, av) -> matches(ev, av, "$path[$i]") }
        return
    }
    val ok = when {
        expected is JsonNull || actual is JsonNull -> expected is JsonNull && actual is JsonNull
        expected is JsonPrimitive && expected.isString && actual is JsonPrimitive && actual.isString ->
            expected.content == actual.content ||
                (instant(expected.content)?.let { it == instant(actual.content) } ?: false)
        expected.isNumber() && actual.isNumber() ->
            (expected as JsonPrimitive).content.toDouble() == (actual as JsonPrimitive).content.toDouble()
        expected is JsonPrimitive && actual is JsonPrimitive && !expected.isString && !actual.isString ->
            expected.content == actual.content // booleans
        else -> false
    }
    if (!ok) throw StepFailed("$where: expected $expected, got $actual")
}

private fun checkKeys(obj: JsonElement, allowed: List<String>, what: String) {
    if (obj !is JsonObject) throw StepFailed("$what is not an object")
    for (k in obj.keys) {
        if (k !in allowed) throw StepFailed("unknown key ${JsonPrimitive(k)} in $what")
    }
}

// ------------------------------------------------------------------ runner

private val schemaNumbers = java.util.concurrent.atomic.AtomicLong()

/** The store of one scenario. With `PMSG_TEST_DATABASE_URL` set (a
 *  postgres:// URL; scripts/with-postgres sets it), a fresh PostgreSQL
 *  schema of that database: the URL with `pmsg_schema=` a name that no
 *  other scenario, process or run uses (pid, counter, clock; pmsg creates
 *  the schema). Otherwise a private in-memory store. */
/** The runner's own keys of a step: the library refuses keys it does not know. */
val RUNNER_KEYS = setOf("at", "op", "expect", "as", "message_as", "as_group", "conversations_as", "messages_as")

/** The library's request: the step without the runner's own keys. */
fun requestOf(step: JsonObject): JsonObject = JsonObject(step.filterKeys { it !in RUNNER_KEYS })

fun openStore(config: pmsg.Config): Store {
    val url = System.getenv("PMSG_TEST_DATABASE_URL").orEmpty()
    if (url.isEmpty()) return Store.openInMemory(config)
    val schema = "pmsg_kt_${ProcessHandle.current().pid()}_${schemaNumbers.getAndIncrement()}_" +
        "${System.currentTimeMillis()}_${Math.floorMod(System.nanoTime(), 1_000_000_000L)}"
    return Store.open("$url${if ('?' in url) '&' else '?'}pmsg_schema=$schema", config)
}

/** One scenario's store and its aliases (conversation and message aliases
 *  to real ids and back, attachment names to ids). */
class Runner(scenario: JsonElement) {
    private val store: Store
    private val conversations = HashMap<String, String>()
    private val messages = HashMap<String, String>()
    private val reverse = HashMap<String, String>()
    private val groups = HashMap<String, String>()
    private val attachments = HashMap<String, MutableList<Pair<String, String>>>()
    private val staff = ArrayList<String>()

    init {
        checkKeys(scenario, TOP_KEYS, "the scenario")
        val setup = expand(JsonObject((scenario as JsonObject).filterKeys { it != "steps" })) as JsonObject
        try {
            val config = setup["config"]?.let { configFromJson(it.toString()) } ?: defaultConfig()
            store = openStore(config)
            setup["directory"]?.let { directory(it) }
        } catch (e: PmsgException) {
            throw StepFailed(describe(e))
        }
    }

    private fun directory(d: JsonElement) {
        val update = directoryFromJson(d.toString())
        store.upsertDirectory(update)
        for (s in update.staff) if (s.id !in staff) staff.add(s.id)
    }

    private fun conv(step: JsonObject): String = step.str("conversation").let { conversations[it] ?: it }

    private fun alias(id: String): String = reverse[id] ?: id

    private fun optAlias(id: String?): String? = id?.let { alias(it) }

    fun step(given: JsonElement) {
        val op = ((given as? JsonObject)?.get("op")).str() ?: throw StepFailed("no \"op\"")
        given as JsonObject
        val at = given["at"].str() ?: throw StepFailed("no \"at\"")
        val nowMs = try {
            parseInstant(at)
        } catch (e: PmsgException) {
            throw StepFailed(describe(e))
        }
        val allowed = STEP_KEYS[op] ?: throw StepFailed("unknown op ${JsonPrimitive(op)}")
        checkKeys(given, listOf("at", "op", "expect") + allowed, "the step")
        val step = expandAttachments(expand(given) as JsonObject)
        val expect = step["expect"] ?: JsonObject(emptyMap())
        var error: PmsgException? = null
        val actual = try {
            perform(op, step, nowMs)
        } catch (e: PmsgException) {
            error = e
            null
        }
        if (expect is JsonObject && "error" in expect) {
            val want = expect.getValue("error")
            val e = error ?: throw StepFailed("expected error $want, got success")
            if (want.str() != codeOf(e)) throw StepFailed("expected error $want, got error ${describe(e)}")
            return
        }
        if (error != null) throw StepFailed("expected success, got error ${describe(error)}")
        val exp = LinkedHashMap<String, JsonElement>((expect as? JsonObject) ?: emptyMap())
        checkText(exp, actual!!)
        matches(JsonObject(exp), actual)
    }

    /** `chart_contains`, `contains`, `not_contains`: substrings of a document. */
    private fun checkText(exp: MutableMap<String, JsonElement>, actual: JsonObject) {
        val doc = actual["document"].str() ?: ""
        for ((key, want) in listOf("chart_contains" to true, "contains" to true, "not_contains" to false)) {
            val list = exp.remove(key) ?: continue
            if (key == "chart_contains" && "document" !in actual) {
                throw StepFailed("chart_contains given but no chart document was returned")
            }
            if (list !is JsonArray) throw StepFailed("$key is not a list")
            for (s in list) {
                val text = s.str() ?: throw StepFailed("$key entry $s is not a string")
                if (doc.contains(text) != want) {
                    val how = if (want) "to contain" else "not to contain"
                    throw StepFailed("expected the document $how ${JsonPrimitive(text)}; document:\n$doc")
                }
            }
        }
    }

    private fun perform(op: String, step: JsonObject, nowMs: Long): JsonObject = when (op) {
        "directory" -> {
            directory(JsonObject(DIRECTORY_KEYS.filter { it in step }.associateWith { step.getValue(it) }))
            obj()
        }
        "search" -> obj("matches" to store.search(step.str("query"), nowMs).map {
            obj("emr_id" to it.emrId, "deliver_to" to it.deliverTo,
                "confidential_deliver_to" to it.confidentialDeliverTo,
                "first_name" to it.firstName, "last_name" to it.lastName)
        })
        "send" -> {
            val out = store.sendJson(requestOf(step).toString(), nowMs)
            step["as"].str()?.let {
                conversations[it] = out.conversationId
                reverse[out.conversationId] = it
            }
            recordMessage(step, out)
            outcome(out)
        }
        "send_group" -> {
            val group = store.sendGroupJson(requestOf(step).toString(), nowMs)
            bindGroup(step, group)
            obj(
                "outcome" to group.entries.map { e ->
                    obj("emr_id" to e.emrId, "conversation" to optAlias(e.conversationId),
                        "skipped" to e.skipped, "delivered_to" to e.deliveredTo, "status" to e.status,
                        "message" to optAlias(e.messageId))
                },
                "group" to group.groupId,
            )
        }
        "group_report" -> {
            // A name no step bound, or a value that is not a string (as its
            // JSON text), is passed on as a literal id.
            val group = step["group"].str()?.let { groups[it] ?: it } ?: (step["group"] ?: JsonNull).toString()
            val r = store.groupReport(step.str("by"), group, nowMs)
            obj(
                "entries" to r.entries.map { e ->
                    obj("emr_id" to e.emrId, "conversation" to optAlias(e.conversation),
                        "skipped" to e.skipped, "read" to e.read, "replied" to e.replied,
                        "awaiting_response" to e.awaitingResponse, "overdue" to e.overdue)
                },
            )
        }
        "assign" -> {
            val note = step["note"].takeUnless { it.isNull() }?.let {
                it.str() ?: throw invalidArgument("note $it is not a string (R-AS1)")
            }
            store.assign(step.str("by"), conv(step), step.str("to"), note, nowMs)
            obj()
        }
        "reply" -> {
            val request = JsonObject(requestOf(step) + ("conversation" to JsonPrimitive(conv(step))))
            val out = store.replyJson(request.toString(), nowMs)
            recordMessage(step, out)
            outcome(out)
        }
        "read" -> {
            store.read(step.str("by"), conv(step), nowMs)
            obj()
        }
        "close" -> {
            store.closeConversation(step.str("by"), conv(step), nowMs)
            obj()
        }
        "view" -> {
            val v = store.view(step.str("by"), conv(step), nowMs)
            obj(
                "status" to v.status,
                "awaiting_response" to v.awaitingResponse,
                "overdue" to v.overdue,
                "response_due_at" to v.responseDueAt,
                "subject" to v.subject,
                "confidential" to v.confidential,
                "assignments" to v.assignments.map { a ->
                    obj("by" to a.by, "to" to a.to, "note" to a.note, "at" to a.at)
                },
                "messages" to v.messages.map { m ->
                    obj(
                        "sender" to m.sender, "from" to m.fromName, "body" to m.body, "read" to m.read,
                        "masked" to m.masked, "message" to alias(m.id),
                        "attachments" to m.attachments.map { a ->
                            obj("name" to a.name, "purged" to a.purged, "size" to a.size)
                        },
                    )
                },
            )
        }
        "download" -> {
            val conv = conv(step)
            val name = step.str("attachment")
            val id = attachments[conv]?.firstOrNull { it.first == name }?.second ?: name
            val d = store.download(step.str("by"), conv, id, nowMs)
            obj("size" to d.content.size, "name" to d.name, "media_type" to d.mediaType)
        }
        "due_events", "deliver" -> {
            val events = store.dueEvents(nowMs, limitOf(step))
            if (op == "deliver") events.forEach { store.ack(it.id, nowMs) }
            obj("events" to events.map { event(it) })
        }
        "claim" -> {
            val worker = step["worker"].str()
                ?: throw invalidArgument("worker ${step["worker"] ?: JsonNull} is not a string (R-D7)")
            val limit = limitOf(step)
            val lease = step["lease_seconds"].asI64()
                ?: throw invalidArgument("lease_seconds ${step["lease_seconds"] ?: JsonNull} is not an integer (R-D7)")
            val ack = step["ack"].takeUnless { it.isNull() }?.let {
                (it as? JsonPrimitive)?.takeIf { p -> !p.isString }?.content?.toBooleanStrictOrNull()
                    ?: throw invalidArgument("ack $it is not true or false")
            } ?: false
            val events = store.claimDueEvents(worker, nowMs, limit, lease)
            if (ack) events.forEach { store.ack(it.id, nowMs) }
            obj("events" to events.map { event(it) })
        }
        "ack" -> {
            store.ack(step.str("event_id"), nowMs)
            obj()
        }
        "folder" -> folder(step, nowMs)
        "purge" -> {
            val purged = store.purge(nowMs).map { alias(it.conversation) to it.name }
                .sortedWith { a, b ->
                    compareCodePoints(a.first, b.first).takeIf { it != 0 } ?: compareCodePoints(a.second, b.second)
                }
            obj("purged" to purged.map { (c, a) -> obj("conversation" to c, "attachment" to a) })
        }
        "billing_report" -> {
            val r = store.billingReport(step.str("cycle"))
            obj(
                "entries" to r.entries.map { e ->
                    obj("fee_code" to e.feeCode, "author" to e.author, "patient" to e.patient,
                        "conversation" to alias(e.conversation), "sent_at" to e.sentAt)
                },
                "totals" to r.totals.map { t ->
                    obj("author" to t.author, "fee_code" to t.feeCode, "count" to t.count)
                },
            )
        }
        "export_chart" -> obj(
            "document" to store.exportChartByName(step.str("by"), conv(step), step.str("format"), nowMs),
        )
        "audit_tail" -> {
            val raw = step["count"] ?: throw invalidArgument("audit_tail needs a count")
            val count = raw.asI64() ?: throw invalidArgument("count $raw is not an integer")
            obj("entries" to store.auditTail(count).map { e ->
                obj("actor" to e.actor, "action" to e.action,
                    "conversation" to e.conversation?.let { alias(it) },
                    "message" to e.message?.let { alias(it) })
            })
        }
        "verify_audit" -> {
            val v = store.verifyAudit()
            obj("ok" to v.ok, "entries" to v.entries, "first_broken" to v.firstBroken)
        }
        else -> throw PmsgException.Internal("op $op not dispatched")
    }

    /** A step's optional `limit` (R-D5): none, or an integer literal. */
    private fun limitOf(step: JsonObject): Long? = step["limit"].takeUnless { it.isNull() }?.let {
        it.asI64() ?: throw invalidArgument("limit $it is not an integer (R-D5)")
    }

    /** An event; `claimed_until` only when it has one (a claim's). */
    private fun event(e: Event): JsonObject {
        val v = obj("kind" to e.kind, "to" to e.to, "conversation" to alias(e.conversation),
            "message" to optAlias(e.message), "due_at" to e.dueAt, "id" to e.id)
        return e.claimedUntil?.let { JsonObject(v + ("claimed_until" to JsonPrimitive(it))) } ?: v
    }

    /** `as_group`; the i-th alias of `conversations_as` and of `messages_as`
     *  for the i-th sent patient (extra aliases stay unbound); each sent
     *  conversation's attachments, for `download`. */
    private fun bindGroup(step: JsonObject, group: GroupSendOutcome) {
        step["as_group"].str()?.let { groups[it] = group.groupId }
        for (e in group.entries) {
            val id = e.conversationId ?: continue
            attachments.getOrPut(id) { ArrayList() }.addAll(e.attachments.map { it.name to it.id })
        }
        val sent = group.entries.filter { it.skipped == null }
        for ((key, table, ids) in listOf(
            Triple("conversations_as", conversations, sent.map { it.conversationId }),
            Triple("messages_as", messages, sent.map { it.messageId }),
        )) {
            val aliases = (step[key] as? JsonArray ?: continue).mapNotNull { it.str() }
            aliases.zip(ids).forEach { (name, id) ->
                if (id != null) {
                    table[name] = id
                    reverse[id] = name
                }
            }
        }
    }

    private fun recordMessage(step: JsonObject, out: SendOutcome) {
        step["message_as"].str()?.let {
            messages[it] = out.messageId
            reverse[out.messageId] = it
        }
        attachments.getOrPut(out.conversationId) { ArrayList() }
            .addAll(out.attachments.map { it.name to it.id })
    }

    private fun outcome(out: SendOutcome): JsonObject {
        val v = linkedMapOf<String, Any?>(
            "delivered_to" to out.deliveredTo,
            "status" to out.status,
            "conversation" to alias(out.conversationId),
        )
        out.chartText?.let { v["document"] = it }
        return jsonOf(v) as JsonObject
    }

    private fun folder(step: JsonObject, nowMs: Long): JsonObject {
        val by = step.str("by")
        val folder = step.str("folder")
        val pageSize = step["page_size"].takeUnless { it.isNull() }?.let {
            it.asU32() ?: throw invalidArgument("page_size $it is not a positive integer")
        }
        val pages = ArrayList<List<String>>()
        val entries = ArrayList<JsonObject>()
        var cursor: String? = null
        while (true) {
            val page = store.folderByName(by, folder, nowMs, cursor, pageSize)
            pages.add(page.entries.map { alias(it.conversation) })
            page.entries.mapTo(entries) { e ->
                obj("conversation" to alias(e.conversation), "unread" to e.unread,
                    "awaiting_response" to e.awaitingResponse, "overdue" to e.overdue,
                    "response_due_at" to e.responseDueAt, "subject" to e.subject, "status" to e.status)
            }
            cursor = page.nextCursor
            if (pageSize == null || cursor == null) break
        }
        return obj(
            "conversations" to entries.map { it.getValue("conversation") },
            "entries" to entries,
            "pages" to pages,
        )
    }
}
