public import CanonicalJSON
import Incentives
import LedgerCrypto

/// The contract state as JSON (integers only), for the state cache beside a ledger: written by
/// `json`, read back by `init(json:)`, which refuses anything it does not recognise (a
/// `JSONShapeError` naming the member). Not part of the ledger format. Tasks are kept as one
/// array in publish order (their order *is* `taskOrder`; open tasks only, and `closedCount`); a task's stage is an object with one
/// member naming the case (`joining`, `awaitingCoin`, `working`, `closed`). Hand-written over
/// CanonicalJSON rather than Foundation's Codable coders: the cache is read and written on every
/// append, and those coders cost most of an append on a ledger with many tasks.
extension LedgerState {
    public struct JSONShapeError: Error, CustomStringConvertible {
        public let description: String
    }

    public var json: JSON {
        var tasksJSON: [JSON] = []
        tasksJSON.reserveCapacity(taskOrder.count)
        for id in taskOrder { tasksJSON.append(tasks[id]!.json) }
        return .object([
            "balances": .object(JSONObject(balances.mapValues(JSON.int))),
            "burned": .int(burned),
            "closedCount": .int(closedCount),
            "escrow": .int(escrow),
            "genesisTotal": .int(genesisTotal),
            "head": .string(head),
            "ledgerID": .string(ledgerID),
            "name": .string(name),
            "nonces": .object(JSONObject(nonces.mapValues(JSON.int))),
            "seq": .int(seq),
            "tasks": .array(tasksJSON),
            "time": .int(time),
        ])
    }

    public init(json: JSON) throws {
        let r = try StateReader(json, "state")
        ledgerID = try r.string("ledgerID")
        name = try r.string("name")
        genesisTotal = try r.int("genesisTotal")
        balances = try r.intMap("balances")
        nonces = try r.intMap("nonces")
        escrow = try r.int("escrow")
        burned = try r.int("burned")
        head = try r.string("head")
        seq = try r.int("seq")
        time = try r.int("time")
        var tasks: [String: TaskState] = [:]
        var order: [String] = []
        // A state written before closed tasks left it (an older auditor state file) lists them:
        // they are counted, not kept.
        let count = try r.optInt("closedCount")
        var closed: Int64 = 0
        for t in try r.array("tasks") {
            let task = try TaskState(json: t)
            guard tasks[task.id] == nil else { throw JSONShapeError(description: "state: task \(task.id) twice") }
            if task.closed != nil {
                guard count == nil else { throw JSONShapeError(description: "state: task \(task.id) is closed; the state holds open tasks only") }
                closed += 1
                continue
            }
            tasks[task.id] = task
            order.append(task.id)
        }
        guard (count ?? 0) >= 0 else { throw JSONShapeError(description: "state.closedCount must not be negative") }
        self.tasks = tasks
        self.taskOrder = order
        self.closedCount = count ?? closed
    }
}

/// Reads the members of one JSON object, each of the expected type.
struct StateReader {
    let o: JSONObject
    let what: String
    init(_ v: JSON, _ what: String) throws {
        guard case .object(let o) = v else { throw LedgerState.JSONShapeError(description: "\(what) is not an object") }
        self.o = o
        self.what = what
    }
    func fail(_ key: String, _ type: String) -> LedgerState.JSONShapeError {
        LedgerState.JSONShapeError(description: "\(what).\(key) must be \(type)")
    }
    func has(_ key: String) -> Bool { if let v = o[key], !v.isNull { return true } else { return false } }
    func string(_ key: String) throws -> String { guard let s = o[key]?.stringValue else { throw fail(key, "a string") }; return s }
    func int(_ key: String) throws -> Int64 { guard let i = o[key]?.intValue else { throw fail(key, "an integer") }; return i }
    func array(_ key: String) throws -> [JSON] { guard let a = o[key]?.arrayValue else { throw fail(key, "an array") }; return a }
    func object(_ key: String) throws -> JSONObject { guard let x = o[key]?.objectValue else { throw fail(key, "an object") }; return x }
    func reader(_ key: String) throws -> StateReader { try StateReader(.object(try object(key)), "\(what).\(key)") }
    func optString(_ key: String) throws -> String? { has(key) ? try string(key) : nil }
    func optInt(_ key: String) throws -> Int64? { has(key) ? try int(key) : nil }
    func strings(_ key: String) throws -> [String] {
        try array(key).map { guard let s = $0.stringValue else { throw fail(key, "an array of strings") }; return s }
    }
    func intMap(_ key: String) throws -> [String: Int64] {
        var m: [String: Int64] = [:]
        for (k, v) in try object(key) { guard let i = v.intValue else { throw fail(key, "an object of integers") }; m[k] = i }
        return m
    }
    func stringMap(_ key: String) throws -> [String: String] {
        var m: [String: String] = [:]
        for (k, v) in try object(key) { guard let s = v.stringValue else { throw fail(key, "an object of strings") }; m[k] = s }
        return m
    }
    /// The one member of a case object (`{"working":{...}}`): its name and value.
    func oneCase() throws -> (String, JSON) {
        guard o.count == 1, let e = o.first(where: { _ in true }) else {
            throw LedgerState.JSONShapeError(description: "\(what) must have exactly one member")
        }
        return (e.key, e.value)
    }
}

