import Audit
import CBenchLibcrypto
import CanonicalJSON
import Client
import Contract
import Dispatch
import Foundation
import LedgerModel
import LedgerStore
import LedgerCrypto

// Without a subcommand (`ledger-bench [N]`), measures on this machine:
//  1. the raw rate of `Ed25519.Verifier` (1 thread, and all cores) over the very signing messages
//     of the ledger below;
//  2. `verify` (Replay.run: parse, canonical check, hash, chain, signatures, contract) on a ledger
//     of N signed transfers, 1 thread and all cores — the goal is a rate close to (1);
//  3. the cost of one append at the start and at the end of the ledger.

if CommandLine.arguments.count > 1 && CommandLine.arguments[1] == "generate" {
    do { try Generator.main(Array(CommandLine.arguments.dropFirst(2))) } catch {
        FileHandleless.err("ledger-bench generate: \(error)")
        exit(2)
    }
    exit(0)
}

if CommandLine.arguments.count > 2 && CommandLine.arguments[1] == "split" {
    // ledger-bench split FILE: verify's cost on a real ledger, split into the signature checks
    // alone (Ed25519.Verifier, BoringSSL, over the file's own messages, one verifier per key and
    // thread) and the rest.
    let file = CommandLine.arguments[2]
    var reader = try LineReader(path: file, offset: 0, lineNumber: 0)
    var signed: [([UInt8], [UInt8], Ed25519.PublicKey)] = []
    var count = 0
    while let raw = try reader.next() {
        count += 1
        let e = try Entry.parse(line: raw.bytes, lineNumber: raw.number)
        if let party = e.tx.party, let sig = e.tx.sig {
            signed.append((e.tx.signingMessage, Hex.decode(sig)!, Ed25519.PublicKey(hex: party)!))
        }
    }
    let frozen = signed
    @Sendable func keyed() -> [Ed25519.PublicKey: Ed25519.Verifier] {
        var v: [Ed25519.PublicKey: Ed25519.Verifier] = [:]
        for (_, _, k) in frozen where v[k] == nil { v[k] = Ed25519.Verifier(k) }
        return v
    }
    /// OpenSSL's check alone, as crowdledger made it before swift-crypto: one EVP_PKEY and one
    /// reused EVP_MD_CTX per key and thread (what `openssl speed` does), no refusals.
    final class OpenSSLVerifier {
        let pkey: OpaquePointer, ctx: OpaquePointer
        init(_ key: Ed25519.PublicKey) {
            pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, key.bytes, 32)!
            ctx = EVP_MD_CTX_new()!
            precondition(EVP_DigestVerifyInit(ctx, nil, nil, nil, pkey) == 1)
        }
        deinit { EVP_MD_CTX_free(ctx); EVP_PKEY_free(pkey) }
        func check(_ sig: [UInt8], _ message: [UInt8]) -> Bool {
            EVP_DigestVerify(ctx, sig, 64, message, message.count) == 1
        }
    }
    for t in [1, System.coreCount] {
        let openssl = seconds {
            DispatchQueue.concurrentPerform(iterations: t) { th in
                var v: [Ed25519.PublicKey: OpenSSLVerifier] = [:]
                for (_, _, k) in frozen where v[k] == nil { v[k] = OpenSSLVerifier(k) }
                var i = th
                while i < frozen.count { let (m, s, k) = frozen[i]; precondition(v[k]!.check(s, m)); i += t }
            }
        }
        let raw = seconds {
            DispatchQueue.concurrentPerform(iterations: t) { th in
                let v = keyed()
                var i = th
                while i < frozen.count { let (m, s, k) = frozen[i]; precondition(v[k]!.isValidSignature(s, for: m)); i += t }
            }
        }
        var options = Replay.Options()
        options.threads = t
        let replay = try seconds { let r = try Replay.run(path: file, options: options); precondition(r.isValid) }
        options.verifySignatures = false
        let rest = try seconds { let r = try Replay.run(path: file, options: options); precondition(r.isValid) }
        print(String(format: "%d thread(s): %d lines, %d signed; raw Ed25519 checks %.3f s (%.1f µs/check/thread); Replay.run %.3f s = %.1f%% of raw's rate; without signatures %.3f s (%.2f µs/line/thread)",
                     t, count, frozen.count, raw, raw * 1e6 * Double(t) / Double(frozen.count), replay, 100 * raw / replay,
                     rest, rest * 1e6 * Double(t) / Double(count)))
        print(String(format: "%d thread(s): OpenSSL's EVP_DigestVerify over the same signatures %.3f s (%.1f µs/check/thread): crowdledger's checks take %.2f× its time",
                     t, openssl, openssl * 1e6 * Double(t) / Double(frozen.count), raw / openssl))
    }
    exit(0)
}

let n = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1])! : 20_000
let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-bench-\(UUID().uuidString)").path
try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: dir) }
let path = dir + "/ledger.jsonl"

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}
func rate(_ count: Int, _ s: Double) -> String { String(format: "%8.0f/s  (%.3f s)", Double(count) / s, s) }

