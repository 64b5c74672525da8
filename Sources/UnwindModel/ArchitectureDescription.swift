/// What the analysis needs to know about an architecture, as data (the analysis never
/// imports an arch module; `UnwindDriver` hands this in).
public struct ArchitectureDescription: Sendable {
  /// CFI state at function entry (objtool `initial_func_cfi`).
  public var functionEntryCFI: CFIState
  /// Registers `save_reg` tracks (x86: rbx, rbp, r12-r15), as a bit mask.
  public var calleeSavedMask: UInt32
  public var stackPointer: UInt8 { registers.stackPointer }
  public var framePointer: UInt8 { registers.framePointer }
  /// Global functions that never return (objtool's noreturns list for the kernel
  /// version being emulated).
  public var noreturnFunctions: Set<String>
  /// Added to a branch relocation's addend to get the target offset (x86: +4, the
  /// PC32 field is 4 bytes before the next instruction).
  public var branchAddendBias: Int64
  /// Calls/jumps to these become indirect (retpoline thunks) or returns (return thunks).
  public var isRetpolineThunk: @Sendable (String) -> Bool
  public var isReturnThunk: @Sendable (String) -> Bool
  /// Global symbols that label an instruction hidden inside other instructions (x86:
  /// the return thunks whose `ret` is the last byte of a longer instruction, objtool
  /// `arch_is_embedded_insn`): they own no instructions, a jump into them that hits no
  /// instruction boundary is a return, and calls to them need no frame.
  public var isEmbeddedInstruction: @Sendable (String) -> Bool = { _ in false }
  /// Prefix of static-call trampoline symbols (x86 `__SCT__`), whose calls are never
  /// dead ends and whose unreachable code is not reported.
  public var staticCallTrampolinePrefix: String? = nil
  /// The registers: slot names, DWARF numbers, how messages show them.
  public var registers: RegisterVocabulary
  /// Frame records may sit anywhere in the frame (arm64: `sub sp, sp, #N; stp x29, x30,
  /// [sp, #M]; add x29, sp, #M`): a frame is also valid when the frame pointer's value
  /// (tracked relative to the CFA) is where its caller's value is saved, with the return
  /// address in the next slot. (x86's frame pointer always points at the saved one at
  /// the top of the frame, where the CFA is based on it.)
  public var frameRecords = false
  /// A table of code addresses (C computed goto: `goto *table[i]`) may be a named local
  /// object in `.rodata` (arm64: GCC's `jumptable.N` in ___bpf_prog_run, reached with
  /// `adrp`/`add` against the symbol). On x86 the kernel puts it in
  /// `.data.rel.ro.c_jump_table` for objtool, which reads only anonymous tables
  /// elsewhere, so x86 leaves this off.
  public var addressTablesInLocalObjects = false
  /// The kernel describes its code outside functions with unwind hints (x86
  /// `UNWIND_HINT_*`), so a walk reaches it and what no walk reaches is reported. arm64
  /// has no hints: code outside functions (entry code, vectors, trampolines) is no
  /// walk's, and is not reported unreachable (the DWARF coverage report lists it).
  public var codeOutsideFunctionsHasHints = true
  /// A move between two registers, neither the stack pointer, is applied to the CFI
  /// state (objtool 6.12's x86 decoder makes an op of each; 6.1's does not).
  public var tracksRegisterMoves = true
  /// The name of an alternative's CPU feature number (x86 `X86_FEATURE_SMAP`, arm64
  /// cpucap `ARM64_HAS_PAN`), for reports; nil when the number is not a 6.12 name.
  public var featureName: @Sendable (UInt16) -> String? = { _ in nil }

