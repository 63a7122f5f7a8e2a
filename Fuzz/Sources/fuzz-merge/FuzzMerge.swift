import Audit
import Foundation
import FuzzFixtures
import MergeDriver

/// The merge driver's inputs: the fixed ledger prefix (Fixtures) followed by fuzzed bytes, as "ours"
/// and "theirs" (the input split at its first 0x00 byte; a second 0x00 makes the copy of the
/// fixture before the first part empty, so genesis handling is reached too). Any result is fine
/// but a crash; a merge that succeeds must write a ledger that verifies, holding the kept side
/// byte for byte; a merge that fails must leave the output as it was.
let dir: String = {
    let d = (FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : FileManager.default.temporaryDirectory.path) + "/crowdledger-fuzz-merge-\(getpid())"
    try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    return d
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMerge(_ pointer: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data = pointer ?? (size == 0 ? UnsafePointer<UInt8>(bitPattern: 1) : nil) else { return 0 }
    Fixtures.writeSeedsIfAsked {
        // ours: the next two valid lines; theirs: the next one (a fast-forward), or another order.
        let l = Fixtures.lines, n = Fixtures.prefixLines
        return [l[n] + [0x0a] + l[n + 1] + [0x0a, 0] + l[n] + [0x0a],
                l[n] + [0x0a, 0] + l[n] + [0x0a] + l[n + 1] + [0x0a],
                l[n] + [0x0a, 0x00, 0x00] + l[0] + [0x0a]]
    }
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let parts = input.split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false)
    let base = Fixtures.prefixBytes
    let ours = (parts.count > 2 ? [] : base) + Array(parts[0])
    let theirs = base + (parts.count > 1 ? Array(parts[1]) : [])
    let o = dir + "/ours", t = dir + "/theirs", out = dir + "/out"
    FileManager.default.createFile(atPath: o, contents: Data(ours))
    FileManager.default.createFile(atPath: t, contents: Data(theirs))
    FileManager.default.createFile(atPath: out, contents: Data("untouched".utf8))
    let keep: Merge.Keep = size % 2 == 0 ? .theirs : .ours
    do {
        _ = try Merge.merge(ours: o, theirs: t, keep: keep, output: out)
    } catch {
        if FileManager.default.contents(atPath: out) != Data("untouched".utf8) { fatalError("a failed merge wrote its output") }
        return 0
    }
    let merged = [UInt8](FileManager.default.contents(atPath: out) ?? Data())
    let kept = keep == .theirs ? theirs : ours
    if !merged.starts(with: kept) { fatalError("the kept side was not kept byte for byte") }
    guard let report = try? Auditor.verify(path: out), report.findings.isEmpty else { fatalError("a merged ledger does not verify") }
    return 0
}

@_cdecl("fuzz_merge_main")
public func fuzzMergeMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzMerge)
}
