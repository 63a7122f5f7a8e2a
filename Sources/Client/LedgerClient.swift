import Audit
public import CanonicalJSON
public import Contract
public import LedgerModel
public import LedgerStore
public import LedgerCrypto
import LedgerTree
import Programs

/// What a requester publishes. Inputs are given as bytes; they go to the blob store and the
/// ledger records their digest and size.
public struct PublishSpec: Sendable {
    public var program: String
    public var params: JSONObject = [:]
    /// For program "exec": the external program's bytes (its SHA-256 is published).
    public var execProgram: [UInt8]?
    public var inputs: [(name: String, bytes: [UInt8])] = []
    public var reward: Int64
    public var deposit: Int64
    public var workers: Int64
    public var windows = (join: Int64(86400), coin: Int64(3600), commit: Int64(86400), reveal: Int64(86400))
    public var eck: [String] = []
    public var forfeit = "burn"
    public var allow: [String] = []
    public var publicCoin: String?
    public var maxResultSize: Int64?
    public var payment: (amount: Int64, seller: String, num: Int64, den: Int64)?

    public init(program: String, reward: Int64, deposit: Int64, workers: Int64) {
        self.program = program
        self.reward = reward
        self.deposit = deposit
        self.workers = workers
    }
}

/// The parties' side of the protocol: builds each transaction from the ledger's current state,
/// signs it, and appends it through `Session` (lock, replay, contract check, single write).
/// The CLI is a thin layer over this; the tests drive real ledgers through it.
public struct LedgerClient: Sendable {
    public let path: String
    public let blobs: BlobStore
    /// The latest time an appended entry may carry (the system clock plus
    /// ``Session/futureTolerance``), read under the ledger lock; nil: no limit (tests, the demo).
    public var notAfter: (@Sendable () -> Int64)?
    /// The signer's openings directory: when set, every signed append saves a receipt there
    /// (`receipts/`, docs/TRANSPARENCY.md): the checkpoint just after it, signed by the same key.
    public var openings: String?
    /// The nonce lane this clone signs in (FORMAT.md 8.4); nil: the one its lane file
    /// (`.NAME.lane` beside the ledger, written by `crowdledger git-setup`) names, else lane 0.
    public var lane: Int64?

    public init(path: String, notAfter: (@Sendable () -> Int64)? = nil, openings: String? = nil, lane: Int64? = nil) {
        self.path = path
        self.blobs = BlobStore(ledgerPath: path)
        self.notAfter = notAfter
        self.openings = openings
        self.lane = lane
    }

    /// The lane new nonces are drawn from.
    func nonceLane() throws -> Int64 {
        if let lane { return lane }
        return try NonceLane.load(ledger: path) ?? 0
    }

    /// Appends through `Session`, reading `time` under the lock and applying `notAfter`.
    func append(time: () throws -> Int64, _ build: (LedgerState, Int64) throws -> Transaction) throws -> Entry {
        let limit = notAfter
        return try Session.append(path: path, clock: time, notAfter: limit.map { f in { f() } }, build: build).0
    }

    /// Saves the receipt for an entry just appended with `key` in `openings`.
    func receipt(_ entry: Entry, key: Ed25519.PrivateKey, openings: String) throws -> Entry {
        do { try Receipts.save(ledger: path, key: key, openings: openings) } catch {
            throw ClientError.usage("the entry is on the ledger (line \(entry.seq)), but its receipt could not be saved in \(Receipts.directory(openings: openings)): \(error)")
        }
        return entry
    }

    public func state() throws -> LedgerState { try Session.state(path: path) }

    @discardableResult
    public func create(name: String = "crowdledger", allocations: [String: Int64], salt: [UInt8]? = nil, time: Int64) throws -> Entry {
        let genesis = GenesisBody(name: name, allocations: allocations,
                                  salt: try salt ?? SecureRandom.bytes(LedgerFormat.saltBytes)).entry(time: time)
        // The contract's genesis rules (weak keys, totals) before anything is written.
        do throws(LedgerFinding) { _ = try Contract.genesis(genesis) } catch { throw AppendError.rejected(path: path, error) }
        if let limit = notAfter?(), time > limit {
            throw AppendError.futureTime(path: path, line: 1, time: time, limit: limit)
        }
        try LedgerFile.create(path: path, genesis: genesis)
        return genesis
    }

