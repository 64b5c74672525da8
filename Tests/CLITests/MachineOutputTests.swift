// `check --format json|sarif`: the same findings as the text lines, as data; the SARIF
// log valid against the OASIS SARIF 2.1.0 schema (Tests/Schemas), with the rules from
// the catalogue; fingerprints that ignore where code moved.
import Foundation
import Testing
import UnwindDriver
import UnwindModel
import UnwindTestSupport
import ArchARM64
import DecodeX86

@Suite(.enabled(if: TestSupport.unwindcheckBinary != nil, "needs the built unwindcheck executable"))
struct MachineOutputTests {
  var binary: String { TestSupport.unwindcheckBinary! }
  /// Objects with findings of several kinds: ordering, a patch-site conflict (related
  /// locations, notes), uaccess (with --uaccess), IBT data relocations.
  static let objects = ["x86_64/cfi/order.o", "x86_64/alt/conflict.o", "x86_64/uaccess/uaccess.o", "x86_64/ibt/ibt.o"]
  var paths: [String] { Self.objects.map { TestSupport.absolute("TestObjects/" + $0) } }
  let flags = ["--link", "--uaccess", "--ibt", "--module"]

  @Test func jsonLinesCarryEveryTextFinding() throws {
    let text = try TestSupport.run(binary, ["check"] + flags + paths)
    let json = try TestSupport.run(binary, ["check", "--format", "json"] + flags + paths)
    #expect(json.stderr.isEmpty)
    let textLines = text.stderr.split(separator: "\n").map(String.init)
    let records = try json.stdout.split(separator: "\n").map { line in
      try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }
    #expect(records.count == textLines.count && records.count > 20)
    for (record, line) in zip(records, textLines) {
      let rule = try #require(record["rule"] as? String)
      let message = try #require(record["message"] as? String)
      #expect(line.hasSuffix("\(message) [\(rule)]"), "\(line)")
      // (A fall-through's line names the functions, not its place; the record has both.)
      if let location = record["location"] as? String, rule != "UV1020" { #expect(line.contains(": \(location): ")) }
      #expect((record["fingerprint"] as? String)?.count == 16)
      #expect(record["severity"] as? String == "warning")
    }
    // The conflict's related locations and notes come along.
    let conflict = try #require(records.first { $0["rule"] as? String == "UV1201" })
    #expect(((conflict["related"] as? [[String: Any]]) ?? []).count >= 2)
  }

  @Test func sarifIsValidAgainstTheSchema() throws {
    let r = try TestSupport.run(binary, ["check", "--format", "sarif", "--verbose"] + flags + paths)
    let dir = try TestSupport.temporaryDirectory("sarif")
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("out.sarif")
    try r.stdout.write(to: out, atomically: true, encoding: .utf8)
    let log = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    let run = try #require((log["runs"] as? [[String: Any]])?.first)
    let rules = try #require(((run["tool"] as? [String: Any])?["driver"] as? [String: Any])?["rules"] as? [[String: Any]])
    #expect(rules.count == RuleID.all.count)
    let results = try #require(run["results"] as? [[String: Any]])
    #expect(results.count > 20)
    for result in results {
      let index = try #require(result["ruleIndex"] as? Int)
      #expect(rules[index]["id"] as? String == result["ruleId"] as? String)
      #expect((result["partialFingerprints"] as? [String: String])?["unwindcheck/v1"] != nil)
    }
    // The schema check (Python's jsonschema, installed by Scripts/install-deps.sh).
    let schema = TestSupport.absolute("Tests/Schemas/sarif-schema-2.1.0.json")
    let check = try TestSupport.run("/usr/bin/python3", ["-c",
      "import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))); print('valid')",
      out.path, schema])
    #expect(check.stdout == "valid\n", "\(check.stderr.suffix(2000))")
  }

  /// Offsets and numbers do not enter a fingerprint; the rule, object name, function,
  /// the message's kind and the names among its arguments do.
  @Test func fingerprintsIgnoreWhereCodeMoved() {
    let place = { (off: UInt64) in CodeLocation(section: ".text", offset: off, symbol: "f", symbolOffset: off, function: "f") }
    let a = Finding(at: place(0x10), Message(.mismatchCFA, .value("4+16"), .value("4+8")))
    let b = Finding(at: place(0x30), Message(.mismatchCFA, .value("4+24"), .value("4+8")))
    let c = Finding(at: place(0x10), Message(.returnWithModifiedFrame))
    #expect(a.message.text == "stack state mismatch: cfa1=4+16 cfa2=4+8")
    #expect(FindingFingerprint.of(a, file: "build/a/x.o") == FindingFingerprint.of(b, file: "other/x.o"))
    #expect(FindingFingerprint.of(a, file: "x.o") != FindingFingerprint.of(c, file: "x.o"))
    #expect(FindingFingerprint.of(a, file: "x.o") != FindingFingerprint.of(a, file: "y.o"))
    // A callee's name is part of the problem; where the call is, and a table entry's
    // offsets inside a problem described as its own message, are not.
    let call = { (callee: String, off: UInt64) in Finding(at: place(off), Message(.callWithUaccessEnabled, .function(callee))) }
    #expect(FindingFingerprint.of(call("g1", 0x10), file: "x.o") == FindingFingerprint.of(call("g1", 0x40), file: "x.o"))
    #expect(FindingFingerprint.of(call("g1", 0x10), file: "x.o") != FindingFingerprint.of(call("g2", 0x10), file: "x.o"))
    let entry = { (off: UInt64) in
      Finding(at: .inSection("__ex_table", at: off), Message(.badSpecialTableEntry, .name("__ex_table"),
                                                            .detail(Message(.notAnInstruction, .place(".text", off + 3)))))
    }
    #expect(entry(8).message.text == "bad __ex_table entry: .text+0xb is not an instruction")
    #expect(FindingFingerprint.of(entry(8), file: "x.o") == FindingFingerprint.of(entry(20), file: "x.o"))
    #expect(call("g1", 0).names == ["g1"])
  }

  /// Two builds of the same source, the second with an unrelated function added before
  /// the others: the same findings at new addresses keep their fingerprints, and a
  /// baseline written on the first build hides exactly them on the second (a finding
  /// new in the second build is still reported).
  @Test(.enabled(if: TestSupport.hasTool("clang"))) func fingerprintsAndBaselineSurviveARebuild() throws {
    let dir = try TestSupport.temporaryDirectory("rebuild")
    defer { try? FileManager.default.removeItem(at: dir) }
    let source = try String(contentsOfFile: TestSupport.absolute("TestObjects/x86_64/cfi/mismatch.S"), encoding: .utf8)
    let added = """
    \t.text
    \t.globl\tunrelated
    \t.type\tunrelated, @function
    unrelated:
    \tpush\t%rbx
    \tmov\t%rdi, %rbx
    \tpop\t%rbx
    \tret
    \t.size\tunrelated, .-unrelated

    """
    let newBad = """

    \t.globl\tnewbad
    \t.type\tnewbad, @function
    newbad:
    \tpush\t%rax
    \tret
    \t.size\tnewbad, .-newbad

    """
    let one = dir.appendingPathComponent("build1/mismatch.S"), two = dir.appendingPathComponent("build2/mismatch.S")
    for (url, text) in [(one, source), (two, added + source + newBad)] {
      try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try text.write(to: url, atomically: true, encoding: .utf8)
      let cc = try TestSupport.run("clang", ["--target=x86_64-linux-gnu", "-c", url.path, "-o", url.deletingPathExtension().path + ".o"])
      #expect(cc.status == 0, "\(cc.stderr)")
    }
    let o1 = one.deletingPathExtension().path + ".o", o2 = two.deletingPathExtension().path + ".o"
    func records(_ object: String) throws -> [[String: Any]] {
      try TestSupport.run(binary, ["check", "--format", "json", object]).stdout.split(separator: "\n").map {
        try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
      }
    }
    let first = try records(o1), second = try records(o2)
    #expect(first.count == 2 && second.count == 3)
    let old = second.filter { ($0["function"] as? String) != "newbad" }
    for (a, b) in zip(first, old) {
      #expect(a["message"] as? String == b["message"] as? String)
      #expect(a["offset"] as? Int != b["offset"] as? Int, "the code moved")
      #expect(a["fingerprint"] as? String == b["fingerprint"] as? String)
    }
    let baseline = dir.appendingPathComponent("known.txt").path
    _ = try TestSupport.run(binary, ["check", "--write-baseline", baseline, o1])
    let r = try TestSupport.run(binary, ["check", "--werror", "--baseline", baseline, o2])
    let lines = r.stderr.split(separator: "\n")
    #expect(lines.count == 2 && lines[0].contains("newbad+0x1: return with modified stack frame [UV1011]"), "\(r.stderr)")
    #expect(lines.last == "unwindcheck: 0 findings suppressed, 2 in the baseline")
    #expect(r.status == 1)
  }

  @Test func unknownFormatIsAUsageError() throws {
    let r = try TestSupport.run(binary, ["check", "--format", "xml", paths[0]])
    #expect(r.status == 2 && r.stderr.contains("--format takes text, json or sarif"))
  }
}

/// `--suppress` and `--baseline`/`--write-baseline`: accepted findings counted (and kept,
/// marked, in machine output), known findings hidden by fingerprint.
@Suite(.enabled(if: TestSupport.unwindcheckBinary != nil, "needs the built unwindcheck executable"))
struct FindingFilterTests {
  var binary: String { TestSupport.unwindcheckBinary! }
  var objects: [String] { ["x86_64/cfi/order.o", "x86_64/uaccess/uaccess.o"].map { TestSupport.absolute("TestObjects/" + $0) } }

