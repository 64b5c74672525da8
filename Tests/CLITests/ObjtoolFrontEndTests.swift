// `unwindcheck objtool`: objtool 6.12's command line and exit statuses (kbuild-objtool-6.12.md
// §4), and what it writes with Kbuild's full module flag set against the real objtool's
// own output for the same object (TestObjects/orc/patchsites-prefix.objtool612.o,
// recorded by Scripts/record-orc-goldens.sh from TestObjects/kernel-headers/patchsites.o).
import ELFObject
import Foundation
import Testing
import UnwindTestSupport

@Suite(.enabled(if: TestSupport.unwindcheckBinary != nil, "needs the built unwindcheck executable"))
struct ObjtoolFrontEndTests {
  var binary: String { TestSupport.unwindcheckBinary! }
  static let kbuildModuleFlags = ["--hacks=jump_label", "--hacks=noinstr", "--hacks=skylake", "--ibt", "--orc", "--retpoline",
                                  "--rethunk", "--sls", "--static-call", "--uaccess", "--prefix=16", "--link", "--module"]
  static let siteSections = [".static_call_sites", ".retpoline_sites", ".return_sites", ".call_sites", ".ibt_endbr_seal",
                             ".orc_unwind_ip"]

  func copy(_ relative: String, _ name: String) throws -> String {
    let path = try TestSupport.temporaryDirectory("objtool-front-end").appendingPathComponent(name).path
    try? FileManager.default.removeItem(atPath: path)
    try FileManager.default.copyItem(atPath: TestSupport.absolute(relative), toPath: path)
    return path
  }

  @Test func usageErrorsExit129() throws {
    let none = try TestSupport.run(binary, ["objtool", "--kernel=6.12"])
    #expect(none.status == 129 && none.stderr.contains("Usage: objtool <actions> [<options>] file.o"))
    let unknown = try TestSupport.run(binary, ["objtool", "--kernel=6.12", "--orc", "--frobnicate", "x.o"])
    #expect(unknown.status == 129 && unknown.stderr.contains("Error: unknown option `frobnicate'"))
    let two = try TestSupport.run(binary, ["objtool", "--kernel=6.12", "--orc", "a.o", "b.o"])
    #expect(two.status == 129)
    let badHack = try TestSupport.run(binary, ["objtool", "--kernel=6.12", "--hacks=nonsense", "x.o"])
    #expect(badHack.status == 129)
  }

  @Test func optionConflictsExit1WithObjtoolsMessages() throws {
    let obj = TestSupport.absolute("TestObjects/x86_64/cfi/clean.o")
    let cases: [([String], String)] = [
      (["objtool", "--kernel=6.12", obj], "error: objtool: At least one action required"),
      (["objtool", "--kernel=6.12", "--orc", "--dump", obj], "error: objtool: --dump can't be combined with other actions"),
      (["objtool", "--kernel=6.12", "--ibt", obj], "error: objtool: --ibt requires --link"),
      (["objtool", "--kernel=6.12", "--orc", "--mnop", obj], "error: objtool: --mnop requires --mcount"),
      (["objtool", "--kernel=6.12", "--unret", obj], "error: objtool: --unret requires --rethunk"),
    ]
    for (args, message) in cases {
      let r = try TestSupport.run(binary, args)
      #expect(r.status == 1, "\(args)")
      #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
    }
    // objtool's own line (6.1 and 6.12 alike).
    for kernel in ["6.1", "6.12"] {
      let missing = try TestSupport.run(binary, ["objtool", "--kernel=\(kernel)", "--orc", "/nonexistent/x.o"])
      #expect(missing.status == 1 && missing.stderr == "objtool: Can't open '/nonexistent/x.o': No such file or directory\n")
    }
  }

