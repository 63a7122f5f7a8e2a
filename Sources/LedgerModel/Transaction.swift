public import CanonicalJSON
public import LedgerCrypto

/// The transaction inside an entry.
///
/// Signed kinds: `{"body":{...},"kind":K,"ledger":LID,"nonce":N,"party":PK,"sig":S}`.
/// Unsigned kinds: genesis `{"body":{...},"kind":"genesis"}` and settle
/// `{"body":{...},"kind":"settle","ledger":LID}` — a settlement is fully determined by the history,
/// so anyone may append it and the contract recomputes and checks every amount.
///
/// The signature is Ed25519 over ``signingMessage``: the bytes `crowdledger/v1/tx` and a newline,
/// followed by the canonical JSON of the transaction without `sig`. It covers the ledger id and the
/// nonce but not the entry's position, link or time, so a transaction can be re-chained unchanged.
public struct Transaction: Sendable, Equatable {
    public static let signingDomain = Array("crowdledger/v1/tx\n".utf8)

    public let kind: String
    public let body: JSONObject
    public let ledger: String?
    public let nonce: Int64?
    public let party: String?
    public let sig: String?
    /// For a transaction read from a canonical line: its signing message, sliced from the line's
    /// bytes instead of re-encoded (the same bytes, by construction; see `Entry.parse`).
    let cachedSigningMessage: [UInt8]?
    /// The kind, when it is one this format defines (the contract refuses any other): matched
    /// once, when the transaction is made.
    public let knownKind: TransactionKind?

    /// The transaction without its signature, as signed.
    public var unsignedJSON: JSON {
        var m: [String: JSON] = ["body": .object(body), "kind": .string(kind)]
        if let ledger { m["ledger"] = .string(ledger) }
        if let nonce { m["nonce"] = .int(nonce) }
        if let party { m["party"] = .string(party) }
        return .object(m)
    }

    public var json: JSON {
        guard case .object(var m) = unsignedJSON else { fatalError("unreachable") }
        if let sig { m["sig"] = .string(sig) }
        return .object(m)
    }

    /// `crowdledger/v1/tx\n` followed by the canonical transaction without `sig`.
    public var signingMessage: [UInt8] { cachedSigningMessage ?? (Transaction.signingDomain + unsignedJSON.canonicalBytes) }

    public static func == (a: Transaction, b: Transaction) -> Bool {
        a.kind == b.kind && a.body == b.body && a.ledger == b.ledger && a.nonce == b.nonce && a.party == b.party && a.sig == b.sig
    }

    /// A copy carrying the signing message taken from the line's own bytes.
    func withSigningMessage(_ message: [UInt8]) -> Transaction {
        Transaction(kind: kind, body: body, ledger: ledger, nonce: nonce, party: party, sig: sig, cachedSigningMessage: message,
                    knownKind: .some(knownKind))
    }

    /// The transaction id: SHA-256 of the signing message, hex. A task's id is the id of its
    /// publish transaction.
    public var id: String { SHA256.hex(signingMessage) }

    public var isSigned: Bool { sig != nil }


    /// An unsigned transaction (genesis, settle).
    public init(unsignedKind kind: TransactionKind, body: JSONObject, ledger: String?) {
        precondition(!kind.isSigned, "\(kind) transactions are signed")
        self.kind = kind.rawValue
        self.knownKind = kind
        self.body = body
        self.ledger = ledger
        self.nonce = nil
        self.party = nil
        self.sig = nil
        self.cachedSigningMessage = nil
    }

    /// Signs a transaction of any kind named by a string, including kinds the contract refuses
    /// (for building forgeries in tests; the typed initializer is for real transactions).
    public init(kind: String, body: JSONObject, ledger: String, nonce: Int64, key: Ed25519.PrivateKey) throws {
        let unsigned = Transaction(kind: kind, body: body, ledger: ledger, nonce: nonce, party: key.publicKey.hex, sig: nil)
        let signature = try key.sign(unsigned.signingMessage)
        self.init(kind: kind, body: body, ledger: ledger, nonce: nonce, party: unsigned.party, sig: Hex.encode(signature))
    }

    /// An unsigned transaction of any kind named by a string (for forgeries in tests).
    public init(unsignedKind kind: String, body: JSONObject, ledger: String?) {
        self.init(kind: kind, body: body, ledger: ledger, nonce: nil, party: nil, sig: nil)
    }

    /// Signs a transaction with `key`; the party is the key's account id.
    public init(kind: TransactionKind, body: JSONObject, ledger: String, nonce: Int64, key: Ed25519.PrivateKey) throws {
        precondition(kind.isSigned, "\(kind) transactions are unsigned")
        let unsigned = Transaction(kind: kind.rawValue, body: body, ledger: ledger, nonce: nonce, party: key.publicKey.hex, sig: nil)
        let signature = try key.sign(unsigned.signingMessage)
        self.init(kind: kind.rawValue, body: body, ledger: ledger, nonce: nonce, party: unsigned.party, sig: Hex.encode(signature))
    }

