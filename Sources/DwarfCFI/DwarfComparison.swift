import UnwindModel

/// How unwindcheck's register numbers map to DWARF's for one architecture.
public struct DwarfRegisterMap: Sendable {
  /// Our register number -> DWARF register number.
  public var toDwarf: [UInt16]
  public var stackPointer: UInt8
  public var framePointer: UInt8
  /// Our name for a register (diagnostics use the machine's names, not DWARF numbers).
  public var registerName: @Sendable (UInt8) -> String
  /// DWARF number -> our register, for naming DWARF's side.
  public var fromDwarf: @Sendable (UInt16) -> UInt8?

  /// The return address arrives in a register (arm64 x30) rather than on the stack;
  /// `returnAddressSlot` is that register's slot.
  public var returnAddressInRegister = false
  /// The slot describing the return address.
  public var returnAddress: UInt8

  public init(toDwarf: [UInt16], stackPointer: UInt8, framePointer: UInt8,
              registerName: @escaping @Sendable (UInt8) -> String,
              fromDwarf: @escaping @Sendable (UInt16) -> UInt8?, returnAddress: UInt8, returnAddressInRegister: Bool = false) {
    self.returnAddressInRegister = returnAddressInRegister
    self.returnAddress = returnAddress
    self.toDwarf = toDwarf
    self.stackPointer = stackPointer
    self.framePointer = framePointer
    self.registerName = registerName
    self.fromDwarf = fromDwarf
  }

  /// The map of an architecture's register vocabulary.
  public init(_ v: RegisterVocabulary) {
    self.init(toDwarf: v.dwarfNumbers, stackPointer: v.stackPointer, framePointer: v.framePointer,
              registerName: { v.name($0) }, fromDwarf: { v.slot(dwarf: $0) },
              returnAddress: v.returnAddress, returnAddressInRegister: v.returnAddressInRegister)
  }

  public var dwarfFramePointer: UInt16 { toDwarf[Int(framePointer)] }

  /// Our name for a DWARF register number.
  public func dwarfRegisterName(_ n: UInt16) -> String { fromDwarf(n).map(registerName) ?? "dwarf-r\(n)" }

  /// A DWARF register rule in the words the findings use.
  public func ruleText(_ r: DwarfRegisterRule) -> String {
    switch r {
    case .savedAt(let n): "cfa\(n >= 0 ? "+" : "")\(n)"
    case .sameValue: "not saved"
    case .undefined: "undefined"
    case .inRegister(let n): "in \(dwarfRegisterName(n))"
    case .expression: "expression"
    }
  }
}

/// What is compared at each instruction boundary.
public enum DwarfField: String, Sendable, CaseIterable {
  case cfa = "CFA"
  case returnAddress = "return address"
  case framePointer = "frame pointer save"
}

/// Why a boundary could not be compared. Counted separately in the summary.
public enum NotComparableReason: Int, Sendable, CaseIterable {
  /// No FDE covers the address (code without CFI directives, or no CFI section at all).
  case noDwarfRow
  /// unwindcheck's walk never reached the instruction (unreachable, ignored function).
  case notReached
  /// unwindcheck's own CFA is undefined there (after an unknown stack change).
  case unknownState
  /// The frame is not a call frame (an unwind hint made it a register frame, or end
  /// of stack): DWARF describes such frames with expressions, if at all.
  case nonCallFrame
  /// Alternative replacement code: DWARF has one row per address and cannot describe
  /// code that is patched in at run time.
  case replacementCode
  /// The DWARF CFA is an expression (GCC's DRAP stack realignment, signal trampolines).
  case dwarfExpression
  /// unwindcheck tracks a DRAP-realigned frame through the saved-pointer slot, which
  /// DWARF expresses with an expression.
  case realignedStack
  /// Function padding: the NOPs of a `__pfx_` symbol or between functions, which no
  /// FDE covers and no unwinder stops in.
  case padding

  public var label: String {
    switch self {
    case .noDwarfRow: "no DWARF row"
    case .notReached: "not reached"
    case .unknownState: "unknown stack state"
    case .nonCallFrame: "non-call frame"
    case .replacementCode: "alternative replacement"
    case .dwarfExpression: "DWARF expression"
    case .realignedStack: "realigned stack"
    case .padding: "padding"
    }
  }
}

