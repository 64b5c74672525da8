import UnwindModel

/// x86-64's register model (objtool `cfi_regs.h`): the 16 general registers in ModRM
/// order, then slot 16 for the return address (objtool `CFI_RA`).
public enum X86Register {
  public static let rax: UInt8 = 0, rcx: UInt8 = 1, rdx: UInt8 = 2, rbx: UInt8 = 3
  public static let rsp: UInt8 = 4, rbp: UInt8 = 5, rsi: UInt8 = 6, rdi: UInt8 = 7
  public static let r10: UInt8 = 10, r13: UInt8 = 13
  public static let returnAddress: UInt8 = 16
  public static let names = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                             "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "ra"]
  public static func name(_ r: UInt8) -> String { Int(r) < names.count ? names[Int(r)] : "r?\(r)" }
  /// The x86-64 psABI's DWARF number of each register above (DWARF orders rax, rdx,
  /// rcx, rbx, rsi, rdi, rbp, rsp, r8-r15; 16 is the return address).
  public static let dwarfNumbers: [UInt16] = [0, 2, 1, 3, 7, 6, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15, 16]

  /// The vocabulary the analysis, the DWARF cross-check and the renderers use. objtool
  /// prints x86 slot numbers in its messages (`reg1[5]`, `cfa1=4+16`); so do we.
  public static let vocabulary = RegisterVocabulary(
    names: names, dwarfNumbers: dwarfNumbers, stackPointer: rsp, framePointer: rbp, returnAddress: returnAddress,
    returnAddressInRegister: false, numbersInMessages: true)
}