  /// `0x134 X86_FEATURE_SMAP`, or just the number.
  public func featureText(_ feature: UInt16) -> String {
    "0x\(String(feature, radix: 16))" + (featureName(feature).map { " \($0)" } ?? "")
  }
  public func registerName(_ slot: UInt8) -> String { registers.name(slot) }
  /// `.altinstructions` entry layout (it differs by kernel version and arch).
  public var alternativeLayout: AlternativeLayout
  /// Switch tables without relocations (arm64): given the raw instruction words of a
  /// function up to and including an indirect jump (oldest first) and their section
  /// offsets, the table's shape, or nil. x86 tables are found through relocations
  /// instead (objtool's way), so x86 leaves this nil.
  public var switchTablePattern: (@Sendable (_ words: [UInt32], _ offsets: [UInt32]) -> SwitchTablePattern?)? = nil
  /// `UNWIND_HINT` sp_reg numbers (`ORC_REG_*`) to CFA bases (objtool
  /// `arch_decode_hint_reg`); nil: not supported on this architecture.
  public var hintBase: @Sendable (UInt8) -> Int8? = { $0 == 0 ? CFIRule.undefinedBase : nil }
  /// The relocation type (`ELF64_R_TYPE`) of a 32-bit PC-relative table entry (x86
  /// `R_X86_64_PC32`: position-independent switch tables), if the analysis needs one.
  public var pcRelative32Relocation: UInt32? = nil
  /// Relocation types whose field is PC-relative the way a branch's is (x86 PC32 and
  /// PLT32: the target is the addend plus `branchAddendBias`), for `--ibt`.
  public var pcRelativeRelocations: Set<UInt32> = []
  /// Calls exempt from the frame-pointer rule (x86 ftrace's `__fentry__`).
  public var frameExemptCallees: Set<String> = []
  /// The ftrace entry hook every traced function calls first (x86 `__fentry__`):
  /// `--mcount` lists those calls in `__mcount_loc`.
  public var mcountCallee: String? = nil
  /// Kernel conventions shared by the architectures (symbol names objtool knows).
  public var kernel = KernelConventions()
  /// WARN sites are known only from `__bug_table` (arm64: `brk #0x800` with a
  /// BUGFLAG_WARNING entry continues; x86 6.12 annotates them reachable instead).
  public var warningsFromBugTable = false

  public init(functionEntryCFI: CFIState, calleeSavedMask: UInt32, registers: RegisterVocabulary,
              noreturnFunctions: Set<String>, branchAddendBias: Int64,
              isRetpolineThunk: @escaping @Sendable (String) -> Bool,
              isReturnThunk: @escaping @Sendable (String) -> Bool,
              alternativeLayout: AlternativeLayout) {
    self.functionEntryCFI = functionEntryCFI
    self.calleeSavedMask = calleeSavedMask
    self.registers = registers
    self.noreturnFunctions = noreturnFunctions
    self.branchAddendBias = branchAddendBias
    self.isRetpolineThunk = isRetpolineThunk
    self.isReturnThunk = isReturnThunk
    self.alternativeLayout = alternativeLayout
  }

  @inline(__always) public func isCalleeSaved(_ r: UInt8) -> Bool { r < 32 && calleeSavedMask & (1 << UInt32(r)) != 0 }
}

/// A switch table found from the code alone (arm64 GCC/clang): entries are offsets
/// from a base, the table is located through the relocation of one instruction.
public struct SwitchTablePattern: Sendable, Equatable {
  /// The instruction (section offset) whose relocation names the table (the `add
  /// :lo12:` of `adrp`/`add`).
  public var anchor: UInt32
  public var entrySize: Int
  public var signedEntries: Bool
  /// target = base + (entry << shift)
  public var shift: Int
  /// Section offset of the base (`adr`), or nil when the base is the table itself.
  public var base: UInt32?
  /// Number of entries, from the bounds check (`cmp wI, #N-1` + `b.hi`/`b.ls`); 0 when
  /// no check was found (the table then ends at the next referenced data).
  public var count: Int
  /// The largest bound any compare of the index register before the jump allows, when
  /// it is larger than `count`: the nearest compare bounds only the path it is on when
  /// other branches also enter the table code (GCC's bit-test clusters around a table
  /// for the whole range). The analysis tries it first and keeps it only when every
  /// entry is a case label of the function before the next data the object refers to.
  public var widerCount: Int = 0

  public init(anchor: UInt32, entrySize: Int, signedEntries: Bool, shift: Int, base: UInt32?, count: Int) {
    self.anchor = anchor
    self.entrySize = entrySize
    self.signedEntries = signedEntries
    self.shift = shift
    self.base = base
    self.count = count
  }
}

