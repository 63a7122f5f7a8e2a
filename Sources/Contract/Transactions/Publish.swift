public import CanonicalJSON
import LedgerCrypto
public import LedgerModel
import Programs

/// publish (signed by the requester): `{"coin":{"commitment":H}|{"public":R}, "deposit":d,
/// "eck":[digests], "forfeit":"burn"|"requester", "inputs":[{"digest","name","size"}],
/// "program":{"name","params"[,"digest"]}, "reward":r, "windows":{"coin","commit","join","reveal"},
/// "workers":n [, "allow":[ids]] [, "max_result_size":N] [, "payment":{"amount","seller","threshold":{"den","num"}}]}`.
/// Escrows r (and the payment). The task's id is this transaction's id.
public struct PublishBody: TransactionBody, Equatable {
    public static let kind = TransactionKind.publish

    public var program: ProgramSpec
    public var inputs: [InputRef]
    public var reward: Int64
    public var deposit: Int64
    public var workers: Int64
    public var windows: Windows
    public var coin: CoinMode
    public var eck: [String]
    public var forfeit: ForfeitDestination
    /// nil: anyone may join.
    public var allow: [String]?
    /// nil: ``Contract/defaultMaxResultSize``.
    public var maxResultSize: Int64?
    public var payment: Payment?

    public init(program: ProgramSpec, inputs: [InputRef], reward: Int64, deposit: Int64, workers: Int64, windows: Windows,
                coin: CoinMode, eck: [String] = [], forfeit: ForfeitDestination = .burn, allow: [String]? = nil,
                maxResultSize: Int64? = nil, payment: Payment? = nil) {
        self.program = program
        self.inputs = inputs
        self.reward = reward
        self.deposit = deposit
        self.workers = workers
        self.windows = windows
        self.coin = coin
        self.eck = eck
        self.forfeit = forfeit
        self.allow = allow
        self.maxResultSize = maxResultSize
        self.payment = payment
    }

    public init(reading body: BodyReader) throws(LedgerFinding) {
        try body.allowOnly(["coin", "deposit", "eck", "forfeit", "inputs", "program", "reward", "windows", "workers"],
                           optional: ["allow", "max_result_size", "payment"])
        reward = try body.int("reward")
        deposit = try body.int("deposit")
        workers = try body.int("workers", min: 2, max: Int64(Contract.maxWorkers))

        let w = try body.object("windows")
        try w.allowOnly(["coin", "commit", "join", "reveal"])
        let maxWindow = Contract.maxWindow
        windows = Windows(join: try w.int("join", min: 1, max: maxWindow), coin: try w.int("coin", min: 1, max: maxWindow),
                          commit: try w.int("commit", min: 1, max: maxWindow), reveal: try w.int("reveal", min: 1, max: maxWindow))

        let c = try body.object("coin")
        if c.has("commitment") {
            try c.allowOnly(["commitment"])
            coin = .committed(commitment: try c.hex("commitment", bytes: 32))
        } else {
            try c.allowOnly(["public"])
            coin = .publicValue(try c.hex("public", bytes: 32))
        }

        let inputList = try body.array("inputs")
        guard inputList.count <= 64 else { throw body.fail("at most 64 inputs, got \(inputList.count)") }
        var inputs: [InputRef] = []
        for (i, v) in inputList.enumerated() {
            guard case .object(let o) = v else { throw body.fail("inputs[\(i)] must be an object") }
            let ib = BodyReader(object: o, kind: "publish.inputs[\(i)]", line: body.line)
            try ib.allowOnly(["digest", "name", "size"])
            inputs.append(InputRef(digest: try ib.hex("digest", bytes: 32), size: try ib.int("size"), name: try ib.string("name")))
        }
        self.inputs = inputs

        let eckList = try body.array("eck")
        guard eckList.count <= 1024 else { throw body.fail("at most 1024 eck digests, got \(eckList.count)") }
        var eck: [String] = []
        for (i, v) in eckList.enumerated() {
            guard let d = v.stringValue, Hex.isCanonical(d, byteCount: 32) else { throw body.fail("eck[\(i)] must be a SHA-256 digest in hex") }
            eck.append(d)
        }
        self.eck = eck

        guard let forfeit = ForfeitDestination(rawValue: try body.string("forfeit")) else {
            throw body.fail("forfeit must be \"burn\" or \"requester\"")
        }
        self.forfeit = forfeit

        if body.has("allow") {
            let given = try body.array("allow")
            guard given.count <= 4096 else { throw body.fail("an allow-list has at most 4096 accounts, got \(given.count)") }
            var list: [String] = []
            var seen = Set<String>()
            for (i, v) in given.enumerated() {
                guard let a = v.stringValue, Hex.isCanonical(a, byteCount: 32) else { throw body.fail("allow[\(i)] must be an account id") }
                try Contract.checkKey(a, line: body.line, what: "publish.allow[\(i)]")
                guard seen.insert(a).inserted else { throw body.fail("allow lists \(a) twice") }
                list.append(a)
            }
            guard list.count >= workers else { throw body.fail("allow lists \(list.count) accounts, fewer than the \(workers) workers needed") }
            allow = list
        } else {
            allow = nil
        }
        maxResultSize = body.has("max_result_size") ? try body.int("max_result_size", min: 1, max: Contract.maxResultSizeLimit) : nil

        let p = try body.object("program")
        let programName = try p.string("name")
        if programName == "exec" {
            try p.allowOnly(["digest", "name", "params"])
            let params = try p.object("params")
            guard params.object.isEmpty else { throw body.fail("an exec program takes no params") }
            program = ProgramSpec(name: "exec", params: params.object, digest: try p.hex("digest", bytes: 32))
        } else {
            try p.allowOnly(["name", "params"])
            program = ProgramSpec(name: programName, params: try p.object("params").object, digest: nil)
        }

        if body.has("payment") {
            let pb = try body.object("payment")
            try pb.allowOnly(["amount", "seller", "threshold"])
            let th = try pb.object("threshold")
            try th.allowOnly(["den", "num"])
            let num = try th.int("num"), den = try th.int("den", min: 1, max: 1 << 32)
            guard num <= den, num <= 1 << 32 else { throw body.fail("threshold num/den must be between 0 and 1") }
            payment = Payment(seller: try pb.account("seller"), amount: try pb.int("amount"), num: num, den: den)
        } else {
            payment = nil
        }
    }

