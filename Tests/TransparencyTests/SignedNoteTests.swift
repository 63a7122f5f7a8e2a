import LedgerCrypto
import Testing
import Transparency

/// fixtures/vectors/signed-note.json.
struct SignedNoteVectors: Decodable {
    struct Key: Decodable {
        let source: String
        let vkey: String
        let name: String
        let keyID: String
        let type: UInt8
        let publicKeyHex: String?
    }
    struct BadKey: Decodable { let source: String; let vkey: String; let why: String }
    struct Mangled: Decodable { let source: String; let vkey: String; let skey: String }
    struct SignerKey: Decodable { let source: String; let skey: String; let vkey: String }
    struct Signing: Decodable {
        let source: String
        let skey: String?
        let seedHex: String?
        let name: String?
        let text: String
        let encoded: String
    }
    struct CheckpointFields: Decodable { let origin: String; let size: UInt64; let rootHashBase64: String }
    struct Note: Decodable {
        let source: String
        let encoded: String
        let text: String
        let verifiers: [String]
        let verified: [String]?
        let error: String?
        let checkpoint: CheckpointFields?
    }
    struct Malformed: Decodable { let source: String; let encodedHex: String }

    let verifierKeys: [Key]
    let badVerifierKeys: [BadKey]
    let mangledFrom: Mangled
    let signerKeys: [SignerKey]
    let signing: [Signing]
    let notes: [Note]
    let malformed: [Malformed]
}

@Suite("C2SP signed notes") struct SignedNoteTests {
    let v: SignedNoteVectors
    init() throws { v = try Fixtures.load("signed-note.json") }

