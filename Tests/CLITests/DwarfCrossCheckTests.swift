// `check --against-dwarf` against its oracles: the planted .cfi mistakes of a
// hand-written TestObject (rule and source line from the EXPECT markers), the
// compilers' own DWARF on compiled C and kernel-header code (no disagreement), GNU
// readelf's CFI interpreter (the rows as read through libdw), and addr2line (lines).
import ELFObject
import Foundation
import Testing
import UnwindDriver
import UnwindTestSupport

@Suite(.enabled(if: TestSupport.unwindcheckBinary != nil, "needs the built unwindcheck executable"))
struct DwarfCrossCheckTests {
  var binary: String { TestSupport.unwindcheckBinary! }

  @Test func plantedCFIMistakesAreFoundAtTheirLines() throws {
    let expected = try TestSupport.markedFindings("TestObjects/x86_64/dwarf/wrongcfi.S")
    #expect(expected.count == 4)
    let obj = TestSupport.absolute("TestObjects/x86_64/dwarf/wrongcfi.o")
    let r = try TestSupport.run(binary, ["check", "--against-dwarf", "--summary", obj])
    #expect(r.status == 0)
    var found: Set<String> = []
    for line in r.stderr.split(separator: "\n") {
      guard let f = TestSupport.locatedFinding(line) else {
        Issue.record("finding without a source line: \(line)")
        continue
      }
      found.insert(f)
    }
    #expect(found == expected)
    // The correct functions agree at every boundary.
    #expect(r.stdout.contains("\(obj): good_frame: agree 5, disagree 0, not comparable 0"))
    #expect(r.stdout.contains("\(obj): good_restore_state: agree 9, disagree 0, not comparable 0"))
    #expect(r.stdout.hasSuffix("dwarf: agree 28, disagree 11, not comparable 0\n"))
  }

  /// Compiler-generated CFI (gcc and clang .eh_frame, gcc .debug_frame with the real
  /// 6.12 headers) agrees with the machine code everywhere it is comparable.
  @Test(arguments: [
    "TestObjects/compiled/list_sort.gcc-x86_64.o", "TestObjects/compiled/list_sort.gcc-x86_64-fp.o",
    "TestObjects/compiled/list_sort.clang-x86_64.o", "TestObjects/kernel-headers/patchsites.o",
  ])
  func compilerCFIAgrees(_ relative: String) throws {
    let r = try TestSupport.run(binary, ["check", "--against-dwarf", "--summary", TestSupport.absolute(relative)])
    let total = try #require(r.stdout.split(separator: "\n").last)
    let m = try #require(total.firstMatch(of: /^dwarf: agree (\d+), disagree (\d+), not comparable (\d+)$/))
    #expect(Int(m.2) == 0, "\(r.stderr)")
    #expect((Int(m.1) ?? 0) >= 50)
    #expect(!r.stderr.contains("[UV130"))
  }

