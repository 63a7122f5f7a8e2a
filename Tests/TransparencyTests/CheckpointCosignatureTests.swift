import LedgerCrypto
import Testing
import Transparency

/// fixtures/vectors/tlog-cosignature.json.
struct CosignatureVectors: Decodable {
    struct CheckpointVector: Decodable { let source: String; let text: String; let origin: String; let size: UInt64; let rootHashBase64: String }
    struct SignedMessage: Decodable { let source: String; let timestamp: UInt64; let checkpointText: String; let message: String }
    struct Timestamp: Decodable { let source: String; let line: String?; let signatureBase64: String?; let timestamp: UInt64? }
    struct CosignedNote: Decodable {
        let source: String
        let encoded: String
        let text: String
        let logKey: String
        let witnessKey: String
        let witnessTimestamp: UInt64
    }
    let checkpoints: [CheckpointVector]
    let signedMessage: SignedMessage
    let timestamps: [Timestamp]
    let cosignedNotes: [CosignedNote]
}

@Suite("C2SP checkpoints") struct CheckpointTests {
    @Test("the spec's example parses and formats back")
    func example() throws {
        let v: CosignatureVectors = try Fixtures.load("tlog-cosignature.json")
        for c in v.checkpoints {
            let cp = try Checkpoint(parsing: c.text)
            #expect(cp.origin == c.origin && cp.size == c.size && cp.rootHash == b64(c.rootHashBase64) && cp.extensions.isEmpty)
            #expect(cp.text == c.text)
            #expect(try Checkpoint(origin: c.origin, size: c.size, rootHash: b64(c.rootHashBase64)) == cp)
        }
    }

    @Test("sizes, roots, extension lines and line structure are strict")
    func strict() throws {
        let root = Base64.encode(Merkle.emptyRoot)
        let ok = try Checkpoint(parsing: "go.sum database tree\n0\n\(root)\next one\next two\n")
        #expect(ok.size == 0 && ok.extensions == ["ext one", "ext two"] && ok.rootHash == Merkle.emptyRoot)
        #expect(try Checkpoint(parsing: "o\n18446744073709551615\n\(root)\n").size == UInt64.max)
        for bad in [
            "o\n00\n\(root)\n", "o\n01\n\(root)\n", "o\n+1\n\(root)\n", "o\n-1\n\(root)\n", "o\n1 \n\(root)\n",
            "o\n18446744073709551616\n\(root)\n", "o\n\n\(root)\n", "o\nx\n\(root)\n", "o\n١\n\(root)\n",
            "o\n1\n\(root.dropLast(2))\n", "o\n1\nAAAA\n", "o\n1\n\(root) \n",
            "o\n1\n\(root)", "o\n1\n", "\n1\n\(root)\n", "o\n1\n\(root)\n\n", "o\n1\n\(root)\next\n\n",
            "o\r\n1\n\(root)\n", "o\n1\n\(root)\n\u{1}\n",
        ] {
            #expect(throws: TransparencyError.self, "\(bad.debugDescription)") { try Checkpoint(parsing: bad) }
        }
        #expect(throws: TransparencyError.self) { try Checkpoint(origin: "", size: 1, rootHash: Merkle.emptyRoot) }
        #expect(throws: TransparencyError.self) { try Checkpoint(origin: "a\nb", size: 1, rootHash: Merkle.emptyRoot) }
        #expect(throws: TransparencyError.self) { try Checkpoint(origin: "o", size: 1, rootHash: [1]) }
        #expect(throws: TransparencyError.self) { try Checkpoint(origin: "o", size: 1, rootHash: Merkle.emptyRoot, extensions: [""]) }
    }
}

@Suite("C2SP cosignature/v1") struct CosignatureTests {
    let v: CosignatureVectors
    init() throws { v = try Fixtures.load("tlog-cosignature.json") }

    @Test("the signed message is the spec's example byte for byte")
    func message() {
        let m = v.signedMessage
        #expect(CosignatureV1.message(timestamp: m.timestamp, checkpointText: bytes(m.checkpointText)) == bytes(m.message))
    }

    @Test("published cosignature lines carry the published timestamps; other signatures carry none")
    func timestamps() throws {
        for t in v.timestamps {
            let sig: NoteSignature
            if let line = t.line {
                sig = try NoteSignature(line: bytes(line))
            } else {
                let raw = b64(t.signatureBase64!)
                sig = try NoteSignature(name: "x", keyID: 0, signature: Array(raw.dropFirst(4)))
            }
            #expect(CosignatureV1.timestamp(of: sig) == t.timestamp, "\(t.source)")
        }
    }

