import Contract
import Audit
import Files
import CanonicalJSON
import Client
import Foundation
import LedgerModel
import LedgerCrypto
import Testing

/// Findings of the red-team pass, each reproduced and asserting the promised behaviour: exit 1
/// or 2, one line on stderr, no trap, nothing written.
@Suite struct RedTeamFixesTests {
    func ledger(_ dir: TempDir) throws -> (String, TestKey, TestKey) {
        let alice = try CLI.fixtureKey("alice", in: dir), bob = try CLI.fixtureKey("bob", in: dir)
        let (path, _) = try CLI.makeLedger(in: dir, keys: [alice, bob], fund: 1000, transfers: 1)
        return (path, alice, bob)
    }

    func oneLine(_ r: CLIResult) -> Bool {
        r.stderr.split(separator: "\n").count == 1 && r.stderr.hasPrefix("crowdledger: ") && !r.stderr.contains("Fatal error")
    }

    @Test func aPartyAtTheLargestNonceIsRefusedNotCrashed() throws {
        let dir = try TempDir()
        let (path, alice, bob) = try ledger(dir)
        let key = try KeyFile.load(alice.path)
        _ = try Session.append(path: path, time: CLI.t0) { state in
            try Transaction(kind: "transfer", body: ["amount": 1, "to": .string(bob.account)], ledger: state.ledgerID,
                            nonce: Nonce.maxCounter, key: key)  // the last nonce of lane 0
        }
        let before = CLI.read(path)
        let r = CLI.run(["transfer", "--ledger", path, "--key", alice.path, "--to", bob.account, "--amount", "1"], env: ["CROWDLEDGER_TIME": String(CLI.t0)])
        #expect(r.status == 1 && oneLine(r) && r.stderr.contains("largest nonce"), "\(r)")
        #expect(CLI.read(path) == before)
        // Bob can still act.
        #expect(CLI.run(["transfer", "--ledger", path, "--key", bob.path, "--to", alice.account, "--amount", "1"], env: ["CROWDLEDGER_TIME": String(CLI.t0)]).status == 0)
    }

    @Test func aCorruptCheckpointIsIgnored() throws {
        let dir = try TempDir()
        let (path, alice, bob) = try ledger(dir)
        let cache = StateCache.path(forLedger: path)
        let original = try #require(try JSONSerialization.jsonObject(with: Data(CLI.read(cache))) as? [String: Any])
        // Numbers that would overflow the offset arithmetic, and balances that break conservation.
        var hostile = original
        hostile["lastLineLength"] = Int64.min
        try JSONSerialization.data(withJSONObject: hostile).write(to: URL(fileURLWithPath: cache))
        let r1 = CLI.run(["balances", "--ledger", path])
        #expect(r1.status == 0, "\(r1)")
        var state = try #require(original["state"] as? [String: Any])
        var balances = try #require(state["balances"] as? [String: Any])
        balances[alice.account] = Int64.max
        state["balances"] = balances
        hostile = original
        hostile["state"] = state
        try JSONSerialization.data(withJSONObject: hostile).write(to: URL(fileURLWithPath: cache))
        let r2 = CLI.run(["transfer", "--ledger", path, "--key", alice.path, "--to", bob.account, "--amount", "999999"], env: ["CROWDLEDGER_TIME": String(CLI.t0)])
        #expect(r2.status == 1 && oneLine(r2) && r2.stderr.contains("insufficient funds"), "\(r2)")
        #expect(CLI.run(["verify", "--ledger", path]).status == 0)
    }

