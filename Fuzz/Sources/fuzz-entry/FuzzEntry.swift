import CanonicalJSON
import Contract
import FuzzFixtures
import LedgerCrypto
import LedgerModel

/// One ledger line through verify's per-line checks on a small fixed state (FORMAT.md 13,
/// steps 2.2–2.6): parse (JSON, canonical form, shape, hash), then the signature and the weak-key
/// check, then `Contract.apply`. The first input byte picks the mode: even, the rest is a whole
/// line; odd, the rest is a transaction (`tx`) that is put into a correct entry at the next
/// position (so the contract sees bodies whose hash and link are right).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEntry(_ pointer: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data = pointer ?? (size == 0 ? UnsafePointer<UInt8>(bitPattern: 1) : nil) else { return 0 }
    Fixtures.writeSeedsIfAsked {
        // Whole lines (mode 0) and their transactions (mode 1); line 30 is the next valid one.
        Fixtures.lines[Fixtures.prefixLines...].flatMap { line -> [[UInt8]] in
            let entry = try! Entry.parse(line: line, lineNumber: 1)
            return [[0] + line, [1] + entry.tx.json.canonicalBytes]
        }
    }
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let fixed = Fixtures.state
    let line = Int(fixed.seq) + 1
    let entry: Entry
    if data[0] & 1 == 0 {
        guard let e = try? Entry.parse(line: bytes, lineNumber: line) else { return 0 }
        if e.line != bytes { fatalError("an accepted line does not re-encode to itself") }
        entry = e
    } else {
        // Wrap the transaction in an entry at the next position, with the right link and hash.
        guard let tx = try? JSON.parse(bytes) else { return 0 }
        let rest = JSON.object(["link": .string(fixed.head), "seq": .int(fixed.seq + 1), "time": .int(fixed.time), "tx": tx])
        let hash = SHA256.hex(rest.canonicalBytes)
        let whole = JSON.object(["hash": .string(hash), "link": .string(fixed.head), "seq": .int(fixed.seq + 1), "time": .int(fixed.time), "tx": tx])
        guard let e = try? Entry.parse(line: whole.canonicalBytes, lineNumber: line) else { return 0 }
        if e.hash != hash || e.link != fixed.head { fatalError("a parsed entry lost its hash or link") }
        entry = e
    }
    if let party = entry.tx.party, Ed25519.weakness(ofAccount: party) == nil { _ = entry.tx.hasValidSignature() }
    var state = fixed
    do throws(LedgerFinding) { try Contract.apply(&state, entry) } catch {
        // Refused: the state must be unchanged.
        if state.head != fixed.head || state.balances != fixed.balances || state.nonces != fixed.nonces { fatalError("a refused entry changed the state") }
        return 0
    }
    // Applied: money is conserved.
    var total: Int64 = state.escrow
    for (_, v) in state.balances {
        if v < 0 { fatalError("a negative balance") }
        total += v
    }
    if total + state.burned != state.genesisTotal { fatalError("money not conserved") }
    return 0
}

@_cdecl("fuzz_entry_main")
public func fuzzEntryMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzEntry)
}
