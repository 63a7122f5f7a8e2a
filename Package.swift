// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "crowdledger",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "crowdledger", targets: ["crowdledger"]),
        .library(name: "CrowdledgerKit", targets: ["CanonicalJSON", "LedgerCrypto", "Ledger", "Incentives", "Contract", "Programs", "Audit", "Client"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.0"),
        // File descriptors with typed errors (open/read/write/close); fsync and flock come from libc.
        .package(url: "https://github.com/apple/swift-system", from: "1.8.0"),
    ],
    targets: [
        // System libraries: OpenSSL's libcrypto (EVP) and zlib, found through pkg-config.
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

        // The value model: strict parser and RFC 8785 canonical encoder (integers only).
        .target(name: "CanonicalJSON"),
        // SHA-256, Ed25519, secure randomness, PEM keys, zlib: thin wrappers over the C libraries.
        .target(name: "LedgerCrypto", dependencies: [
            "COpenSSL", "CZlib", .product(name: "SystemPackage", package: "swift-system"),
        ]),
        // Entries, the hash chain, signing, the file store (lock, append, streaming read), blobs.
        .target(name: "Ledger", dependencies: [
            "CanonicalJSON", "LedgerCrypto", .product(name: "SystemPackage", package: "swift-system"),
        ]),
        // The paper's incentive clauses as a pure function, and the game analysis (IEWDS) over them.
        .target(name: "Incentives"),
        // The pure state machine: accounts, tasks, phases, settlement through the clauses.
        .target(name: "Contract", dependencies: ["CanonicalJSON", "LedgerCrypto", "Ledger", "Incentives", "Programs"]),
        // Coins h(r || ctr), data sets, the built-in programs, external programs.
        .target(name: "Programs", dependencies: ["CanonicalJSON", "LedgerCrypto"]),
        // Replay and report, the mechanism analysis.
        .target(name: "Audit", dependencies: ["CanonicalJSON", "LedgerCrypto", "Ledger", "Contract", "Programs", "Incentives"]),
        // The parties' side: building, signing and appending transactions; workers' openings.
        .target(name: "Client", dependencies: ["CanonicalJSON", "LedgerCrypto", "Ledger", "Contract", "Programs", "Audit"]),
        // The ledger as a transparency log: RFC 6962 Merkle proofs, C2SP signed notes, checkpoints, cosignatures.
        .target(name: "Transparency", dependencies: ["LedgerCrypto"]),
        // The command-line layer (swift-argument-parser) over the library.
        .target(name: "CrowdledgerCommands", dependencies: [
            "CanonicalJSON", "LedgerCrypto", "Ledger", "Contract", "Programs", "Audit", "Incentives", "Client",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "SystemPackage", package: "swift-system"),
        ]),
        // The executable is only an @main entry point.
        .executableTarget(name: "crowdledger", dependencies: ["CrowdledgerCommands"]),

        .testTarget(name: "CanonicalJSONTests", dependencies: ["CanonicalJSON"]),
        .testTarget(name: "LedgerCryptoTests", dependencies: ["LedgerCrypto"]),
        .testTarget(name: "LedgerTests", dependencies: ["Ledger", "LedgerCrypto", "CanonicalJSON"]),
        .testTarget(name: "IncentivesTests", dependencies: ["Incentives"]),
        .testTarget(name: "ContractTests", dependencies: ["Contract", "Ledger", "LedgerCrypto", "CanonicalJSON", "Incentives", "Client", "Audit", "Programs"]),
        .testTarget(name: "ProgramsTests", dependencies: ["Programs", "LedgerCrypto", "CanonicalJSON"]),
        .testTarget(name: "AuditTests", dependencies: ["Audit", "Contract", "Ledger", "LedgerCrypto", "CanonicalJSON", "Programs", "Client"]),
        .testTarget(name: "TransparencyTests", dependencies: ["Transparency", "LedgerCrypto"]),
        .testTarget(name: "CrowdledgerCommandsTests", dependencies: ["CrowdledgerCommands", "Ledger", "LedgerCrypto", "CanonicalJSON", "Contract", "Client", "Audit"]),
    ]
)
