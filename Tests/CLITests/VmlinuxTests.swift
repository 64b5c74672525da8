// The whole kernel: a defconfig vmlinux.o built by Scripts/build-vmlinux.sh (Debian's
// linux-source-6.12, re-linked without objtool), checked against the real objtool's
// verdicts recorded by the same script: no findings in either tool, the ORC written by
// `check --orc --prefix=16 --link --ibt` read back by the real objtool equals its own
// (orcprefix.orc) line for line, and the __pfx_ symbols equal the set it created.
// Skipped when the build is absent (~21 min, ~6 GB: not part of the test command).
import ELFObject
import Foundation
import Testing
import UnwindTestSupport

enum Vmlinux {
  static let directory: String =
    ProcessInfo.processInfo.environment["UNWINDCHECK_VMLINUX"]
    ?? (NSHomeDirectory() + "/.cache/unwindcheck-vmlinux")
  static var input: String { directory + "/vmlinux-raw.o" }
  static var objtool: String { directory + "/objtool" }
  static var isPresent: Bool {
    ["/vmlinux-raw.o", "/objtool", "/orcprefix.orc", "/orcprefix.o", "/orcprefix.warn"]
      .allSatisfy { FileManager.default.fileExists(atPath: directory + $0) }
  }

  /// `__pfx_` symbols as comparable rows: name, value, size, type, binding, section name.
  static func prefixSymbols(_ path: String) throws -> [String] {
    let f = try ELFFile.open(path: path)
    return f.symbols.filter { $0.name.hasPrefix("__pfx_") }.map { s in
      let sec = s.section.index.map { f.section($0).name } ?? "-"
      return "\(s.name) \(s.value) \(s.size) \(s.type) \(s.binding) \(sec)"
    }.sorted()
  }
}

@Suite(.enabled(if: Vmlinux.isPresent, "no vmlinux build: run Scripts/build-vmlinux.sh to enable"),
       .enabled(if: TestSupport.unwindcheckBinary != nil, "needs the built unwindcheck executable"),
       .serialized)
struct VmlinuxTests {
  var binary: String { TestSupport.unwindcheckBinary! }

  @Test func sameFindingsAsObjtool() throws {
    let ours = try TestSupport.run(binary, ["check", "--link", "--ibt", Vmlinux.input])
    let theirs = try TestSupport.run(Vmlinux.objtool, ["--dry-run", "--orc", "--link", "--ibt", Vmlinux.input])
    let normalise: (String) -> [String] = { text in
      text.split(separator: "\n").map {
        $0.replacingOccurrences(of: ": warning: unwindcheck: ", with: ": warning: objtool: ")
          .replacingOccurrences(of: #" \[UV[0-9]{4}\]$"#, with: "", options: .regularExpression)
      }
    }
    #expect(ours.status == 0)
    #expect(normalise(ours.stderr) == normalise(theirs.stderr))
    print("vmlinux: findings unwindcheck \(normalise(ours.stderr).count), objtool \(normalise(theirs.stderr).count)")
  }

  @Test func orcAndPrefixSymbolsEqualObjtools() throws {
    let dir = try TestSupport.temporaryDirectory("vmlinux")
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("vmlinux.o").path
    let r = try TestSupport.run(binary, ["check", "--orc", "--prefix=16", "--link", "--ibt", "--output", out, Vmlinux.input])
    #expect(r.status == 0 && r.stderr.isEmpty, "\(r.stderr.prefix(2000))")
    let dump = try TestSupport.run(Vmlinux.objtool, ["--dump=orc", out])
    let expected = try String(contentsOfFile: Vmlinux.directory + "/orcprefix.orc", encoding: .utf8)
    let a = dump.stdout.split(separator: "\n"), b = expected.split(separator: "\n")
    #expect(a.count == b.count)
    let firstDifference = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }
    #expect(firstDifference == nil, "first difference at line \(firstDifference.map { $0.offset + 1 } ?? 0)")
    let ours = try Vmlinux.prefixSymbols(out), theirs = try Vmlinux.prefixSymbols(Vmlinux.directory + "/orcprefix.o")
    #expect(ours == theirs)
    print("vmlinux: \(a.count) ORC entries (objtool \(b.count)), \(ours.count) __pfx_ symbols (objtool \(theirs.count))")
  }
}

/// Kbuild's full flag set on vmlinux.o (`objtool ARGS --link`, every section objtool
/// writes): `unwindcheck objtool` against the real objtool's output (full.o, recorded by
/// Scripts/build-vmlinux.sh): the same sections in the same order with the same header
/// fields and contents (ORC, site sections, relocations with the jump-label R_NONEs, code
/// with its NOPs) and the same symbol table; only the file layout may differ.
@Suite(.enabled(if: Vmlinux.isPresent && FileManager.default.fileExists(atPath: Vmlinux.directory + "/full.o"),
                "no vmlinux build with full.o: run Scripts/build-vmlinux.sh to enable"),
       .enabled(if: TestSupport.unwindcheckBinary != nil, "needs the built unwindcheck executable"))