    /// A signed transaction whose signature was made elsewhere — e.g. many transactions built in
    /// order and then signed on every core. Nothing is checked here: the replay checks the
    /// signature, the contract everything else.
    public init(kind: TransactionKind, body: JSONObject, ledger: String, nonce: Int64, party: String, signature: [UInt8]) {
        precondition(kind.isSigned, "\(kind) transactions are unsigned")
        self.init(kind: kind.rawValue, body: body, ledger: ledger, nonce: nonce, party: party, sig: Hex.encode(signature))
    }

    init(kind: String, body: JSONObject, ledger: String?, nonce: Int64?, party: String?, sig: String?,
         cachedSigningMessage: [UInt8]? = nil, knownKind: TransactionKind?? = nil) {
        self.kind = kind
        self.knownKind = knownKind ?? TransactionKind(rawValue: kind)
        self.body = body
        self.ledger = ledger
        self.nonce = nonce
        self.party = party
        self.sig = sig
        self.cachedSigningMessage = cachedSigningMessage
    }

    /// Like `hasValidSignature()`, reusing a verifier per party (one cache per thread).
    public func hasValidSignature(cache: inout [String: Ed25519.Verifier]) -> Bool {
        guard let party, let sig, let sigBytes = Hex.decode(sig) else { return false }
        let verifier: Ed25519.Verifier
        if let v = cache[party] {
            verifier = v
        } else {
            guard let key = Ed25519.PublicKey(hex: party) else { return false }
            if cache.count >= 4096 { cache.removeAll(keepingCapacity: true) }
            verifier = Ed25519.Verifier(key)
            cache[party] = verifier
        }
        return verifier.isValidSignature(sigBytes, for: signingMessage)
    }

    /// True when the signature is a valid Ed25519 signature by `party` (false for unsigned kinds).
    public func hasValidSignature() -> Bool {
        var cache: [String: Ed25519.Verifier] = [:]
        return hasValidSignature(cache: &cache)
    }

    static let signedKeys: [StaticString] = ["body", "kind", "ledger", "nonce", "party", "sig"]
    static let signedKeySet: Set<String> = ["body", "kind", "ledger", "nonce", "party", "sig"]

    static func parse(_ value: JSON, lineNumber: Int) throws(LedgerFinding) -> Transaction {
        guard case .object(let m) = value else {
            throw LedgerFinding(.badShape, line: lineNumber, "tx must be a JSON object")
        }
        // The signed envelope (exactly its six keys, byte for byte) reads members by position.
        let signedShape = m.hasExactlyKeys(signedKeys)
        func member(_ index: Int, _ key: String) -> JSON? { signedShape ? m.entries[index].value : m[key] }
        guard let kind = member(1, "kind")?.stringValue, !kind.isEmpty else {
            throw LedgerFinding(.badShape, line: lineNumber, "tx.kind must be a non-empty string")
        }
        guard case .object(let body)? = member(0, "body") else {
            throw LedgerFinding(.badShape, line: lineNumber, "tx.body must be a JSON object")
        }
        // Unknown kinds have the signed envelope; the contract refuses them.
        let expected: Set<String>, keys: [StaticString]
        switch TransactionKind(rawValue: kind) {
        case .genesis: (expected, keys) = (["body", "kind"], ["body", "kind"])
        case .settle: (expected, keys) = (["body", "kind", "ledger"], ["body", "kind", "ledger"])
        default: (expected, keys) = (signedKeySet, signedKeys)
        }
        if !(signedShape && keys.count == 6) && !m.hasExactlyKeys(keys), Set(m.keys) != expected {
            throw LedgerFinding(.badShape, line: lineNumber,
                                "a \(kind) transaction has exactly the members \(expected.sorted().joined(separator: ", ")); found \(m.keys.sorted().joined(separator: ", "))")
        }
        var ledger: String?
        if keys.count >= 3 {  // ledger
            guard let l = member(2, "ledger")?.stringValue, Hex.isCanonical(l, byteCount: 32) else {
                throw LedgerFinding(.badShape, line: lineNumber, "tx.ledger must be 64 lower-case hex digits")
            }
            ledger = l
        }
        var nonce: Int64?, party: String?, sig: String?
        if keys.count == 6 {  // nonce, party, sig
            guard let n = member(3, "nonce")?.intValue, n > 0 else {
                throw LedgerFinding(.badShape, line: lineNumber, "tx.nonce must be a positive integer")
            }
            guard let p = member(4, "party")?.stringValue, Hex.isCanonical(p, byteCount: 32) else {
                throw LedgerFinding(.badShape, line: lineNumber, "tx.party must be an account id (64 lower-case hex digits)")
            }
            guard let s = member(5, "sig")?.stringValue, Hex.isCanonical(s, byteCount: 64) else {
                throw LedgerFinding(.badShape, line: lineNumber, "tx.sig must be 128 lower-case hex digits")
            }
            nonce = n; party = p; sig = s
        }
        return Transaction(kind: kind, body: body, ledger: ledger, nonce: nonce, party: party, sig: sig)
    }
}
