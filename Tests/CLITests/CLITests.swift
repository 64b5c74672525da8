// The built `unwindcheck` executable: exit codes, the one-line error shape for every
// malformed variant, --version/--help.
import Foundation
import Testing
import UnwindTestSupport

@Suite(.enabled(if: TestSupport.unwindcheckBinary != nil, "needs the built unwindcheck executable"))
struct CLITests {
  var binary: String { TestSupport.unwindcheckBinary! }

  /// Without --werror, findings are warnings: exit 0, and no error lines.
  @Test(arguments: TestSupport.testObjects())
  func readableObjectExitsZero(_ relative: String) throws {
    let r = try TestSupport.run(binary, ["check", TestSupport.absolute(relative)])
    #expect(r.status == 0)
    #expect(!r.stderr.contains(": error: "))
  }

  @Test func werrorTurnsFindingsIntoExit1() throws {
    let path = TestSupport.absolute("TestObjects/x86_64/cfi/modret.o")
    let r = try TestSupport.run(binary, ["check", "--werror", path])
    #expect(r.status == 1)
    #expect(r.stderr == "\(path): warning: unwindcheck: modret+0x1: return with modified stack frame [UV1011]\n")
    let clean = try TestSupport.run(binary, ["check", "--werror", TestSupport.absolute("TestObjects/x86_64/cfi/clean.o")])
    #expect(clean.status == 0 && clean.stderr.isEmpty)
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

/// `unwindcheck decode`: the documented line format, section filter, several files,
/// and instruction boundaries identical to GNU objdump's on every x86 TestObject.
@Suite(.enabled(if: TestSupport.unwindcheckBinary != nil, "needs the built unwindcheck executable"))
struct DecodeCLITests {
  var binary: String { TestSupport.unwindcheckBinary! }

  @Test func lineFormat() throws {
    let path = TestSupport.absolute("TestObjects/x86_64/frames.o")
    let r = try TestSupport.run(binary, ["decode", path])
    #expect(r.status == 0)
    let lines = r.stdout.split(separator: "\n").map(String.init)
    // fp_func: push %rbp; mov %rsp,%rbp; push %rbx; call external_helper
    // (The assembly column as GNU objdump prints it, `objdump -d -r frames.o`: the
    // relocation R_X86_64_PLT32 external_helper-0x4 on the call names its target.)
    #expect(Array(lines.prefix(4)) == [
      ".text\t0x0\t1\tother\tpush<-rbp\tfp_func+0x0\tpush %rbp",
      ".text\t0x1\t3\tother\trbp<-rsp\tfp_func+0x1\tmov %rsp,%rbp",
      ".text\t0x4\t1\tother\tpush<-rbx\tfp_func+0x4\tpush %rbx",
      ".text\t0x5\t5\tcall->0xa\tpush<-const\tfp_func+0x5\tcall a <external_helper>",
    ])
    #expect(lines.contains { $0.hasPrefix(".text\t0x2f\t7\tjmp*\t-\t") && $0.hasSuffix("\tjmp *0x0(,%rdi,8) <.rodata+0x0>") })
  }

  @Test func sectionFilterAndSeveralFiles() throws {
    let a = TestSupport.absolute("TestObjects/x86_64/frames.o")
    let b = TestSupport.absolute("TestObjects/compiled/list_sort.gcc-x86_64.o")
    let none = try TestSupport.run(binary, ["decode", "--section", ".nothing", a])
    #expect(none.status == 0 && none.stdout.isEmpty)
    let two = try TestSupport.run(binary, ["decode", a, b])
    #expect(two.stdout.hasPrefix("==> \(a) <==\n"))
    #expect(two.stdout.contains("\n==> \(b) <==\n"))
  }

  /// arm64 decodes too (its oracle test, against LLVM, is ARM64Tests.decodeEqualsLLVM).
  @Test func arm64Decodes() throws {
    let path = TestSupport.absolute("TestObjects/arm64/frames.o")
    let r = try TestSupport.run(binary, ["decode", path])
    #expect(r.status == 0 && r.stderr.isEmpty)
    #expect(r.stdout.hasPrefix(".text\t0x0\t4\tnop\tra<-signed\tfp_func+0x0\tpaciasp\n.text\t0x4\t4\tother\tsp<-sp-0x20,[sp+0x0]<-x29,[sp+0x8]<-x30\tfp_func+0x4\tstp x29, x30, [sp, #-32]!\n"))
  }

  /// `decode --function`: only that function's instructions; a name that is no function
  /// is said.
  @Test func functionFilter() throws {
    let path = TestSupport.absolute("TestObjects/x86_64/frames.o")
    let r = try TestSupport.run(binary, ["decode", "--function", "fp_func", path])
    let lines = r.stdout.split(separator: "\n")
    #expect(lines.count == 7 && lines.allSatisfy { $0.contains("\tfp_func+0x") })
    let none = try TestSupport.run(binary, ["decode", "--function", "nosuch", path])
    #expect(none.status == 0 && none.stdout.isEmpty && none.stderr.contains("no function named nosuch"))
  }

