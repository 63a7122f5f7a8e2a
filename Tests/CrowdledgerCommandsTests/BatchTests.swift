import Audit
import Files
import Foundation
import LedgerCrypto
import LedgerStore
import Testing

/// `crowdledger batch`: many appending commands under one lock, one result line per command, a
/// refused line changes nothing and the others still apply.
@Suite struct BatchTests {
    @Test func appliesEachLineAndReportsEachRefusalAlone() throws {
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir), bob = try CLI.fixtureKey("bob", in: dir)
        let (path, _) = try CLI.makeLedger(in: dir, keys: [alice, bob], fund: 100)
        let env = ["CROWDLEDGER_TIME": String(CLI.t0)]
        let script = """
        transfer --key \(alice.path) --to \(bob.account) --amount 5
        # a comment, and a blank line

        transfer --key \(bob.path) --to \(alice.account) --amount 999
        transfer --key '\(bob.path)' --to \(alice.account) --amount 7
        status
        transfer --key \(alice.path) --to \(bob.account) --amount "x"
        """
        let r = CLI.run(["batch", "--ledger", path, "-"], env: env, stdin: Array(script.utf8))
        #expect(r.status == 2, "\(r)")
        #expect(r.stderr.split(separator: "\n").count == 1 && r.stderr.hasPrefix("crowdledger: batch: 3 of 5"), "\(r)")
        #expect(r.lines.count == 5, "\(r)")
        #expect(r.lines[0].count == 64 && r.lines[2].count == 64)
        #expect(r.lines[1].hasPrefix("error: ") && r.lines[1].contains("insufficient funds"), "\(r)")
        #expect(r.lines[3].hasPrefix("error: input line 6: ") && r.lines[4].hasPrefix("error: input line 7: transfer:"), "\(r)")
        // Two entries appended, in order, and the ledger verifies.
        #expect(CLI.ledgerLines(path).count == 3)
        #expect(CLI.run(["verify", "--ledger", path]).status == 0)
        let b = CLI.run(["balances", "--ledger", path, "--json"])
        #expect(b.stdout.contains("\"\(alice.account)\":102") && b.stdout.contains("\"\(bob.account)\":98"), "\(b)")
        // A batch where every line applies exits 0; the group size does not change the result.
        let ok = CLI.run(["batch", "--ledger", path, "--group-size", "1", "-"], env: env,
                         stdin: Array("transfer --key \(alice.path) --to \(bob.account) --amount 1\njoin 00000000 --key \(bob.path)\n".utf8))
        #expect(ok.status != 0 && ok.lines.count == 2 && ok.lines[0].count == 64 && ok.lines[1].hasPrefix("error: "), "\(ok)")
        let all = try dir.write("cmds", "transfer --key \(alice.path) --to \(bob.account) --amount 1\n")
        #expect(CLI.run(["batch", "--ledger", path, all], env: env).status == 0)
        #expect(CLI.ledgerLines(path).count == 5)
    }

    /// A batch's `publish` keeps its inputs beside the batch's ledger (`--ledger` to batch), not
    /// beside the default ledger of the directory it runs in.
    @Test func aPublishInABatchStoresItsInputsBesideTheBatchesLedger() throws {
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir), bob = try CLI.fixtureKey("bob", in: dir)
        let (path, _) = try CLI.makeLedger(in: dir, keys: [alice, bob], fund: 100)
        let input = try dir.write("in.bin", "batch input\n")
        let elsewhere = dir.path("elsewhere")
        try FileIO.makeDirectories(elsewhere)
        let env = ["CROWDLEDGER_TIME": String(CLI.t0)]
        let line = "publish --key \(alice.path) --program hash-iterate --params '{\"iterations\":1}' --input \(input) --reward 5 --deposit 1 --workers 2\n"
        let r = CLI.run(["batch", "--ledger", path, "-"], env: env, stdin: Array(line.utf8), cwd: elsewhere)
        #expect(r.status == 0 && r.lines.count == 1, "\(r)")
        let digest = Hex.encode(SHA256.hash(Array("batch input\n".utf8)))
        #expect(FileIO.exists(BlobStore(ledgerPath: path).path(of: digest)), "the blob is not beside \(path)")
        #expect(!FileIO.exists(elsewhere + "/ledger"), "the batch wrote beside the default ledger of its working directory")
        #expect(CLI.run(["verify", "--ledger", path]).status == 0)
    }

    @Test func aContractRefusalExitsOneAndAMissingFileTwo() throws {
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir), bob = try CLI.fixtureKey("bob", in: dir)
        let (path, _) = try CLI.makeLedger(in: dir, keys: [alice, bob], fund: 10)
        let env = ["CROWDLEDGER_TIME": String(CLI.t0)]
        let r = CLI.run(["batch", "--ledger", path], env: env, stdin: Array("transfer --key \(alice.path) --to \(bob.account) --amount 11\n".utf8))
        #expect(r.status == 1 && r.lines.count == 1 && r.lines[0].contains("rejected"), "\(r)")
        let missing = CLI.run(["batch", "--ledger", path, dir.path("nope")], env: env)
        #expect(missing.status == 2 && missing.stdout.isEmpty && missing.stderr.split(separator: "\n").count == 1, "\(missing)")
        #expect(CLI.ledgerLines(path).count == 1)
    }

    @Test func aReadWritesTheStateCacheAndAnAppendAfterItWorks() throws {
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir), bob = try CLI.fixtureKey("bob", in: dir)
        let (path, _) = try CLI.makeLedger(in: dir, keys: [alice, bob], fund: 10, transfers: 2)
        let cache = StateCache.path(forLedger: path)
        try FileIO.removeFile(cache)
        #expect(CLI.run(["log", "--ledger", path]).status == 0)
        #expect(FileIO.exists(cache))
        #expect(StateCache.load(ledger: path)?.signedLines == 0)
        try FileIO.removeFile(cache)
        #expect(CLI.run(["balances", "--ledger", path]).status == 0)
        #expect(StateCache.load(ledger: path)?.lines == 3)
        let env = ["CROWDLEDGER_TIME": String(CLI.t0)]
        #expect(CLI.run(["transfer", "--ledger", path, "--key", alice.path, "--to", bob.account, "--amount", "1"], env: env).status == 0)
        #expect(StateCache.load(ledger: path)?.signaturesChecked == true)
    }

    @Test func jsonLinesAndOneReceiptPerSigner() throws {
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir), bob = try CLI.fixtureKey("bob", in: dir)
        let (path, _) = try CLI.makeLedger(in: dir, keys: [alice, bob], fund: 10)
        try? FileManager.default.removeItem(atPath: alice.path + ".openings")
        let env = ["CROWDLEDGER_TIME": String(CLI.t0)]
        let script = """
        transfer --key \(alice.path) --to \(bob.account) --amount 1
        transfer --key \(alice.path) --to \(bob.account) --amount 100
        transfer --key \(alice.path) --to \(bob.account) --amount 2
        """
        let r = CLI.run(["batch", "--ledger", path, "--json", "--group-size", "2"], env: env, stdin: Array(script.utf8))
        #expect(r.status == 1 && r.lines.count == 3, "\(r)")
        #expect(r.lines[0].hasPrefix("{\"hash\":") && r.lines[0].contains("\"line\":2"), "\(r)")
        #expect(r.lines[1].hasPrefix("{\"error\":{\"code\":\"rejected\""), "\(r)")
        #expect(r.lines[2].contains("\"line\":3"), "\(r)")
        // One receipt for alice: the checkpoint after the batch (it covers both of her entries).
        let receipts = try FileManager.default.contentsOfDirectory(atPath: alice.path + ".openings/receipts")
        #expect(receipts.count == 1 && receipts[0].contains("-00000000000000000003-"), "\(receipts)")
        #expect(CLI.run(["verify", "--ledger", path]).status == 0)
    }
}
