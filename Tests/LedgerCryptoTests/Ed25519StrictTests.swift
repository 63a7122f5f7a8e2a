import COpenSSL
import Foundation
import LedgerCrypto
import TestSupport
import Testing

private func hex(_ s: String) -> [UInt8] { Hex.decode(s)! }

private let packageRoot = repositoryRoot

/// Plain OpenSSL, without crowdledger's checks: what `Verifier` did before it was strict.
private func opensslAlone(key: [UInt8], signature: [UInt8], message: [UInt8]) -> Bool {
    defer { ERR_clear_error() }
    guard let pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, key, key.count) else { return false }
    defer { EVP_PKEY_free(pkey) }
    guard let ctx = EVP_MD_CTX_new() else { return false }
    defer { EVP_MD_CTX_free(ctx) }
    guard EVP_DigestVerifyInit(ctx, nil, nil, nil, pkey) == 1 else { return false }
    return EVP_DigestVerify(ctx, signature, signature.count, message, message.count) == 1
}

private func strict(key: [UInt8], signature: [UInt8], message: [UInt8]) -> Bool {
    Ed25519.PublicKey(bytes: key)!.isValidSignature(signature, for: message)
}

private let identity = hex("0100000000000000000000000000000000000000000000000000000000000000")
private let zeros32 = [UInt8](repeating: 0, count: 32)
/// L = 2^252 + 27742317777372353535851937790883648493, little-endian.
private let groupOrderLE = hex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")
private let groupOrderLimbs: [UInt64] = [0x5812_631a_5cf5_d3ed, 0x14de_f9de_a2f7_9cd6, 0, 0x1000_0000_0000_0000]

/// Little-endian 32-byte `a + k`, for small k.
private func plus(_ a: [UInt8], _ k: Int) -> [UInt8] {
    var out = a, carry = k
    for i in 0..<32 where carry != 0 {
        let sum = Int(out[i]) + carry
        out[i] = UInt8(sum & 0xff)
        carry = sum >> 8
    }
    return out
}

/// RFC 8032, section 7.1, TEST 1: a genuine key and signature of the empty message.
private let rfcKey = hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
private let rfcSignature = hex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")

@Suite("Ed25519: the small-order list, derived independently") struct SmallOrderListTests {
    @Test("the reference model is right: sqrt(-1)^2 = -1, B = (x, 4/5) encodes as 5866…66 and has order L")
    func referenceModel() throws {
        #expect(Fe.sqrtMinusOne * Fe.sqrtMinusOne == -Fe.one)
        let b = try #require(EdPoint.decode(hex("5866666666666666666666666666666666666666666666666666666666666666")))
        #expect(b.canonical && b.point.isOnCurve)
        #expect(b.point.y == Fe(4) / Fe(5))
        #expect(b.point.encoding == hex("5866666666666666666666666666666666666666666666666666666666666666"))
        #expect(b.point.times(groupOrderLimbs) == .identity)
        #expect(b.point.times([2, 0, 0, 0]) != .identity)
    }

