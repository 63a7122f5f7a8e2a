// Strict RFC 8259 parser for the integer-only ledger dialect.

extension JSON {
    /// Parses one JSON value (insignificant whitespace allowed around tokens).
    ///
    /// Rejects, with a distinct `JSONError.Code` and byte offset: fractions, exponents, leading
    /// zeros, integers outside Int64, duplicate keys (by exact scalars), ill-formed UTF-8, lone
    /// surrogate escapes, invalid escapes, raw control characters in strings, nesting deeper than
    /// `maxDepth`, trailing bytes, empty input and bad literals. A byte-order mark is rejected.
    public static func parse(_ bytes: some Collection<UInt8>) throws(JSONError) -> JSON {
        try withContiguousBytes(bytes) { (p) throws(JSONError) in try parse(buffer: p) }
    }

    /// Parses the UTF-8 of `text`; see `parse(_:)` for bytes.
    public static func parse(_ text: String) throws(JSONError) -> JSON {
        var text = text
        let r = text.withUTF8 { p in Result { () throws(JSONError) in try parse(buffer: p) } }
        return try r.get()
    }

    /// Parses and re-encodes in canonical form; throws on anything `parse` rejects.
    public static func canonicalize(_ bytes: some Collection<UInt8>) throws(JSONError) -> [UInt8] {
        try parse(bytes).canonicalBytes
    }

    /// Parses `bytes` and checks they are already exactly canonical (RFC 8785).
    /// Throws the parse error, or `.notCanonical` with the offset of the first byte that differs
    /// from the canonical encoding.
    public static func parseCanonical(_ bytes: some Collection<UInt8>) throws(JSONError) -> JSON {
        try withContiguousBytes(bytes) { (p) throws(JSONError) in
            // The parser notes anything the canonical encoding would write differently
            // (whitespace, an escape, a non-ASCII byte, `-0`, keys out of order). When it saw
            // none, the input IS the canonical encoding of the value, byte for byte, and the
            // re-encoding below would only confirm it; otherwise it runs and finds the first
            // differing byte, exactly as before.
            let (value, plain) = try parse(buffer: p, notingCanonical: ())
            if plain { return value }
            var canon: [UInt8] = []
            canon.reserveCapacity(p.count)
            value.encode(into: &canon)
            if canon.count == p.count, canon.withUnsafeBufferPointer({ $0.elementsEqual(p) }) { return value }
            var i = 0
            while i < canon.count, i < p.count, canon[i] == p[i] { i += 1 }
            let reason: String
            if i >= p.count {
                reason = "not canonical JSON: input ends where the canonical form continues with \(describe(canon[i]))"
            } else if i >= canon.count {
                reason = "not canonical JSON: \(describe(p[i])) after the end of the canonical form"
            } else {
                reason = "not canonical JSON: found \(describe(p[i])) where the canonical form has \(describe(canon[i]))"
            }
            throw JSONError(code: .notCanonical, offset: i, reason: reason)
        }
    }

    static func parse(buffer p: UnsafeBufferPointer<UInt8>) throws(JSONError) -> JSON {
        try parse(buffer: p, notingCanonical: ()).value
    }

    /// Parses, and says whether the input is plainly canonical: nothing in it that the canonical
    /// encoding writes differently (see `Parser.plain`). `plain` true implies
    /// `value.canonicalBytes == p`; false implies nothing (the caller compares).
    static func parse(buffer p: UnsafeBufferPointer<UInt8>, notingCanonical: ()) throws(JSONError) -> (value: JSON, plain: Bool) {
        var parser = Parser(p)
        parser.skipWhitespace()
        guard parser.i < p.count else {
            throw JSONError(code: .emptyInput, offset: p.count, reason: "input contains no JSON value")
        }
        let v = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        if parser.i < p.count {
            if p[parser.i] >= 0x80, case .failure(let e) = parser.utf8Length(at: parser.i) { throw e }
            throw JSONError(code: .trailingBytes, offset: parser.i,
                            reason: "unexpected \(describe(p[parser.i])) after the end of the JSON value")
        }
        return (v, parser.plain)
    }
}

