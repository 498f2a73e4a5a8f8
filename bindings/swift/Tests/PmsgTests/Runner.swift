// The Swift conformance runner (tests/conformance/FORMAT.md): runs scenario
// files against the Pmsg bindings. It follows the Rust runner
// (tests/conformance/rust/src/lib.rs) step for step, so that both give the
// same verdicts: the same typed calls, the same result keys, the same
// matching. Requests written in the scenario (config, directory, send, reply,
// send_group) are read by the core's own JSON readers (configFromJson,
// directoryFromJson, Store.sendJson, Store.replyJson, Store.sendGroupJson), so
// that a malformed field is reported at its R-S2 place exactly as in Rust. The
// scenario file's shorthands ({"repeat", "times"} text and `size` attachments)
// are expanded here, in a step's arguments and in its `expect` alike, before
// the library sees them. An op or a key it does not know FAILS.
import Foundation
import Pmsg

/// A step whose outcome is not the expected one.
struct StepFailed: Error {
    let why: String
    init(_ why: String) { self.why = why }
}

private let topKeys = ["name", "rules", "config", "directory", "steps", "description"]
private let directoryKeys = ["accounts", "patients", "connections", "staff", "workgroups"]
private let stepKeys: [String: [String]] = [
    "directory": directoryKeys,
    "search": ["query"],
    "send": [
        "author", "patient", "from", "subject", "body", "attachments", "unread_notify",
        "response", "allow_reply_attachments", "mask_name", "billable_fee_code",
        "file_to_chart", "confidential", "as", "message_as",
    ],
    "send_group": [
        "author", "patients", "from", "subject", "body", "attachments", "unread_notify",
        "response", "allow_reply_attachments", "mask_name", "billable_fee_code",
        "file_to_chart", "confidential", "as_group", "conversations_as", "messages_as",
    ],
    "group_report": ["by", "group"],
    "reply": [
        "by", "conversation", "body", "attachments", "message_as", "from", "unread_notify",
        "response", "allow_reply_attachments", "mask_name", "billable_fee_code", "file_to_chart",
        "confidential",
    ],
    "assign": ["by", "conversation", "to", "note"],
    "read": ["by", "conversation"],
    "view": ["by", "conversation"],
    "close": ["by", "conversation"],
    "download": ["by", "conversation", "attachment"],
    "due_events": ["limit"],
    "deliver": ["limit"],
    "ack": ["event_id"],
    "claim": ["worker", "lease_seconds", "limit", "ack"],
    "folder": ["by", "folder", "page_size"],
    "purge": [],
    "verify_audit": [],
    "billing_report": ["cycle"],
    "export_chart": ["by", "conversation", "format"],
    "audit_tail": ["count"],
]

/// Compares strings by Unicode code points (= UTF-8 byte order, as Rust sorts).
func codePointsBefore(_ a: String, _ b: String) -> Bool {
    Array(a.unicodeScalars).lexicographicallyPrecedes(Array(b.unicodeScalars)) { $0.value < $1.value }
}

/// Files as given; a folder means every `*.json` in it, sorted by name.
func scenarioFiles(_ paths: [String]) throws -> [String] {
    var out: [String] = []
    let fm = FileManager.default
    for p in paths {
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: p, isDirectory: &isDir) else {
            throw StepFailed("no such file or folder: \(p)")
        }
        if isDir.boolValue {
            let names = try fm.contentsOfDirectory(atPath: p).filter { name in
                var sub: ObjCBool = false
                return name.hasSuffix(".json")
                    && fm.fileExists(atPath: (p as NSString).appendingPathComponent(name), isDirectory: &sub)
                    && !sub.boolValue
            }
            out += names.sorted(by: codePointsBefore).map { (p as NSString).appendingPathComponent($0) }
        } else {
            out.append(p)
        }
    }
    return out
}