    @Test func runOutRefusesLinksAndDevices() throws {
        let dir = try TempDir()
        let target = try dir.write("target.txt", "keep me\n")
        let link = dir.path("link")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        let fifo = dir.path("fifo")
        #expect(mkfifo(fifo, 0o600) == 0)
        let env = ["CROWDLEDGER_TIME": String(CLI.t0)]
        let r = CLI.bash("""
        B="\(CLI.binary)"
        R=$("$B" keygen --out r.pem); W1=$("$B" keygen --out w1.pem); W2=$("$B" keygen --out w2.pem)
        "$B" init --ledger l.jsonl --fund $R=100 --fund $W1=10 --fund $W2=10 >/dev/null
        T=$("$B" publish --ledger l.jsonl --key r.pem --program hash-iterate --params '{"iterations":1}' --reward 0 --deposit 0 --workers 2 --public-coin \(String(repeating: "ab", count: 32)))
        "$B" join --ledger l.jsonl $T --key w1.pem >/dev/null; "$B" join --ledger l.jsonl $T --key w2.pem >/dev/null
        for out in link fifo /dev/null; do "$B" run --ledger l.jsonl $T --out $out 2>&1 && echo "accepted $out" || true; done
        """, env: env, cwd: dir.path("."))
        #expect(!r.stdout.contains("accepted"), "\(r)")
        #expect(r.stdout.components(separatedBy: "not a regular file").count == 4, "\(r)")
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "keep me\n")
        #expect((try FileManager.default.attributesOfItem(atPath: "/dev/null")[.type] as? FileAttributeType) == .typeCharacterSpecial)
    }

    @Test func repairWritesNothingWhenTheLedgerHasOtherProblems() throws {
        let dir = try TempDir()
        let (path, _, _) = try ledger(dir)
        var bytes = CLI.read(path)
        // Tamper with line 2's amount, then add a torn tail.
        let text = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: #""amount":1,"#, with: #""amount":7,"#)
        bytes = Array(text.utf8) + Array(#"{"hash":"ab"#.utf8)
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        let r = CLI.run(["repair", "--ledger", path], env: ["CROWDLEDGER_TIME": String(CLI.t0)])
        #expect(r.status == 1 && oneLine(r) && r.stderr.contains("nothing was written"), "\(r)")
        #expect(CLI.read(path) == bytes)
        #expect(!FileManager.default.fileExists(atPath: path + ".bak-\(CLI.t0)"))
    }

    @Test func fifosAndDevicesAreRefusedNotWaitedOn() throws {
        let dir = try TempDir()
        let fifo = dir.path("f.jsonl")
        #expect(mkfifo(fifo, 0o600) == 0)
        for args in [["verify", "--ledger", fifo], ["verify", "--ledger", "/dev/urandom"], ["balances", "--ledger", fifo]] {
            let r = CLI.run(args)
            #expect(r.status == 2 && oneLine(r) && r.stderr.contains("not a regular file"), "\(args): \(r)")
        }
    }

    @Test func anEncryptedKeyIsRefusedWithoutAPrompt() throws {
        let dir = try TempDir()
        let gen = CLI.bash("openssl genpkey -algorithm ed25519 -aes256 -pass pass:x -out enc.pem 2>/dev/null && chmod 600 enc.pem", cwd: dir.path("."))
        #expect(gen.status == 0)
        let r = CLI.run(["account", dir.path("enc.pem")])
        #expect(r.status == 2 && oneLine(r) && r.stderr.contains("encrypted") && !r.stderr.contains("pass phrase"), "\(r)")
        // The traditional PEM encryption (`Proc-Type: 4,ENCRYPTED`, `DEK-Info: AES-128-CBC,...`)
        // names its cipher the legacy way, in a table libcrypto is told not to fill (OpenSSLInit):
        // still refused as encrypted, without a prompt.
        let legacy = CLI.bash("openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:P-256 2>/dev/null | openssl ec -aes128 -passout pass:x -out legacy.pem 2>/dev/null && chmod 600 legacy.pem && grep -q DEK-Info legacy.pem", cwd: dir.path("."))
        #expect(legacy.status == 0)
        let r2 = CLI.run(["account", dir.path("legacy.pem")])
        #expect(r2.status == 2 && oneLine(r2) && r2.stderr.contains("encrypted") && !r2.stderr.contains("pass phrase"), "\(r2)")
    }

    @Test func aFailedWriteToStandardOutputIsExit2() throws {
        let dir = try TempDir()
        let (path, _, _) = try ledger(dir)
        let r = CLI.bash("\"\(CLI.binary)\" verify --json --ledger \(path) > /dev/full || echo status=$?")
        #expect(r.stdout.contains("status=2") && r.stderr.contains("cannot write to standard output"), "\(r)")
    }

    @Test func negativeValuesAreReadAsValues() throws {
        let dir = try TempDir()
        let (path, alice, _) = try ledger(dir)
        let r = CLI.run(["publish", "--ledger", path, "--key", alice.path, "--program", "hash-iterate", "--params", #"{"iterations":1}"#,
                         "--reward", "-1", "--deposit", "1", "--workers", "2"], env: ["CROWDLEDGER_TIME": String(CLI.t0)])
        #expect(r.status == 1 && oneLine(r) && r.stderr.contains("reward must be at least 0"), "\(r)")
    }
}
