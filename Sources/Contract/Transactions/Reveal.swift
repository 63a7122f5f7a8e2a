public import CanonicalJSON
public import Incentives
import LedgerCrypto
public import LedgerModel
import Programs

/// reveal (signed by the worker): `{"digest":H(y),"secret":K,"size":|y|,"task":ID[,"data":hex(y)]}`.
/// Results of at most ``Contract/inlineResultLimit`` bytes, and every eval-classifier result, are
/// revealed inline (`data`); larger ones by digest, their bytes in the blob store.
public struct RevealBody: TransactionBody, Equatable {
    public static let kind = TransactionKind.reveal
    public let task: String
    public let secret: String
    public let digest: String
    public let size: Int64
    public let data: [UInt8]?

    public init(task: String, secret: String, digest: String, size: Int64, data: [UInt8]?) {
        self.task = task
        self.secret = secret
        self.digest = digest
        self.size = size
        self.data = data
    }

    public init(reading b: BodyReader) throws(LedgerFinding) {
        try b.allowOnly(["digest", "secret", "size", "task"], optional: ["data"])
        task = try b.hex("task", bytes: 32)
        secret = try b.hex("secret", bytes: 32)
        digest = try b.hex("digest", bytes: 32)
        size = try b.int("size")
        if b.has("data") {
            guard let d = b.object["data"]?.stringValue, d.utf8.count % 2 == 0, let bytes = Hex.decode(d) else {
                throw b.fail("data must be lower-case hex")
            }
            data = bytes
        } else {
            data = nil
        }
    }

    public var json: JSONObject {
        var o: JSONObject = ["digest": .string(digest), "secret": .string(secret), "size": .int(size), "task": .string(task)]
        if let data { o["data"] = .string(Hex.encode(data)) }
        return o
    }
}

extension TaskState {
    /// `worker` opens its commitment at `time` (line `seq`), once the commit phase is over. What
    /// the opening counts as is recorded with it. Moves no money.
    public mutating func reveal(_ body: RevealBody, by worker: String, at time: Int64, seq: Int64) throws(Refusal) -> [Movement] {
        let open = try openStage()
        guard case .working(var s) = open, let commitment = s.commits[worker] else {
            throw Refusal("\(worker) has no commitment on task \(id) to open")
        }
        guard s.reveals[worker] == nil else { throw Refusal("\(worker) has already revealed on task \(id)") }
        let cd = s.commitDeadline(windows), rd = s.revealDeadline(windows)
        guard s.commits.count == workers || time > cd else {
            throw Refusal("task \(id) is still in its commit phase until \(cd) or until every worker has committed; revealing now would let others copy")
        }
        guard time <= rd else { throw Refusal("the reveal window of task \(id) closed at \(rd) (entry time \(time))") }
        guard body.size <= maxResultSize else { throw Refusal("size must be at most \(maxResultSize), got \(body.size)") }
        let mustInline = revealsInline(size: body.size)
        if let bytes = body.data {
            guard mustInline else { throw Refusal("results over \(Contract.inlineResultLimit) bytes are revealed by digest, not inline") }
            guard Int64(bytes.count) == body.size else { throw Refusal("data holds \(bytes.count) bytes, size says \(body.size)") }
            guard SHA256.hex(bytes) == body.digest else { throw Refusal("data does not hash to digest \(body.digest)") }
        } else if mustInline {
            throw Refusal("a result of \(body.size) bytes must be revealed inline (data)")
        }
        let outcome = outcome(ofOpening: body, by: worker, commitment: commitment)
        s.reveals[worker] = Reveal(secret: body.secret, digest: body.digest, size: body.size, data: body.data,
                                   time: time, outcome: outcome, seq: seq)
        stage = .working(s)
        return []
    }

    /// Whether a result of `size` bytes is revealed inline (`data`) rather than by digest.
    public func revealsInline(size: Int64) -> Bool {
        size <= Contract.inlineResultLimit || program.name == EvalClassifier.name
    }

    /// What an opening counts as: a wrong opening, a trivial result (E_ck), or a valid result.
    public func outcome(ofOpening body: RevealBody, by worker: String, commitment: String) -> WorkerOutcome {
        guard let task = Hex.decode(id), let w = Hex.decode(worker), let secret = Hex.decode(body.secret),
              let digest = Hex.decode(body.digest),
              Hex.encode(Commitments.commitment(task: task, worker: w, secret: secret, size: body.size, digest: digest)) == commitment
        else { return .wrongOpening }
        if isTrivial(digest: body.digest, size: body.size, data: body.data) { return .trivialResult }
        return .revealed(resultID: body.digest)
    }

    /// E_ck, the common-knowledge trivial results, treated as "not submitted": the empty result,
    /// a result equal to one of the task's inputs, any digest listed at publish, and — for a result
    /// revealed inline, whose bytes the contract sees — one repeated byte 0x00 or 0xff.
    ///
    /// A result revealed by digest only (over ``Contract/inlineResultLimit`` bytes) is classified
    /// by the digest alone: the contract never hashes data it does not have (hashing `size`
    /// constant bytes would let a reveal declaring 1 GiB cost every verifier seconds). Whether
    /// such a result is constant is judged on its real bytes by the auditor's blob check
    /// (`trivial-result`), and the client refuses to commit or reveal one.
    public func isTrivial(digest: String, size: Int64, data: [UInt8]?) -> Bool {
        if size == 0 { return true }
        if eck.contains(digest) { return true }
        if inputs.contains(where: { $0.digest == digest }) { return true }
        if let data { return ConstantResult.isConstant(data) }
        return false
    }
}

/// Results made of one repeated byte 0x00 or 0xff (trivial whatever their length).
public enum ConstantResult {
    public static func isConstant(_ bytes: [UInt8]) -> Bool {
        guard let first = bytes.first, first == 0x00 || first == 0xff else { return false }
        return bytes.allSatisfy { $0 == first }
    }
}
