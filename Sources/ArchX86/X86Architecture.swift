import UnwindModel

/// The x86-64 facts the analysis needs, as data.
public enum X86Architecture {
  /// Function entry (objtool `arch_initial_func_cfi_state`): CFA = rsp + 8, return
  /// address at CFA - 8, nothing else saved; stack size 8, frame type CALL.
  public static let functionEntryCFI: CFIState = {
    var s = CFIState.allUndefined
    s.cfa = CFIRule(base: Int8(X86Register.rsp), offset: 8)
    s.regs[Int(X86Register.returnAddress)] = CFIRule(base: CFIRule.cfaBase, offset: -8)
    s.stackSize = 8
    s.type = .call
    return s
  }()

  /// rbx, rbp, r12-r15: the registers objtool's `save_reg` tracks.
  public static let calleeSavedMask: UInt32 = (1 << 3) | (1 << 5) | (1 << 12) | (1 << 13) | (1 << 14) | (1 << 15)

  /// The description for the kernel ABI being emulated (`--kernel 6.1|6.12`).
  public static func description(kernel: KernelVersion) -> ArchitectureDescription {
    var d = ArchitectureDescription(
      functionEntryCFI: functionEntryCFI, calleeSavedMask: calleeSavedMask,
      registers: X86Register.vocabulary,
      noreturnFunctions: Set(kernel.objtool.noreturns),
      branchAddendBias: 4,
      isRetpolineThunk: { $0.hasPrefix("__x86_indirect_") || $0.hasPrefix("__pi___x86_indirect_") },
      isReturnThunk: { $0 == "__x86_return_thunk" || $0 == "__pi___x86_return_thunk" },
      alternativeLayout: alternativeLayout(kernel: kernel))
    d.hintBase = hintBase
    d.tracksRegisterMoves = kernel.objtool.registerMoves
    d.kernel.uaccessSafeFunctions = kernel.objtool.uaccessSafe
    d.frameExemptCallees = ["__fentry__"]
    d.mcountCallee = "__fentry__"
    d.isEmbeddedInstruction = { $0 == "retbleed_return_thunk" || $0 == "srso_safe_ret" }
    d.staticCallTrampolinePrefix = "__SCT__"
    d.featureName = { x86FeatureNames6_12[$0] }
    return d
  }

  /// `ORC_REG_*` numbers of `UNWIND_HINT` sp_reg to CFA bases (objtool `arch_decode_hint_reg`).
  @Sendable static func hintBase(_ r: UInt8) -> Int8? {
    switch r {
    case 0: CFIRule.undefinedBase  // UNDEFINED
    case 2: Int8(X86Register.rdx)  // DX
    case 3: Int8(X86Register.rdi)  // DI
    case 4: Int8(X86Register.rbp)  // BP
    case 5: Int8(X86Register.rsp)  // SP
    case 6: Int8(X86Register.r10)  // R10
    case 7: Int8(X86Register.r13)  // R13
    case 9: CFIRule.spIndirectBase  // SP_INDIRECT
    default: nil
    }
  }

  /// The kernel's x86-64 NOP of `length` bytes (`BYTES_NOP1`..`BYTES_NOP5`, objtool
  /// `arch_nop_insn`).
  @Sendable public static func nop(_ length: Int) -> [UInt8]? {
    switch length {
    case 1: [0x90]
    case 2: [0x66, 0x90]
    case 3: [0x0F, 0x1F, 0x00]
    case 4: [0x0F, 0x1F, 0x40, 0x00]
    case 5: [0x0F, 0x1F, 0x44, 0x00, 0x00]
    default: nil
    }
  }

  /// `ret; int3` and NOPs, `length` bytes in all (objtool `arch_ret_insn`: a tail call
  /// replaced by a return, with the speculation trap after it).
  @Sendable public static func ret(_ length: Int) -> [UInt8]? {
    switch length {
    case 1: [0xC3]
    case 2...5: [0xC3, 0xCC] + (length > 2 ? nop(length - 2)! : [])
    default: nil
    }
  }

  /// X86_FEATURE_POPCNT (word 4, bit 23) and X86_FEATURE_SMAP (word 9, bit 20).
  static let featurePOPCNT: UInt16 = 4 * 32 + 23
  static let featureSMAP: UInt16 = 9 * 32 + 20

  /// `struct alt_instr`: 12 bytes in 6.1 (u16 feature), 14 bytes since 6.2 (u32 ft_flags).
  static func alternativeLayout(kernel: KernelVersion) -> AlternativeLayout {
    let old = kernel.objtool.alternatives61
    var l = AlternativeLayout(
      entrySize: old ? 12 : 14, featureOffset: 8, originalLengthOffset: old ? 10 : 12,
      replacementLengthOffset: old ? 11 : 13,
      skipOriginalFeatures: [featurePOPCNT], nestedGroups: !old)
    l.uaccessFeatures = [featureSMAP]
    return l
  }
}

