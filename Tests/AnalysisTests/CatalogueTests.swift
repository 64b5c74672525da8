// Every rule has a catalogue entry; every entry's example TestObject exists and really
// produces that rule (in --orc or --stackval mode), and the real objtool printed the
// corresponding message for it (the recorded expectation).
import ELFObject
import Foundation
import Testing
import UnwindDriver
import UnwindModel
import UnwindTestSupport

struct CatalogueTests {
  @Test func everyRuleHasAnEntry() {
    for rule in RuleID.all {
      #expect(RuleCatalogue.entry(for: rule) != nil, "\(rule.code) \(rule.name)")
      #expect(!MessageKind.kinds(of: rule).isEmpty, "\(rule.code) has a message")
    }
    #expect(Set(RuleID.all.map(\.code)).count == RuleID.all.count, "rule codes are unique")
  }

  @Test(arguments: RuleCatalogue.entries.filter { $0.example != nil }.map { ($0.rule.code, $0.example!) })
  func exampleTriggersItsRule(_ code: String, _ example: String) throws {
    let object = TestSupport.absolute("TestObjects/" + example.replacingOccurrences(of: ".S", with: ".o"))
    if code.hasPrefix("UV13") {
      // DWARF cross-check rules: the oracle is the assembler's DWARF, with the planted
      // mistakes marked EXPECT in the source.
      var options = CheckOptions()
      options.againstDwarf = true
      var lines: [String] = []
      _ = runCheck(paths: [object], options: options, out: { _ in }, err: { lines.append($0) })
      #expect(lines.contains { $0.hasSuffix("[\(code)]") }, "\(example) does not produce \(code)")
      let source = try String(contentsOfFile: TestSupport.absolute("TestObjects/" + example), encoding: .utf8)
      #expect(source.contains("EXPECT \(code)"))
      return
    }
    if code.hasPrefix("UV17") {
      // Static calls: through `check --static-call --link` (the key lookup happens
      // when the sites are listed), against the recorded verdict.
      var options = CheckOptions()
      options.link = true
      options.staticCallCheck = true
      var lines: [String] = []
      _ = runCheck(paths: [object], options: options, out: { _ in }, err: { lines.append($0) })
      #expect(lines.contains { $0.hasSuffix("[\(code)]") }, "\(example) does not produce \(code)")
      let recorded = try String(contentsOfFile: object.replacingOccurrences(of: ".o", with: ".objtool612.txt"), encoding: .utf8)
      #expect(recorded.contains("static_call: can't find static_call_key symbol"))
      return
    }
    if ["UV14", "UV15", "UV16", "UV18", "UV0111"].contains(where: code.hasPrefix) {
      // The checks of Kbuild's other flags: with their objtool options (each family's
      // alone), against the real objtool's verdicts recorded next to the example
      // (FAMILY*.objtool612.txt): one of them prints the rule's message.
      let file = try ELFFile.open(path: object)
      var fired = false
      // (One finding per function: each family's checks alone, as its goldens.)
      for family in 0..<5 {
        var options = CheckOptions()
        options.link = true
        options.slsCheck = family < 2
        options.retpolineCheck = family == 0
        options.rethunkCheck = family == 0
        options.uaccess = family == 2
        options.ibt = family == 3
        options.module = family == 3
        options.noinstr = family == 4
        options.unret = family == 4
        fired = fired || validate(file, options: options).contains { $0.rule.code == code }
      }
      #expect(fired, "\(example) does not produce \(code)")
      let dir = (object as NSString).deletingLastPathComponent
      let recorded = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".objtool612.txt") }
        .map { try String(contentsOfFile: dir + "/" + $0, encoding: .utf8) }.joined()
      // One of objtool's lines is read back to the rule by the catalogue's templates.
      let matched = recorded.split(separator: "\n").contains { RuleCatalogue.rule(matching: String($0))?.code == code }
      #expect(matched, "no line objtool printed for \(example) reads as \(code)")
      return
    }
    let file = try ELFFile.open(path: object)
    var fired = false
    for stackval in [false, true] {
      var options = CheckOptions()
      options.stackval = stackval
      fired = fired || validate(file, options: options).contains { $0.rule.code == code }
    }
    #expect(fired, "\(example) does not produce \(code)")
    // The oracle agrees the object has a finding of that kind.
    let base = object.replacingOccurrences(of: ".o", with: "")
    let orc = (try? String(contentsOfFile: base + ".objtool-orc.txt", encoding: .utf8)) ?? ""
    let stackval = (try? String(contentsOfFile: base + ".objtool-stackval.txt", encoding: .utf8)) ?? ""
    let recorded = orc + stackval
    #expect(!recorded.isEmpty, "objtool expectation recorded for \(example)")
  }

  /// `explain` takes a warning line pasted from a build log: every finding line of the
  /// TestObjects, in objtool's spelling (no rule id), leads back to its rule.
  @Test func explainFindsRulesFromWarningLines() throws {
    // Each family's options alone (one warning per function: together they hide each other).
    var optionSets: [CheckOptions] = []
    for k in 0..<7 {
      var o = CheckOptions()
      o.link = k > 0
      o.stackval = k == 1
      o.uaccess = k == 2
      o.ibt = k == 3
      o.retpolineCheck = k == 4
      o.rethunkCheck = k == 4
      o.slsCheck = k == 5
      o.noinstr = k == 6
      o.unret = k == 6
      optionSets.append(o)
    }
    var lines: [String] = []
    let dirs = ["x86_64/cfi", "x86_64/alt", "x86_64/uaccess", "x86_64/ibt", "x86_64/mitigations", "x86_64/entry", "arm64/cfi"]
    var checked = Set<String>()
    for dir in dirs {
      let names = try FileManager.default.contentsOfDirectory(atPath: TestSupport.absolute("TestObjects/" + dir)).filter { $0.hasSuffix(".o") }
      for name in names {
        lines.removeAll()
        for options in optionSets {
          _ = runCheck(paths: [TestSupport.absolute("TestObjects/\(dir)/\(name)")], options: options, out: { _ in }, err: { lines.append($0) })
        }
        for line in lines where line.contains(": warning: unwindcheck: ") && line.hasSuffix("]") {
          let code = String(line.suffix(7).dropLast())
          let objtoolLine = line.replacingOccurrences(of: ": warning: unwindcheck: ", with: ": warning: objtool: ")
            .replacingOccurrences(of: #" \[UV[0-9]{4}\]$"#, with: "", options: .regularExpression)
          #expect(RuleCatalogue.rule(matching: objtoolLine)?.code == code, "\(objtoolLine)")
          #expect(RuleCatalogue.rule(matching: line)?.code == code)
          checked.insert(code)
        }
      }
    }
    #expect(checked.count >= 40, "rules covered: \(checked.count)")
  }

  @Test func explainFindsRulesByCodeAndName() {
    #expect(RuleID.named("UV1201") == .alternativeConflict)
    #expect(RuleID.named("stack-state-mismatch") == .stackStateMismatch)
    #expect(RuleID.named("nope") == nil)
  }
}
