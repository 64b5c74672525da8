// Every stack-validation TestObject against the real objtool 6.12's findings, recorded
// by Scripts/record-objtool-expectations.sh (TestObjects/x86_64/cfi/EXPECTATIONS.txt):
// the same lines, both directions, in --orc and --stackval mode.
import ELFObject
import Foundation
import Testing
import Analysis
import ArchX86
import UnwindDriver
import ORC
import UnwindModel
import UnwindTestSupport

enum ObjtoolGolden {
  /// Cases as "DIR/NAME" under TestObjects/x86_64: cfi/ (stack rules), alt/ (patch sites).
  static var cases: [String] {
    ["x86_64/cfi", "x86_64/alt", "x86_64/annotate", "compiled", "kernel-headers"].flatMap { dir in
      ((try? FileManager.default.contentsOfDirectory(
        atPath: TestSupport.testObjectsDirectory.appendingPathComponent(dir).path)) ?? [])
        .filter { $0.hasSuffix(".o") && (dir != "compiled" || $0.contains("x86_64")) }
        .map { "\(dir)/\($0.dropLast(2))" }
    }.sorted()
  }

  static func path(_ c: String, _ suffix: String) -> String {
    TestSupport.testObjectsDirectory.appendingPathComponent("\(c)\(suffix)").path
  }

  /// Our finding lines in objtool's spelling: tool name swapped, rule id dropped.
  static func normalized(_ line: String) -> String {
    var l = line.replacingOccurrences(of: ": warning: unwindcheck: ", with: ": warning: objtool: ")
    if let r = l.range(of: #" \[UV[0-9]{4}\]$"#, options: .regularExpression) { l.removeSubrange(r) }
    return l
  }
}

struct ObjtoolGoldenTests {
  /// Modes: objtool --orc, --stackval, and --orc --backtrace.
  @Test(arguments: ObjtoolGolden.cases, ["orc", "stackval", "backtrace"])
  func findingsMatchObjtool(_ c: String, _ mode: String) throws {
    let object = ObjtoolGolden.path(c, ".o")
    let name = String(c.split(separator: "/").last!)
    let expectedFile = URL(fileURLWithPath: ObjtoolGolden.path(c, ".objtool-\(mode).txt"))
    let expected = try String(contentsOf: expectedFile, encoding: .utf8).split(separator: "\n").map(String.init)
    var options = CheckOptions()
    options.stackval = mode == "stackval"
    options.backtrace = mode == "backtrace"
    // (objtool stops at a bad table entry; `check` reports it and goes on: MalformedTableTests.)
    options.stopAtBadTableEntries = true
    let file = try ELFFile.open(path: object)
    let ours = validate(file, options: options).flatMap { DiagnosticText.lines($0, file: "\(name).o", verbose: false) }.map(ObjtoolGolden.normalized)
    #expect(ours == expected)
    // The same with the functions walked on two threads (objects this small are
    // otherwise walked on one).
    options.jobs = 2
    options.parallelWalkMinimum = 0
    let parallel = validate(file, options: options).flatMap { DiagnosticText.lines($0, file: "\(name).o", verbose: false) }.map(ObjtoolGolden.normalized)
    #expect(parallel == expected, "parallel walk")
  }

  /// The ORC objtool wrote for every case (its --dump=orc) equals the ORC we generate.
  @Test(arguments: ObjtoolGolden.cases)
  func generatedORCMatchesObjtool(_ c: String) throws {
    let expected = try String(contentsOfFile: ObjtoolGolden.path(c, ".objtool-orcdump.txt"), encoding: .utf8)
      .split(separator: "\n").map(String.init)
    let file = try ELFFile.open(path: ObjtoolGolden.path(c, ".o"))
    var sequential = CheckOptions()
    sequential.stopAtBadTableEntries = true
    var parallel = sequential
    parallel.jobs = 2
    parallel.parallelWalkMinimum = 0
    for options in [sequential, parallel] {
      let ours = (try? generateORC(file, options: options, format: .v6_12)) ?? nil
      // objtool writes no ORC when it cannot express a state (e.g. an undefined CFA in a
      // CALL frame) or after a fatal error; we then generate none either.
      #expect(ORCGenerator.dumpLines(ours ?? [], format: .v6_12) == expected || (expected.isEmpty && ours == nil))
    }
  }