  func file(_ name: String, _ text: String) throws -> String {
    let dir = try TestSupport.temporaryDirectory("filters")
    let path = dir.appendingPathComponent(name).path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  @Test func suppressionsAreAppliedCountedAndKeptInSARIF() throws {
    let s = try file("s.txt", """
      # accepted
      falls-through-to-next-function  f_fall  order.o  padding falls into the next function on purpose
      UV1501  call_*  *  the helper is uaccess-safe in this tree
      UV1011  nosuch  *.o  matches nothing
      """)
    let r = try TestSupport.run(binary, ["check", "--uaccess", "--link", "--verbose", "--suppress", s] + objects)
    let lines = r.stderr.split(separator: "\n")
    #expect(!lines.contains { $0.contains("[UV1020]") || $0.contains("call_open+0x3") })
    #expect(lines.contains { $0.contains("return_open+0x3") })  // another rule: still reported
    #expect(r.stderr.contains("unwindcheck: 2 findings suppressed, 0 in the baseline"))
    #expect(r.stderr.contains("suppression \(s):4 (UV1011 nosuch *.o) matched nothing"))
    let sarif = try TestSupport.run(binary, ["check", "--format", "sarif", "--uaccess", "--link", "--suppress", s] + objects)
    let log = try #require(try JSONSerialization.jsonObject(with: Data(sarif.stdout.utf8)) as? [String: Any])
    let results = try #require(((log["runs"] as? [[String: Any]])?.first?["results"]) as? [[String: Any]])
    let suppressed = results.filter { $0["suppressions"] != nil }
    #expect(suppressed.count == 2)
    let reason = (suppressed.first?["suppressions"] as? [[String: Any]])?.first?["justification"] as? String
    #expect(reason == "padding falls into the next function on purpose")
  }

  @Test func aSuppressionNeedsAReason() throws {
    let s = try file("bad.txt", "UV1020 f_fall order.o\n")
    let r = try TestSupport.run(binary, ["check", "--suppress", s, objects[0]])
    #expect(r.status == 2 && r.stderr.contains("\(s):1: a suppression needs RULE FUNCTION-GLOB OBJECT-GLOB REASON"))
  }

  /// A baseline of the first format (fingerprints hashed from the rendered message) is
  /// refused with one line saying what to do, not read as if nothing were known.
  @Test func anOlderBaselineFormatIsRefused() throws {
    let b = try file("old.txt", "# unwindcheck baseline 1\n0123456789abcdef\tUV1010\tx.o\tf+0x1\tstack state mismatch\n")
    let r = try TestSupport.run(binary, ["check", "--baseline", b, objects[0]])
    #expect(r.status == 2, "\(r.stderr)")
    #expect(r.stderr.contains("\(b):1: a baseline of format 1") && r.stderr.contains("--write-baseline"), "\(r.stderr)")
  }

  @Test func baselineHidesKnownFindingsOnly() throws {
    let b = try file("b.txt", "")
    let all = try TestSupport.run(binary, ["check", "--uaccess", "--link", "--write-baseline", b] + objects)
    let count = all.stderr.split(separator: "\n").filter { $0.contains(": warning: ") }.count
    let written = try String(contentsOfFile: b, encoding: .utf8).split(separator: "\n")
    #expect(written.first == "# unwindcheck baseline 2" && written.count == count + 1 && count > 10)
    // Everything known: nothing reported, so --werror passes.
    let again = try TestSupport.run(binary, ["check", "--uaccess", "--link", "--werror", "--baseline", b] + objects)
    #expect(again.status == 0)
    #expect(again.stderr == "unwindcheck: 0 findings suppressed, \(count) in the baseline\n")
    // One line dropped from the baseline: exactly that finding is new.
    let dropped = written[1].split(separator: "\t")
    let partial = try file("p.txt", ([written[0]] + written[2...]).joined(separator: "\n") + "\n")
    let new = try TestSupport.run(binary, ["check", "--uaccess", "--link", "--werror", "--baseline", partial] + objects)
    let reported = new.stderr.split(separator: "\n").filter { $0.contains(": warning: ") }
    #expect(new.status == 1 && reported.count == 1)
    #expect(reported.first?.contains(String(dropped[4])) == true)
  }
}

/// Commands that find nothing say so (exit 0, one line on stderr); `check --stats` ends
/// with a summary line.
@Suite(.enabled(if: TestSupport.unwindcheckBinary != nil, "needs the built unwindcheck executable"))
struct NothingFoundTests {
  var binary: String { TestSupport.unwindcheckBinary! }

