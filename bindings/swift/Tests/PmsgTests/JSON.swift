// A small JSON reader and writer for the conformance runner. Foundation's
// JSONSerialization is not used on purpose: it does not keep a number's
// literal (`2.0` comes back as `2`), and the core's JSON reader must see the
// scenario's request exactly as written (a `count` of `2.0` is malformed).
import Foundation

indirect enum JSON {
    case object([(String, JSON)])  // keys in order; a repeated key: the last wins
    case array([JSON])
    case string(String)
    case number(String)  // the literal, as written
    case bool(Bool)
    case null

    subscript(key: String) -> JSON? {
        guard case .object(let members) = self else { return nil }
        return members.last(where: { $0.0 == key })?.1
    }

    var keys: [String] {
        guard case .object(let members) = self else { return [] }
        var seen = Set<String>()
        return members.map { $0.0 }.filter { seen.insert($0).inserted }
    }

    var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// An integer literal as serde_json reads one (it reads `-0` as the float -0.0).
    private var integerLiteral: String? {
        guard case .number(let lit) = self, lit != "-0", !lit.contains(where: { ".eE".contains($0) }) else {
            return nil
        }
        return lit
    }

    /// serde_json's `as_i64`: an integer literal within Int64.
    var asI64: Int64? { integerLiteral.flatMap { Int64($0) } }

    /// serde_json's `as_u64`, narrowed to UInt32.
    var asU32: UInt32? { integerLiteral.flatMap { UInt32($0) } }

    /// A copy of this object with `key` set to `value`.
    func setting(_ key: String, _ value: JSON) -> JSON {
        guard case .object(var members) = self else { return self }
        members.removeAll(where: { $0.0 == key })
        members.append((key, value))
        return .object(members)
    }

    /// The JSON text.
    var text: String {
        switch self {
        case .object(let members):
            var seen = Set<String>()
            let unique = members.reversed().filter { seen.insert($0.0).inserted }.reversed()
            return "{" + unique.map { JSON.quote($0.0) + ":" + $0.1.text }.joined(separator: ",") + "}"
        case .array(let items):
            return "[" + items.map { $0.text }.joined(separator: ",") + "]"
        case .string(let s):
            return JSON.quote(s)
        case .number(let lit):
            return lit
        case .bool(let b):
            return b ? "true" : "false"
        case .null:
            return "null"
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    out += String(format: "\\u%04x", u.value)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    /// Parses a whole JSON text (RFC 8259; no NaN, no comments, no trailing commas).
    static func parse(_ text: String) throws -> JSON {
        var p = Parser(bytes: Array(text.utf8))
        p.skipSpace()
        let value = try p.value()
        p.skipSpace()
        guard p.i == p.bytes.count else { throw p.error("trailing characters") }
        return value
    }

    struct ParseError: Error, CustomStringConvertible {
        let description: String
    }

    private struct Parser {
        let bytes: [UInt8]
        var i = 0

        func error(_ what: String) -> ParseError {
            ParseError(description: "\(what) at byte \(i)")
        }

        mutating func skipSpace() {
            while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
        }

        func peek() -> UInt8? { i < bytes.count ? bytes[i] : nil }

        mutating func expect(_ c: UInt8) throws {
            guard peek() == c else { throw error("expected '\(Character(UnicodeScalar(c)))'") }
            i += 1
        }

        mutating func value() throws -> JSON {
            guard let c = peek() else { throw error("unexpected end") }
            switch c {
            case UInt8(ascii: "{"): return try object()
            case UInt8(ascii: "["): return try array()
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            default: return .number(try number())
            }
        }

        mutating func literal(_ word: String) throws {
            for b in word.utf8 { try expect(b) }
        }

        mutating func object() throws -> JSON {
            try expect(UInt8(ascii: "{"))
            var members: [(String, JSON)] = []
            skipSpace()
            if peek() == UInt8(ascii: "}") { i += 1; return .object(members) }
            while true {
                skipSpace()
                let key = try string()
                skipSpace()
                try expect(UInt8(ascii: ":"))
                skipSpace()
                members.append((key, try value()))
                skipSpace()
                if peek() == UInt8(ascii: ",") { i += 1; continue }
                try expect(UInt8(ascii: "}"))
                return .object(members)
            }
        }

        mutating func array() throws -> JSON {
            try expect(UInt8(ascii: "["))
            var items: [JSON] = []
            skipSpace()
            if peek() == UInt8(ascii: "]") { i += 1; return .array(items) }
            while true {
                skipSpace()
                items.append(try value())
                skipSpace()
                if peek() == UInt8(ascii: ",") { i += 1; continue }
                try expect(UInt8(ascii: "]"))
                return .array(items)
            }
        }

        mutating func digits() -> Int {
            let start = i
            while let c = peek(), c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") { i += 1 }
            return i - start
        }

        mutating func number() throws -> String {
            let start = i
            if peek() == UInt8(ascii: "-") { i += 1 }
            if peek() == UInt8(ascii: "0") {
                i += 1
            } else if digits() == 0 {
                throw error("not a JSON value")
            }
            if peek() == UInt8(ascii: ".") {
                i += 1
                guard digits() > 0 else { throw error("no digit after '.'") }
            }
            if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
                i += 1
                if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { i += 1 }
                guard digits() > 0 else { throw error("no digit in the exponent") }
            }
            return String(decoding: bytes[start..<i], as: UTF8.self)
        }

        mutating func hex4() throws -> UInt32 {
            guard i + 4 <= bytes.count,
                  let v = UInt32(String(decoding: bytes[i..<i + 4], as: UTF8.self), radix: 16)
            else { throw error("bad \\u escape") }
            i += 4
            return v
        }

        mutating func string() throws -> String {
            try expect(UInt8(ascii: "\""))
            var out: [UInt8] = []
            while true {
                guard let c = peek() else { throw error("unterminated string") }
                i += 1
                switch c {
                case UInt8(ascii: "\""):
                    return String(decoding: out, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard let e = peek() else { throw error("unterminated escape") }
                    i += 1
                    switch e {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        var v = try hex4()
                        if (0xD800..<0xDC00).contains(v) {
                            // A high surrogate must be followed by a low one.
                            guard peek() == UInt8(ascii: "\\") else { throw error("lone surrogate") }
                            i += 1
                            try expect(UInt8(ascii: "u"))
                            let low = try hex4()
                            guard (0xDC00..<0xE000).contains(low) else { throw error("lone surrogate") }
                            v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00)
                        } else if (0xDC00..<0xE000).contains(v) {
                            throw error("lone surrogate")
                        }
                        guard let scalar = UnicodeScalar(v) else { throw error("bad \\u escape") }
                        out.append(contentsOf: Array(String(Character(scalar)).utf8))
                    default:
                        throw error("bad escape")
                    }
                default:
                    guard c >= 0x20 else { throw error("control character in a string") }
                    out.append(c)
                }
            }
        }
    }
}
