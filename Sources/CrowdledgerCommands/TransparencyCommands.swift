import ArgumentParser
import Audit
import CanonicalJSON
import Files
import LedgerCrypto
import LedgerModel
import LedgerTree
import SystemPackage
import Transparency

// The ledger as a transparency log (docs/TRANSPARENCY.md): thin commands over LedgerTree.

/// Reads a whole input file, or standard input for "-" or none.
func readInput(_ path: String?, limit: Int = 1 << 24) throws -> [UInt8] {
    guard let path, path != "-" else {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = try buf.withUnsafeMutableBytes { try FileDescriptor.standardInput.read(into: $0) }
            if n == 0 { break }
            out += buf[0..<n]
            guard out.count <= limit else { throw ToolError.usage("standard input: larger than \(limit) bytes") }
        }
        return out
    }
    return try readUserFile(path, limit: limit)
}

struct Head: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "head",
        abstract: "Print the ledger's size (whole lines), Merkle root (RFC 6962, hex), head entry hash and ledger id.",
        discussion: helpText(examples: "crowdledger head", "crowdledger head --json > pinned-head.json",
                             "git show origin/main:ledger.jsonl | crowdledger head --ledger -"))

    @OptionGroup var options: ReadLedgerOptions
    @Flag(name: .long, help: "Print {\"head\",\"ledger\",\"root\",\"size\"} as JSON.") var json = false

    func run() throws {
        // A ledger from standard input gets no tree cache (its copy is temporary).
        let head = try options.reading { path in try LedgerCheckpoints.head(LedgerTree(ledger: path, cache: !options.isStandardInput)) }
        if json { Output.json(head.json); return }
        Output.line("size \(head.size)\nroot \(Hex.encode(head.root))\nhead \(head.head)\nledger \(head.ledger)")
    }
}

struct Prove: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prove",
        abstract: "Print an RFC 6962 inclusion proof (--index I: leaf I is line I+1) or consistency proof (--from M).",
        discussion: helpText("Hashes are hex; the path is in RFC 6962 order. --size N proves against the tree of the first N lines (default: all).",
                             examples: "crowdledger prove --index 0 --json > proof.json", "crowdledger prove --from 10 --json > consistency.json"))

    @OptionGroup var options: LedgerOptions
    @Option(name: .long, help: ArgumentHelp("The 0-based leaf index (line I+1).", valueName: "I")) var index: UInt64?
    @Option(name: .long, help: ArgumentHelp("The old tree size.", valueName: "M")) var from: UInt64?
    @Option(name: .long, help: ArgumentHelp("The tree size (default: the ledger's).", valueName: "N")) var size: UInt64?
    @Flag(name: .long, help: "Print the proof as JSON.") var json = false

    func run() throws {
        guard (index == nil) != (from == nil) else { throw ToolError.usage("give exactly one of --index I (inclusion) and --from M (consistency)") }
        let tree = try LedgerTree(ledger: options.path)
        let n = size ?? tree.size
        guard n <= tree.size else { throw ToolError.usage("--size \(n): the ledger has \(tree.size) whole lines") }
        let proof: JSON
        if let index {
            guard index < n else { throw ToolError.usage("--index \(index): not a leaf of a tree of \(n) (leaves 0...\(Int64(n) - 1))") }
            proof = ProofJSON.inclusion(index: index, size: n, leaf: try tree.leafHash(index), path: try tree.inclusionProof(index: index, size: n))
        } else {
            let m = from!
            guard m <= n else { throw ToolError.usage("--from \(m) is larger than the size \(n)") }
            proof = ProofJSON.consistency(from: m, size: n, path: try tree.consistencyProof(from: m, size: n))
        }
        if json { Output.json(proof); return }
        guard case .object(let o) = proof else { return }
        for (k, v) in o {
            switch v {
            case .int(let i): Output.line("\(k) \(i)")
            case .string(let s): Output.line("\(k) \(s)")
            case .array(let a): for case .string(let s) in a { Output.line("\(k) \(s)") }
            default: break
            }
        }
    }
}

struct CheckProof: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-proof",
        abstract: "Check a proof (prove --json) against signed checkpoints, without the ledger.",
        discussion: helpText("An inclusion proof needs --checkpoint of its size; a consistency proof --old (size from) and --checkpoint (size). Exit 0 valid, 1 invalid.",
                             examples: "crowdledger check-proof proof.json --checkpoint cp.txt --trust \"$ALICE\"",
                             "crowdledger check-proof consistency.json --old cp10.txt --checkpoint cp.txt"))

    @Argument(help: ArgumentHelp("The proof JSON file (default: standard input).", valueName: "PROOF"), completion: .file()) var proof: String?
    @Option(name: .long, help: ArgumentHelp("The checkpoint the proof leads to.", valueName: "FILE"), completion: .file()) var checkpoint: String
    @Option(name: .long, help: ArgumentHelp("The old checkpoint (consistency proofs).", valueName: "FILE"), completion: .file()) var old: String?
    @Option(name: .long, help: ArgumentHelp("Accept only signatures by this account id or verifier key (repeatable).", valueName: "ID")) var trust: [String] = []

    func run() throws {
        let trusted = try TrustedKeys(trust)
        func load(_ path: String) throws -> Checkpoint {
            switch try CheckpointAudit.load(path: path, bytes: try readUserFile(path, limit: 1 << 20), trust: trusted) {
            case .success(let c): return c.checkpoint
            case .failure(let f): throw Diagnostic(.invalid, code: f.code.rawValue, f.message)
            }
        }
        let p = try ProofJSON.parse(try readInput(proof), what: proof ?? "standard input")
        let new = try load(checkpoint)
        guard p.size == new.size else { throw ToolError.invalid("the proof is for size \(p.size), the checkpoint \(checkpoint) has size \(new.size)") }
        if let index = p.index {
            guard Merkle.checkInclusion(leafHash: p.leaf!, index: index, size: p.size, root: new.rootHash, proof: p.path) else {
                throw ToolError.invalid("invalid: leaf \(index) is not included in \(checkpoint) by this proof")
            }
            Output.line("ok: leaf \(index) (line \(index + 1)) is in the tree of size \(p.size) of \(new.origin)")
        } else {
            guard let old else { throw ToolError.usage("a consistency proof needs --old CHECKPOINT") }
            let oc = try load(old)
            guard oc.origin == new.origin, oc.size == p.from!,
                  Merkle.checkConsistency(oldSize: oc.size, oldRoot: oc.rootHash, newSize: new.size, newRoot: new.rootHash, proof: p.path) else {
                throw ToolError.invalid("invalid: \(checkpoint) is not shown to extend \(old) by this proof")
            }
            Output.line("ok: size \(new.size) extends size \(oc.size) of \(new.origin)")
        }
    }
}

