import CanonicalJSON
import LedgerModel
import LedgerStore
import LedgerCrypto
import TestSupport
import Testing

// Golden values computed independently of this code base: python3's json.dumps(sort_keys=True,
// separators=(",", ":")) and hashlib.sha256 for the lines and hashes, and
// `openssl pkeyutl -sign -rawin` for the signature (RFC 8032 TEST 1's key signs, TEST 2's key
// receives).
private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

@Suite("Entries") struct EntryTests {
    @Test("genesis: byte-exact line and hash (independent golden)")
    func genesisGolden() {
        let g = Golden.genesis()
        #expect(String(decoding: g.line, as: UTF8.self) == Golden.genesisLine)
        #expect(g.hash == Golden.genesisHash)
        #expect(g.seq == 1 && g.link == Entry.zeroLink && g.link == String(repeating: "0", count: 64))
        #expect(g.tx.kind == "genesis" && g.tx.ledger == nil && g.tx.nonce == nil && g.tx.party == nil && g.tx.sig == nil)
        #expect(!g.tx.isSigned && !g.tx.hasValidSignature())
    }

    @Test("signed transfer: byte-exact signing message, signature, tx id, line and hash (independent golden)")
    func transferGolden() throws {
        let e = try Golden.transfer()
        #expect(String(decoding: e.tx.signingMessage, as: UTF8.self) == Golden.transferMessage)
        #expect(e.tx.sig == Golden.transferSig)
        #expect(e.tx.id == Golden.transferID)
        #expect(e.tx.id == SHA256.hex(bytes(Golden.transferMessage)))
        #expect(e.tx.hasValidSignature())
        #expect(e.hash == Golden.transferHash)
        #expect(String(decoding: e.line, as: UTF8.self) == Golden.transferLine)
    }

    @Test("the hash is SHA-256 of '{' followed by the canonical line from byte 75 on")
    func hashRule() throws {
        for (n, line) in [Golden.genesisLine, Golden.transferLine].enumerated() {
            let b = bytes(line)
            #expect(b[0..<9] == bytes(#"{"hash":""#)[...])
            #expect(b[73..<75] == bytes(#"","#)[...])
            #expect(SHA256.hex([UInt8(ascii: "{")] + b[75...]) == String(line.dropFirst(9).prefix(64)))
            let parsed = try Entry.parse(line: b, lineNumber: n + 1)
            #expect(parsed.line == b)
        }
    }

    @Test("parse round-trips the goldens")
    func parseGoldens() throws {
        let g = try Entry.parse(line: bytes(Golden.genesisLine), lineNumber: 1)
        #expect(g == Golden.genesis())
        let t = try Entry.parse(line: bytes(Golden.transferLine), lineNumber: 2)
        #expect(t == (try Golden.transfer()))
        #expect(t.tx.body["amount"] == .int(5))
        #expect(t.tx.hasValidSignature())
    }