    /// One transaction to append: `build` makes it from the state and the entry's time (under
    /// the lock), `after` runs once its entry is written (e.g. storing a revealed result's blob),
    /// and `signer`, when the client has an openings directory, gets a receipt. Every appending
    /// method is one operation; `perform([...])` appends many under one lock.
    public struct Operation {
        /// Builds the transaction from the state, the entry's time and the tasks closed earlier
        /// in the same batch group, not yet written (a closed task is looked up there and in the
        /// archive beside the client's ledger, which the client that builds an operation also
        /// performs it on).
        let build: (LedgerState, Int64, [TaskState]) throws -> Transaction
        let after: (Entry) throws -> Void
        let signer: Ed25519.PrivateKey?
        let openings: String?
        init(signer: Ed25519.PrivateKey? = nil, openings: String? = nil,
             build: @escaping (LedgerState, Int64, [TaskState]) throws -> Transaction, after: @escaping (Entry) throws -> Void = { _ in }) {
            self.build = build
            self.after = after
            self.signer = signer
            self.openings = openings
        }
    }

    /// Appends one operation (lock, replay, build, contract, one write, fsync), then saves its
    /// receipt and runs its `after`.
    @discardableResult
    public func perform(_ op: Operation, time: () throws -> Int64) throws -> Entry {
        let entry = try append(time: time) { state, time in try op.build(state, time, []) }
        if let key = op.signer, let openings = op.openings { _ = try receipt(entry, key: key, openings: openings) }
        try op.after(entry)
        return entry
    }

    /// Appends many operations under one lock and one replay, written and fsynced once per group
    /// (``Session/appendGroup``): one outcome per operation, in order; a refused one changes
    /// nothing and the others still apply. Each signer with an openings directory gets one
    /// receipt, the checkpoint after the whole batch (it covers every entry it signed).
    public func perform(_ ops: [Operation], time: () throws -> Int64, groupSize: Int = 4096) throws -> [Session.Outcome] {
        let limit = notAfter
        var outcomes = try Session.appendGroup(path: path, clock: time, notAfter: limit.map { f in { f() } },
                                               groupSize: groupSize, closedBuilds: ops.map(\.build))
        var receipts: [String: (Ed25519.PrivateKey, String, [Int])] = [:]
        for (i, op) in ops.enumerated() {
            guard case .success(let entry) = outcomes[i] else { continue }
            if let key = op.signer, let openings = op.openings {
                receipts[key.publicKey.hex + "\n" + openings, default: (key, openings, [])].2.append(i)
            }
            do { try op.after(entry) } catch { outcomes[i] = .failure(error) }
        }
        for (key, openings, indices) in receipts.values {
            guard case .success(let entry) = outcomes[indices.last!] else { continue }
            do { _ = try receipt(entry, key: key, openings: openings) } catch {
                for i in indices { outcomes[i] = .failure(error) }
            }
        }
        return outcomes
    }

    /// The body `make` builds from the current state, signed by `key` with its next nonce in
    /// this clone's lane.
    func signed<Body: TransactionBody>(_ key: Ed25519.PrivateKey, _ make: @escaping (LedgerState) throws -> Body) throws -> Operation {
        try signed(key) { state, _ in try make(state) }
    }

    /// As `signed`; `make` also gets the tasks closed earlier in the same batch group, not yet
    /// written.
    func signed<Body: TransactionBody>(_ key: Ed25519.PrivateKey, _ make: @escaping (LedgerState, [TaskState]) throws -> Body) throws -> Operation {
        let lane = try nonceLane()
        return Operation(signer: key, openings: openings) { state, _, unwritten in
            try Transaction(kind: Body.kind, body: try make(state, unwritten).json, ledger: state.ledgerID,
                            nonce: state.nextNonce(for: key.publicKey.hex, lane: lane), key: key)
        }
    }