  @Test func everyCaseHasRecordedExpectations() {
    #expect(ObjtoolGolden.cases.count >= 34)
    for c in ObjtoolGolden.cases {
      for mode in ["orc", "stackval", "backtrace"] {
        #expect(FileManager.default.fileExists(atPath: ObjtoolGolden.path(c, ".objtool-\(mode).txt")), "\(c) \(mode)")
      }
    }
  }
}

/// 6.14+ `.discard.annotate_insn` has no objtool 6.12 oracle; it must mean exactly
/// what the 6.12 per-kind sections mean, which the oracle does check (discard.o).
struct AnnotateInsnTests {
  @Test func annotateInsnFormEqualsDiscardSectionForm() throws {
    let dir = "TestObjects/x86_64/annotate/"
    let old = try ELFFile.open(path: TestSupport.absolute(dir + "discard.o"))
    let new = try ELFFile.open(path: TestSupport.absolute(dir + "annotate.o"))
    var o612 = CheckOptions()
    o612.kernel = .v6_12
    var o614 = CheckOptions()
    o614.kernel = .v6_14
    let a = try #require(analyse(old, options: o612))
    let b = try #require(analyse(new, options: o614))
    #expect(a.findings.isEmpty && b.findings.isEmpty)
    // Same per-instruction CFI (as CFA rules) in .text.
    func cfa(_ r: ValidationResult) -> [String] {
      r.instructionCFI.flatMap { sec in sec.cfi.map { id in id.map { r.cfiStates[$0].cfa.objtoolText } ?? "-" } }
    }
    #expect(cfa(a) == cfa(b))
    // Without 6.14 semantics the new form is not understood: objtool 6.12 would fail it.
    #expect(!validate(new, options: o612).isEmpty)
  }
}

/// The 6.1 `.altinstructions` layout (12-byte entries) under `--kernel 6.1`, against
/// objtool 6.1; and against objtool 6.12, which rejects that layout.
struct Kernel61Tests {
  static let dir = "TestObjects/x86_64/alt61/"

  func lines(_ name: String, _ options: CheckOptions) throws -> [String] {
    let file = try ELFFile.open(path: TestSupport.absolute(Self.dir + name + ".o"))
    return validate(file, options: options).flatMap { DiagnosticText.lines($0, file: name + ".o", verbose: false) }.map(ObjtoolGolden.normalized)
  }

  func recorded(_ name: String, _ suffix: String) throws -> [String] {
    try String(contentsOfFile: TestSupport.absolute(Self.dir + name + suffix), encoding: .utf8)
      .split(separator: "\n").map(String.init)
  }

  @Test func conflictMatchesObjtool61() throws {
    var o = CheckOptions()
    o.kernel = .v6_1
    #expect(try lines("conflict61", o) == recorded("conflict61", ".objtool61-orc.txt"))
  }

  /// A shorter replacement's padding NOP against the original (objtool 6.1 reports it at
  /// the original's instruction; alt/padding.S is the 6.12 case).
  @Test func paddingConflictMatchesObjtool61() throws {
    var o = CheckOptions()
    o.kernel = .v6_1
    #expect(try lines("padding61", o) == recorded("padding61", ".objtool61-orc.txt"))
    #expect(try !recorded("padding61", ".objtool61-orc.txt").isEmpty)
  }