  @Test(arguments: [
    (["orc", "dump", "x86_64/cfi/order.o"], "no ORC (no .orc_unwind/.orc_unwind_ip section)"),
    (["decode", "--section", "nosuch", "x86_64/cfi/order.o"], "no executable section named nosuch"),
    (["alternatives", "--function", "nosuch", "x86_64/alt/conflict.o"], "no function named nosuch"),
  ])
  func saysSo(_ args: [String], _ message: String) throws {
    let object = TestSupport.absolute("TestObjects/" + args.last!)
    let r = try TestSupport.run(binary, args.dropLast() + [object])
    #expect(r.status == 0)
    #expect(r.stderr == "\(object): \(message)\n")
  }

  @Test func checkSummarisesWithStats() throws {
    let object = TestSupport.absolute("TestObjects/x86_64/cfi/order.o")
    let r = try TestSupport.run(binary, ["check", "--stats", object])
    #expect(r.stderr.hasSuffix("unwindcheck: 1 object, 5 findings\n"))
    #expect(!(try TestSupport.run(binary, ["check", object])).stderr.contains("unwindcheck: 1 object"))
  }
}

/// The evidence a finding carries (`--verbose` notes, JSON related places).
@Suite(.enabled(if: TestSupport.unwindcheckBinary != nil, "needs the built unwindcheck executable"))
struct ExplanationTests {
  var binary: String { TestSupport.unwindcheckBinary! }

