import UnwindModel

/// arm64 facts as data. (The arm64 decoder and CFI rules come with their own issue;
/// this module starts with the patch-site layout.)
public enum ARM64Architecture {
  /// `struct alt_instr` (arch/arm64/include/asm/alternative-macros.h): s32 orig, s32
  /// alt (replacement, or callback for callback entries), u16 cpucap, u8 orig_len,
  /// u8 alt_len: 12 bytes. Replacements live in the same section (`.subsection 1`).
  public static let alternativeLayout: AlternativeLayout = {
    var l = AlternativeLayout(entrySize: 12, featureOffset: 8, originalLengthOffset: 10, replacementLengthOffset: 11,
                              nestedGroups: false)
    l.callbackBit = callbackBit
    l.nopCallbacks = ["alt_cb_patch_nops", kvmNVHEPrefix + "alt_cb_patch_nops"]
    return l
  }()

  /// The prefix every symbol of the KVM nVHE hypervisor objects gets when they are linked
  /// into the kernel (arch/arm64/kvm/hyp/nvhe/Makefile, `objcopy --prefix-symbols`); the
  /// kernel's functions they call, the alternative callbacks among them, are aliased
  /// under it at the final link (`KVM_NVHE_ALIAS` in kernel/image-vars.h), so in
  /// vmlinux.o a hyp site's callback is `__kvm_nvhe_alt_cb_patch_nops`.
  public static let kvmNVHEPrefix = "__kvm_nvhe_"

  /// `ARM64_CB_BIT`: the entry names a callback that patches the original at boot;
  /// it has no replacement instructions.
  public static let callbackBit: UInt16 = 1 << 15

  /// A64 instructions are 4 bytes.
  public static let instructionSize = 4
}

extension ARM64Architecture {
  /// CFI state at function entry: CFA = SP + 0 (nothing pushed by a call), the return
  /// address still in x30 (its slot undefined = "in the link register"), nothing saved.
  public static let functionEntryCFI: CFIState = {
    var s = CFIState.allUndefined
    s.cfa = CFIRule(base: Int8(ARM64Register.sp), offset: 0)
    s.stackSize = 0
    s.type = .call
    return s
  }()

  /// x29 and x30 are the registers whose saves and restores are tracked (x19-x28 are
  /// not: GCC saves them in path-dependent order and places).
  public static let trackedMask: UInt32 = (1 << UInt32(ARM64Register.fp)) | (1 << UInt32(ARM64Register.lr))

  /// arm64's own functions that never return (`__noreturn` in arch/arm64, and the
  /// syscall wrappers of exit and exit_group, as objtool lists x86's).
  public static let noreturns: Set<String> = ["__arm64_sys_exit", "__arm64_sys_exit_group", "cpu_die", "cpu_die_early"]

  /// The kernel's functions that never return on arm64: objtool's list without its
  /// x86-only names, plus arm64's.
  public static func noreturnFunctions(kernel: KernelVersion) -> Set<String> {
    Set(kernel.objtool.noreturns).subtracting(KernelNoreturns.x86Only).union(noreturns)
  }

  /// The description the analysis runs with. `calleeSaved`: also track x19-x28,
  /// compared at joins and returns like x86's callee-saved registers
  /// (`check --callee-saved`; off by default).
  public static func description(kernel: KernelVersion = .v6_12, calleeSaved: Bool = false) -> ArchitectureDescription {
    var d = ArchitectureDescription(
      functionEntryCFI: functionEntryCFI,
      calleeSavedMask: calleeSaved ? trackedMask | (0x3FF << 19) : trackedMask,
      registers: ARM64Register.vocabulary,
      noreturnFunctions: noreturnFunctions(kernel: kernel),
      branchAddendBias: 0,  // R_AARCH64_CALL26/JUMP26: the addend is the target offset
      isRetpolineThunk: { _ in false }, isReturnThunk: { _ in false },
      alternativeLayout: alternativeLayout)
    d.switchTablePattern = { ARM64SwitchTables.pattern(words: $0, offsets: $1) }
    d.warningsFromBugTable = true
    d.frameRecords = true
    d.codeOutsideFunctionsHasHints = false
    d.addressTablesInLocalObjects = true
    // (Bit 15 marks a callback entry; the rest is the cpucap.)
    d.featureName = { f in Int(f & 0x7FFF) < arm64CpucapNames6_12.count ? arm64CpucapNames6_12[Int(f & 0x7FFF)] : nil }
    return d
  }
}
