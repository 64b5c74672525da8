// arm64 against its oracles: LLVM's disassembler (the Swift toolchain's llvm-objdump)
// for classes and branch targets, the EXPECT markers of hand-written cases, the
// compilers' DWARF CFI for compiled code (switch tables included), and readelf for the
// ORC-like table's relocations.
import Foundation
import Testing
import UnwindTestSupport

@Suite(.enabled(if: TestSupport.unwindcheckBinary != nil, "needs the built unwindcheck executable"))
struct ARM64Tests {
  var binary: String { TestSupport.unwindcheckBinary! }

  static var llvmObjdump: String? {
    let swift = (try? TestSupport.run("which", ["swift"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? ""
    guard !swift.isEmpty else { return nil }
    let dir = URL(fileURLWithPath: swift).resolvingSymlinksInPath().deletingLastPathComponent()
    let path = dir.appendingPathComponent("llvm-objdump").path
    return FileManager.default.isExecutableFile(atPath: path) ? path : nil
  }

  /// The Swift toolchain's clang (always there where swift is).
  static var toolchainClang: String? {
    llvmObjdump.map { URL(fileURLWithPath: $0).deletingLastPathComponent().appendingPathComponent("clang").path }
      .flatMap { FileManager.default.isExecutableFile(atPath: $0) ? $0 : nil }
  }

  static let objects = ["TestObjects/arm64/frames.o", "TestObjects/arm64/alternatives.o", "TestObjects/arm64/cfi/rules.o",
                        "TestObjects/arm64/cfi/calleesaved.o", "TestObjects/arm64/cfi/jumptables.o",
                        "TestObjects/arm64/cfi/epilogues.o", "TestObjects/arm64/kernel/tramp.o",
                        "TestObjects/arm64/kernel/hyp.o",
                        "TestObjects/bigendian/frames.o", "TestObjects/compiled/list_sort.clang-arm64.o",
                        "TestObjects/compiled/switch.gcc-arm64.o", "TestObjects/compiled/switch.clang-arm64.o"]

  /// Every instruction boundary, class and direct-branch target equals LLVM's.
  @Test(.enabled(if: ARM64Tests.llvmObjdump != nil && TestSupport.hasTool("python3") && TestSupport.hasTool("readelf")))
  func decodeEqualsLLVM() throws {
    let list = try TestSupport.temporaryDirectory("a64list").appendingPathComponent("list")
    try Self.objects.map(TestSupport.absolute).joined(separator: "\n").write(to: list, atomically: true, encoding: .utf8)
    let r = try TestSupport.run("python3", [TestSupport.absolute("Scripts/difftest-arm64-decode.py"), binary,
                                            Self.llvmObjdump!, list.path, "1"])
    #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    let m = try #require(r.stdout.firstMatch(of: /(\d+) llvm instructions, (\d+) ours, 0 boundary differences, 0 class differences, 0 target differences, 0 unknown in code/))
    #expect(m.1 == m.2)
    #expect((Int(m.1) ?? 0) >= 200)
  }

  /// The KPTI trampoline vector entry (entry.S `tramp_ventry`): its `bl 2f` to a local
  /// label is a jump that overwrites x30 (arm64 has no annotation and needs none), its
  /// relocated `ldr x30, <literal in .entry.tramp.rodata>` names no literal pool here,
  /// so the PRFM after it is an instruction and its alternative resolves; code outside
  /// functions is no walk's on arm64 (no unwind hints) and is not reported unreachable.
  /// (The boundaries are LLVM's: `decodeEqualsLLVM`.)
  @Test func kptiTrampolineIsModelled() throws {
    let obj = TestSupport.absolute("TestObjects/arm64/kernel/tramp.o")
    let r = try TestSupport.run(binary, ["check", "--link", "--verbose", obj])
    #expect(r.status == 0 && r.stderr.isEmpty, "\(r.stderr)")
    let sites = try TestSupport.run(binary, ["alternatives", obj])
    #expect(sites.stdout.contains(".entry.tramp.text+0x43c"), "\(sites.stdout)")
    #expect(!sites.stdout.contains("UNRESOLVED"), "\(sites.stdout)")
  }

  /// KVM nVHE code in vmlinux.o: its callback is `__kvm_nvhe_alt_cb_patch_nops` (every
  /// hyp symbol is prefixed; the alias to alt_cb_patch_nops exists only after the final
  /// link), still a NOP callback: both the original branch and the NOP stream are
  /// walked, so the call the branch skips is reached; the in-section replacement merges.
  @Test func kvmHypCallbackSitesAreWalkedWithTheirNOPStream() throws {
    let obj = TestSupport.absolute("TestObjects/arm64/kernel/hyp.o")
    let r = try TestSupport.run(binary, ["check", "--link", obj])
    #expect(r.status == 0 && r.stderr.isEmpty, "\(r.stderr)")
    let sites = try TestSupport.run(binary, ["alternatives", obj])
    #expect(sites.stdout.contains("entries: 2 (1 callbacks, 1 with replacement code, 1 of them in the original's own section), 0 unresolved"),
            "\(sites.stdout)")
    #expect(sites.stdout.contains("sites: 2 (2 with 2+ streams), conflicts: 0"), "\(sites.stdout)")
  }

  /// The hand-written cases: exactly the findings the EXPECT markers name, at their lines.
  @Test func rulesMatchTheirMarkers() throws {
    let expected = try TestSupport.markedFindings("TestObjects/arm64/cfi/rules.S")
    #expect(expected.count == 4)
    let r = try TestSupport.run(binary, ["check", "--lines", TestSupport.absolute("TestObjects/arm64/cfi/rules.o")])
    var found: Set<String> = []
    for line in r.stderr.split(separator: "\n") { found.insert(try #require(TestSupport.locatedFinding(line), "\(line)")) }
    #expect(found == expected)
  }

  /// `--callee-saved` tracks x19-x28: the forgotten restore is found with the option
  /// (EXPECT-CS marker) and nothing is reported without it.
  @Test func calleeSavedTrackingIsOptIn() throws {
    let obj = TestSupport.absolute("TestObjects/arm64/cfi/calleesaved.o")
    let expected = try TestSupport.markedFindings("TestObjects/arm64/cfi/calleesaved.S", marker: "EXPECT-CS")
    #expect(expected.count == 1)
    #expect(try TestSupport.run(binary, ["check", obj]).stderr.isEmpty)
    let r = try TestSupport.run(binary, ["check", "--lines", "--callee-saved", obj])
    var found: Set<String> = []
    for line in r.stderr.split(separator: "\n") { found.insert(try #require(TestSupport.locatedFinding(line), "\(line)")) }
    #expect(found == expected)
  }

  /// `--stackval` on arm64: a call needs x29 to point at the frame record wherever the
  /// prologue put it (EXPECT-FP markers: only the wrong ones are findings); without the
  /// option nothing is reported.
  @Test func frameRecordsAnywhereInTheFrame() throws {
    let obj = TestSupport.absolute("TestObjects/arm64/cfi/framerecords.o")
    let expected = try TestSupport.markedFindings("TestObjects/arm64/cfi/framerecords.S", marker: "EXPECT-FP")
    #expect(expected.count == 3)
    #expect(try TestSupport.run(binary, ["check", obj]).stderr.isEmpty)
    let r = try TestSupport.run(binary, ["check", "--lines", "--stackval", obj])
    var found: Set<String> = []
    for line in r.stderr.split(separator: "\n") { found.insert(try #require(TestSupport.locatedFinding(line), "\(line)")) }
    #expect(found == expected)
  }

  /// Epilogues that free the frame without reloading x30 (perlasm sha256's `ldr x29,
  /// [x29]; add sp, sp, #N; ret`): clean while x30 was not overwritten since its save,
  /// and the walk agrees with the functions' hand-written CFI at every instruction; a
  /// call or a scratch use of x30 before the free, or x29 left pointing into the freed
  /// frame, is a return with a modified frame (EXPECT markers).
  @Test func framesFreedWithTheReturnAddressStillInX30() throws {
    let obj = TestSupport.absolute("TestObjects/arm64/cfi/epilogues.o")
    let expected = try TestSupport.markedFindings("TestObjects/arm64/cfi/epilogues.S")
    #expect(expected.count == 3)
    let r = try TestSupport.run(binary, ["check", "--lines", obj])
    var found: Set<String> = []
    for line in r.stderr.split(separator: "\n") { found.insert(try #require(TestSupport.locatedFinding(line), "\(line)")) }
    #expect(found == expected)
    let dwarf = try TestSupport.run(binary, ["check", "--against-dwarf", "--summary", obj]).stdout
    for function in ["ep_perlasm", "ep_perlasm_loop"] {
      let line = try #require(dwarf.split(separator: "\n").first { $0.contains(": \(function): ") }, "\(dwarf)")
      let m = try #require(line.firstMatch(of: /agree (\d+), disagree 0, not comparable 0/), "\(line)")
      #expect((Int(m.1) ?? 0) >= 7)
    }
  }

  /// Hand-written table shapes (GCC byte table, a spilled halfword table with the bound in
  /// another block, an adds/b.hs negative index with a clang-style add, a table over a
  /// whole byte index whose nearest compare bounds one path only, a table address copied
  /// to another register, a computed goto's table of label addresses): every function
  /// keeps its frame across the `br`, so an unrecognised table would be a sibling-call
  /// finding; every instruction must be reached (the generated table has no undefined
  /// entry but the section terminator).
  @Test func handWrittenSwitchTablesAreFollowed() throws {
    let obj = TestSupport.absolute("TestObjects/arm64/cfi/jumptables.o")
    let r = try TestSupport.run(binary, ["check", obj])
    #expect(r.status == 0 && r.stderr.isEmpty, "\(r.stderr)")
    let orc = try TestSupport.run(binary, ["orc", "dump", "--generate", obj]).stdout.split(separator: "\n")
    #expect(orc.filter { $0.contains("type:undef") }.count == 1)
    #expect(orc.last?.contains("type:undef") == true)
  }

  /// Compiled switch statements: every case reached through its table (no sibling-call
  /// or unreachable findings, nothing left unreached), and the walk agrees with the
  /// compiler's DWARF at every comparable boundary.
  @Test(arguments: ["TestObjects/compiled/switch.gcc-arm64.o", "TestObjects/compiled/switch.clang-arm64.o",
                    "TestObjects/compiled/list_sort.clang-arm64.o", "TestObjects/compiled/cgoto.gcc-arm64.o"])
  func compiledCodeIsCleanAndAgreesWithDWARF(_ relative: String) throws {
    let obj = TestSupport.absolute(relative)
    let decode = try TestSupport.run(binary, ["decode", obj])
    if relative.contains("switch") || relative.contains("cgoto") {
      #expect(decode.stdout.contains("\tjmp*\t"), "the object has an indirect jump")
    }
    let r = try TestSupport.run(binary, ["check", "--against-dwarf", "--summary", obj])
    #expect(r.stderr.isEmpty, "\(r.stderr)")
    let objectLine = try #require(r.stdout.split(separator: "\n").first { $0.contains(": dwarf (") })
    #expect(!objectLine.contains("not reached"), "\(objectLine)")
    let total = try #require(r.stdout.split(separator: "\n").last)
    let m = try #require(total.firstMatch(of: /^dwarf: agree (\d+), disagree 0, not comparable (\d+)$/), "\(total)")
    #expect((Int(m.1) ?? 0) >= (relative.contains("cgoto") ? 30 : 60))
  }

  /// The ORC-like table: written with one R_AARCH64_PREL32 per entry (readelf), read
  /// back by `orc dump` as generated, and every entry's CFA equals the DWARF CFA at its
  /// address.
  @Test(.enabled(if: TestSupport.hasTool("readelf")))
  func orcTableRoundTripsAndMatchesDWARF() throws {
    let dir = try TestSupport.temporaryDirectory("a64orc")
    defer { try? FileManager.default.removeItem(at: dir) }
    let input = TestSupport.absolute("TestObjects/compiled/switch.clang-arm64.o")
    let out = dir.appendingPathComponent("orc.o").path
    #expect(try TestSupport.run(binary, ["check", "--orc", "--output", out, input]).status == 0)
    let generated = try TestSupport.run(binary, ["orc", "dump", "--generate", input]).stdout
    let dumped = try TestSupport.run(binary, ["orc", "dump", out]).stdout
    #expect(!dumped.isEmpty && dumped == generated)
    let entries = dumped.split(separator: "\n")
    let relocText = try TestSupport.run("readelf", ["-rW", out]).stdout
    let orcBlock = try #require(relocText.components(separatedBy: "Relocation section '.rela.orc_unwind_ip'").dropFirst().first)
    let relocs = orcBlock.components(separatedBy: "Relocation section").first!.split(separator: "\n")
      .filter { $0.contains("R_AARCH64_PREL32") }
    #expect(relocs.count == entries.count)
    let sections = try TestSupport.run("readelf", ["-SW", out]).stdout
    #expect(sections.contains(".orc_unwind ") && sections.contains(".orc_unwind_ip"))
    // DWARF CFA at each entry's address (from the --table DWARF column).
    let table = try TestSupport.run(binary, ["check", "--against-dwarf", "--table", input]).stdout
    var dwarfCFA: [String: String] = [:]
    for line in table.split(separator: "\n") {
      let f = line.split(separator: "\t", omittingEmptySubsequences: false)
      guard f.count == 7, let c = f[5].firstMatch(of: /^cfa (\S+)\s/) else { continue }
      dwarfCFA["\(f[1])+\(f[2].dropFirst(2))"] = String(c.1)
    }
    var compared = 0
    for e in entries {
      guard let m = e.firstMatch(of: /^(\S+?):type:call cfa:(\S+)\s/) else { continue }
      guard let d = dwarfCFA[String(m.1)] else { continue }
      #expect(d == String(m.2), "\(e) vs DWARF \(d)")
      compared += 1
    }
    #expect(compared >= 5)
  }
}