  @Test func mismatchShowsBothStates() throws {
    let r = try TestSupport.run(binary, ["check", "--verbose", TestSupport.absolute("TestObjects/x86_64/cfi/mismatch.o")])
    #expect(r.stderr.contains("state recorded by the first path to reach mm_reg+0x9: CFA=rsp+16 ra=[CFA-8]"))
    #expect(r.stderr.contains("state of the path arriving now: CFA=rsp+16 rbx=[CFA-16] ra=[CFA-8]"))
    // The arriving path is the one objtool's --backtrace prints (mismatch.objtool-backtrace.txt:
    // mm_reg+0x6 (branch), mm_reg+0x0 <=== (sym)); the first is `je 1f` taken (mismatch.S).
    #expect(r.stderr.contains("first path:    mm_reg+0x0 (start) -> mm_reg+0x3 (branch taken) -> mm_reg+0x9"))
    #expect(r.stderr.contains("arriving path: mm_reg+0x0 (start) -> mm_reg+0x6 (branch taken) -> mm_reg+0x9"))
    #expect(r.stderr.contains("the paths part after mm_reg+0x0 (the start): the first takes the branch at mm_reg+0x3 (conditional), the arriving one takes the branch at mm_reg+0x6 (unconditional)"))
    #expect(r.stderr.contains("arriving path: mm_cfa+0x0 (start) -> mm_cfa+0x6"))
    let bt = try String(contentsOfFile: TestSupport.absolute("TestObjects/x86_64/cfi/mismatch.objtool-backtrace.txt"), encoding: .utf8)
    #expect(bt.contains("mm_reg+0x6: (branch)") && !bt.contains("mm_cfa+0x3: (branch)"))
  }

  @Test func modifiedFrameNamesThePushNotUndone() throws {
    let r = try TestSupport.run(binary, ["check", "--format", "json", TestSupport.absolute("TestObjects/x86_64/cfi/order.o")])
    let line = try #require(r.stdout.split(separator: "\n").first { $0.contains("\"UV1011\"") })
    #expect(line.contains(#""label":"rbx saved here, not restored on this path","section":".text","offset":8"#))
    #expect(line.contains(#""state at entry:      CFA=rsp+8 ra=[CFA-8]""#))
  }
}

/// `unwindcheck trace`: the walk in order, with the CFI after every instruction.
@Suite(.enabled(if: TestSupport.unwindcheckBinary != nil, "needs the built unwindcheck executable"))
struct TraceTests {
  var binary: String { TestSupport.unwindcheckBinary! }

  /// The walk's order and the evidence under its finding (mismatch.S: `je` taken first,
  /// then the fall-through; the join at mm_reg+0x9 is where objtool reports it).
  @Test func walkOrderAndFinding() throws {
    let r = try TestSupport.run(binary, ["trace", "--function", "mm_reg", TestSupport.absolute("TestObjects/x86_64/cfi/mismatch.o")])
    let lines = r.stdout.split(separator: "\n").map(String.init)
    let order = lines.compactMap { l -> String? in
      let t = l.split(separator: " ", omittingEmptySubsequences: true)
      return t.first.map(String.init).flatMap { $0.hasPrefix("mm_reg+") ? $0 : nil }
    }
    #expect(order == ["mm_reg+0x0", "mm_reg+0x3", "mm_reg+0x8", "mm_reg+0x9", "mm_reg+0xa", "mm_reg+0x5", "mm_reg+0x6"])
    #expect(lines.contains { $0.contains("mm_reg+0x8") && $0.contains("push %rax") && $0.hasSuffix("| CFA=rsp+16 ra=[CFA-8]") })
    #expect(lines.contains { $0.contains("<- mm_reg+0x3: back at the branch: its fall-through") })
    #expect(lines.contains { $0.contains("!! mm_reg+0x9: stack state mismatch: reg1[3]=-1+0 reg2[3]=-2-16 [UV1010]") })
    #expect(lines.contains { $0.contains("arriving path: mm_reg+0x0 (start) -> mm_reg+0x6 (branch taken) -> mm_reg+0x9") })
    let none = try TestSupport.run(binary, ["trace", "--function", "nosuch", TestSupport.absolute("TestObjects/x86_64/cfi/mismatch.o")])
    #expect(none.status == 0 && none.stderr.contains("no function named nosuch"))
  }

