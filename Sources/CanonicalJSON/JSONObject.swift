/// The members of a JSON object, kept sorted by key in RFC 8785 order (UTF-16 code units).
///
/// Keys are distinct by exact Unicode scalars: `"\u{E9}"` and `"e\u{301}"` are two different keys,
/// unlike in a `[String: JSON]`. Iteration yields `(key, value)` pairs in canonical order.
public struct JSONObject: Hashable, Sendable, Sequence, ExpressibleByDictionaryLiteral {
    public typealias Element = (key: String, value: JSON)

    /// Members sorted by key (UTF-16 order), keys unique by exact scalars.
    public private(set) var entries: [Element]

    public init() { entries = [] }

    /// Internal: `entries` must already be sorted and unique.
    init(sortedUniqueEntries: [Element]) { entries = sortedUniqueEntries }

    /// From a dictionary (which has already merged canonically equivalent keys).
    public init(_ dictionary: [String: JSON]) {
        entries = dictionary.map { (key: $0.key, value: $0.value) }
        entries.sort { compareUTF16Order($0.key, $1.key) < 0 }
    }

    /// Traps if two keys have the same scalars.
    public init<S: Sequence>(uniqueKeysWithValues pairs: S) where S.Element == (String, JSON) {
        entries = pairs.map { (key: $0.0, value: $0.1) }
        entries.sort { compareUTF16Order($0.key, $1.key) < 0 }
        for i in entries.indices.dropFirst() {
            precondition(!exactlyEqual(entries[i - 1].key, entries[i].key),
                         "JSONObject: duplicate key \(entries[i].key.debugDescription)")
        }
    }

    public init(dictionaryLiteral elements: (String, JSON)...) {
        self.init(uniqueKeysWithValues: elements)
    }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }
    /// Keys in canonical order.
    public var keys: [String] { entries.map(\.key) }
    /// Values in canonical key order.
    public var values: [JSON] { entries.map(\.value) }

    public func makeIterator() -> IndexingIterator<[Element]> { entries.makeIterator() }

    /// Binary search: the index of `key`, or where it would be inserted.
    private func position(of key: String) -> (index: Int, found: Bool) {
        var lo = 0, hi = entries.count
        while lo < hi {
            let mid = (lo + hi) / 2
            let c = compareUTF16Order(entries[mid].key, key)
            if c == 0 { return (mid, true) }
            if c < 0 { lo = mid + 1 } else { hi = mid }
        }
        return (lo, false)
    }

    /// The value for `key` (exact scalar match). Setting `nil` removes the member.
    public subscript(key: String) -> JSON? {
        get {
            let p = position(of: key)
            return p.found ? entries[p.index].value : nil
        }
        set {
            let p = position(of: key)
            switch (p.found, newValue) {
            case (true, let v?): entries[p.index].value = v
            case (true, nil): entries.remove(at: p.index)
            case (false, let v?): entries.insert((key: key, value: v), at: p.index)
            case (false, nil): break
            }
        }
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.entries.count == rhs.entries.count else { return false }
        for (a, b) in zip(lhs.entries, rhs.entries) {
            guard exactlyEqual(a.key, b.key), a.value == b.value else { return false }
        }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(entries.count)
        for e in entries {
            hashExactly(e.key, into: &hasher)
            hasher.combine(e.value)
        }
    }
}