extension TaskState {
    public var json: JSON {
        var program: JSONObject = ["name": .string(program.name), "params": .object(program.params)]
        if let digest = self.program.digest { program["digest"] = .string(digest) }
        var o: JSONObject = [
            "id": .string(id), "requester": .string(requester),
            "program": .object(program),
            "inputs": .array(inputs.map { .object(["digest": .string($0.digest), "size": .int($0.size), "name": .string($0.name)]) }),
            "reward": .int(reward), "deposit": .int(deposit), "workers": .int(Int64(workers)),
            "windows": .object(["join": .int(windows.join), "coin": .int(windows.coin), "commit": .int(windows.commit), "reveal": .int(windows.reveal)]),
            "eck": .array(eck.map(JSON.string)), "forfeit": .string(forfeit.rawValue),
            "maxResultSize": .int(maxResultSize), "publishedAt": .int(publishedAt), "publishSeq": .int(publishSeq),
            "publishNonce": .int(publishNonce), "stage": Self.json(stage),
        ]
        switch coinMode {
        case .committed(let c): o["coinMode"] = .object(["committed": .string(c)])
        case .publicValue(let v): o["coinMode"] = .object(["public": .string(v)])
        }
        if let allow { o["allow"] = .array(allow.map(JSON.string)) }
        if let p = payment { o["payment"] = .object(["seller": .string(p.seller), "amount": .int(p.amount), "num": .int(p.num), "den": .int(p.den)]) }
        return .object(o)
    }

    static func json(_ stage: Stage) -> JSON {
        switch stage {
        case .joining(let s): return json(OpenStage.joining(s))
        case .awaitingCoin(let s): return json(OpenStage.awaitingCoin(s))
        case .working(let s): return json(OpenStage.working(s))
        case .closed(let c):
            var o: JSONObject = ["at": .int(c.at), "how": .string(c.how.rawValue), "seq": .int(c.seq), "last": json(c.last)]
            if let a = c.agreedResult { o["agreedResult"] = .string(a) }
            return .object(["closed": .object(o)])
        }
    }

    static func json(_ stage: OpenStage) -> JSON {
        switch stage {
        case .joining(let s):
            return .object(["joining": .object(["workers": .array(s.workers.map(JSON.string))])])
        case .awaitingCoin(let s):
            return .object(["awaitingCoin": .object(["workers": .array(s.workers.map(JSON.string)), "filledAt": .int(s.filledAt)])])
        case .working(let w):
            var o: JSONObject = ["workers": .array(w.workers.map(JSON.string)), "filledAt": .int(w.filledAt), "coin": .string(w.coin),
                                 "commitStart": .int(w.commitStart), "commits": .object(JSONObject(w.commits.mapValues(JSON.string)))]
            if let l = w.lastCommitAt { o["lastCommitAt"] = .int(l) }
            var rs = JSONObject()
            for (worker, r) in w.reveals { rs[worker] = json(r) }
            o["reveals"] = .object(rs)
            return .object(["working": .object(o)])
        }
    }

    static func json(_ r: Reveal) -> JSON {
        var o: JSONObject = ["secret": .string(r.secret), "digest": .string(r.digest), "size": .int(r.size), "time": .int(r.time)]
        if let data = r.data { o["data"] = .string(Hex.encode(data)) }
        if let seq = r.seq { o["seq"] = .int(seq) }
        switch r.outcome {
        case .didNotCommit: o["outcome"] = .string("did-not-commit")
        case .didNotReveal: o["outcome"] = .string("did-not-reveal")
        case .wrongOpening: o["outcome"] = .string("wrong-opening")
        case .trivialResult: o["outcome"] = .string("trivial-result")
        case .revealed(let id): o["outcome"] = .string("revealed"); o["result"] = .string(id)
        }
        return .object(o)
    }