  /// The assembly column against GNU objdump (x86-64) and aarch64-linux-gnu-objdump
  /// (arm64) on every test object, through Scripts/difftest-syntax.py (the corpus-wide
  /// figures are in docs/figures.md): nothing spelled differently.
  @Test(.enabled(if: TestSupport.hasTool("objdump") && TestSupport.hasTool("aarch64-linux-gnu-objdump") && TestSupport.hasTool("python3")),
        arguments: ["x86_64", "arm64"])
  func assemblyTextMatchesObjdump(_ arch: String) throws {
    let objects = TestSupport.testObjects().filter { arch == "arm64" ? $0.contains("arm64") : !$0.contains("arm64") && !$0.contains("bigendian") }
    let list = NSTemporaryDirectory() + "syntax-\(arch).list"
    try objects.map(TestSupport.absolute).joined(separator: "\n").write(toFile: list, atomically: true, encoding: .utf8)
    let r = try TestSupport.run("python3", [TestSupport.absolute("Scripts/difftest-syntax.py"), binary, list, "--arch", arch])
    let m = try #require(r.stdout.firstMatch(of: /(\d+) instructions, (\d+) equal .*, (\d+) different/), "\(r.stdout)\(r.stderr)")
    #expect(Int(m.1)! > 400)
    #expect(Int(m.3)! == 0, "\(r.stdout)")
    #expect(Double(m.2)! >= 0.95 * Double(m.1)!, "\(r.stdout)")
  }

  /// The oracle: objdump -d -z boundaries for every executable section. The one place
  /// where objtool (the kernel's decoder) and objdump differ: a forced-emulation prefix
  /// (`ud2; .ascii "xen"`) and its instruction are one instruction to us, while objdump
  /// decodes `ud2` and then the ASCII as code; there objdump's sweep is restarted after
  /// our instruction, and it must see the `ud2` at its start.
  @Test(.enabled(if: TestSupport.hasTool("objdump")),
        arguments: TestSupport.testObjects().filter { !$0.contains("arm64") && !$0.contains("bigendian") })
  func boundariesMatchObjdump(_ relative: String) throws {
    let path = TestSupport.absolute(relative)
    var ours: [String] = []
    var sections: [String] = []
    var prefixed: [String: [(offset: Int, length: Int)]] = [:]
    for line in try TestSupport.run(binary, ["decode", path]).stdout.split(separator: "\n") {
      let f = line.split(separator: "\t")
      let section = String(f[0])
      if sections.last != section { sections.append(section) }
      if f.count > 6, f[6].hasPrefix("ud2; .ascii "), let off = Int(f[1].dropFirst(2), radix: 16), let len = Int(f[2]) {
        prefixed[section, default: []].append((off, len))
      }
      ours.append("\(f[0]) \(f[1]) \(f[2])")
    }
    var reference: [String] = []
    for section in sections {
      var cursor = 0
      for p in prefixed[section] ?? [] {
        reference += try objdumpBoundaries(path, section: section, from: cursor, to: p.offset)
        #expect(try objdumpBoundaries(path, section: section, from: p.offset, to: p.offset + 2)
                == ["\(section) 0x\(String(p.offset, radix: 16)) 2"], "objdump's ud2")
        reference.append("\(section) 0x\(String(p.offset, radix: 16)) \(p.length)")
        cursor = p.offset + p.length
      }
      reference += try objdumpBoundaries(path, section: section, from: cursor, to: nil)
    }
    #expect(!reference.isEmpty)
    #expect(ours == reference)
  }

  /// objdump's instruction boundaries in `from..<to` of one section.
  func objdumpBoundaries(_ path: String, section: String, from: Int, to: Int?) throws -> [String] {
    let range = ["--start-address=\(from)"] + (to.map { ["--stop-address=\($0)"] } ?? [])
    let r = try TestSupport.run("objdump", ["-d", "-z", "--insn-width=16", "-j", section] + range + [path])
    return r.stdout.split(separator: "\n").compactMap { line in
      let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
      guard parts.count >= 2, parts[0].hasSuffix(":"),
            let off = Int(parts[0].dropLast().trimmingCharacters(in: .whitespaces), radix: 16) else { return nil }
      return "\(section) 0x\(String(off, radix: 16)) \(parts[1].split(separator: " ").count)"
    }
  }
}

/// `unwindcheck alternatives`: the conflicting stream and offset objtool reports
/// (`badalt+0x1: ... badalt+0x7`, TestObjects/x86_64/alt/conflict.objtool-orc.txt) are
/// the ones the report marks; a clean site has no marks.
@Suite(.enabled(if: TestSupport.unwindcheckBinary != nil, "needs the built unwindcheck executable"))
struct AlternativesCLITests {
  var binary: String { TestSupport.unwindcheckBinary! }

