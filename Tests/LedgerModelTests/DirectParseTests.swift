import CanonicalJSON
import Foundation
@testable import LedgerModel
import LedgerCrypto
import TestSupport
import Testing

/// `Entry.parse` reads a line in the usual canonical layout directly (`parseDirect`, no generic
/// JSON tree for the envelope) and gives anything else to the strict path. The direct reader must
/// accept only what the strict path accepts, with an equal entry (and the same signing message),
/// and `Entry.parse` must give exactly the strict path's outcome — the entry, or the finding with
/// its code, line and message — for every line: real ones of every kind, and thousands of seeded
/// mutations of them.
@Suite("Entry.parse: the direct reader agrees with the strict path")
struct DirectParseTests {
    enum Outcome: Equatable {
        case entry(Entry, [UInt8])
        case finding(LedgerFinding)
    }

    static func outcome(_ f: () throws(LedgerFinding) -> Entry) -> Outcome {
        do throws(LedgerFinding) {
            let e = try f()
            return .entry(e, e.tx.signingMessage)
        } catch {
            return .finding(error)
        }
    }

    /// Checks one line; returns true when the direct reader accepted it.
    @discardableResult
    static func check(_ line: [UInt8], lineNumber: Int = 7, sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        let strict = outcome { () throws(LedgerFinding) in try Entry.parseStrict(line: line, lineNumber: lineNumber) }
        let both = outcome { () throws(LedgerFinding) in try Entry.parse(line: line, lineNumber: lineNumber) }
        #expect(both == strict, "\(String(decoding: line, as: UTF8.self))", sourceLocation: sourceLocation)
        guard let direct = Entry.parseDirect(line: line) else { return false }
        #expect(strict == .entry(direct, direct.tx.signingMessage),
                "direct accepted what strict did not: \(String(decoding: line, as: UTF8.self))", sourceLocation: sourceLocation)
        // The direct reader's signing message is sliced from the line: it must be the encoded one.
        if direct.tx.isSigned {
            #expect(direct.tx.signingMessage == Transaction.signingDomain + direct.tx.unsignedJSON.canonicalBytes,
                    sourceLocation: sourceLocation)
        }
        #expect(direct.line == line, sourceLocation: sourceLocation)
        return true
    }

    /// Real lines: the project's own ledger, and a line of every kind (and an unknown kind) with
    /// bodies of every JSON type, escapes, non-ASCII text and extreme integers, built and encoded
    /// by the library.
    static func lines() throws -> [[UInt8]] {
        var out: [[UInt8]] = []
        let text = try String(contentsOfFile: repositoryRoot + "/ledger/ledger.jsonl", encoding: .utf8)
        for l in text.split(separator: "\n") { out.append(Array(l.utf8)) }
        let key = try Ed25519.PrivateKey(seed: Golden.seed1)
        let ledger = Golden.genesisHash
        let bodies: [JSONObject] = [
            [:],
            ["amount": 5, "to": .string(Golden.account2)],
            ["task": .string(Golden.transferID), "nested": ["a": [1, -2, 0, .null, true, false, ["x": "y"]]]],
            ["text": "a \"quoted\" \\ line\n\u{1}é€😀", "big": .int(Int64.max), "small": .int(Int64.min), "zero": 0],
            ["é": 1, "z": 2, "\u{E000}": 3, "😀": 4],
        ]
        var seq: Int64 = 1, link = Entry.zeroLink, time: Int64 = 0
        func add(_ tx: Transaction) {
            let e = Entry(seq: seq, link: link, time: time, tx: tx)
            out.append(e.line)
            seq += 1; link = e.hash; time += 1_000_000_007
        }
        for (n, body) in bodies.enumerated() {
            for kind in TransactionKind.allCases.map(\.rawValue) + ["mystery", "Transfer"] {
                switch TransactionKind(rawValue: kind) {
                case .genesis?: add(Transaction(unsignedKind: kind, body: body, ledger: nil))
                case .settle?: add(Transaction(unsignedKind: kind, body: body, ledger: ledger))
                default: add(try Transaction(kind: kind, body: body, ledger: ledger, nonce: Int64(n + 1) << 40 | 3, key: key))
                }
            }
        }
        return out
    }

    @Test("every real line: the direct reader accepts it, with the strict path's entry")
    func realLines() throws {
        let lines = try Self.lines()
        var accepted = 0
        for (i, line) in lines.enumerated() where Self.check(line, lineNumber: i + 1) { accepted += 1 }
        // Every line but those whose body is not plainly canonical to the parser (an escape or a
        // non-ASCII byte: 2 bodies of 5) and those of an unknown kind (2 of 11) is read directly:
        // the project's own ledger (37 lines) and 3 x 9 built ones.
        #expect(lines.count == 37 + 5 * 11)
        #expect(accepted == 37 + 3 * 9)
        #expect(Self.check(Array(Golden.genesisLine.utf8)) && Self.check(Array(Golden.transferLine.utf8)))
    }

    @Test("targeted deviations: each is refused by the direct reader and reported by the strict path")
    func targeted() throws {
        let base = Golden.transferLine
        func variant(_ from: String, _ to: String) -> [UInt8] {
            Array(base.replacingOccurrences(of: from, with: to).utf8)
        }
        let cases: [[UInt8]] = [
            variant(#""seq":2"#, #""seq":02"#), variant(#""seq":2"#, #""seq":-2"#), variant(#""seq":2"#, #""seq":-0"#),
            variant(#""seq":2"#, #""seq":9223372036854775807"#), variant(#""seq":2"#, #""seq":9223372036854775808"#),
            variant(#""seq":2"#, #""seq":123456789012345678"#), variant(#""seq":2"#, #""seq":1234567890123456789"#),
            variant(#""seq":2"#, #""seq":2.0"#), variant(#""seq":2"#, #""seq":2e0"#), variant(#""seq":2"#, #""seq":"2""#),
            variant(#""time":1700000060"#, #""time":-1"#), variant(#""time":1700000060"#, #""time":0"#),
            variant(#""nonce":1"#, #""nonce":0"#), variant(#""nonce":1"#, #""nonce":-1"#), variant(#""nonce":1"#, #""nonce":01"#),
            variant(#""kind":"transfer""#, #""kind":"Transfer""#), variant(#""kind":"transfer""#, #""kind":"""#),
            variant(#""kind":"transfer""#, #""kind":"settle""#), variant(#""kind":"transfer""#, #""kind":"genesis""#),
            variant(#""kind":"transfer""#, #""kind":"transfe\u0072""#), variant(#""amount":5"#, #""amount":5,"amount":5"#),
            variant(#""amount":5"#, #""amount" :5"#), variant(#""amount":5"#, #""amount":-0"#),
            variant(#""amount":5,"to""#, #""to":"x","amount":5,"to""#), variant("{\"body\"", "{ \"body\""),
            variant(#""hash":"de2e"#, #""hash":"DE2E"#), variant(#""link":"1832"#, #""link":"1832"#),
            variant(#""sig":"1527"#, #""sig":"152"#), variant(#""sig":"1527"#, #""sig":"15270"#),
            variant(#","sig":""#, #","sig2":""#), variant(#""party":"d75a"#, #""party":"d75A"#),
            variant("}}", "}} "), variant("}}", "}"), variant("}}", "}}}"), variant(#"{"hash""#, #"{"extra":1,"hash""#),
            variant(#""ledger":"1832"#, #""ledger":"1832"#), Array(base.utf8.dropLast()), Array(base.utf8) + [0x0A],
        ]
        for c in cases { #expect(!Self.check(c) || c == Array(base.utf8)) }
    }

    @Test("seeded mutations of real lines: byte flips, insertions, deletions, swaps, splices")
    func mutations() throws {
        let lines = try Self.lines()
        var rng = SplitMix64(seed: 0x5EED_D1EC)
        let alphabet: [UInt8] = Array(#"{}[]",:0123456789-abcdefABCDEF\u "#.utf8) + [0x00, 0x1F, 0x7F, 0x80, 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xF0, 0xFF]
        var accepted = 0, total = 0
        for round in 0..<12_000 {
            var l = lines[rng.int(0...(lines.count - 1))]
            let at = rng.int(0...(l.count - 1))
            switch round % 8 {
            case 0: l[at] = alphabet[rng.int(0...(alphabet.count - 1))]                        // replace
            case 1: l[at] ^= UInt8(1 << rng.int(0...7))                                         // bit flip
            case 2: l.insert(alphabet[rng.int(0...(alphabet.count - 1))], at: at)               // insert
            case 3: l.remove(at: at)                                                             // delete
            case 4:                                                                              // delete a run
                let end = min(l.count, at + rng.int(1...40)); l.removeSubrange(at..<end)
            case 5:                                                                              // duplicate a run
                let end = min(l.count, at + rng.int(1...60)); l.insert(contentsOf: l[at..<end], at: end)
            case 6:                                                                              // swap two runs
                let b = rng.int(0...(l.count - 1)), len = rng.int(1...20)
                let (x, y) = (min(at, b), max(at, b))
                if y + len <= l.count, x + len <= y {
                    let first = Array(l[x..<(x + len)]), second = Array(l[y..<(y + len)])
                    l.replaceSubrange(y..<(y + len), with: first); l.replaceSubrange(x..<(x + len), with: second)
                }
            default:                                                                             // a digit run changed
                if let d = l[at...].firstIndex(where: { $0 >= 0x30 && $0 <= 0x39 }) {
                    l.replaceSubrange(d..<(d + 1), with: Array(["0", "-0", "00", "9223372036854775808", "18446744073709551616", "1e3", "-1"][rng.int(0...6)].utf8))
                }
            }
            total += 1
            if Self.check(l, lineNumber: round + 1) { accepted += 1 }
        }
        // Mutations that keep the line valid (e.g. inside a body's string, re-hashed nowhere) are
        // rare: almost every mutation breaks the hash, so the strict path reports it.
        #expect(total == 12_000)
        _ = accepted
    }

    @Test("mutations re-hashed: the hash matches, so the layout and the values decide")
    func rehashedMutations() throws {
        let lines = try Self.lines()
        var rng = SplitMix64(seed: 0xC0FFEE)
        let alphabet: [UInt8] = Array(#"{}[]",:0123456789-abcdef\u "#.utf8) + [0x00, 0x80, 0xC3, 0xA9]
        var accepted = 0
        for round in 0..<6_000 {
            var l = lines[rng.int(0...(lines.count - 1))]
            guard l.count > 80 else { continue }
            // Mutate after the hash member, then state the hash of the mutated rest.
            let at = rng.int(75...(l.count - 1))
            switch round % 3 {
            case 0: l[at] = alphabet[rng.int(0...(alphabet.count - 1))]
            case 1: l.insert(alphabet[rng.int(0...(alphabet.count - 1))], at: at)
            default: l.remove(at: at)
            }
            var h = SHA256()
            h.update([UInt8(ascii: "{")])
            h.update(Array(l[75...]))
            l.replaceSubrange(9..<73, with: Array(Hex.encode(h.finalize()).utf8))
            if Self.check(l, lineNumber: round + 1) { accepted += 1 }
        }
        // Some mutations leave a valid line (a digit changed inside a body or a signature): the
        // direct reader accepts them, with the strict path's entry.
        #expect(accepted > 100)
    }
}