    @Test("a real CT log checkpoint verifies with its log key and a real witness's cosignature; tampering fails")
    func realCheckpoint() throws {
        for c in v.cosignedNotes {
            let note = try SignedNote(parsing: c.encoded)
            #expect(note.encoded == c.encoded)
            #expect(note.text == c.text)
            _ = try Checkpoint(parsing: note.text)
            let log = try Ed25519NoteVerifier(vkey: c.logKey)
            let witness = try CosignatureV1Verifier(vkey: c.witnessKey)
            #expect(witness.vkey == c.witnessKey)
            // Each key type has its own verifier: a 0x01 vkey is not a cosigner key, nor the reverse.
            #expect(throws: TransparencyError.self) { try CosignatureV1Verifier(vkey: c.logKey) }
            #expect(throws: TransparencyError.self) { try Ed25519NoteVerifier(vkey: c.witnessKey) }
            // The log's RFC 6962 (type 5) signature and the other witnesses are unknown keys: ignored.
            #expect(try note.verify([log]).map(\.description) == [log.key.name + "+" + Hex.encode(BigEndian.bytes(UInt64(log.keyID)).suffix(4))])
            let cosigned = try note.verify([witness])
            #expect(cosigned.count == 1)
            #expect(CosignatureV1.timestamp(of: cosigned[0]) == c.witnessTimestamp)
            #expect(try note.verify([log, witness]).count == 2)
            // Another size: neither the log's signature nor the cosignature holds.
            let cp = try Checkpoint(parsing: note.text)
            let other = try Checkpoint(origin: cp.origin, size: cp.size - 1, rootHash: cp.rootHash)
            let forged = try SignedNote(text: other.text, signatures: note.signatures)
            #expect(throws: TransparencyError.self) { try forged.verify([log]) }
            #expect(throws: TransparencyError.self) { try forged.verify([witness]) }
            // A changed timestamp breaks the cosignature.
            let w = cosigned[0]
            var payload = w.signature
            payload[7] ^= 0x01
            let retimed = try SignedNote(text: note.text, signatures: [try NoteSignature(name: w.name, keyID: w.keyID, signature: payload)])
            #expect(throws: TransparencyError.self) { try retimed.verify([witness]) }
        }
    }

    @Test("cosign and verify round trip; a changed timestamp, text or key fails")
    func roundTrip() throws {
        let key = try Ed25519.PrivateKey(seed: [UInt8](repeating: 9, count: 32))
        let witness = try CosignatureV1Signer(name: "witness.example/w1", privateKey: key)
        let log = try Ed25519NoteSigner(name: "example.com/log", privateKey: Ed25519.PrivateKey(seed: [UInt8](repeating: 3, count: 32)))
        let cp = try Checkpoint(origin: "example.com/log", size: 70, rootHash: Naive.root(70), extensions: ["ext"])
        let note = try SignedNote.sign(text: cp.text, with: [log])
        let cosigned = try witness.cosign(note, timestamp: 1_700_000_000)
        #expect(cosigned.signatures.count == 2)
        let verified = try cosigned.verify([witness.verifier])
        #expect(verified.count == 1)
        #expect(CosignatureV1.timestamp(of: verified[0]) == 1_700_000_000)
        #expect(try SignedNote(parsing: cosigned.encoded) == cosigned)
        // The line is keyID ‖ timestamp ‖ signature, 76 bytes.
        #expect(verified[0].payload.count == 76)
        #expect(Array(verified[0].payload[4..<12]) == BigEndian.bytes(1_700_000_000))
        // The key ID is SHA-256(name ‖ 0x0A ‖ 0x04 ‖ key)[0..<4], and differs from the 0x01 one.
        let id = SHA256.hash(bytes("witness.example/w1\n") + [0x04] + key.publicKey.bytes)
        #expect(Hex.encode(BigEndian.bytes(UInt64(witness.keyID)).suffix(4)) == Hex.encode(id.prefix(4)))
        #expect(try witness.keyID != Ed25519NoteVerifier(name: witness.name, publicKey: key.publicKey).keyID)
        #expect(witness.verifier.vkey.hasPrefix("witness.example/w1+"))
        #expect(try CosignatureV1Verifier(vkey: witness.verifier.vkey).keyID == witness.keyID)
        // The signature covers the extension lines: the Ed25519 signature checks out against the
        // spec's message built by hand.
        let sig = Array(verified[0].signature.dropFirst(8))
        let message = bytes("cosignature/v1\ntime 1700000000\n") + bytes(cp.text)
        #expect(key.publicKey.isValidSignature(sig, for: message))

        // Every timestamp byte changed fails; so do a changed text and another key.
        for i in 0..<8 {
            var p = verified[0].signature
            p[i] ^= 0x01
            #expect(!witness.verifier.verify(text: bytes(cp.text), signature: p), "timestamp byte \(i)")
        }
        #expect(!witness.verifier.verify(text: bytes(cp.text.replacingFirst("ext", "exu")), signature: verified[0].signature))
        let stranger = try CosignatureV1Verifier(name: witness.name, publicKey: Ed25519.PrivateKey(seed: [UInt8](repeating: 8, count: 32)).publicKey)
        #expect(!stranger.verify(text: bytes(cp.text), signature: verified[0].signature))
        // A note cosigned twice by the same witness keeps the newer cosignature only.
        let again = try witness.cosign(cosigned, timestamp: 1_700_000_100)
        #expect(again.signatures.count == 2)
        #expect(CosignatureV1.timestamp(of: try again.verify([witness.verifier])[0]) == 1_700_000_100)
        // Timestamps above 2^63 - 1, and texts that are not checkpoints, are refused.
        #expect(throws: TransparencyError.self) { try witness.cosign(note, timestamp: UInt64(Int64.max) + 1) }
        #expect(try witness.cosign(note, timestamp: UInt64(Int64.max)).signatures.count == 2)
        #expect(throws: TransparencyError.self) { try witness.cosign(checkpointText: "not\na checkpoint\n", timestamp: 1) }
        var big = verified[0].signature
        big[0] = 0x80
        #expect(CosignatureV1.timestamp(of: try NoteSignature(name: "w", keyID: 0, signature: big)) == nil)
        #expect(!witness.verifier.verify(text: bytes(cp.text), signature: big))
    }
}

extension String {
    func replacingFirst(_ a: String, _ b: String) -> String {
        guard let r = range(of: a) else { return self }
        return replacingCharacters(in: r, with: b)
    }
}