  @Test func warningsInObjtoolsWordsExitZero() throws {
    let path = try copy("TestObjects/x86_64/cfi/modret.o", "modret.o")
    let r = try TestSupport.run(binary, ["objtool", "--kernel=6.12", "--orc", path])
    #expect(r.status == 0)
    #expect(r.stderr == "\(path): warning: objtool: modret+0x1: return with modified stack frame\n")
    let werror = try TestSupport.run(binary, ["objtool", "--kernel=6.12", "--orc", "--werror", "--dry-run", path])
    #expect(werror.status == 1)
    // A second run finds the ORC it wrote and says so, as objtool does.
    #expect(werror.stderr.hasSuffix("\(path): warning: objtool: file already has .orc_unwind section, skipping\n"))
    // OBJTOOL_ARGS is parsed before the command line.
    let fresh = try copy("TestObjects/x86_64/cfi/modret.o", "modret-env.o")
    let env = try TestSupport.run(binary, ["objtool", "--kernel=6.12", "--dry-run", fresh], environment: ["OBJTOOL_ARGS": "--orc --sec-address"])
    #expect(env.stderr == "\(fresh): warning: objtool: modret+0x1 (.text+0x1): return with modified stack frame\n")
  }

  /// (type, symbol or section name, addend) of each relocation of `.rela<name>`.
  func relocations(_ file: ELFFile, _ name: String) -> [String]? {
    guard let rs = file.relocationSections.first(where: { file.section($0.target).name == name }) else { return nil }
    return rs.relocations.map { r in
      let s = file.symbol(r.symbol)
      let target = s.isSectionSymbol ? s.section.index.map { file.section($0).name } ?? "?" : s.name
      return "\(r.offset) \(r.type) \(target)\(r.addend >= 0 ? "+" : "")\(r.addend)"
    }
  }

  func executableBytes(_ file: ELFFile) -> [String: [UInt8]] {
    Dictionary(uniqueKeysWithValues: file.sections.filter { $0.isExecutable && $0.hasFileBytes }.map { s in
      (s.name, file.withBytes(of: s.index) { [UInt8]($0) })
    })
  }

  func prefixSymbols(_ file: ELFFile) -> Set<String> {
    Set(file.symbols.filter { $0.name.hasPrefix("__pfx_") }.map { s in
      "\(s.name) \(s.value) \(s.size) \(s.binding) \(s.section.index.map { file.section($0).name } ?? "")"
    })
  }

  @Test func kbuildModuleFlagsWriteWhatTheRealObjtoolWrites() throws {
    let path = try copy("TestObjects/kernel-headers/patchsites.o", "patchsites.o")
    let r = try TestSupport.run(binary, ["objtool", "--kernel=6.12"] + Self.kbuildModuleFlags + [path])
    #expect(r.status == 0)
    #expect(r.stderr.contains("\(path): warning: objtool: ps_three+0x9: stack layout conflict in alternatives: ps_three+0xa"))
    let ours = try ELFFile.open(path: path)
    let theirs = try ELFFile.open(path: TestSupport.absolute("TestObjects/orc/patchsites-prefix.objtool612.o"))
    for name in Self.siteSections + [".text"] {
      #expect(relocations(ours, name) == relocations(theirs, name), "\(name)")
    }
    #expect(relocations(theirs, ".return_sites")?.count == 6 && relocations(theirs, ".ibt_endbr_seal")?.count == 2)
    for name in [".orc_unwind", ".return_sites", ".call_sites", ".ibt_endbr_seal"] {
      let a = try #require(ours.section(named: name)), b = try #require(theirs.section(named: name))
      #expect(ours.withBytes(of: a.index) { [UInt8]($0) } == theirs.withBytes(of: b.index) { [UInt8]($0) }, "\(name)")
      #expect(a.flags == b.flags && a.alignment == b.alignment && a.entrySize == b.entrySize, "\(name)")
    }
    #expect(executableBytes(ours) == executableBytes(theirs))
    #expect(prefixSymbols(ours) == prefixSymbols(theirs))
  }

  /// Sections in order with their header fields and contents, and the symbols: an
  /// object's meaning apart from its file layout.
  func meaning(_ f: ELFFile) -> [String] {
    f.sections.map { s in
      "\(s.name) \(s.type) \(s.flags.rawValue) \(s.alignment) \(s.entrySize) \(s.link) \(s.info) "
        + (s.hasFileBytes ? f.withBytes(of: s.index) { $0.map { String($0, radix: 16) }.joined() } : "-")
    } + f.symbols.map { "\($0.name) \($0.type) \($0.binding) \($0.section) \($0.value) \($0.size)" }
  }

