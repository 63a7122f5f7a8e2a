// The fixture of the protocol tests: a real ledger file in a fresh temporary directory, a
// requester and n workers with Ed25519 keys, the `hash-iterate` program, and a way to let each
// worker play a strategy through `LedgerClient` (or, for a wrong opening, through a hand-built
// transaction appended with `Session.append`). Every call gets its time explicitly.
//
//     let h = try ProtocolHarness(workers: 2)
//     let played = try h.play(reward: 10, deposit: 4, strategies: [.truth, .silent])
//     #expect(played.workerNets == [-2, -4])
//
// `play` verifies the ledger with `Auditor.verify` at the end (an issue is recorded if it is not
// valid) and checks conservation.

import Files
import TestSupport
import Foundation
import Testing
import Audit
import CanonicalJSON
import Client
import Contract
import Incentives
import LedgerModel
import LedgerCrypto
import Programs

/// How a worker realises "a result in E_ck".
enum Trivial: String, CaseIterable, Sendable {
    /// The empty result.
    case empty
    /// 65 bytes of 0x00 (revealed inline).
    case zeros
    /// 65 bytes of 0xff (revealed inline).
    case ones
    /// A result equal to the task's input.
    case input
    /// A result whose digest the requester listed in `eck` at publish.
    case listed
}

/// What a worker does in a task.
enum Strategy: Hashable, Sendable, CustomStringConvertible {
    /// σe: never commits.
    case silent
    /// σt: commits and reveals the true result.
    case truth
    /// σf: commits and reveals junk outside E_ck; the same label gives the same bytes, so a
    /// coalition can share its junk.
    case junk(String)
    /// σe: commits and reveals a result in E_ck.
    case trivial(Trivial)
    /// σe: commits (the true result) and never reveals.
    case noReveal
    /// σe: commits (the true result), then posts an opening with a wrong secret.
    case wrongOpening

    var commits: Bool { self != .silent }
    var reveals: Bool { self != .silent && self != .noReveal }
    /// The paper's "fails to submit": no commit, no reveal, wrong opening, or E_ck.
    var fails: Bool {
        switch self {
        case .truth, .junk: return false
        default: return true
        }
    }

    var description: String {
        switch self {
        case .silent: return "silent"
        case .truth: return "truth"
        case .junk(let l): return "junk(\(l))"
        case .trivial(let t): return "trivial(\(t.rawValue))"
        case .noReveal: return "noReveal"
        case .wrongOpening: return "wrongOpening"
        }
    }

    /// The four ways of playing σe, cycled by `index`.
    static func silence(_ index: Int) -> Strategy {
        let all: [Strategy] = [.silent, .noReveal, .trivial(.zeros), .wrongOpening]
        return all[index % all.count]
    }
}

/// One payout line of a settle (or cancel) entry.
struct RecordedPayout: Equatable, CustomStringConvertible {
    let account: String
    let amount: Int64
    let clause: String
    var description: String { "\(amount) to \(account.prefix(8)) (\(clause))" }

    static func list(_ body: JSONObject) -> [RecordedPayout] {
        (body["payouts"]?.arrayValue ?? []).map {
            RecordedPayout(account: $0["account"]?.stringValue ?? "?", amount: $0["amount"]?.intValue ?? -1,
                           clause: $0["clause"]?.stringValue ?? "?")
        }
    }
}

/// What a played task ended in.
struct Played {
    let task: String
    let truth: [UInt8]
    /// Balance after settle minus balance before publish.
    let requesterNet: Int64
    /// Balance after settle minus balance before joining, per worker (in join order).
    let workerNets: [Int64]
    /// What the settlement burned.
    let burned: Int64
    let settle: Entry
    var payouts: [RecordedPayout] { RecordedPayout.list(settle.tx.body) }
    var outcome: String? { settle.tx.body["outcome"]?.stringValue }
    var agreedResult: String? { settle.tx.body["result"]?.stringValue }
}

/// An independent statement of the clauses (docs/PROTOCOL.md), written in the tests from the
/// strategies, to check the contract against: what each worker gets back, what the requester gets
/// back of its reward, what is forfeited.
enum Oracle {
    static func settle(reward r: Int64, deposit d: Int64, _ strategies: [Strategy]) -> (workers: [Int64], requester: Int64, forfeited: Int64) {
        let n = Int64(strategies.count)
        if strategies.contains(where: \.fails) {
            let workers = strategies.map { $0.fails ? 0 : d / 2 }
            let forfeited = strategies.reduce(Int64(0)) { $0 + ($1.fails ? d : d - d / 2) }
            return (workers, r, forfeited)
        }
        func id(_ s: Strategy) -> String {
            switch s {
            case .truth: return "truth"
            case .junk(let l): return "junk:" + l
            default: return "?"
            }
        }
        if Set(strategies.map(id)).count == 1 {
            return (strategies.map { _ in d + r / n }, r % n, 0)
        }
        return (strategies.map { _ in d / 2 }, r, n * (d - d / 2))
    }
}


