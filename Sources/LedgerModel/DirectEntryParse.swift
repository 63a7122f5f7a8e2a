import CanonicalJSON
import LedgerCrypto

// A direct reader of a ledger line in exactly the canonical layout `Entry.parse` expects:
//
//   {"hash":"<64 hex>","link":"<64 hex>","seq":N,"time":N,"tx":{"body":{...},"kind":"K",
//    "ledger":"<64 hex>","nonce":N,"party":"<64 hex>","sig":"<128 hex>"}}
//
// (genesis: `"tx":{"body":{...},"kind":"genesis"}}`; settle: `...,"kind":"settle","ledger":"<64 hex>"}}`).
// The envelope is matched byte for byte and its strings sliced from the line, with no generic JSON
// tree; only the body goes through the JSON parser. It accepts nothing but a line the strict path
// accepts, and builds the same `Entry`: on any deviation at all (another layout, a bad digit, an
// unknown kind, a body that is not plainly canonical, a wrong hash...) it returns nil and the
// strict path runs and reports, so every finding is the strict path's own.
// `DirectParseTests` hold the two to agreement over real and mutated lines.

extension Entry {
    /// The entry of a canonical line in the usual layout, or nil (then `parseStrict` decides).
    static func parseDirect(line bytes: [UInt8]) -> Entry? {
        var hasher = SHA256()
        return parseDirect(line: bytes, hasher: &hasher)
    }

    /// The same, hashing the line with `hasher` (empty; left empty).
    static func parseDirect(line bytes: [UInt8], hasher: inout SHA256) -> Entry? {
        bytes.withUnsafeBufferPointer { p in
            var reader = DirectReader(p)
            return reader.entry(line: bytes, hasher: &hasher)
        }
    }
}

private struct DirectReader {
    let p: UnsafeBufferPointer<UInt8>
    let n: Int
    var i = 0

    init(_ p: UnsafeBufferPointer<UInt8>) {
        self.p = p
        self.n = p.count
    }

    /// Matches the literal bytes `s` at `i` and steps past them.
    @inline(__always)
    mutating func expect(_ s: StaticString) -> Bool {
        let len = s.utf8CodeUnitCount
        guard n - i >= len else { return false }
        let base = s.utf8Start
        for k in 0..<len where p[i + k] != base[k] { return false }
        i += len
        return true
    }

    /// `count` lower-case hex digits at `i`, then `"`: the String of the digits.
    @inline(__always)
    mutating func hex(_ count: Int) -> String? {
        guard n - i > count, Hex.isLowerHex(UnsafeBufferPointer(rebasing: p[i..<(i + count)])),
              p[i + count] == UInt8(ascii: "\"") else { return nil }
        let s = String(decoding: UnsafeBufferPointer(rebasing: p[i..<(i + count)]), as: UTF8.self)
        i += count + 1
        return s
    }

    /// A non-negative integer in canonical form (no leading zero), at most 18 digits (so it
    /// cannot overflow; longer ones take the strict path).
    @inline(__always)
    mutating func integer() -> Int64? {
        let start = i
        var v: Int64 = 0
        while i < n, p[i] >= 0x30, p[i] <= 0x39, i - start < 18 {
            v = v * 10 + Int64(p[i] - 0x30)
            i += 1
        }
        guard i > start, i < n, p[i] < 0x30 || p[i] > 0x39 else { return nil }
        if p[start] == 0x30 && i - start > 1 { return nil }
        return v
    }

    mutating func entry(line bytes: [UInt8], hasher: inout SHA256) -> Entry? {
        guard expect(#"{"hash":""#), let hash = hex(64),
              expect(#","link":""#), let link = hex(64),
              expect(#","seq":"#), let seq = integer(),
              expect(#","time":"#), let time = integer(),
              expect(#","tx":{"body":"#) else { return nil }
        let txStart = i - 8  // the transaction starts at its `{"body":`
        // The body is nested in the entry and the transaction: depth 3, as in the strict parse.
        guard let (body, bodyEnd) = JSON.plainObject(in: p, at: i, enclosingDepth: 2) else { return nil }
        i = bodyEnd
        guard expect(#","kind":""#) else { return nil }
        let kindStart = i
        while i < n, p[i] >= UInt8(ascii: "a"), p[i] <= UInt8(ascii: "z") { i += 1 }
        guard i < n, p[i] == UInt8(ascii: "\""), let kind = Self.kind(p, kindStart..<i) else { return nil }
        i += 1
        var ledger: String?, nonce: Int64?, party: String?, sig: String?
        var message: [UInt8]?
        switch kind {
        case .genesis:
            break
        case .settle:
            guard expect(#","ledger":""#), let l = hex(64) else { return nil }
            ledger = l
        default:
            guard expect(#","ledger":""#), let l = hex(64),
                  expect(#","nonce":"#), let nn = integer(), nn > 0,
                  expect(#","party":""#), let pa = hex(64) else { return nil }
            let sigStart = i
            guard expect(#","sig":""#), let s = hex(128) else { return nil }
            ledger = l; nonce = nn; party = pa; sig = s
            // The signing message: the transaction without `sig`, as in `Entry.signingMessage(ofCanonicalLine:)`
            // (in one allocation of its size).
            let domain = Transaction.signingDomain, txBytes = UnsafeBufferPointer(rebasing: p[txStart..<sigStart])
            var m: [UInt8] = []
            m.reserveCapacity(domain.count + txBytes.count + 1)
            m.append(contentsOf: domain)
            m.append(contentsOf: txBytes)
            m.append(UInt8(ascii: "}"))
            message = m
        }
        guard expect("}}"), i == n else { return nil }
        // The stated hash (lower-case hex at bytes 9..<73) against the digest, without encoding it.
        let hexDigits = Self.hexDigits
        let hashMatches = Entry.withDigestOfCanonicalLine(bytes, hasher: &hasher) { digest in
            for k in 0..<32 {
                let d = digest[k]
                guard p[9 + 2 * k] == hexDigits[Int(d >> 4)], p[10 + 2 * k] == hexDigits[Int(d & 15)] else { return false }
            }
            return true
        }
        guard hashMatches else { return nil }
        let tx = Transaction(kind: kind.rawValue, body: body, ledger: ledger, nonce: nonce, party: party, sig: sig,
                             cachedSigningMessage: message, knownKind: .some(kind))
        return Entry(direct: seq, link: link, time: time, tx: tx, hash: hash)
    }

    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// The kind spelled by `p[range]`, when it is one the format defines.
    static func kind(_ p: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> TransactionKind? {
        let s = UnsafeBufferPointer(rebasing: p[range])
        for (k, spelling) in kinds where spelling.count == s.count && spelling.elementsEqual(s) { return k }
        return nil
    }

    /// Each kind with its spelling's bytes.
    static let kinds: [(TransactionKind, [UInt8])] = TransactionKind.allCases.map { ($0, Array($0.rawValue.utf8)) }
}
