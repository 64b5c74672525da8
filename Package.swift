// swift-tools-version: 6.1
// unwindcheck: static unwind validator for kernel-style ELF objects (x86-64, arm64).
//
// Module graph (dependencies point one way only; Scripts/check-deps.sh enforces it):
//
//   CLibDW                   libdw (elfutils) headers and C shims, for DwarfCFI; libdw loaded lazily
//   ELFObject                ELF read model over a file mapping or bytes (our own parser); every change to an
//                            object as an ObjectEdits list applied by ObjectEditor -> ELFWriter (atomic)
//   UnwindModel              pure vocabulary: InstructionKind, StackOp, DecodedText columns, CFI states,
//                            findings as data (CodeLocation, severity, trace) and their one text renderer,
//                            ArchitectureDescription + RegisterVocabulary (arch as data), kernel versions
//                            and objtool's noreturn list
//   WorkPool                 numbered work on POSIX threads (parallel for, ordered results)
//   DecodeX86                pure: bytes -> X86Instruction (length, prefixes, ModRM, ...)
//   ArchX86                  objtool's view of x86: kinds and stack ops per instruction, its registers,
//                            hint registers, thunks, alternative layout: its ArchitectureDescription
//   ArchARM64                the same for arm64 (decoder, switch-table patterns, its own noreturns)
//   Analysis                 functions, branch resolution (explicit passes), the CFI walk, typed indices;
//                            knows no architecture but through the description
//   ORC                      ORC entry formats (6.1, 6.12, arm64's), orc dump and generation (register
//                            slots handed in by the arch support)
//   DwarfCFI                 DWARF CFI rows and line tables via libdw; the comparison rules
//   UnwindDriver             pipeline orchestration, options, diagnostics rendering; Architectures.swift
//                            is the one place that picks the architecture (x86-64, arm64) for an object
//   unwindcheck              executable: argument parsing only (its own table-driven parser)
//   UnwindTestSupport        test helpers (paths, oracle processes, in-memory objects); tests only
import PackageDescription
import Foundation

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
  targets: [
    // libdw's headers (libdw-dev) at build time; libdw.so.1 loaded on first use (lazy.c).
    .target(name: "CLibDW"),
    .target(name: "ELFObject", swiftSettings: swiftSettings),
    .target(name: "UnwindModel", swiftSettings: swiftSettings),
    .target(name: "WorkPool", swiftSettings: swiftSettings),
    .target(name: "DecodeX86", swiftSettings: swiftSettings),
    .target(name: "ArchX86", dependencies: ["DecodeX86", "UnwindModel"], swiftSettings: swiftSettings),
    .target(name: "ArchARM64", dependencies: ["UnwindModel"], swiftSettings: swiftSettings),
    .target(name: "Analysis", dependencies: ["ELFObject", "UnwindModel", "WorkPool"], swiftSettings: swiftSettings),
    .target(name: "ORC", dependencies: ["ELFObject", "UnwindModel", "WorkPool"], swiftSettings: swiftSettings),
    .target(name: "SFrame", dependencies: ["ELFObject"], swiftSettings: swiftSettings),
    .target(name: "DwarfCFI", dependencies: ["CLibDW", "ELFObject", "UnwindModel"], swiftSettings: swiftSettings),
    .target(name: "UnwindDriver", dependencies: ["ELFObject", "UnwindModel", "WorkPool", "ArchX86", "DecodeX86", "ArchARM64", "Analysis", "ORC", "SFrame", "DwarfCFI"],
            swiftSettings: swiftSettings),
    .executableTarget(
      name: "unwindcheck",
      dependencies: [
        "UnwindDriver", "UnwindModel", "ORC",
      ],
      swiftSettings: swiftSettings),
    .executableTarget(name: "unwindcheck-bench", dependencies: ["ELFObject", "DecodeX86", "ArchX86", "UnwindModel"],
                      swiftSettings: swiftSettings),
    .target(name: "UnwindTestSupport", dependencies: ["ELFObject"], swiftSettings: swiftSettings),
    .testTarget(name: "ELFObjectTests", dependencies: ["ELFObject", "CLibDW", "UnwindDriver", "UnwindTestSupport"],
                swiftSettings: swiftSettings),
    .testTarget(name: "DecodeX86Tests", dependencies: ["DecodeX86", "ArchX86", "UnwindModel", "ELFObject", "UnwindTestSupport"],
                exclude: ["Data"], swiftSettings: swiftSettings),
    .testTarget(name: "AnalysisTests", dependencies: ["UnwindDriver", "ELFObject", "UnwindModel", "ArchX86", "Analysis", "ORC", "UnwindTestSupport"],
                swiftSettings: swiftSettings),
    .testTarget(name: "DwarfCFITests", dependencies: ["DwarfCFI", "UnwindModel", "ArchX86"], swiftSettings: swiftSettings),
    .testTarget(name: "ORCTests", dependencies: ["ORC", "SFrame", "ELFObject", "UnwindModel", "UnwindTestSupport"],
                swiftSettings: swiftSettings),
    .testTarget(name: "CLITests", dependencies: ["UnwindDriver", "unwindcheck", "UnwindTestSupport", "ELFObject", "ORC", "UnwindModel",
                                                 "ArchARM64", "DecodeX86"],
                swiftSettings: swiftSettings),
  ]
)

// libFuzzer harnesses: only with UNWINDCHECK_FUZZ=1 (Scripts/fuzz.sh builds them with
// -sanitize=fuzzer,address; libFuzzer supplies main, so a plain build could not link them).
if ProcessInfo.processInfo.environment["UNWINDCHECK_FUZZ"] == "1" {
  package.targets.append(.executableTarget(
    name: "unwindcheck-fuzz", dependencies: ["ELFObject", "DecodeX86", "ArchX86", "ArchARM64", "UnwindModel", "UnwindDriver", "SFrame"],
    path: "Sources/Fuzz", swiftSettings: swiftSettings + [.unsafeFlags(["-parse-as-library"])]))
  package.products.append(.executable(name: "unwindcheck-fuzz", targets: ["unwindcheck-fuzz"]))
}
