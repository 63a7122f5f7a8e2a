import Foundation
import Testing

/// Two git clones append to the same ledger; `git pull` merges them through the tool's merge
/// driver without rewriting what upstream already has.
@Suite struct MergeDriverTests {
    @Test func gitPullMergesConcurrentAppends() throws {
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir), bob = try CLI.fixtureKey("bob", in: dir)
        let script = """
        B="\(CLI.binary)"
        git() { command git -c user.name=test -c user.email=test@example.invalid -c init.defaultBranch=main -c advice.detachedHead=false "$@"; }
        export CROWDLEDGER_TIME=1700000000
        git init -q work && cd work
        mkdir ledger
        "$B" init --ledger ledger/ledger.jsonl --fund \(alice.account)=100 --fund \(bob.account)=100 >/dev/null
        echo '*.jsonl merge=crowdledger' > .gitattributes
        git add -A && git commit -qm base
        cd .. && git clone -q --bare work origin.git
        for c in a b; do
          git clone -q origin.git $c
          git -C $c config merge.crowdledger.name "crowdledger ledger merge"
          git -C $c config merge.crowdledger.driver "$B merge-driver %O %A %B --path %P"
        done
        # Clone a: alice pays bob; pushed first (upstream).
        (cd a && CROWDLEDGER_TIME=1700000010 "$B" transfer --ledger ledger/ledger.jsonl --key \(alice.path) --to \(bob.account) --amount 7 >/dev/null \\
          && git commit -qam "alice pays" && git push -q origin main)
        # Clone b: bob pays alice, concurrently; then pulls.
        cd b
        CROWDLEDGER_TIME=1700000005 "$B" transfer --ledger ledger/ledger.jsonl --key \(bob.path) --to \(alice.account) --amount 3 >/dev/null
        CROWDLEDGER_TIME=1700000006 "$B" transfer --ledger ledger/ledger.jsonl --key \(bob.path) --to \(alice.account) --amount 2 >/dev/null
        git commit -qam "bob pays"
        git pull -q --no-rebase origin main
        "$B" verify --ledger ledger/ledger.jsonl >/dev/null
        "$B" balances --json --ledger ledger/ledger.jsonl
        # Upstream's lines are unchanged: a's file is a prefix of the merged one.
        cmp -n "$(wc -c < ../a/ledger/ledger.jsonl)" ../a/ledger/ledger.jsonl ledger/ledger.jsonl
        wc -l < ledger/ledger.jsonl
        git push -q origin main
        """
        let r = CLI.bash(script, cwd: dir.path("."))
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout.contains("\"\(alice.account)\":98") && r.stdout.contains("\"\(bob.account)\":102"), "\(r.stdout)")
        #expect(r.lines.last == "4")
    }

    @Test func aConflictLeavesOursAloneAndFails() throws {
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir), bob = try CLI.fixtureKey("bob", in: dir)
        let env = ["CROWDLEDGER_TIME": "1700000000"]
        let base = dir.path("base.jsonl")
        #expect(CLI.run(["init", "--ledger", base, "--fund", "\(alice.account)=100"], env: env).status == 0)
        let ours = dir.path("ours.jsonl"), theirs = dir.path("theirs.jsonl")
        try FileManager.default.copyItem(atPath: base, toPath: ours)
        try FileManager.default.copyItem(atPath: base, toPath: theirs)
        // Alice acts in both clones: the same nonce twice.
        #expect(CLI.run(["transfer", "--ledger", ours, "--key", alice.path, "--to", bob.account, "--amount", "1"], env: env).status == 0)
        #expect(CLI.run(["transfer", "--ledger", theirs, "--key", alice.path, "--to", bob.account, "--amount", "2"], env: env).status == 0)
        let before = CLI.read(ours)
        let r = CLI.run(["merge-driver", base, ours, theirs, "--path", "ledger.jsonl"])
        #expect(r.status == 1 && r.stderr.contains("merge conflict") && r.stderr.contains("nonce"), "\(r)")
        #expect(CLI.read(ours) == before)
    }
}
