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
    /// arm64: `destRegister` (x29 or x30) is overwritten by an instruction that is not
    /// one of its stack ops (`bl`/`blr` write x30; loads, moves and arithmetic into it).
    /// No stack effect; the register stops holding its entry value (see
    /// `CFIRule.overwrittenBase`).
    case overwrite
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
    case .overwrite: return registerName(destRegister) + "<-other"
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
