import Files
public import Audit
import Client
import CanonicalJSON
import Contract
import LedgerCrypto
import LedgerModel
import Programs

/// `crowdledger demo`: the whole protocol end to end on the bundled digits data, told in plain
/// words with the balances at each step. Keys are derived from fixed seeds (demo-only keys, never
/// for real money) and time from a simulated clock, so the demo's ledger is byte-identical on
/// every run.
public struct Demo {
    public let directory: String
    public let dataPath: String
    public let say: (String) -> Void
    /// The simulated clock's start (Unix seconds).
    public var startTime: Int64 = 1_767_225_600  // 2026-01-01T00:00:00Z
    /// The genesis salt: fixed, so the demo's ledger is byte-reproducible (a real ledger draws it).
    public var salt: [UInt8] = SHA256.hash(Array("crowdledger demo salt".utf8))
    /// How to invoke the tool in the closing hints (e.g. the path of the running binary).
    public var command = "crowdledger"

    public init(directory: String, dataPath: String, say: @escaping (String) -> Void) {
        self.directory = directory
        self.dataPath = dataPath
        self.say = say
    }

    public struct Summary: Sendable {
        public let ledgerPath: String
        public let modelDigest: String
        public let correct: Int
        public let k: Int
        public let sellerPaid: Bool
        public let report: AuditReport
    }

    struct Party {
        let name: String
        let key: Ed25519.PrivateKey
        let keyFile: String
        var id: String { key.publicKey.hex }
    }

