/// One effect of an instruction on the stack or on a register that may hold a stack
/// address: objtool's `struct stack_op` (`{dest, src}`), the contract between the arch
/// decoders and the CFI interpreter. An instruction has zero, one or two (`leave`).
///
/// Register numbers are DWARF-independent CFI numbers in x86 ModRM order (rax 0, rcx 1,
/// rdx 2, rbx 3, rsp 4, rbp 5, rsi 6, rdi 7, r8..r15 8..15), as objtool's `CFI_*`.
public struct StackOp: Hashable, Sendable {
  /// `OP_DEST_*`
  public enum Dest: UInt8, Sendable {
    /// `mov ..., %reg`, `pop %reg`, `add ..., %rsp`
    case register
    /// `mov %reg, disp(%base)`
    case registerIndirect
    /// generic memory (`pop mem`, `popf`)
    case memory
    /// `push`
    case push
    /// `pushf`
    case pushf
    /// arm64 PACIASP/PACIBSP (`destOffset` 1) and AUTIASP/AUTIBSP (0): the return
    /// address in x30 becomes signed / authenticated. No stack effect.
    case returnAddressSigning
  }

  /// `OP_SRC_*`
  public enum Source: UInt8, Sendable {
    /// `mov %reg, ...`, `lea (%reg), ...`
    case register
    /// `mov disp(%base), ...`
    case registerIndirect
    /// an immediate, a memory operand or a return address (`push $x`, `call`)
    case constant
    /// `pop`
    case pop
    /// `popf`
    case popf
    /// `reg + offset` (`add/sub $imm, %rsp`, `lea disp(%reg), ...`, `add %reg, %rsp`)
    case add
    /// `and $imm, %rsp`
    case and
  }

  public var dest: Dest
  public var destRegister: UInt8
  public var source: Source
  public var sourceRegister: UInt8
  public var destOffset: Int32
  public var sourceOffset: Int32

  public init(dest: Dest, destRegister: UInt8 = 0, destOffset: Int32 = 0,
              source: Source, sourceRegister: UInt8 = 0, sourceOffset: Int32 = 0) {
    self.dest = dest
    self.destRegister = destRegister
    self.destOffset = destOffset
    self.source = source
    self.sourceRegister = sourceRegister
    self.sourceOffset = sourceOffset
  }
}

/// x86-64 CFI register numbers (objtool `cfi_regs.h`).
public enum X86Register {
  public static let rax: UInt8 = 0, rcx: UInt8 = 1, rdx: UInt8 = 2, rbx: UInt8 = 3
  public static let rsp: UInt8 = 4, rbp: UInt8 = 5, rsi: UInt8 = 6, rdi: UInt8 = 7
  public static let r10: UInt8 = 10, r13: UInt8 = 13
  public static let names = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                             "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"]
  public static func name(_ r: UInt8) -> String { Int(r) < names.count ? names[Int(r)] : "r?\(r)" }
  /// The x86-64 psABI's DWARF number of each register above (DWARF orders rax, rdx,
  /// rcx, rbx, rsi, rdi, rbp, rsp, r8-r15; 16 is the return address).
  public static let dwarfNumbers: [UInt16] = [0, 2, 1, 3, 7, 6, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15]
  /// The register a DWARF number names, in our numbering (nil: not a GPR).
  public static func fromDwarf(_ n: UInt16) -> UInt8? {
    dwarfNumbers.firstIndex(of: n).map { UInt8($0) }
  }
}

extension StackOp {
  /// Text form used by `unwindcheck decode`: `DEST<-SRC`, e.g. `push<-rbp`,
  /// `rbx<-pop`, `rsp<-rsp-0x18`, `[rsp+0x8]<-rbx`, `rbp<-[rbp-0x8]`, `rsp<-rsp&-0x10`.
  public func text(registerName: (UInt8) -> String) -> String {
    func signed(_ v: Int32) -> String {
      v < 0 ? "-0x" + String(UInt32(bitPattern: 0 &- v), radix: 16) : "+0x" + String(v, radix: 16)
    }
    let d: String
    switch dest {
    case .register: d = registerName(destRegister)
    case .registerIndirect: d = "[\(registerName(destRegister))\(signed(destOffset))]"
    case .memory: d = "mem"
    case .push: d = "push"
    case .pushf: d = "pushf"
    case .returnAddressSigning: return destOffset != 0 ? "ra<-signed" : "ra<-authenticated"
    }
    let s: String
    switch source {
    case .register: s = registerName(sourceRegister)
    case .registerIndirect: s = "[\(registerName(sourceRegister))\(signed(sourceOffset))]"
    case .constant: s = "const"
    case .pop: s = "pop"
    case .popf: s = "popf"
    case .add: s = registerName(sourceRegister) + signed(sourceOffset)
    case .and: s = registerName(sourceRegister) + "&" + (sourceOffset < 0 ? "-0x" + String(UInt32(bitPattern: 0 &- sourceOffset), radix: 16) : "0x" + String(sourceOffset, radix: 16))
    }
    return "\(d)<-\(s)"
  }
}