  /// CFI that ORC cannot express: objtool warns at the first such instruction (unless
  /// its function already warned), writes no ORC and still writes what it made before
  /// (the __pfx_ symbols): the same lines, the same object.
  @Test func inexpressibleCFIWritesWhatObjtoolWrites() throws {
    let path = try copy("TestObjects/x86_64/undefcfa/undefcfa.o", "undefcfa.o")
    let r = try TestSupport.run(binary, ["objtool", "--kernel=6.12", "--orc", "--prefix=16", "--link", path])
    #expect(r.status == 0)
    let expected = try String(contentsOfFile: TestSupport.absolute("TestObjects/x86_64/undefcfa/undefcfa.objtool612.txt"), encoding: .utf8)
    #expect(r.stderr == expected.replacingOccurrences(of: "undefcfa.o:", with: "\(path):"))
    let theirs = try ELFFile.open(path: TestSupport.absolute("TestObjects/x86_64/undefcfa/undefcfa.objtool612.o"))
    #expect(meaning(try ELFFile.open(path: path)) == meaning(theirs))
    #expect(theirs.section(named: ".orc_unwind") == nil && theirs.symbols.contains { $0.name == "__pfx_f_fine" })
  }

  @Test func cfiSitesAsTheRealObjtool() throws {
    let path = try copy("TestObjects/x86_64/kcfi/kcfi.o", "kcfi.o")
    let r = try TestSupport.run(binary, ["objtool", "--kernel=6.12", "--orc", "--cfi", "--link", path])
    #expect(r.status == 0)
    let ours = try ELFFile.open(path: path)
    let theirs = try ELFFile.open(path: TestSupport.absolute("TestObjects/orc/kcfi.objtool612.o"))
    #expect(relocations(theirs, ".cfi_sites")?.count == 3)
    #expect(meaning(ours) == meaning(theirs))
  }

  /// (input, flags, golden): --mcount, --mcount --mnop, --hacks=noinstr, and a module's
  /// `.static_call_sites` (a tail call's key carries the tail bit, addend +1).
  static let rewriteCases: [(String, [String], String)] = [
    ("x86_64/mcount/mcount", ["--orc", "--mcount"], "mcount"),
    ("x86_64/mcount/mcount", ["--orc", "--mcount", "--mnop"], "mcount-mnop"),
    ("x86_64/noinstr/noinstr", ["--orc", "--hacks=noinstr", "--link"], "noinstr"),
    ("x86_64/staticcall/staticcall", ["--orc", "--static-call", "--link", "--module"], "staticcall-module"),
  ]

  @Test(arguments: 0..<4)
  func rewritesAsTheRealObjtool(_ k: Int) throws {
    let (input, flags, golden) = Self.rewriteCases[k]
    let path = try copy("TestObjects/\(input).o", "\(golden).o")
    let r = try TestSupport.run(binary, ["objtool", "--kernel=6.12"] + flags + [path])
    #expect(r.status == 0)
    let ours = try ELFFile.open(path: path)
    let theirs = try ELFFile.open(path: TestSupport.absolute("TestObjects/orc/\(golden).objtool612.o"))
    #expect(meaning(ours) == meaning(theirs))
    // The rewrite happened (the goldens differ from the input).
    #expect(meaning(theirs) != meaning(try ELFFile.open(path: TestSupport.absolute("TestObjects/\(input).o"))))
  }

