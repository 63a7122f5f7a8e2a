import Files
import Foundation
import LedgerStore
import LedgerCrypto
import TestSupport
import Testing

final class Scratch {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("ledgertests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    func read(_ name: String) -> [UInt8] { (try? [UInt8](Data(contentsOf: url.appendingPathComponent(name)))) ?? [] }
    func write(_ name: String, _ b: [UInt8]) throws { try Data(b).write(to: url.appendingPathComponent(name)) }
}

@Suite("Ledger file") struct LedgerFileTests {
    @Test("create writes the genesis line and its newline, makes directories, never overwrites")
    func create() throws {
        let s = try Scratch()
        let p = s.path("sub/dir/l.jsonl")
        try LedgerFile.create(path: p, genesis: Golden.genesis())
        #expect(s.read("sub/dir/l.jsonl") == Array(Golden.genesisLine.utf8) + [0x0a])
        #expect(throws: FileIO.Error.self) { try LedgerFile.create(path: p, genesis: Golden.genesis()) }
        #expect(s.read("sub/dir/l.jsonl") == Array(Golden.genesisLine.utf8) + [0x0a])
    }

    @Test("the writer appends whole lines, truncates, and refuses a missing file")
    func writer() throws {
        let s = try Scratch()
        let p = s.path("l.jsonl")
        #expect(throws: FileIO.Error.self) { _ = try LedgerFile.Writer(path: p) }
        try LedgerFile.create(path: p, genesis: Golden.genesis())
        let w = try LedgerFile.Writer(path: p)
        let size1 = try w.size()
        #expect(size1 == Int64(Golden.genesisLine.utf8.count + 1))
        try w.append(try Golden.transfer())
        #expect(s.read("l.jsonl") == Array((Golden.genesisLine + "\n" + Golden.transferLine + "\n").utf8))
        try w.truncate(to: size1)
        #expect(s.read("l.jsonl") == Array((Golden.genesisLine + "\n").utf8))
        w.close()
        w.close()  // idempotent
    }

    @Test("a short write is rolled back (nothing written); a failed rollback says so and points at repair")
    func shortWriteRollback() throws {
        let s = try Scratch()
        let p = s.path("l.jsonl")
        try LedgerFile.create(path: p, genesis: Golden.genesis())
        let before = s.read("l.jsonl")
        let w = try LedgerFile.Writer(path: p)
        w.faults.shortWrite = 10
        do { try w.append(try Golden.transfer()); Issue.record("a short write succeeded") } catch let e as FileIO.Error {
            #expect(e.reason.contains("short write (10 of") && e.reason.contains("nothing was written") && !e.reason.contains("repair"), "\(e)")
        }
        #expect(s.read("l.jsonl") == before)
        w.faults.failRollback = true
        do { try w.append(try Golden.transfer()); Issue.record("a short write succeeded") } catch let e as FileIO.Error {
            #expect(e.reason.contains("short write") && e.reason.contains("crowdledger repair") && !e.reason.contains("nothing was written"), "\(e)")
            #expect(!e.description.contains("\n"))
        }
        #expect(s.read("l.jsonl") == before + Array((Golden.transferLine + "\n").utf8).prefix(10))
        w.faults = .init()
        w.close()
    }

    @Test("a writer whose file was renamed away before it got the lock opens the new file; one renamed away after its write throws Replaced")
    func writerFollowsRename() throws {
        let s = try Scratch()
        let p = s.path("l.jsonl")
        try LedgerFile.create(path: p, genesis: Golden.genesis())
        let w = try LedgerFile.Writer(path: p)
        #expect(w.isCurrent)
        try s.write("new.jsonl", s.read("l.jsonl"))
        #expect(rename(s.path("new.jsonl"), p) == 0)
        #expect(!w.isCurrent)
        #expect(throws: LedgerFile.Replaced.self) { try w.append(try Golden.transfer()) }
        w.close()
        #expect(s.read("l.jsonl") == Array((Golden.genesisLine + "\n").utf8))   // the new file is untouched
        let w2 = try LedgerFile.Writer(path: p)
        #expect(w2.isCurrent)
        try w2.append(try Golden.transfer())
        w2.close()
        #expect(s.read("l.jsonl") == Array((Golden.genesisLine + "\n" + Golden.transferLine + "\n").utf8))
    }

