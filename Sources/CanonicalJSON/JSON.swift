/// A JSON value as the ledger uses it: integers only (no floating point).
///
/// Strings are compared and hashed by their exact Unicode scalars (UTF-8 bytes), *not* by
/// Swift's `String ==`, which treats canonically equivalent strings (`"\u{E9}"` and `"e\u{301}"`)
/// as equal. So `.string("\u{E9}") != .string("e\u{301}")`, and object keys are kept apart the same way
/// (see `JSONObject`).
public enum JSON: Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case string(String)
    case array([JSON])
    /// An object; members are kept in canonical (UTF-16 code unit) key order.
    case object(JSONObject)

    /// Builds an object from a dictionary. Note that a `[String: JSON]` has already merged keys
    /// that are canonically equivalent; use `JSONObject` directly to keep such keys apart.
    /// (Disfavoured, so a dictionary *literal* in `.object([...])` builds a `JSONObject`.)
    @_disfavoredOverload
    public static func object(_ dictionary: [String: JSON]) -> JSON {
        .object(JSONObject(dictionary))
    }
}

extension JSON {
    /// The deepest nesting of arrays and objects the parser accepts: 32 levels
    /// (`[[1]]` has depth 2). Deeper input is rejected with `.tooDeep`.
    public static let maxDepth: Int = 32
}

// MARK: - Exact equality and hashing

extension JSON: Hashable {
    public static func == (lhs: JSON, rhs: JSON) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.int(a), .int(b)): return a == b
        case let (.string(a), .string(b)): return exactlyEqual(a, b)
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)): return a == b
        default: return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0 as UInt8)
        case .bool(let b): hasher.combine(1 as UInt8); hasher.combine(b)
        case .int(let i): hasher.combine(2 as UInt8); hasher.combine(i)
        case .string(let s): hasher.combine(3 as UInt8); hashExactly(s, into: &hasher)
        case .array(let a): hasher.combine(4 as UInt8); hasher.combine(a)
        case .object(let o): hasher.combine(5 as UInt8); hasher.combine(o)
        }
    }
}

// MARK: - Accessors (nil on a type mismatch)

extension JSON {
    /// The member `key` of an object (exact scalar match); nil if absent or not an object.
    public subscript(key: String) -> JSON? {
        if case .object(let o) = self { return o[key] }
        return nil
    }
    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    public var intValue: Int64? { if case .int(let i) = self { return i }; return nil }
    public var boolValue: Bool? { if case .bool(let b) = self { return b }; return nil }
    public var arrayValue: [JSON]? { if case .array(let a) = self { return a }; return nil }
    public var objectValue: JSONObject? { if case .object(let o) = self { return o }; return nil }
    public var isNull: Bool { if case .null = self { return true }; return false }
}

// MARK: - Literals
//
// Deliberately *not* ExpressibleByNilLiteral: with it, `json["missing"] == nil` silently compares
// against `.some(.null)` and is false. Write `.null` for a JSON null.

extension JSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSON...) { self = .array(elements) }
    /// Traps on duplicate keys (compared by exact scalars), like `Dictionary`.
    public init(dictionaryLiteral elements: (String, JSON)...) {
        self = .object(JSONObject(uniqueKeysWithValues: elements))
    }
}

extension JSON: CustomStringConvertible {
    /// The canonical JSON text.
    public var description: String { canonicalString }
}

// MARK: - Exact string comparison helpers

/// True iff `a` and `b` have the same Unicode scalars (same UTF-8 bytes).
@inline(__always)
func exactlyEqual(_ a: String, _ b: String) -> Bool {
    a.utf8.count == b.utf8.count && compareUTF16Order(a, b) == 0
}

func hashExactly(_ s: String, into hasher: inout Hasher) {
    if s.utf8.withContiguousStorageIfAvailable({ hasher.combine(bytes: UnsafeRawBufferPointer($0)) }) != nil {
        hasher.combine(s.utf8.count)
        return
    }
    var s = s
    s.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    hasher.combine(s.utf8.count)
}

/// Three-way comparison of two strings by their UTF-16 code units (RFC 8785 key order).
/// Returns a negative number, zero (same scalars), or a positive number.
///
/// Works on UTF-8: byte order equals code point order, which equals UTF-16 order except that
/// supplementary code points (lead bytes F0–F4) sort *below* U+E000–U+FFFF (lead bytes EE, EF)
/// in UTF-16. So lead bytes EE/EF are ranked above F4. At the first differing byte both strings
/// are at the same position inside the same kind of sequence, so the comparison is exact.
func compareUTF16Order(_ a: String, _ b: String) -> Int {
    // Native strings lend their UTF-8 without a copy (`withUTF8` would need a mutable copy of
    // each: a retain and a release per comparison, and comparisons are most of a key lookup).
    if let c = a.utf8.withContiguousStorageIfAvailable({ pa in
        b.utf8.withContiguousStorageIfAvailable { pb in compareUTF16Order(pa, pb) }
    }), let c { return c }
    var a = a, b = b
    return a.withUTF8 { pa in b.withUTF8 { pb in compareUTF16Order(pa, pb) } }
}

@inline(__always)
func compareUTF16Order(_ pa: UnsafeBufferPointer<UInt8>, _ pb: UnsafeBufferPointer<UInt8>) -> Int {
    let n = min(pa.count, pb.count)
    var i = 0
    while i < n {
        let x = pa[i], y = pb[i]
        if x != y { return Int(utf16Rank(x)) - Int(utf16Rank(y)) }
        i += 1
    }
    return pa.count - pb.count
}

@inline(__always)
private func utf16Rank(_ b: UInt8) -> UInt8 {
    (b == 0xEE || b == 0xEF) ? b &+ 0x10 : b
}
