// The HTML pages of `trace --html` and `alternatives --html` as a person sees them:
// Scripts/html-pages.sh writes the pages of the user guide's five common warnings and of a
// patch-site conflict and renders each with headless Chromium (a screenshot and the DOM
// after the page's script ran); the tests read the DOM: the graph is there, a
// mismatch's two paths are drawn as edges of their own classes, the conflicting slot is
// marked, the chosen instruction's frame is shown.
import Foundation
import Testing
import UnwindTestSupport

enum Browser {
  static var available: Bool { (TestSupport.hasTool("chromium") || TestSupport.hasTool("chromium-browser")) && TestSupport.hasTool("dot") }
}

@Suite(.enabled(if: TestSupport.unwindcheckBinary != nil && Browser.available,
                "needs Graphviz and Chromium (Scripts/install-deps.sh installs them)"),
       .serialized)
struct HTMLPageTests {
  var binary: String { TestSupport.unwindcheckBinary! }

  @Test func theFiveWarningsAndAConflictRenderInABrowser() throws {
    let dir = try TestSupport.temporaryDirectory("html-pages")
    defer { try? FileManager.default.removeItem(at: dir) }
    let r = try TestSupport.run(TestSupport.absolute("Scripts/html-pages.sh"), [dir.path, "--screenshots"],
                                environment: ["UNWINDCHECK_BIN": binary])
    #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    func dom(_ page: String) throws -> String { try String(contentsOf: dir.appendingPathComponent("\(page).dom.html"), encoding: .utf8) }
    for page in ["mismatch", "fallthrough", "stackval", "unreachable", "modret", "conflict"] {
      let png = try Data(contentsOf: dir.appendingPathComponent("\(page).png"))
      #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 20_000, "\(page).png: \(png.count) bytes")
      let text = try dom(page)
      #expect(text.contains("class=\"finding\""), "\(page): no finding shown")
      if page != "conflict" { #expect(text.contains("<svg"), "\(page): no graph") }
    }
    // The mismatch: both paths, each as edges of its class, and the join's frame shown.
    let mismatch = try dom("mismatch")
    #expect(mismatch.components(separatedBy: "class=\"edge path-first\"").count - 1 == 2)
    #expect(mismatch.components(separatedBy: "class=\"edge path-arriving\"").count - 1 == 2)
    #expect(mismatch.contains("[UV1010]") && mismatch.contains("id=\"frame-0x9\" class=\"shown\""))
    #expect(mismatch.contains("return address"))
    // The findings the other pages are about.
    #expect(try dom("fallthrough").contains("[UV1020]"))
    #expect(try dom("stackval").contains("[UV1013]"))
    #expect(try dom("unreachable").contains("[UV1022]") && dom("unreachable").contains("not reached"))
    #expect(try dom("modret").contains("[UV1011]") && dom("modret").contains("saved rbx"))
    // The conflict: the slot at +0x6 marked in both streams and in the merged table.
    let conflict = try dom("conflict")
    #expect(conflict.contains("[UV1201]") && conflict.contains("conflicting slot: the streams leave different CFI at +0x6"))
    #expect(conflict.components(separatedBy: "class=\"conflict\"").count - 1 == 3)
  }

  /// Without Graphviz: one line saying what to install, nothing written.
  @Test func withoutGraphvizOneLineSaysWhatToInstall() throws {
    let dir = try TestSupport.temporaryDirectory("html-nodot")
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("page.html").path
    let r = try TestSupport.run(binary, ["trace", "--function", "mm_reg", "--html", out,
                                         TestSupport.absolute("TestObjects/x86_64/cfi/mismatch.o")],
                                environment: ["PATH": dir.path])
    #expect(r.status == 2)
    #expect(r.stderr == "unwindcheck: trace --html needs Graphviz's dot to lay out the graph, and it is not on the PATH: install Graphviz (Debian: apt-get install graphviz)\n")
    #expect(!FileManager.default.fileExists(atPath: out))
  }

  /// The page is self-contained: nothing in it is fetched (no URL other than the SVG
  /// namespaces and in-page anchors).
  @Test func thePageFetchesNothing() throws {
    let dir = try TestSupport.temporaryDirectory("html-offline")
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("page.html").path
    let r = try TestSupport.run(binary, ["trace", "--function", "mm_reg", "--html", out,
                                         TestSupport.absolute("TestObjects/x86_64/cfi/mismatch.o")])
    #expect(r.status == 0, "\(r.stderr)")
    let page = try String(contentsOfFile: out, encoding: .utf8)
    let urls = page.matches(of: /(?:src|href)\s*=\s*"([^"#][^"]*)"/).map { String($0.1) }
    #expect(urls.isEmpty, "\(urls)")
    #expect(!page.contains("<link") && !page.contains("@import"))
  }
}