    /// E(F_p) is Z/8 × Z/L, so exactly 8 points have an order dividing 8. Finding 8 distinct ones
    /// with [8]P = O finds them all; every encoding of them is then y or y + p (when < 2^255)
    /// with the sign bit of x, or either sign bit when x = 0.
    @Test("the 8 points of order dividing 8 have exactly the 14 listed encodings (8 canonical)")
    func listIsComplete() throws {
        var points = Set<EdPoint>()
        for e in Ed25519.smallOrderEncodings {
            let d = try #require(EdPoint.decode(e), "\(Hex.encode(e)) is not a point")
            #expect(d.point.isOnCurve)
            #expect(d.point.times([8, 0, 0, 0]) == .identity, "\(Hex.encode(e))")
            points.insert(d.point)
        }
        #expect(points.count == 8)
        #expect(points.map { $0.order(upTo: 8)! }.sorted() == [1, 2, 4, 4, 8, 8, 8, 8])
        #expect(points.contains(.identity))

        var derived = Set<[UInt8]>()
        for point in points {
            let y = point.y.bytes
            var ys = [y]
            if y[0] < 19 && y[1...].allSatisfy({ $0 == 0 }) {
                ys.append(plus(hex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"), Int(y[0])))
            }
            for y in ys {
                for sign in [false, true] where sign == point.x.isOdd || point.x == .zero {
                    derived.insert(Array(y.dropLast()) + [y[31] | (sign ? 0x80 : 0)])
                }
            }
        }
        #expect(Ed25519.smallOrderEncodings.count == 14)
        #expect(Set(Ed25519.smallOrderEncodings) == derived)
        #expect(Ed25519.smallOrderEncodings.filter { EdPoint.decode($0)?.canonical == true }.count == 8)
        // The order-8 y of libsodium's blocklist, and the all-zero id (order 4).
        #expect(derived.contains(hex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05")))
        #expect(EdPoint.decode(zeros32)?.point.order(upTo: 8) == 4)
        #expect(EdPoint.decode(hex("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"))?.point == .identity)
    }

    @Test("weakness(ofAccount:): the point's weakness for 64 hex digits, nil for anything else")
    func weaknessOfAccount() {
        #expect(Ed25519.weakness(ofAccount: Hex.encode(rfcKey)) == nil)
        #expect(Ed25519.weakness(ofAccount: String(repeating: "0", count: 64)) == Ed25519.weakness(ofPoint: zeros32))
        for text in ["", "00", String(repeating: "0", count: 63), String(repeating: "0", count: 66),
                     String(repeating: "0", count: 62) + "0g", String(repeating: "0", count: 62) + "é"] {
            #expect(Ed25519.weakness(ofAccount: text) == nil, "\(text)")
        }
    }

    @Test("each listed encoding is refused as a key and as R, as non-canonical exactly when it is")
    func listedAreRefused() throws {
        let message = Array("crowdledger/v1/tx\n{}".utf8)
        let good = try #require(Ed25519.PublicKey(bytes: rfcKey))
        for e in Ed25519.smallOrderEncodings {
            let expected: Ed25519.KeyWeakness = try #require(EdPoint.decode(e)).canonical ? .smallOrder : .nonCanonical
            let key = try #require(Ed25519.PublicKey(bytes: e))
            #expect(key.weakness == expected, "\(Hex.encode(e))")
            #expect(Ed25519.weakness(ofPoint: e) == expected)
            #expect(Ed25519.weakness(ofAccount: Hex.encode(e)) == expected)
            #expect(Ed25519.Verifier(key).keyWeakness == expected)
            for s in [zeros32, plus(zeros32, 1), Array(rfcSignature[32...])] {
                #expect(!key.isValidSignature(identity + s, for: message))
                #expect(!good.isValidSignature(e + s, for: message), "R = \(Hex.encode(e))")
            }
        }
    }

    @Test("plain OpenSSL accepts R = identity, S = 0 under every canonical small-order key for some message; we never do")
    func forgeriesUnderEachKey() throws {
        let forgery = identity + zeros32
        var forgeable = 0
        for e in Ed25519.smallOrderEncodings {
            let verifier = Ed25519.Verifier(Ed25519.PublicKey(bytes: e)!)
            // k = SHA-512(R ‖ A ‖ M) mod L is a multiple of the key's order for about 1 message in 8.
            let hit = (0..<256).map { [UInt8($0)] }.first { opensslAlone(key: e, signature: forgery, message: $0) }
            if try #require(EdPoint.decode(e)).canonical { #expect(hit != nil, "no forgery under \(Hex.encode(e))") }
            if let hit {
                forgeable += 1
                #expect(!verifier.isValidSignature(forgery, for: hit))
            }
        }
        #expect(forgeable >= 8)
    }
}

@Suite("Ed25519: strict verification") struct Ed25519StrictTests {
    @Test("the motivating attack: A = identity, R = identity, S = 0 verifies under plain OpenSSL for every message, never under ours")
    func identityForgery() throws {
        let forgery = identity + zeros32
        let key = try #require(Ed25519.PublicKey(bytes: identity))
        #expect(key.weakness == .smallOrder)
        let verifier = Ed25519.Verifier(key)
        for text in ["", "hello", "crowdledger/v1/tx\n{\"kind\":\"transfer\"}", String(repeating: "x", count: 1000)] {
            let message = Array(text.utf8)
            #expect(opensslAlone(key: identity, signature: forgery, message: message))
            #expect(!key.isValidSignature(forgery, for: message))
            #expect(!verifier.isValidSignature(forgery, for: message))
        }
    }

    @Test("the all-zero account id (a point of order 4) is refused")
    func allZeroKey() throws {
        let key = try #require(Ed25519.PublicKey(hex: String(repeating: "0", count: 64)))
        #expect(key.weakness == .smallOrder)
        let forgery = identity + zeros32
        let hit = try #require((0..<256).map { [UInt8($0)] }.first { opensslAlone(key: zeros32, signature: forgery, message: $0) })
        #expect(!key.isValidSignature(forgery, for: hit))
    }

    @Test("non-canonical encodings: y ≥ p, and x = 0 with the sign bit set")
    func nonCanonical() {
        let pMinus1 = hex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")
        let p = plus(pMinus1, 1)
        for k in 0...18 {
            #expect(Ed25519.weakness(ofPoint: plus(p, k)) == .nonCanonical, "p + \(k)")
            var signed = plus(p, k)
            signed[31] |= 0x80
            #expect(Ed25519.weakness(ofPoint: signed) == .nonCanonical, "p + \(k), sign bit")
        }
        #expect(Ed25519.weakness(ofPoint: pMinus1) == .smallOrder)
        #expect(Ed25519.weakness(ofPoint: hex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff")) == .nonCanonical)
        #expect(Ed25519.weakness(ofPoint: hex("0100000000000000000000000000000000000000000000000000000000000080")) == .nonCanonical)
        // Just below p, and p with a low byte changed: judged by the curve (OpenSSL), not here.
        #expect(Ed25519.weakness(ofPoint: plus(pMinus1, -1)) == nil)
        #expect(Ed25519.weakness(ofPoint: hex("edfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe7f")) == nil)
        // Not 32 bytes: not an encoding at all.
        #expect(Ed25519.weakness(ofPoint: []) == .nonCanonical)
        #expect(Ed25519.weakness(ofPoint: Array(rfcKey.dropLast())) == .nonCanonical)
        #expect(Ed25519.weakness(ofPoint: rfcKey) == nil)
    }

    @Test("random keys and random encodings: flagged exactly when listed or y ≥ p")
    func randomEncodings() throws {
        for _ in 0..<100 {
            let key = try Ed25519.PrivateKey().publicKey
            #expect(key.weakness == nil, "\(key)")
        }
        let listed = Set(Ed25519.smallOrderEncodings)
        var samples = try (0..<2000).map { _ in try SecureRandom.bytes(32) }
        // Near the list: every listed encoding with one bit flipped.
        for e in listed { for bit in 0..<256 { var f = e; f[bit / 8] ^= 1 << (bit % 8); samples.append(f) } }
        for b in samples {
            var expected: Ed25519.KeyWeakness?
            if Fe.fromLowBits(b).wasAtLeastP {
                expected = .nonCanonical
            } else if listed.contains(b) {
                expected = try #require(EdPoint.decode(b)).canonical ? .smallOrder : .nonCanonical
            }
            #expect(Ed25519.weakness(ofPoint: b) == expected, "\(Hex.encode(b))")
        }
    }

    @Test("S must be < L: S = L, L + small and 2^256 - 1 are refused; 0, L - 1 and below pass the S check")
    func scalarBound() throws {
        let key = try #require(Ed25519.PublicKey(bytes: rfcKey))
        let r = Array(rfcSignature[..<32]), s = Array(rfcSignature[32...])
        #expect(key.isValidSignature(rfcSignature, for: []))
        #expect(Ed25519.isCanonicalScalar(s))
        for bad in [groupOrderLE, plus(groupOrderLE, 1), plus(groupOrderLE, 8), plus(groupOrderLE, 255),
                    [UInt8](repeating: 0xff, count: 32), Array(zeros32.dropLast()) + [0x11]] {
            #expect(!Ed25519.isCanonicalScalar(bad), "\(Hex.encode(bad))")
            #expect(!key.isValidSignature(r + bad, for: []))
        }
        // S + L: the same value mod L, the classic malleability.
        var sPlusL = s, carry = 0
        for i in 0..<32 {
            let sum = Int(s[i]) + Int(groupOrderLE[i]) + carry
            sPlusL[i] = UInt8(sum & 0xff)
            carry = sum >> 8
        }
        #expect(carry == 0 && !Ed25519.isCanonicalScalar(sPlusL))
        #expect(!key.isValidSignature(r + sPlusL, for: []))
        for ok in [zeros32, plus(zeros32, 1), plus(groupOrderLE, -1), plus(groupOrderLE, -256),
                   Array(zeros32.dropLast()) + [0x10], hex("ecd3f55c1a631258d69cf7a2def9de14ffffffffffffffffffffffffffffff0f")] {
            #expect(Ed25519.isCanonicalScalar(ok), "\(Hex.encode(ok))")
        }
        #expect(!Ed25519.isCanonicalScalar(Array(s.dropLast())))
    }
}

/// One published case of "Taming the many EdDSAs" (fixtures/vectors/ed25519-speccheck.json).
private struct SpeccheckCase: Decodable {
    let message: String
    let publicKey: String
    let signature: String
    enum CodingKeys: String, CodingKey { case message, publicKey = "pub_key", signature }
}

private enum Verdict: Equatable {
    case keyRefused(Ed25519.KeyWeakness)
    case rRefused(Ed25519.KeyWeakness)
    case sNotBelowL
    /// All three checks pass: OpenSSL's cofactorless equation decides.
    case equation(holds: Bool)
}

/// What our strict rule decides for cases 0–11, and why (the paper's table: "small" is a point
/// of order dividing 8, "mixed" a point with a torsion component that is not small).
private let expectedVerdicts: [Verdict] = [
    .keyRefused(.smallOrder),  // 0: A and R small (A = c717…fa, order 8), S = 0
    .keyRefused(.smallOrder),  // 1: A small (the same key)
    .rRefused(.smallOrder),  // 2: R small (c717…fa); A mixed
    .equation(holds: true),  // 3: A and R mixed; both equations hold: the one case that verifies
    .equation(holds: false),  // 4: only the cofactored equation holds
    .equation(holds: false),  // 5: only the cofactored equation holds (without pre-reduction)
    .sNotBelowL,  // 6: S > L
    .sNotBelowL,  // 7: S >> L (its top bit is set)
    .rRefused(.nonCanonical),  // 8: R = ecff…ff, the order-2 point with its x = 0 given sign 1
    .rRefused(.nonCanonical),  // 9: the same R
    .keyRefused(.nonCanonical),  // 10: A = ecff…ff
    .keyRefused(.nonCanonical),  // 11: A = ecff…ff
]

/// The row "OpenSSL-3.0" of the repository's results table: what plain OpenSSL decides.
private let publishedOpenSSL: [Bool] = [true, true, true, true, false, false, false, false, false, false, false, true]

@Suite("Ed25519: Taming the many EdDSAs (Chalkias, Garillot, Nikolaenko 2020)") struct SpeccheckTests {
    fileprivate static let cases: [SpeccheckCase] = {
        let url = URL(fileURLWithPath: packageRoot + "/fixtures/vectors/ed25519-speccheck.json")
        return (try? JSONDecoder().decode([SpeccheckCase].self, from: Data(contentsOf: url))) ?? []
    }()

    @Test("the fixture is the published file: 12 cases, SHA-256 08e47a36…")
    func fixture() throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: packageRoot + "/fixtures/vectors/ed25519-speccheck.json")))
        #expect(SHA256.hex(bytes) == "08e47a36d9aead288664930505584f353fff113ab854f2800db1e4f5b3540450")
        #expect(Self.cases.count == 12)
    }

    @Test("each case: our decision and its reason; plain OpenSSL as published", arguments: 0..<12)
    func speccheckCase(i: Int) throws {
        try #require(Self.cases.count == 12)
        let c = Self.cases[i]
        let a = hex(c.publicKey), sig = hex(c.signature), message = hex(c.message)
        let key = try #require(Ed25519.PublicKey(bytes: a))
        let r = Array(sig[..<32]), s = Array(sig[32...])

        let verdict: Verdict
        if let w = key.weakness {
            verdict = .keyRefused(w)
        } else if let w = Ed25519.weakness(ofPoint: r) {
            verdict = .rRefused(w)
        } else if !Ed25519.isCanonicalScalar(s) {
            verdict = .sNotBelowL
        } else {
            verdict = .equation(holds: opensslAlone(key: a, signature: sig, message: message))
        }
        #expect(verdict == expectedVerdicts[i])
        #expect(key.isValidSignature(sig, for: message) == (verdict == .equation(holds: true)))
        #expect(Ed25519.Verifier(key).isValidSignature(sig, for: message) == (i == 3))
        #expect(opensslAlone(key: a, signature: sig, message: message) == publishedOpenSSL[i])
    }
}