    func taskSigned<Body: TransactionBody>(_ key: Ed25519.PrivateKey, task: String,
                                           _ make: @escaping (LedgerState, TaskState) throws -> Body) throws -> Operation {
        let path = self.path
        return try signed(key) { (state: LedgerState, unwritten: [TaskState]) in
            let t = try Tasks.find(state, task, ledger: path, unwritten: unwritten)
            // A closed task is no longer in the contract's state, which would refuse the
            // transaction as naming no open task: say precisely what became of it.
            if let closed = t.closed {
                throw AppendError.rejected(path: path, LedgerFinding(.rejected, line: Int(state.seq + 1), "\(Body.kind.rawValue): task \(t.id) is already \(closed.rawValue)"))
            }
            return try make(state, t)
        }
    }

    @discardableResult
    public func transfer(key: Ed25519.PrivateKey, to: String, amount: Int64, time: @autoclosure () throws -> Int64) throws -> Entry {
        try perform(transferOperation(key: key, to: to, amount: amount), time: time)
    }

    public func transferOperation(key: Ed25519.PrivateKey, to: String, amount: Int64) throws -> Operation {
        try signed(key) { _ in TransferBody(to: to, amount: amount) }
    }

    /// Publishes a task; returns the entry (its transaction id is the task id).
    @discardableResult
    public func publish(key: Ed25519.PrivateKey, _ spec: PublishSpec, time: @autoclosure () throws -> Int64) throws -> Entry {
        try perform(try publishOperation(key: key, spec), time: time)
    }

    /// The publish of `spec` (its inputs go to the blob store now, before anything is appended).
    public func publishOperation(key: Ed25519.PrivateKey, _ spec: PublishSpec) throws -> Operation {
        var digest: String?
        if spec.program == "exec" {
            guard let exec = spec.execProgram else { throw ClientError.usage("an exec task needs the program file (--exec FILE)") }
            digest = SHA256.hex(exec)
        } else if spec.execProgram != nil {
            throw ClientError.usage("an external program file goes with program exec")
        }
        guard let forfeit = ForfeitDestination(rawValue: spec.forfeit) else {
            // The contract's refusal (exit 1), as when the body reached it.
            throw ClientError.invalid("\(path): rejected: publish: forfeit must be \"burn\" or \"requester\" (nothing was written)")
        }
        var inputs: [InputRef] = []
        for input in spec.inputs {
            inputs.append(InputRef(digest: try blobs.put(input.bytes), size: Int64(input.bytes.count), name: input.name))
        }
        let w = spec.windows
        let body = PublishBody(program: ProgramSpec(name: spec.program, params: spec.params, digest: digest), inputs: inputs,
                               reward: spec.reward, deposit: spec.deposit, workers: spec.workers,
                               windows: Windows(join: w.join, coin: w.coin, commit: w.commit, reveal: w.reveal),
                               coin: .publicValue(""), eck: spec.eck, forfeit: forfeit,
                               allow: spec.allow.isEmpty ? nil : spec.allow, maxResultSize: spec.maxResultSize,
                               payment: spec.payment.map { Payment(seller: $0.seller, amount: $0.amount, num: $0.num, den: $0.den) })
        let lane = try nonceLane()
        let publicCoin = spec.publicCoin
        return Operation(signer: key, openings: openings) { state, _, _ in
            var body = body
            let nonce = state.nextNonce(for: key.publicKey.hex, lane: lane)
            if let coin = publicCoin {
                body.coin = .publicValue(coin)
            } else {
                let coin = try Secrets.coinSecret(key: key, ledger: Hex.decode(state.ledgerID)!, nonce: nonce)
                body.coin = .committed(commitment: Hex.encode(Commitments.coinCommitment(coin)))
            }
            return try Transaction(kind: .publish, body: body.json, ledger: state.ledgerID, nonce: nonce, key: key)
        }
    }

