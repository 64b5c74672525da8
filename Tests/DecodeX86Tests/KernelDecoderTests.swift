// Where the kernel's instruction decoder (objtool's) and GNU objdump 2.40 differ, as
// kernel configurations beyond defconfig showed (a Xen PV guest's vmlinux.o):
// - the forced-emulation prefixes (ud2 + "xen" / "kvm"): one instruction with what
//   follows, as the kernel's decoder and objtool read it; the raw decoder (GNU objdump's
//   view) still sees ud2. TestObjects/x86_64/cfi/emulate.o checks the walk and ORC
//   against the real objtool;
// - LKGS (F2 0F 00 /6), in the kernel's map since 6.3 and unknown to objdump 2.40.
import ArchX86
import DecodeX86
import Testing
import UnwindModel

struct KernelDecoderTests {
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

  /// `native_lkgs` in a Xen PV vmlinux.o: `lkgs %di` (f2 0f 00 f7) then a jump; objdump
  /// 2.40 prints `repnz (bad)` over 3 bytes, the kernel's decoder reads one 4-byte
  /// instruction.
  @Test func lkgsIsAnInstruction() {
    let bytes: [UInt8] = [0xF2, 0x0F, 0x00, 0xF7, 0xE9, 0x00, 0x00, 0x00, 0x00]
    #expect(lengths(bytes, emulatePrefixes: true) == [4, 5])
    let memory: [UInt8] = [0xF2, 0x0F, 0x00, 0x30]  // lkgs (%rax)
    #expect(lengths(memory, emulatePrefixes: false) == [4])
    // /6 without F2 stays undefined (as in the kernel's map), and the rest of group 6 is
    // what objdump says.
    #expect(lengths([0x0F, 0x00, 0xF7], emulatePrefixes: false).first == 1)
    #expect(lengths([0x0F, 0x00, 0xD8], emulatePrefixes: false) == [3])  // ltr %ax
  }
}