    public var json: JSONObject {
        var programJSON: JSONObject = ["name": .string(program.name), "params": .object(program.params)]
        if let digest = program.digest { programJSON["digest"] = .string(digest) }
        var o: JSONObject = [
            "deposit": .int(deposit), "eck": .array(eck.map(JSON.string)), "forfeit": .string(forfeit.rawValue),
            "inputs": .array(inputs.map { .object(["digest": .string($0.digest), "name": .string($0.name), "size": .int($0.size)]) }),
            "program": .object(programJSON), "reward": .int(reward),
            "windows": .object(["coin": .int(windows.coin), "commit": .int(windows.commit),
                                "join": .int(windows.join), "reveal": .int(windows.reveal)]),
            "workers": .int(workers),
        ]
        switch coin {
        case .committed(let commitment): o["coin"] = .object(["commitment": .string(commitment)])
        case .publicValue(let value): o["coin"] = .object(["public": .string(value)])
        }
        if let allow { o["allow"] = .array(allow.map(JSON.string)) }
        if let maxResultSize { o["max_result_size"] = .int(maxResultSize) }
        if let p = payment {
            o["payment"] = .object(["amount": .int(p.amount), "seller": .string(p.seller),
                                    "threshold": .object(["den": .int(p.den), "num": .int(p.num)])])
        }
        return o
    }
}

extension TaskState {
    /// The task a publish creates (its id is the transaction's id), and the escrow of its reward
    /// and payment; or a refusal.
    public static func publish(_ body: PublishBody, id: String, by requester: String, at time: Int64, seq: Int64,
                               nonce: Int64) throws(Refusal) -> (task: TaskState, movements: [Movement]) {
        if body.program.name != "exec" {
            guard let builtin = Programs.named(body.program.name) else {
                throw Refusal("unknown program \(body.program.name) (built-in: \(Programs.all.map { $0.name }.joined(separator: ", ")), or exec)")
            }
            do { try builtin.validate(params: .object(body.program.params), inputCount: body.inputs.count) } catch {
                throw Refusal("program \(body.program.name): \(error)")
            }
        }
        if body.payment != nil, body.program.name != EvalClassifier.name {
            throw Refusal("a payment is only for \(EvalClassifier.name) tasks")
        }
        let escrowAmount = try checkedAdd(body.reward, body.payment?.amount ?? 0, "reward plus payment")
        // The largest sum this task can hold: reward + payment + n deposits.
        var cap = escrowAmount
        for _ in 0..<body.workers { cap = try checkedAdd(cap, body.deposit, "reward plus all deposits") }

        let task = TaskState(id: id, requester: requester, program: body.program, inputs: body.inputs, reward: body.reward,
                             deposit: body.deposit, workers: Int(body.workers), windows: body.windows, coinMode: body.coin,
                             eck: body.eck, forfeit: body.forfeit, allow: body.allow, payment: body.payment,
                             maxResultSize: body.maxResultSize ?? Contract.defaultMaxResultSize, publishedAt: time,
                             publishSeq: seq, publishNonce: nonce, stage: .joining(Joining(workers: [])))
        return (task, [.escrowIn(account: requester, amount: escrowAmount, stake: .reward)])
    }
}
