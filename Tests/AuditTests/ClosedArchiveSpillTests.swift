import TestSupport
import Files
@testable import Audit
import Foundation
import Testing

/// The lines a replay closes wait in `ClosedArchive.Pending`: in memory up to a batch, then in an
/// unnamed spill file; only the save writes the archive (cut to the base mark, then the lines).
@Suite struct ClosedArchiveSpillTests {
    func lines(_ n: Int, from: Int = 0) -> [[UInt8]] {
        (from..<(from + n)).map { Array("{\"closed\":\"line \($0) \(String(repeating: "x", count: $0 % 17))\"}".utf8) }
    }

    func expected(_ ls: [[UInt8]]) -> (bytes: [UInt8], mark: ArchiveMark) {
        var mark = ArchiveMark.empty
        var bytes: [UInt8] = []
        for l in ls { mark = mark.adding(l); bytes += l + [0x0a] }
        return (bytes, mark)
    }

    @Test func spilledLinesReachTheArchiveWholeInOrderAndLeaveNoFileBehind() throws {
        let tmp = try TempDirectory()
        let ledger = tmp.path + "/ledger.jsonl"
        let archive = ClosedArchive.path(forLedger: ledger)
        let first = lines(500)
        // A batch of 256 bytes: most lines go through the spill file.
        let p = ClosedArchive.Pending(ledger: ledger, after: .empty, batch: 256)
        p.add(lines: first)
        #expect(p.spill != nil && p.count == 500)
        var saved: ArchiveMark?
        let m = try ClosedArchive.append(p) { saved = $0 }
        let want = expected(first)
        #expect(m == want.mark && saved == want.mark && p.mark == want.mark)
        #expect(try FileIO.readAll(archive) == want.bytes)
        // The spill file was unlinked when created: only the archive is in the directory.
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp.path) == [".ledger.jsonl.closed.state"])

        // A crash left lines past the mark: the next save cuts them, then appends its own (spilled) lines.
        let garbage: [UInt8] = Array("{\"left\":\"by a crash\"}\n".utf8)
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: archive))
        h.seekToEndOfFile(); h.write(Data(garbage)); h.closeFile()
        let more = lines(300, from: 500)
        let q = ClosedArchive.Pending(ledger: ledger, after: m, batch: 100)
        q.add(lines: more)
        let m2 = try ClosedArchive.append(q) { _ in }
        let all = expected(first + more)
        let after = try FileIO.readAll(archive)
        #expect(m2 == all.mark && after == all.bytes)
    }

    @Test func anArchiveShorterThanTheBaseIsRefusedAndLeftAlone() throws {
        let tmp = try TempDirectory()
        let ledger = tmp.path + "/ledger.jsonl"
        let p = ClosedArchive.Pending(ledger: ledger, after: .empty, batch: 64)
        p.add(lines: lines(20))
        let m = try ClosedArchive.append(p) { _ in }
        let before = try FileIO.readAll(ClosedArchive.path(forLedger: ledger))
        let longer = ArchiveMark(count: m.count + 1, bytes: m.bytes + 10, digest: m.digest)
        let q = ClosedArchive.Pending(ledger: ledger, after: longer, batch: 64)
        q.add(lines: lines(50, from: 20))
        var called = false
        #expect(throws: FileIO.Error.self) { _ = try ClosedArchive.append(q) { _ in called = true } }
        let now = try FileIO.readAll(ClosedArchive.path(forLedger: ledger))
        #expect(!called && now == before)
    }
}