// Build the ledger directly (entries chained here; each transaction signed as the CLI signs it).
let keys = try (0..<16).map { _ in try Ed25519.PrivateKey() }
var alloc: [String: Int64] = [:]
for k in keys { alloc[k.publicKey.hex] = 1_000_000_000 }
let genesis = GenesisBody(name: "bench", allocations: alloc, salt: [UInt8](repeating: 0xbe, count: 32)).entry(time: 1)
var lines: [[UInt8]] = [genesis.line]
var messages: [([UInt8], [UInt8], Ed25519.PublicKey)] = []
var nonces = [Int64](repeating: 0, count: keys.count)
var head = genesis.hash
let buildTime = try seconds {
    for i in 0..<n {
        let from = i % keys.count, to = (i * 7 + 3) % keys.count
        nonces[from] += 1
        let tx = try Transaction(kind: .transfer, body: TransferBody(to: keys[to].publicKey.hex, amount: Int64(1 + i % 100)).json,
                                 ledger: genesis.hash, nonce: nonces[from], key: keys[from])
        let e = Entry(seq: Int64(i + 2), link: head, time: 1 + Int64(i / 100), tx: tx)
        head = e.hash
        lines.append(e.line)
        messages.append((tx.signingMessage, Hex.decode(tx.sig!)!, keys[from].publicKey))
    }
}
var file = [UInt8]()
for l in lines { file += l; file.append(0x0a) }
FileManager.default.createFile(atPath: path, contents: Data(file))
print("ledger: \(n) signed transfers, \(file.count / 1024) KiB, built in \(String(format: "%.2f", buildTime)) s; cores: \(System.coreCount)")

// 1. Raw Ed25519 verification through `Ed25519.Verifier` (the refusals, then BoringSSL's
// equation), one verifier set per thread.
func verifiers() -> [Ed25519.PublicKey: Ed25519.Verifier] {
    Dictionary(uniqueKeysWithValues: keys.map { ($0.publicKey, Ed25519.Verifier($0.publicKey)) })
}
let v1 = verifiers()
let raw1 = seconds { for (m, s, k) in messages { precondition(v1[k]!.isValidSignature(s, for: m)) } }
let threads = System.coreCount
let frozen = messages
let rawN = seconds {
    DispatchQueue.concurrentPerform(iterations: threads) { t in
        let v = verifiers()
        var i = t
        while i < frozen.count { let (m, s, k) = frozen[i]; precondition(v[k]!.isValidSignature(s, for: m)); i += threads }
    }
}
print("raw Ed25519 verify (Verifier), 1 thread:   \(rate(n, raw1))")
// Two explicit threads, for comparison with concurrentPerform.
let rawThreads = seconds {
    let group = DispatchGroup()
    for t in 0..<threads {
        group.enter()
        let th = Thread {
            let v = verifiers()
            var i = t
            while i < frozen.count { let (m, s, k) = frozen[i]; precondition(v[k]!.isValidSignature(s, for: m)); i += threads }
            group.leave()
        }
        th.start()
    }
    group.wait()
}
print("raw Ed25519 verify (Verifier), \(threads) Threads:  \(rate(n, rawThreads))")
print("raw Ed25519 verify (Verifier), \(threads) threads:  \(rate(n, rawN))")

// 2. verify.
for t in [1, threads] {
    var options = Replay.Options()
    options.threads = t
    var result: Replay.Result?
    let s = try seconds { result = try Replay.run(path: path, options: options) }
    precondition(result!.isValid, "\(result!.findings.prefix(3))")
    print("verify (Replay.run), \(t) thread(s):     \(rate(n + 1, s))   = \(String(format: "%.0f", 100 * (Double(n) / s) / (Double(n) / (t == 1 ? raw1 : rawN))))% of raw")
}
// Where the time goes besides signatures: parsing lines alone, on one thread.
let parseAlone = try seconds { for (i, l) in lines.enumerated() { _ = try Entry.parse(line: l, lineNumber: i + 1) } }
print("Entry.parse alone, 1 thread:          \(rate(n + 1, parseAlone))")
let canonicalAlone = try seconds { for l in lines { _ = try JSON.parseCanonical(l) } }
print("JSON.parseCanonical alone, 1 thread:  \(rate(n + 1, canonicalAlone))")
var noSig = Replay.Options()
noSig.verifySignatures = false
let parseOnly = try seconds { _ = try Replay.run(path: path, options: noSig) }
print("replay without signatures, \(threads) threads: \(rate(n + 1, parseOnly))")

// 3. Append cost as the ledger grows.
let client = LedgerClient(path: path)
let appendAtEnd = try seconds {
    try client.transfer(key: keys[0], to: keys[1].publicKey.hex, amount: 1, time: 1_000_000)
}
let smallPath = dir + "/small.jsonl"
try LedgerFile.create(path: smallPath, genesis: genesis)
let small = LedgerClient(path: smallPath)
let appendSmall = try seconds { try small.transfer(key: keys[0], to: keys[1].publicKey.hex, amount: 1, time: 1_000_000) }
let appendWarm = try seconds {
    for i in 0..<10 { try client.transfer(key: keys[0], to: keys[1].publicKey.hex, amount: 1, time: 1_000_001 + Int64(i)) }
} / 10
print(String(format: "one append: %.4f s on a 1-entry ledger; on a %d-entry ledger %.4f s the first time (no checkpoint yet: full replay), then %.4f s each (from the checkpoint)", appendSmall, n + 1, appendAtEnd, appendWarm))
