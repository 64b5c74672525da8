// SFrame against its oracles: GNU as 2.40's own version-1 `.sframe` (from the
// compiler's .cfi directives) for real compiled C, and binutils 2.40's readelf as an
// independent reader of what unwindcheck writes. `sframe dump` reads an object's
// section in readelf's layout (function starts relocated).
import ELFObject
import Foundation
import Testing
import UnwindTestSupport

@Suite(.enabled(if: TestSupport.unwindcheckBinary != nil, "needs the built unwindcheck executable"))
struct SFrameTests {
  var binary: String { TestSupport.unwindcheckBinary! }

  /// One function of a dump: its start and its rows (address, CFA, FP, RA).
  struct DumpedFunction: Equatable {
    var pc: UInt64
    var size: Int
    var rows: [(address: UInt64, cfa: String, fp: String, ra: String)]
    static func == (a: Self, b: Self) -> Bool { a.pc == b.pc && a.size == b.size }
  }

  static func parse(_ dump: String) -> [DumpedFunction] {
    var out: [DumpedFunction] = []
    for line in dump.split(separator: "\n") {
      if let m = line.firstMatch(of: /func idx \[\d+\]: pc = 0x([0-9a-f]+), size = (\d+) bytes/) {
        out.append(DumpedFunction(pc: UInt64(m.1, radix: 16)!, size: Int(m.2)!, rows: []))
      } else if let m = line.firstMatch(of: /^    ([0-9a-f]{16})  (\S+)\s+(\S+)\s+(\S+)\s*$/), !out.isEmpty {
        out[out.count - 1].rows.append((UInt64(m.1, radix: 16)!, String(m.2), String(m.3), String(m.4)))
      }
    }
    return out
  }