/// Options that change what is validated, with objtool's meaning.
public struct AnalysisOptions: Sendable {
  /// `--stackval`: the frame-pointer rules.
  public var framePointerRules = false
  /// `--link`: the object is linked (vmlinux.o or a module's linked .o).
  public var linked = false
  /// `--module`.
  public var module = false
  /// `--no-unreachable`.
  public var skipUnreachable = false
  /// `--ibt`: a direct jump just past a function's ENDBR also enters that function
  /// (objtool `is_first_func_insn`), so it is a sibling call.
  public var ibt = false
  /// Read unwind hints with 6.1's type numbering.
  public var hintNumbering61 = false
  /// Report alternative conflicts as objtool 6.1 did: at the conflicting instruction,
  /// without naming it in the message.
  public var conflictAtInstruction = false
  /// objtool 6.1's unreachable pass: it stops at the first unreachable instruction of
  /// the object, and has no "missing a __noreturn annotation" message (6.3 on): an
  /// instruction after a call that does not return is just unreachable.
  public var firstUnreachableOnly = false
  /// objtool 6.1's patch-site tables: every `.altinstructions` entry gets a fresh CFI
  /// table, which the original stream then uses; earlier replacements of the site keep
  /// theirs (so a conflict between two replacements goes unseen). 6.12 shares one table
  /// per site.
  public var tablePerEntry = false
  /// A bad `__jump_table`/`__ex_table` entry is a finding at the entry and the rest is
  /// still analysed (objtool, and so its front end, stops at it).
  public var badEntriesAreFindings = true
  /// Read 6.14+'s `.discard.annotate_insn` annotations.
  public var annotateInstructions = false
  /// `--backtrace`: after a finding, the branch chain that led to it.
  public var backtrace = false
  /// Record the branch chains so that a join mismatch names both paths (`--verbose`,
  /// JSON, SARIF); costs one small append per branch walked.
  public var explainPaths = false
  /// `trace`: the symbol-table index of the function whose walk is recorded event by
  /// event (the walk then runs on one thread).
  public var traceSymbol: Int?
  /// Also follow position-independent switch tables (4-byte `.long .Lcase-.Ltable`
  /// entries, R_X86_64_PC32), which user-space -fPIE code uses and the kernel never
  /// does. objtool 6.12 takes only their first entry; `check --against-dwarf` turns
  /// this on so every case of a user-space switch is walked and compared.
  public var relativeJumpTables = false
  /// Walk the functions (objtool does only for `--orc`, `--stackval`, `--uaccess`;
  /// without the walk only the tables are read and the site lists made).
  public var walk = true
  /// `--mcount`: calls to the ftrace hook go to `__mcount_loc`, not `.call_sites`.
  public var mcount = false
  /// `--hacks=jump_label`: a jump-label JMP whose key says "initially off" (bit 1 of
  /// the key's addend) is a NOP from the start: analysed as one, and rewritten.
  public var jumpLabelHack = false
  /// Collect the site lists objtool writes (the `objtool` front end's sections; the
  /// `.ibt_endbr_seal` scan costs a pass over every relocation).
  public var collectSites = false
  /// `--retpoline`: indirect calls and jumps outside annotated places are findings;
  /// with `--rethunk` also bare returns. `--sls`: a `ret` or indirect jump must be
  /// followed by a trap (`int3`).
  public var retpolineCheck = false
  public var rethunkCheck = false
  public var slsCheck = false
  /// `--uaccess`: the uaccess alternatives are followed patched (see
  /// `AlternativeLayout.uaccessFeatures`).
  public var uaccess = false
  /// `--hacks=noinstr`: instrumentation calls in `noinstr` code become NOPs (tail calls
  /// returns): analysed as such, and rewritten.
  public var noinstrHack = false
  /// `--noinstr` (with `--link`): in noinstr sections, calls with instrumentation off
  /// must stay in noinstr code, and returns must not leave it on.
  public var noinstr = false
  /// `--unret`: from each VALIDATE_UNRET_BEGIN, every path untrains the return
  /// predictor before its first return or indirect branch.
  public var unret = false
  /// Threads for the walk of one object's functions (1: sequential).
  public var walkThreads = 1
  /// Objects with fewer instructions are walked on one thread (threads cost more than
  /// they save there).
  public var parallelWalkMinimum = 1 << 17
  /// Told, from any walk thread, how many more roots (functions, hint entries) were
  /// walked, and of how many: a progress line for long runs.
  public var rootsWalked: (@Sendable (_ more: Int, _ total: Int) -> Void)? = nil
  public init() {}
}