/// Runs one scenario: nil when it passes, else why it failed.
func runFile(_ path: String) -> String? {
    guard let data = FileManager.default.contents(atPath: path),
          let text = String(data: data, encoding: .utf8)
    else { return "cannot read: \(path)" }
    let scenario: JSON
    do {
        scenario = try JSON.parse(text)
    } catch {
        return "not JSON: \(error)"
    }
    let runner: Runner
    do {
        runner = try Runner(scenario)
    } catch let e as StepFailed {
        return "step 0 (setup): \(e.why)"
    } catch {
        return "step 0 (setup): runner error: \(error)"
    }
    guard case .array(let steps)? = scenario["steps"] else { return "step 0 (setup): no \"steps\" list" }
    for (i, step) in steps.enumerated() {
        let op = step["op"]?.string ?? "?"
        do {
            try runner.step(step)
        } catch let e as StepFailed {
            return "step \(i + 1) (\(op)): \(e.why)"
        } catch {
            return "step \(i + 1) (\(op)): runner error: \(error)"
        }
    }
    return nil
}

// ------------------------------------------------------------------ values

/// `PmsgError.UnknownPatient(message:)` -> `unknown_patient`.
func codeOf(_ e: PmsgError) -> String {
    let name = Mirror(reflecting: e).children.first?.label
        ?? String(String(describing: e).prefix(while: { $0 != "(" }))
    var out = ""
    for (i, ch) in name.enumerated() {
        if ch.isUppercase && i > 0 { out += "_" }
        out += ch.lowercased()
    }
    return out
}

private func describe(_ e: PmsgError) -> String {
    let message = Mirror(reflecting: e).children.first.map { "\($0.value)" } ?? "\(e)"
    return "\(codeOf(e)) (\(message))"
}

private func str(_ v: JSON?) -> String { v?.string ?? "" }
private func opt(_ s: String?) -> JSON { s.map { JSON.string($0) } ?? .null }
private func num<T: BinaryInteger>(_ n: T) -> JSON { .number(String(n)) }
private func num<T: BinaryInteger>(_ n: T?) -> JSON { n.map { JSON.number(String($0)) } ?? .null }
private func strings(_ list: [String]) -> JSON { .array(list.map { JSON.string($0) }) }

private func name(_ s: ConversationStatus) -> String {
    switch s {
    case .open: return "open"
    case .closed: return "closed"
    }
}

private func name(_ k: EventKind) -> String {
    switch k {
    case .newMessage: return "new_message"
    case .newReply: return "new_reply"
    case .responseOverdue: return "response_overdue"
    case .unreadReminder: return "unread_reminder"
    case .assigned: return "assigned"
    }
}

// The longest text a {"repeat", "times"} value expands to, and the largest
// `size` attachment (the core's request::MAX_REPEAT_BYTES and its 64 x):
// anything larger is left as written, for the library to refuse.
private let maxRepeatBytes: Int64 = 1 << 20
private let maxSizeBytes: Int64 = 64 * maxRepeatBytes

/// `{"repeat": "ab", "times": 3}` -> `"ababab"`; nil when `v` is not that
/// shorthand (or would expand past maxRepeatBytes).
private func repeatText(_ v: JSON) -> String? {
    guard case .object = v, Set(v.keys) == Set(["repeat", "times"]),
          let unit = v["repeat"]?.string, let times = v["times"]?.asI64, times >= 0
    else { return nil }
    let bytes = Int64(unit.utf8.count)
    if bytes == 0 { return "" }
    guard times <= maxRepeatBytes / bytes else { return nil }
    return String(repeating: unit, count: Int(times))
}

/// Every `{"repeat", "times"}` value, at any depth, as its text.
func expand(_ v: JSON) -> JSON {
    switch v {
    case .object(let members):
        if let text = repeatText(v) { return .string(text) }
        return .object(members.map { ($0.0, expand($0.1)) })
    case .array(let items):
        return .array(items.map(expand))
    default:
        return v
    }
}

/// A step whose `attachments` written `{"name", "media_type", "size": N}`
/// carry their N bytes (byte i = i mod 251) as `content_base64`; other
/// attachments are left as written.
func expandAttachments(_ step: JSON) -> JSON {
    guard case .array(let files)? = step["attachments"] else { return step }
    let out: [JSON] = files.map { f in
        guard case .object = f, Set(f.keys) == Set(["name", "media_type", "size"]),
              let fileName = f["name"], let mediaType = f["media_type"],
              let n = f["size"]?.asI64, n >= 0, n <= maxSizeBytes
        else { return f }
        let content = Data((0..<Int(n)).map { UInt8($0 % 251) })
        return JSON.object([("name", fileName), ("media_type", mediaType),
                            ("content_base64", .string(content.base64EncodedString()))])
    }
    return step.setting("attachments", .array(out))
}

