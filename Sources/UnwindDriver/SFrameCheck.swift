import Analysis
import ELFObject
import SFrame
import UnwindModel

/// `check --against-sframe`: the object's own `.sframe` (version 1, as GNU as writes it
/// from `.cfi` directives) against the CFI the walk computed, instruction by
/// instruction, function by function:
///  - a function the walk reaches without an `.sframe` entry is named (UV1903);
///  - where the rows disagree with the machine code, the function's first such
///    instruction is reported with the count (UV1902). Compared: the CFA (equal values
///    through SP or FP accepted: the walk knows how far SP and FP are from the CFA), the
///    frame-pointer slot wherever the machine code says FP is saved, the return address
///    (AArch64: its slot or x30, and the signed bit). A slot `.sframe` still names after
///    the register was restored is accepted (no `.cfi_restore` in epilogues), and so is
///    "in the link register" for a saved return address while x30 still holds it.
///  Where the walk's CFI has no SFrame row at all (a CFA on another register, DRAP, ...),
///  any row is a disagreement: GNU as 2.40 writes such rows wrong without a word.
struct SFrameCheck {
  var findings: [Finding] = []
  /// Functions compared / without an entry; instructions compared / disagreeing.
  var functions = 0, missing = 0, instructions = 0, disagreeing = 0
}

enum SFrameCheckError: Error {
  case noSection
  case unreadable(String)
}

func checkAgainstSFrame(_ file: ELFFile, result: ValidationResult) -> Result<SFrameCheck, SFrameCheckError> {
  guard let section = file.section(named: ".sframe"), section.hasFileBytes else { return .failure(.noSection) }
  guard let abi = SFrame.ABI(file.machine, file.byteOrder) else { return .failure(.unreadable("no SFrame ABI for \(file.machine)")) }
  let decoded: SFrameV1.Decoded
  switch file.withBytes(of: section.index, { SFrameV1.decode($0) }) {
  case .success(let d): decoded = d
  case .failure(let e): return .failure(.unreadable("\(section.displayName)+0x\(String(e.offset, radix: 16)): \(e.reason)"))
  }
  // Each entry's function: the start field's relocation names its section and offset.
  var byField: [UInt64: Relocation] = [:]
  for r in file.relocations(for: section.index)?.relocations ?? [] where byField[r.offset] == nil { byField[r.offset] = r }
  var entries: [SectionIndex: [UInt64: Int]] = [:]
  for (k, f) in decoded.functions.enumerated() {
    guard let r = byField[UInt64(f.startFieldOffset)] else { continue }
    let sym = file.symbol(r.symbol)
    guard let s = sym.section.index else { continue }
    entries[s, default: [:]][sym.value &+ UInt64(bitPattern: r.addend)] = k
  }
  var out = SFrameCheck()
  let regs = result.registers
  let states = result.cfiStates
  for entry in result.instructionCFI {
    let sec = file.section(entry.section)
    guard sec.name != KernelSections.alternativeReplacements else { continue }
    var seen: Set<UInt64> = []
    for f in file.symbolsByAddress(in: entry.section) where f.isFunction && f.size > 0 && seen.insert(f.value).inserted {
      var lo = 0, hi = entry.offsets.count
      while lo < hi { let mid = (lo + hi) / 2; if UInt64(entry.offsets[mid]) < f.value { lo = mid + 1 } else { hi = mid } }
      var end = lo
      while end < entry.offsets.count, UInt64(entry.offsets[end]) < f.value &+ f.size { end += 1 }
      guard (lo..<end).contains(where: { entry.cfi[$0] != nil }) else { continue }
      let place = { (i: Int) in
        CodeLocation(section: sec.displayName, offset: UInt64(entry.offsets[i]), symbol: f.name,
                     symbolOffset: UInt64(entry.offsets[i]) - f.value, function: f.name)
      }
      guard let k = entries[entry.section]?[f.value] else {
        out.missing += 1
        out.findings.append(Finding(scope: Message(.sframeMissing, .function(f.name)), place: place(lo)))
        continue
      }
      out.functions += 1
      let rows = decoded.functions[k].rows
      var first: (index: Int, what: String, ours: String, theirs: String)?
      var count = 0
      for i in lo..<end {
        guard let id = entry.cfi[i] else { continue }
        let off = UInt32(truncatingIfNeeded: UInt64(entry.offsets[i]) - f.value)
        guard let row = rows.last(where: { $0.offset <= off }) else { continue }
        out.instructions += 1
        if let d = difference(states[id], row, abi: abi, registers: regs) {
          count += 1
          if first == nil { first = (i, d.what, d.ours, d.theirs) }
        }
      }
      if let first {
        out.disagreeing += count
        out.findings.append(Finding(at: place(first.index),
                                    Message(.sframeDisagrees, .name(first.what), .value(first.ours), .value(first.theirs),
                                            .integer(count))))
      }
    }
  }
  return .success(out)
}

/// What an `.sframe` row says differently from a state, if anything.
private func difference(_ s: CFIState, _ row: SFrame.Row, abi: SFrame.ABI, registers: RegisterVocabulary)
  -> (what: String, ours: String, theirs: String)?
{
  func signed(_ n: Int32) -> String { n >= 0 ? "+\(n)" : "\(n)" }
  let theirsCFA = (row.cfaOnStackPointer ? "sp" : "fp") + signed(row.cfaOffset)
  guard case .success(let ours) = sframeRow(s, offset: row.offset, abi: abi, registers: registers) else {
    if case .failure(let gap) = sframeRow(s, offset: row.offset, abi: abi, registers: registers) {
      return ("the frame", "not expressible in SFrame (\(gap.text))", theirsCFA)
    }
    return nil
  }
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
  // The frame pointer, wherever the machine code says it is saved.
  if let fp = ours.fpOffset, row.fpOffset != fp {
    return ("the frame pointer save", "cfa" + signed(fp), row.fpOffset.map { "cfa" + signed($0) } ?? "not saved")
  }
  guard abi.tracksReturnAddress else { return nil }
  // (Saved, and still in x30 as long as nothing overwrote x30 since: GCC describes the
  // save a few instructions late, and "in the link register" is right until then.)
  let stillInLinkRegister = row.raOffset == nil && s.vals[Int(registers.returnAddress)].base != CFIRule.overwrittenBase
  if let ra = ours.raOffset, row.raOffset != ra, !stillInLinkRegister {
    return ("the return address", "at cfa" + signed(ra), row.raOffset.map { "at cfa" + signed($0) } ?? "in the link register")
  }
  if ours.raMangled != row.raMangled {
    return ("the return address signing", ours.raMangled ? "signed" : "not signed", row.raMangled ? "signed" : "not signed")
  }
  return nil
}
