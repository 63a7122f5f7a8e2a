import TestSupport
import Files
import Audit
import CanonicalJSON
import Client
import MergeDriver
import Contract
import Foundation
import LedgerCrypto
import Programs
import Testing

/// Two clones append concurrently; the merge keeps one side byte for byte and re-chains the
/// other's new entries after it.
@Suite struct MergeTests {
    struct Clones {
        let tmp: TempDirectory
        let keys: [Ed25519.PrivateKey]
        let base: [UInt8]
        func client(_ name: String) throws -> LedgerClient {
            let path = tmp.path + "/\(name).jsonl"
            if !FileIO.exists(path) { try FileIO.createExclusive(path, contents: base, mode: 0o644) }
            return LedgerClient(path: path)
        }
        var ids: [String] { keys.map { $0.publicKey.hex } }
    }

    func clones() throws -> Clones {
        let tmp = try TempDirectory()
        let keys = try (0..<4).map { _ in try Ed25519.PrivateKey() }
        let origin = LedgerClient(path: tmp.path + "/origin.jsonl")
        var alloc: [String: Int64] = [:]
        for k in keys { alloc[k.publicKey.hex] = 1000 }
        try origin.create(allocations: alloc, time: 100)
        try origin.transfer(key: keys[0], to: keys[1].publicKey.hex, amount: 1, time: 101)
        return Clones(tmp: tmp, keys: keys, base: try FileIO.readAll(origin.path))
    }

    @Test func concurrentTransfersMerge() throws {
        let c = try clones()
        let ours = try c.client("ours"), theirs = try c.client("theirs")
        for i in 0..<3 { try ours.transfer(key: c.keys[2], to: c.ids[3], amount: 5, time: 200 + Int64(i)) }
        for i in 0..<2 { try theirs.transfer(key: c.keys[3], to: c.ids[0], amount: 7, time: 150 + Int64(i)) }
        let oursBytes = try FileIO.readAll(ours.path), theirsBytes = try FileIO.readAll(theirs.path)
        let merged = try Merge.merge(base: c.base, ours: oursBytes, theirs: theirsBytes, keep: .theirs)
        #expect(merged.rechained == 3 && merged.dropped == 0)
        // What upstream (theirs) already has is unchanged, byte for byte.
        #expect(Array(merged.bytes.prefix(theirsBytes.count)) == theirsBytes)
        let out = c.tmp.path + "/merged.jsonl"
        try FileIO.createExclusive(out, contents: merged.bytes, mode: 0o644)
        let report = try Auditor.verify(path: out)
        #expect(report.findings.isEmpty, "\(report.findings)")
        let state = try #require(try Replay.run(path: out).state)
        #expect(state.balance(of: c.ids[2]) == 1000 - 15)
        #expect(state.balance(of: c.ids[3]) == 1000 + 15 - 14)
        #expect(state.balance(of: c.ids[0]) == 1000 - 1 + 14)
        // The re-chained transactions are the same signed transactions (same ids).
        var oursIDs: [String] = [], mergedIDs: [String] = []
        _ = try Replay.run(path: ours.path) { e, _ in if e.seq > 2 { oursIDs.append(e.tx.id) } }
        _ = try Replay.run(path: out) { e, _ in if e.seq > 4 { mergedIDs.append(e.tx.id) } }
        #expect(oursIDs == mergedIDs)
        // Keeping ours instead keeps our bytes.
        let other = try Merge.merge(base: c.base, ours: oursBytes, theirs: theirsBytes, keep: .ours)
        #expect(Array(other.bytes.prefix(oursBytes.count)) == oursBytes)
    }

