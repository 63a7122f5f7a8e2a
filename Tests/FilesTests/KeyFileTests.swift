import Files
import Foundation
import LedgerCrypto
import Testing

private func tempDir() throws -> URL {
    let u = FileManager.default.temporaryDirectory.appendingPathComponent("keyfile-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
    return u
}

private func mode(_ p: String) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: p)[.posixPermissions]) as? NSNumber)?.intValue ?? -1
}

@Suite("Key files") struct KeyFileTests {
    @Test("create writes 0600 and never overwrites; load reads it back")
    func createAndLoad() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = dir.appendingPathComponent("k.pem").path
        let key = try Ed25519.PrivateKey()
        let old = umask(0)
        defer { umask(old) }
        try KeyFile.create(p, key: key)
        #expect(mode(p) == 0o600)
        #expect(try KeyFile.load(p).publicKey == key.publicKey)
        let before = try Data(contentsOf: URL(fileURLWithPath: p))
        #expect(throws: KeyFile.Error.self) { try KeyFile.create(p, key: try Ed25519.PrivateKey()) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: p)) == before)
    }

    @Test("load refuses any group or other permission bit", arguments: [0o640, 0o604, 0o620, 0o602, 0o610, 0o601, 0o644, 0o666])
    func refusesPermissive(m: Int) throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = dir.appendingPathComponent("k.pem").path
        try KeyFile.create(p, key: try Ed25519.PrivateKey())
        try FileManager.default.setAttributes([.posixPermissions: m], ofItemAtPath: p)
        do {
            _ = try KeyFile.load(p)
            Issue.record("mode \(String(m, radix: 8)) accepted")
        } catch let error as KeyFile.Error {
            #expect(error.path == p)
            #expect(error.reason.contains("mode \(String(m, radix: 8))") && error.reason.contains("chmod 600"), "\(error)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
        // 0400 is fine.
        try FileManager.default.setAttributes([.posixPermissions: 0o400], ofItemAtPath: p)
        #expect(throws: Never.self) { _ = try KeyFile.load(p) }
    }

    @Test("load refuses directories, missing files and non-keys with the path in the message")
    func refusesOthers() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let junk = dir.appendingPathComponent("junk.pem").path
        FileManager.default.createFile(atPath: junk, contents: Data("not a key\n".utf8), attributes: [.posixPermissions: 0o600])
        for p in [dir.path, dir.appendingPathComponent("missing").path, junk] {
            #expect { _ = try KeyFile.load(p) } throws: { ($0 as? KeyFile.Error)?.path == p }
        }
    }
}

@Suite("zlib") struct ZlibTests {
    @Test("round trip, zlib header, corrupt and truncated streams, size limit")
    func zlib() throws {
        let data = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 * 7 / 13) }
        let z = try Zlib.compress(data)
        #expect(z[0] == 0x78)  // RFC 1950, 32K window
        #expect(try Zlib.decompress(z) == data)
        #expect(try Zlib.compress(data) == z, "deterministic")
        let g = try Zlib.compress(data, format: .gzip)
        #expect(g[0] == 0x1f && g[1] == 0x8b)
        #expect(try Zlib.decompress(g) == data)
        #expect(throws: CryptoError.self) { try Zlib.decompress(Array(z.dropLast(3))) }
        var bad = z; bad[bad.count / 2] ^= 0xff
        #expect(throws: CryptoError.self) { try Zlib.decompress(bad) }
        #expect(throws: CryptoError.self) { try Zlib.decompress(z + [0]) }
        #expect(throws: CryptoError.self) { try Zlib.decompress(z, limit: 1000) }
        #expect(try Zlib.decompress(Zlib.compress([])) == [])
    }
}