/// Where the fields of one `.altinstructions` entry are (`struct alt_instr`); the two
/// code pointers are always s32 PC-relative words at 0 and 4, read via relocations.
public struct AlternativeLayout: Sendable {
  public var entrySize: Int
  /// u16 CPU feature (x86: low half of `ft_flags` in 6.2+; arm64: `cpucap`).
  public var featureOffset: Int
  public var originalLengthOffset: Int
  public var replacementLengthOffset: Int
  /// Features whose original code objtool does not follow (x86 POPCNT), and whose
  /// replacement it does not follow (x86 SMAP when uaccess validation is off).
  public var skipOriginalFeatures: Set<UInt16>
  public var skipReplacementFeatures: Set<UInt16>
  /// Consecutive entries for one original site form one nested group
  /// (ALTERNATIVE_2/3 since 6.10) whose length is the largest orig_len.
  public var nestedGroups: Bool
  /// arm64 `ARM64_CB_BIT`: entries with this feature bit name a boot-time callback that
  /// rewrites the original; only the original stream is validated.
  public var callbackBit: UInt16? = nil
  /// Features of the uaccess switches (x86 SMAP: STAC/CLAC): with `--uaccess` objtool
  /// follows only their replacement (the original is skipped), without it only their
  /// original (the replacement is skipped), so no path sees a STAC without its CLAC.
  public var uaccessFeatures: Set<UInt16> = []

  /// The layout as objtool applies it with or without `--uaccess`.
  public func forUaccess(_ uaccess: Bool) -> AlternativeLayout {
    var l = self
    if uaccess { l.skipOriginalFeatures.formUnion(uaccessFeatures) } else { l.skipReplacementFeatures.formUnion(uaccessFeatures) }
    return l
  }
  /// Callbacks that only turn the original into NOPs (arm64 `alt_cb_patch_nops`, the
  /// static branches of alternative_has_cap_*): both the original and the all-NOP
  /// stream are live. Any other callback's output is unknown.
  public var nopCallbacks: Set<String> = []

  public init(entrySize: Int, featureOffset: Int, originalLengthOffset: Int, replacementLengthOffset: Int,
              skipOriginalFeatures: Set<UInt16> = [], skipReplacementFeatures: Set<UInt16> = [], nestedGroups: Bool) {
    self.entrySize = entrySize
    self.featureOffset = featureOffset
    self.originalLengthOffset = originalLengthOffset
    self.replacementLengthOffset = replacementLengthOffset
    self.skipOriginalFeatures = skipOriginalFeatures
    self.skipReplacementFeatures = skipReplacementFeatures
    self.nestedGroups = nestedGroups
  }
}

/// An architecture's registers as the analysis sees them: its register model. Each
/// CFI slot (`CFIState.regs`, `StackOp` register fields) is one register, named and
/// numbered for DWARF here; the architecture chooses how many (at most
/// `CFIState.registerCapacity`) and which slot is the stack pointer, the frame pointer
/// and the return address. Nothing outside the architecture assumes a numbering.
public struct RegisterVocabulary: Sendable {
  /// The name of each slot (its count is the model's).
  public var names: [String]
  /// The DWARF register number of each slot.
  public var dwarfNumbers: [UInt16]
  public var stackPointer: UInt8
  public var framePointer: UInt8
  /// The slot that describes the return address: a pseudo-register (x86: the return
  /// address is on the stack; objtool `CFI_RA`) or the register it arrives in (arm64 x30).
  public var returnAddress: UInt8
  /// The return address arrives in a register (arm64 x30), not on the stack.
  public var returnAddressInRegister: Bool
  /// Messages show slot numbers, as objtool's do (x86); otherwise register names.
  public var numbersInMessages: Bool