    @Test("the lock is exclusive: a second writer waits until the first closes")
    func lock() throws {
        let s = try Scratch()
        let p = s.path("l.jsonl")
        try LedgerFile.create(path: p, genesis: Golden.genesis())
        nonisolated(unsafe) let first = try LedgerFile.Writer(path: p)
        let start = Date()
        let t = Thread {
            Thread.sleep(forTimeInterval: 0.3)
            first.close()
        }
        t.start()
        let second = try LedgerFile.Writer(path: p)   // blocks until `first` closes
        let waited = Date().timeIntervalSince(start)
        second.close()
        #expect(waited >= 0.25, "the second writer got the lock after \(waited) s")
    }
}

@Suite("Line reader") struct LineReaderTests {
    @Test("lines, offsets and the unterminated last line, with buffers smaller than a line", arguments: [1, 2, 7, 64, 1 << 20])
    func lines(chunk: Int) throws {
        let s = try Scratch()
        let text: [UInt8] = Array("first\n\nthird line is longer than the chunk\nlast".utf8)
        try s.write("f", text)
        var r = try LineReader(path: s.path("f"), chunkSize: chunk)
        var got: [(Int, Int64, String, Bool)] = []
        while let l = try r.next() { got.append((l.number, l.offset, String(decoding: l.bytes, as: UTF8.self), l.terminated)) }
        #expect(got.map(\.0) == [1, 2, 3, 4])
        #expect(got.map(\.1) == [0, 6, 7, 43])
        #expect(got.map(\.2) == ["first", "", "third line is longer than the chunk", "last"])
        #expect(got.map(\.3) == [true, true, true, false])
    }

    @Test("lines across the short first read and the chunk size: each line whole, at its offset", arguments: [1 << 20, 100_000, 4096])
    func firstReadThenChunks(chunk: Int) throws {
        // The first read takes at most 64 KiB, the later ones `chunk` bytes: lines that end just
        // before, at and after each of these edges, and lines longer than both.
        let lengths = [10, 65_535, 0, 65_536, 70_000, 5, 1_100_000, 3, 1 << 20, 7]
        var text: [UInt8] = []
        var expected: [(Int64, [UInt8])] = []
        for (i, n) in lengths.enumerated() {
            let line = (0..<n).map { UInt8(ascii: "a") + UInt8(($0 &* 31 &+ i) % 26) }
            expected.append((Int64(text.count), line))
            text += line
            text.append(0x0a)
        }
        let s = try Scratch()
        try s.write("f", text)
        var r = try LineReader(path: s.path("f"), chunkSize: chunk)
        var got: [(Int64, [UInt8])] = []
        while let l = try r.next() {
            #expect(l.terminated && l.number == got.count + 1)
            got.append((l.offset, l.bytes))
        }
        #expect(got.count == lengths.count)
        #expect(got.map(\.0) == expected.map(\.0))
        let wrong = got.indices.filter { $0 >= expected.count || got[$0].1 != expected[$0].1 }  // no megabyte dumps
        #expect(wrong.isEmpty, "lines \(wrong.map { $0 + 1 }) differ from the file's")
        // Read from an offset too (a replay resuming after a state cache).
        var r2 = try LineReader(path: s.path("f"), offset: expected[4].0, lineNumber: 4, chunkSize: chunk)
        let fifth = try #require(try r2.next())
        #expect(fifth.number == 5 && fifth.offset == expected[4].0)
        #expect(fifth.bytes == expected[4].1, "line 5 read from its offset differs from the file's")
    }

    @Test("an empty file has no lines; a lone newline is one empty line")
    func edges() throws {
        let s = try Scratch()
        try s.write("e", [])
        var r = try LineReader(path: s.path("e"))
        #expect(try r.next() == nil)
        try s.write("n", [0x0a])
        var r2 = try LineReader(path: s.path("n"))
        let l = try #require(try r2.next())
        #expect(l.bytes.isEmpty && l.terminated && l.number == 1)
        #expect(try r2.next() == nil)
        #expect(throws: FileIO.Error.self) { _ = try LineReader(path: s.path("missing")) }
    }
}

@Suite("Blob store") struct BlobStoreTests {
    @Test("layout <ledger>.blobs/<first two hex>/<sha256>.z, zlib of the bytes, verified on read")
    func layout() throws {
        let s = try Scratch()
        let store = BlobStore(ledgerPath: s.path("ledger.jsonl"))
        #expect(store.directory == s.path("ledger.blobs"))
        #expect(BlobStore(ledgerPath: "x/other").directory == "x/other.blobs")
        let data = Array("hello blob\n".utf8)
        let d = try store.put(data)
        #expect(d == SHA256.hex(data))
        let file = s.path("ledger.blobs/\(d.prefix(2))/\(d).z")
        #expect(store.path(of: d) == file)
        #expect(store.contains(d))
        let stored = s.read("ledger.blobs/\(d.prefix(2))/\(d).z")
        #expect(stored.first == 0x78)
        #expect(try Zlib.decompress(stored, format: .zlib) == data)
        #expect(try store.get(d) == data)
        #expect(try store.put(data) == d)   // idempotent

        // Missing and corrupt blobs.
        let other = SHA256.hex([1])
        #expect { _ = try store.get(other) } throws: { if case BlobStore.GetError.missing = $0 { return true }; return false }
        try Data(try Zlib.compress(Array("other bytes".utf8))).write(to: URL(fileURLWithPath: file))
        #expect { _ = try store.get(d) } throws: { if case BlobStore.GetError.corrupt = $0 { return true }; return false }
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: file))
        #expect { _ = try store.get(d) } throws: { if case BlobStore.GetError.corrupt = $0 { return true }; return false }
    }
}
