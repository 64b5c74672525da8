// Every stack-validation TestObject against the real objtool 6.12's findings, recorded
// by Scripts/record-objtool-expectations.sh (TestObjects/x86_64/cfi/EXPECTATIONS.txt):
// the same lines, both directions, in --orc and --stackval mode.
import ELFObject
import Foundation
import Testing
import UnwindDriver
import UnwindModel
import UnwindTestSupport

enum ObjtoolGolden {
  /// Cases as "DIR/NAME" under TestObjects/x86_64: cfi/ (stack rules), alt/ (patch sites).
  static var cases: [String] {
    ["cfi", "alt"].flatMap { dir in
      ((try? FileManager.default.contentsOfDirectory(
        atPath: TestSupport.testObjectsDirectory.appendingPathComponent("x86_64/\(dir)").path)) ?? [])
        .filter { $0.hasSuffix(".o") }.map { "\(dir)/\($0.dropLast(2))" }
    }.sorted()
  }

  static func path(_ c: String, _ suffix: String) -> String {
    TestSupport.testObjectsDirectory.appendingPathComponent("x86_64/\(c)\(suffix)").path
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
    let file = try ELFFile.open(path: object)
    let ours = validate(file, options: options).map { ObjtoolGolden.normalized($0.line(file: "\(name).o")) }
    #expect(ours == expected)
  }

  @Test func everyCaseHasRecordedExpectations() {
    #expect(ObjtoolGolden.cases.count >= 24)
    for c in ObjtoolGolden.cases {
      for mode in ["orc", "stackval", "backtrace"] {
        #expect(FileManager.default.fileExists(atPath: ObjtoolGolden.path(c, ".objtool-\(mode).txt")), "\(c) \(mode)")
      }
    }
  }
}