  /// `--coverage` on code without CFI: a copy of compiled objects with their frame
  /// sections removed (objcopy) lists every function, walked, and the CFA
  /// rows it prints are the compiler's: at every boundary of the original, the row in
  /// force names the CFA its DWARF names (read by `--table`), wherever the original
  /// agrees as written.
  @Test(.enabled(if: TestSupport.hasTool("objcopy") && TestSupport.hasTool("aarch64-linux-gnu-objcopy")), arguments: [
    "TestObjects/compiled/list_sort.gcc-x86_64.o", "TestObjects/compiled/list_sort.clang-x86_64.o",
    "TestObjects/compiled/list_sort.clang-arm64.o", "TestObjects/compiled/switch.gcc-arm64.o",
  ])
  func coverageRowsAreTheCompilersCFI(_ relative: String) throws {
    let original = TestSupport.absolute(relative)
    let dir = try TestSupport.temporaryDirectory("coverage")
    defer { try? FileManager.default.removeItem(at: dir) }
    let stripped = dir.appendingPathComponent("nocfi.o").path
    let strip = try TestSupport.run(relative.contains("arm64") ? "aarch64-linux-gnu-objcopy" : "objcopy", ["--remove-section=.eh_frame", "--remove-section=.rela.eh_frame",
                                                 "--remove-section=.debug_frame", "--remove-section=.rela.debug_frame",
                                                 original, stripped])
    #expect(strip.status == 0, "\(strip.stderr)")
    let cov = try TestSupport.run(binary, ["check", "--against-dwarf", "--coverage", stripped])
    // function -> [(offset in function, cfa text)]
    var rows: [String: [(UInt64, String)]] = [:]
    for line in cov.stdout.split(separator: "\n") {
      guard let m = line.firstMatch(of: /no DWARF CFI: (\S+)\(\) at \S+, (\d+) instructions, walked (\d+): (.*)$/) else { continue }
      // (Reached: all but dead padding and code after calls that do not return.)
      #expect((Int(m.3) ?? 0) > 0 && (Int(m.3) ?? 0) >= (Int(m.2) ?? 0) * 3 / 4, "\(line)")
      rows[String(m.1)] = m.4.split(separator: "; ").compactMap { r in
        r.firstMatch(of: /^\+0x([0-9a-f]+) cfa=(\S+)/).map { (UInt64($0.1, radix: 16)!, String($0.2)) }
      }
    }
    let summary = try #require(cov.stdout.split(separator: "\n").last)
    let total = try #require(summary.firstMatch(of: /coverage: (\d+) of (\d+) functions without DWARF CFI/))
    #expect(total.1 == total.2 && (Int(total.1) ?? 0) >= 2, "\(summary)")
    #expect(rows.count == Int(total.1))
    let table = try TestSupport.run(binary, ["check", "--against-dwarf", "--table", original])
    var compared = 0
    for line in table.stdout.split(separator: "\n") {
      let f = line.split(separator: "\t").map(String.init)  // FILE SECTION 0xOFF FUNC+0xOFF OURS DWARF VERDICT
      // (Where the compiler names the CFA through another register holding the same
      // value, `tolerated (CFA through an equal register)`, either row is right.)
      guard f.count == 7, f[6] == "agree",
            let place = f[3].firstMatch(of: /^(.+)\+0x([0-9a-f]+)$/), let fn = rows[String(place.1)],
            let dwarfCFA = f[5].firstMatch(of: /^cfa (\S+)/) else { continue }
      let at = UInt64(place.2, radix: 16)!
      let ours = fn.last { $0.0 <= at }?.1
      #expect(ours == String(dwarfCFA.1), "\(line)")
      compared += 1
    }
    #expect(compared >= 40, "\(compared) boundaries compared")
  }

  /// The DWARF side of every boundary equals the row GNU readelf's own CFI
  /// interpreter computes (`--debug-dump=frames-interp`, relocations applied).
  @Test(.enabled(if: TestSupport.hasTool("readelf") && TestSupport.hasTool("python3")))
  func dwarfRowsEqualReadelf() throws {
    let objs = ["TestObjects/x86_64/dwarf/wrongcfi.o", "TestObjects/compiled/list_sort.gcc-x86_64.o",
                "TestObjects/compiled/list_sort.gcc-x86_64-fp.o", "TestObjects/compiled/list_sort.clang-x86_64.o",
                "TestObjects/kernel-headers/patchsites.o"].map(TestSupport.absolute)
    let r = try TestSupport.run("python3", [TestSupport.absolute("Scripts/difftest-dwarf-rows.py"), binary] + objs)
    #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    let m = try #require(r.stdout.firstMatch(of: /dwarf rows: (\d+) boundaries, (\d+) with a row, (\d+) same as readelf, 0 differ/))
    #expect(Int(m.1) == Int(m.3))
    #expect((Int(m.2) ?? 0) >= 300)
  }