extension JSON {
    /// For a reader of a fixed outer layout (a ledger line's envelope): parses the object that
    /// starts at `start` of `p`, nested inside `enclosingDepth` objects or arrays, and returns it
    /// with the offset just after it — only when it is plainly canonical (see `Parser.plain`:
    /// no whitespace, escape, non-ASCII byte, `-0`, or key out of order anywhere in it). nil on
    /// anything else, including every error `parse` would throw: the caller then takes the
    /// strict path, which reports it. The value is the one `parse` builds for those bytes.
    public static func plainObject(in p: UnsafeBufferPointer<UInt8>, at start: Int, enclosingDepth: Int) -> (object: JSONObject, end: Int)? {
        guard start < p.count, p[start] == UInt8(ascii: "{") else { return nil }
        var parser = Parser(p)
        parser.i = start
        guard let value = try? parser.parseValue(depth: enclosingDepth), parser.plain,
              case .object(let o) = value else { return nil }
        return (o, parser.i)
    }
}

private func withContiguousBytes<R>(
    _ bytes: some Collection<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) throws(JSONError) -> R
) throws(JSONError) -> R {
    if let r = bytes.withContiguousStorageIfAvailable({ p in Result { () throws(JSONError) in try body(p) } }) {
        return try r.get()
    }
    let copy = Array(bytes)
    return try copy.withUnsafeBufferPointer { p in Result { () throws(JSONError) in try body(p) } }.get()
}

/// `'x'` for printable ASCII, `byte 0xNN` otherwise.
func describe(_ b: UInt8) -> String {
    if b >= 0x20 && b < 0x7F { return "'\(Character(Unicode.Scalar(b)))'" }
    return "byte " + hex(b)
}

private func hex(_ b: UInt8) -> String {
    let h = String(b, radix: 16, uppercase: true)
    return "0x" + (h.count == 1 ? "0" + h : h)
}

private struct Parser {
    let p: UnsafeBufferPointer<UInt8>
    let n: Int
    var i = 0
    /// No byte read so far would be written differently by the canonical encoder: no
    /// whitespace, no escape, only ASCII in strings, no `-0`, every object's keys strictly
    /// increasing. Cleared conservatively (a raw non-ASCII character or a `\"` escape is
    /// canonical, but clears it too): false only means "compare with the re-encoding".
    var plain = true

    init(_ p: UnsafeBufferPointer<UInt8>) {
        self.p = p
        self.n = p.count
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while i < n {
            let c = p[i]
            guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
            plain = false
            i += 1
        }
    }

    func fail(_ code: JSONError.Code, _ offset: Int, _ reason: String) -> JSONError {
        JSONError(code: code, offset: offset, reason: reason)
    }

    func endError(_ what: String) -> JSONError {
        fail(.unexpectedEnd, n, "input ends inside \(what)")
    }

    /// Error for byte `p[at]` where `expected` was expected; reports bad UTF-8 as such.
    func unexpected(at: Int, expected: String) -> JSONError {
        if p[at] >= 0x80, case .failure(let e) = utf8Length(at: at) { return e }
        if p[at] >= 0x80 {
            return fail(.unexpectedByte, at, "unexpected non-ASCII character, expected \(expected)")
        }
        return fail(.unexpectedByte, at, "unexpected \(describe(p[at])), expected \(expected)")
    }

