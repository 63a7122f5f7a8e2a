#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ExternalPrograms
import Client
import Contract
import Files
import LedgerCrypto
import LedgerModel

/// Running `git` (for `git-setup` and the merge driver's rebase check).
public enum Git {
    /// Runs git with `args` in `cwd` (or the current directory); its status and stdout.
    /// (Standard input /dev/null, standard error discarded; spawned through swift-subprocess.)
    public static func run(_ args: [String], cwd: String? = nil) -> (status: Int32, stdout: String) {
        let r = Spawn.git(args, cwd: cwd)
        return (r.status, String(decoding: r.stdout, as: UTF8.self))
    }

    public static func value(_ args: [String], cwd: String? = nil) -> String? {
        let r = run(args, cwd: cwd)
        guard r.status == 0 else { return nil }
        let v = r.stdout.hasSuffix("\n") ? String(r.stdout.dropLast()) : r.stdout
        return v.isEmpty ? nil : v
    }

    /// During a rebase git replays our commits onto upstream, so its "ours" (%A) is upstream.
    /// A rebase is in progress when the repository has `rebase-merge/`, or `rebase-apply/`
    /// without `rebase-apply/applying` (which marks `git am`).
    public static func rebaseInProgress() -> Bool {
        if let merge = value(["rev-parse", "--git-path", "rebase-merge"]), FileIO.isDirectory(merge) { return true }
        if let apply = value(["rev-parse", "--git-path", "rebase-apply"]), FileIO.isDirectory(apply),
           !FileIO.exists(apply + "/applying") { return true }
        return false
    }
}

/// `git-setup`: the `.gitattributes` line, the merge driver in the clone's git config, and the
/// clone's nonce lane (never committed). Idempotent.
public enum GitSetupRun {
    public struct Result: Sendable {
        public let attributesLine: String
        public let attributesAdded: Bool
        public let driver: String
        public let lane: Int64
        public let laneCreated: Bool
        public let lanePath: String
    }

    static func shellQuote(_ s: String) -> String { "'" + s.replacing("'", with: "'\\''") + "'" }

    /// `line` without leading and trailing blanks (tab and the Unicode space separators, as
    /// Foundation's `CharacterSet.whitespaces`).
    static func trimmingBlanks(_ line: Substring) -> String {
        let blank: (Unicode.Scalar) -> Bool = { $0 == "\t" || $0.properties.generalCategory == .spaceSeparator }
        let scalars = line.unicodeScalars
        guard let first = scalars.firstIndex(where: { !blank($0) }), let last = scalars.lastIndex(where: { !blank($0) }) else { return "" }
        return String(scalars[first...last])
    }

    public static func run(ledger ledgerPath: String, binary: String?) throws -> Result {
        let dir = FileIO.directoryName(ledgerPath)
        guard FileIO.isDirectory(dir) else { throw Diagnostic.usage("\(dir): no such directory (the ledger's directory must exist)") }
        guard let top = Git.value(["rev-parse", "--show-toplevel"], cwd: dir) else {
            throw Diagnostic.usage("\(dir): not in a git work tree (run `git init` or `git clone` first)")
        }
        // The ledger's path inside the work tree.
        let absDir = URL(fileURLWithPath: dir).standardizedFileURL.resolvingSymlinksInPath().path
        let realTop = URL(fileURLWithPath: top).standardizedFileURL.resolvingSymlinksInPath().path
        let file = ledgerPath.split(separator: "/").last.map(String.init) ?? ledgerPath
        let relDir = absDir == realTop ? "" : (absDir.hasPrefix(realTop + "/") ? String(absDir.dropFirst(realTop.count + 1)) + "/" : "")
        guard absDir == realTop || absDir.hasPrefix(realTop + "/") else {
            throw Diagnostic.usage("\(ledgerPath): cannot tell its path inside the work tree \(top)")
        }
        let pattern = "/" + relDir + file
        guard !pattern.contains(where: { $0 == " " || $0 == "\t" || $0 == "\"" || $0 == "\\" || $0 == "\n" }) else {
            throw Diagnostic.usage("\(ledgerPath): a path with spaces, quotes or backslashes cannot be named in .gitattributes by git-setup; add the line by hand (docs/WORKFLOW.md)")
        }

        // 1. .gitattributes
        let attrLine = "\(pattern) merge=crowdledger"
        let attrs = top + "/.gitattributes"
        var existing: [UInt8] = []
        if FileIO.exists(attrs) { existing = try FileIO.readAll(attrs, limit: 1 << 20) }
        let lines = String(decoding: existing, as: UTF8.self).split(separator: "\n").map { trimmingBlanks($0) }
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
        let driver = "\(shellQuote(exe ?? "crowdledger")) merge-driver %O %A %B --path %P"
        for (key, value) in [("merge.crowdledger.name", "crowdledger ledger merge"), ("merge.crowdledger.driver", driver)] {
            guard Git.run(["config", "--local", key, value], cwd: top).status == 0 else {
                throw Diagnostic.usage("\(top): git config \(key) failed")
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
        return Result(attributesLine: attrLine, attributesAdded: attrAdded, driver: driver, lane: lane, laneCreated: created,
                      lanePath: NonceLane.path(forLedger: ledgerPath))
    }
}
