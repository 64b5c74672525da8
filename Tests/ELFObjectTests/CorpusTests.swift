// Real kernel modules (Debian 6.12 amd64 and arm64), when the corpus has been fetched
// with Scripts/fetch-kernel-corpus.sh: a sample of modules read by the ELF model and
// compared with readelf in full detail (Scripts/difftest-elf.sh does every module).
import ELFObject
import Foundation
import Testing
import UnwindTestSupport

enum Corpus {
  static let directory: String =
    ProcessInfo.processInfo.environment["UNWINDCHECK_CORPUS"]
    ?? (NSHomeDirectory() + "/.cache/unwindcheck-corpus")

  static func list(_ arch: String) -> [String] {
    guard let text = try? String(contentsOfFile: "\(directory)/\(arch)-list.txt", encoding: .utf8) else { return [] }
    return text.split(separator: "\n").map(String.init)
  }

  /// Every 97th module of each architecture: ~90 modules, spread over the tree.
  static var sample: [String] {
    (list("amd64") + list("arm64")).enumerated().filter { $0.offset % 97 == 0 }.map(\.element)
  }

  static var isPresent: Bool { !list("amd64").isEmpty || !list("arm64").isEmpty }
}

@Suite(.enabled(if: Corpus.isPresent, "kernel corpus absent: run Scripts/fetch-kernel-corpus.sh to enable"),
       .enabled(if: TestSupport.hasTool("readelf"), "GNU readelf is the oracle"))
struct CorpusTests {
  @Test func sampleOfRealModulesMatchesReadelf() throws {
    var checked = 0
    for path in Corpus.sample {
      let file = try ELFFile.open(path: path)
      let sections = Readelf.sections(try TestSupport.run("readelf", ["-SW", path]).stdout)
      #expect(sections.map(\.name) == file.sections.map(\.name), "\(path)")
      #expect(sections.map(\.size) == file.sections.map(\.size), "\(path)")
      let relocs = Readelf.relocations(try TestSupport.run("readelf", ["-rW", path]).stdout)
      let ours = file.allRelocationSections().flatMap { rs in
        rs.relocations.map { Readelf.RelocationRow(section: file.section(rs.section).name, offset: $0.offset,
                                                   symbol: UInt64($0.symbol.rawValue), type: $0.type, addend: $0.addend) }
      }
      #expect(ours == relocs, "\(path)")
      checked += 1
    }
    #expect(checked > 0)
    print("corpus: \(checked) real modules match readelf (sections, relocations)")
  }
}