    @Test func theSamePartyInBothClonesIsAConflict() throws {
        let c = try clones()
        let ours = try c.client("ours"), theirs = try c.client("theirs")
        try ours.transfer(key: c.keys[2], to: c.ids[3], amount: 5, time: 200)
        try theirs.transfer(key: c.keys[2], to: c.ids[0], amount: 6, time: 200)
        #expect(throws: Merge.Conflict.self) {
            try Merge.merge(base: c.base, ours: try FileIO.readAll(ours.path), theirs: try FileIO.readAll(theirs.path))
        }
    }

    /// The result must verify and hold every transaction of both sides exactly once.
    func expectUnion(_ merged: [UInt8], of sides: [[UInt8]], in dir: String) throws {
        let out = dir + "/check-\(UUID().uuidString).jsonl"
        try FileIO.createExclusive(out, contents: merged, mode: 0o644)
        #expect(try Auditor.verify(path: out).findings.isEmpty)
        var have: [String] = []
        _ = try Replay.run(path: out) { e, _ in if e.tx.isSigned { have.append(e.tx.id) } }
        #expect(Set(have).count == have.count, "a transaction twice")
        for (i, side) in sides.enumerated() {
            let p = dir + "/side-\(i)-\(UUID().uuidString).jsonl"
            try FileIO.createExclusive(p, contents: side, mode: 0o644)
            _ = try Replay.run(path: p) { e, _ in if e.tx.isSigned { #expect(have.contains(e.tx.id), "side \(i) line \(e.seq) lost") } }
        }
    }

    @Test func theSameKeyInTwoLanesMerges() throws {
        let c = try clones()
        let ours = LedgerClient(path: c.tmp.path + "/ours.jsonl", lane: 17), theirs = LedgerClient(path: c.tmp.path + "/theirs.jsonl", lane: 4242)
        for p in [ours.path, theirs.path] { try FileIO.createExclusive(p, contents: c.base, mode: 0o644) }
        try ours.transfer(key: c.keys[2], to: c.ids[3], amount: 5, time: 200)
        try ours.transfer(key: c.keys[2], to: c.ids[3], amount: 5, time: 201)
        try theirs.transfer(key: c.keys[2], to: c.ids[0], amount: 6, time: 200)
        let o = try FileIO.readAll(ours.path), t = try FileIO.readAll(theirs.path)
        let merged = try Merge.merge(ours: o, theirs: t)
        #expect(merged.rechained == 2 && Array(merged.bytes.prefix(t.count)) == t)
        try expectUnion(merged.bytes, of: [o, t], in: c.tmp.path)
        // An overspend across the two lanes is still refused.
        try ours.transfer(key: c.keys[2], to: c.ids[3], amount: 985, time: 202)
        #expect(throws: Merge.Conflict.self) { try Merge.merge(ours: try FileIO.readAll(ours.path), theirs: t) }
    }

    @Test func crissCrossMergesAgree() throws {
        // A and B diverge; each merges the other (criss-cross); then they merge again, with
        // git's made-up base (here: garbage, which is not read).
        let c = try clones()
        let a = LedgerClient(path: c.tmp.path + "/a.jsonl", lane: 1), b = LedgerClient(path: c.tmp.path + "/b.jsonl", lane: 2)
        for p in [a.path, b.path] { try FileIO.createExclusive(p, contents: c.base, mode: 0o644) }
        try a.transfer(key: c.keys[2], to: c.ids[3], amount: 5, time: 200)
        try b.transfer(key: c.keys[2], to: c.ids[0], amount: 6, time: 201)
        try b.transfer(key: c.keys[3], to: c.ids[0], amount: 1, time: 202)
        let a1 = try FileIO.readAll(a.path), b1 = try FileIO.readAll(b.path)
        let ma = try Merge.merge(ours: a1, theirs: b1).bytes   // A pulls B
        let mb = try Merge.merge(ours: b1, theirs: a1).bytes   // B pulls A
        #expect(ma != mb)
        let virtualBase = Array("<<<<<<< not a ledger\n".utf8)
        let m1 = try Merge.merge(base: virtualBase, ours: ma, theirs: mb)
        let m2 = try Merge.merge(base: virtualBase, ours: mb, theirs: ma)
        #expect(m1.bytes == mb && m1.rechained == 0 && m1.dropped == 3)
        #expect(m2.bytes == ma && m2.rechained == 0)
        try expectUnion(m1.bytes, of: [a1, b1, ma, mb], in: c.tmp.path)
        // More appends on each side after the criss-cross still merge.
        try FileIO.replaceAtomically(a.path, contents: ma)
        try FileIO.replaceAtomically(b.path, contents: mb)
        try a.transfer(key: c.keys[2], to: c.ids[1], amount: 2, time: 300)
        try b.transfer(key: c.keys[2], to: c.ids[1], amount: 3, time: 301)
        let a2 = try FileIO.readAll(a.path), b2 = try FileIO.readAll(b.path)
        let m3 = try Merge.merge(ours: a2, theirs: b2)
        #expect(m3.rechained == 1 && m3.dropped == 3 && Array(m3.bytes.prefix(b2.count)) == b2)
        try expectUnion(m3.bytes, of: [a2, b2], in: c.tmp.path)
    }

    @Test func aRebaseReplaysOurCommitsOntoUpstream() throws {
        // git pull --rebase: upstream is "ours" (%A); each of our commits is "theirs" (%B) in turn.
        let c = try clones()
        let up = LedgerClient(path: c.tmp.path + "/up.jsonl", lane: 9), me = LedgerClient(path: c.tmp.path + "/me.jsonl", lane: 10)
        for p in [up.path, me.path] { try FileIO.createExclusive(p, contents: c.base, mode: 0o644) }
        try up.transfer(key: c.keys[2], to: c.ids[3], amount: 5, time: 200)
        let upstream = try FileIO.readAll(up.path)
        try me.transfer(key: c.keys[2], to: c.ids[0], amount: 1, time: 201)
        let commit1 = try FileIO.readAll(me.path)
        try me.transfer(key: c.keys[2], to: c.ids[0], amount: 2, time: 202)
        let commit2 = try FileIO.readAll(me.path)
        let step1 = try Merge.merge(base: c.base, ours: upstream, theirs: commit1, keep: .ours)
        #expect(Array(step1.bytes.prefix(upstream.count)) == upstream && step1.rechained == 1)
        // The second commit's parent (commit1) is no prefix of the rebased history.
        let step2 = try Merge.merge(base: commit1, ours: step1.bytes, theirs: commit2, keep: .ours)
        #expect(Array(step2.bytes.prefix(step1.bytes.count)) == step1.bytes && step2.rechained == 1 && step2.dropped == 1)
        try expectUnion(step2.bytes, of: [upstream, commit2], in: c.tmp.path)
    }

    @Test func aRewrittenLineIsAConflict() throws {
        let c = try clones()
        var edited = c.base
        edited[edited.count - 20] ^= 1
        #expect(throws: Merge.Conflict.self) { try Merge.merge(base: c.base, ours: c.base, theirs: edited) }
        // The changed line on the other side: not a valid entry (its hash), nothing merged.
        #expect(throws: Merge.Conflict.self) { try Merge.merge(ours: edited, theirs: c.base) }
        // Nothing new on our side: theirs is the result.
        let same = try Merge.merge(base: c.base, ours: c.base, theirs: c.base)
        #expect(same.bytes == c.base)
    }

    @Test func aTaskPlayedAcrossClonesAndSettledTwice() throws {
        let c = try clones()
        let origin = LedgerClient(path: c.tmp.path + "/origin.jsonl")
        var spec = PublishSpec(program: HashIterate.name, reward: 10, deposit: 4, workers: 2)
        spec.params = ["iterations": 2]
        let task = try origin.publish(key: c.keys[0], spec, time: 110).tx.id
        try origin.join(key: c.keys[1], task: task, time: 111)
        try origin.join(key: c.keys[2], task: task, time: 112)
        try origin.releaseCoin(key: c.keys[0], task: task, time: 113)
        let result = try origin.run(task: task)
        let dir = c.tmp.path
        for (i, k) in [c.keys[1], c.keys[2]].enumerated() {
            try origin.commit(key: k, task: task, result: result, openings: Openings(directory: "\(dir)/o\(i)"), time: 114)
        }
        let base = try FileIO.readAll(origin.path)
        // Clone A: worker 1 reveals, and later (after the reveal window) someone settles.
        // Clone B: worker 2 reveals and settles once both... it only sees its own reveal.
        let a = LedgerClient(path: dir + "/a.jsonl"), b = LedgerClient(path: dir + "/b.jsonl")
        try FileIO.createExclusive(a.path, contents: base, mode: 0o644)
        try FileIO.createExclusive(b.path, contents: base, mode: 0o644)
        try a.reveal(key: c.keys[1], task: task, result: nil, openings: Openings(directory: "\(dir)/o0"), time: 120)
        try b.reveal(key: c.keys[2], task: task, result: nil, openings: Openings(directory: "\(dir)/o1"), time: 121)
        // After the reveal window, each clone settles what it sees: one worker failed to reveal.
        let late: Int64 = 114 + 86_400 + 10
        try a.settle(task: task, time: late)
        try b.settle(task: task, time: late + 1)
        // Merging B into A (keep A): B's reveal is re-chained... after A's settle, so it is refused.
        #expect(throws: Merge.Conflict.self) {
            try Merge.merge(base: base, ours: try FileIO.readAll(b.path), theirs: try FileIO.readAll(a.path), keep: .theirs)
        }
        // Without the settles, both reveals merge and the merged history settles as agreement.
        let a2 = LedgerClient(path: dir + "/a2.jsonl"), b2 = LedgerClient(path: dir + "/b2.jsonl")
        try FileIO.createExclusive(a2.path, contents: base, mode: 0o644)
        try FileIO.createExclusive(b2.path, contents: base, mode: 0o644)
        try a2.reveal(key: c.keys[1], task: task, result: nil, openings: Openings(directory: "\(dir)/o0"), time: 120)
        try b2.reveal(key: c.keys[2], task: task, result: nil, openings: Openings(directory: "\(dir)/o1"), time: 121)
        try b2.settle(task: task, time: late)  // B settles (one failed) ...
        let merged = try Merge.merge(base: base, ours: try FileIO.readAll(b2.path), theirs: try FileIO.readAll(a2.path), keep: .theirs)
        // ... but in the merged history both revealed: B's settle is recomputed as agreement.
        let out = dir + "/m.jsonl"
        try FileIO.createExclusive(out, contents: merged.bytes, mode: 0o644)
        #expect(try Auditor.verify(path: out).findings.isEmpty)
        var closed: [String: TaskState] = [:]
        let state = try #require(try Replay.run(path: out, onClose: { closed[$0.id] = $0 }).state)
        #expect(closed[task]?.closed == .settled && state.tasks[task] == nil)
        #expect(state.balance(of: c.ids[1]) == 1000 + 1 + 5 && state.balance(of: c.ids[2]) == 1000 + 5)
        // Merging B again onto the merged ledger: its reveal is already there (same transaction id)
        // and its settle is redundant (the task is closed): both dropped, nothing changes.
        let again = try Merge.merge(base: base, ours: try FileIO.readAll(b2.path), theirs: merged.bytes, keep: .theirs)
        #expect(again.dropped == 2 && again.rechained == 0)
        #expect(again.bytes == merged.bytes)
    }
}