/// Known, benign ways DWARF and the machine code differ; they count as agreement
/// (and are counted on their own in the summary).
public enum DwarfTolerance: Int, Sendable, CaseIterable {
  /// The frame pointer is saved on the stack, but the DWARF marks the save later (clang
  /// emits all `.cfi_offset`s once the prologue's pushes are done) or earlier. Until
  /// then the register still holds the caller's value, so "same value" is also true.
  /// Accepted only when the same function's DWARF does describe a save at that offset.
  case saveDescribedLate
  /// The frame pointer was popped, but the DWARF still names its save slot (GCC and
  /// clang emit no `.cfi_restore` in epilogues): the slot is below the stack pointer,
  /// i.e. already released, and the register again holds the caller's value.
  case restoredSlotReleased
  /// The two CFA rules name different registers that hold the same value: GCC's DRAP
  /// prologue (`lea 8(%rsp),%r10`) switches the DWARF CFA to `r10+0` while the stack
  /// pointer is still `CFA-8`; clang's arm64 epilogues switch to `sp+N` while the walk
  /// still bases the CFA on x29 (= sp there). Equal by the register values unwindcheck
  /// tracks (a register copy, or the stack size).
  case cfaThroughCopy
  /// The register was reloaded from its save slot, and the DWARF marks the restore
  /// later (GCC's arm64 epilogues put `.cfi_restore x30` after the final `add sp`). The
  /// slot still holds the value until SP moves past it, so both rules are true.
  /// Accepted only when the slot is one the function's DWARF names and is not released.
  case restoreDescribedLate

  public var label: String {
    switch self {
    case .cfaThroughCopy: "CFA through an equal register"
    case .restoreDescribedLate: "late restore description"
    case .saveDescribedLate: "late save description"
    case .restoredSlotReleased: "popped slot still named"
    }
  }
}

/// The comparison at one boundary.
public enum BoundaryVerdict: Hashable, Sendable {
  case agree
  case tolerated(DwarfTolerance)
  case disagree(DwarfField, ours: String, dwarf: String)
  case notComparable(NotComparableReason)
}