    public func run() throws -> Summary {
        var now = startTime
        func tick(_ seconds: Int64 = 60) -> Int64 { now += seconds; return now }

        let keysDir = directory + "/keys"
        try FileIO.makeDirectories(keysDir, mode: 0o700)
        let ledgerPath = directory + "/ledger.jsonl"
        guard !FileIO.exists(ledgerPath) else {
            throw ClientError.usage("\(ledgerPath) already exists; give the demo an empty directory (--dir)")
        }
        let data = try FileIO.readAll(dataPath)
        let client = LedgerClient(path: ledgerPath)

        func party(_ name: String) throws -> Party {
            let key = try Ed25519.PrivateKey(seed: SHA256.hash(Array("crowdledger demo key: \(name)".utf8)))
            let file = "\(keysDir)/\(name).pem"
            if !FileIO.exists(file) { try KeyFile.create(file, key: key) }
            return Party(name: name, key: key, keyFile: file)
        }
        let requester = try party("requester"), seller = try party("seller")
        let workers = [try party("alice"), try party("bob"), try party("carol")]
        let everyone = [requester] + workers + [seller]
        func short(_ id: String) -> String { String(id.prefix(12)) }

        func balances(_ title: String) throws {
            let s = try client.state()
            let cells = everyone.map { "\($0.name) \(s.balance(of: $0.id))" }.joined(separator: "   ")
            say("   balances \(title): \(cells)   (escrow \(s.escrow), burned \(s.burned))")
        }

        say("crowdledger demo: the paper's protocol on a signed, hash-chained ledger, on the digits data set")
        say("")
        say("1. Keys (demo-only, derived from fixed seeds) in \(keysDir):")
        for p in everyone { say("   \(p.name + String(repeating: " ", count: max(0, 9 - p.name.count))) \(p.id)") }

        let funds: [String: Int64] = [requester.id: 10_000, workers[0].id: 1_000, workers[1].id: 1_000, workers[2].id: 1_000, seller.id: 0]
        try client.create(name: "crowdledger demo", allocations: funds.filter { $0.value > 0 }, salt: salt, time: now)
        say("")
        say("2. A new ledger, \(ledgerPath), with the genesis allocations.")
        try balances("at genesis")

        // Task A: outsourced randomized training.
        say("")
        say("3. Task A: outsourced randomized training (paper Section V). The requester pays 300 for")
        say("   softmax regression trained by minibatch SGD on digits rows 0-1436; 3 workers, deposit 100 each.")
        var spec = PublishSpec(program: TrainSoftmax.name, reward: 300, deposit: 100, workers: 3)
        spec.params = ["batch": 16, "epochs": 40, "l2": ["den": 10000, "num": 1], "rate": ["den": 2, "num": 1],
                       "rows": ["count": 1437, "from": 0]]
        spec.inputs = [(name: "digits.csv.gz", bytes: data)]
        let taskA = try client.publish(key: requester.key, spec, time: tick()).tx.id
        say("   published task \(taskA); the reward is escrowed, the coin is committed to.")
        for w in workers { try client.join(key: w.key, task: taskA, time: tick()) }
        say("   alice, bob and carol join, each escrowing the deposit; the task is full.")
        try client.releaseCoin(key: requester.key, task: taskA, time: tick())
        say("   the requester opens the coin r = \(try client.state().tasks[taskA]!.coinHex!)")
        say("   every random draw of the training is h(r || ctr) = SHA-256(r || ctr), so honest workers agree bit for bit.")
        var model: [UInt8] = []
        for w in workers {
            let clock = ContinuousClock()
            var result: [UInt8] = []
            let took = clock.measure { result = (try? client.run(task: taskA)) ?? [] }
            guard !result.isEmpty else { throw ClientError.usage("training failed for \(w.name)") }
            model = result
            say("   \(w.name) trains locally (\(took.formatted)): model \(result.count) bytes, SHA-256 \(SHA256.hex(result))")
            try client.commit(key: w.key, task: taskA, result: result, openings: Openings(keyFile: w.keyFile), time: tick())
        }
        say("   each worker commits c = H(domain, task, worker, K, size, H(model)); K is rebuilt from its key, so a lost file costs nothing.")
        for w in workers { try client.reveal(key: w.key, task: taskA, result: nil, openings: Openings(keyFile: w.keyFile), time: tick()) }
        say("   every worker reveals; the models go to the blob store beside the ledger.")
        let settleA = try client.settle(task: taskA, time: tick())
        say("   settle: \(Self.describe(settleA.tx, names: everyone))")
        try balances("after task A")
        let modelDigest = SHA256.hex(model)

        // Task B: one worker cheats.
        say("")
        say("4. Task B: a cheater. The same protocol on the cheap hash-iterate program (reward 90, deposit 100);")
        say("   carol skips the work and sends random junk. The contract sees only that results differ.")
        var specB = PublishSpec(program: HashIterate.name, reward: 90, deposit: 100, workers: 3)
        specB.params = ["iterations": 100_000]
        specB.inputs = [(name: "digits.csv.gz", bytes: data)]
        let taskB = try client.publish(key: requester.key, specB, time: tick()).tx.id
        for w in workers { try client.join(key: w.key, task: taskB, time: tick()) }
        try client.releaseCoin(key: requester.key, task: taskB, time: tick())
        let truth = try client.run(task: taskB)
        let junk = Array(Hex.encode(SHA256.hash(Array("carol's guess".utf8))).utf8) + [0x0a]
        for w in workers {
            let result = w.name == "carol" ? junk : truth
            try client.commit(key: w.key, task: taskB, result: result, openings: Openings(keyFile: w.keyFile), time: tick())
        }
        for w in workers { try client.reveal(key: w.key, task: taskB, result: nil, openings: Openings(keyFile: w.keyFile), time: tick()) }
        let settleB = try client.settle(task: taskB, time: tick())
        say("   settle: \(Self.describe(settleB.tx, names: everyone))")
        say("   Section VI: when results differ every worker loses half its deposit and the reward goes back,")
        say("   so sending junk never pays, and carol's junk cost the honest workers too: each worker's best reply is the truth.")
        try balances("after task B")

        // Task C: pay-per-precision evaluation of the agreed model.
        say("")
        say("5. Task C: pay-per-precision (paper Section V). The requester buys the agreed model from the seller")
        say("   for 500, paid only if it classifies at least 9/10 of k = 200 test rows correctly; the coin picks")
        say("   the rows among 1437-1796, so no one can predict them. 3 workers evaluate; reward 60, deposit 100.")
        var specC = PublishSpec(program: EvalClassifier.name, reward: 60, deposit: 100, workers: 3)
        specC.params = ["k": 200, "rows": ["count": 360, "from": 1437]]
        specC.inputs = [(name: "model-\(modelDigest.prefix(12)).json", bytes: model), (name: "digits.csv.gz", bytes: data)]
        specC.payment = (amount: 500, seller: seller.id, num: 9, den: 10)
        let taskC = try client.publish(key: requester.key, specC, time: tick()).tx.id
        for w in workers { try client.join(key: w.key, task: taskC, time: tick()) }
        try client.releaseCoin(key: requester.key, task: taskC, time: tick())
        let evaluation = try client.run(task: taskC)
        guard let outcome = EvalOutcome.parse(evaluation) else { throw ClientError.usage("eval-classifier gave an unreadable result") }
        for w in workers {
            try client.commit(key: w.key, task: taskC, result: evaluation, openings: Openings(keyFile: w.keyFile), time: tick())
        }
        for w in workers { try client.reveal(key: w.key, task: taskC, result: nil, openings: Openings(keyFile: w.keyFile), time: tick()) }
        let settleC = try client.settle(task: taskC, time: tick())
        let paid = (try? SettleBody.parse(settleC.tx, line: 0))?.payouts.contains { $0.clause == "payment-precision-met" } ?? false
        say("   the workers agree: \(outcome.correct) of \(outcome.k) rows correct (\(outcome.correct * 1000 / outcome.k / 10).\(outcome.correct * 1000 / outcome.k % 10)%); the contract counts the bits itself.")
        say("   settle: \(Self.describe(settleC.tx, names: everyone))")
        try balances("after task C")

        // The audit.
        say("")
        say("6. The auditor replays everything: every line, link, signature, phase, deadline, opening and payout,")
        say("   and re-runs the built-in program of every settled task (verify --recompute).")
        let report = try Auditor.verify(path: ledgerPath, recompute: true)
        if let f = report.findings.first {
            say("   INVALID: \(Diagnostic(f, file: ledgerPath))")
        } else {
            say("   \(report.summary)")
        }
        say("")
        say("Files: \(directory)")
        say("   ledger.jsonl    the ledger (one canonical JSON entry per line)")
        say("   ledger.blobs/   inputs and results by SHA-256, zlib-compressed")
        say("   keys/           the demo's keys (0600) and each worker's openings")
        say("Try:")
        for sub in ["log", "status", "balances", "verify --recompute --json"] { say("   \(command) --ledger \(ledgerPath) \(sub)") }
        return Summary(ledgerPath: ledgerPath, modelDigest: modelDigest, correct: outcome.correct, k: outcome.k,
                       sellerPaid: paid, report: report)
    }

    static func describe(_ tx: Transaction, names: [Party]) -> String {
        guard let body = try? SettleBody.parse(tx, line: 0) else { return "?" }
        let byID = Dictionary(uniqueKeysWithValues: names.map { ($0.id, $0.name) })
        var s = body.payouts.map { "\(byID[$0.account] ?? "?") +\($0.amount) (\($0.clause))" }.joined(separator: ", ")
        if body.burned > 0 { s += ", burned \(body.burned)" }
        return s
    }
}

extension Duration {
    var formatted: String {
        let ms = components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
        return ms >= 1000 ? "\(ms / 1000).\(ms % 1000 / 100) s" : "\(ms) ms"
    }
}
