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
    if code.hasPrefix("UV14") {
      // Mitigation checks: with their objtool options (--retpoline --rethunk --sls, and
      // --sls alone), against the real objtool's recorded verdicts next to the example.
      let file = try ELFFile.open(path: object)
      var fired = false
      for sls in [false, true] {
        var options = CheckOptions()
        options.link = true
        options.slsCheck = true
        options.retpolineCheck = !sls
        options.rethunkCheck = !sls
        fired = fired || validate(file, options: options).contains { $0.rule.code == code }
      }
      #expect(fired, "\(example) does not produce \(code)")
      let base = object.replacingOccurrences(of: ".o", with: "")
      let recorded = ((try? String(contentsOfFile: base + ".objtool612.txt", encoding: .utf8)) ?? "")
        + ((try? String(contentsOfFile: base + "-sls.objtool612.txt", encoding: .utf8)) ?? "")
      #expect(!recorded.isEmpty, "objtool expectation recorded for \(example)")
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

  @Test func explainFindsRulesByCodeAndName() {
    #expect(RuleID.named("UV1201") == .alternativeConflict)
    #expect(RuleID.named("stack-state-mismatch") == .stackStateMismatch)
    #expect(RuleID.named("nope") == nil)
  }
}
