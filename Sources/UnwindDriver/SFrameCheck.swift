import Analysis
import ELFObject
import SFrame
import UnwindModel

/// `check --against-sframe`: the object's own `.sframe` (version 1, 2 or 3, as GNU as writes it
/// from `.cfi` directives) against the CFI the walk computed, instruction by
/// instruction, function by function:
///  - a function the walk reaches without an `.sframe` entry is named (UV1903); its
///    entry is the first that starts inside it (arm64 kernels open the CFI after the
///    patchable-entry NOPs: those instructions are counted as before the entry);
///  - where the rows disagree with the machine code, the function's first such
///    instruction is reported with the count (UV1902). Compared: the CFA (equal values
///    through SP or FP accepted: the walk knows how far SP and FP are from the CFA), the
///    frame-pointer slot wherever the machine code says FP is saved, the return address
///    (AArch64: its slot or x30, and the signed bit). A slot `.sframe` still names after
///    the register was restored is accepted (no `.cfi_restore` in epilogues), and so is
///    "not saved" for a frame pointer whose save the function's rows describe later
///    (clang's prologues), and "in the link register" for a saved return address while
///    x30 still holds it.
///  Where the walk's CFI has no SFrame row at all (a CFA on another register, DRAP, ...),
///  any row is a disagreement: GNU as 2.40 writes such rows wrong without a word.
struct SFrameCheck {
  var findings: [Finding] = []
  /// Functions compared / without an entry / with an entry not compared (version 3
  /// flexible, PC-mask); instructions compared / disagreeing.
  var functions = 0, missing = 0, notCompared = 0, instructions = 0, disagreeing = 0
  /// Functions whose entry starts after their first reached instruction (a patchable
  /// entry before the compiler's `.cfi_startproc`), and those instructions.
  var lateEntries = 0, uncoveredInstructions = 0
}

func checkAgainstSFrame(_ file: ELFFile, result: ValidationResult) -> Result<SFrameCheck, SFrameReadError> {
  guard let abi = SFrame.ABI(file.machine, file.byteOrder) else { return .failure(.unreadable("no SFrame ABI for \(file.machine)")) }
  let read: ReadSFrame
  switch readSFrame(file) {
  case .success(let x): read = x
  case .failure(let e): return .failure(e)
  }
  let decoded = read.decoded
  // The entries of each section by start. A function's entry is the first starting in
  // it: at its start, or later where the compiler's CFI begins after a patchable entry
  // (arm64 kernels: `-fpatchable-function-entry=4,2` puts two NOPs after the symbol
  // before `.cfi_startproc`); the instructions before it have no entry.
  var entries: [SectionIndex: [(start: UInt64, index: Int)]] = [:]
  for (k, start) in read.starts.enumerated() {
    if let s = start.section { entries[s, default: []].append((start.offset, k)) }
  }
  for s in entries.keys { entries[s]!.sort { $0.start < $1.start } }
  var out = SFrameCheck()
  let regs = result.registers
  let states = result.cfiStates
  forEachReachedFunction(file, result) { fn in
    let f = fn.symbol, cols = fn.columns
    let list = entries[cols.section] ?? []
    var lo = 0, hi = list.count
    while lo < hi {
      let mid = (lo + hi) / 2
      if list[mid].start < f.value { lo = mid + 1 } else { hi = mid }
    }
    guard lo < list.count, list[lo].start < f.value &+ max(f.size, 1) else {
      out.missing += 1
      out.findings.append(Finding(scope: Message(.sframeMissing, .function(f.name)), place: fn.place(fn.instructions.lowerBound)))
      return
    }
    let k = list[lo].index, entryStart = list[lo].start
    // (Flexible and PC-mask entries are not in the row model: counted, not compared.)
    guard !decoded.functions[k].flexible && !decoded.functions[k].pcMask else {
      out.notCompared += 1
      return
    }
    out.functions += 1
    let rows = decoded.functions[k].rows
    let fpSaves = Set(rows.compactMap(\.fpOffset))
    var first: (index: Int, what: String, ours: String, theirs: String)?
    var count = 0
    var r = -1  // the row in force (offsets only grow)
    var uncovered = 0
    for i in fn.instructions {
      guard let id = cols.cfi[i] else { continue }
      guard UInt64(cols.offsets[i]) >= entryStart else {
        uncovered += 1
        continue
      }
      let off = UInt32(truncatingIfNeeded: UInt64(cols.offsets[i]) - entryStart)
      while r + 1 < rows.count && rows[r + 1].offset <= off { r += 1 }
      guard r >= 0 else { continue }
      out.instructions += 1
      if let d = difference(states[id], rows[r], abi: abi, registers: regs, framePointerSaves: fpSaves) {
        count += 1
        if first == nil { first = (i, d.what, d.ours, d.theirs) }
      }
    }
    if uncovered > 0 {
      out.lateEntries += 1
      out.uncoveredInstructions += uncovered
    }
    // The key signing return addresses is the function's (AArch64): PACIBSP is B.
    if first == nil, rows.contains(where: \.raMangled), decoded.functions[k].pauthKeyB != fn.signsWithKeyB(file) {
      let key = { (b: Bool) in b ? "the B key" : "the A key" }
      first = (fn.instructions.lowerBound, "the return address signing key", key(!decoded.functions[k].pauthKeyB),
               key(decoded.functions[k].pauthKeyB))
      count = 1
    }
    if let first {
      out.disagreeing += count
      out.findings.append(Finding(at: fn.place(first.index),
                                  Message(.sframeDisagrees, .name(first.what), .value(first.ours), .value(first.theirs),
                                          .integer(count))))
    }
  }
  return .success(out)
}

