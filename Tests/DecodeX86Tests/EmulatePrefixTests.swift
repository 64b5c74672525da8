// The kernel's forced-emulation prefixes (ud2 + "xen" / "kvm"): one instruction with
// what follows, as the kernel's decoder and objtool read it; the raw decoder (GNU
// objdump's view) still sees ud2. TestObjects/x86_64/cfi/emulate.o checks the walk and
// ORC against the real objtool.
import ArchX86
import DecodeX86
import Testing
import UnwindModel

struct EmulatePrefixTests {
  static let xenCpuid: [UInt8] = [0x0F, 0x0B, 0x78, 0x65, 0x6E, 0x0F, 0xA2]  // xen_cpuid's bytes
  static let kvmPush: [UInt8] = [0x0F, 0x0B, 0x6B, 0x76, 0x6D, 0x50]

  func lengths(_ bytes: [UInt8], emulatePrefixes: Bool) -> [Int] {
    var out: [Int] = []
    bytes.withUnsafeBytes { code in
      X86Decoder().forEachInstruction(in: code, emulatePrefixes: emulatePrefixes) { _, insn in out.append(Int(insn.length)) }
    }
    return out
  }

  @Test func bothPrefixesJoinTheirInstruction() {
    #expect(lengths(Self.xenCpuid, emulatePrefixes: true) == [7])
    #expect(lengths(Self.kvmPush, emulatePrefixes: true) == [6])
    // Without: ud2, then the ASCII as code ("xe" is js +0x65, "kv" imul).
    #expect(lengths(Self.xenCpuid, emulatePrefixes: false).first == 2)
    #expect(lengths(Self.kvmPush, emulatePrefixes: false).first == 2)
    Self.xenCpuid.withUnsafeBytes { #expect(X86Decoder.emulatePrefix($0, at: 0) == "xen") }
    Self.kvmPush.withUnsafeBytes { #expect(X86Decoder.emulatePrefix($0, at: 0) == "kvm") }
    // A marker with nothing after it, or another ASCII word, is no prefix.
    Array(Self.xenCpuid.prefix(5)).withUnsafeBytes { #expect(X86Decoder.emulatePrefix($0, at: 0) == nil) }
    [UInt8]([0x0F, 0x0B, 0x61, 0x62, 0x63, 0x90]).withUnsafeBytes { #expect(X86Decoder.emulatePrefix($0, at: 0) == nil) }
  }

  /// The text decoder (objtool's view): the prefixed instruction's kind and stack ops
  /// are those of the instruction after the marker.
  @Test func theKindIsTheInstructionsAfterTheMarker() {
    let text = (Self.xenCpuid + Self.kvmPush).withUnsafeBytes { X86TextDecoder().decode($0) }
    #expect(text.offsets == [0, 7])
    #expect(text.lengths == [7, 6])
    #expect(text.kinds == [.other, .other])
    #expect(text.ops(InstructionIndex(0)).isEmpty && text.ops(InstructionIndex(1)).count == 1)
  }
}