final class ProtocolHarness {
    static let genesisTime: Int64 = 1_700_000_000
    /// The task's one input.
    static let input: [UInt8] = Array("crowdledger protocol test input: the bytes hash-iterate hashes\n".utf8)
    /// A result the requester lists in E_ck at publish.
    static let listedTrivial: [UInt8] = Array("a result the requester listed in E_ck at publish\n".utf8)
    static let iterations: Int64 = 16

    let dir: String
    let path: String
    let client: LedgerClient
    let requester: Ed25519.PrivateKey
    let workers: [Ed25519.PrivateKey]
    let funds: Int64
    /// The clock: every step takes `tick()`; it never goes back.
    var now: Int64

    /// A ledger funding the requester and `n` workers with `funds` each.
    init(workers n: Int, funds: Int64 = 1_000_000) throws {
        dir = FileManager.default.temporaryDirectory.path + "/crowdledger-proto-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        path = dir + "/ledger.jsonl"
        client = LedgerClient(path: path)
        requester = try Ed25519.PrivateKey()
        workers = try (0..<n).map { _ in try Ed25519.PrivateKey() }
        self.funds = funds
        var alloc: [String: Int64] = [requester.publicKey.hex: funds]
        for w in workers { alloc[w.publicKey.hex] = funds }
        now = Self.genesisTime
        try client.create(name: "protocol-test", allocations: alloc, time: now)
    }

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    var requesterID: String { requester.publicKey.hex }
    func id(_ i: Int) -> String { workers[i].publicKey.hex }
    func openings(_ i: Int) -> Openings { Openings(directory: "\(dir)/worker\(i).openings") }

    @discardableResult
    func tick(_ by: Int64 = 1) -> Int64 { now += by; return now }

    func state() throws -> LedgerState { try client.state() }
    func balance(_ account: String) throws -> Int64 { try state().balance(of: account) }
    func taskState(_ id: String) throws -> TaskState { try Tasks.find(try state(), id, ledger: path) }
    func fileBytes() throws -> [UInt8] { try FileIO.readAll(path) }

    // MARK: - Steps

    func spec(reward: Int64, deposit: Int64, workers n: Int, forfeit: String = "burn",
              windows: (join: Int64, coin: Int64, commit: Int64, reveal: Int64) = (1000, 1000, 1000, 1000)) -> PublishSpec {
        var s = PublishSpec(program: HashIterate.name, reward: reward, deposit: deposit, workers: Int64(n))
        s.params = ["iterations": .int(Self.iterations)]
        s.inputs = [(name: "input", bytes: Self.input)]
        s.windows = windows
        s.eck = [SHA256.hex(Self.listedTrivial)]
        s.forfeit = forfeit
        return s
    }

    /// Publishes and returns the task id.
    func publish(_ spec: PublishSpec, key: Ed25519.PrivateKey? = nil, time: Int64? = nil) throws -> String {
        try client.publish(key: key ?? requester, spec, time: time ?? tick()).tx.id
    }

    static func junk(_ label: String) -> [UInt8] {
        Array((SHA256.hex(Array("junk/\(label)".utf8)) + "\n").utf8)
    }

    static func trivialBytes(_ t: Trivial) -> [UInt8] {
        switch t {
        case .empty: return []
        case .zeros: return [UInt8](repeating: 0, count: 65)
        case .ones: return [UInt8](repeating: 0xff, count: 65)
        case .input: return input
        case .listed: return listedTrivial
        }
    }

    /// The bytes a worker playing `s` commits to (nil: it does not commit).
    static func committed(_ s: Strategy, truth: [UInt8]) -> [UInt8]? {
        switch s {
        case .silent: return nil
        case .truth, .noReveal, .wrongOpening: return truth
        case .junk(let label): return junk(label)
        case .trivial(let t): return trivialBytes(t)
        }
    }

    func commit(_ i: Int, _ s: Strategy, task: String, truth: [UInt8], time: Int64) throws {
        guard let bytes = Self.committed(s, truth: truth) else { return }
        try client.commit(key: workers[i], task: task, result: bytes, openings: openings(i), time: time)
    }

    func reveal(_ i: Int, _ s: Strategy, task: String, truth: [UInt8], time: Int64) throws {
        switch s {
        case .silent, .noReveal: return
        case .wrongOpening:
            try wrongReveal(i, task: task, bytes: truth, time: time)
        default:
            try client.reveal(key: workers[i], task: task, result: nil, openings: openings(i), time: time)
        }
    }

    /// Appends a reveal of `bytes` whose secret is wrong (the client refuses to build one).
    func wrongReveal(_ i: Int, task: String, bytes: [UInt8], time: Int64) throws {
        let secret = SHA256.hash(Array("not the secret of worker \(i)".utf8))
        var body: JSONObject = ["digest": .string(SHA256.hex(bytes)), "secret": .string(Hex.encode(secret)),
                                "size": .int(Int64(bytes.count)), "task": .string(task)]
        if bytes.count <= Contract.inlineResultLimit { body["data"] = .string(Hex.encode(bytes)) }
        try rawAppend(workers[i], kind: "reveal", body: body, time: time)
    }

