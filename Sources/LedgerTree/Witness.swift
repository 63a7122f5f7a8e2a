public import CanonicalJSON
import Files
import LedgerCrypto
import LedgerModel
public import Transparency

/// A consistency or inclusion proof as JSON: `{"from","size","path"}` or `{"index","leaf","path","size"}`.
public struct ProofJSON {
    public static func inclusion(index: UInt64, size: UInt64, leaf: [UInt8], path: [[UInt8]]) -> JSON {
        .object(["index": .int(Int64(index)), "leaf": .string(Hex.encode(leaf)), "path": .array(path.map { .string(Hex.encode($0)) }), "size": .int(Int64(size))])
    }

    public static func consistency(from: UInt64, size: UInt64, path: [[UInt8]]) -> JSON {
        .object(["from": .int(Int64(from)), "path": .array(path.map { .string(Hex.encode($0)) }), "size": .int(Int64(size))])
    }

    /// Parses a proof; the members decide its kind.
    public static func parse(_ bytes: [UInt8], what: String) throws -> (index: UInt64?, from: UInt64?, size: UInt64, leaf: [UInt8]?, path: [[UInt8]]) {
        func bad(_ m: String) -> Diagnostic { .usage("\(what): not a proof: \(m)") }
        guard case .object(let o)? = try? JSON.parse(bytes) else { throw bad("not a JSON object") }
        func count(_ k: String) throws -> UInt64? {
            guard let v = o[k] else { return nil }
            guard case .int(let n) = v, n >= 0 else { throw bad("\(k) is not a non-negative integer") }
            return UInt64(n)
        }
        guard let size = try count("size") else { throw bad("no size") }
        let index = try count("index"), from = try count("from")
        guard (index == nil) != (from == nil) else { throw bad("exactly one of index (inclusion) and from (consistency)") }
        guard case .array(let items)? = o["path"] else { throw bad("path is not a list") }
        let path = try items.map { item -> [UInt8] in
            guard case .string(let s) = item, Hex.isCanonical(s, byteCount: 32), let h = Hex.decode(s) else { throw bad("a path hash is not 64 lower-case hex digits") }
            return h
        }
        var leaf: [UInt8]?
        if index != nil {
            guard case .string(let s)? = o["leaf"], Hex.isCanonical(s, byteCount: 32) else { throw bad("leaf is not 64 lower-case hex digits") }
            leaf = Hex.decode(s)
        }
        let allowed: Set<String> = index != nil ? ["index", "leaf", "path", "size"] : ["from", "path", "size"]
        for k in o.keys where !allowed.contains(k) { throw bad("unknown member \(k)") }
        return (index, from, size, leaf, path)
    }
}

/// A witness (c2sp.org/tlog-witness in spirit, offline): cosigns a checkpoint only when it
/// extends the last checkpoint it cosigned for the same origin, which it keeps in a state
/// directory (`<DIR>/<SHA-256 of the origin, hex>.checkpoint`).
public enum Witness {
    public struct Refusal: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    public static func statePath(dir: String, origin: String) -> String { dir + "/" + SHA256.hex(Array(origin.utf8)) + ".checkpoint" }

    /// The last checkpoint cosigned for `origin`, if any.
    public static func last(dir: String, origin: String) throws -> Checkpoint? {
        let p = statePath(dir: dir, origin: origin)
        guard FileIO.exists(p) else { return nil }
        let bytes = try FileIO.readAll(p, limit: 1 << 20)
        do { return try Checkpoint(parsing: try SignedNote(parsing: bytes).text) } catch {
            throw Diagnostic.usage("\(p): the witness state is not a signed checkpoint: \(error)")
        }
    }

    /// Cosigns `note` at `time` when it verifies under `trust` and extends the last cosigned
    /// checkpoint (`proof(oldSize, newSize)` supplies the consistency proof); saves it as the new
    /// state and returns the cosigned note. Refuses (a `Refusal`) otherwise, naming both heads.
    public static func cosign(note: SignedNote, signer: CosignatureV1Signer, trust: TrustedKeys, stateDir: String, time: UInt64,
                              proof: (UInt64, UInt64) throws -> [[UInt8]]) throws -> SignedNote {
        let cp: Checkpoint
        do { cp = try Checkpoint(parsing: note.text) } catch { throw Diagnostic.usage("not a checkpoint: \(error)") }
        do { _ = try note.verify(trust.verifiers(for: note).filter { !($0 is CosignatureV1Verifier) }) } catch {
            throw Refusal(message: "refused: the checkpoint's signature does not verify: \(error)")
        }
        func head(_ c: Checkpoint) -> String { "size \(c.size) root \(Base64.encode(c.rootHash))" }
        if let old = try last(dir: stateDir, origin: cp.origin) {
            let fork = "refused: not an append-only extension of the last checkpoint cosigned for \(cp.origin): last cosigned \(head(old)); offered \(head(cp))"
            guard old.size <= cp.size else { throw Refusal(message: fork + " (smaller)") }
            let path = old.size == cp.size ? [] : try proof(old.size, cp.size)
            guard Merkle.checkConsistency(oldSize: old.size, oldRoot: old.rootHash, newSize: cp.size, newRoot: cp.rootHash, proof: path) else {
                throw Refusal(message: fork)
            }
        }
        let out = try signer.cosign(note, timestamp: time)
        try FileIO.makeDirectories(stateDir, mode: 0o755)
        try FileIO.replaceAtomically(statePath(dir: stateDir, origin: cp.origin), contents: Array(out.encoded.utf8), mode: 0o644)
        return out
    }
}