  @Test func conflictIsMarkedWhereObjtoolFoundIt() throws {
    let r = try TestSupport.run(binary, ["alternatives", TestSupport.absolute("TestObjects/x86_64/alt/conflict.o")])
    #expect(r.status == 0)
    let marked = r.stdout.split(separator: "\n").filter { $0.contains("<-- conflicts with the table") }
    #expect(marked.count == 1)
    #expect(marked.first?.contains("badalt+0x7") == true)
    #expect(r.stdout.contains("site badalt+0x1 (7 bytes) in badalt()"))
    #expect(r.stdout.contains("stack layout conflict in alternatives: badalt+0x7 [UV1201]"))
  }

  @Test func cleanSiteHasNoConflict() throws {
    let r = try TestSupport.run(binary, ["alternatives", "--function", "save_fl",
                                         TestSupport.absolute("TestObjects/x86_64/alt/pvsave.o")])
    #expect(r.status == 0)
    #expect(r.stdout.contains("replacement 1 (feature 0x75 X86_FEATURE_ALWAYS):"))
    #expect(r.stdout.contains("(padding)"))
    #expect(!r.stdout.contains("<-- conflicts"))
  }
}

/// arm64 `.altinstructions` (no walk yet): entries resolved to code, as the source
/// TestObjects/arm64/alternatives.S lays them out (relocations checked against readelf
/// by the ELF differential test).
@Suite(.enabled(if: TestSupport.unwindcheckBinary != nil, "needs the built unwindcheck executable"))
struct ARM64AlternativesCLITests {
  @Test func entriesAndCallbackResolve() throws {
    let r = try TestSupport.run(TestSupport.unwindcheckBinary!,
                                ["alternatives", TestSupport.absolute("TestObjects/arm64/alternatives.o")])
    #expect(r.status == 0)
    let lines = r.stdout.split(separator: "\n").map(String.init)
    #expect(lines.first?.hasSuffix(": 2 alternative entries") == true)
    // f: nop at +0 <- dmb ish after the function (subsection 1, .text+0x18), cpucap 0x21.
    #expect(lines.contains("  .text+0x0 (4 bytes) <- .text+0x18 (4 bytes), cpucap 0x21"))
    #expect(lines.contains("  .text+0xc (4 bytes) <- callback alt_cb_patch_nops() (external) (0 bytes), cpucap 0x8001"))
    #expect(!r.stdout.contains("UNRESOLVED"))
    // The sites as the arm64 walk left them: the cpucap 0x21 site merged, and the
    // alt_cb_patch_nops site with its all-NOP stream.
    #expect(lines.contains { $0.hasSuffix(": 2 patch sites") })
    #expect(lines.contains("site f+0x0 (4 bytes) in f()"))
  }
}

/// `check --verbose`: a conflict's notes name both streams at the offset objtool
/// reported (conflict.S: original `nop` at badalt+0x7 versus the replacement's
/// `pop %rax` after `pushf; nop5`, feature 117 = 0x75 in the source).
@Suite(.enabled(if: TestSupport.unwindcheckBinary != nil, "needs the built unwindcheck executable"))
struct ConflictNotesTests {
  @Test func notesNameBothStreams() throws {
    let path = TestSupport.absolute("TestObjects/x86_64/alt/conflict.o")
    let r = try TestSupport.run(TestSupport.unwindcheckBinary!, ["check", "--verbose", path])
    let notes = r.stderr.split(separator: "\n").filter { $0.contains(": note: unwindcheck:") }
    #expect(notes.count == 3)
    #expect(notes[0].hasSuffix("site badalt+0x1, offset +0x6:"))
    #expect(notes[1].contains("replacement 1 (feature 0x75 X86_FEATURE_ALWAYS) at .altinstr_replacement+0x6: CFA=rsp+24"))
    #expect(notes[2].contains("original at badalt+0x7: CFA=rsp+16"))
    // Without --verbose the output is objtool's single line.
    let plain = try TestSupport.run(TestSupport.unwindcheckBinary!, ["check", path])
    #expect(!plain.stderr.contains("note:"))
  }
}

/// A conflict in a frame-pointer function whose streams differ only in stack depth:
/// the notes show the depth (the CFA, on the frame pointer, is the same in both).
@Suite(.enabled(if: TestSupport.unwindcheckBinary != nil, "needs the built unwindcheck executable"))
struct ConflictDepthTests {
  @Test func notesShowTheDifferingDepth() throws {
    let r = try TestSupport.run(TestSupport.unwindcheckBinary!, ["check", "--verbose", TestSupport.absolute("TestObjects/x86_64/alt/fpdepth.o")])
    #expect(r.stderr.contains("first recorded by replacement 1 (feature 0x75 X86_FEATURE_ALWAYS) at .altinstr_replacement+0x4: CFA=rbp+16 rbp=[CFA-16] ra=[CFA-8] depth=16"))
    #expect(r.stderr.contains("conflicting original at fpalt+0x8: CFA=rbp+16 rbp=[CFA-16] ra=[CFA-8] depth=24"))
  }
}
