import CanonicalJSON
import LedgerCrypto
import LedgerModel

/// The one strict reader of transaction bodies: every member checked for type and range, unknown
/// members refused, every failure a `rejected` finding naming the member. Each kind's body type
/// (``TransactionBody``) reads itself through it.
public struct BodyReader {
    let object: JSONObject
    /// The kind, or a member path inside it (`publish.windows`), for messages.
    let kind: String
    let line: Int

    init(_ tx: Transaction, line: Int) {
        self.object = tx.body
        self.kind = tx.kind
        self.line = line
    }

    init(object: JSONObject, kind: String, line: Int) {
        self.object = object
        self.kind = kind
        self.line = line
    }

    func fail(_ message: String) -> LedgerFinding {
        LedgerFinding(.rejected, line: line, "\(kind): \(message)")
    }

    func allowOnly(_ required: [String], optional: [String] = []) throws(LedgerFinding) {
        // Fast path: every required key present (exact lookup) and nothing else but optional
        // ones; otherwise the full check below finds what is missing or unknown.
        var expected = required.count
        var allPresent = true
        for r in required where object[r] == nil { allPresent = false; break }
        if allPresent {
            for o in optional where object[o] != nil { expected += 1 }
            if object.count == expected { return }
        }
        let required = Set(required), optional = Set(optional)
        let keys = Set(object.keys)
        let missing = required.subtracting(keys)
        if !missing.isEmpty { throw fail("missing \(missing.sorted().joined(separator: ", "))") }
        let extra = keys.subtracting(required).subtracting(optional)
        if !extra.isEmpty { throw fail("unknown member \(extra.sorted().joined(separator: ", "))") }
    }

    func has(_ key: String) -> Bool { object[key] != nil }

    func int(_ key: String, min: Int64 = 0, max: Int64 = Int64.max) throws(LedgerFinding) -> Int64 {
        guard let v = object[key]?.intValue else { throw fail("\(key) must be an integer") }
        guard v >= min else { throw fail("\(key) must be at least \(min), got \(v)") }
        guard v <= max else { throw fail("\(key) must be at most \(max), got \(v)") }
        return v
    }

    func string(_ key: String) throws(LedgerFinding) -> String {
        guard let v = object[key]?.stringValue else { throw fail("\(key) must be a string") }
        return v
    }

    func hex(_ key: String, bytes: Int) throws(LedgerFinding) -> String {
        guard let v = object[key]?.stringValue, Hex.isCanonical(v, byteCount: bytes) else {
            throw fail("\(key) must be \(bytes * 2) lower-case hex digits")
        }
        return v
    }

    func account(_ key: String) throws(LedgerFinding) -> String {
        guard let v = object[key]?.stringValue, Hex.isCanonical(v, byteCount: 32) else {
            throw fail("\(key) must be an account id (64 lower-case hex digits)")
        }
        try Contract.checkKey(v, line: line, what: "\(kind).\(key)")
        return v
    }

    func object(_ key: String) throws(LedgerFinding) -> BodyReader {
        guard case .object(let o)? = object[key] else { throw fail("\(key) must be an object") }
        return BodyReader(object: o, kind: "\(kind).\(key)", line: line)
    }

    func array(_ key: String) throws(LedgerFinding) -> [JSON] {
        guard let a = object[key]?.arrayValue else { throw fail("\(key) must be an array") }
        return a
    }
}