  /// Where an unwind hint sets the state (hints.S: UNWIND_HINT REGS, sp+0 at entry_regs),
  /// as objtool's ORC records it there.
  @Test func hintLines() throws {
    let object = TestSupport.absolute("TestObjects/x86_64/cfi/hints.o")
    let r = try TestSupport.run(binary, ["trace", "--function", "entry_regs", object])
    #expect(r.stdout.contains("  ## .text+0x0: an unwind hint sets the state here: CFA=rsp+0 type=regs\n"))
    let orc = try String(contentsOfFile: TestSupport.absolute("TestObjects/x86_64/cfi/hints.objtool-orcdump.txt"), encoding: .utf8)
    #expect(orc.hasPrefix(".text+0:type:regs sp:sp+0 "))
  }

  /// The CFA after each straight-line instruction equals the real objtool's ORC at the
  /// next instruction (the recorded `objtool --dump=orc` of the same compiled object).
  @Test func statesAgreeWithObjtoolsORC() throws {
    let object = TestSupport.absolute("TestObjects/compiled/list_sort.gcc-x86_64.o")
    let orc = try String(contentsOfFile: TestSupport.absolute("TestObjects/compiled/list_sort.gcc-x86_64.objtool-orcdump.txt"), encoding: .utf8)
    var orcAt: [UInt64: String] = [:]
    for line in orc.split(separator: "\n") {
      guard let m = line.firstMatch(of: #/^\.text\+([0-9a-f]+):type:call sp:(\S+)\s/#) else { continue }
      orcAt[UInt64(m.1, radix: 16)!] = String(m.2)
    }
    var length: [UInt64: UInt64] = [:]
    for line in try TestSupport.run(binary, ["decode", "--section", ".text", object]).stdout.split(separator: "\n") {
      let f = line.split(separator: "\t")
      length[UInt64(f[1].dropFirst(2), radix: 16)!] = UInt64(f[2])!
    }
    let lines = try TestSupport.run(binary, ["trace", "--function", "merge_lists", object]).stdout.split(separator: "\n").map(String.init)
    var compared = 0
    for (k, line) in lines.enumerated() {
      guard let m = line.firstMatch(of: #/^\s\smerge_lists\+0x[0-9a-f]+\s+\.text\+0x([0-9a-f]+)\s.*\|\sCFA=(r[sb]p)\+(\d+)/#) else { continue }
      // (A branch, a return or a path's end: the next address belongs to another path.)
      if k + 1 < lines.count, lines[k + 1].hasPrefix("  ->") || lines[k + 1].hasPrefix("  !!") { continue }
      let off = UInt64(m.1, radix: 16)!
      guard let next = length[off].map({ off + $0 }), let theirs = orcAt[next] else { continue }
      #expect(theirs == "\(m.2 == "rsp" ? "sp" : "bp")+\(m.3)", "\(line)")
      compared += 1
    }
    #expect(compared >= 8)
  }
}

/// Kernel tables are input too: a bad entry is a finding at the entry, and the rest of
/// the object is still analysed.
@Suite(.enabled(if: TestSupport.unwindcheckBinary != nil, "needs the built unwindcheck executable"))
struct MalformedTableTests {
  var binary: String { TestSupport.unwindcheckBinary! }

  @Test func badAlternativeEntriesAreFindingsAndTheRestIsChecked() throws {
    let object = TestSupport.absolute("TestObjects/x86_64/badtables/altentries.o")
    let r = try TestSupport.run(binary, ["check", object])
    let lines = r.stderr.split(separator: "\n").map { $0.replacingOccurrences(of: object, with: "OBJ") }
    #expect(lines == [
      "OBJ: warning: unwindcheck: .altinstructions+0xe: bad alternative entry: replacement longer than the original (8 > 7 bytes) [UV0106]",
      "OBJ: warning: unwindcheck: .altinstructions+0x1c: bad alternative entry: the original (.rodata+0x0, 8 bytes) is not inside code [UV0106]",
      "OBJ: warning: unwindcheck: later+0x6: stack state mismatch: cfa1=4+8 cfa2=4+16 [UV1010]",
    ])
    #expect(r.status == 0)
    #expect(try TestSupport.run(binary, ["check", "--werror", object]).status == 1)
    // The good entry still makes its site.
    let sites = try TestSupport.run(binary, ["alternatives", object]).stdout
    #expect(sites.contains("1 patch site") && sites.contains("site goodsite+0x0 (5 bytes)"))
  }

  /// Bad unwind-hint entries: each a finding at the entry in `check`, the rest analysed;
  /// the front end stops at the first, as the real objtool (hints.objtool-orc.txt).
  @Test func badHintsAreFindingsAtTheEntries() throws {
    let object = TestSupport.absolute("TestObjects/x86_64/badtables/hints.o")
    let r = try TestSupport.run(binary, ["check", object])
    let lines = r.stderr.split(separator: "\n").map { $0.replacingOccurrences(of: object, with: "OBJ") }
    #expect(lines == [
      "OBJ: warning: unwindcheck: .discard.unwind_hints+0xc: bad unwind hint: .text+0x1 is not an instruction [UV0107]",
      "OBJ: warning: unwindcheck: .discard.unwind_hints+0x18: bad unwind hint: unknown type 9 at .text+0x3 [UV0107]",
      "OBJ: warning: unwindcheck: .discard.unwind_hints+0x24: bad unwind hint: unsupported unwind_hint sp base reg 15 at .text+0x3 [UV0107]",
      "OBJ: warning: unwindcheck: later+0x6: stack state mismatch: cfa1=4+8 cfa2=4+16 [UV1010]",
    ])
    let objtool = try String(contentsOfFile: TestSupport.absolute("TestObjects/x86_64/badtables/hints.objtool-orc.txt"), encoding: .utf8)
    let front = try TestSupport.run(binary, ["objtool", "--kernel=6.12", "--orc", "--dry-run", object])
    #expect(front.stderr.replacingOccurrences(of: object, with: "hints.o") == objtool.replacingOccurrences(of: "TestObjects/x86_64/badtables/hints.o", with: "hints.o"))
  }

