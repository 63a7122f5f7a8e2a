import Contract
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import LedgerModel

/// The fixed state the fuzz targets start from: the project's example ledger
/// (`ledger/ledger.jsonl`, 37 lines: three tasks played to settlement) read up to line
/// `prefixLines` — two tasks settled, the third published and joined, its coin not yet out.
/// Its remaining lines are valid continuations (coin, commits, reveals, settle): seeds.
public enum Fixtures {
    public static let prefixLines = 29

    public static let lines: [[UInt8]] = {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("ledger/ledger.jsonl").path
        guard let data = FileManager.default.contents(atPath: path) else { fatalError("cannot read \(path)") }
        return [UInt8](data).split(separator: 0x0a).map(Array.init)
    }()

    /// The state after the first `prefixLines` lines.
    public static let state: LedgerState = {
        var s = try! Contract.genesis(Entry.parse(line: lines[0], lineNumber: 1))
        for i in 1..<prefixLines { try! Contract.apply(&s, Entry.parse(line: lines[i], lineNumber: i + 1)) }
        return s
    }()

    /// The first `prefixLines` lines, each with its newline.
    public static let prefixBytes: [UInt8] = lines[..<prefixLines].flatMap { $0 + [0x0a] }

    /// With `CROWDLEDGER_FUZZ_SEEDS=DIR` in the environment: writes `seeds()` there as files
    /// seed-0, seed-1, … and exits (scripts/fuzz uses it to start each corpus).
    public static func writeSeedsIfAsked(_ seeds: () -> [[UInt8]]) {
        guard let dir = ProcessInfo.processInfo.environment["CROWDLEDGER_FUZZ_SEEDS"] else { return }
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (i, s) in seeds().enumerated() { FileManager.default.createFile(atPath: "\(dir)/seed-\(i)", contents: Data(s)) }
        _exit(0)  // not exit: libFuzzer would call that a crash
    }
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// SwiftPM links a Linux executable target with `main` renamed to `<module>_main` (so tests can
/// import it); each target defines that symbol and hands over to libFuzzer's driver here.
public func runFuzzer(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                      _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt {
    var c = argc
    var v = argv
    return LLVMFuzzerRunDriver(&c, &v, callback)
}
