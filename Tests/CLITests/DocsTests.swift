// The documents stay true to the program: the rule catalogue page is the catalogue,
// the manual page has every option the help has, and every relative link of the README
// and docs/ leads to a file.
import Foundation
import Testing
import UnwindTestSupport

@Suite(.enabled(if: TestSupport.unwindcheckBinary != nil, "needs the built unwindcheck executable"))
struct DocsTests {
  var binary: String { TestSupport.unwindcheckBinary! }

  /// docs/rules.md is what Scripts/gen-rules-doc.sh makes from `unwindcheck explain`.
  @Test func theRulesPageIsCurrent() throws {
    let r = try TestSupport.run(TestSupport.absolute("Scripts/gen-rules-doc.sh"), [binary])
    #expect(r.status == 0, "\(r.stderr)")
    let page = try String(contentsOfFile: TestSupport.absolute("docs/rules.md"), encoding: .utf8)
    #expect(r.stdout == page, "docs/rules.md is stale: Scripts/gen-rules-doc.sh > docs/rules.md")
    #expect(page.components(separatedBy: "\n## UV").count - 1 >= 60)
  }

  /// Every option of every command's --help is in the manual page, with its help text's
  /// first words.
  @Test func theManualHasEveryOptionOfTheHelp() throws {
    let manual = try TestSupport.run(binary, ["manual"]).stdout.replacingOccurrences(of: "\\-", with: "-")
    for command in [["check"], ["decode"], ["trace"], ["alternatives"], ["orc", "dump"], ["sframe", "dump"], ["explain"]] {
      let help = try TestSupport.run(binary, command + ["--help"]).stdout
      let options = help.matches(of: /\n  (--[a-z][a-z0-9-]*)/).map { String($0.1) }.filter { $0 != "--help" }
      for o in options { #expect(manual.contains("\\fB\(o)\\fR"), "\(command.joined(separator: " ")) \(o) is not in the manual") }
      #expect(manual.contains(".SS \"unwindcheck \(command.joined(separator: " "))\""))
    }
    let objtool = try TestSupport.run(binary, ["manual", "--objtool"]).stdout
    #expect(objtool.contains("/usr/lib/unwindcheck/objtool") && objtool.contains("KERNELRELEASE"))
  }

  /// Relative links in the README and docs/*.md point at files that exist.
  @Test func theLinksLeadSomewhere() throws {
    let root = TestSupport.absolute("")
    var pages = ["README.md"]
    pages += try FileManager.default.contentsOfDirectory(atPath: root + "/docs").filter { $0.hasSuffix(".md") }.map { "docs/" + $0 }
    for page in pages {
      let text = try String(contentsOfFile: root + "/" + page, encoding: .utf8)
      let dir = (page as NSString).deletingLastPathComponent
      for m in text.matches(of: /\]\(([^)#:\s]+)(#[^)]*)?\)/) {
        let target = (dir.isEmpty ? "" : dir + "/") + String(m.1)
        #expect(FileManager.default.fileExists(atPath: root + "/" + target), "\(page): link to \(m.1) leads nowhere")
      }
    }
    // The README is the short page: the rest is in docs/.
    let readme = try String(contentsOfFile: root + "/README.md", encoding: .utf8)
    #expect(readme.split(separator: "\n", omittingEmptySubsequences: false).count < 120)
  }
}
