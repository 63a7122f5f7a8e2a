import CanonicalJSON
import LedgerCrypto
import Ledger
import Programs

extension Contract {
    /// publish: `{"coin":{"commitment":H}|{"public":R}, "deposit":d, "eck":[digests], "forfeit":"burn"|"requester",
    /// "inputs":[{"digest","name","size"}], "program":{"name","params"[,"digest"]}, "reward":r,
    /// "windows":{"coin","commit","join","reveal"}, "workers":n [, "allow":[ids]] [, "max_result_size":N]
    /// [, "payment":{"amount","seller","threshold":{"den","num"}}]}`. Escrows r (and the payment).
    static func applyPublish(_ state: inout LedgerState, _ entry: Entry, _ body: Body) throws(LedgerFinding) {
        try body.allowOnly(["coin", "deposit", "eck", "forfeit", "inputs", "program", "reward", "windows", "workers"],
                           optional: ["allow", "max_result_size", "payment"])
        let requester = entry.tx.party!
        let reward = try body.int("reward")
        let deposit = try body.int("deposit")
        let workers = Int(try body.int("workers", min: 2, max: Int64(maxWorkers)))

        let w = try body.object("windows")
        try w.allowOnly(["coin", "commit", "join", "reveal"])
        let windows = Windows(join: try w.int("join", min: 1, max: maxWindow), coin: try w.int("coin", min: 1, max: maxWindow),
                              commit: try w.int("commit", min: 1, max: maxWindow), reveal: try w.int("reveal", min: 1, max: maxWindow))

        let c = try body.object("coin")
        let coinMode: CoinMode
        if c.has("commitment") {
            try c.allowOnly(["commitment"])
            coinMode = .committed(commitment: try c.hex("commitment", bytes: 32))
        } else {
            try c.allowOnly(["public"])
            coinMode = .publicValue(try c.hex("public", bytes: 32))
        }

        let inputList = try body.array("inputs")
        guard inputList.count <= 64 else { throw body.fail("at most 64 inputs, got \(inputList.count)") }
        var inputs: [InputRef] = []
        for (i, v) in inputList.enumerated() {
            guard case .object(let o) = v else { throw body.fail("inputs[\(i)] must be an object") }
            let ib = Body(object: o, kind: "publish.inputs[\(i)]", line: body.line)
            try ib.allowOnly(["digest", "name", "size"])
            inputs.append(InputRef(digest: try ib.hex("digest", bytes: 32), size: try ib.int("size"), name: try ib.string("name")))
        }

        let eckList = try body.array("eck")
        guard eckList.count <= 1024 else { throw body.fail("at most 1024 eck digests, got \(eckList.count)") }
        var eck: [String] = []
        for (i, v) in eckList.enumerated() {
            guard let d = v.stringValue, Hex.isCanonical(d, byteCount: 32) else { throw body.fail("eck[\(i)] must be a SHA-256 digest in hex") }
            eck.append(d)
        }

        guard let forfeit = ForfeitDestination(rawValue: try body.string("forfeit")) else {
            throw body.fail("forfeit must be \"burn\" or \"requester\"")
        }

        var allow: [String]?
        if body.has("allow") {
            let given = try body.array("allow")
            guard given.count <= 4096 else { throw body.fail("an allow-list has at most 4096 accounts, got \(given.count)") }
            var list: [String] = []
            var seen = Set<String>()
            for (i, v) in given.enumerated() {
                guard let a = v.stringValue, Hex.isCanonical(a, byteCount: 32) else { throw body.fail("allow[\(i)] must be an account id") }
                guard seen.insert(a).inserted else { throw body.fail("allow lists \(a) twice") }
                list.append(a)
            }
            guard list.count >= workers else { throw body.fail("allow lists \(list.count) accounts, fewer than the \(workers) workers needed") }
            allow = list
        }
        let maxResult = body.has("max_result_size") ? try body.int("max_result_size", min: 1, max: maxResultSizeLimit) : defaultMaxResultSize

        // The program and its parameters.
        let p = try body.object("program")
        let programName = try p.string("name")
        let program: ProgramSpec
        if programName == "exec" {
            try p.allowOnly(["digest", "name", "params"])
            let params = try p.object("params")
            guard params.object.isEmpty else { throw body.fail("an exec program takes no params") }
            program = ProgramSpec(name: "exec", params: params.object, digest: try p.hex("digest", bytes: 32))
        } else {
            try p.allowOnly(["name", "params"])
            guard let builtin = Programs.named(programName) else {
                throw body.fail("unknown program \(programName) (built-in: \(Programs.all.map { $0.name }.joined(separator: ", ")), or exec)")
            }
            let params = try p.object("params")
            do { try builtin.validate(params: .object(params.object), inputCount: inputs.count) } catch {
                throw body.fail("program \(programName): \(error)")
            }
            program = ProgramSpec(name: programName, params: params.object, digest: nil)
        }

        var payment: Payment?
        if body.has("payment") {
            guard program.name == EvalClassifier.name else {
                throw body.fail("a payment is only for \(EvalClassifier.name) tasks")
            }
            let pb = try body.object("payment")
            try pb.allowOnly(["amount", "seller", "threshold"])
            let th = try pb.object("threshold")
            try th.allowOnly(["den", "num"])
            let num = try th.int("num"), den = try th.int("den", min: 1, max: 1 << 32)
            guard num <= den, num <= 1 << 32 else { throw body.fail("threshold num/den must be between 0 and 1") }
            payment = Payment(seller: try pb.account("seller"), amount: try pb.int("amount"), num: num, den: den)
        }

        let escrowAmount = try add(reward, payment?.amount ?? 0, body, "reward plus payment")
        try debit(state, requester, escrowAmount, body, "cannot escrow the reward")
        _ = try add(state.escrow, escrowAmount, body, "total escrow")
        // The largest sum this task can hold: reward + payment + n deposits.
        var cap = escrowAmount
        for _ in 0..<workers { cap = try add(cap, deposit, body, "reward plus all deposits") }

        let id = entry.tx.id
        guard state.tasks[id] == nil else { throw body.fail("task \(id) already exists") }
        var task = TaskState(id: id, requester: requester, program: program, inputs: inputs, reward: reward, deposit: deposit,
                             workers: workers, windows: windows, coinMode: coinMode, eck: eck, forfeit: forfeit, allow: allow,
                             payment: payment, maxResultSize: maxResult, publishedAt: entry.time, publishSeq: entry.seq,
                             publishNonce: entry.tx.nonce!)
        task.escrowed = escrowAmount
        withdraw(&state, requester, escrowAmount)
        state.escrow += escrowAmount
        state.tasks[id] = task
        state.taskOrder.append(id)
    }
}
