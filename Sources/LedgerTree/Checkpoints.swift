public import CanonicalJSON
import Files
public import LedgerCrypto
import LedgerModel
import LedgerStore
public import Transparency

/// The ledger's head as a transparency log: its size (whole lines), Merkle root, the hash of its
/// last entry, and its ledger id (the hash of line 1).
public struct LedgerHead: Sendable, Equatable {
    public let size: UInt64
    public let root: [UInt8]
    public let head: String
    public let ledger: String

    public var json: JSON {
        .object(["head": .string(head), "ledger": .string(ledger), "root": .string(Hex.encode(root)), "size": .int(Int64(size))])
    }
}

/// Checkpoints of a ledger: c2sp.org/tlog-checkpoint notes with origin `crowdledger/<ledger id>`,
/// signed (c2sp.org/signed-note, Ed25519) by an account's key under the key name given, by
/// default the account id itself — so a verifier can rebuild the verifier key from the id alone.
public enum LedgerCheckpoints {
    public static let originPrefix = "crowdledger/"

    public static func origin(ledgerID: String) -> String { originPrefix + ledgerID }

    /// The ledger id a crowdledger origin names, or nil.
    public static func ledgerID(origin: String) -> String? {
        guard origin.hasPrefix(originPrefix) else { return nil }
        let id = String(origin.dropFirst(originPrefix.count))
        return Hex.isCanonical(id, byteCount: 32) ? id : nil
    }

    /// The head of `tree`'s ledger: reads line 1 and the last covered line.
    public static func head(_ tree: LedgerTree) throws -> LedgerHead {
        guard tree.size > 0 else { throw Diagnostic(.invalid, code: LedgerFinding.Code.emptyLedger.rawValue, file: tree.ledgerPath, "no genesis") }
        var reader = try LineReader(path: tree.ledgerPath)
        guard let first = try reader.next() else { throw Diagnostic(.invalid, code: "empty-ledger", file: tree.ledgerPath, "no genesis") }
        let genesis: Entry
        do { genesis = try Entry.parse(line: first.bytes, lineNumber: 1) } catch { throw Diagnostic(error, file: tree.ledgerPath) }
        let last = try tree.lastLine()
        let entry: Entry
        do { entry = try Entry.parse(line: last, lineNumber: Int(tree.size)) } catch { throw Diagnostic(error, file: tree.ledgerPath) }
        return LedgerHead(size: tree.size, root: try tree.root(), head: entry.hash, ledger: genesis.hash)
    }

    /// The checkpoint of the ledger's current head.
    public static func checkpoint(_ head: LedgerHead) throws -> Checkpoint {
        try Checkpoint(origin: origin(ledgerID: head.ledger), size: head.size, rootHash: head.root)
    }

    /// The default key name of an account: its id.
    public static func signer(key: Ed25519.PrivateKey, name: String? = nil) throws -> Ed25519NoteSigner {
        try Ed25519NoteSigner(name: name ?? key.publicKey.hex, privateKey: key)
    }

    /// The signed checkpoint of the ledger at `path` now.
    public static func signed(ledger path: String, key: Ed25519.PrivateKey, name: String? = nil) throws -> (SignedNote, LedgerHead) {
        let head = try head(LedgerTree(ledger: path))
        let note = try SignedNote.sign(text: checkpoint(head).text, with: [signer(key: key, name: name)])
        return (note, head)
    }
}

/// Receipts: after each signed append the signer keeps the checkpoint just after it, signed by
/// the same key, in `<KEYFILE>.openings/receipts/<ledger id>-<size, 20 digits>-<root, 16 hex>.checkpoint`.
public enum Receipts {
    public static func directory(openings: String) -> String { openings + "/receipts" }

    public static func fileName(_ head: LedgerHead) -> String {
        let digits = String(head.size)
        return "\(head.ledger)-\(String(repeating: "0", count: max(0, 20 - digits.count)) + digits)-\(Hex.encode(Array(head.root.prefix(8)))).checkpoint"
    }

    /// Writes the receipt; returns its path.
    @discardableResult
    public static func save(ledger: String, key: Ed25519.PrivateKey, openings: String) throws -> String {
        let (note, head) = try LedgerCheckpoints.signed(ledger: ledger, key: key)
        let dir = directory(openings: openings)
        try FileIO.makeDirectories(openings, mode: 0o700)
        try FileIO.makeDirectories(dir, mode: 0o700)
        let path = dir + "/" + fileName(head)
        try FileIO.replaceAtomically(path, contents: Array(note.encoded.utf8), mode: 0o644)
        return path
    }
}

/// Verifier keys for checkpoint signatures and cosignatures: account ids (key name = the id,
/// Ed25519 note key type 0x01 and cosignature key type 0x04) and explicit vkeys.
public struct TrustedKeys {
    public var verifiers: [any NoteVerifier] = []
    /// Whether any key was given (else signers are recognised by account-id names).
    public let explicit: Bool

    /// `ids` are account ids (64 hex digits) or vkeys `name+hex8+base64`.
    public init(_ ids: [String]) throws {
        explicit = !ids.isEmpty
        for id in ids {
            if Hex.isCanonical(id, byteCount: 32) {
                try TrustedKeys.add(account: id, to: &verifiers)
            } else {
                let key: VerifierKey
                do { key = try VerifierKey(parsing: id) } catch { throw Diagnostic.usage("--trust \(id): not an account id (64 lower-case hex digits) nor a verifier key: \(error)") }
                if key.type == CosignatureV1.signatureType { verifiers.append(try CosignatureV1Verifier(key: key)) }
                else { verifiers.append(try Ed25519NoteVerifier(key: key)) }
            }
        }
    }

    static func add(account: String, to list: inout [any NoteVerifier]) throws {
        guard let pub = Hex.decode(account).flatMap(Ed25519.PublicKey.init(bytes:)) else { return }
        let a = try Ed25519NoteVerifier(name: account, publicKey: pub)
        let b = try CosignatureV1Verifier(name: account, publicKey: pub)
        for v in [a, b] as [any NoteVerifier] where !list.contains(where: { $0.keyID == v.keyID && $0.name == v.name }) { list.append(v) }
    }

    /// The verifiers for a note: the trusted ones, or (none given) one per account-id-named signer.
    public func verifiers(for note: SignedNote) -> [any NoteVerifier] {
        if explicit { return verifiers }
        var list: [any NoteVerifier] = []
        for s in note.signatures where Hex.isCanonical(s.name, byteCount: 32) { try? TrustedKeys.add(account: s.name, to: &list) }
        return list
    }
}
