// swift-tools-version:6.1
// libFuzzer targets, kept out of the main package so they never slow its build.
// Build and run: see docs/RELIABILITY.md ("Fuzzing") or scripts/fuzz.
import Foundation
import PackageDescription

// A package at a path is identified by its folder's name: find it, so this builds whatever
// folder the repository was cloned into.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent.lowercased()
let kit: Target.Dependency = .product(name: "CrowdledgerKit", package: root)
// libFuzzer supplies `main`: the targets are libraries in Swift's eyes.
let fuzz: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

let package = Package(
    name: "crowdledger-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "..")],
    targets: [
        .target(name: "FuzzFixtures", dependencies: [kit]),
        .executableTarget(name: "fuzz-json", dependencies: [kit, "FuzzFixtures"], swiftSettings: fuzz),
        .executableTarget(name: "fuzz-entry", dependencies: [kit, "FuzzFixtures"], swiftSettings: fuzz),
        .executableTarget(name: "fuzz-merge", dependencies: [kit, "FuzzFixtures"], swiftSettings: fuzz),
    ]
)