    mutating func parseValue(depth: Int) throws(JSONError) -> JSON {
        guard i < n else { throw endError("a value where a value was expected") }
        switch p[i] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .int(try parseNumber())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default: throw unexpected(at: i, expected: "a JSON value")
        }
    }

    mutating func literal(_ word: StaticString) throws(JSONError) {
        let start = i
        let len = word.utf8CodeUnitCount
        let w = UnsafeBufferPointer(start: word.utf8Start, count: len)
        var ok = start + len <= n
        if ok { for k in 0..<len where p[start + k] != w[k] { ok = false; break } }
        // `truex`, `nullnull`: a literal glued to further letters/digits is one bad word.
        if ok, start + len < n {
            let c = p[start + len] | 0x20
            if (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (p[start + len] >= 0x30 && p[start + len] <= 0x39) { ok = false }
        }
        guard ok else { throw fail(.invalidLiteral, start, "invalid literal, expected \(word)") }
        i = start + len
    }

    mutating func parseArray(depth: Int) throws(JSONError) -> JSON {
        if depth > JSON.maxDepth {
            throw fail(.tooDeep, i, "arrays and objects nested deeper than \(JSON.maxDepth) levels")
        }
        i += 1
        var items: [JSON] = []
        skipWhitespace()
        guard i < n else { throw endError("an array") }
        if p[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
        while true {
            skipWhitespace()
            guard i < n else { throw endError("an array") }
            items.append(try parseValue(depth: depth))
            skipWhitespace()
            guard i < n else { throw endError("an array") }
            switch p[i] {
            case UInt8(ascii: ","): i += 1
            case UInt8(ascii: "]"): i += 1; return .array(items)
            default: throw unexpected(at: i, expected: "',' or ']' in array")
            }
        }
    }

    /// Parses an object. Keys in strictly increasing order (the canonical, common case) need
    /// no sort and no key offsets; when a key is out of order, the object is parsed again from
    /// its `{` keeping each key's offset (`withOffsets`) for the duplicate-key error. Both passes
    /// read the same bytes the same way and differ only at the closing `}`, so every error, and
    /// where it is reported, is the same either way.
    mutating func parseObject(depth: Int, withOffsets: Bool = false) throws(JSONError) -> JSON {
        if depth > JSON.maxDepth {
            throw fail(.tooDeep, i, "arrays and objects nested deeper than \(JSON.maxDepth) levels")
        }
        let objectStart = i
        i += 1
        var entries: [JSONObject.Element] = []
        var keyOffsets: [Int] = []
        var sorted = true  // keys so far strictly increasing (then also unique)
        skipWhitespace()
        guard i < n else { throw endError("an object") }
        if p[i] == UInt8(ascii: "}") { i += 1; return .object(JSONObject()) }
        // A ledger line's entry and transaction objects (depths 1 and 2) have 5 and at most 6
        // members: one allocation, no regrowth. Deeper objects (bodies, a state cache's many
        // small ones) grow as needed, so they keep no spare capacity.
        if depth <= 2 { entries.reserveCapacity(8) }
        while true {
            skipWhitespace()
            guard i < n else { throw endError("an object") }
            guard p[i] == UInt8(ascii: "\"") else { throw unexpected(at: i, expected: "a string key in object") }
            let keyOffset = i
            let key = try parseString()
            skipWhitespace()
            guard i < n else { throw endError("an object") }
            guard p[i] == UInt8(ascii: ":") else { throw unexpected(at: i, expected: "':' after object key") }
            i += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            if sorted, let last = entries.last, compareUTF16Order(last.key, key) >= 0 { sorted = false }
            entries.append((key: key, value: value))
            if withOffsets { keyOffsets.append(keyOffset) }
            skipWhitespace()
            guard i < n else { throw endError("an object") }
            switch p[i] {
            case UInt8(ascii: ","): i += 1
            case UInt8(ascii: "}"):
                i += 1
                if sorted { return .object(JSONObject(sortedUniqueEntries: entries)) }
                plain = false
                if !withOffsets {
                    i = objectStart
                    return try parseObject(depth: depth, withOffsets: true)
                }
                return .object(try sortAndCheck(entries, keyOffsets))
            default: throw unexpected(at: i, expected: "',' or '}' in object")
            }
        }
    }

    /// Sorts members into canonical order; reports the first (in input order) repeated key.
    func sortAndCheck(_ entries: [JSONObject.Element], _ offsets: [Int]) throws(JSONError) -> JSONObject {
        let order = entries.indices.sorted { a, b in
            let c = compareUTF16Order(entries[a].key, entries[b].key)
            return c < 0 || (c == 0 && a < b)
        }
        var duplicate: Int? = nil  // index into entries of the earliest repeated key
        for k in order.indices.dropFirst() where exactlyEqual(entries[order[k - 1]].key, entries[order[k]].key) {
            duplicate = min(duplicate ?? order[k], order[k])
        }
        if let d = duplicate {
            throw fail(.duplicateKey, offsets[d], "duplicate key \(quoted(entries[d].key)) in object")
        }
        return JSONObject(sortedUniqueEntries: order.map { entries[$0] })
    }

    func quoted(_ s: String) -> String {
        "\"" + s.unicodeScalars.prefix(80).map { $0.escaped(asASCII: false) }.joined() + "\""
    }

    // MARK: Strings

    mutating func parseString() throws(JSONError) -> String {
        i += 1  // opening quote
        let start = i
        // Fast path: plain ASCII, no escapes. Eight bytes at a time while none of them is a
        // quote, a backslash, a control character (`escapeBits`) or non-ASCII (a top bit); the
        // byte loop below takes the word that has one.
        if let base = p.baseAddress {
            while i + 8 <= n {
                let x = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                if (x & highBits) | escapeBits(x) != 0 { break }
                i += 8
            }
        }
        while i < n {
            let c = p[i]
            if c == UInt8(ascii: "\"") {
                let s = String(decoding: UnsafeBufferPointer(rebasing: p[start..<i]), as: UTF8.self)
                i += 1
                return s
            }
            if c == UInt8(ascii: "\\") || c < 0x20 || c >= 0x80 { break }
            i += 1
        }
        plain = false
        var buf: [UInt8] = []
        var escaped = false
        var segment = start  // start of raw bytes not yet copied into buf
        while true {
            guard i < n else { throw endError("a string") }
            let c = p[i]
            if c == UInt8(ascii: "\"") {
                let s: String
                if escaped {
                    buf.append(contentsOf: UnsafeBufferPointer(rebasing: p[segment..<i]))
                    s = String(decoding: buf, as: UTF8.self)
                } else {
                    s = String(decoding: UnsafeBufferPointer(rebasing: p[start..<i]), as: UTF8.self)
                }
                i += 1
                return s
            } else if c == UInt8(ascii: "\\") {
                if !escaped { escaped = true; buf.reserveCapacity(i - start + 16) }
                buf.append(contentsOf: UnsafeBufferPointer(rebasing: p[segment..<i]))
                try parseEscape(into: &buf)
                segment = i
            } else if c < 0x20 {
                throw fail(.controlCharacterInString, i,
                           "raw control character \(hex(c)) in string (must be escaped)")
            } else if c < 0x80 {
                i += 1
            } else {
                switch utf8Length(at: i) {
                case .success(let len): i += len
                case .failure(let e): throw e
                }
            }
        }
    }

    /// At a `\`: decodes one escape (or a surrogate pair) and appends its UTF-8 to `buf`.
    mutating func parseEscape(into buf: inout [UInt8]) throws(JSONError) {
        let backslash = i
        guard i + 1 < n else { throw endError("a string escape") }
        let e = p[i + 1]
        i += 2
        switch e {
        case UInt8(ascii: "\""): buf.append(0x22)
        case UInt8(ascii: "\\"): buf.append(0x5C)
        case UInt8(ascii: "/"): buf.append(0x2F)
        case UInt8(ascii: "b"): buf.append(0x08)
        case UInt8(ascii: "f"): buf.append(0x0C)
        case UInt8(ascii: "n"): buf.append(0x0A)
        case UInt8(ascii: "r"): buf.append(0x0D)
        case UInt8(ascii: "t"): buf.append(0x09)
        case UInt8(ascii: "u"):
            let u = try hex4(backslash: backslash)
            var scalar: UInt32
            switch u {
            case 0xD800...0xDBFF:
                guard i + 1 < n, p[i] == UInt8(ascii: "\\"), p[i + 1] == UInt8(ascii: "u") else {
                    throw fail(.loneSurrogate, backslash,
                               "high surrogate \\u\(hex16(u)) not followed by a \\u low surrogate escape")
                }
                let second = i
                i += 2
                let lo = try hex4(backslash: second)
                guard lo >= 0xDC00 && lo <= 0xDFFF else {
                    throw fail(.loneSurrogate, backslash,
                               "high surrogate \\u\(hex16(u)) followed by \\u\(hex16(lo)), which is not a low surrogate")
                }
                scalar = 0x10000 + ((UInt32(u) - 0xD800) << 10) + (UInt32(lo) - 0xDC00)
            case 0xDC00...0xDFFF:
                throw fail(.loneSurrogate, backslash, "lone low surrogate \\u\(hex16(u))")
            default:
                scalar = UInt32(u)
            }
            appendUTF8(scalar, to: &buf)
        default:
            let shown = e >= 0x20 && e < 0x7F ? "\\" + String(Character(Unicode.Scalar(e))) : "\\ followed by \(describe(e))"
            throw fail(.invalidEscape, backslash, "invalid escape \(shown) in string")
        }
    }

    /// Reads the four hex digits after `\u` (at `i`).
    mutating func hex4(backslash: Int) throws(JSONError) -> UInt16 {
        var v: UInt16 = 0
        for _ in 0..<4 {
            guard i < n else { throw endError("a \\u escape") }
            let c = p[i]
            let d: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = c - UInt8(ascii: "A") + 10
            default: throw fail(.invalidEscape, backslash, "\\u escape needs four hex digits, found \(describe(c))")
            }
            v = v << 4 | UInt16(d)
            i += 1
        }
        return v
    }

    func hex16(_ u: UInt16) -> String {
        let h = String(u, radix: 16, uppercase: true)
        return String(repeating: "0", count: 4 - h.count) + h
    }

    /// Length of the well-formed UTF-8 sequence starting at `at` (lead byte >= 0x80), per
    /// Unicode Table 3-7, or the error describing why it is ill-formed.
    func utf8Length(at: Int) -> Result<Int, JSONError> {
        let b0 = p[at]
        func bad(_ why: String) -> Result<Int, JSONError> {
            .failure(fail(.invalidUTF8, at, "invalid UTF-8: \(why)"))
        }
        let len: Int
        var lo: UInt8 = 0x80, hi: UInt8 = 0xBF
        switch b0 {
        case 0x80...0xBF: return bad("unexpected continuation byte \(hex(b0))")
        case 0xC0, 0xC1: return bad("overlong encoding (lead byte \(hex(b0)))")
        case 0xC2...0xDF: len = 2
        case 0xE0: len = 3; lo = 0xA0
        case 0xED: len = 3; hi = 0x9F
        case 0xE1...0xEF: len = 3
        case 0xF0: len = 4; lo = 0x90
        case 0xF1...0xF3: len = 4
        case 0xF4: len = 4; hi = 0x8F
        case 0xF5...0xF7: return bad("code point above U+10FFFF (lead byte \(hex(b0)))")
        default: return bad("byte \(hex(b0)) never occurs in UTF-8")
        }
        guard at + 1 < n, p[at + 1] & 0xC0 == 0x80 else { return bad("truncated \(len)-byte sequence") }
        let b1 = p[at + 1]
        if b1 < lo || b1 > hi {
            switch b0 {
            case 0xE0, 0xF0: return bad("overlong encoding (\(hex(b0)) \(hex(b1)))")
            case 0xED: return bad("UTF-16 surrogate encoded in UTF-8 (\(hex(b0)) \(hex(b1)))")
            default: return bad("code point above U+10FFFF (\(hex(b0)) \(hex(b1)))")
            }
        }
        for k in 2..<len where at + k >= n || p[at + k] & 0xC0 != 0x80 {
            return bad("truncated \(len)-byte sequence")
        }
        return .success(len)
    }

    // MARK: Numbers

    mutating func parseNumber() throws(JSONError) -> Int64 {
        let start = i
        let negative = p[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        guard i < n, p[i] >= 0x30, p[i] <= 0x39 else {
            throw fail(.invalidNumber, start, "'-' must be followed by a digit")
        }
        var v: Int64 = 0  // accumulated as a negative number so Int64.min fits
        var overflow = false
        if p[i] == 0x30 {
            i += 1
            if i < n, p[i] >= 0x30, p[i] <= 0x39 {
                throw fail(.leadingZero, i - 1, "number with a leading zero")
            }
        } else {
            while i < n, p[i] >= 0x30, p[i] <= 0x39 {
                if !overflow {
                    let (m, o1) = v.multipliedReportingOverflow(by: 10)
                    let (s, o2) = m.subtractingReportingOverflow(Int64(p[i] - 0x30))
                    overflow = o1 || o2
                    v = s
                }
                i += 1
            }
        }
        if i < n {
            switch p[i] {
            case UInt8(ascii: "."):
                throw fail(.fractionNotAllowed, i, "number with a fraction (only integers are allowed)")
            case UInt8(ascii: "e"), UInt8(ascii: "E"):
                throw fail(.exponentNotAllowed, i, "number with an exponent (only integers are allowed)")
            default: break
            }
        }
        if !negative {
            if v == .min { overflow = true } else { v = -v }
        } else if v == 0 {
            plain = false  // -0: canonical is 0
        }
        if overflow {
            let text = String(decoding: UnsafeBufferPointer(rebasing: p[start..<i]), as: UTF8.self)
            throw fail(.numberOutOfRange, start, "integer \(text.prefix(40)) is outside the signed 64-bit range")
        }
        return v
    }
}

private func appendUTF8(_ s: UInt32, to buf: inout [UInt8]) {
    switch s {
    case 0..<0x80: buf.append(UInt8(s))
    case 0x80..<0x800:
        buf.append(0xC0 | UInt8(s >> 6)); buf.append(0x80 | UInt8(s & 0x3F))
    case 0x800..<0x10000:
        buf.append(0xE0 | UInt8(s >> 12)); buf.append(0x80 | UInt8((s >> 6) & 0x3F)); buf.append(0x80 | UInt8(s & 0x3F))
    default:
        buf.append(0xF0 | UInt8(s >> 18)); buf.append(0x80 | UInt8((s >> 12) & 0x3F))
        buf.append(0x80 | UInt8((s >> 6) & 0x3F)); buf.append(0x80 | UInt8(s & 0x3F))
    }
}