    @discardableResult
    public func join(key: Ed25519.PrivateKey, task: String, time: @autoclosure () throws -> Int64) throws -> Entry {
        try perform(joinOperation(key: key, task: task), time: time)
    }

    public func joinOperation(key: Ed25519.PrivateKey, task: String) throws -> Operation {
        try taskSigned(key, task: task) { _, t in JoinBody(task: t.id) }
    }

    /// The requester opens its coin commitment (the coin is rebuilt from its key).
    @discardableResult
    public func releaseCoin(key: Ed25519.PrivateKey, task: String, time: @autoclosure () throws -> Int64) throws -> Entry {
        try perform(releaseCoinOperation(key: key, task: task), time: time)
    }

    public func releaseCoinOperation(key: Ed25519.PrivateKey, task: String) throws -> Operation {
        try taskSigned(key, task: task) { state, t in
            let coin = try Secrets.coinSecret(key: key, ledger: Hex.decode(state.ledgerID)!, nonce: t.publishNonce)
            return CoinBody(task: t.id, coin: Hex.encode(coin))
        }
    }

    /// Commits to `result`; the opening is saved durably before the commit is appended.
    @discardableResult
    public func commit(key: Ed25519.PrivateKey, task: String, result: [UInt8], openings: Openings, time: @autoclosure () throws -> Int64) throws -> Entry {
        try perform(commitOperation(key: key, task: task, result: result, openings: openings), time: time)
    }

    public func commitOperation(key: Ed25519.PrivateKey, task: String, result: [UInt8], openings: Openings) throws -> Operation {
        try taskSigned(key, task: task) { state, t in
            let worker = key.publicKey
            // Refuse before saving: saving would overwrite the opening of the commitment already
            // on the ledger, and the contract refuses a second commit anyway.
            guard t.commits[worker.hex] == nil else {
                throw ClientError.invalid("\(worker.hex) has already committed to task \(t.id); its saved opening is kept")
            }
            guard Int64(result.count) <= t.maxResultSize else {
                throw ClientError.usage("the result (\(result.count) bytes) is larger than the task's max_result_size \(t.maxResultSize)")
            }
            try Self.refuseConstant(result, t)
            let secret = try Secrets.secret(key: key, ledger: Hex.decode(state.ledgerID)!, task: Hex.decode(t.id)!)
            let digest = SHA256.hash(result)
            let c = Commitments.commitment(task: Hex.decode(t.id)!, worker: worker.bytes, secret: secret,
                                           size: Int64(result.count), digest: digest)
            try openings.save(.init(task: t.id, ledger: state.ledgerID, worker: worker.hex, secret: Hex.encode(secret),
                                    digest: Hex.encode(digest), size: Int64(result.count)), result: result)
            return CommitBody(task: t.id, commitment: Hex.encode(c))
        }
    }

    /// Opens the commitment: with the saved opening, or — when it was lost — rebuilt from the key
    /// and `result`. Small results are revealed inline; every result goes to the blob store, but
    /// only once the reveal is on the ledger (a refused reveal, e.g. one made while others may
    /// still commit, must not publish the result).
    @discardableResult
    public func reveal(key: Ed25519.PrivateKey, task: String, result: [UInt8]?, openings: Openings, time: @autoclosure () throws -> Int64) throws -> Entry {
        try perform(revealOperation(key: key, task: task, result: result, openings: openings), time: time)
    }