  /// Bad `.discard.*` annotation entries (noendbr, reachable, retpoline_safe, instr_end):
  /// each a finding at the entry in `check`, the rest analysed; the front end stops where
  /// the real objtool stops, table by table (annotations.objtool-orc.txt: objtool's line
  /// once the tables before it are removed).
  @Test(.enabled(if: TestSupport.hasTool("objcopy")))
  func badAnnotationEntriesAreFindingsAtTheEntries() throws {
    let object = TestSupport.absolute("TestObjects/x86_64/badtables/annotations.o")
    let r = try TestSupport.run(binary, ["check", object])
    let lines = r.stderr.split(separator: "\n").map { $0.replacingOccurrences(of: object, with: "OBJ") }
    #expect(lines == [
      "OBJ: warning: unwindcheck: .discard.noendbr+0x4: bad .discard.noendbr entry: .text+0x8 is not an instruction [UV0109]",
      "OBJ: warning: unwindcheck: .discard.reachable+0x4: bad .discard.reachable entry: .text+0x7 is not an instruction [UV0110]",
      "OBJ: warning: unwindcheck: .discard.retpoline_safe+0x4: bad .discard.retpoline_safe entry: .text+0x5 is not an instruction [UV0108]",
      "OBJ: warning: unwindcheck: .discard.instr_end+0x4: bad .discard.instr_end entry: .text+0xa is not an instruction [UV0110]",
      "OBJ: warning: unwindcheck: later+0x6: stack state mismatch: cfa1=4+8 cfa2=4+16 [UV1010]",
    ])
    try frontEndStopsAsRecorded("annotations")
  }

  /// `__jump_table` and `__ex_table` entries whose address fields give no address (no
  /// relocation; a 1-byte relocation in a 4-byte field): findings at the entries in
  /// `check`, the rest analysed; the front end stops as the real objtool does ("can't
  /// find orig reloc", labels.objtool-orc.txt).
  @Test(.enabled(if: TestSupport.hasTool("objcopy")))
  func unreadableLabelAndExceptionEntriesAreFindings() throws {
    let object = TestSupport.absolute("TestObjects/x86_64/badtables/labels.o")
    let r = try TestSupport.run(binary, ["check", object])
    let lines = r.stderr.split(separator: "\n").map { $0.replacingOccurrences(of: object, with: "OBJ") }
    #expect(lines == [
      "OBJ: warning: unwindcheck: __jump_table+0x10: bad __jump_table entry: can't find orig reloc [UV0106]",
      "OBJ: warning: unwindcheck: __ex_table+0xc: bad __ex_table entry: can't find orig reloc [UV0106]",
      "OBJ: warning: unwindcheck: __ex_table+0x18: bad __ex_table entry: its relocation at __ex_table+0x1c (type 14) writes 1 byte, not the field's 4 [UV0106]",
      "OBJ: warning: unwindcheck: later+0x6: stack state mismatch: cfa1=4+8 cfa2=4+16 [UV1010]",
    ])
    try frontEndStopsAsRecorded("labels")
  }

  /// A jump label whose target and an exception entry whose fixup are not instructions:
  /// findings at the entries in `check`; objtool's "f+0x5: special: can't find new
  /// instruction" stop in the front end (targets.objtool-orc.txt).
  @Test(.enabled(if: TestSupport.hasTool("objcopy")))
  func entriesWhoseTargetIsNoInstructionAreFindings() throws {
    let object = TestSupport.absolute("TestObjects/x86_64/badtables/targets.o")
    let r = try TestSupport.run(binary, ["check", object])
    let lines = r.stderr.split(separator: "\n").map { $0.replacingOccurrences(of: object, with: "OBJ") }
    #expect(lines == [
      "OBJ: warning: unwindcheck: __jump_table+0x10: bad jump label entry: its target .text+0x5 is not an instruction [UV0106]",
      "OBJ: warning: unwindcheck: __ex_table+0xc: bad exception table entry: .text+0x6 is not an instruction [UV0106]",
      "OBJ: warning: unwindcheck: later+0x6: stack state mismatch: cfa1=4+8 cfa2=4+16 [UV1010]",
    ])
    try frontEndStopsAsRecorded("targets")
  }

  /// Each line of badtables/CASE.objtool-orc.txt: the real objtool's output once the
  /// listed tables are removed; `unwindcheck objtool` must print the same.
  func frontEndStopsAsRecorded(_ name: String) throws {
    let object = TestSupport.absolute("TestObjects/x86_64/badtables/\(name).o")
    let recorded = try String(contentsOfFile: TestSupport.absolute("TestObjects/x86_64/badtables/\(name).objtool-orc.txt"), encoding: .utf8)
    let dir = try TestSupport.temporaryDirectory("bad\(name)")
    defer { try? FileManager.default.removeItem(at: dir) }
    let lines = recorded.split(separator: "\n")
    #expect(lines.count >= 2)
    for line in lines {
      let m = try #require(line.firstMatch(of: /^removed \[(.*)\]: (.*)$/), "\(line)")
      let copy = dir.appendingPathComponent("\(name).o").path
      var args: [String] = []
      for t in m.1.split(separator: " ") { args += ["--remove-section=\(t)", "--remove-section=.rela\(t)"] }
      #expect(try TestSupport.run("objcopy", args + [object, copy]).status == 0)
      let front = try TestSupport.run(binary, ["objtool", "--kernel=6.12", "--orc", "--dry-run", copy])
      #expect(front.stderr.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: copy, with: "\(name).o") == String(m.2))
    }
  }

  /// arm64 reads `__bug_table` (a WARN continues): an entry pointing inside an
  /// instruction and one without a relocation are findings at the entries, and the good
  /// entry still lets warn_ok's WARN continue (its epilogue is reached: ORC rows there).
  @Test func badBugTableEntriesAreFindingsAtTheEntries() throws {
    let object = TestSupport.absolute("TestObjects/arm64/badtables/bugtable.o")
    let r = try TestSupport.run(binary, ["check", object])
    let lines = r.stderr.split(separator: "\n").map { $0.replacingOccurrences(of: object, with: "OBJ") }
    #expect(lines == [
      "OBJ: warning: unwindcheck: __bug_table+0xc: bad __bug_table entry: .text+0xa is not an instruction [UV0106]",
      "OBJ: warning: unwindcheck: __bug_table+0x18: bad __bug_table entry: no relocation for its bug address [UV0106]",
    ])
    let orc = try TestSupport.run(binary, ["orc", "dump", "--generate", object]).stdout
    #expect(orc.contains(".text+10:type:call cfa:sp+0"), "\(orc)")
  }

  /// arm64's 12-byte `.altinstructions`: the replacement longer than its original is a
  /// finding at its entry; the good entry still makes its site.
  @Test func badARM64AlternativeEntryIsAFinding() throws {
    let object = TestSupport.absolute("TestObjects/arm64/badtables/altentries.o")
    let r = try TestSupport.run(binary, ["check", object])
    #expect(r.stderr.replacingOccurrences(of: object, with: "OBJ") ==
      "OBJ: warning: unwindcheck: .altinstructions+0xc: bad alternative entry: replacement longer than the original (8 > 4 bytes) [UV0106]\n")
    let sites = try TestSupport.run(binary, ["alternatives", object]).stdout
    #expect(sites.contains("1 patch site") && sites.contains("site alt_good+0x0 (4 bytes)"))
  }

  /// A jump label on an instruction that is neither a NOP nor a JMP: objtool stops there
  /// (badlabel.objtool-orc.txt, its front end too); `check` reports the entry and
  /// analyses the rest.
  @Test func badJumpLabelIsAFindingAtTheEntry() throws {
    let object = TestSupport.absolute("TestObjects/x86_64/cfi/badlabel.o")
    let r = try TestSupport.run(binary, ["check", object])
    #expect(r.stderr.contains(": warning: unwindcheck: __jump_table+0x0: bad jump label entry: unsupported instruction at jump label "))
    let objtool = try String(contentsOfFile: TestSupport.absolute("TestObjects/x86_64/cfi/badlabel.objtool-orc.txt"), encoding: .utf8)
    let front = try TestSupport.run(binary, ["objtool", "--kernel=6.12", "--orc", "--dry-run", object])
    #expect(front.stderr.replacingOccurrences(of: object, with: "badlabel.o") == objtool)
  }
}

