// README.md's "A session in the shell" works when pasted into `bash -e` in an empty directory,
// with `crowdledger` on the PATH (the README says how to put it there), and ends with `verify`
// passing. The block is the ```sh block after the section's `<!-- tested … -->` marker.

import Foundation
import Testing

@Suite("README: the shell session runs as written") struct ReadmeTests {
    static func sessionBlock() throws -> (script: String, expects: [String]) {
        let text = try String(contentsOfFile: CLI.packageRoot.appendingPathComponent("README.md").path, encoding: .utf8)
        let section = try #require(text.range(of: "## A session in the shell")).upperBound
        let rest = text[section...]
        let marker = try #require(rest.range(of: "<!-- tested"))
        let markerLine = rest[marker.lowerBound...].prefix { $0 != "\n" }
        let open = try #require(rest.range(of: "```sh\n", range: marker.upperBound..<rest.endIndex))
        let close = try #require(rest.range(of: "\n```\n", range: open.upperBound..<rest.endIndex))
        let expects = markerLine.components(separatedBy: "expect=\"").dropFirst().compactMap { $0.split(separator: "\"").first.map(String.init) }
        return (String(rest[open.upperBound..<close.lowerBound]) + "\n", expects)
    }

    @Test func theSessionRunsInAnEmptyDirectoryUnderBashE() throws {
        let (script, expects) = try Self.sessionBlock()
        #expect(!expects.isEmpty && script.contains("crowdledger verify") && !script.contains(".build/debug"))
        let dir = try TempDir()
        let work = dir.path("empty")
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: false)
        let file = try dir.write("session.sh", script)
        // Exactly as a reader would: bash -e, the tool on the PATH, nothing else set.
        let r = CLI.start(["-e", file], env: ["PATH": Guide.binDir + ":/usr/bin:/bin"], cwd: work, executable: "/bin/bash").wait()
        #expect(r.status == 0, "\(r)")
        for e in expects { #expect(r.stdout.contains(e), "expected \(e) in \(r)") }
        #expect(r.lines.last?.hasPrefix("ok: ") == true, "verify is the last line: \(r)")
        #expect(FileManager.default.fileExists(atPath: work + "/report.html"))
        // The README's word that the tool is found through PATH, not a relative path.
        let readme = try String(contentsOfFile: CLI.packageRoot.appendingPathComponent("README.md").path, encoding: .utf8)
        #expect(readme.contains("export PATH=$PWD/.build/debug:$PATH"))
    }
}
