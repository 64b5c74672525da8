// swift-tools-version: 6.1
// unwindcheck: static unwind validator for kernel-style ELF objects (x86-64, arm64).
//
// Module graph (dependencies point one way only; Scripts/check-deps.sh enforces it):
//
//   CLibElf, CLibDW          system libraries (pkg-config), C shims for macros
//   ELFObject                ELF read model over libelf; LibElf.swift is the only C caller
//   UnwindDriver             pipeline orchestration, options, diagnostics rendering
//   unwindcheck              executable: argument parsing only
//   UnwindTestSupport        test helpers (paths, oracle processes); tests only
import PackageDescription

let swiftSettings: [SwiftSetting] = [
  .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
  name: "unwindcheck",
  products: [
    .executable(name: "unwindcheck", targets: ["unwindcheck"]),
    .library(name: "ELFObject", targets: ["ELFObject"]),
    .library(name: "UnwindDriver", targets: ["UnwindDriver"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
  ],
  targets: [
    .systemLibrary(name: "CLibElf", pkgConfig: "libelf",
                   providers: [.apt(["libelf-dev"])]),
    .systemLibrary(name: "CLibDW", pkgConfig: "libdw",
                   providers: [.apt(["libdw-dev"])]),
    .target(name: "ELFObject", dependencies: ["CLibElf"], swiftSettings: swiftSettings),
    .target(name: "UnwindDriver", dependencies: ["ELFObject"], swiftSettings: swiftSettings),
    .executableTarget(
      name: "unwindcheck",
      dependencies: [
        "UnwindDriver",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      swiftSettings: swiftSettings),
    .target(name: "UnwindTestSupport", dependencies: ["ELFObject"], swiftSettings: swiftSettings),
    .testTarget(name: "ELFObjectTests", dependencies: ["ELFObject", "CLibDW", "UnwindTestSupport"],
                swiftSettings: swiftSettings),
    .testTarget(name: "CLITests", dependencies: ["UnwindDriver", "unwindcheck", "UnwindTestSupport"],
                swiftSettings: swiftSettings),
  ]
)