/// The inputs libFuzzer found (TestObjects/fuzz), each run through what its target
/// exercises: a finding, a clean error (exit 3) or nothing, never a trap.
@Suite(.enabled(if: TestSupport.unwindcheckBinary != nil, "needs the built unwindcheck executable"))
struct FuzzRegressionTests {
  var binary: String { TestSupport.unwindcheckBinary! }

  @Test func everyFoundInputGivesACleanResult() throws {
    let dir = TestSupport.absolute("TestObjects/fuzz")
    let inputs = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".bin") }.sorted()
    #expect(!inputs.isEmpty)
    let out = try TestSupport.temporaryDirectory("fuzz-regressions")
    defer { try? FileManager.default.removeItem(at: out) }
    for name in inputs {
      let path = dir + "/" + name
      if name.hasPrefix("arm64-") || name.hasPrefix("x86-") {
        // Decoder inputs: raw code, formatted word by word / instruction by instruction.
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        bytes.withUnsafeBytes { code in
          if name.hasPrefix("arm64-") {
            var off = 0
            while off + 4 <= code.count {
              _ = ARM64Syntax.format(code.loadUnaligned(fromByteOffset: off, as: UInt32.self), address: UInt64(off))
              off += 4
            }
          } else {
            var off = 0
            while off < code.count {
              let insn = X86Decoder().decode(code, at: off)
              let n = max(1, Int(insn.length))
              _ = X86Syntax.format(insn, bytes: UnsafeRawBufferPointer(rebasing: code[off..<min(code.count, off + n)]), address: UInt64(off))
              off += n
            }
          }
        }
        continue
      }
      for args in [["check", "--link", "--module", "--uaccess", "--ibt", path], ["decode", path],
                   ["check", "--orc", "--link", "--module", "--output", out.appendingPathComponent(name + ".o").path, path]] {
        let r = try TestSupport.run(binary, args)
        #expect([0, 1, 3].contains(r.status), "\(name): exit \(r.status)\n\(r.stderr.suffix(2000))")
        #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("runtime failure"), "\(name)")
      }
    }
  }
}

