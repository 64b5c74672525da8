// The built `unwindcheck` executable: exit codes, the one-line error shape for every
// malformed variant, --version/--help.
import Foundation
import Testing
import UnwindTestSupport

@Suite(.enabled(if: TestSupport.unwindcheckBinary != nil, "needs the built unwindcheck executable"))
struct CLITests {
  var binary: String { TestSupport.unwindcheckBinary! }

  @Test(arguments: TestSupport.testObjects())
  func cleanObjectExitsZero(_ relative: String) throws {
    let r = try TestSupport.run(binary, ["check", TestSupport.absolute(relative)])
    #expect(r.status == 0)
    #expect(r.stderr.isEmpty)
  }

  @Test func statsReportsStructure() throws {
    let path = TestSupport.absolute("TestObjects/bigendian/frames.o")
    let r = try TestSupport.run(binary, ["check", "--stats", path])
    #expect(r.status == 0)
    #expect(r.stdout.contains("\(path): machine: AArch64, big-endian"))
    #expect(r.stdout.contains("\(path): relocations: 5 in 2 sections"))
  }

  @Test func elf32IsRefusedWithExit3() throws {
    let path = TestSupport.absolute("TestObjects/other/elf32.o")
    let r = try TestSupport.run(binary, ["check", path])
    #expect(r.status == 3)
    #expect(r.stderr == "\(path): error: unwindcheck: ELF32 objects are not supported (only ELF64) (ELF header, offset 0x4)\n")
  }

  @Test func missingFileIsExit3() throws {
    let r = try TestSupport.run(binary, ["check", "/nonexistent/x.o"])
    #expect(r.status == 3)
    #expect(r.stderr == "/nonexistent/x.o: error: unwindcheck: cannot open: No such file or directory (file, offset 0x0)\n")
  }

  @Test func usageErrorsExit2() throws {
    #expect(try TestSupport.run(binary, ["check"]).status == 2)
    #expect(try TestSupport.run(binary, ["check", "--no-such-flag", "x.o"]).status == 2)
    #expect(try TestSupport.run(binary, ["frobnicate"]).status == 2)
  }

  @Test func versionAndHelp() throws {
    let v = try TestSupport.run(binary, ["--version"])
    #expect(v.status == 0)
    #expect(v.stdout.range(of: #"^\d+\.\d+\.\d+\n$"#, options: .regularExpression) != nil)
    let h = try TestSupport.run(binary, ["--help"])
    #expect(h.status == 0)
    #expect(h.stdout.contains("Exit codes: 0 clean, 1 findings under --werror, 2 usage error, 3 unreadable"))
  }

  /// A good object after a bad one: both are processed, the run exits 3.
  @Test func badInputDoesNotStopTheRest() throws {
    let good = TestSupport.absolute("TestObjects/x86_64/frames.o")
    let r = try TestSupport.run(binary, ["check", "--stats", "/nonexistent/a.o", good])
    #expect(r.status == 3)
    #expect(r.stdout.contains("\(good): sections:"))
  }

  /// Every malformed variant of three objects (x86-64 asm, big-endian arm64, gcc C)
  /// through the real executable: exit 3, exactly one well-formed line on stderr.
  @Test(arguments: ["TestObjects/x86_64/frames.o", "TestObjects/bigendian/frames.o",
                    "TestObjects/compiled/list_sort.gcc-x86_64.o"])
  func corruptVariantsExit3WithOneLine(_ relative: String) throws {
    let variants = try CorruptObjects.variants(of: TestSupport.absolute(relative))
    let dir = try TestSupport.temporaryDirectory("cli-corrupt")
    defer { try? FileManager.default.removeItem(at: dir) }
    var failures: [String] = []
    for (n, v) in variants.enumerated() {
      let path = dir.appendingPathComponent("v\(n).o").path
      try Data(v.bytes).write(to: URL(fileURLWithPath: path))
      let r = try TestSupport.run(binary, ["check", path])
      let line = String(r.stderr.dropLast())
      if r.status != 3 { failures.append("\(v.name): exit \(r.status) (\(r.stderr.prefix(300)))") }
      if !r.stderr.hasSuffix("\n") || line.contains("\n") || !CorruptObjects.lineIsWellFormed(line, path: path) {
        failures.append("\(v.name): stderr not one well-formed line: \(r.stderr.prefix(300))")
      }
      if let e = v.expected, !line.contains(e) { failures.append("\(v.name): expected '\(e)' in \(line.prefix(300))") }
    }
    #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    print("cli-malformed: \(relative): \(variants.count) variants, all exit 3 with one line: \(failures.isEmpty)")
  }
}
