import Audit
import CanonicalJSON
import Client
import Contract
import Dispatch
import Files
import LedgerModel
import LedgerCrypto
import Programs
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `ledger-bench generate --entries N --out FILE [--journal FILE] [--parties P] [--open T]`
///
/// A realistic ledger: many hash-iterate tasks with full lifecycles (publish, joins, the
/// committed coin, commits, reveals, settle), some with a cheating worker, some with a silent one
/// (settled after the reveal deadline), some cancelled before they fill; transfers between the
/// parties in between. Every transaction goes through `Contract.apply` as it is built, so the
/// file is valid under `crowdledger verify`. Transactions are built in order with a placeholder
/// signature, then signed on every core (`concurrentPerform`), then chained, a chunk at a time
/// (memory stays bounded). Deterministic: the same N gives the same bytes.
///
/// Beside FILE: `FILE.key` (0600), the key of party 0 (funded, for append benchmarks); stdout
/// names its account and another party's. With `--journal`, an hledger journal of the same money
/// flows (accounts `acct:ID`, `escrow`, `burned`, `equity:genesis`).
struct Generator {
    struct Options {
        var entries = 10_000
        var out = ""
        var journal: String?
        var parties = 64
        /// Tasks open at once.
        var open = 32
    }

    enum Scenario { case honest, cheat, silent, cancel }
    enum Step { case join(Int), coin, commit(Int), reveal(Int), settle, cancel }

    struct Task {
        var id: String
        var requester: Int
        var steps: [Step]
        var next = 0
        var result: [UInt8]? = nil
        var cheater: Int?
    }