/// The dwarf fuzz target checks one object per call in one process: after ~150 k inputs
/// it ran out of file descriptors, since a one-object check leaves its analysis (and the
/// open object) for the process exit. With `freeEachObject` every call closes what it
/// opened, libdw's session and Dwarf handle included.
@Suite struct InProcessCheckTests {
  @Test func repeatedChecksKeepNoDescriptors() throws {
    let object = TestSupport.absolute("TestObjects/compiled/switch.gcc-arm64.o")
    // Descriptors open on the object itself (other tests running in parallel open pipes
    // and files of their own; a leak here keeps this object open once per check).
    func openDescriptors() -> Int {
      let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
      return fds.filter { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + $0)) == object }.count
    }
    var o = CheckOptions()
    o.jobs = 1
    o.againstDwarf = true
    o.freeEachObject = true
    _ = runCheck(paths: [object], options: o, out: { _ in }, err: { _ in })  // libdw loaded once
    let before = openDescriptors()
    for _ in 0..<200 { _ = runCheck(paths: [object], options: o, out: { _ in }, err: { _ in }) }
    // (Another test may have the same object open for a moment: a leak would add 200.)
    #expect(openDescriptors() - before < 10)
  }

  /// The dwarf fuzz target's timeouts: a 2 KB object whose CFI names register 153307022
  /// made libdw grow a register table to 1.2 GB; a 3 KB one whose relocations write
  /// register 4194303 into a CIE made libdw copy a 64 MB table per address. Each section
  /// is now refused before libdw reads it, with a finding (UV1304), and the check is
  /// instant.
  @Test(arguments: [("dwarf-huge-cfi-register.bin", 153307022), ("dwarf-relocated-cfi-register.bin", 4194303)])
  func frameSectionNamingAHugeRegisterIsRefused(file: String, register: Int) throws {
    let object = TestSupport.absolute("TestObjects/fuzz/" + file)
    var o = CheckOptions()
    o.jobs = 1
    o.againstDwarf = true
    o.freeEachObject = true
    var err: [String] = []
    let start = Date()
    _ = runCheck(paths: [object], options: o, out: { _ in }, err: { err.append($0) })
    #expect(Date().timeIntervalSince(start) < 0.5)
    #expect(err.contains { $0.hasSuffix(": warning: unwindcheck: .eh_frame not compared: its call-frame instructions name register \(register), more than any ABI has [UV1304]") }, "\(err)")
  }
}

/// Inputs made to be slow or huge (Scripts/resource-bounds.py at a fifth of docs/user-guide.md's
/// scale): each class finishes within the limit with a result, never a trap.
@Suite(.enabled(if: TestSupport.unwindcheckBinary != nil && TestSupport.hasTool("python3"), "needs the built unwindcheck and python3"))
struct ResourceBoundsTests {
  @Test func everyClassFinishes() throws {
    let r = try TestSupport.run("python3", [TestSupport.absolute("Scripts/resource-bounds.py"), TestSupport.unwindcheckBinary!,
                                            "--scale", "0.2", "--limit", "60"])
    #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    #expect(r.stdout.split(separator: "\n").filter { $0.hasPrefix("bounds ") && $0.contains(", exit ") }.count == 10, "\(r.stdout)")
    // Debug information does not cost memory: 800,000 relocations in .debug_info (19 MB;
    // decoded they took ~55 MB more) against the same object stripped of them.
    let debug = try #require(r.stdout.firstMatch(of: /bounds debugrelocs: .*, (\d+) MB, exit \d .*stripped of its debug information: (\d+) MB/),
                             "\(r.stdout)")
    #expect(Int(debug.1)! <= Int(debug.2)! + 8, "\(debug.0)")
    // The two frame-section classes: refused before libdw reads them (FrameSectionScan),
    // where libdw would take quadratic time (rows) or memory (remembered states).
    for name in ["cfirows", "cfiremember"] {
      #expect(r.stdout.contains("bounds \(name): ") && r.stdout.split(separator: "\n").contains {
        $0.hasPrefix("bounds \(name): ") && $0.contains(".eh_frame not compared: evaluating its call-frame instructions row by row")
      }, "\(r.stdout)")
    }
  }
}
