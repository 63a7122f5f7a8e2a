import ArgumentParser
import Client
import Contract
import Files
import Foundation
import LedgerCrypto

/// Running `git` (for `git-setup` and the merge driver's rebase check).
enum Git {
    /// Runs git with `args` in `cwd` (or the current directory); its status and stdout.
    static func run(_ args: [String], cwd: String? = nil) -> (status: Int32, stdout: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git"] + args
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle(forWritingAtPath: "/dev/null")
        p.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        do { try p.run() } catch { return (127, "") }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func value(_ args: [String], cwd: String? = nil) -> String? {
        let r = run(args, cwd: cwd)
        guard r.status == 0 else { return nil }
        let v = r.stdout.hasSuffix("\n") ? String(r.stdout.dropLast()) : r.stdout
        return v.isEmpty ? nil : v
    }

    /// During a rebase git replays our commits onto upstream, so its "ours" (%A) is upstream.
    /// A rebase is in progress when the repository has `rebase-merge/`, or `rebase-apply/`
    /// without `rebase-apply/applying` (which marks `git am`).
    static func rebaseInProgress() -> Bool {
        if let merge = value(["rev-parse", "--git-path", "rebase-merge"]), FileIO.isDirectory(merge) { return true }
        if let apply = value(["rev-parse", "--git-path", "rebase-apply"]), FileIO.isDirectory(apply),
           !FileIO.exists(apply + "/applying") { return true }
        return false
    }
}

struct GitSetup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "git-setup",
        abstract: "Set up this git clone for the ledger: the merge driver, its .gitattributes line, and this clone's nonce lane.",
        discussion: """
        Idempotent. In the git work tree holding the ledger it:
          - adds `/PATH merge=crowdledger` (PATH: the ledger's path in the work tree) to the \
        top-level .gitattributes unless a line says so already (commit that file);
          - sets merge.crowdledger.name and merge.crowdledger.driver \
        ("'BINARY' merge-driver %O %A %B --path %P") in the clone's git config;
          - writes the clone's nonce lane, a random number from 1 to 8388607, to .NAME.lane \
        beside the ledger unless it is there (FORMAT.md 8.4), and lists `.*.lane` in the \
        clone's .git/info/exclude (the lane must never be committed).
        Exit 0 done; 2 not in a git work tree, or git or a file could not be written.
        Examples:
          crowdledger git-setup
          crowdledger git-setup --ledger ledger/ledger.jsonl --binary /usr/local/bin/crowdledger
        """)

    @OptionGroup var ledger: LedgerOptions
    @Option(name: .long, help: ArgumentHelp("The crowdledger the driver runs (default: this executable's absolute path).", valueName: "PATH"))
    var binary: String?

    static func shellQuote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    func run() throws {
        let ledgerPath = ledger.path
        let dir = FileIO.directoryName(ledgerPath)
        guard FileIO.isDirectory(dir) else { throw ToolError.usage("\(dir): no such directory (the ledger's directory must exist)") }
        guard let top = Git.value(["rev-parse", "--show-toplevel"], cwd: dir) else {
            throw ToolError.usage("\(dir): not in a git work tree (run `git init` or `git clone` first)")
        }
        // The ledger's path inside the work tree.
        let absDir = URL(fileURLWithPath: dir).standardizedFileURL.resolvingSymlinksInPath().path
        let realTop = URL(fileURLWithPath: top).standardizedFileURL.resolvingSymlinksInPath().path
        let file = ledgerPath.split(separator: "/").last.map(String.init) ?? ledgerPath
        let relDir = absDir == realTop ? "" : (absDir.hasPrefix(realTop + "/") ? String(absDir.dropFirst(realTop.count + 1)) + "/" : "")
        guard absDir == realTop || absDir.hasPrefix(realTop + "/") else {
            throw ToolError.usage("\(ledgerPath): cannot tell its path inside the work tree \(top)")
        }
        let pattern = "/" + relDir + file
        guard !pattern.contains(where: { $0 == " " || $0 == "\t" || $0 == "\"" || $0 == "\\" || $0 == "\n" }) else {
            throw ToolError.usage("\(ledgerPath): a path with spaces, quotes or backslashes cannot be named in .gitattributes by git-setup; add the line by hand (docs/WORKFLOW.md)")
        }

        // 1. .gitattributes
        let attrLine = "\(pattern) merge=crowdledger"
        let attrs = top + "/.gitattributes"
        var existing: [UInt8] = []
        if FileIO.exists(attrs) { existing = try FileIO.readAll(attrs, limit: 1 << 20) }
        let lines = String(decoding: existing, as: UTF8.self).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let attrAdded = !lines.contains(attrLine)
        if attrAdded {
            var bytes = existing
            if !bytes.isEmpty && bytes.last != 0x0a { bytes.append(0x0a) }
            bytes += Array((attrLine + "\n").utf8)
            try FileIO.replaceAtomically(attrs, contents: bytes, mode: 0o644)
        }

        // 2. git config
        var exe = binary
        if exe == nil, let p = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { exe = p }
        let driver = "\(Self.shellQuote(exe ?? "crowdledger")) merge-driver %O %A %B --path %P"
        for (key, value) in [("merge.crowdledger.name", "crowdledger ledger merge"), ("merge.crowdledger.driver", driver)] {
            guard Git.run(["config", "--local", key, value], cwd: top).status == 0 else {
                throw ToolError.usage("\(top): git config \(key) failed")
            }
        }

        // 3. The clone's nonce lane, never committed.
        if let exclude = Git.value(["rev-parse", "--git-path", "info/exclude"], cwd: top) {
            let path = exclude.hasPrefix("/") ? exclude : top + "/" + exclude
            var bytes: [UInt8] = FileIO.exists(path) ? try FileIO.readAll(path, limit: 1 << 20) : []
            if !String(decoding: bytes, as: UTF8.self).split(separator: "\n").contains(".*.lane") {
                try FileIO.makeDirectories(FileIO.directoryName(path))
                if !bytes.isEmpty && bytes.last != 0x0a { bytes.append(0x0a) }
                bytes += Array("# crowdledger: this clone's nonce lane (crowdledger git-setup)\n.*.lane\n".utf8)
                try FileIO.replaceAtomically(path, contents: bytes, mode: 0o644)
            }
        }
        let (lane, created) = try NonceLane.ensure(ledger: ledgerPath) {
            while true {
                let b = try SecureRandom.bytes(4)
                let v = (Int64(b[0]) << 24 | Int64(b[1]) << 16 | Int64(b[2]) << 8 | Int64(b[3])) & Nonce.maxLane
                if v != 0 { return v }
            }
        }
        Output.line(".gitattributes: \(attrLine) (\(attrAdded ? "added; commit it" : "already there"))")
        Output.line("git config merge.crowdledger.driver: \(driver)")
        Output.line("nonce lane: \(lane) (\(created ? "drawn now" : "kept")) in \(NonceLane.path(forLedger: ledgerPath))")
    }
}