    /// Signs and appends a transaction built by hand (through the contract, like every append).
    @discardableResult
    func rawAppend(_ key: Ed25519.PrivateKey, kind: String, body: JSONObject, time: Int64) throws -> Entry {
        try Session.append(path: path, time: time) { state in
            try Transaction(kind: kind, body: body, ledger: state.ledgerID, nonce: state.nextNonce(for: key.publicKey.hex), key: key)
        }.0
    }

    /// The time from which reveals are accepted (commit phase over).
    func revealTime(task: String) throws -> Int64 {
        let t = try taskState(task)
        if t.allCommitted { return tick() }
        now = max(now, try #require(t.commitDeadline)) + 1
        return now
    }

    /// The time from which settle is accepted after the reveals.
    func settleTime(task: String) throws -> Int64 {
        let t = try taskState(task)
        let committers = t.joined.filter { t.commits[$0] != nil }
        if committers.allSatisfy({ t.reveals[$0] != nil }) { return tick() }
        now = max(now, try #require(t.revealDeadline)) + 1
        return now
    }

    // MARK: - A whole task

    /// Publishes a task for `strategies.count` workers (worker i plays strategies[i]), fills it,
    /// releases the coin, lets everyone act, settles, verifies the ledger.
    func play(reward: Int64, deposit: Int64, strategies: [Strategy], forfeit: String = "burn",
              sourceLocation: SourceLocation = #_sourceLocation) throws -> Played {
        let n = strategies.count
        precondition(n <= workers.count)
        let before = try state()
        let task = try publish(spec(reward: reward, deposit: deposit, workers: n, forfeit: forfeit))
        for i in 0..<n { try client.join(key: workers[i], task: task, time: tick()) }
        try client.releaseCoin(key: requester, task: task, time: tick())
        let truth = try client.run(task: task)
        // The harness's truth is the program's output, computed independently of the client.
        let coin = try #require(try taskState(task).coinHex.flatMap(Hex.decode))
        let direct = try HashIterate.run(inputs: [Self.input], coin: coin, params: ["iterations": .int(Self.iterations)])
        #expect(truth == direct, sourceLocation: sourceLocation)
        for (i, s) in strategies.enumerated() { try commit(i, s, task: task, truth: truth, time: tick()) }
        _ = try revealTime(task: task)
        for (i, s) in strategies.enumerated() { try reveal(i, s, task: task, truth: truth, time: tick()) }
        let settle = try client.settle(task: task, time: try settleTime(task: task))
        let after = try state()
        let played = Played(task: task, truth: truth,
                            requesterNet: after.balance(of: requesterID) - before.balance(of: requesterID),
                            workerNets: (0..<n).map { after.balance(of: id($0)) - before.balance(of: id($0)) },
                            burned: after.burned - before.burned, settle: settle)
        expectSound(after, sourceLocation: sourceLocation)
        try expectValid(sourceLocation: sourceLocation)
        return played
    }

    // MARK: - Checks

    /// balances + escrow + burned == genesis total; no balance negative (both ways).
    func expectSound(_ s: LedgerState, sourceLocation: SourceLocation = #_sourceLocation) {
        let sum = s.balances.values.reduce(Int64(0), +)
        #expect(sum + s.escrow + s.burned == s.genesisTotal, "balances \(sum) + escrow \(s.escrow) + burned \(s.burned) != \(s.genesisTotal)",
                sourceLocation: sourceLocation)
        #expect(s.balances.values.allSatisfy { $0 >= 0 }, sourceLocation: sourceLocation)
        let findings = Replay.conservation(s, line: Int(s.seq))
        #expect(findings.isEmpty, "\(findings)", sourceLocation: sourceLocation)
    }

    /// `Auditor.verify` finds nothing (with `recompute`, also re-running the program).
    func expectValid(recompute: Bool = false, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let report = try Auditor.verify(path: path, recompute: recompute)
        #expect(report.findings.isEmpty, "verify: \(report.findings)", sourceLocation: sourceLocation)
        #expect(report.lines == Int(try state().seq), sourceLocation: sourceLocation)
    }

    /// `body` must be refused by the contract (`AppendError.rejected`), write nothing, and (if
    /// given) say `reason`.
    func expectRejected(_ reason: String? = nil, sourceLocation: SourceLocation = #_sourceLocation,
                        _ body: () throws -> Void) throws {
        let bytes = try fileBytes()
        do {
            try body()
            Issue.record("expected the contract to reject this transaction; it was appended", sourceLocation: sourceLocation)
        } catch AppendError.rejected(_, let finding) {
            #expect(finding.code == .rejected, sourceLocation: sourceLocation)
            if let reason {
                #expect(finding.message.contains(reason), "message: \(finding.message)", sourceLocation: sourceLocation)
            }
        } catch {
            Issue.record("expected AppendError.rejected, got \(error)", sourceLocation: sourceLocation)
        }
        #expect(try fileBytes() == bytes, "a rejected transaction changed the file", sourceLocation: sourceLocation)
    }
}