    /// Edits of the golden transfer line and the finding each must give, all on the given line number.
    static let rejections: [(name: String, code: LedgerFinding.Code, edit: @Sendable (String) -> String)] = [
        ("duplicate key", .notJSON, { $0.replacingOccurrences(of: #""amount":5,"#, with: #""amount":5,"amount":5,"#) }),
        ("float", .notJSON, { $0.replacingOccurrences(of: #""amount":5,"#, with: #""amount":5.0,"#) }),
        ("exponent", .notJSON, { $0.replacingOccurrences(of: #""amount":5,"#, with: #""amount":5E0,"#) }),
        ("leading zero", .notJSON, { $0.replacingOccurrences(of: #""amount":5,"#, with: #""amount":05,"#) }),
        ("truncated", .notJSON, { String($0.dropLast()) }),
        ("empty line", .notJSON, { _ in "" }),
        ("whitespace", .notCanonical, { $0.replacingOccurrences(of: #","seq":2"#, with: #", "seq":2"#) }),
        ("trailing newline inside", .notCanonical, { $0 + "\n" }),
        ("key order", .notCanonical, { $0.replacingOccurrences(of: #""kind":"transfer","ledger""#, with: #""ledger""#)
                                         .replacingOccurrences(of: #""nonce":1,"#, with: #""kind":"transfer","nonce":1,"#) }),
        ("escaped ASCII", .notCanonical, { $0.replacingOccurrences(of: #""kind":"transfer""#, with: #""kind":"tr\u0061nsfer""#) }),
        ("array", .badShape, { _ in "[1]" }),
        ("missing tx", .badShape, { s in String(s[..<s.range(of: #","tx":"#)!.lowerBound]) + "}" }),
        ("hash upper case", .badShape, { $0.replacingOccurrences(of: "de2e445a", with: "DE2E445A") }),
        ("link too short", .badShape, { $0.replacingOccurrences(of: #""link":"18"#, with: #""link":""#) }),
        ("seq a string", .badShape, { $0.replacingOccurrences(of: #""seq":2"#, with: #""seq":"2""#) }),
        ("negative time", .badShape, { $0.replacingOccurrences(of: #""time":1700000060"#, with: #""time":-1"#) }),
        ("sig too short", .badShape, { $0.replacingOccurrences(of: #""sig":"15"#, with: #""sig":""#) }),
        ("nonce zero", .badShape, { $0.replacingOccurrences(of: #""nonce":1"#, with: #""nonce":0"#) }),
        ("unsigned transfer", .badShape, { s in
            let r = s.range(of: #","party":"#)!
            return String(s[..<r.lowerBound]) + "}}"
        }),
        ("hash digit changed", .badHash, { $0.replacingOccurrences(of: "de2e445a", with: "de2e445b") }),
        ("time changed", .badHash, { $0.replacingOccurrences(of: #""time":1700000060"#, with: #""time":1700000061"#) }),
        ("amount changed", .badHash, { $0.replacingOccurrences(of: #""amount":5"#, with: #""amount":6"#) }),
    ]

    @Test("each malformed line is refused with its code and line number", arguments: 0..<rejections.count)
    func rejected(i: Int) {
        let c = Self.rejections[i]
        let edited = c.edit(Golden.transferLine)
        #expect(edited != Golden.transferLine, "\(c.name)")
        do {
            let e = try Entry.parse(line: bytes(edited), lineNumber: 7)
            Issue.record("\(c.name): accepted \(e)")
        } catch {
            #expect(error.code == c.code, "\(c.name): \(error)")
            #expect(error.line == 7)
            #expect(error.description.hasPrefix("line 7: \(c.code.rawValue): "))
        }
    }

    @Test("a valid signature over a changed body fails; the line's own hash can be fixed but not the signature")
    func signatureCoversBody() throws {
        let e = try Golden.transfer()
        var body = e.tx.body
        body["amount"] = 6
        // Rebuild the line with the old signature but the new body, with a correct hash.
        guard case .object(var tx) = e.tx.json else { Issue.record("tx is not an object"); return }
        tx["body"] = .object(body)
        let obj: JSON = .object(["link": .string(e.link), "seq": 2, "time": .int(e.time), "tx": .object(tx)])
        let unhashed = obj.canonicalBytes
        var full = obj.objectValue!
        full["hash"] = .string(SHA256.hex(unhashed))
        let parsed = try Entry.parse(line: JSON.object(full).canonicalBytes, lineNumber: 2)
        #expect(!parsed.tx.hasValidSignature())
        #expect(parsed.tx.id != e.tx.id)
        // The signature does not cover time, link or seq: the same tx re-chained still verifies.
        let moved = Entry(seq: 9, link: String(repeating: "a", count: 64), time: 1, tx: e.tx)
        #expect(moved.tx.hasValidSignature() && moved.tx.id == e.tx.id && moved.hash != e.hash)
    }

    @Test("settle is unsigned but names the ledger; its tx id is the hash of its signing message")
    func settleShape() throws {
        let settle = #"{"body":{"task":"ab"},"kind":"settle","ledger":"\#(Golden.genesisHash)"}"#
        let obj: JSON = .object(["link": .string(Golden.genesisHash), "seq": 2, "time": 5, "tx": try JSON.parse(settle)])
        var full = obj.objectValue!
        full["hash"] = .string(SHA256.hex(obj.canonicalBytes))
        let e = try Entry.parse(line: JSON.object(full).canonicalBytes, lineNumber: 2)
        #expect(e.tx.kind == "settle" && e.tx.ledger == Golden.genesisHash && !e.tx.isSigned)
        #expect(e.tx.id == SHA256.hex(bytes("crowdledger/v1/tx\n" + settle)))
        // A settle that carries a party is the wrong shape.
        let bad = settle.replacingOccurrences(of: #""kind":"settle","#, with: #""kind":"settle","nonce":1,"#)
        let obj2: JSON = .object(["link": .string(Golden.genesisHash), "seq": 2, "time": 5, "tx": try JSON.parse(bad)])
        var full2 = obj2.objectValue!
        full2["hash"] = .string(SHA256.hex(obj2.canonicalBytes))
        #expect(throws: LedgerFinding.self) { try Entry.parse(line: JSON.object(full2).canonicalBytes, lineNumber: 2) }
    }

    @Test("every finding code is stable and distinct")
    func findingCodes() {
        let codes = LedgerFinding.Code.allCases.map(\.rawValue)
        #expect(Set(codes).count == codes.count)
        #expect(codes == ["torn-tail", "not-json", "not-canonical", "bad-shape", "empty-ledger", "bad-position", "bad-link",
                          "bad-hash", "time-decreases", "bad-genesis", "wrong-ledger", "bad-signature", "weak-key", "future-time",
                          "duplicate-transaction", "rejected", "settlement-mismatch", "conservation", "negative-balance",
                          "blob-mismatch", "trivial-result", "recompute-mismatch", "recompute-failed",
                          "checkpoint-signature", "checkpoint-inconsistent", "time-after-cosignature", "since-mismatch"])
    }
}
