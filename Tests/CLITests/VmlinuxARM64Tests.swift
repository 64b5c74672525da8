// The whole arm64 kernel: the defconfig vmlinux.o of Scripts/build-vmlinux-arm64.sh
// (Debian's linux-source-6.12 cross-built with Debian's gcc, DWARF kept), checked
// against what there is for arm64: the findings accounted for one by one
// (TestObjects/arm64/kernel/vmlinux.suppress, each with its reason), the compiler's
// CFI in .debug_frame at every boundary of C code, every .altinstructions entry
// resolved and merged, the ORC-like table written and read back.
// Skipped when the build is absent (about an hour on 2 cores, ~9 GB: not part of the
// test command).
import Foundation
import Testing
import UnwindTestSupport

enum VmlinuxARM64 {
  static var input: String { Vmlinux.directory + "/arm64/vmlinux-raw.o" }
  static var isPresent: Bool { FileManager.default.fileExists(atPath: input) }
  static let suppressions = TestSupport.absolute("TestObjects/arm64/kernel/vmlinux.suppress")
}

@Suite(.enabled(if: VmlinuxARM64.isPresent, "no arm64 vmlinux build: run Scripts/build-vmlinux-arm64.sh to enable"),
       .enabled(if: TestSupport.unwindcheckBinary != nil, "needs the built unwindcheck executable"),
       .serialized)
struct VmlinuxARM64Tests {
  var binary: String { TestSupport.unwindcheckBinary! }

  /// The suppression entries that matched nothing in a run (`--verbose` notes), by
  /// rule and function.
  func unmatched(_ stderr: String) -> Set<String> {
    Set(stderr.split(separator: "\n").compactMap { line in
      line.firstMatch(of: /\((UV\d{4}) (\S+) \S+\) matched nothing$/).map { "\($0.1) \($0.2)" }
    })
  }

  /// No crash, no fatal stop, and every finding is one the suppression file explains;
  /// with `--stackval` the frame-record rule's findings replace the default mode's in
  /// the same entry functions (one finding per function).
  @Test(arguments: [false, true])
  func everyFindingIsAccountedFor(stackval: Bool) throws {
    let r = try TestSupport.run(binary, ["check", "--link", "--verbose", "--suppress", VmlinuxARM64.suppressions]
                                        + (stackval ? ["--stackval"] : []) + [VmlinuxARM64.input])
    #expect(r.status == 0, "\(r.stderr.prefix(3000))")
    let reported = r.stderr.split(separator: "\n").filter { $0.contains(": warning: ") }
    #expect(reported.isEmpty, "\(reported.joined(separator: "\n"))")
    let defaultOnly: Set = ["UV1025 __kvm_nvhe___host_exit", "UV1001 _cpu_resume", "UV1002 __secondary_switched",
                            "UV1012 __primary_switch"]
    let stackvalOnly: Set = ["UV1013 secondary_holding_pen", "UV1013 secondary_entry", "UV1013 .idmap.text",
                             "UV1013 __secondary_switched", "UV1013 __primary_switch", "UV1013 __primary_switched",
                             "UV1013 _cpu_resume", "UV1013 __cpu_suspend_enter", "UV1013 __kvm_nvhe___host_exit"]
    #expect(unmatched(r.stderr) == (stackval ? defaultOnly : stackvalOnly), "\(r.stderr.suffix(3000))")
  }

  /// The CFI computed from the machine code against the compiler's `.debug_frame` at
  /// every boundary: no disagreement, and almost every instruction comparable (what is
  /// not is assembly without CFI, padding, and code no walk reaches).
  @Test func cfiAgreesWithTheCompilers() throws {
    let r = try TestSupport.run(binary, ["check", "--link", "--against-dwarf", "--summary", "--coverage",
                                         "--suppress", VmlinuxARM64.suppressions, VmlinuxARM64.input])
    let total = try #require(r.stdout.split(separator: "\n").last)
    let m = try #require(total.firstMatch(of: /^dwarf: agree (\d+), disagree (\d+), not comparable (\d+)$/), "\(total)")
    let agree = Int(m.1) ?? 0, disagree = Int(m.2) ?? -1
    #expect(disagree == 0)
    #expect(agree > 4_000_000)
    #expect(!r.stderr.contains("[UV130"))
    // The code without any CFI, function by function, with the rows computed for it.
    let coverage = try #require(r.stdout.split(separator: "\n").first { $0.contains(": coverage: ") })
    let c = try #require(coverage.firstMatch(of: /coverage: (\d+) of (\d+) functions without DWARF CFI/))
    #expect((Int(c.1) ?? 0) > 50 && (Int(c.1) ?? 0) < (Int(c.2) ?? 0) / 100, "\(coverage)")
    #expect(r.stdout.contains("no DWARF CFI: call_on_irq_stack() at .text+0x"), "an entry.S function without CFI")
  }

  /// Every `.altinstructions` entry resolves (callbacks named, replacements in their
  /// own section), the KVM hyp sites included, and no two streams conflict.
  @Test func everyPatchSiteResolves() throws {
    let r = try TestSupport.run(binary, ["alternatives", VmlinuxARM64.input])
    #expect(r.status == 0)
    let entries = try #require(r.stdout.firstMatch(of: /entries: (\d+) \((\d+) callbacks, (\d+) with replacement code, (\d+) of them in the original's own section\), (\d+) unresolved/))
    #expect((Int(entries.1) ?? 0) > 20_000)
    #expect(entries.5 == "0")
    #expect(r.stdout.contains("conflicts: 0"))
    #expect(r.stdout.contains("<- callback __kvm_nvhe_alt_cb_patch_nops()"))
    let hyp = try TestSupport.run(binary, ["alternatives", "--function", "__kvm_nvhe___kvm_vcpu_run", VmlinuxARM64.input])
    #expect(hyp.stdout.contains("site __kvm_nvhe___kvm_vcpu_run+0x"), "\(hyp.stdout.prefix(2000))")
    #expect(!hyp.stdout.contains("conflicts with the table"))
  }

  /// The ORC-like table for the whole object: written, and read back entry for entry.
  @Test func orcIsWrittenAndReadBack() throws {
    let dir = try TestSupport.temporaryDirectory("a64vmlinux")
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("vmlinux.o").path
    let w = try TestSupport.run(binary, ["check", "--link", "--orc", "--suppress", VmlinuxARM64.suppressions,
                                         "--output", out, VmlinuxARM64.input])
    #expect(w.status == 0, "\(w.stderr.prefix(2000))")
    let dump = try TestSupport.run(binary, ["orc", "dump", out]).stdout.split(separator: "\n")
    let generated = try TestSupport.run(binary, ["orc", "dump", "--generate", VmlinuxARM64.input]).stdout.split(separator: "\n")
    #expect(dump.count > 400_000)
    #expect(dump == generated)
  }
}