@Suite("Ed25519: one Verifier, many checks") struct Ed25519ReusedVerifierTests {
    /// A Verifier is kept per party for a whole replay; every answer must still be the one a
    /// fresh verifier gives, whatever came before (good, bad, and bad then good again).
    @Test("a reused verifier answers each check as a fresh one does")
    func reusedContextAgreesWithFreshOnes() throws {
        let key = try Ed25519.PrivateKey()
        let other = try Ed25519.PrivateKey()
        let messages = (0..<12).map { Array("crowdledger/v1/tx\nmessage \($0) \(String(repeating: "x", count: $0 * 37))".utf8) }
        let sigs = try messages.map { try key.sign($0) }
        let reused = Ed25519.Verifier(key.publicKey)
        var checks = 0
        for round in 0..<3 {
            for (i, m) in messages.enumerated() {
                var tampered = sigs[i]
                tampered[(i * 7 + round) % 64] ^= 0x01
                let cases: [([UInt8], [UInt8])] = [
                    (sigs[i], m), (tampered, m), (sigs[(i + 1) % sigs.count], m), (try other.sign(m), m), (sigs[i], m + [0]), (sigs[i], m),
                ]
                for (sig, msg) in cases {
                    let fresh = Ed25519.Verifier(key.publicKey).isValidSignature(sig, for: msg)
                    #expect(reused.isValidSignature(sig, for: msg) == fresh)
                    #expect(fresh == (sig == sigs[i] && msg == m))
                    checks += 1
                }
            }
        }
        #expect(checks == 3 * 12 * 6)
    }
}

