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
  static let directory = TestSupport.testObjectsDirectory.appendingPathComponent("x86_64/cfi")

  static var cases: [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
      .filter { $0.hasSuffix(".o") }.map { String($0.dropLast(2)) }.sorted()
  }

  /// Our finding lines in objtool's spelling: tool name swapped, rule id dropped.
  static func normalized(_ line: String) -> String {
    var l = line.replacingOccurrences(of: ": warning: unwindcheck: ", with: ": warning: objtool: ")
    if let r = l.range(of: #" \[UV[0-9]{4}\]$"#, options: .regularExpression) { l.removeSubrange(r) }
    return l
  }
}

struct ObjtoolGoldenTests {
  @Test(arguments: ObjtoolGolden.cases, [false, true])
  func findingsMatchObjtool(_ name: String, _ stackval: Bool) throws {
    let object = ObjtoolGolden.directory.appendingPathComponent("\(name).o").path
    let expectedFile = ObjtoolGolden.directory.appendingPathComponent("\(name).objtool-\(stackval ? "stackval" : "orc").txt")
    let expected = try String(contentsOf: expectedFile, encoding: .utf8).split(separator: "\n").map(String.init)
    var options = CheckOptions()
    options.stackval = stackval
    let file = try ELFFile.open(path: object)
    let ours = validate(file, options: options).map { ObjtoolGolden.normalized($0.line(file: "\(name).o")) }
    #expect(ours == expected)
  }

  @Test func everyCaseHasRecordedExpectations() {
    #expect(ObjtoolGolden.cases.count >= 14)
    for c in ObjtoolGolden.cases {
      for mode in ["orc", "stackval"] {
        #expect(FileManager.default.fileExists(atPath: ObjtoolGolden.directory.appendingPathComponent("\(c).objtool-\(mode).txt").path), "\(c) \(mode)")
      }
    }
  }
}