    public func revealOperation(key: Ed25519.PrivateKey, task: String, result: [UInt8]?, openings: Openings) throws -> Operation {
        final class Box: @unchecked Sendable { var revealed: [UInt8] = [] }
        let box = Box()
        let blobs = self.blobs
        let signed = try taskSigned(key, task: task) { state, t in
            let worker = key.publicKey
            guard let commitment = t.commits[worker.hex] else {
                throw ClientError.invalid("\(worker.hex) has no commitment on task \(t.id)")
            }
            let bytes: [UInt8]
            if let result {
                bytes = result
            } else if let (_, saved) = try openings.load(t.id) {
                bytes = saved
            } else {
                throw ClientError.usage("no saved opening for task \(t.id) in \(openings.directory); give the committed result with --result FILE to rebuild it")
            }
            try Self.refuseConstant(bytes, t)
            let secret = try Secrets.secret(key: key, ledger: Hex.decode(state.ledgerID)!, task: Hex.decode(t.id)!)
            let digest = SHA256.hash(bytes)
            let c = Commitments.commitment(task: Hex.decode(t.id)!, worker: worker.bytes, secret: secret,
                                           size: Int64(bytes.count), digest: digest)
            guard Hex.encode(c) == commitment else {
                throw ClientError.usage("this result (SHA-256 \(Hex.encode(digest))) does not open your commitment on task \(t.id); reveal the result you committed to")
            }
            box.revealed = bytes
            return RevealBody(task: t.id, secret: Hex.encode(secret), digest: Hex.encode(digest), size: Int64(bytes.count),
                              data: t.revealsInline(size: Int64(bytes.count)) ? bytes : nil)
        }
        return Operation(signer: signed.signer, openings: signed.openings, build: signed.build) { entry in
            do { try blobs.put(box.revealed) } catch {
                throw ClientError.usage("the reveal is on the ledger (line \(entry.seq)), but its result could not be stored in the blob store: \(error); the result is kept in \(openings.resultPath(task))")
            }
        }
    }

    /// A result revealed by digest (too large to go inline) that is one repeated byte 0x00 or
    /// 0xff is trivial, but only the auditor's blob check can see it (`trivial-result`): the
    /// worker's side refuses to commit or reveal one (exit 1).
    static func refuseConstant(_ result: [UInt8], _ t: TaskState) throws {
        guard !t.revealsInline(size: Int64(result.count)), ConstantResult.isConstant(result) else { return }
        throw ClientError.invalid("the result is \(result.count) bytes of 0x\(result[0] == 0 ? "00" : "ff"): a trivial result (E_ck) that would forfeit your deposit; nothing was written")
    }

    @discardableResult
    public func cancel(key: Ed25519.PrivateKey, task: String, time: @autoclosure () throws -> Int64) throws -> Entry {
        try perform(cancelOperation(key: key, task: task), time: time)
    }

    public func cancelOperation(key: Ed25519.PrivateKey, task: String) throws -> Operation {
        try taskSigned(key, task: task) { _, t in
            CancelBody(task: t.id, payouts: Contract.cancelRecord(t).payouts)
        }
    }

    /// Appends the settlement (or abort refunds) the contract computes from the history.
    @discardableResult
    public func settle(task: String, time: @autoclosure () throws -> Int64) throws -> Entry {
        try perform(settleOperation(task: task), time: time)
    }

    /// The settle of `task`: unsigned, so no receipt.
    public func settleOperation(task: String) -> Operation {
        let path = self.path
        return Operation { state, time, unwritten in
            let t = try Tasks.find(state, task, ledger: path, unwritten: unwritten)
            let record: SettlementRecord
            do throws(LedgerFinding) { record = try Contract.settlement(t, at: time) } catch {
                throw AppendError.rejected(path: path, error)
            }
            return SettleBody.transaction(task: t.id, record, ledger: state.ledgerID)
        }
    }

    /// Runs the task's built-in program on the inputs from the blob store (or `files`).
    public func run(task: String, inputFiles: [String] = []) throws -> [UInt8] {
        let state = try state()
        let t = try Tasks.find(state, task, ledger: path)
        guard t.coinHex != nil else {
            throw Diagnostic(.invalid, code: "rejected", file: path, "run: task \(t.id) has no coin yet (phase \(t.phase(at: state.time).rawValue)): the requester releases it once the task fills")
        }
        return try run(t, inputFiles: inputFiles)
    }

    /// Runs a task already looked up (its coin released) on its checked inputs.
    public func run(_ t: TaskState, inputFiles: [String] = []) throws -> [UInt8] {
        let inputs = try Tasks.inputs(t, files: inputFiles, blobs: blobs)
        do { return try TaskRunner.runBuiltin(t, inputs: inputs) } catch { throw ClientError.usage(error.reason) }
    }
}