/// The equation is computed by BoringSSL (swift-crypto); the rule as written (docs/FORMAT.md
/// section 8.2) was first checked against OpenSSL's. Behind the three refusals the two must
/// decide every input alike, or a ledger's validity would depend on the library.
@Suite("Ed25519: BoringSSL's equation decides as OpenSSL's does") struct Ed25519TwoLibrariesTests {
    /// The refusals (byte comparisons), then plain OpenSSL.
    private func strictOverOpenSSL(key: [UInt8], signature: [UInt8], message: [UInt8]) -> Bool {
        guard signature.count == 64, Ed25519.weakness(ofPoint: key) == nil,
              Ed25519.weakness(ofPoint: Array(signature[..<32])) == nil,
              Ed25519.isCanonicalScalar(Array(signature[32...])) else { return false }
        return opensslAlone(key: key, signature: signature, message: message)
    }

    @Test("genuine, altered, misplaced and random signatures; keys and R with a torsion part; R off the curve")
    func sameDecisions() throws {
        var rng = SplitMix64(seed: 0x6564_3235_3531_39)
        func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) } }
        // A point of order 8, to give keys and R a torsion component (mixed order).
        let torsion = try #require(EdPoint.decode(Ed25519.smallOrderEncodings[4])).point
        try #require(torsion.order(upTo: 8) == 8)
        var accepted = 0, refusedByEquation = 0, compared = 0
        func check(_ key: [UInt8], _ sig: [UInt8], _ message: [UInt8], _ what: String) throws {
            let expected = strictOverOpenSSL(key: key, signature: sig, message: message)
            let ours = try #require(Ed25519.PublicKey(bytes: key)).isValidSignature(sig, for: message)
            #expect(ours == expected, "\(what): key \(Hex.encode(key)) sig \(Hex.encode(sig)) message \(Hex.encode(message))")
            compared += 1
            if expected { accepted += 1 }
            else if Ed25519.weakness(ofPoint: key) == nil, Ed25519.weakness(ofPoint: Array(sig[..<32])) == nil,
                    Ed25519.isCanonicalScalar(Array(sig[32...])) { refusedByEquation += 1 }
        }
        for round in 0..<40 {
            let priv = try Ed25519.PrivateKey(seed: bytes(32))
            let key = priv.publicKey.bytes
            let message = bytes(Int(rng.next() % 700))
            let sig = try priv.sign(message)
            try check(key, sig, message, "genuine")
            for _ in 0..<4 {
                var flipped = sig
                flipped[Int(rng.next() % 64)] ^= UInt8(1) << UInt8(rng.next() % 8)
                try check(key, flipped, message, "one bit of the signature")
                var m = message.isEmpty ? [0] : message
                m[Int(rng.next() % UInt64(m.count))] ^= 0x01
                try check(key, sig, m, "one bit of the message")
            }
            try check(key, sig, message + [0], "a longer message")
            try check(key, Array(sig[..<32]) + bytes(31) + [0x00], message, "a random S below L")
            try check(key, bytes(32) + Array(sig[32...]), message, "a random R (mostly no curve point)")
            let a = try #require(EdPoint.decode(key)).point
            try check((a + torsion).encoding, sig, message, "the key plus a point of order 8")
            let r = try #require(EdPoint.decode(Array(sig[..<32]))).point
            try check(key, (r + torsion).encoding + Array(sig[32...]), message, "R plus a point of order 8")
            let other = try Ed25519.PrivateKey(seed: bytes(32))
            try check(other.publicKey.bytes, sig, message, "another key")
            if round % 10 == 0 { try check(key, bytes(64), message, "64 random bytes") }
        }
        #expect(compared == 40 * 15 + 4)
        #expect(accepted >= 40)
        #expect(refusedByEquation >= 40 * 8)
    }
}
