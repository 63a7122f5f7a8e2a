import Client
import Foundation
import LedgerCrypto

/// The repository root (this file is Tests/AuditTests/Support.swift).
let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

let digitsPath = repositoryRoot + "/fixtures/data/digits.csv.gz"

/// A fresh temporary directory, removed when the value is released.
final class TempDirectory {
    let path: String
    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("crowdledger-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

struct Actor {
    let key: Ed25519.PrivateKey
    let keyFile: String
    var id: String { key.publicKey.hex }
    var openings: Openings { Openings(keyFile: keyFile) }

    init(_ name: String, in dir: String) throws {
        key = try Ed25519.PrivateKey()
        keyFile = "\(dir)/\(name).pem"
        try KeyFile.create(keyFile, key: key)
    }
}
