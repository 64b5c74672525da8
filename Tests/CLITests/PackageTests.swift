// The Debian package (Scripts/build-deb.sh) as a user gets it: Scripts/test-deb.sh runs
// lintian on it, installs it (dpkg -i, or into a throwaway root where the machine's
// dpkg cannot be used), runs unwindcheck from the PATH, reads its manual pages and
// completion, builds the test modules with Kbuild and objtool=/usr/lib/unwindcheck/objtool
// (every object compared with the real objtool's build), and purges it.
import Foundation
import Testing
import UnwindTestSupport

@Suite(.enabled(if: ProcessInfo.processInfo.environment["UNWINDCHECK_DEB"] != nil,
                "Scripts/test.sh builds the package and sets UNWINDCHECK_DEB"))
struct PackageTests {
  @Test func theDebianPackageInstallsRunsAndRemoves() throws {
    let deb = ProcessInfo.processInfo.environment["UNWINDCHECK_DEB"]!
    let r = try TestSupport.run(TestSupport.absolute("Scripts/test-deb.sh"), [deb])
    #expect(r.status == 0, "\(r.stdout.suffix(3000))\(r.stderr.suffix(2000))")
    let log = r.stdout
    #expect(log.contains("lintian: no errors, no warnings (2 overridden)"), "\(log.prefix(2000))")
    for file in ["./usr/bin/unwindcheck", "./usr/lib/unwindcheck/objtool -> ../../bin/unwindcheck",
                 "./usr/share/man/man1/unwindcheck.1.gz", "./usr/share/man/man1/unwindcheck-objtool.1.gz",
                 "./usr/share/bash-completion/completions/unwindcheck", "./usr/share/doc/unwindcheck/copyright",
                 "./usr/share/doc/unwindcheck/changelog.Debian.gz"] {
      #expect(log.contains(file), "\(file) not in the package")
    }
    #expect(log.contains("completion: unwindcheck sfr<TAB> -> sframe; unwindcheck check --again<TAB> -> --against-sframe --against-dwarf"))
    #expect(log.contains("kbuild-oot: kbuild-oot-package K=6.12 10 objects: 10 the same (4 touched by objtool), 0 differ; 2 modules"),
            "\(log.suffix(1500))")
    let files = try #require(log.firstMatch(of: /removed: none of its (\d+) files left/), "\(log.suffix(800))")
    #expect(Int(files.1)! >= 9 && log.hasSuffix("test-deb: passed\n"))
  }
}
