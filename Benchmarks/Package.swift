// swift-tools-version:6.1
// Benchmarks, kept out of the main package so they never slow its build or CI.
// Run: cd Benchmarks && swift run -c release ledger-bench [ENTRIES]
import PackageDescription

let package = Package(
    name: "crowdledger-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "..")],
    targets: [
        .executableTarget(name: "ledger-bench", dependencies: [.product(name: "CrowdledgerKit", package: "main")]),
    ]
)
