// Helpers shared by the test targets: the repository root (for fixtures/), temporary
// directories, and a small seeded random number generator.
import Foundation

/// The repository root (this file is Tests/TestSupport/TestSupport.swift).
package let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// A path under the repository's fixtures/ folder.
package func fixturePath(_ relative: String) -> String { repositoryRoot + "/fixtures/" + relative }

/// A fresh temporary directory, removed (recursively) when the value is released.
package final class TempDirectory: @unchecked Sendable {
    package let path: String
    package init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("crowdledger-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// SplitMix64: small, seeded, deterministic, so random sweeps are reproducible.
package struct SplitMix64: RandomNumberGenerator {
    package var state: UInt64
    package init(seed: UInt64) { state = seed }
    package init(state: UInt64) { self.state = state }
    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    package mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }
    package mutating func int64(_ range: ClosedRange<Int64>) -> Int64 {
        range.lowerBound + Int64(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }
    /// True with probability percent/100.
    package mutating func chance(_ percent: Int) -> Bool { int(0...99) < percent }
    package mutating func pick<T>(_ a: [T]) -> T { a[int(0...(a.count - 1))] }
    /// Uniform enough in 0..<bound for tests (bound > 0).
    package mutating func below(_ bound: UInt64) -> UInt64 { next() % bound }
    /// A Fisher–Yates shuffle driven by this generator.
    package mutating func shuffled<T>(_ a: [T]) -> [T] {
        var a = a
        if a.count > 1 {
            for i in stride(from: a.count - 1, to: 0, by: -1) { a.swapAt(i, int(0...i)) }
        }
        return a
    }
}

/// Runs `sha256sum` (coreutils, independent of OpenSSL) on `bytes`.
package func coreutilsSHA256(_ bytes: [UInt8]) throws -> String {
    let path = NSTemporaryDirectory() + "coin-\(UUID().uuidString).bin"
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
    p.arguments = [path]
    let pipe = Pipe()
    p.standardOutput = pipe
    try p.run()
    let out = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return String(String(decoding: out, as: UTF8.self).prefix(64))
}
