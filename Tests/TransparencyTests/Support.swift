import Foundation
import LedgerCrypto

/// Published test vectors in fixtures/vectors (provenance in fixtures/vectors/README.md).
enum Fixtures {
    /// The repository root (this file is Tests/TransparencyTests/Support.swift).
    static let root: String = {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return path
    }()

    static func load<T: Decodable>(_ name: String, as type: T.Type = T.self) throws -> T {
        let data = try Data(contentsOf: URL(fileURLWithPath: root + "/fixtures/vectors/" + name))
        return try JSONDecoder().decode(T.self, from: data)
    }
}

func hex(_ s: String) -> [UInt8] { Hex.decode(s)! }

/// Fixture base64, decoded with Foundation (independently of the code under test).
func b64(_ s: String) -> [UInt8] { Array(Data(base64Encoded: s)!) }

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }
