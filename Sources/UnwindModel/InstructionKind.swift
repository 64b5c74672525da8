/// What an instruction does to control flow, in objtool's vocabulary (`enum insn_type`,
/// 6.12). One byte, so per-instruction columns stay small.
public enum InstructionKind: UInt8, Sendable, CaseIterable {
  case other = 0
  /// `INSN_JUMP_CONDITIONAL`: Jcc, JrCXZ, LOOP*.
  case jumpConditional
  /// `INSN_JUMP_UNCONDITIONAL`: `jmp rel`.
  case jumpUnconditional
  /// `INSN_JUMP_DYNAMIC`: `jmp *...`.
  case jumpDynamic
  /// `INSN_CALL`: `call rel32`.
  case call
  /// `INSN_CALL_DYNAMIC`: `call *...`.
  case callDynamic
  /// `INSN_RETURN`: `ret`, `ret imm16`.
  case ret
  /// `INSN_CONTEXT_SWITCH` (6.12): syscall, sysenter, sysret, sysexit, iret outside a
  /// function, far ret/jmp.
  case contextSwitch
  /// `INSN_BUG`: ud2, ud1.
  case bug
  /// `INSN_NOP`: `nop`, `nopl /0`.
  case nop
  /// `INSN_ENDBR`: endbr64/endbr32.
  case endbr
  /// `INSN_TRAP`: int3.
  case trap
  /// `INSN_STAC` / `INSN_CLAC`.
  case stac
  case clac
  /// `INSN_STD` / `INSN_CLD`.
  case std
  case cld
  /// Not a valid encoding (objdump's `(bad)`); the analysis reports it.
  case invalid
  /// `INSN_JUMP_DYNAMIC_CONDITIONAL`: a conditional jump to a retpoline thunk (only
  /// produced by branch resolution, never by a decoder).
  case jumpDynamicConditional

  /// The name `unwindcheck decode` prints.
  public var name: String {
    switch self {
    case .other: "other"
    case .jumpConditional: "jcc"
    case .jumpUnconditional: "jmp"
    case .jumpDynamic: "jmp*"
    case .call: "call"
    case .callDynamic: "call*"
    case .ret: "ret"
    case .contextSwitch: "context-switch"
    case .bug: "bug"
    case .nop: "nop"
    case .endbr: "endbr"
    case .trap: "trap"
    case .stac: "stac"
    case .clac: "clac"
    case .std: "std"
    case .cld: "cld"
    case .invalid: "invalid"
    case .jumpDynamicConditional: "jcc*"
    }
  }

  /// Direct branches whose target is `offset + length + immediate`.
  public var hasDirectTarget: Bool {
    self == .jumpConditional || self == .jumpUnconditional || self == .call
  }
}
