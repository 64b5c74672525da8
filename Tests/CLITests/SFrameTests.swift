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
  /// The compiled C with the assembler's SFrame: x86-64 with and without frame
  /// pointers, aarch64 signing return addresses with the A and with the B key.
  static let compiled = ["list_sort.gcc-x86_64.o", "list_sort.gcc-x86_64-fp.o", "list_sort.gcc-arm64.o", "list_sort.gcc-arm64-bkey.o"]

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
  @Test(arguments: compiled)
  func sframeFromTheMachineCodeAgreesWithTheAssemblers(_ name: String) throws {
    let obj = TestSupport.absolute("TestObjects/sframe/" + name)
    let dir = try TestSupport.temporaryDirectory("sframe")
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("ours.o").path
    let w = try TestSupport.run(binary, ["check", "--sframe=1", "--replace", "--output", out, obj])
    #expect(w.status == 0 && w.stderr.isEmpty, "\(w.stderr)")
    let oursText = try TestSupport.run(binary, ["sframe", "dump", out]).stdout
    let theirsText = try TestSupport.run(binary, ["sframe", "dump", obj]).stdout
    let ours = Self.parse(oursText), theirs = Self.parse(theirsText)
    #expect(ours == theirs && ours.count >= 2, "the same functions")
    // The return-address signing key of each function (AArch64: B for PACIBSP).
    let keys = { (t: String) in t.split(separator: "\n").filter { $0.contains("func idx") }.map { $0.contains("pauth = B key") } }
    #expect(keys(oursText) == keys(theirsText))
    #expect(keys(oursText).contains(true) == name.contains("bkey"))
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
  @Test(arguments: compiled)
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
        arguments: compiled)
  func libsframeReadsWhatWeWrite(_ name: String) throws {
    let dir = try TestSupport.temporaryDirectory("libsframe")
    defer { try? FileManager.default.removeItem(at: dir) }
    let reader = dir.appendingPathComponent("sframe-read").path
    let cc = try TestSupport.run(ARM64Tests.toolchainClang!, ["-O2", TestSupport.absolute("Scripts/lib/sframe-read.c"), "-o", reader, "-lsframe"])
    #expect(cc.status == 0, "\(cc.stderr)")
    let out = dir.appendingPathComponent("ours.o").path
    let w = try TestSupport.run(binary, ["check", "--sframe=1", "--replace", "--output", out,
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

  /// The assemblers' objects and the planted ones: what the independent reader reads.
  static let assembled = compiled + ["wrongcfi.o", "drap.o"]

  /// Scripts/sframe-read.py, an SFrame reader written in Python from the format's
  /// specification apart from the Swift code, is first checked against binutils 2.40's
  /// readelf on what the assembler wrote and on unwindcheck's version 1; then
  /// unwindcheck's versions 2 and 3 of the same object must read as its version 1 row
  /// for row (starts relocated), and every row of version 1, looked up by address (its
  /// first and its last byte) in version 3 as an unwinder looks up a PC, gives the
  /// same rule. `sframe dump` reads version 3 as the Python reader does.
  @Test(.enabled(if: TestSupport.hasTool("python3")), arguments: assembled)
  func anIndependentReaderReadsEveryVersion(_ name: String) throws {
    let obj = TestSupport.absolute("TestObjects/sframe/" + name)
    let reader = TestSupport.absolute("Scripts/sframe-read.py")
    let readelf = name.contains("arm64") ? "aarch64-linux-gnu-readelf" : "readelf"
    let dir = try TestSupport.temporaryDirectory("sframe-versions")
    defer { try? FileManager.default.removeItem(at: dir) }
    func python(_ mode: String, _ path: String) throws -> String {
      let r = try TestSupport.run("python3", [reader, mode, path])
      #expect(r.status == 0, "\(path): \(r.stderr)")
      return r.stdout
    }
    var written: [String] = []
    for v in 1...3 {
      let out = dir.appendingPathComponent("v\(v).o").path
      let w = try TestSupport.run(binary, ["check", "--sframe=\(v)", "--replace", "--output", out, obj])
      #expect(w.status == 0 || w.status == 1, "\(w.stderr)")
      written.append(out)
    }
    // 1. The reader against binutils, on the assembler's section and on ours.
    if TestSupport.hasTool(readelf) {
      for path in [obj, written[0]] {
        #expect(try python("--readelf", path) == TestSupport.run(readelf, ["--sframe", path]).stdout, "\(path)")
      }
    }
    // 2. Versions 2 and 3 hold the rows of version 1.
    let rows = try written.map { try python("--rows", $0) }
    #expect(rows[0].split(separator: "\n").count >= 3)
    #expect(rows[1] == rows[0] && rows[2] == rows[0])
    // 3. Every row of version 1, at its first and last byte, looked up in version 3.
    var queries: [String] = [], expected: [String] = []
    var function: (section: String, end: UInt64)?
    let lines = rows[0].split(separator: "\n").map(String.init)
    for (k, line) in lines.enumerated() {
      let f = line.split(separator: " ", maxSplits: 2).map(String.init)
      let (section, address) = Self.place(f[1])
      if f[0] == "F" {
        function = (section, address + UInt64(f[2].split(separator: " ")[0])!)
        continue
      }
      guard let fn = function else { continue }
      let next = k + 1 < lines.count && lines[k + 1].hasPrefix("R ") ? Self.place(lines[k + 1].split(separator: " ")[1]).offset : fn.end
      for a in Set([address, max(address, next) - (next > address ? 1 : 0)]).sorted() {
        queries.append("\(section) \(a)")
        expected.append("\(section)+0x\(String(a, radix: 16)) \(f[2])")
      }
    }
    let q = dir.appendingPathComponent("queries").path
    try (queries.joined(separator: "\n") + "\n").write(toFile: q, atomically: true, encoding: .utf8)
    let looked = try TestSupport.run("sh", ["-c", "python3 \"$0\" --lookup \"$1\" < \"$2\"", reader, written[2], q])
    #expect(looked.status == 0, "\(looked.stderr)")
    #expect(looked.stdout.split(separator: "\n").map(String.init) == expected)
    // 4. unwindcheck's own reader of version 3 (sframe dump) gives the same rows.
    let dumped = Self.parse(try TestSupport.run(binary, ["sframe", "dump", written[2]]).stdout)
    let listed = lines.filter { $0.hasPrefix("R ") }.map { Self.place($0.split(separator: " ")[1]).offset }
    #expect(dumped.flatMap { $0.rows.map(\.address) } == listed)
  }

  /// `.text+0x1c` -> (".text", 0x1c).
  static func place<S: StringProtocol>(_ s: S) -> (section: String, offset: UInt64) {
    let parts = s.split(separator: "+0x", maxSplits: 1)
    return (String(parts[0]), UInt64(parts.count > 1 ? String(parts[1]) : "0", radix: 16) ?? 0)
  }

  /// A function whose `.sframe` entry says the A key while it signs with PACIBSP:
  /// `--against-sframe` names the key.
  @Test func theSigningKeyIsChecked() throws {
    let obj = TestSupport.absolute("TestObjects/sframe/list_sort.gcc-arm64-bkey.o")
    let file = try ELFFile.open(path: obj)
    let section = try #require(file.section(named: ".sframe"))
    var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: obj)))
    // Function 0's info byte (version 1: the last byte of the first 17-byte FDE).
    let info = Int(section.fileOffset) + 28 + 16
    #expect(bytes[info] & 0x20 != 0)
    bytes[info] &= ~0x20
    let dir = try TestSupport.temporaryDirectory("bkey")
    defer { try? FileManager.default.removeItem(at: dir) }
    let planted = dir.appendingPathComponent("akey.o")
    try Data(bytes).write(to: planted)
    let r = try TestSupport.run(binary, ["check", "--against-sframe", planted.path])
    #expect(r.stderr.contains("the return address signing key is the B key by the instructions, the A key by .sframe"), "\(r.stderr)")
    let clean = try TestSupport.run(binary, ["check", "--against-sframe", obj])
    #expect(!clean.stderr.contains("UV1902"), "\(clean.stderr)")
  }

  /// clang's shrink-wrapped function (TestObjects/compiled/shrinkwrap.c for aarch64):
  /// GNU as 2.40 translates its `.cfi_remember_state`/`.cfi_restore_state` wrongly, so
  /// the early return keeps the frame's save slots (the return address "at cfa-40" where
  /// it is in x30) and the restored body loses them. The compiler's own DWARF from the
  /// same directives agrees with the instructions at every boundary; `--against-sframe`
  /// names the assembler's rows.
  @Test func theAssemblersRememberStateMistakeIsNamed() throws {
    let obj = TestSupport.absolute("TestObjects/sframe/shrinkwrap.clang-arm64.o")
    let r = try TestSupport.run(binary, ["check", "--against-sframe", "--against-dwarf", "--summary", obj])
    #expect(r.stdout.contains("dwarf (.eh_frame): agree 29") && r.stdout.contains("disagree 0"), "\(r.stdout)")
    #expect(r.stderr.contains("take_twice+0x58: SFrame disagrees with the machine code: the return address is in the link register by the instructions, at cfa-40 by .sframe"),
            "\(r.stderr)")
    #expect(r.stdout.contains("sframe: 1 functions compared (29 instructions, 6 disagreeing)"), "\(r.stdout)")
  }

  /// The arm64 kernel's patchable function entry (`-fpatchable-function-entry=4,2`):
  /// GCC opens the CFI after the two NOPs that follow the symbol, so the assembler's
  /// entry starts 8 bytes into the function. It is that function's entry, compared from
  /// its start; the NOPs before it are counted, not reported as a missing entry.
  @Test func anEntryAfterThePatchableNOPsIsTheFunctions() throws {
    let r = try TestSupport.run(binary, ["check", "--against-sframe", "--summary",
                                         TestSupport.absolute("TestObjects/sframe/list_sort.gcc-arm64-patchable.o")])
    #expect(r.stderr.isEmpty, "\(r.stderr)")
    #expect(r.stdout.contains("sframe: 2 functions compared") && r.stdout.contains("0 disagreeing), 0 reached without an entry, 2 entries starting after the function (4 instructions before them)"),
            "\(r.stdout)")
  }

  /// A damaged version-3 section is one located error line (exit 3), not a trap.
  @Test func aDamagedVersion3SectionIsALocatedError() throws {
    let dir = try TestSupport.temporaryDirectory("v3bad")
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("v3.o").path
    _ = try TestSupport.run(binary, ["check", "--sframe=3", "--replace", "--output", out,
                                     TestSupport.absolute("TestObjects/sframe/list_sort.gcc-x86_64.o")])
    let file = try ELFFile.open(path: out)
    let section = try #require(file.section(named: ".sframe"))
    var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: out)))
    // Function 0's attribute offset (index entry bytes 12-15) past the row sub-section.
    let at = Int(section.fileOffset) + 28 + 12
    bytes.replaceSubrange(at..<at + 4, with: [0xF0, 0xFF, 0, 0])
    let bad = dir.appendingPathComponent("bad.o")
    try Data(bytes).write(to: bad)
    let r = try TestSupport.run(binary, ["sframe", "dump", bad.path])
    #expect(r.status == 3)
    #expect(r.stderr.split(separator: "\n").count == 1 && r.stderr.contains(".sframe+0x28: function 0: its attributes lie outside the row sub-section"),
            "\(r.stderr)")
  }
}