/// Compares the CFI unwindcheck computed before one instruction (`ours`) with the DWARF
/// row for the same address. Only what both sides define is compared: the CFA
/// (register and offset), the return-address location, and where the caller's frame
/// pointer is. `framePointerSaves` is every CFA offset at which the enclosing function's
/// DWARF says the frame pointer is saved (for `saveDescribedLate`).
public func compareBoundary(ours: CFIState, row: DwarfRow, map: DwarfRegisterMap,
                            framePointerSaves: Set<Int64>, returnAddressSaves: Set<Int64> = []) -> BoundaryVerdict {
  guard ours.type == .call else { return .notComparable(.nonCallFrame) }
  if ours.drap && ours.cfa.base < 0 { return .notComparable(.realignedStack) }
  guard ours.cfa.base >= 0, Int(ours.cfa.base) < map.toDwarf.count else { return .notComparable(.unknownState) }
  let ourCFA = (reg: map.toDwarf[Int(ours.cfa.base)], offset: Int64(ours.cfa.offset))
  var cfaThroughCopy = false
  switch row.cfa {
  case .undefined: return .notComparable(.noDwarfRow)
  case .expression: return .notComparable(.dwarfExpression)
  case .register(let r, let off):
    // DWARF's register holds CFA + v by our tracking, so its rule r+off is the CFA iff v + off == 0.
    if r != ourCFA.reg, let mine = map.fromDwarf(r), Int(mine) < CFIState.registerCapacity,
       ours.vals[Int(mine)].base == CFIRule.cfaBase, Int64(ours.vals[Int(mine)].offset) + off == 0 {
      cfaThroughCopy = true
    } else if r != ourCFA.reg, r == map.toDwarf[Int(map.stackPointer)], off == Int64(ours.stackSize) {
      // Ours is frame-pointer based, DWARF names SP: equal while SP = CFA - stackSize.
      cfaThroughCopy = true
    } else if r != ourCFA.reg || off != ourCFA.offset {
      return .disagree(.cfa, ours: cfaText(map.registerName(UInt8(ours.cfa.base)), ourCFA.offset),
                       dwarf: cfaText(map.dwarfRegisterName(r), off))
    }
  }

  var tolerance: DwarfTolerance? = cfaThroughCopy ? .cfaThroughCopy : nil

  // Return address: on the stack at CFA+n, or (arm64) still in the link register.
  let ra = ours.regs[Int(map.returnAddress)]
  let oursRA: Int64? = ra.base == CFIRule.cfaBase ? Int64(ra.offset) : nil
  if map.returnAddressInRegister && (oursRA != nil || ra.base == CFIRule.undefinedBase) {
    guard let dwarfRA = savedOffset(row.returnAddress) else {
      return .disagree(.returnAddress, ours: saveText(oursRA, inRegister: map.registerName(map.returnAddress)),
                       dwarf: map.ruleText(row.returnAddress))
    }
    switch compareSave(ours: oursRA, dwarf: dwarfRA, functionSaves: returnAddressSaves, state: ours, map: map) {
    case .same: break
    case .tolerated(let t): tolerance = tolerance ?? t
    case .differ:
      return .disagree(.returnAddress, ours: saveText(oursRA, inRegister: map.registerName(map.returnAddress)),
                       dwarf: map.ruleText(row.returnAddress))
    }
  } else if let n = oursRA, row.returnAddress != .savedAt(cfaOffset: n) {
    return .disagree(.returnAddress, ours: "cfa\(signed(n))", dwarf: map.ruleText(row.returnAddress))
  }
  let same: BoundaryVerdict = tolerance.map { .tolerated($0) } ?? .agree

  // Frame pointer: saved at CFA+n or not saved on both sides (other forms are not compared).
  let fp = ours.regs[Int(map.framePointer)]
  guard fp.base == CFIRule.cfaBase || fp.base == CFIRule.undefinedBase,
        let dwarfFP = savedOffset(row.framePointer) else { return same }
  let oursFP: Int64? = fp.base == CFIRule.cfaBase ? Int64(fp.offset) : nil
  switch compareSave(ours: oursFP, dwarf: dwarfFP, functionSaves: framePointerSaves, state: ours, map: map) {
  case .same: return same
  case .tolerated(let t): return .tolerated(t)
  case .differ: return .disagree(.framePointer, ours: saveText(oursFP, inRegister: nil), dwarf: map.ruleText(row.framePointer))
  }
}

/// A DWARF rule as "saved at CFA+n" (`.some(n)`) or "not saved" (`.some(nil)`: same
/// value or undefined); nil for forms that are not compared (register, expression).
private func savedOffset(_ r: DwarfRegisterRule) -> Int64?? {
  switch r {
  case .savedAt(let n): .some(n)
  case .sameValue, .undefined: .some(nil)
  case .inRegister, .expression: nil
  }
}

private enum SaveComparison { case same, tolerated(DwarfTolerance), differ }

/// Compares where a register's caller value is (saved at CFA+n, or nil = still in the
/// register) on both sides, with the save/restore tolerances: a save the function's
/// DWARF describes later, a popped slot DWARF still names (below SP), and (registers
/// that arrive in a register: arm64) a reload DWARF describes later while the slot is
/// still live.
private func compareSave(ours: Int64?, dwarf: Int64?, functionSaves: Set<Int64>, state: CFIState,
                         map: DwarfRegisterMap) -> SaveComparison {
  if ours == dwarf { return .same }
  if let o = ours, dwarf == nil, functionSaves.contains(o) { return .tolerated(.saveDescribedLate) }
  guard ours == nil, let d = dwarf else { return .differ }
  if state.cfa.base == Int8(map.stackPointer) && d < -Int64(state.cfa.offset) { return .tolerated(.restoredSlotReleased) }
  if map.returnAddressInRegister && functionSaves.contains(d) && d >= -Int64(state.stackSize) {
    return .tolerated(.restoreDescribedLate)
  }
  return .differ
}

/// `cfa-16`, or where an unsaved value is: `in x30`, or `not saved`.
private func saveText(_ offset: Int64?, inRegister register: String?) -> String {
  offset.map { "cfa\(signed($0))" } ?? register.map { "in \($0)" } ?? "not saved"
}

private func signed(_ v: Int64) -> String { v >= 0 ? "+\(v)" : "\(v)" }
private func cfaText(_ reg: String, _ off: Int64) -> String { reg + signed(off) }