private func daysFromCivil(_ y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
    let y = m <= 2 ? y0 - 1 : y0
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
}

private func daysIn(_ y: Int64, _ m: Int64) -> Int64 {
    switch m {
    case 2: return (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28
    case 4, 6, 9, 11: return 30
    default: return 31
    }
}

private let rfc3339 = try! NSRegularExpression(
    pattern: "^(\\d{4})-(\\d{2})-(\\d{2})[Tt ](\\d{2}):(\\d{2}):(\\d{2})(?:\\.(\\d+))?(?:([Zz])|([+-])(\\d{2}):(\\d{2}))$"
)

/// An RFC 3339 date-time (as chrono's `parse_from_rfc3339` reads it) as
/// seconds since the epoch and nanoseconds; nil for anything else.
func instant(_ text: String) -> [Int64]? {
    let ns = text as NSString
    guard let m = rfc3339.firstMatch(in: text, range: NSRange(location: 0, length: ns.length)) else { return nil }
    func group(_ i: Int) -> String {
        let r = m.range(at: i)
        return r.location == NSNotFound ? "" : ns.substring(with: r)
    }
    guard let y = Int64(group(1)), let mo = Int64(group(2)), let d = Int64(group(3)),
          let h = Int64(group(4)), let mi = Int64(group(5)), let s = Int64(group(6)),
          (1...12).contains(mo), d >= 1, d <= daysIn(y, mo), h <= 23, mi <= 59, s <= 60
    else { return nil }
    var offset: Int64 = 0
    if group(8).isEmpty {
        guard let oh = Int64(group(10)), let om = Int64(group(11)), oh <= 23, om <= 59 else { return nil }
        offset = (oh * 60 + om) * 60 * (group(9) == "+" ? 1 : -1)
    }
    let leap = s == 60
    var nanos = Int64(String((group(7) + "000000000").prefix(9))) ?? 0
    if leap { nanos += 1_000_000_000 }
    let secs = daysFromCivil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + (leap ? 59 : s)
    return [secs - offset, nanos]
}

/// FORMAT.md matching: objects by the expected keys, lists by length and
/// order, instants as instants, anything else by equality.
func matches(_ expected: JSON, _ actual: JSON, _ path: String = "") throws {
    let at = path.isEmpty ? "result" : path
    switch (expected, actual) {
    case (.object(let e), .object):
        for key in expected.keys {
            let ev = e.last(where: { $0.0 == key })!.1
            guard let av = actual[key] else {
                throw StepFailed("\(path).\(key): expected \(ev.text), but the result has no \(JSON.quote(key))")
            }
            try matches(ev, av, "\(path).\(key)")
        }
    case (.array(let e), .array(let a)):
        guard e.count == a.count else {
            throw StepFailed("\(at): expected \(e.count) items \(expected.text), got \(a.count) items \(actual.text)")
        }
        for (i, (ev, av)) in zip(e, a).enumerated() { try matches(ev, av, "\(path)[\(i)]") }
    case (.string(let e), .string(let a)):
        if e != a {
            guard let x = instant(e), let y = instant(a), x == y else {
                throw StepFailed("\(at): expected \(expected.text), got \(actual.text)")
            }
        }
    case (.number(let e), .number(let a)):
        guard Double(e) == Double(a) else { throw StepFailed("\(at): expected \(e), got \(a)") }
    case (.bool(let e), .bool(let a)) where e == a:
        break
    case (.null, .null):
        break
    default:
        throw StepFailed("\(at): expected \(expected.text), got \(actual.text)")
    }
}

private func checkKeys(_ obj: JSON, _ allowed: [String], _ what: String) throws {
    guard case .object = obj else { throw StepFailed("\(what) is not an object") }
    for k in obj.keys where !allowed.contains(k) {
        throw StepFailed("unknown key \(JSON.quote(k)) in \(what)")
    }
}

// ------------------------------------------------------------------ runner

/// One scenario's store and its aliases (conversation and message aliases to
/// real ids and back, attachment names to ids).
final class Runner {
    private let store: Store
    private var conversations: [String: String] = [:]
    private var messages: [String: String] = [:]
    private var reverse: [String: String] = [:]
    private var groups: [String: String] = [:]
    private var attachments: [String: [(String, String)]] = [:]
    private var staff: [String] = []

    init(_ scenario: JSON) throws {
        try checkKeys(scenario, topKeys, "the scenario")
        guard case .object(let members) = scenario else { throw StepFailed("the scenario is not an object") }
        let setup = expand(.object(members.filter { $0.0 != "steps" }))
        do {
            let config = try setup["config"].map { try configFromJson(json: $0.text) } ?? defaultConfig()
            store = try Store.openInMemory(config: config)
        } catch let e as PmsgError {
            throw StepFailed(describe(e))
        }
        if let d = setup["directory"] {
            do {
                try directory(d)
            } catch let e as PmsgError {
                throw StepFailed(describe(e))
            }
        }
    }

    private func directory(_ d: JSON) throws {
        let update = try directoryFromJson(json: d.text)
        try store.upsertDirectory(update: update)
        for s in update.staff where !staff.contains(s.id) { staff.append(s.id) }
    }

    private func conv(_ step: JSON) -> String {
        let alias = str(step["conversation"])
        return conversations[alias] ?? alias
    }

    private func alias(_ id: String) -> String { reverse[id] ?? id }

    private func optAlias(_ id: String?) -> JSON { opt(id.map { alias($0) }) }

    func step(_ given: JSON) throws {
        guard case .object = given, let op = given["op"]?.string else { throw StepFailed("no \"op\"") }
        guard let at = given["at"]?.string else { throw StepFailed("no \"at\"") }
        let nowMs: Int64
        do {
            nowMs = try parseInstant(text: at)
        } catch let e as PmsgError {
            throw StepFailed(describe(e))
        }
        guard let allowed = stepKeys[op] else { throw StepFailed("unknown op \(JSON.quote(op))") }
        try checkKeys(given, ["at", "op", "expect"] + allowed, "the step")
        let step = expandAttachments(expand(given))
        let expect = step["expect"] ?? .object([])
        var actual: JSON = .null
        var failure: PmsgError?
        do {
            actual = try perform(op, step, nowMs)
        } catch let e as PmsgError {
            failure = e
        }
        if case .object = expect, let want = expect["error"] {
            guard let e = failure else { throw StepFailed("expected error \(want.text), got success") }
            if want.string != codeOf(e) {
                throw StepFailed("expected error \(want.text), got error \(describe(e))")
            }
            return
        }
        if let e = failure { throw StepFailed("expected success, got error \(describe(e))") }
        var exp: [(String, JSON)] = []
        if case .object(let members) = expect { exp = members }
        exp = try checkText(exp, actual)
        try matches(.object(exp), actual)
    }

    /// `chart_contains`, `contains`, `not_contains`: substrings of a document.
    private func checkText(_ exp: [(String, JSON)], _ actual: JSON) throws -> [(String, JSON)] {
        let doc = actual["document"]?.string ?? ""
        let given = JSON.object(exp)
        for (key, want) in [("chart_contains", true), ("contains", true), ("not_contains", false)] {
            guard let list = given[key] else { continue }
            if key == "chart_contains" && actual["document"] == nil {
                throw StepFailed("chart_contains given but no chart document was returned")
            }
            guard case .array(let items) = list else { throw StepFailed("\(key) is not a list") }
            for item in items {
                guard let s = item.string else { throw StepFailed("\(key) entry \(item.text) is not a string") }
                if doc.contains(s) != want {
                    let how = want ? "to contain" : "not to contain"
                    throw StepFailed("expected the document \(how) \(JSON.quote(s)); document:\n\(doc)")
                }
            }
        }
        let textKeys: Set<String> = ["chart_contains", "contains", "not_contains"]
        return exp.filter { !textKeys.contains($0.0) }
    }

    private func perform(_ op: String, _ step: JSON, _ nowMs: Int64) throws -> JSON {
        switch op {
        case "directory":
            try directory(.object(directoryKeys.compactMap { k in step[k].map { (k, $0) } }))
            return .object([])
        case "search":
            let found = try store.search(query: str(step["query"]), nowMs: nowMs)
            return .object([("matches", .array(found.map { m in
                JSON.object([("emr_id", .string(m.emrId)), ("deliver_to", strings(m.deliverTo)),
                         ("confidential_deliver_to", strings(m.confidentialDeliverTo)),
                         ("first_name", .string(m.firstName)), ("last_name", .string(m.lastName))])
            }))])
        case "send":
            let out = try store.sendJson(requestJson: requestOf(step).text, nowMs: nowMs)
            if let a = step["as"]?.string {
                conversations[a] = out.conversationId
                reverse[out.conversationId] = a
            }
            record(step, out)
            return outcome(out)
        case "send_group":
            let group = try store.sendGroupJson(requestJson: requestOf(step).text, nowMs: nowMs)
            bindGroup(step, group)
            return .object([
                ("outcome", .array(group.entries.map { e in
                    JSON.object([("emr_id", .string(e.emrId)), ("conversation", optAlias(e.conversationId)),
                                 ("skipped", opt(e.skipped)), ("delivered_to", strings(e.deliveredTo)),
                                 ("status", opt(e.status.map { name($0) })),
                                 ("message", optAlias(e.messageId))])
                })),
                ("group", .string(group.groupId)),
            ])
        case "group_report":
            // A name no step bound, or a value that is not a string (as its
            // JSON text), is passed on as a literal id.
            let group = step["group"]?.string.map { groups[$0] ?? $0 } ?? (step["group"] ?? .null).text
            let r = try store.groupReport(by: str(step["by"]), groupId: group, nowMs: nowMs)
            return .object([
                ("entries", .array(r.entries.map { e in
                    JSON.object([("emr_id", .string(e.emrId)), ("conversation", optAlias(e.conversation)),
                                 ("skipped", opt(e.skipped)), ("read", .bool(e.read)),
                                 ("replied", .bool(e.replied)), ("awaiting_response", .bool(e.awaitingResponse)),
                                 ("overdue", .bool(e.overdue))])
                })),
            ])
        case "assign":
            var note: String?
            if let raw = step["note"], !raw.isNull {
                guard let text = raw.string else {
                    throw PmsgError.InvalidArgument(message: "note \(raw.text) is not a string (R-AS1)")
                }
                note = text
            }
            try store.assign(by: str(step["by"]), conversation: conv(step), to: str(step["to"]),
                             note: note, nowMs: nowMs)
            return .object([])
        case "reply":
            let request = requestOf(step).setting("conversation", .string(conv(step)))
            let out = try store.replyJson(requestJson: request.text, nowMs: nowMs)
            record(step, out)
            return outcome(out)
        case "read":
            try store.read(by: str(step["by"]), conversation: conv(step), nowMs: nowMs)
            return .object([])
        case "close":
            try store.closeConversation(by: str(step["by"]), conversation: conv(step), nowMs: nowMs)
            return .object([])
        case "view":
            let v = try store.view(by: str(step["by"]), conversation: conv(step), nowMs: nowMs)
            return .object([
                ("status", .string(name(v.status))),
                ("awaiting_response", .bool(v.awaitingResponse)),
                ("overdue", .bool(v.overdue)),
                ("response_due_at", opt(v.responseDueAt)),
                ("subject", .string(v.subject)),
                ("confidential", .bool(v.confidential)),
                ("assignments", .array(v.assignments.map { a in
                    JSON.object([("by", .string(a.by)), ("to", .string(a.to)), ("note", opt(a.note)),
                                 ("at", .string(a.at))])
                })),
                ("messages", .array(v.messages.map { m in
                    JSON.object([
                        ("sender", .string(m.sender)), ("from", .string(m.fromName)),
                        ("body", .string(m.body)), ("read", .bool(m.read)), ("masked", .bool(m.masked)),
                        ("message", .string(alias(m.id))),
                        ("attachments", .array(m.attachments.map { a in
                            JSON.object([("name", .string(a.name)), ("purged", .bool(a.purged)), ("size", num(a.size))])
                        })),
                    ])
                })),
            ])
        case "download":
            let c = conv(step)
            let file = str(step["attachment"])
            let id = attachments[c]?.first(where: { $0.0 == file })?.1 ?? file
            let d = try store.download(by: str(step["by"]), conversation: c, attachment: id, nowMs: nowMs)
            return .object([("size", num(d.content.count)), ("name", .string(d.name)),
                            ("media_type", .string(d.mediaType))])
        case "due_events", "deliver":
            let limit = try limitOf(step)
            let events = try store.dueEvents(nowMs: nowMs, limit: limit)
            if op == "deliver" {
                for e in events { try store.ack(eventId: e.id, nowMs: nowMs) }
            }
            return .object([("events", .array(events.map { event($0) }))])
        case "claim":
            guard let worker = step["worker"]?.string else {
                let raw = step["worker"] ?? .null
                throw PmsgError.InvalidArgument(message: "worker \(raw.text) is not a string (R-D7)")
            }
            let limit = try limitOf(step)
            guard let lease = step["lease_seconds"]?.asI64 else {
                let raw = step["lease_seconds"] ?? .null
                throw PmsgError.InvalidArgument(message: "lease_seconds \(raw.text) is not an integer (R-D7)")
            }
            var ack = false
            if let raw = step["ack"], !raw.isNull {
                guard case .bool(let flag) = raw else {
                    throw PmsgError.InvalidArgument(message: "ack \(raw.text) is not true or false")
                }
                ack = flag
            }
            let events = try store.claimDueEvents(worker: worker, nowMs: nowMs, limit: limit, leaseSeconds: lease)
            if ack {
                for e in events { try store.ack(eventId: e.id, nowMs: nowMs) }
            }
            return .object([("events", .array(events.map { event($0) }))])
        case "ack":
            try store.ack(eventId: str(step["event_id"]), nowMs: nowMs)
            return .object([])
        case "folder":
            return try folder(step, nowMs)
        case "purge":
            let purged = try store.purge(nowMs: nowMs).map { (alias($0.conversation), $0.name) }
                .sorted { a, b in a.0 != b.0 ? codePointsBefore(a.0, b.0) : codePointsBefore(a.1, b.1) }
            return .object([("purged", .array(purged.map {
                JSON.object([("conversation", .string($0.0)), ("attachment", .string($0.1))])
            }))])
        case "billing_report":
            let r = try store.billingReport(cycle: str(step["cycle"]))
            return .object([
                ("entries", .array(r.entries.map { e in
                    JSON.object([("fee_code", .string(e.feeCode)), ("author", .string(e.author)),
                             ("patient", .string(e.patient)), ("conversation", .string(alias(e.conversation))),
                             ("sent_at", .string(e.sentAt))])
                })),
                ("totals", .array(r.totals.map { t in
                    JSON.object([("author", .string(t.author)), ("fee_code", .string(t.feeCode)), ("count", num(t.count))])
                })),
            ])
        case "export_chart":
            let doc = try store.exportChartByName(by: str(step["by"]), conversation: conv(step),
                                                  format: str(step["format"]), nowMs: nowMs)
            return .object([("document", .string(doc))])
        case "audit_tail":
            guard let raw = step["count"] else { throw PmsgError.InvalidArgument(message: "audit_tail needs a count") }
            guard let count = raw.asI64 else {
                throw PmsgError.InvalidArgument(message: "count \(raw.text) is not an integer")
            }
            return .object([("entries", .array(try store.auditTail(count: count).map { e in
                JSON.object([("actor", .string(e.actor)), ("action", .string(e.action)),
                         ("conversation", opt(e.conversation.map { alias($0) })),
                         ("message", opt(e.message.map { alias($0) }))])
            }))])
        case "verify_audit":
            let v = try store.verifyAudit()
            return .object([("ok", .bool(v.ok)), ("entries", num(v.entries)), ("first_broken", num(v.firstBroken))])
        default:
            throw PmsgError.Internal(message: "op \(op) not dispatched")
        }
    }

    /// A step's optional `limit` (R-D5): none, or an integer literal.
    private func limitOf(_ step: JSON) throws -> Int64? {
        guard let raw = step["limit"], !raw.isNull else { return nil }
        guard let n = raw.asI64 else {
            throw PmsgError.InvalidArgument(message: "limit \(raw.text) is not an integer (R-D5)")
        }
        return n
    }

    /// An event; `claimed_until` only when it has one (a claim's).
    private func event(_ e: Event) -> JSON {
        let v = JSON.object([("kind", .string(name(e.kind))), ("to", .string(e.to)),
                             ("conversation", .string(alias(e.conversation))), ("message", optAlias(e.message)),
                             ("due_at", .string(e.dueAt)), ("id", .string(e.id))])
        guard let until = e.claimedUntil else { return v }
        return v.setting("claimed_until", .string(until))
    }

    /// `as_group`; the i-th alias of `conversations_as` and of `messages_as`
    /// for the i-th sent patient (extra aliases stay unbound); each sent
    /// conversation's attachments, for `download`.
    private func bindGroup(_ step: JSON, _ group: GroupSendOutcome) {
        if let a = step["as_group"]?.string { groups[a] = group.groupId }
        for e in group.entries {
            if let id = e.conversationId {
                attachments[id, default: []] += e.attachments.map { ($0.name, $0.id) }
            }
        }
        let sent = group.entries.filter { $0.skipped == nil }
        if case .array(let aliases)? = step["conversations_as"] {
            for (label, e) in zip(aliases.compactMap { $0.string }, sent) {
                if let id = e.conversationId {
                    conversations[label] = id
                    reverse[id] = label
                }
            }
        }
        if case .array(let aliases)? = step["messages_as"] {
            for (label, e) in zip(aliases.compactMap { $0.string }, sent) {
                if let id = e.messageId {
                    messages[label] = id
                    reverse[id] = label
                }
            }
        }
    }

    private func record(_ step: JSON, _ out: SendOutcome) {
        if let a = step["message_as"]?.string {
            messages[a] = out.messageId
            reverse[out.messageId] = a
        }
        attachments[out.conversationId, default: []] += out.attachments.map { ($0.name, $0.id) }
    }

    private func outcome(_ out: SendOutcome) -> JSON {
        var v: [(String, JSON)] = [
            ("delivered_to", strings(out.deliveredTo)),
            ("status", .string(name(out.status))),
            ("conversation", .string(alias(out.conversationId))),
        ]
        if let doc = out.chartText { v.append(("document", .string(doc))) }
        return .object(v)
    }

    private func folder(_ step: JSON, _ nowMs: Int64) throws -> JSON {
        let by = str(step["by"])
        let folder = str(step["folder"])
        var pageSize: UInt32?
        if let raw = step["page_size"], !raw.isNull {
            guard let n = raw.asU32 else {
                throw PmsgError.InvalidArgument(message: "page_size \(raw.text) is not a positive integer")
            }
            pageSize = n
        }
        var pages: [JSON] = []
        var entries: [JSON] = []
        var conversationAliases: [JSON] = []
        var cursor: String?
        while true {
            let page = try store.folderByName(by: by, folder: folder, nowMs: nowMs, cursor: cursor, pageSize: pageSize)
            pages.append(.array(page.entries.map { JSON.string(alias($0.conversation)) }))
            for e in page.entries {
                conversationAliases.append(.string(alias(e.conversation)))
                entries.append(.object([
                    ("conversation", .string(alias(e.conversation))), ("unread", .bool(e.unread)),
                    ("awaiting_response", .bool(e.awaitingResponse)), ("overdue", .bool(e.overdue)),
                    ("response_due_at", opt(e.responseDueAt)), ("subject", .string(e.subject)),
                    ("status", .string(name(e.status))),
                ]))
            }
            cursor = page.nextCursor
            if pageSize == nil || cursor == nil { break }
        }
        return .object([("conversations", .array(conversationAliases)), ("entries", .array(entries)),
                        ("pages", .array(pages))])
    }
}

/// The runner's own keys of a step: the library refuses keys it does not know.
let runnerKeys: Set<String> = ["at", "op", "expect", "as", "message_as", "as_group",
                               "conversations_as", "messages_as"]

/// The library's request: the step without the runner's own keys.
func requestOf(_ step: JSON) -> JSON {
    guard case .object(let members) = step else { return step }
    return .object(members.filter { !runnerKeys.contains($0.0) })
}
