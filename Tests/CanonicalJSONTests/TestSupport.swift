import Testing
import CanonicalJSON

/// Bytes of a string literal (so tests can write JSON text directly).
func b(_ s: String) -> [UInt8] { Array(s.utf8) }

/// Expects `parse` to fail with `code` at `offset`; returns the error for further checks.
@discardableResult
func expectReject(_ bytes: [UInt8], _ code: JSONError.Code, at offset: Int,
                  sourceLocation: SourceLocation = #_sourceLocation) -> JSONError? {
    do {
        let v = try JSON.parse(bytes)
        Issue.record("expected \(code) at \(offset), but parsed \(v)", sourceLocation: sourceLocation)
        return nil
    } catch {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        #expect(error.offset == offset, "\(error)", sourceLocation: sourceLocation)
        #expect(!error.reason.isEmpty, sourceLocation: sourceLocation)
        return error
    }
}

@discardableResult
func expectReject(_ text: String, _ code: JSONError.Code, at offset: Int,
                  sourceLocation: SourceLocation = #_sourceLocation) -> JSONError? {
    expectReject(b(text), code, at: offset, sourceLocation: sourceLocation)
}

/// Expects `parseCanonical` to fail with `.notCanonical` at `offset` while `parse` succeeds.
func expectNotCanonical(_ text: String, at offset: Int, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(throws: Never.self, sourceLocation: sourceLocation) { _ = try JSON.parse(text) }
    do {
        let v = try JSON.parseCanonical(b(text))
        Issue.record("expected notCanonical at \(offset), but accepted \(v)", sourceLocation: sourceLocation)
    } catch {
        #expect(error.code == .notCanonical, "\(error)", sourceLocation: sourceLocation)
        #expect(error.offset == offset, "\(error)", sourceLocation: sourceLocation)
    }
}

/// SplitMix64: small, seeded, deterministic.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