  /// `--no-unreachable`: the unreachable instruction objtool reports without it goes
  /// unreported, as the real objtool's `--no-unreachable` run recorded it.
  @Test func noUnreachableAsObjtool() throws {
    let dir = "TestObjects/x86_64/cfi/"
    let file = try ELFFile.open(path: TestSupport.absolute(dir + "unreachable.o"))
    var o = CheckOptions()
    o.noUnreachable = true
    let ours = validate(file, options: o).flatMap { DiagnosticText.lines($0, file: "unreachable.o", verbose: false) }.map(ObjtoolGolden.normalized)
    let recorded = try String(contentsOfFile: TestSupport.absolute(dir + "unreachable.objtool-nounreachable.txt"), encoding: .utf8)
      .split(separator: "\n").map(String.init)
    #expect(ours == recorded)
    #expect(try !String(contentsOfFile: TestSupport.absolute(dir + "unreachable.objtool-orc.txt"), encoding: .utf8).isEmpty)
  }

  /// A `mov %reg, %reg` into the CFA's base register: objtool 6.12's decoder makes an op
  /// of every register move (the CFA becomes undefined: a finding), 6.1's only of moves
  /// from or to %rsp (nothing to say). Each `--kernel` as its objtool.
  @Test func registerMovesAsEachObjtool() throws {
    let name = "fpclobber", dir = "TestObjects/x86_64/cfi/"
    let file = try ELFFile.open(path: TestSupport.absolute(dir + name + ".o"))
    func lines(_ kernel: KernelVersion) -> [String] {
      var o = CheckOptions()
      o.kernel = kernel
      return validate(file, options: o).flatMap { DiagnosticText.lines($0, file: name + ".o", verbose: false) }.map(ObjtoolGolden.normalized)
    }
    func recorded(_ suffix: String) throws -> [String] {
      try String(contentsOfFile: TestSupport.absolute(dir + name + suffix), encoding: .utf8).split(separator: "\n").map(String.init)
    }
    #expect(try recorded(".objtool61-orc.txt").isEmpty)
    #expect(lines(.v6_1).isEmpty)
    #expect(try !recorded(".objtool-orc.txt").isEmpty)
    #expect(try lines(.v6_12) == recorded(".objtool-orc.txt"))
  }

  @Test func sixTwelveRejectsTheOldLayoutAsObjtool612Does() throws {
    for name in ["conflict61", "three61", "padding61"] {
      #expect(try lines(name, CheckOptions()) == recorded(name, ".objtool-orc.txt"))
    }
  }

  /// objtool 6.1 gives every entry a fresh CFI table (the original then uses the
  /// newest), so a conflict between the two replacements goes unseen; `--kernel 6.1`
  /// does the same (Debian's 6.1 kvm-amd.ko depends on it), the 6.12 default shares one
  /// table per site and reports it.
  @Test func threeStreamConflictAsObjtool61() throws {
    var o = CheckOptions()
    o.kernel = .v6_1
    #expect(try recorded("three61", ".objtool61-orc.txt").isEmpty)
    #expect(try lines("three61", o).isEmpty)
  }
}

/// `--ibt`: a direct jump past another function's ENDBR is a sibling call
/// (objtool `is_first_func_insn`); Kbuild runs objtool this way on IBT kernels.
struct IBTTests {
  @Test func jumpPastEndbrIsSiblingCallOnlyWithIBT() throws {
    let path = TestSupport.absolute("TestObjects/x86_64/cfi/ibtjump.o")
    let file = try ELFFile.open(path: path)
    var o = CheckOptions()
    o.ibt = true
    o.link = true
    let expected = try String(contentsOfFile: TestSupport.absolute("TestObjects/x86_64/cfi/ibtjump.objtool-ibt.txt"), encoding: .utf8)
      .split(separator: "\n").map(String.init)
    #expect(validate(file, options: o).flatMap { DiagnosticText.lines($0, file: "ibtjump.o", verbose: false) }.map(ObjtoolGolden.normalized) == expected)
    #expect(expected.isEmpty)
    // Without --ibt: objtool's orc-mode expectation (falls through), checked by the goldens.
    #expect(!validate(file, options: CheckOptions()).isEmpty)
  }
}