  public init(names: [String], dwarfNumbers: [UInt16], stackPointer: UInt8, framePointer: UInt8, returnAddress: UInt8,
              returnAddressInRegister: Bool, numbersInMessages: Bool) {
    precondition(names.count <= CFIState.registerCapacity && dwarfNumbers.count == names.count)
    self.names = names
    self.dwarfNumbers = dwarfNumbers
    self.stackPointer = stackPointer
    self.framePointer = framePointer
    self.returnAddress = returnAddress
    self.returnAddressInRegister = returnAddressInRegister
    self.numbersInMessages = numbersInMessages
  }

  /// How many slots the model has.
  public var count: Int { names.count }

  /// The slots, in order.
  public var slots: Range<Int> { 0..<names.count }

  public func name(_ slot: UInt8) -> String { Int(slot) < names.count ? names[Int(slot)] : "r?\(slot)" }

  /// The slot holding DWARF register `n`, if any.
  public func slot(dwarf n: UInt16) -> UInt8? { dwarfNumbers.firstIndex(of: n).map { UInt8($0) } }

  /// A slot as a message names it: `5` (x86, objtool's way) or `x29`.
  public func messageLabel(_ slot: Int) -> String {
    numbersInMessages ? "\(slot)" : name(UInt8(slot))
  }

  /// A slot as reports name it: the return address `ra`, the others by name.
  public func reportName(_ slot: Int) -> String { slot == Int(returnAddress) ? "ra" : name(UInt8(slot)) }

  /// A rule as a message shows it: objtool's `base+offset` numbers (x86), or with the
  /// base named (`sp+16`, `cfa-16`, `undef`, `[sp]+8`).
  public func messageText(_ r: CFIRule) -> String {
    if numbersInMessages { return r.objtoolText }
    let base: String
    switch r.base {
    case CFIRule.undefinedBase: return "undef"
    case CFIRule.cfaBase: base = "cfa"
    case CFIRule.spIndirectBase: base = "[\(name(stackPointer))]"
    case CFIRule.bpIndirectBase: base = "[\(name(framePointer))]"
    default: base = r.base >= 0 ? name(UInt8(r.base)) : "base\(r.base)"
    }
    return base + (r.offset >= 0 ? "+" : "") + "\(r.offset)"
  }
}

/// Which objtool the analysis emulates where versions differ.
public enum KernelVersion: String, Sendable, CaseIterable {
  case v6_1 = "6.1"
  case v6_12 = "6.12"
  case v6_14 = "6.14"

  /// What this kernel's objtool does differently, in one place: a new kernel is a case
  /// here and an entry in `ObjtoolTraits.of` (the objtool front end's command line is
  /// `ObjtoolContract`, in the driver).
  public var objtool: ObjtoolTraits { ObjtoolTraits.of(self) }
}

/// The behaviours that differ between the objtool versions unwindcheck emulates, as
/// data (each read where it applies: the analysis options, the x86 description, the
/// ORC format).
public struct ObjtoolTraits: Sendable {
  /// 6.1's unwind-hint type numbering (`UNWIND_HINT_TYPE_*` before 6.2's renumbering).
  public var hintNumbering61 = false
  /// 6.1 reports an alternatives conflict at the conflicting instruction, without
  /// naming it; later at the site's first instruction, naming it.
  public var conflictAtInstruction = false
  /// 6.1 gives each `.altinstructions` entry a fresh CFI table; later versions share
  /// one per site.
  public var tablePerEntry = false
  /// 6.1's unreachable pass stops at the object's first unreachable instruction and
  /// has no "missing a __noreturn annotation" message.
  public var firstUnreachableOnly = false
  /// 6.14's generic `.discard.annotate_insn` annotations.
  public var annotateInstructions = false
  /// 6.1's ORC entry layout (a 2-bit type and no signal bit before 6.3's).
  public var orcLayout61 = false
  /// 6.1's 12-byte x86 `struct alt_instr` (a u16 feature; 14 bytes with u32 flags
  /// since 6.2), without nested groups.
  public var alternatives61 = false
  /// x86: every 64-bit `mov %reg, %reg` is a stack op (6.12's decoder), so one into the
  /// CFA's base register makes the CFA undefined; 6.1's decoder makes ops of moves from
  /// or to %rsp only.
  public var registerMoves = true
  /// The noreturn functions and the uaccess-safe functions objtool knows by name.
  public var noreturns: [String] = KernelNoreturns.linux6_12
  public var uaccessSafe: Set<String> = uaccessSafeFunctions6_12

