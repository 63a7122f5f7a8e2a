import LedgerCrypto
import Testing

@Suite("Hex: lower-case only, every byte value") struct HexTests {
    static let digits = Array("0123456789abcdef".utf8)

    @Test("decode and isCanonical accept exactly 0-9 a-f, in every position")
    func everyByteValue() {
        for c in UInt8(0)...UInt8(255) {
            let ok = Self.digits.contains(c)
            for text in [String(decoding: [c, 0x30], as: UTF8.self), String(decoding: [0x61, c], as: UTF8.self)] {
                guard text.utf8.count == 2 else { continue }  // ill-formed UTF-8 was repaired
                #expect((Hex.decode(text) != nil) == ok, "\(c)")
                #expect(Hex.isCanonical(text, byteCount: 1) == ok, "\(c)")
            }
        }
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("") == [])
        #expect(!Hex.isCanonical("ab", byteCount: 2))
        #expect(Hex.isCanonical(String(repeating: "f0", count: 32), byteCount: 32))
        #expect(!Hex.isCanonical(String(repeating: "F0", count: 32), byteCount: 32))
    }

    @Test("isLowerHex (eight bytes at a time) agrees with the byte rule for every byte value, at every position and length")
    func isLowerHexEveryPosition() {
        for length in 1...20 {
            for position in 0..<length {
                for c in UInt8(0)...UInt8(255) {
                    var bytes = [UInt8](repeating: 0x61, count: length)
                    bytes[position] = c
                    // A neighbour at the edges of the ranges, so carries between bytes would show.
                    if position + 1 < length { bytes[position + 1] = [0x30, 0x39, 0x66][Int(c) % 3] }
                    let expected = Self.digits.contains(c)
                    #expect(bytes.withUnsafeBufferPointer { Hex.isLowerHex($0) } == expected, "\(c) at \(position) of \(length)")
                }
            }
        }
        #expect([UInt8]().withUnsafeBufferPointer { Hex.isLowerHex($0) })
    }

    @Test("encode then decode is the identity on every byte; encode of slices and arrays agree")
    func roundTrip() {
        let all = (0...255).map { UInt8($0) }
        let text = Hex.encode(all)
        #expect(text.utf8.count == 512)
        #expect(Hex.decode(text) == all)
        #expect(Hex.encode(all[10..<20]) == Hex.encode(Array(all[10..<20])))
        #expect(Hex.encode([0x00, 0x0f, 0xa0, 0xff]) == "000fa0ff")
        #expect(Hex.encode([UInt8]()) == "")
    }
}
