// check --orc: the ORC written into an object equals what the real objtool 6.12 wrote
// into the same object (TestObjects/orc/CASE.objtool612.o): same entries (read back by
// our dump, which equals objtool's --dump=orc on every Debian module) and same raw
// .orc_unwind bytes. Writes are atomic: the input is never changed on failure, and a
// process killed while writing leaves it byte-identical.
import ELFObject
import Foundation
import ORC
import Testing
import UnwindTestSupport

@Suite(.enabled(if: TestSupport.unwindcheckBinary != nil, "needs the built unwindcheck executable"))
struct ORCWriteTests {
  var binary: String { TestSupport.unwindcheckBinary! }

  /// A copy of the TestObject `object` named `name` in `dir`, and its bytes.
  func scratchCopy(_ object: String, as name: String, in dir: URL) throws -> (path: String, bytes: Data) {
    let path = dir.appendingPathComponent(name).path
    try FileManager.default.copyItem(atPath: TestSupport.absolute(object), toPath: path)
    return (path, try contents(path))
  }

  func contents(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

  func orcBytes(_ path: String) throws -> [UInt8] {
    let f = try ELFFile.open(path: path)
    let s = try #require(f.section(named: ".orc_unwind"))
    return f.withBytes(of: s.index) { [UInt8]($0) }
  }

  @Test(arguments: [("x86_64/cfi/clean", "clean"), ("x86_64/cfi/drap", "drap"), ("x86_64/cfi/hints", "hints"),
                    ("x86_64/alt/pvsave", "pvsave"), ("x86_64/cfi/entry", "entry")])
  func writtenORCEqualsObjtools(_ source: String, _ name: String) throws {
    let dir = try TestSupport.temporaryDirectory("orc-write")
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("\(name).o").path
    let input = TestSupport.absolute("TestObjects/\(source).o")
    let before = try Data(contentsOf: URL(fileURLWithPath: input))
    let r = try TestSupport.run(binary, ["check", "--orc", "--output", out, input])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: input)) == before, "--output leaves the input alone")
    let golden = TestSupport.absolute("TestObjects/orc/\(name).objtool612")
    let expected = try String(contentsOfFile: golden + ".dump.txt", encoding: .utf8).split(separator: "\n").map(String.init)
    #expect(try ORCDump.lines(try ELFFile.open(path: out), format: .v6_12) == expected)
    #expect(try orcBytes(out) == orcBytes(golden + ".o"))
    // The rest of the object still reads and validates the same.
    #expect(try TestSupport.run(binary, ["check", out]).stderr == (try TestSupport.run(binary, ["check", input]).stderr
      .replacingOccurrences(of: input, with: out)))
  }

  /// `--prefix=16` on the real-header module object, with Kbuild's flags for an IBT
  /// kernel: the same ORC bytes as objtool (the padding gets each function's CFI) and the
  /// same `__pfx_` symbols (aliases such as init_module included).
  @Test func prefixSymbolsAndORCEqualObjtools() throws {
    let dir = try TestSupport.temporaryDirectory("orc-prefix")
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("p.o").path
    let input = TestSupport.absolute("TestObjects/kernel-headers/patchsites.o")
    let r = try TestSupport.run(binary, ["check", "--orc", "--ibt", "--link", "--module", "--prefix=16", "--output", out, input])
    #expect(r.status == 0, "\(r.stderr)")
    let golden = TestSupport.absolute("TestObjects/orc/patchsites-prefix.objtool612")
    let expected = try String(contentsOfFile: golden + ".dump.txt", encoding: .utf8).split(separator: "\n").map(String.init)
    let written = try ELFFile.open(path: out)
    #expect(try ORCDump.lines(written, format: .v6_12) == expected)
    #expect(try orcBytes(out) == orcBytes(golden + ".o"))
    let pfx = written.symbols.filter { $0.name.hasPrefix("__pfx_") }.map { sym -> String in
      let section: String
      if case .section(let s) = sym.section { section = "\(s.rawValue)" } else { section = "?" }
      let bind = sym.binding == .local ? "LOCAL" : sym.binding == .global ? "GLOBAL" : "WEAK"
      return "\(sym.name) 0x\(String(sym.value, radix: 16)) \(sym.size) \(bind) \(section)"
    }.sorted()
    let expectedPfx = try String(contentsOfFile: golden + ".pfx.txt", encoding: .utf8).split(separator: "\n").map(String.init)
    #expect(pfx == expectedPfx)
    // Without --orc (Kbuild on frame-pointer kernels: --stackval --prefix=16) the same
    // symbols are written and no ORC; objtool 6.12 made the same set on this object.
    let symbolsOnly = dir.appendingPathComponent("s.o").path
    #expect(try TestSupport.run(binary, ["check", "--stackval", "--link", "--module", "--prefix=16", "--output", symbolsOnly,
                                         input]).status == 0)
    let plain = try ELFFile.open(path: symbolsOnly)
    #expect(plain.section(named: ".orc_unwind") == nil)
    #expect(plain.symbols.filter { $0.name.hasPrefix("__pfx_") }.map { "\($0.name) 0x\(String($0.value, radix: 16))" }.sorted()
      == expectedPfx.map { $0.split(separator: " ").prefix(2).joined(separator: " ") })
    // A second run adds nothing (objtool would duplicate every __pfx_ symbol).
    let again = dir.appendingPathComponent("q.o").path
    #expect(try TestSupport.run(binary, ["check", "--orc", "--replace", "--ibt", "--link", "--module", "--prefix=16",
                                         "--output", again, out]).status == 0)
    #expect(try ELFFile.open(path: again).symbols.filter { $0.name.hasPrefix("__pfx_") }.count == pfx.count)
  }

  /// More sections than ELF's direct indices hold (built here with the toolchain's clang):
  /// the section symbols `--orc` adds above 0xff00 go through SHN_XINDEX/.symtab_shndx,
  /// and every ORC relocation still names its own section (our read-back dump equals the
  /// generated one). Scripts/difftest-many-sections.sh compares the same with objtool.
  @Test func sectionSymbolsBeyondDirectIndices() throws {
    let toolchain = try TestSupport.run("/bin/sh", ["-c", "dirname \"$(readlink -f \"$(command -v swift)\")\""])
    let clang = toolchain.stdout.trimmingCharacters(in: .whitespacesAndNewlines) + "/clang"
    try #require(FileManager.default.isExecutableFile(atPath: clang), "the Swift toolchain's clang")
    let dir = try TestSupport.temporaryDirectory("orc-xindex")
    defer { try? FileManager.default.removeItem(at: dir) }
    var asm = ""
    for i in 0..<65_300 {
      asm += "\t.section .text.f\(i),\"ax\",@progbits\n\t.globl f\(i)\n\t.type f\(i),@function\nf\(i):\n"
        + "\tpush %rbp\n\tpop %rbp\n\tret\n\t.size f\(i),.-f\(i)\n"
    }
    let source = dir.appendingPathComponent("many.S").path, object = dir.appendingPathComponent("many.o").path
    try asm.write(toFile: source, atomically: false, encoding: .utf8)
    #expect(try TestSupport.run(clang, ["--target=x86_64-linux-gnu", "-c", source, "-o", object]).status == 0)
    let out = dir.appendingPathComponent("out.o").path
    let r = try TestSupport.run(binary, ["check", "--orc", "--output", out, object])
    #expect(r.status == 0, "\(r.stderr)")
    let written = try ELFFile.open(path: out)
    #expect(written.sections.count > 0xFF00)
    let high = written.symbols.filter { $0.isSectionSymbol && ($0.section.index?.rawValue ?? 0) >= 0xFF00 }
    #expect(!high.isEmpty, "section symbols above 0xff00")
    let generated = try TestSupport.run(binary, ["orc", "dump", "--generate", object]).stdout
    let readBack = try TestSupport.run(binary, ["orc", "dump", out]).stdout
    #expect(!readBack.isEmpty && readBack == generated)
    #expect(readBack.contains(".text.f65299+0:"))
  }

  @Test func existingORCIsRefusedUnlessReplace() throws {
    let dir = try TestSupport.temporaryDirectory("orc-replace")
    defer { try? FileManager.default.removeItem(at: dir) }
    let (copy, before) = try scratchCopy("TestObjects/orc/clean.objtool612.o", as: "c.o", in: dir)
    let refused = try TestSupport.run(binary, ["check", "--orc", copy])
    #expect(refused.status == 1)
    #expect(refused.stderr.contains("already has .orc_unwind section; use --replace"))
    #expect(try contents(copy) == before)
    let replaced = try TestSupport.run(binary, ["check", "--orc", "--replace", copy])
    #expect(replaced.status == 0)
    #expect(try orcBytes(copy) == orcBytes(TestSupport.absolute("TestObjects/orc/clean.objtool612.o")))
    let names = try ELFFile.open(path: copy).sections.map(\.name)
    #expect(names.filter { $0 == ".orc_unwind" }.count == 1, "regenerated in place, not duplicated")
  }

  /// CFI that ORC cannot express (an unwind hint's undefined CFA base, where the real
  /// objtool 6.12 says `entry_undef+0x3: unknown CFA base reg -1`): `check --orc` says
  /// so in one error line and writes nothing; the input stays as it was.
  @Test func inexpressibleCFIWritesNothing() throws {
    let dir = try TestSupport.temporaryDirectory("orc-inexpressible")
    defer { try? FileManager.default.removeItem(at: dir) }
    let (copy, before) = try scratchCopy("TestObjects/x86_64/undefcfa/undefcfa.o", as: "undefcfa.o", in: dir)
    let out = dir.appendingPathComponent("out.o").path
    for args in [["check", "--orc", "--output", out, copy], ["check", "--orc", copy]] {
      let r = try TestSupport.run(binary, args)
      #expect(r.status == 1)
      #expect(r.stderr.contains("\(copy): error: unwindcheck: cannot express the CFI as ORC, nothing written: .text+0x3: unknown CFA base reg -1"), "\(r.stderr)")
      #expect(!FileManager.default.fileExists(atPath: out))
      #expect(try contents(copy) == before)
    }
  }

  /// Kill the writer at random moments: the input is always byte-identical (or, once
  /// the rename happened, the complete new file), and never a partial one.
  @Test func killedWriteLeavesInputIntact() throws {
    let dir = try TestSupport.temporaryDirectory("orc-kill")
    defer { try? FileManager.default.removeItem(at: dir) }
    let input = TestSupport.absolute("TestObjects/kernel-headers/patchsites.o")
    let original = try Data(contentsOf: URL(fileURLWithPath: input))
    let target = dir.appendingPathComponent("k.o")
    var rng = SplitMix64(seed: 77)
    var intact = 0, completed = 0
    for _ in 0..<30 {
      try? FileManager.default.removeItem(at: target)
      try original.write(to: target)
      let p = Process()
      p.executableURL = URL(fileURLWithPath: binary)
      p.arguments = ["check", "--orc", target.path]
      p.standardError = FileHandle.nullDevice
      try p.run()
      usleep(useconds_t(rng.next() % 20_000))
      kill(p.processIdentifier, SIGKILL)
      p.waitUntilExit()
      let now = try Data(contentsOf: target)
      if now == original {
        intact += 1
      } else {
        // Only the finished result may replace it: a complete object with ORC.
        let f = try ELFFile.open(path: target.path)
        #expect(f.section(named: ".orc_unwind") != nil)
        completed += 1
      }
      let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0 != "k.o" && !$0.contains("unwindcheck-") }
      #expect(leftovers.isEmpty)
    }
    #expect(intact + completed == 30)
    print("kill-test: 30 kills, \(intact) left the input untouched, \(completed) after the atomic rename")
  }
}

