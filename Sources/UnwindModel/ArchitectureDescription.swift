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
  /// Register name for diagnostics.
  public var registerName: @Sendable (UInt8) -> String

  public init(functionEntryCFI: CFIState, calleeSavedMask: UInt32, stackPointer: UInt8, framePointer: UInt8,
              noreturnFunctions: Set<String>, branchAddendBias: Int64,
              isRetpolineThunk: @escaping @Sendable (String) -> Bool,
              isReturnThunk: @escaping @Sendable (String) -> Bool,
              registerName: @escaping @Sendable (UInt8) -> String) {
    self.functionEntryCFI = functionEntryCFI
    self.calleeSavedMask = calleeSavedMask
    self.stackPointer = stackPointer
    self.framePointer = framePointer
    self.noreturnFunctions = noreturnFunctions
    self.branchAddendBias = branchAddendBias
    self.isRetpolineThunk = isRetpolineThunk
    self.isReturnThunk = isReturnThunk
    self.registerName = registerName
  }

  @inline(__always) public func isCalleeSaved(_ r: UInt8) -> Bool { r < 32 && calleeSavedMask & (1 << UInt32(r)) != 0 }
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
  public init() {}
}
