import Foundation
import LedgerCrypto
import Testing

@Suite("Base64 (LedgerCrypto)") struct Base64Tests {
    /// RFC 4648, section 10.
    static let rfc4648: [(String, String)] = [
        ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy"),
    ]

    @Test("RFC 4648 test vectors encode and decode")
    func rfcVectors() {
        for (plain, encoded) in Self.rfc4648 {
            #expect(Base64.encode(bytes(plain)) == encoded)
            #expect(Base64.decode(encoded) == bytes(plain))
        }
    }

    @Test("every length up to 300 and every single byte round-trip, and match Foundation's encoder")
    func roundTrips() {
        var rng = SystemRandomNumberGenerator()
        for n in 0...300 {
            let data = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let text = Base64.encode(data)
            #expect(text == Data(data).base64EncodedString())
            #expect(Base64.decode(text) == data)
        }
        for b in 0...255 {
            #expect(Base64.decode(Base64.encode([UInt8(b)])) == [UInt8(b)])
        }
    }

    @Test("inputs larger than one OpenSSL call round-trip")
    func large() {
        let data = (0..<((3 << 20) + 5)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let text = Base64.encode(data)
        #expect(text.utf8.count == (data.count + 2) / 3 * 4)
        #expect(text == Data(data).base64EncodedString())
        #expect(Base64.decode(text) == data)
    }

    @Test("decoding is strict", arguments: [
        "Zg", "Zg=", "Zm9vY", "Zm9v=",            // length not a multiple of 4
        "Zh==", "Zm9=", "Zm9vYh==", "AB==",       // nonzero bits under the padding
        "Zm9v\n", " Zm9v", "Zm 9v", "Zm9v\r\n", "Zm\t9v", "Zm9v\u{0}", // whitespace, NUL
        "Z=g=", "Zg==Zg==", "====", "A===", "=Zg=", // misplaced padding
        "Zm-_", "Zm9v!", "Zm9vZé=",                // outside the alphabet
    ])
    func strict(_ text: String) {
        #expect(Base64.decode(text) == nil, "\(text.debugDescription)")
    }
}