/// The 6.1 ORC format (`--kernel 6.1`) against what objtool 6.1 wrote.
@Suite(.enabled(if: TestSupport.unwindcheckBinary != nil, "needs the built unwindcheck executable"))
struct ORC61WriteTests {
  @Test(arguments: ["clean", "drap"])
  func sixOneBytesEqualObjtool61(_ name: String) throws {
    let dir = try TestSupport.temporaryDirectory("orc61")
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("o.o").path
    let r = try TestSupport.run(TestSupport.unwindcheckBinary!,
                                ["check", "--orc", "--kernel", "6.1", "--output", out, TestSupport.absolute("TestObjects/x86_64/cfi/\(name).o")])
    #expect(r.status == 0)
    func bytes(_ p: String) throws -> [UInt8] {
      let f = try ELFFile.open(path: p)
      return f.withBytes(of: try #require(f.section(named: ".orc_unwind")).index) { [UInt8]($0) }
    }
    #expect(try bytes(out) == bytes(TestSupport.absolute("TestObjects/orc/\(name).objtool61.o")))
    let expected = try String(contentsOfFile: TestSupport.absolute("TestObjects/orc/\(name).objtool61.dump.txt"), encoding: .utf8)
      .split(separator: "\n").map(String.init)
    #expect(try ORCDump.lines(try ELFFile.open(path: out), format: .v6_1) == expected)
  }
}
