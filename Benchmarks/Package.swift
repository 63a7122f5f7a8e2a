// swift-tools-version:6.1
// Benchmarks, kept out of the main package so they never slow its build or CI.
// Run: cd Benchmarks && swift run -c release ledger-bench [ENTRIES]
import Foundation
import PackageDescription

// A package at a path is identified by its folder's name: find it, so the benchmarks build
// whatever folder the repository was cloned into.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent.lowercased()

let package = Package(
    name: "crowdledger-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "..")],
    targets: [
        // OpenSSL's libcrypto, to time its Ed25519 verification beside the one crowdledger uses.
        .systemLibrary(name: "CBenchLibcrypto", pkgConfig: "libcrypto"),
        .executableTarget(name: "ledger-bench", dependencies: [.product(name: "CrowdledgerKit", package: root), "CBenchLibcrypto"]),
    ]
)