struct VmlinuxKbuildTests {
  @Test func fullFlagsWriteWhatObjtoolWrites() throws {
    let dir = try TestSupport.temporaryDirectory("vmlinux-full")
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("vmlinux.o").path
    try FileManager.default.copyItem(atPath: Vmlinux.input, toPath: out)
    // As Scripts/build-vmlinux.sh ran the real objtool for full.o (defconfig has no SLS;
    // the DEBUG_ENTRY checks --noinstr --unret on top).
    let flags = ["--hacks=jump_label", "--hacks=noinstr", "--hacks=skylake", "--ibt", "--orc", "--retpoline", "--rethunk",
                 "--static-call", "--uaccess", "--prefix=16", "--noinstr", "--unret", "--link"]
    let r = try TestSupport.run(TestSupport.unwindcheckBinary!, ["objtool", "--kernel=6.12"] + flags + [out])
    #expect(r.status == 0)
    // Every check of those flags: the findings objtool printed (full.warn).
    let warned = try String(contentsOfFile: Vmlinux.directory + "/full.warn", encoding: .utf8)
    #expect(r.stderr.replacingOccurrences(of: out, with: "full.o") == warned)
    let ours = try ELFFile.open(path: out)
    let theirs = try ELFFile.open(path: Vmlinux.directory + "/full.o")
    #expect(ours.sections.map(\.name) == theirs.sections.map(\.name))
    for (a, b) in zip(ours.sections, theirs.sections) {
      #expect(a.type == b.type && a.flags == b.flags && a.size == b.size && a.link == b.link && a.info == b.info
              && a.alignment == b.alignment && a.entrySize == b.entrySize, "\(a.name)")
      if a.hasFileBytes && a.size == b.size {
        let same = ours.withBytes(of: a.index) { x in theirs.withBytes(of: b.index) { y in x.elementsEqual(y) } }
        #expect(same, "\(a.name) contents")
      }
    }
    #expect(ours.symbols.count == theirs.symbols.count)
    let mismatched = zip(ours.symbols, theirs.symbols).filter { x, y in
      x.name != y.name || x.value != y.value || x.size != y.size || x.type != y.type || x.binding != y.binding || x.section != y.section
    }
    #expect(mismatched.isEmpty, "\(mismatched.prefix(3).map { "\($0.0.name) / \($0.1.name)" })")
    for name in [".static_call_sites", ".retpoline_sites", ".return_sites", ".call_sites", ".ibt_endbr_seal"] {
      #expect(theirs.section(named: name) != nil, "objtool wrote \(name)")
    }
  }
}

/// Every other kernel configuration Scripts/build-vmlinux.sh built (a Xen PV guest, a
/// KVM guest, sanitizers, Debian's own config): Scripts/difftest-vmlinux.sh against the
/// real objtool of that build: the same findings with Kbuild's flags, the same ORC read
/// back, the same sections under Kbuild's full flag set. Each runs when its build is
/// present (~20-40 min each: not part of the test command).
enum VmlinuxConfigurations {
  static let all = ["xen", "kvm", "sanitizers", "debian"]
  static func isPresent(_ config: String) -> Bool {
    // (full.orc is written last: a build stopped midway does not count)
    ["/vmlinux-raw.o", "/full.o", "/orcprefix.orc", "/kbuild.args", "/full.orc"]
      .allSatisfy { FileManager.default.fileExists(atPath: Vmlinux.directory + "/" + config + $0) }
  }
  static var present: [String] { all.filter(isPresent) }
}

@Suite(.enabled(if: !VmlinuxConfigurations.present.isEmpty,
                "no other kernel configuration built: run Scripts/build-vmlinux.sh --config xen|kvm|sanitizers|debian"),
       .serialized)
struct VmlinuxConfigurationTests {
  @Test(arguments: VmlinuxConfigurations.present)
  func theConfigurationAsObjtool(_ config: String) throws {
    let r = try TestSupport.run(TestSupport.absolute("Scripts/difftest-vmlinux.sh"), ["--config", config])
    #expect(r.status == 0, "\(r.stdout.suffix(3000))\(r.stderr.suffix(1000))")
    #expect(r.stdout.contains("orc lines differing 0 of") && r.stdout.contains("sections differing 0;"), "\(r.stdout)")
    print(r.stdout)
  }
}