  /// readelf's own text and ours agree on an assembler-written object, but for the
  /// function starts, which readelf 2.40 leaves unrelocated (0) in a `.o`.
  @Test(.enabled(if: TestSupport.hasTool("readelf")))
  func dumpReadsAsReadelf() throws {
    let obj = TestSupport.absolute("TestObjects/sframe/list_sort.gcc-x86_64-fp.o")
    let ours = try TestSupport.run(binary, ["sframe", "dump", obj]).stdout
    let theirs = try TestSupport.run("readelf", ["--sframe", obj]).stdout
    let unrelocated = ours.replacing(/pc = 0x[0-9a-f]+/, with: "pc = 0x0")
    let oursRows = Self.parse(ours), theirRows = Self.parse(theirs)
    #expect(oursRows.count == theirRows.count && oursRows.count >= 2)
    for (o, t) in zip(oursRows, theirRows) {
      #expect(o.rows.map { $0.address - o.pc } == t.rows.map(\.address))
      #expect(o.rows.map { "\($0.cfa) \($0.fp) \($0.ra)" } == t.rows.map { "\($0.cfa) \($0.fp) \($0.ra)" })
    }
    #expect(unrelocated.split(separator: "\n").filter { !$0.hasPrefix("    0") }
            == theirs.split(separator: "\n").filter { !$0.hasPrefix("    0") })
  }

  /// `check --sframe` on compiled C (gcc, x86-64 with and without frame pointers,
  /// aarch64 with PAC): the same functions as the assembler, and at every address where
  /// a row starts on either side the same rule, with the two known differences of the
  /// assembler's rows, which come from the compiler's CFI: a frame pointer restored by
  /// the epilogue is still named at its slot (no `.cfi_restore`), and on aarch64 GCC
  /// keeps the CFA on SP after `mov x29, sp` where the walk moves it to x29 (the same
  /// value: `CFA through an equal register` of the DWARF cross-check). readelf 2.40
  /// reads what unwindcheck wrote.
  @Test(arguments: ["list_sort.gcc-x86_64.o", "list_sort.gcc-x86_64-fp.o", "list_sort.gcc-arm64.o"])
  func sframeFromTheMachineCodeAgreesWithTheAssemblers(_ name: String) throws {
    let obj = TestSupport.absolute("TestObjects/sframe/" + name)
    let dir = try TestSupport.temporaryDirectory("sframe")
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("ours.o").path
    let w = try TestSupport.run(binary, ["check", "--sframe", "--replace", "--output", out, obj])
    #expect(w.status == 0 && w.stderr.isEmpty, "\(w.stderr)")
    let ours = Self.parse(try TestSupport.run(binary, ["sframe", "dump", out]).stdout)
    let theirs = Self.parse(try TestSupport.run(binary, ["sframe", "dump", obj]).stdout)
    #expect(ours == theirs && ours.count >= 2, "the same functions")
    var compared = 0
    for (o, t) in zip(ours, theirs) {
      let addresses = Set(o.rows.map(\.address) + t.rows.map(\.address)).sorted()
      var savedFP: Set<String> = []
      for a in addresses {
        guard let r = o.rows.last(where: { $0.address <= a }), let s = t.rows.last(where: { $0.address <= a }) else {
          Issue.record("\(name): no row at 0x\(String(a, radix: 16))")
          continue
        }
        if s.fp != "u" && r.fp == s.fp { savedFP.insert(s.fp) }
        let sameCFA = r.cfa == s.cfa || (name.contains("arm64") && r.cfa.hasPrefix("fp") && s.cfa.hasPrefix("sp")
                                         && r.cfa.dropFirst(2) == s.cfa.dropFirst(2))
        let sameFP = r.fp == s.fp || (r.fp == "u" && savedFP.contains(s.fp))
        #expect(sameCFA && sameFP && r.ra == s.ra, "\(name) 0x\(String(a, radix: 16)): ours \(r), the assembler's \(s)")
        compared += 1
      }
    }
    #expect(compared >= 6)
    let readelf = name.contains("arm64") ? "aarch64-linux-gnu-readelf" : "readelf"
    if TestSupport.hasTool(readelf) {
      let r = try TestSupport.run(readelf, ["--sframe", out])
      #expect(r.status == 0 && r.stdout.contains("Num FDEs: \(ours.count)"), "\(r.stdout.prefix(500))\(r.stderr)")
    }
  }

  /// `--against-sframe` on the assembler's SFrame of compiled C: every reached function
  /// has an entry and no instruction disagrees.
  @Test(arguments: ["list_sort.gcc-x86_64.o", "list_sort.gcc-x86_64-fp.o", "list_sort.gcc-arm64.o"])
  func compiledCodeAgreesWithItsSFrame(_ name: String) throws {
    let r = try TestSupport.run(binary, ["check", "--against-sframe", "--summary",
                                         TestSupport.absolute("TestObjects/sframe/" + name)])
    #expect(r.stderr.isEmpty, "\(r.stderr)")
    let m = try #require(r.stdout.firstMatch(of: /sframe: (\d+) functions compared \((\d+) instructions, 0 disagreeing\), 0 reached without an entry/),
                         "\(r.stdout)")
    #expect((Int(m.1) ?? 0) >= 2 && (Int(m.2) ?? 0) >= 50)
  }

  /// The planted CFI mistakes of x86_64/dwarf/wrongcfi.S, assembled with --gsframe: the
  /// SFrame check finds them at the same instructions as the DWARF cross-check does
  /// (whose EXPECT markers name them).
  @Test func plantedCFIMistakesAreFoundInSFrameToo() throws {
    let sframe = try TestSupport.run(binary, ["check", "--against-sframe", TestSupport.absolute("TestObjects/sframe/wrongcfi.o")])
    let dwarf = try TestSupport.run(binary, ["check", "--against-dwarf", TestSupport.absolute("TestObjects/x86_64/dwarf/wrongcfi.o")])
    func places(_ text: String, _ code: String) -> [String] {
      text.split(separator: "\n").filter { $0.hasSuffix("[\(code)]") || $0.contains("[\(code)") }
        .compactMap { $0.firstMatch(of: #/unwindcheck: (\S+): /#).map { String($0.1) } }.sorted()
    }
    let expected = places(dwarf.stderr, "UV130")
    #expect(expected.count == 4)
    #expect(places(sframe.stderr, "UV1902") == expected, "\(sframe.stderr)")
  }

  /// GCC's DRAP prologue: GNU as 2.40 drops the function with `.cfi_escape` and writes
  /// a wrong SP-based row for the one without; a function without directives has no
  /// entry. `--against-sframe` names both dropped functions and the wrong row (the
  /// CFA is rsp+8 there, not rsp+0); `--sframe` describes neither realigned function.
  @Test func assemblerDropsAndMisencodingsAreNamed() throws {
    let obj = TestSupport.absolute("TestObjects/sframe/drap.o")
    let r = try TestSupport.run(binary, ["check", "--against-sframe", obj])
    let lines = r.stderr.split(separator: "\n").map { String($0.drop { $0 != " " }.dropFirst()) }
    #expect(lines.contains("warning: unwindcheck: realigned() has no SFrame function entry: an unwinder reading .sframe cannot pass it [UV1903]"))
    #expect(lines.contains("warning: unwindcheck: bare() has no SFrame function entry: an unwinder reading .sframe cannot pass it [UV1903]"))
    #expect(lines.contains { $0.hasPrefix("warning: unwindcheck: realigned_kept+0x5: SFrame disagrees with the machine code: CFA is sp+8 by the instructions, sp+0 by .sframe") },
            "\(r.stderr)")
    let dir = try TestSupport.temporaryDirectory("drap")
    defer { try? FileManager.default.removeItem(at: dir) }
    let w = try TestSupport.run(binary, ["check", "--sframe", "--replace", "--output", dir.appendingPathComponent("o.o").path, obj])
    #expect(w.stderr.components(separatedBy: "[UV1901]").count - 1 == 2, "\(w.stderr)")
  }

  /// binutils' own libsframe 2.40 (binutils-dev) reads the `.sframe` unwindcheck writes
  /// row for row as unwindcheck's reader does (Scripts/lib/sframe-read.c, built here):
  /// x86-64 with and without frame pointers, aarch64 with signed return addresses.
  @Test(.enabled(if: FileManager.default.fileExists(atPath: "/usr/include/sframe-api.h") && ARM64Tests.toolchainClang != nil),
        arguments: ["list_sort.gcc-x86_64.o", "list_sort.gcc-x86_64-fp.o", "list_sort.gcc-arm64.o"])
  func libsframeReadsWhatWeWrite(_ name: String) throws {
    let dir = try TestSupport.temporaryDirectory("libsframe")
    defer { try? FileManager.default.removeItem(at: dir) }
    let reader = dir.appendingPathComponent("sframe-read").path
    let cc = try TestSupport.run(ARM64Tests.toolchainClang!, ["-O2", TestSupport.absolute("Scripts/lib/sframe-read.c"), "-o", reader, "-lsframe"])
    #expect(cc.status == 0, "\(cc.stderr)")
    let out = dir.appendingPathComponent("ours.o").path
    let w = try TestSupport.run(binary, ["check", "--sframe", "--replace", "--output", out,
                                         TestSupport.absolute("TestObjects/sframe/" + name)])
    #expect(w.status == 0, "\(w.stderr)")
    let file = try ELFFile.open(path: out)
    let section = try #require(file.section(named: ".sframe"))
    let bin = dir.appendingPathComponent("sframe.bin")
    try file.withBytes(of: section.index) { Data($0) }.write(to: bin)
    let theirs = try TestSupport.run(reader, [bin.path])
    #expect(theirs.status == 0, "\(theirs.stderr)")
    var libsframe: [[String]] = []
    for line in theirs.stdout.split(separator: "\n") {
      let f = line.split(separator: " ").map(String.init)
      if f.first == "F" { libsframe.append([]) } else if f.first == "R", !libsframe.isEmpty {
        libsframe[libsframe.count - 1].append(f.dropFirst().joined(separator: " "))
      }
    }
    let ours = Self.parse(try TestSupport.run(binary, ["sframe", "dump", out]).stdout).map { fn in
      fn.rows.map { r -> String in
        let cfa = r.cfa.replacingOccurrences(of: "+", with: " ")
        let fp = r.fp == "u" ? "u" : String(r.fp.dropFirst())
        let ra = r.ra.replacingOccurrences(of: "[s]", with: "")
        return "\(r.address - fn.pc) \(cfa) \(fp) \(ra == "u" ? "u" : String(ra.dropFirst())) \(r.ra.hasSuffix("[s]") ? 1 : 0)"
      }
    }
    #expect(libsframe.count == ours.count && ours.count >= 2)
    #expect(libsframe == ours)
  }
}