  /// `--lines` adds the line addr2line gives for the finding's instruction, and
  /// leaves objtool's text otherwise unchanged.
  @Test(.enabled(if: TestSupport.hasTool("addr2line")))
  func sourceLinesEqualAddr2line() throws {
    let obj = TestSupport.absolute("TestObjects/kernel-headers/patchsites.o")
    let plain = try TestSupport.run(binary, ["check", obj])
    let lined = try TestSupport.run(binary, ["check", "--lines", obj])
    let line = try #require(lined.stderr.split(separator: "\n").first)
    let m = try #require(line.firstMatch(of: /\s\(([^()]+):(\d+)\)\s\[UV\d+\]$/))
    #expect(plain.stderr.replacingOccurrences(of: " (\(m.1):\(m.2))", with: "") == plain.stderr)
    #expect(lined.stderr.replacingOccurrences(of: " (\(m.1):\(m.2))", with: "") == plain.stderr)
    // The finding's instruction: "ps_three+0x9: ... ps_three+0xa" -> the located one.
    let loc = try #require(line.firstMatch(of: /warning: unwindcheck: (\w+)\+0x([0-9a-f]+):/))
    let sym = try TestSupport.run("nm", [obj]).stdout.split(separator: "\n")
      .first { $0.hasSuffix(" \(loc.1)") }.map { String($0.prefix(16)) }
    let base = try #require(sym.flatMap { UInt64($0, radix: 16) })
    let address = base + (UInt64(loc.2, radix: 16) ?? 0)
    let a2l = try TestSupport.run("addr2line", ["-e", obj, "-j", ".text", String(address, radix: 16)])
    #expect(a2l.stdout.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix("\(m.1):\(m.2)")
            || a2l.stdout.contains("/\(m.1.split(separator: "/").last ?? ""):\(m.2)"), "\(a2l.stdout)")
  }
}

/// Corrupt DWARF is untrusted input too: random byte mutations of the CFI, line and
/// debug-info sections (and of .rela.eh_frame/.rela.debug_frame) run through the whole
/// cross-check in process (rows, comparison, table, lines, noreturn scan). A trap or a
/// crash in libdw would end the test process. Serialized: the tool is single-threaded
/// and elfutils does not promise thread safety, so the objects are checked one at a time.
@Suite(.serialized)
struct DwarfMutationTests {
  @Test(arguments: ["TestObjects/x86_64/dwarf/wrongcfi.o", "TestObjects/kernel-headers/patchsites.o",
                    "TestObjects/compiled/list_sort.clang-x86_64.o"])
  func mutatedDwarfNeverCrashes(_ relative: String) throws {
    let path = TestSupport.absolute(relative)
    let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    let file = try ELFFile.open(path: path)
    let regions = file.sections.filter {
      ($0.name.hasPrefix(".debug") || $0.name.hasPrefix(".eh_frame") || $0.name.hasPrefix(".rela.debug_frame")
        || $0.name == ".rela.eh_frame") && $0.size > 0 && $0.hasFileBytes
    }.map { Int($0.fileOffset)..<Int($0.fileOffset + $0.size) }
    #expect(regions.count >= 2)
    var rng = SplitMix64(seed: UInt64(truncatingIfNeeded: relative.utf8.reduce(7) { $0 &* 31 &+ Int($1) }))
    let dir = try TestSupport.temporaryDirectory("dwarf-mutate")
    defer { try? FileManager.default.removeItem(at: dir) }
    let target = dir.appendingPathComponent("m.o")
    var options = CheckOptions()
    options.againstDwarf = true
    options.summary = true
    options.table = true
    options.sourceLines = true
    var statuses: [Int32: Int] = [:]
    for _ in 0..<200 {
      var bytes = original
      for _ in 0...(rng.next() % 6) {
        let region = regions[Int(rng.next() % UInt64(regions.count))]
        bytes[region.lowerBound + Int(rng.next() % UInt64(region.count))] = UInt8(truncatingIfNeeded: rng.next())
      }
      try Data(bytes).write(to: target)
      let status = runCheck(paths: [target.path], options: options, out: { _ in }, err: { _ in })
      statuses[status.rawValue, default: 0] += 1
    }
    #expect(statuses.values.reduce(0, +) == 200)
  }
}