/// What an `.sframe` row says differently from a state, if anything.
private func difference(_ s: CFIState, _ row: SFrame.Row, abi: SFrame.ABI, registers: RegisterVocabulary,
                        framePointerSaves: Set<Int32>)
  -> (what: String, ours: String, theirs: String)?
{
  let signed = SFrameDump.signed
  let theirsCFA = row.raUndefined ? "the outermost frame" : (row.cfaOnStackPointer ? "sp" : "fp") + signed(row.cfaOffset)
  let ours: SFrame.Row
  switch sframeRow(s, offset: row.offset, abi: abi, registers: registers) {
  case .success(let r): ours = r
  case .failure(let gap): return ("the frame", "not expressible in SFrame (\(gap.text))", theirsCFA)
  }
  // (The machine code always has a caller: an "outermost" row is the directives' word.)
  if row.raUndefined { return ("the frame", "a call frame", theirsCFA) }
  // The CFA: the same base and offset, or the other base holding the value that gives it.
  let oursCFA = (ours.cfaOnStackPointer ? "sp" : "fp") + signed(ours.cfaOffset)
  if oursCFA != theirsCFA {
    let sameValue: Bool
    if row.cfaOnStackPointer {
      sameValue = !ours.cfaOnStackPointer && s.stackSize == row.cfaOffset  // SP = CFA - stackSize
    } else {
      let fpValue = s.vals[Int(registers.framePointer)]  // FP = CFA + offset, when tracked
      sameValue = ours.cfaOnStackPointer && fpValue.base == CFIRule.cfaBase && fpValue.offset == 0 &- row.cfaOffset
    }
    if !sameValue { return ("CFA", oursCFA, theirsCFA) }
  }
  // The frame pointer, wherever the machine code says it is saved. "Not saved" is
  // accepted where the function's rows describe that save later (clang emits every
  // `.cfi_offset` once the prologue's pushes are done) and the register still holds
  // the caller's value (nothing the walk follows set it since), as the DWARF
  // cross-check accepts it.
  // (A frame pointer that is the CFA's base holds a stack address, not the caller's.)
  let fpUnchanged = s.vals[Int(registers.framePointer)].base == CFIRule.undefinedBase
    && s.cfa.base != Int8(registers.framePointer)
  if let fp = ours.fpOffset, row.fpOffset != fp, !(row.fpOffset == nil && framePointerSaves.contains(fp) && fpUnchanged) {
    return ("the frame pointer save", "cfa" + signed(fp), row.fpOffset.map { "cfa" + signed($0) } ?? "not saved")
  }
  guard abi.tracksReturnAddress else { return nil }
  // (Saved, and still in x30 as long as nothing overwrote x30 since: GCC describes the
  // save a few instructions late, and "in the link register" is right until then.)
  let stillInLinkRegister = row.raOffset == nil && s.vals[Int(registers.returnAddress)].base != CFIRule.overwrittenBase
  if let ra = ours.raOffset, row.raOffset != ra, !stillInLinkRegister {
    return ("the return address", "at cfa" + signed(ra), row.raOffset.map { "at cfa" + signed($0) } ?? "in the link register")
  }
  // Saved by .sframe while the machine code has it in x30: an unwinder would read the
  // slot. Accepted while the slot is still live (at or above SP: a restore described an
  // instruction late, the slot still holds the value); below SP it was never written on
  // this path or is released (GNU as 2.40 keeps a shrink-wrapped function's saves on
  // its early-return path).
  if ours.raOffset == nil, let theirs = row.raOffset, theirs < 0 &- Int32(truncatingIfNeeded: s.stackSize) {
    return ("the return address", "in the link register", "at cfa" + signed(theirs))
  }
  if ours.raMangled != row.raMangled {
    return ("the return address signing", ours.raMangled ? "signed" : "not signed", row.raMangled ? "signed" : "not signed")
  }
  return nil
}
