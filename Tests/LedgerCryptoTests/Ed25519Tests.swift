@testable import LedgerCrypto
import Testing

private func hex(_ s: String) -> [UInt8] { Hex.decode(s)! }

/// RFC 8032, section 7.1, TEST 1 (empty message) and TEST 2 (one byte 0x72).
private let rfc8032: [(secret: String, public: String, message: String, signature: String)] = [
    ("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
     "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
    ("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
     "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"),
]

@Suite("Ed25519") struct Ed25519Tests {
    @Test("RFC 8032 test vectors: public key from the seed, deterministic signature, verification", arguments: 0..<rfc8032.count)
    func rfc8032Vector(i: Int) throws {
        let v = rfc8032[i]
        let key = try Ed25519.PrivateKey(seed: hex(v.secret))
        #expect(key.publicKey.hex == v.public)
        let sig = try key.sign(hex(v.message))
        #expect(Hex.encode(sig) == v.signature)
        let pub = try #require(Ed25519.PublicKey(hex: v.public))
        #expect(pub.isValidSignature(hex(v.signature), for: hex(v.message)))
        // Any flipped bit in the signature or the message, or another key, fails.
        for bit in [0, 7, 255, 256, 511] {
            var bad = hex(v.signature)
            bad[bit / 8] ^= 1 << (bit % 8)
            #expect(!pub.isValidSignature(bad, for: hex(v.message)), "bit \(bit)")
        }
        #expect(!pub.isValidSignature(hex(v.signature), for: hex(v.message) + [0]))
        let other = try #require(Ed25519.PublicKey(hex: rfc8032[1 - i].public))
        #expect(!other.isValidSignature(hex(v.signature), for: hex(v.message)))
        // Wrong lengths are a plain "no", never a crash.
        #expect(!pub.isValidSignature(Array(hex(v.signature).dropLast()), for: hex(v.message)))
        #expect(!pub.isValidSignature([], for: hex(v.message)))
    }

    @Test("the PEM written is PKCS#8 that reads back to the same key, and matches openssl's encoding")
    func pemRoundTrip() throws {
        let key = try Ed25519.PrivateKey(seed: hex(rfc8032[0].secret))
        let pem = try key.pem()
        // PKCS#8 for Ed25519 = 302e020100300506032b657004220420 || seed, in base64.
        #expect(pem == "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n-----END PRIVATE KEY-----\n")
        let back = try Ed25519.PrivateKey(pem: pem)
        #expect(back.publicKey == key.publicKey)
        #expect(try back.sign([1, 2, 3]) == key.sign([1, 2, 3]))
    }

    @Test("fresh keys differ and sign verifiably")
    func freshKeys() throws {
        let a = try Ed25519.PrivateKey(), b = try Ed25519.PrivateKey()
        #expect(a.publicKey != b.publicKey)
        let msg = Array("crowdledger/v1/tx\n{}".utf8)
        #expect(a.publicKey.isValidSignature(try a.sign(msg), for: msg))
        #expect(!b.publicKey.isValidSignature(try a.sign(msg), for: msg))
    }

    @Test("bad seeds, non-keys and non-Ed25519 PEM are refused")
    func refusals() throws {
        #expect(throws: CryptoError.self) { try Ed25519.PrivateKey(seed: [UInt8](repeating: 1, count: 31)) }
        #expect(throws: CryptoError.self) { try Ed25519.PrivateKey(pem: "hello") }
        // An X25519 key in PKCS#8 (OID 1.3.101.110) is a valid key of the wrong type.
        let x25519 = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VuBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n-----END PRIVATE KEY-----\n"
        #expect(throws: CryptoError("the key is not an Ed25519 key")) { try Ed25519.PrivateKey(pem: x25519) }
    }

    @Test("the quick PKCS#8 read takes exactly the plain Ed25519 keys, as the same key; anything else goes to OpenSSL's decoder")
    func quickPKCS8Read() throws {
        func pem(_ der: [UInt8]) -> String { "-----BEGIN PRIVATE KEY-----\n\(Base64.encode(der))\n-----END PRIVATE KEY-----\n" }
        let seed = hex(rfc8032[0].secret)
        let plain = hex("302e020100300506032b657004220420") + seed
        let quick = try #require(Ed25519.PrivateKey.ed25519PKCS8(Array(pem(plain).utf8)))
        #expect(Ed25519.PrivateKey(owning: quick).publicKey.hex == rfc8032[0].public)
        #expect(try Ed25519.PrivateKey(pem: pem(plain)).publicKey.hex == rfc8032[0].public)
        // X25519's OID; NULL parameters (refused by OpenSSL's decoder too); a 31-byte seed;
        // a trailing byte after the seed's OCTET STRING: none is read quickly.
        let x25519 = hex("302e020100300506032b656e04220420") + seed
        let withNull = hex("3030020100300706032b6570050004220420") + seed
        let short = hex("302d020100300506032b657004210420") + seed.dropLast()
        let trailing = hex("302f020100300506032b657004230420") + seed + [0]
        for der in [x25519, withNull, short, trailing] {
            #expect(Ed25519.PrivateKey.ed25519PKCS8(Array(pem(der).utf8)) == nil)
        }
        #expect(throws: CryptoError.self) { try Ed25519.PrivateKey(pem: pem(withNull)) }
        #expect(throws: CryptoError.self) { try Ed25519.PrivateKey(pem: pem(short)) }
    }

    @Test("account ids are exactly 64 lower-case hex digits")
    func accountIDs() {
        let id = rfc8032[0].public
        #expect(Ed25519.PublicKey(hex: id)?.hex == id)
        #expect(Ed25519.PublicKey(hex: id.uppercased()) == nil)
        #expect(Ed25519.PublicKey(hex: String(id.dropLast())) == nil)
        #expect(Ed25519.PublicKey(hex: id + "00") == nil)
        #expect(Ed25519.PublicKey(hex: "g" + id.dropFirst()) == nil)
        #expect(Ed25519.PublicKey(bytes: [UInt8](repeating: 0, count: 31)) == nil)
        // A 32-byte string that is not a curve point: verification says no (does not crash).
        let notAPoint = Ed25519.PublicKey(hex: String(repeating: "f", count: 64))!
        #expect(!notAPoint.isValidSignature(hex(rfc8032[0].signature), for: []))
    }
}

@Suite("SHA-256 and hex") struct DigestTests {
    @Test("FIPS 180-2 vectors, one-shot and streamed")
    func vectors() {
        #expect(SHA256.hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(SHA256.hex(long) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        var h = SHA256()
        for b in long { h.update([b]) }
        #expect(Hex.encode(h.finalize()) == SHA256.hex(long))
        #expect(SHA256.hash(parts: [Array("ab".utf8), [], Array("c".utf8)]) == SHA256.hash(Array("abc".utf8)))
        var s = SHA256()
        s.update("a"); s.update("bc")
        #expect(Hex.encode(s.finalize()) == SHA256.hex(Array("abc".utf8)))
    }

    @Test("hex is lower-case only, both ways")
    func hexRules() {
        #expect(Hex.encode([0x00, 0x0f, 0xa0, 0xff]) == "000fa0ff")
        #expect(Hex.decode("000fa0ff") == [0x00, 0x0f, 0xa0, 0xff])
        #expect(Hex.decode("000FA0FF") == nil)
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
        #expect(Hex.decode("") == [])
        #expect(Hex.isCanonical("00ff", byteCount: 2))
        #expect(!Hex.isCanonical("00FF", byteCount: 2))
        #expect(!Hex.isCanonical("00ff", byteCount: 3))
    }
}