struct CheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Print the ledger's checkpoint (C2SP tlog-checkpoint, origin crowdledger/<ledger id>) as a signed note.",
        discussion: helpText("The key name defaults to the signer's account id; the verifier key is NAME+KEYID+base64(0x01 || public key) (docs/TRANSPARENCY.md).",
                             examples: "crowdledger checkpoint --key alice.pem > cp.txt", "crowdledger checkpoint --key alice.pem --name example.com/ledger > cp.txt"))

    @OptionGroup var options: LedgerOptions
    @Option(name: .long, help: ArgumentHelp("The signer's key file.", valueName: "K"), completion: .file(extensions: ["pem"])) var key: String
    @Option(name: .long, help: ArgumentHelp("The key name (default: the account id).", valueName: "NAME")) var name: String?
    @Option(name: .long, help: ArgumentHelp("Sign the tree of the first N lines (default: all), e.g. the size verify --state covered.", valueName: "N")) var size: UInt64?

    func run() throws {
        let k = try KeyFile.load(key)
        if let size {
            let tree = try LedgerTree(ledger: options.path)
            guard size >= 1, size <= tree.size else { throw ToolError.usage("--size \(size): the ledger has \(tree.size) whole lines (give 1...\(tree.size))") }
            let cp = try Checkpoint(origin: LedgerCheckpoints.origin(ledgerID: try tree.ledgerID()), size: size, rootHash: try tree.root(size: size))
            Output.write(Array(try SignedNote.sign(text: cp.text, with: [LedgerCheckpoints.signer(key: k, name: name)]).encoded.utf8))
            return
        }
        let (note, _) = try LedgerCheckpoints.signed(ledger: options.path, key: k, name: name)
        Output.write(Array(note.encoded.utf8))
    }
}

struct Cosign: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cosign",
        abstract: "As a witness, add a timestamped cosignature (cosignature/v1) to a checkpoint that extends the last one cosigned.",
        discussion: helpText("The consistency proof comes from --ledger, or as prove --json on standard input. Exit 1 (and both heads on stderr) when the checkpoint is not an append-only extension.",
                             examples: "crowdledger cosign cp.txt --key w.pem --state w.d --ledger ledger.jsonl"))

    @Argument(help: ArgumentHelp("The signed checkpoint.", valueName: "CHECKPOINT"), completion: .file()) var checkpoint: String
    @Option(name: .long, help: ArgumentHelp("The witness's key file.", valueName: "K"), completion: .file(extensions: ["pem"])) var key: String
    @Option(name: .long, help: ArgumentHelp("The witness's state directory.", valueName: "DIR"), completion: .directory) var state: String
    @Option(name: .long, help: ArgumentHelp("The witness key name (default: its account id).", valueName: "NAME")) var name: String?
    @Option(name: .long, help: ArgumentHelp("The ledger to ask for the consistency proof (default: standard input).", valueName: "PATH"), completion: .file(extensions: ["jsonl"])) var ledger: String?
    @Option(name: .long, help: ArgumentHelp("Accept only checkpoints signed by this account id or verifier key (repeatable).", valueName: "ID")) var trust: [String] = []

    func run() throws {
        let bytes = try readUserFile(checkpoint, limit: 1 << 20)
        let note: SignedNote
        do { note = try SignedNote(parsing: bytes) } catch { throw ToolError.usage("\(checkpoint): not a signed note: \(error)") }
        let k = try KeyFile.load(key)
        let signer = try CosignatureV1Signer(name: name ?? k.publicKey.hex, privateKey: k)
        let time = try Clock.now()
        let ledger = self.ledger
        do {
            let out = try Witness.cosign(note: note, signer: signer, trust: try TrustedKeys(trust), stateDir: state, time: UInt64(time)) { m, n in
                if let ledger {
                    let tree = try LedgerTree(ledger: ledger)
                    guard n <= tree.size else { return [] }
                    return try tree.consistencyProof(from: m, size: n)
                }
                let p = try ProofJSON.parse(try readInput(nil), what: "standard input")
                guard p.from == m, p.size == n else { throw ToolError.usage("standard input: a consistency proof from \(m) to \(n) is needed, got one from \(p.from.map(String.init) ?? "-") to \(p.size)") }
                return p.path
            }
            Output.write(Array(out.encoded.utf8))
        } catch let r as Witness.Refusal {
            throw ToolError.invalid("\(checkpoint): \(r.message)")
        }
    }
}
