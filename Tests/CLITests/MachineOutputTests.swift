// `check --format json|sarif`: the same findings as the text lines, as data; the SARIF
// log valid against the OASIS SARIF 2.1.0 schema (Tests/Schemas), with the rules from
// the catalogue; fingerprints that ignore where code moved.
import Foundation
import Testing
import UnwindDriver
import UnwindModel
import UnwindTestSupport

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

  /// Offsets and numbers do not enter a fingerprint; the rule, object name, function
  /// and the message's words do.
  @Test func fingerprintsIgnoreWhereCodeMoved() {
    let place = { (off: UInt64) in CodeLocation(section: ".text", offset: off, symbol: "f", symbolOffset: off, function: "f") }
    let a = Finding(rule: .stackStateMismatch, at: place(0x10), message: "stack state mismatch: cfa1=4+16 cfa2=4+8")
    let b = Finding(rule: .stackStateMismatch, at: place(0x30), message: "stack state mismatch: cfa1=4+24 cfa2=4+8")
    let c = Finding(rule: .returnWithModifiedFrame, at: place(0x10), message: "return with modified stack frame")
    #expect(FindingFingerprint.of(a, file: "build/a/x.o") == FindingFingerprint.of(b, file: "other/x.o"))
    #expect(FindingFingerprint.of(a, file: "x.o") != FindingFingerprint.of(c, file: "x.o"))
    #expect(FindingFingerprint.of(a, file: "x.o") != FindingFingerprint.of(a, file: "y.o"))
  }

  @Test func unknownFormatIsAUsageError() throws {
    let r = try TestSupport.run(binary, ["check", "--format", "xml", paths[0]])
    #expect(r.status == 2 && r.stderr.contains("--format takes text, json or sarif"))
  }
}
