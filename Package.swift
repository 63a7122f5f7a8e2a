// swift-tools-version:6.1
import PackageDescription

// The rooms, from the leaves up (docs/ARCHITECTURE.md says what each may import and where each
// rule lives). The contract is pure: it imports no module that opens files, spawns processes,
// reads a clock or locks.
// Every library module imports its dependencies `internal` unless it says `public import`, so
// each module's public surface shows exactly which other modules it exposes.
let strictImports: [SwiftSetting] = [.enableUpcomingFeature("InternalImportsByDefault")]

let package = Package(
    name: "crowdledger",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "crowdledger", targets: ["crowdledger"]),
        .library(name: "CrowdledgerKit", targets: [
            "CanonicalJSON", "LedgerCrypto", "Files", "LedgerModel", "LedgerStore", "Incentives", "Mechanism",
            "Programs", "ExternalPrograms", "Contract", "Transparency", "LedgerTree", "Audit", "Client", "Demo", "MergeDriver", "Report",
        ]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.0"),
        // File descriptors with typed errors (open/read/write/close); fsync and flock come from libc.
        .package(url: "https://github.com/apple/swift-system", from: "1.8.0"),
        // Spawning and waiting for processes (exec tasks, git). Without its default trait
        // SubprocessFoundation, so that Foundation (and ICU) stay out of the executable.
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2", traits: []),
        // Ed25519 verification only: BoringSSL's 64-bit field arithmetic checks a signature in
        // about 65 % of the time of OpenSSL 3.0's 32-bit one (docs/PERFORMANCE.md), and `verify`
        // is that check a million times over. OpenSSL keeps keys, signing and hashing.
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        // System libraries: OpenSSL's libcrypto (EVP) and zlib, found through pkg-config.
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

        // The value model of JSON: strict parser and RFC 8785 canonical encoder (integers only).
        .target(name: "CanonicalJSON", swiftSettings: strictImports),
        // SHA-256, Ed25519, secure randomness, hex, zlib: thin wrappers over the C libraries. No file I/O.
        .target(name: "LedgerCrypto", dependencies: [
            "COpenSSL", "CZlib", .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: strictImports),
        // Careful file I/O (regular files only, exclusive create, atomic replace) and PEM key files.
        .target(name: "Files", dependencies: [
            "LedgerCrypto", .product(name: "SystemPackage", package: "swift-system"),
        ], swiftSettings: strictImports),
        // The ledger's values: entries, transactions, the hash chain, findings. Pure.
        .target(name: "LedgerModel", dependencies: ["CanonicalJSON", "LedgerCrypto"], swiftSettings: strictImports),
        // The ledger on disk: create, lock, append, streaming read, blobs.
        .target(name: "LedgerStore", dependencies: [
            "CanonicalJSON", "LedgerCrypto", "LedgerModel", "Files",
            .product(name: "SystemPackage", package: "swift-system"),
        ], swiftSettings: strictImports),
        // The paper's incentive clauses as one pure function.
        .target(name: "Incentives", swiftSettings: strictImports),
        // The game-theory report over the clauses: Tables I and II, IEWDS, coalitions.
        .target(name: "Mechanism", dependencies: ["CanonicalJSON", "Incentives"], swiftSettings: strictImports),
        // Coins h(r || ctr), data sets, the built-in programs. Pure.
        .target(name: "Programs", dependencies: ["CanonicalJSON", "LedgerCrypto"], swiftSettings: strictImports),
        // Running an external program (exec tasks): spawning, timeouts, its environment.
        .target(name: "ExternalPrograms", dependencies: [
            "LedgerCrypto", "Files", "Programs",
            .product(name: "Subprocess", package: "swift-subprocess"),
            .product(name: "SystemPackage", package: "swift-system"),
        ], swiftSettings: strictImports),
        // The pure state machine: accounts, tasks, phases, typed transactions, settlement.
        .target(name: "Contract", dependencies: ["CanonicalJSON", "LedgerCrypto", "LedgerModel", "Incentives", "Programs"], swiftSettings: strictImports),
        // Replay (streaming, parallel signature checks) and its state cache; verify; recompute.
        .target(name: "Audit", dependencies: [
            "CanonicalJSON", "LedgerCrypto", "Files", "LedgerModel", "LedgerStore", "Contract", "Programs", .product(name: "SystemPackage", package: "swift-system"),
        ], swiftSettings: strictImports),
        // The parties' side: building, signing and appending transactions; secrets; openings.
        .target(name: "Client", dependencies: [
            "CanonicalJSON", "LedgerCrypto", "Files", "LedgerModel", "LedgerStore", "Contract", "Programs", "ExternalPrograms", "Audit", "LedgerTree", "Transparency",
        ], swiftSettings: strictImports),
        // What a person or a spreadsheet reads: the per-task report (text, JSON, CSV, HTML with
        // inline SVG) and the export of every money movement (hledger journal, CSV).
        .target(name: "Report", dependencies: ["CanonicalJSON", "LedgerModel", "Contract", "Programs", "Audit", "Client"], swiftSettings: strictImports),
        // The end-to-end demonstration on the bundled data.
        .target(name: "Demo", dependencies: [
            "CanonicalJSON", "LedgerCrypto", "Files", "LedgerModel", "LedgerStore", "Contract", "Programs", "Audit", "Client",
        ], swiftSettings: strictImports),
        // The git merge driver for ledgers appended in different clones.
        .target(name: "MergeDriver", dependencies: [
            "LedgerCrypto", "Files", "LedgerModel", "LedgerStore", "Contract", "Audit", "Client", "ExternalPrograms",
            .product(name: "SystemPackage", package: "swift-system"),
        ], swiftSettings: strictImports),
        // The ledger as a transparency log: RFC 6962 Merkle proofs, C2SP signed notes, checkpoints, cosignatures. Pure.
        .target(name: "Transparency", dependencies: ["LedgerCrypto"], swiftSettings: strictImports),
        // The ledger's lines as that log: the tree cache beside the ledger, heads, proofs,
        // checkpoints and receipts, and checking a ledger against checkpoints.
        .target(name: "LedgerTree", dependencies: [
            "CanonicalJSON", "LedgerCrypto", "Files", "LedgerModel", "LedgerStore", "Transparency", "Audit", "Contract",
            .product(name: "SystemPackage", package: "swift-system"),
        ], swiftSettings: strictImports),
        // The command-line layer (swift-argument-parser) over the library.
        .target(name: "CrowdledgerCommands", dependencies: [
            "CanonicalJSON", "LedgerCrypto", "Files", "LedgerModel", "LedgerStore", "Contract", "Programs",
            "ExternalPrograms", "Audit", "Incentives", "Mechanism", "Client", "Demo", "MergeDriver", "Transparency", "LedgerTree", "Report",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "SystemPackage", package: "swift-system"),
        ], swiftSettings: strictImports),
        // The executable is only an @main entry point.
        .executableTarget(name: "crowdledger", dependencies: ["CrowdledgerCommands"]),

        // Helpers shared by the test targets (repository root, temporary directories, seeded RNG).
        .target(name: "TestSupport", dependencies: ["CanonicalJSON", "LedgerCrypto", "LedgerModel", "Files", "Programs", "Client"], path: "Tests/TestSupport"),
        .testTarget(name: "CanonicalJSONTests", dependencies: ["CanonicalJSON", "TestSupport"]),
        .testTarget(name: "LedgerCryptoTests", dependencies: ["LedgerCrypto", "COpenSSL", "TestSupport"]),
        .testTarget(name: "FilesTests", dependencies: ["Files", "LedgerCrypto", "TestSupport"]),
        .testTarget(name: "LedgerModelTests", dependencies: ["LedgerModel", "LedgerCrypto", "CanonicalJSON", "TestSupport"]),
        .testTarget(name: "LedgerStoreTests", dependencies: ["LedgerStore", "LedgerModel", "LedgerCrypto", "Files", "CanonicalJSON", "TestSupport"]),
        .testTarget(name: "IncentivesTests", dependencies: ["Incentives", "TestSupport"]),
        .testTarget(name: "MechanismTests", dependencies: ["Mechanism", "Incentives"]),
        .testTarget(name: "ProgramsTests", dependencies: ["Programs", "LedgerCrypto", "Files", "CanonicalJSON", "TestSupport"]),
        .testTarget(name: "ExternalProgramsTests", dependencies: ["ExternalPrograms", "Programs", "LedgerCrypto", "Files", "TestSupport"]),
        .testTarget(name: "ContractTests", dependencies: ["Contract", "LedgerModel", "LedgerCrypto", "CanonicalJSON", "Incentives", "Programs"]),
        .testTarget(name: "AuditTests", dependencies: ["Audit", "Contract", "LedgerModel", "LedgerStore", "LedgerCrypto", "Files", "CanonicalJSON", "Programs", "Client", "TestSupport"]),
        .testTarget(name: "ClientTests", dependencies: ["Client", "Contract", "LedgerModel", "LedgerStore", "LedgerCrypto", "Files", "CanonicalJSON", "Incentives", "Mechanism", "Audit", "Programs", "TestSupport"]),
        .testTarget(name: "DemoTests", dependencies: ["Demo", "Client", "Audit", "LedgerCrypto", "Files", "TestSupport"]),
        .testTarget(name: "MergeDriverTests", dependencies: ["MergeDriver", "Client", "Audit", "Contract", "LedgerModel", "LedgerStore", "LedgerCrypto", "Files", "TestSupport"]),
        .testTarget(name: "CrowdledgerCommandsTests", dependencies: ["CrowdledgerCommands", "LedgerModel", "LedgerStore", "LedgerCrypto", "Files", "CanonicalJSON", "Contract", "Client", "Audit", "Programs", "Transparency", "LedgerTree", "TestSupport"]),
        .testTarget(name: "TransparencyTests", dependencies: ["Transparency", "LedgerCrypto", "TestSupport"]),
    ]
)