  /// The check families of Kbuild's other flags against the real objtool's recorded
  /// verdicts (TestObjects/x86_64/FAMILY, Scripts/record-objtool-expectations.sh), in
  /// both the objtool personality and `check`.
  @Test(arguments: [
    (["--retpoline", "--rethunk", "--sls", "--link"], "mitigations", "mitigations"),
    (["--sls", "--link"], "mitigations", "mitigations-sls"),
    (["--uaccess", "--link"], "uaccess", "uaccess"),
    (["--orc", "--link", "--dry-run"], "uaccess", "uaccess-df"),
    (["--ibt", "--link"], "ibt", "ibt"),
    (["--ibt", "--link", "--module", "--orc", "--dry-run"], "ibt", "ibt-module"),
    (["--static-call", "--link"], "staticcall", "staticcall"),
    (["--static-call", "--link", "--module"], "staticcall", "staticcall-module"),
    (["--noinstr", "--unret", "--rethunk", "--link", "--orc"], "entry", "entry"),
    (["--noinstr", "--link"], "entry", "entry-noinstr"),
    (["--noinstr", "--link"], "noinstrext", "noinstrext"),
    (["--unret", "--rethunk", "--link"], "unretfail", "unretfail"),
  ])
  func checkFamilyAsTheRealObjtool(_ flags: [String], _ family: String, _ golden: String) throws {
    let path = try copy("TestObjects/x86_64/\(family)/\(family).o", "\(golden).o")
    let expected = try String(contentsOfFile: TestSupport.absolute("TestObjects/x86_64/\(family)/\(golden).objtool612.txt"), encoding: .utf8)
      .replacingOccurrences(of: "\(family).o:", with: "\(path):")
    let r = try TestSupport.run(binary, ["objtool", "--kernel=6.12"] + flags + ["--dry-run", path])
    #expect(r.status == 0)
    #expect(r.stderr == expected)
    // `check` always walks the functions too (objtool does only with --orc/--stackval/
    // --uaccess): its findings of the family's rules are the same lines.
    let checkFlags = flags.filter { $0 != "--orc" && $0 != "--dry-run" }
    let c = try TestSupport.run(binary, ["check"] + checkFlags + [path])
    let normalised = c.stderr.split(separator: "\n").filter { ["[UV14", "[UV15", "[UV16", "[UV17", "[UV18", "[UV0111"].contains(where: $0.contains) }.map {
      $0.replacingOccurrences(of: ": warning: unwindcheck: ", with: ": warning: objtool: ")
        .replacingOccurrences(of: #" \[UV[0-9]{4}\]$"#, with: "", options: .regularExpression)
    }
    #expect(normalised == expected.split(separator: "\n").map(String.init))
  }

  /// Each function of a family's source names its expected finding (`EXPECT: message`
  /// on its `.globl` line); the real objtool's verdict with every check of the family
  /// enabled is exactly those.
  @Test(arguments: [("uaccess", "uaccess"), ("ibt", "ibt-module"), ("entry", "entry")])
  func expectMarkersAreTheRealObjtoolsVerdict(_ family: String, _ golden: String) throws {
    let source = try String(contentsOfFile: TestSupport.absolute("TestObjects/x86_64/\(family)/\(family).S"), encoding: .utf8)
    var marked: Set<String> = []
    for line in source.split(separator: "\n") where line.contains("EXPECT") {
      // On a function's `.globl` line, or after a data label (`ops:`); `EXPECT(place):`
      // when objtool names another place (a replacement the walk reached first).
      var name = line.contains(".globl") ? String(line.split(whereSeparator: { $0 == " " || $0 == "\t" })[1])
        : String(line.prefix { $0 != ":" })
      if let open = line.range(of: "EXPECT("), let close = line[open.upperBound...].firstIndex(of: ")") {
        name = String(line[open.upperBound..<close])
      }
      guard let marker = line.firstRange(of: #/EXPECT(\([^)]*\))?: /#) else { continue }
      let message = line[marker.upperBound...].replacingOccurrences(of: " */", with: "")
      marked.insert("\(name): \(message)")
    }
    let recorded = try String(contentsOfFile: TestSupport.absolute("TestObjects/x86_64/\(family)/\(golden).objtool612.txt"), encoding: .utf8)
    let verdicts = Set(recorded.split(separator: "\n").map { line -> String in
      // "F.o: warning: objtool: name+0xN: message"
      // or, without a place, "F.o: warning: objtool: name(): message".
      let rest = line.components(separatedBy: ": warning: objtool: ")[1]
      let place = rest.components(separatedBy: ": ")[0]
      guard place.contains("+0x") else {
        // (Named after a function, `f()`, or a table slot, `pv_ops[1]`.)
        let name = place.replacingOccurrences(of: #"\(\)|\[[0-9]+\]"#, with: "", options: .regularExpression)
        return "\(name): \(rest)"
      }
      return "\(place.components(separatedBy: "+")[0]): \(rest.dropFirst(place.count + 2))"
    })
    #expect(marked == verdicts)
  }

  @Test func rerunAddsNothingAndDryRunWritesNothing() throws {
    let path = try copy("TestObjects/kernel-headers/patchsites.o", "patchsites-rerun.o")
    _ = try TestSupport.run(binary, ["objtool", "--kernel=6.12"] + Self.kbuildModuleFlags + [path])
    let once = try Data(contentsOf: URL(fileURLWithPath: path))
    let again = try TestSupport.run(binary, ["objtool", "--kernel=6.12"] + Self.kbuildModuleFlags + [path])
    #expect(again.status == 0)
    #expect(again.stderr.contains("file already has .orc_unwind section, skipping"))
    #expect(again.stderr.contains("file already has .return_sites, skipping"))
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == once)

    let fresh = try copy("TestObjects/kernel-headers/patchsites.o", "patchsites-dry.o")
    let before = try Data(contentsOf: URL(fileURLWithPath: fresh))
    _ = try TestSupport.run(binary, ["objtool", "--kernel=6.12", "--dry-run"] + Self.kbuildModuleFlags + [fresh])
    #expect(try Data(contentsOf: URL(fileURLWithPath: fresh)) == before)
    _ = try TestSupport.run(binary, ["objtool", "--kernel=6.12", "--backup"] + Self.kbuildModuleFlags + [fresh])
    #expect(try Data(contentsOf: URL(fileURLWithPath: fresh + ".orig")) == before)
    #expect(try Data(contentsOf: URL(fileURLWithPath: fresh)) != before)
  }

  // MARK: - Which kernel's objtool (ObjtoolContract)

  /// Kbuild 6.1's per-object module flags (Debian 12's own kernel).
  static let kbuild61ModuleFlags = ["--hacks=jump_label", "--hacks=noinstr", "--orc", "--retpoline", "--rethunk", "--sls",
                                    "--static-call", "--uaccess", "--module"]

  /// The 6.1 contract on an object compiled against Debian's 6.1 headers: the warning
  /// lines and the written object (sections, contents, symbols) as the real objtool 6.1
  /// (Scripts/record-orc-goldens.sh): 6.1's ORC layout, 12-byte alternatives and its
  /// conflict place, `.return_sites`, no `.call_sites` (6.1 has no skylake hack).
  @Test func contract61WritesWhatTheRealObjtool61Writes() throws {
    let path = try copy("TestObjects/kernel-headers-61/patchsites.o", "patchsites-61.o")
    let r = try TestSupport.run(binary, ["objtool"] + Self.kbuild61ModuleFlags + [path],
                                environment: ["KERNELRELEASE": "6.1.0-57-amd64"])
    #expect(r.status == 0)
    let expected = try String(contentsOfFile: TestSupport.absolute("TestObjects/kernel-headers-61/patchsites.objtool61.txt"),
                              encoding: .utf8)
    #expect(r.stderr == expected.replacingOccurrences(of: "patchsites.o:", with: "\(path):"))
    let theirs = try ELFFile.open(path: TestSupport.absolute("TestObjects/kernel-headers-61/patchsites.objtool61.o"))
    #expect(meaning(try ELFFile.open(path: path)) == meaning(theirs))
    #expect(theirs.section(named: ".orc_unwind") != nil && theirs.section(named: ".call_sites") == nil)
    // The same object as 6.12 sees it is another object: 6.12's ORC layout.
    let as612 = try copy("TestObjects/kernel-headers-61/patchsites.o", "patchsites-612.o")
    _ = try TestSupport.run(binary, ["objtool", "--kernel=6.12"] + Self.kbuild61ModuleFlags + [as612])
    #expect(meaning(try ELFFile.open(path: as612)) != meaning(theirs))
  }

  /// 6.1's command line is 6.1's: no --prefix, --cfi, --mnop, --verbose or skylake hack,
  /// its own wording, OBJTOOL_VERBOSE ignored (6.1 has no --verbose).
  @Test func contract61HasObjtool61sCommandLine() throws {
    let obj = TestSupport.absolute("TestObjects/x86_64/cfi/clean.o")
    let unknown: [(String, String)] = [("--prefix=16", "Error: unknown option `prefix=16'"),
                                       ("--cfi", "Error: unknown option `cfi'"), ("--mnop", "Error: unknown option `mnop'"),
                                       ("--verbose", "Error: unknown option `verbose'"), ("-v", "Error: unknown switch `v'")]
    for (option, message) in unknown {
      let r = try TestSupport.run(binary, ["objtool", "--kernel=6.1", "--orc", option, obj])
      #expect(r.status == 129 && r.stderr.hasPrefix("  \(message)\n"), "\(option): \(r.stderr)")
      #expect(!r.stderr.contains("--prefix") && r.stderr.contains("-h, --hacks[=<jump_label,noinstr>]"))
    }
    let skylake = try TestSupport.run(binary, ["objtool", "--kernel=6.1", "--hacks=skylake", obj])
    #expect(skylake.status == 129 && skylake.stderr.hasPrefix("\n Usage: objtool <actions> [<options>] file.o"))
    let none = try TestSupport.run(binary, ["objtool", "--kernel=6.1", obj])
    #expect(none.status == 1 && none.stderr == "error: objtool: At least one command required\n")
    let dump = try TestSupport.run(binary, ["objtool", "--kernel=6.1", "--dump", "--orc", obj])
    #expect(dump.status == 1 && dump.stderr == "error: objtool: --dump can't be combined with other options\n")
    let path = try copy("TestObjects/x86_64/cfi/modret.o", "modret-61.o")
    let quiet = try TestSupport.run(binary, ["objtool", "--kernel=6.1", "--orc", "--dry-run", path],
                                    environment: ["OBJTOOL_VERBOSE": "1"])
    #expect(quiet.stderr == "\(path): warning: objtool: modret+0x1: return with modified stack frame\n")
    let loud = try TestSupport.run(binary, ["objtool", "--kernel=6.12", "--orc", "--dry-run", path],
                                   environment: ["OBJTOOL_VERBOSE": "1"])
    #expect(loud.stderr.contains("modret+0x0: <=== (sym)"))
  }

  /// Which objtool to be comes from the build: `--kernel=V`, then `UNWINDCHECK_KERNEL`,
  /// then Kbuild's `KERNELRELEASE`, then its `VERSION`.`PATCHLEVEL`.
  @Test func theKernelIsChosenByTheBuild() throws {
    let obj = TestSupport.absolute("TestObjects/x86_64/cfi/clean.o")
    func noAction(_ args: [String], _ env: [String: String]) throws -> String {
      try TestSupport.run(binary, ["objtool"] + args + [obj], environment: env).stderr
    }
    let v61 = "error: objtool: At least one command required\n", v612 = "error: objtool: At least one action required\n"
    #expect(try noAction([], ["KERNELRELEASE": "6.1.0-57-amd64"]) == v61)
    #expect(try noAction([], ["VERSION": "6", "PATCHLEVEL": "12"]) == v612)
    // A module's Makefile may set a VERSION of its own (rapiddisk: 9.0.0).
    #expect(try noAction([], ["KERNELRELEASE": "6.1.0-57-amd64", "VERSION": "9.0.0", "PATCHLEVEL": "1"]) == v61)
    #expect(try noAction([], ["KERNELRELEASE": "6.12.118+deb12-amd64", "UNWINDCHECK_KERNEL": "6.1"]) == v61)
    #expect(try noAction(["--kernel=6.12"], ["UNWINDCHECK_KERNEL": "6.1"]) == v612)
    #expect(try noAction(["--kernel", "6.1"], [:]) == v61)
    #expect(try noAction([], ["OBJTOOL_ARGS": "--kernel=6.1"]) == v61)
  }

  /// A kernel with no contract, or none to be told: one line naming what was asked and
  /// what is supported, exit 1, the object untouched (also with --dump, whose format
  /// depends on the kernel).
  @Test func anUnsupportedOrUnknownKernelIsRefused() throws {
    let path = try copy("TestObjects/kernel-headers-61/patchsites.o", "patchsites-refused.o")
    let before = try Data(contentsOf: URL(fileURLWithPath: path))
    let cases: [([String], [String: String], String)] = [
      (Self.kbuild61ModuleFlags, ["KERNELRELEASE": "6.6.0-28-amd64"],
       "error: unwindcheck: kernel 6.6.0-28-amd64 (from Kbuild's KERNELRELEASE) is not supported as objtool (supported: 6.1, 6.12); nothing was written\n"),
      (["--kernel=5.10"] + Self.kbuild61ModuleFlags, [:],
       "error: unwindcheck: kernel 5.10 (from --kernel) is not supported as objtool (supported: 6.1, 6.12); nothing was written\n"),
      (Self.kbuild61ModuleFlags, [:],
       "error: unwindcheck: which kernel's objtool to be is unknown (not run by Kbuild, which exports KERNELRELEASE); name it with --kernel=V or UNWINDCHECK_KERNEL=V (supported: 6.1, 6.12); nothing was written\n"),
      (["--dump=orc"], ["VERSION": "6", "PATCHLEVEL": "6"],
       "error: unwindcheck: kernel 6.6 (from Kbuild's VERSION.PATCHLEVEL) is not supported as objtool (supported: 6.1, 6.12); nothing was written\n"),
    ]
    for (args, env, line) in cases {
      let r = try TestSupport.run(binary, ["objtool"] + args + [path], environment: env)
      #expect(r.status == 1 && r.stderr == line && r.stdout.isEmpty, "\(args) \(env): \(r.stderr)")
      #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }
  }
}

/// Real Kbuild builds against Debian's headers of each supported kernel (6.1: objtool on
/// each object as it is compiled; 6.12: on the linked module), once with the kernel's
/// own objtool and once with unwindcheck as `objtool=`, every object compared
/// (Scripts/kbuild-oot.sh), and two third-party DKMS sources built the DKMS way
/// (Scripts/kbuild-dkms.sh). The test command (Scripts/test.sh) installs the build tools
/// and unpacks the headers first, so these run wherever the tests run.
enum KbuildHeaders {
  static var available: Bool { ["make", "gcc-12", "pahole", "bc"].allSatisfy(TestSupport.hasTool) }
}

@Suite(.enabled(if: KbuildHeaders.available, "needs make, gcc-12, pahole and bc (Scripts/install-deps.sh installs them)"),
       .serialized)
struct KbuildBuildTests {
  @Test(arguments: ["6.1", "6.12"]) func unwindcheckAsObjtoolBuildsTheSameObjects(kernel: String) throws {
    let r = try TestSupport.run(TestSupport.absolute("Scripts/kbuild-oot.sh"), ["--kernel", kernel])
    #expect(r.status == 0, "\(r.stdout.suffix(2000))\(r.stderr.suffix(2000))")
    // 6.1: each compiled object and the linked ones; 6.12: the linked modules.
    let expected = kernel == "6.1" ? "K=6.1 9 objects: 9 the same (7 touched by objtool), 0 differ; 2 modules"
                                   : "K=6.12 10 objects: 10 the same (4 touched by objtool), 0 differ; 2 modules"
    #expect(r.stdout.contains(expected), "\(r.stdout.suffix(1000))")
  }

  @Test(arguments: ["6.1", "6.12"]) func thirdPartyDKMSModulesComeOutTheSame(kernel: String) throws {
    let r = try TestSupport.run(TestSupport.absolute("Scripts/kbuild-dkms.sh"),
                                ["--kernel", kernel, "acpi-call-dkms", "bbswitch-dkms"])
    #expect(r.status == 0, "\(r.stdout.suffix(2000))\(r.stderr.suffix(2000))")
    #expect(r.stdout.contains("kbuild-dkms: K=\(kernel) 2 packages: 2 built, 2 the same in every object"),
            "\(r.stdout.suffix(1000))")
  }
}