  public static func of(_ kernel: KernelVersion) -> ObjtoolTraits {
    switch kernel {
    case .v6_1:
      ObjtoolTraits(hintNumbering61: true, conflictAtInstruction: true, tablePerEntry: true, firstUnreachableOnly: true,
                    orcLayout61: true, alternatives61: true, registerMoves: false, noreturns: KernelNoreturns.linux6_1,
                    uaccessSafe: uaccessSafeFunctions6_1)
    case .v6_12: ObjtoolTraits()
    case .v6_14: ObjtoolTraits(annotateInstructions: true)
    }
  }
}

/// Names the kernel (and objtool) give special meaning, the same on every architecture.
public struct KernelConventions: Sendable {
  /// Prefixes of the padding symbols before functions (`CONFIG_CFI_CLANG` `__cfi_`,
  /// `--prefix` `__pfx_`): falling through from one into its function is expected.
  public var paddingPrefixes = ["__cfi_", "__pfx_"]
  /// The kCFI preamble symbols (`CONFIG_CFI_CLANG`), which `--cfi` lists in `.cfi_sites`.
  public var cfiPreamblePrefix = "__cfi_"
  /// Sanitizer calls that never return: code leading to one is not "unreachable".
  public var noReturnSanitizerCalls: Set<String> = ["__ubsan_handle_builtin_unreachable", "__asan_handle_no_return"]
  /// Sections of alternative replacement code: a template, never annotated as a call
  /// site or reported unreachable on its own.
  public var replacementSection = KernelSections.alternativeReplacements
  /// Built-in init code (`.init.text`): runs before user space, so vmlinux's calls
  /// there need no call-depth accounting (modules' init code does).
  public var initSection = KernelSections.initText
  /// A module's entry points (`module_init`/`module_exit` aliases): called indirectly by
  /// the loader, so with IBT their ENDBR must stay.
  public var moduleEntryPoints: Set<String> = ["init_module", "cleanup_module"]
  /// Code that must not be instrumented (`noinstr`): these sections, and those with
  /// these prefixes.
  public var noinstrSections: Set<String> = [KernelSections.noinstrText, KernelSections.entryText, KernelSections.cpuidleText]
  public var noinstrSectionPrefixes = [".text..__x86."]
  /// The sections `--noinstr` walks when nothing else asks for the walk.
  public var noinstrWalkedSections = [KernelSections.noinstrText, KernelSections.entryText, KernelSections.cpuidleText]
  /// Instrumentation calls compilers leave in `noinstr` code (KCOV, KCSAN), which
  /// `--hacks=noinstr` turns into NOPs.
  public var profilingCallPrefixes = ["__sanitizer_cov_", "__tsan_func_"]
  public var profilingCalls: Set<String> = ["__tsan_atomic_signal_fence"]
  /// Functions that may be called, and may return, with user access enabled (objtool
  /// 6.12's list: sanitizer hooks and the *_user() copy helpers).
  public var uaccessSafeFunctions = uaccessSafeFunctions6_12
  /// The paravirt operations table (an indirect call through it from noinstr code is
  /// accepted when everything its slot can hold is noinstr), the tables that fill it
  /// statically, and the functions paravirt_patch() replaces by native code.
  public var paravirtOpsTable = "pv_ops"
  public var paravirtTables = ["pv_ops", "xen_cpu_ops", "xen_irq_ops", "xen_mmu_ops"]
  public var paravirtPatchedAway: Set<String> = ["_paravirt_nop", "_paravirt_ident_64"]
  /// Calls noinstr code may make with instrumentation off: UBSAN's reports (like WARN,
  /// only when something is already wrong).
  public var noinstrExemptCallPrefixes = ["__ubsan_handle_"]

  public func isNoinstrSection(_ name: String) -> Bool {
    noinstrSections.contains(name) || noinstrSectionPrefixes.contains(where: name.hasPrefix)
  }

  public func isProfilingCall(_ name: String) -> Bool {
    profilingCalls.contains(name) || profilingCallPrefixes.contains(where: name.hasPrefix)
  }

  public init() {}
}