    public init(json: JSON) throws {
        let r = try StateReader(json, "task")
        let p = try r.reader("program")
        let w = try r.reader("windows")
        let c = try r.reader("coinMode")
        let coinMode: CoinMode
        if c.has("committed") { coinMode = .committed(commitment: try c.string("committed")) } else { coinMode = .publicValue(try c.string("public")) }
        guard let forfeit = ForfeitDestination(rawValue: try r.string("forfeit")) else { throw r.fail("forfeit", "burn or requester") }
        var payment: Payment?
        if r.has("payment") {
            let pr = try r.reader("payment")
            payment = Payment(seller: try pr.string("seller"), amount: try pr.int("amount"), num: try pr.int("num"), den: try pr.int("den"))
        }
        let workers = try r.int("workers")
        guard workers >= 0, workers <= Int64(Contract.maxWorkers) else { throw r.fail("workers", "a worker count") }
        guard case .object(let stageObject)? = r.o["stage"] else { throw r.fail("stage", "an object") }
        self.init(id: try r.string("id"), requester: try r.string("requester"),
                  program: ProgramSpec(name: try p.string("name"), params: try p.object("params"), digest: try p.optString("digest")),
                  inputs: try r.array("inputs").map { v in
                      let i = try StateReader(v, "task.inputs")
                      return InputRef(digest: try i.string("digest"), size: try i.int("size"), name: try i.string("name"))
                  },
                  reward: try r.int("reward"), deposit: try r.int("deposit"), workers: Int(workers),
                  windows: Windows(join: try w.int("join"), coin: try w.int("coin"), commit: try w.int("commit"), reveal: try w.int("reveal")),
                  coinMode: coinMode, eck: try r.strings("eck"), forfeit: forfeit,
                  allow: r.has("allow") ? try r.strings("allow") : nil, payment: payment,
                  maxResultSize: try r.int("maxResultSize"), publishedAt: try r.int("publishedAt"),
                  publishSeq: try r.int("publishSeq"), publishNonce: try r.int("publishNonce"),
                  stage: try Self.stage(StateReader(.object(stageObject), "task.stage")))
    }

    static func stage(_ r: StateReader) throws -> Stage {
        let (name, value) = try r.oneCase()
        if name == "closed" {
            let c = try StateReader(value, "task.stage.closed")
            guard let how = Closing(rawValue: try c.string("how")) else { throw c.fail("how", "settled, aborted or cancelled") }
            let last = try openStage(try c.reader("last"))
            return .closed(Closed(how: how, seq: try c.int("seq"), at: try c.int("at"), agreedResult: try c.optString("agreedResult"), last: last))
        }
        switch try openStage(r) {
        case .joining(let s): return .joining(s)
        case .awaitingCoin(let s): return .awaitingCoin(s)
        case .working(let s): return .working(s)
        }
    }

    static func openStage(_ r: StateReader) throws -> OpenStage {
        let (name, value) = try r.oneCase()
        let s = try StateReader(value, "\(r.what).\(name)")
        switch name {
        case "joining":
            return .joining(Joining(workers: try s.strings("workers")))
        case "awaitingCoin":
            return .awaitingCoin(AwaitingCoin(workers: try s.strings("workers"), filledAt: try s.int("filledAt")))
        case "working":
            var reveals: [String: Reveal] = [:]
            for (worker, v) in try s.object("reveals") { reveals[worker] = try reveal(StateReader(v, "\(s.what).reveals")) }
            return .working(Working(workers: try s.strings("workers"), filledAt: try s.int("filledAt"), coin: try s.string("coin"),
                                    commitStart: try s.int("commitStart"), commits: try s.stringMap("commits"),
                                    lastCommitAt: try s.optInt("lastCommitAt"), reveals: reveals))
        default:
            throw LedgerState.JSONShapeError(description: "\(r.what): unknown stage \(name)")
        }
    }

    static func reveal(_ rv: StateReader) throws -> Reveal {
        let outcome: WorkerOutcome
        switch try rv.string("outcome") {
        case "did-not-commit": outcome = .didNotCommit
        case "did-not-reveal": outcome = .didNotReveal
        case "wrong-opening": outcome = .wrongOpening
        case "trivial-result": outcome = .trivialResult
        case "revealed": outcome = .revealed(resultID: try rv.string("result"))
        default: throw rv.fail("outcome", "a worker outcome")
        }
        var data: [UInt8]?
        if rv.has("data") {
            guard let d = Hex.decode(try rv.string("data")) else { throw rv.fail("data", "hex") }
            data = d
        }
        return Reveal(secret: try rv.string("secret"), digest: try rv.string("digest"), size: try rv.int("size"),
                      data: data, time: try rv.int("time"), outcome: outcome, seq: try rv.optInt("seq"))
    }
}
