import Files
import Foundation
import Testing

/// `FileIO.replaceAtomically`, durable (the receipts, the auditor state) and not (the state cache,
/// which removes the old file before the rename), through real files.
@Suite("Atomic replace") struct ReplaceTests {
    @Test("replaces an existing file whole, durable or not, and leaves no temporary file", arguments: [true, false])
    func replaces(durable: Bool) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("replace-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = dir.appendingPathComponent(".L.jsonl.state").path
        try FileIO.replaceAtomically(p, contents: Array("first, and longer than the second\n".utf8), durable: durable)
        try FileIO.replaceAtomically(p, contents: Array("second\n".utf8), mode: 0o600, durable: durable)
        #expect(try Data(contentsOf: URL(fileURLWithPath: p)) == Data("second\n".utf8))
        let mode = (try FileManager.default.attributesOfItem(atPath: p)[.posixPermissions] as? NSNumber)?.intValue
        #expect(mode == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == [".L.jsonl.state"])
    }
}
