import TestSupport
import Audit
import CanonicalJSON
import LedgerModel
import LedgerStore
import LedgerCrypto
import Testing

/// Replay takes each signed transaction's signing message from the line's own bytes instead of
/// re-encoding it. Over every transaction kind (the project's own record has them all), the two
/// must be the same bytes, and the signatures must verify.
@Suite struct SigningSliceTests {
    @Test func slicedSigningMessageEqualsTheEncodedOne() throws {
        let path = repositoryRoot + "/ledger/ledger.jsonl"
        var kinds = Set<String>()
        var checked = 0
        let result = try Replay.run(path: path) { entry, _ in
            guard entry.tx.isSigned else { return }
            let encoded = Transaction.signingDomain + entry.tx.unsignedJSON.canonicalBytes
            #expect(entry.tx.signingMessage == encoded, "line \(entry.seq)")
            #expect(entry.tx.id == SHA256.hex(encoded))
            kinds.insert(entry.tx.kind)
            checked += 1
        }
        #expect(result.isValid)
        #expect(kinds.isSuperset(of: ["publish", "join", "coin", "commit", "reveal"]))
        #expect(checked > 20)
    }

    @Test func aLineWithAnotherLayoutFallsBackToEncoding() throws {
        // A signed transaction whose signature is changed still parses; its signing message is the
        // same (the signature is not part of it) and the signature fails.
        let path = repositoryRoot + "/ledger/ledger.jsonl"
        var reader = try LineReader(path: path)
        _ = try reader.next()
        let line = try #require(try reader.next())  // line 2: the first publish
        var bytes = line.bytes
        let at = bytes.count - 5  // inside the signature's hex
        bytes[at] = bytes[at] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
        // Re-hash so only the signature is wrong.
        var object = try JSON.parseCanonical(bytes).objectValue!
        object["hash"] = nil
        let hash = SHA256.hex(JSON.object(object).canonicalBytes)
        object["hash"] = .string(hash)
        let rewritten = JSON.object(object).canonicalBytes
        let entry = try Entry.parse(line: rewritten, lineNumber: 2)
        #expect(entry.tx.signingMessage == Transaction.signingDomain + entry.tx.unsignedJSON.canonicalBytes)
        #expect(!entry.tx.hasValidSignature())
    }
}