    @Test("published verifier keys parse to their name, key ID and key, and encode back")
    func verifierKeys() throws {
        for k in v.verifierKeys {
            let key = try VerifierKey(parsing: k.vkey)
            #expect(key.name == k.name)
            #expect(key.keyID == UInt32(k.keyID, radix: 16))
            #expect(key.type == k.type)
            if let pub = k.publicKeyHex { #expect(key.publicKey == hex(pub)) }
            #expect(key.encoded == k.vkey)
            let verifier = try Ed25519NoteVerifier(vkey: k.vkey)
            #expect(verifier.vkey == k.vkey)
            #expect(try Ed25519NoteVerifier(name: k.name, publicKey: verifier.publicKey).keyID == key.keyID)
        }
        for k in v.badVerifierKeys {
            #expect(throws: TransparencyError.self, "\(k.why)") { try Ed25519NoteVerifier(vkey: k.vkey) }
        }
    }

    @Test("every proper substring and every one-byte change of a vkey or skey is refused (as in x/mod/sumdb/note)")
    func mangledKeys() throws {
        let cases: [(String, (String) throws -> Void)] = [
            (v.mangledFrom.vkey, { _ = try Ed25519NoteVerifier(vkey: $0) }),
            (v.mangledFrom.skey, { _ = try Ed25519NoteSigner(skey: $0) }),
        ]
        for (key, parse) in cases {
            try parse(key)
            let b = Array(key.utf8)
            var accepted: [String] = []
            for i in 0...b.count {
                for j in (i + 1)..<(b.count + 1) where !(i == 0 && j == b.count) {
                    let s = String(decoding: b[i..<j], as: UTF8.self)
                    if (try? parse(s)) != nil { accepted.append(s) }
                }
            }
            for i in b.indices {
                var c = b
                c[i] &+= 1
                let s = String(decoding: c, as: UTF8.self)
                if (try? parse(s)) != nil { accepted.append(s) }
            }
            #expect(accepted.isEmpty, "\(accepted)")
        }
    }

    @Test("signer keys derive their verifier key")
    func signerKeys() throws {
        for k in v.signerKeys {
            let signer = try Ed25519NoteSigner(skey: k.skey)
            #expect(signer.verifier.vkey == k.vkey)
        }
        let seed = [UInt8](repeating: 7, count: 32)
        let skey = try Ed25519NoteSigner.skey(name: "example.com/log", seed: seed)
        let again = try Ed25519NoteSigner(skey: skey)
        #expect(try again.sign(text: [1, 2]) == Ed25519.PrivateKey(seed: seed).sign([1, 2]))
    }

    @Test("deterministic Ed25519 signing reproduces the published notes byte for byte")
    func signing() throws {
        for s in v.signing {
            let signer: Ed25519NoteSigner
            if let skey = s.skey {
                signer = try Ed25519NoteSigner(skey: skey)
            } else {
                signer = try Ed25519NoteSigner(name: s.name!, privateKey: Ed25519.PrivateKey(seed: hex(s.seedHex!)))
            }
            let note = try SignedNote.sign(text: s.text, with: [signer])
            #expect(note.encoded == s.encoded, "\(s.source)")
            #expect(try SignedNote(parsing: s.encoded) == note)
            #expect(try note.verify([signer.verifier]) == note.signatures)
            // Signing again with the same key replaces the signature instead of adding one.
            #expect(try note.signed(by: signer) == note)
        }
    }

    @Test("published notes verify with the known keys, ignoring unknown ones; tampering fails")
    func notes() throws {
        for n in v.notes {
            let note = try SignedNote(parsing: n.encoded)
            #expect(note.text == n.text)
            #expect(note.encoded == n.encoded, "parsing and encoding round-trips: \(n.source)")
            let verifiers = try n.verifiers.map { try Ed25519NoteVerifier(vkey: $0) as any NoteVerifier }
            if let want = n.verified {
                let got = try note.verify(verifiers)
                #expect(got.map(\.description) == want, "\(n.source)")
                // The text changed by one byte fails: every known key's signature is checked.
                var tampered = Array(n.text.utf8)
                tampered[0] ^= 0x01
                let bad = try SignedNote(text: String(decoding: tampered, as: UTF8.self), signatures: note.signatures)
                #expect(throws: TransparencyError.self, "\(n.source)") { try bad.verify(verifiers) }
            } else {
                #expect(throws: TransparencyError.self, "\(n.source)") { try note.verify(verifiers) }
            }
            if let c = n.checkpoint {
                let cp = try Checkpoint(parsing: note.text)
                #expect(cp.origin == c.origin && cp.size == c.size && cp.rootHash == b64(c.rootHashBase64))
                #expect(cp.text == note.text)
            }
        }
    }

    @Test("malformed encodings are refused")
    func malformed() {
        for m in v.malformed {
            #expect(throws: TransparencyError.self, "\(m.encodedHex)") { try SignedNote(parsing: hex(m.encodedHex)) }
        }
    }

    @Test("more syntax: names, separators, base64, key IDs, text rules")
    func syntax() throws {
        let text = "hello\n"
        let signer = try Ed25519NoteSigner(name: "example.com/k", privateKey: Ed25519.PrivateKey(seed: [UInt8](repeating: 1, count: 32)))
        let good = try SignedNote.sign(text: text, with: [signer]).encoded
        #expect(try SignedNote(parsing: good).verify([signer.verifier]).count == 1)
        let line = good.split(separator: "\n").last!
        let b64part = String(line.split(separator: " ").last!)
        for bad in [
            "hello\n\n- example.com/k \(b64part)\n",            // hyphen, not em dash
            "hello\n\n—example.com/k \(b64part)\n",             // no space after the dash
            "hello\n\n— example.com/k  \(b64part)\n",           // two spaces
            "hello\n\n— example.com/k \(b64part) \n",           // trailing space
            "hello\n\n— example.com/k+x \(b64part)\n",          // plus in the name
            "hello\n\n— example.com/k\u{00A0}x \(b64part)\n",   // Unicode space in the name
            "hello\n\n—  \(b64part)\n",                         // empty name
            "hello\n\n— example.com/k \(b64part.dropLast())\n", // broken base64
            "hello\n\n— example.com/k AAAAAA==\n",              // 4 bytes: key ID only
            "hello\r\n\n— example.com/k \(b64part)\n",          // carriage return
            "hello\t\n\n— example.com/k \(b64part)\n",          // tab
            "hello\n\n— example.com/k \(b64part)\n\n",          // blank line after the signatures
            "\n— example.com/k \(b64part)\n",                   // no blank line
        ] {
            #expect(throws: TransparencyError.self, "\(bad.debugDescription)") { try SignedNote(parsing: bad) }
        }
        // The text runs to the last blank line, so it may itself contain and end with blank lines.
        for t in ["\n", "a\n\nb\n", "a\n\n", "\n\n\n"] {
            let note = try SignedNote.sign(text: t, with: [signer])
            let back = try SignedNote(parsing: note.encoded)
            #expect(back.text == t)
            #expect(try back.verify([signer.verifier]).count == 1)
        }
        for t in ["", "no newline", "tab\there\n", "nul\u{0}\n"] {
            #expect(throws: TransparencyError.self) { try SignedNote.sign(text: t, with: [signer]) }
        }
        #expect(throws: TransparencyError.self) { try SignedNote(text: text, signatures: []) }
        #expect(throws: TransparencyError.self) { try NoteSignature(name: "a b", keyID: 1, signature: [1]) }
        #expect(throws: TransparencyError.self) { try NoteSignature(name: "ab", keyID: 1, signature: []) }
        // A known name with another key ID is an unknown key: ignored.
        let other = try NoteSignature(name: signer.name, keyID: signer.keyID ^ 1, signature: [UInt8](repeating: 0, count: 64))
        let mixed = try SignedNote(parsing: good).adding(other)
        #expect(try mixed.verify([signer.verifier]).count == 1)
        // Two verifiers with the same name and key ID are refused.
        #expect(throws: TransparencyError.self) { try mixed.verify([signer.verifier, signer.verifier]) }
        // At most 100 signature lines.
        let sig = try SignedNote(parsing: good).signatures[0]
        #expect(try SignedNote(parsing: text + "\n" + String(repeating: sig.line, count: 100)).signatures.count == 100)
        #expect(throws: TransparencyError.self) { try SignedNote(parsing: text + "\n" + String(repeating: sig.line, count: 101)) }
    }
}
