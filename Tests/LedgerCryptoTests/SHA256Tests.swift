import LedgerCrypto
import Testing

@Suite("SHA-256: a hasher reused after finalizeAndReset") struct SHA256Tests {
    @Test("each digest of a reused hasher is the one-shot digest of its own message")
    func reuse() {
        // FIPS 180-2's "abc" and the empty message, then messages of every length up to three blocks.
        var messages: [[UInt8]] = [Array("abc".utf8), []]
        messages += (0...192).map { n in (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ n) } }
        var hasher = SHA256()
        for m in messages {
            hasher.update(m)
            let digest = hasher.finalizeAndReset { Array($0) }
            #expect(digest == SHA256.hash(m), "\(m.count) bytes")
        }
        #expect(Hex.encode(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        // Left empty: finalizing at once gives the empty message's digest.
        #expect(hasher.finalizeAndReset { Array($0) } == SHA256.hash([UInt8]()))
    }
}
