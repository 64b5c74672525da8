/// What the analysis needs to know about an architecture, as data (the analysis never
/// imports an arch module; `UnwindDriver` hands this in).
public struct ArchitectureDescription: Sendable {
  /// CFI state at function entry (objtool `initial_func_cfi`).
  public var functionEntryCFI: CFIState
  /// Registers `save_reg` tracks (x86: rbx, rbp, r12-r15), as a bit mask.
  public var calleeSavedMask: UInt32
  public var stackPointer: UInt8
  public var framePointer: UInt8
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
  /// Register name for diagnostics.
  public var registerName: @Sendable (UInt8) -> String
  /// `.altinstructions` entry layout (it differs by kernel version and arch).
  public var alternativeLayout: AlternativeLayout
  /// Switch tables without relocations (arm64): given the raw instruction words of a
  /// function up to and including an indirect jump (oldest first) and their section
  /// offsets, the table's shape, or nil. x86 tables are found through relocations
  /// instead (objtool's way), so x86 leaves this nil.
  public var switchTablePattern: (@Sendable (_ words: [UInt32], _ offsets: [UInt32]) -> SwitchTablePattern?)? = nil
  /// WARN sites are known only from `__bug_table` (arm64: `brk #0x800` with a
  /// BUGFLAG_WARNING entry continues; x86 6.12 annotates them reachable instead).
  public var warningsFromBugTable = false

  public init(functionEntryCFI: CFIState, calleeSavedMask: UInt32, stackPointer: UInt8, framePointer: UInt8,
              noreturnFunctions: Set<String>, branchAddendBias: Int64,
              isRetpolineThunk: @escaping @Sendable (String) -> Bool,
              isReturnThunk: @escaping @Sendable (String) -> Bool,
              registerName: @escaping @Sendable (UInt8) -> String,
              alternativeLayout: AlternativeLayout) {
    self.functionEntryCFI = functionEntryCFI
    self.calleeSavedMask = calleeSavedMask
    self.stackPointer = stackPointer
    self.framePointer = framePointer
    self.noreturnFunctions = noreturnFunctions
    self.branchAddendBias = branchAddendBias
    self.isRetpolineThunk = isRetpolineThunk
    self.isReturnThunk = isReturnThunk
    self.registerName = registerName
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
  /// Read 6.14+'s `.discard.annotate_insn` annotations.
  public var annotateInstructions = false
  /// `--backtrace`: after a finding, the branch chain that led to it.
  public var backtrace = false
  /// Also follow position-independent switch tables (4-byte `.long .Lcase-.Ltable`
  /// entries, R_X86_64_PC32), which user-space -fPIE code uses and the kernel never
  /// does. objtool 6.12 takes only their first entry; `check --against-dwarf` turns
  /// this on so every case of a user-space switch is walked and compared.
  public var relativeJumpTables = false
  /// Threads for the walk of one object's functions (1: sequential).
  public var walkThreads = 1
  /// Objects with fewer instructions are walked on one thread (threads cost more than
  /// they save there).
  public var parallelWalkMinimum = 1 << 17
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