    /// SplitMix64: a small, seeded generator (deterministic files).
    struct Rng {
        var s: UInt64
        mutating func next() -> UInt64 {
            s &+= 0x9e3779b97f4a7c15
            var z = s
            z = (z ^ (z >> 30)) &* 0xbf58476d1ce4e5b9
            z = (z ^ (z >> 27)) &* 0x94d049bb133111eb
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    let options: Options
    let keys: [Ed25519.PrivateKey]
    let ids: [String]
    var state: LedgerState
    var rng = Rng(s: 0x6372_6f77_646c_6564)
    var time: Int64 = 1_600_000_000
    var tasks: [Task] = []
    var seq: Int64 = 1
    var pending: [(tx: Transaction, key: Int?, time: Int64)] = []
    var journalText: [UInt8] = []
    var out: UnsafeMutablePointer<FILE>
    var journalFile: UnsafeMutablePointer<FILE>?
    var head: String
    var counts: [String: Int] = [:]
    let placeholder = [UInt8](repeating: 0, count: 64)
    let iterations: Int64 = 16
    static let chunk = 16_384

    init(_ options: Options) throws {
        self.options = options
        keys = try (0..<options.parties).map { i in try Ed25519.PrivateKey(seed: SHA256.hash(Array("crowdledger-bench/key/\(i)".utf8))) }
        ids = keys.map { $0.publicKey.hex }
        var alloc: [String: Int64] = [:]
        for id in ids { alloc[id] = 1_000_000_000_000 }
        let genesis = GenesisBody(name: "bench", allocations: alloc, salt: SHA256.hash(Array("crowdledger-bench/salt".utf8))).entry(time: time)
        state = try Contract.genesis(genesis)
        head = genesis.hash
        guard let f = fopen(options.out, "wx") else { throw FileIO.Error(path: options.out, reason: "cannot create (it must not exist): \(String(cString: strerror(errno)))") }
        out = f
        write(genesis.line)
        if let j = options.journal {
            guard let jf = fopen(j, "wx") else { throw FileIO.Error(path: j, reason: "cannot create (it must not exist): \(String(cString: strerror(errno)))") }
            journalFile = jf
            var text = "; crowdledger bench ledger \(genesis.hash): the money flows of \(options.out)\n"
            text += "\(Self.date(time)) genesis\n"
            for id in ids.sorted() { text += "    acct:\(id)  \(alloc[id]!)\n" }
            text += "    equity:genesis\n\n"
            journalText += Array(text.utf8)
        }
    }

    func write(_ line: [UInt8]) {
        line.withUnsafeBufferPointer { _ = fwrite($0.baseAddress, 1, $0.count, out) }
        fputc(0x0a, out)
    }

    /// The journal's date, `YYYY-MM-DD` (UTC), from the tool's own ISO 8601 formatting.
    static func date(_ t: Int64) -> String { String(TaskView.iso(t).prefix(10)) }

    /// Builds, applies and queues one transaction; writes its journal postings.
    mutating func add(_ kind: TransactionKind, _ body: JSONObject, by key: Int?, accounts: [String]) throws {
        time += 1
        seq += 1
        let tx: Transaction
        if let key {
            tx = Transaction(kind: kind, body: body, ledger: state.ledgerID, nonce: state.nextNonce(for: ids[key], lane: 0),
                             party: ids[key], signature: placeholder)
        } else {
            tx = Transaction(unsignedKind: kind, body: body, ledger: state.ledgerID)
        }
        let before = accounts.map { state.balance(of: $0) }
        let (escrow, burned) = (state.escrow, state.burned)
        try Contract.apply(&state, Entry(seq: seq, link: Entry.zeroLink, time: time, tx: tx))
        counts[kind.rawValue, default: 0] += 1
        if journalFile != nil {
            var postings: [(String, Int64)] = []
            var seen = Set<String>()
            for (a, b) in zip(accounts, before) where seen.insert(a).inserted {
                let d = state.balance(of: a) - b
                if d != 0 { postings.append(("acct:\(a)", d)) }
            }
            if state.escrow != escrow { postings.append(("escrow", state.escrow - escrow)) }
            if state.burned != burned { postings.append(("burned", state.burned - burned)) }
            precondition(postings.reduce(0) { $0 + $1.1 } == 0, "unbalanced postings at line \(seq)")
            if !postings.isEmpty {
                var text = "\(Self.date(time)) \(kind.rawValue) line \(seq)\n"
                for (a, d) in postings { text += "    \(a)  \(d)\n" }
                text += "\n"
                journalText += Array(text.utf8)
            }
        }
        pending.append((tx, key, time))
        if pending.count >= Self.chunk { try flush() }
    }

    /// Signs the queued transactions on every core, then chains and writes them in order.
    mutating func flush() throws {
        let batch = pending
        pending.removeAll(keepingCapacity: true)
        var sigs = [[UInt8]](repeating: [], count: batch.count)
        let keys = self.keys
        let cores = max(1, System.coreCount)
        let parts = min(batch.count, cores * 8)
        if parts > 0 {
            sigs.withUnsafeMutableBufferPointer { buf in
                nonisolated(unsafe) let ptr = buf.baseAddress!
                DispatchQueue.concurrentPerform(iterations: parts) { p in
                    for i in (batch.count * p / parts)..<(batch.count * (p + 1) / parts) {
                        guard let k = batch[i].key else { continue }
                        ptr[i] = try! keys[k].sign(batch[i].tx.signingMessage)
                    }
                }
            }
        }
        var s = seq - Int64(batch.count)
        for (i, item) in batch.enumerated() {
            s += 1
            let tx = item.key == nil ? item.tx
                : Transaction(kind: item.tx.knownKind!, body: item.tx.body, ledger: item.tx.ledger!, nonce: item.tx.nonce!,
                              party: item.tx.party!, signature: sigs[i])
            let entry = Entry(seq: s, link: head, time: item.time, tx: tx)
            head = entry.hash
            write(entry.line)
        }
        if let jf = journalFile {
            journalText.withUnsafeBufferPointer { _ = fwrite($0.baseAddress, 1, $0.count, jf) }
            journalText.removeAll(keepingCapacity: true)
        }
    }

    mutating func publish() throws {
        let requester = rng.below(ids.count)
        let n = 2 + rng.below(3)
        let roll = rng.below(20)
        let scenario: Scenario = roll < 14 ? .honest : roll < 16 ? .cheat : roll < 18 ? .silent : .cancel
        var workers: [Int] = []
        while workers.count < n {
            let w = rng.below(ids.count)
            if w != requester && !workers.contains(w) { workers.append(w) }
        }
        let nonce = state.nextNonce(for: ids[requester], lane: 0)
        let coin = try Secrets.coinSecret(key: keys[requester], ledger: Hex.decode(state.ledgerID)!, nonce: nonce)
        let body = PublishBody(program: ProgramSpec(name: HashIterate.name, params: ["iterations": .int(iterations)], digest: nil),
                               inputs: [], reward: Int64(10 * n), deposit: 10, workers: Int64(n),
                               windows: Windows(join: 100_000, coin: 100_000, commit: 100_000, reveal: 3000),
                               coin: .committed(commitment: Hex.encode(Commitments.coinCommitment(coin))),
                               forfeit: rng.below(2) == 0 ? .burn : .requester)
        let tx = Transaction(kind: .publish, body: body.json, ledger: state.ledgerID, nonce: nonce, party: ids[requester], signature: placeholder)
        var steps: [Step] = []
        var cheater: Int?
        switch scenario {
        case .cancel:
            steps = (0..<rng.below(n)).map { Step.join(workers[$0]) } + [.cancel]
        case .honest, .cheat, .silent:
            steps = workers.map { .join($0) } + [.coin] + workers.map { .commit($0) }
            let silent = scenario == .silent ? workers[rng.below(n)] : nil
            if scenario == .cheat { cheater = workers[rng.below(n)] }
            steps += workers.filter { $0 != silent }.map { .reveal($0) } + [.settle]
        }
        tasks.append(Task(id: tx.id, requester: requester, steps: steps, cheater: cheater))
        try add(.publish, body.json, by: requester, accounts: [ids[requester]])
    }

    /// One step of task `i`; false when it cannot happen yet (a settle before the deadline).
    mutating func advance(_ i: Int) throws -> Bool {
        let t = tasks[i]
        let task = state.tasks[t.id]!
        let ledger = Hex.decode(state.ledgerID)!, taskBytes = Hex.decode(t.id)!
        func result(for w: Int) throws -> [UInt8] {
            if tasks[i].result == nil {
                tasks[i].result = try Programs.run(name: HashIterate.name, inputs: [], coin: Hex.decode(state.tasks[t.id]!.coinHex!)!,
                                                   params: .object(task.program.params))
            }
            if w == t.cheater { return Array((SHA256.hex(tasks[i].result!) + "\n").utf8) }
            return tasks[i].result!
        }
        switch t.steps[t.next] {
        case .join(let w):
            try add(.join, JoinBody(task: t.id).json, by: w, accounts: [ids[w]])
        case .coin:
            let coin = try Secrets.coinSecret(key: keys[t.requester], ledger: ledger, nonce: task.publishNonce)
            try add(.coin, CoinBody(task: t.id, coin: Hex.encode(coin)).json, by: t.requester, accounts: [])
        case .commit(let w):
            let y = try result(for: w)
            let secret = try Secrets.secret(key: keys[w], ledger: ledger, task: taskBytes)
            let c = Commitments.commitment(task: taskBytes, worker: keys[w].publicKey.bytes, secret: secret, size: Int64(y.count), digest: SHA256.hash(y))
            try add(.commit, CommitBody(task: t.id, commitment: Hex.encode(c)).json, by: w, accounts: [])
        case .reveal(let w):
            // Too late (the task waited long for its turn): this worker stays silent.
            if let rd = task.revealDeadline, time + 1 > rd { break }
            let y = try result(for: w)
            let secret = try Secrets.secret(key: keys[w], ledger: ledger, task: taskBytes)
            try add(.reveal, RevealBody(task: t.id, secret: Hex.encode(secret), digest: SHA256.hex(y), size: Int64(y.count), data: y).json,
                    by: w, accounts: [])
        case .settle:
            guard let record = try? Contract.settlement(task, at: time + 1) else { return false }
            let tx = SettleBody.transaction(task: t.id, record, ledger: state.ledgerID)
            try add(.settle, tx.body, by: nil, accounts: [task.requester] + task.joined)
        case .cancel:
            try add(.cancel, CancelBody(task: t.id, payouts: Contract.cancelRecord(task).payouts).json, by: t.requester,
                    accounts: [task.requester] + task.joined)
        }
        tasks[i].next += 1
        if tasks[i].next == t.steps.count { tasks.remove(at: i) }
        return true
    }

    mutating func run() throws {
        let target = Int64(options.entries)
        while seq < target {
            if tasks.count < options.open && (tasks.isEmpty || rng.below(4) == 0) {
                try publish()
            } else if rng.below(10) < 4 || tasks.isEmpty {
                let from = rng.below(ids.count)
                var to = rng.below(ids.count)
                if to == from { to = (to + 1) % ids.count }
                try add(.transfer, TransferBody(to: ids[to], amount: Int64(1 + rng.below(1000))).json, by: from, accounts: [ids[from], ids[to]])
            } else {
                let i = rng.below(tasks.count)
                if try !advance(i) {
                    // Waiting for a deadline: move time on with a transfer.
                    let from = rng.below(ids.count), to = (from + 1) % ids.count
                    try add(.transfer, TransferBody(to: ids[to], amount: 1).json, by: from, accounts: [ids[from], ids[to]])
                }
            }
        }
        try flush()
        fclose(out)
        if let jf = journalFile { fclose(jf) }
    }

    static func main(_ args: [String]) throws {
        var o = Options()
        var i = 0
        func value() throws -> String {
            i += 1
            guard i < args.count else { throw FileIO.Error(path: args[i - 1], reason: "needs a value") }
            return args[i]
        }
        while i < args.count {
            switch args[i] {
            case "--entries": o.entries = Int(try value()) ?? -1
            case "--out": o.out = try value()
            case "--journal": o.journal = try value()
            case "--parties": o.parties = Int(try value()) ?? -1
            case "--open": o.open = Int(try value()) ?? -1
            default: throw FileIO.Error(path: args[i], reason: "unknown option (generate --entries N --out FILE [--journal FILE] [--parties P] [--open T])")
            }
            i += 1
        }
        guard o.entries >= 2, !o.out.isEmpty, o.parties >= 6, o.open >= 0 else {
            throw FileIO.Error(path: "generate", reason: "usage: generate --entries N (>= 2) --out FILE [--journal FILE] [--parties P (>= 6)] [--open T (>= 0; 0: transfers only)]")
        }
        let start = DispatchTime.now().uptimeNanoseconds
        var g = try Generator(o)
        try g.run()
        let keyPath = o.out + ".key"
        if FileIO.exists(keyPath) { try FileIO.removeFile(keyPath) }
        try KeyFile.create(keyPath, key: g.keys[0])
        let s = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let kinds = g.counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        FileHandleless.err("generated \(g.seq) entries (\(kinds); \(g.state.taskCount) tasks) in \(String(format2: s)) s")
        print("key \(keyPath) account \(g.ids[0]) recipient \(g.ids[1])")
    }
}

enum FileHandleless {
    static func err(_ s: String) {
        let bytes = Array((s + "\n").utf8)
        bytes.withUnsafeBytes { _ = write(2, $0.baseAddress, $0.count) }
    }
}

extension String {
    init(format2 v: Double) { self = "\(Double(Int(v * 100)) / 100)" }
}
