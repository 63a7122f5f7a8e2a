import Testing
import TestSupport
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

